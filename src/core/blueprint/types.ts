/**
 * Blueprints (issue 19): a declarative customization (custom fields, their options and placements,
 * panels) applied to many tenants, the customization state a tenant has (what a snapshot keeps and
 * what plans and drift compare), and the plan of one tenant. Pure types; the format is in
 * docs/blueprints.md and its schema in `schema.ts`.
 */
import type { PlacementLayout } from '../layout/placement.js';

/** The layouts a blueprint places fields on (create_custom_field's `addToLayouts`). */
export type BlueprintLayout = PlacementLayout;

/** The layouts that have panels (a blueprint's `panels`). */
export const PANEL_LAYOUTS = ['detail', 'detailSmall'] as const;
export type PanelLayout = (typeof PANEL_LAYOUTS)[number];

/** An option of an enum-like field: its value, or the value with a label and a style. */
export type BlueprintOption = string | { value: string; label?: string; style?: string };

/** Where a field goes on one layout: the layout's name, or the layout with a position. */
export type LayoutTarget =
  | BlueprintLayout
  | {
      layout: BlueprintLayout;
      /** Detail layouts: a panel's label (or name), or its 0-based index; default: the first panel. */
      panel?: string | number;
      /** A field already in the layout (stored name, e.g. "name" or "cSecteur"). */
      after?: string;
      fullWidth?: boolean;
      /** List layouts: the column's width in percent. */
      width?: number;
    };

/** A target with its layout named explicitly (`placementTargets` of the layout core gives these). */
export interface NormalizedTarget {
  layout: BlueprintLayout;
  panel?: string | number;
  after?: string;
  fullWidth?: boolean;
  width?: number;
}

/**
 * One custom field that must exist: what create_custom_field takes (without `entity`, given by the
 * blueprint's key), plus `layouts`. `name` is as typed for create_custom_field ("secteur" is stored
 * "cSecteur" where EspoCRM adds the prefix; "cSecteur" names the stored field directly).
 * For an existing enum/multiEnum/checklist/array field, `options` are options that must exist:
 * missing ones are added, others are kept.
 */
export interface FieldBlueprint {
  name: string;
  type: string;
  label?: string;
  tooltip?: string;
  required?: boolean;
  maxLength?: number;
  options?: BlueprintOption[];
  optionLabels?: Record<string, string>;
  style?: Record<string, string | null>;
  default?: string | number | boolean | string[] | null;
  min?: number;
  max?: number;
  decimalPlaces?: number;
  audited?: boolean;
  readOnly?: boolean;
  readOnlyAfterCreate?: boolean;
  isSorted?: boolean;
  pattern?: string;
  maxCount?: number;
  /** Other parameters of the type. */
  params?: Record<string, unknown>;
  /** Layouts that must show the field; a layout already showing it is left as it is. */
  layouts?: LayoutTarget[];
}

/** A panel that must exist on a detail layout (matched by label, case-insensitive). */
export interface PanelBlueprint {
  layout: PanelLayout;
  label: string;
  /** When the panel is added: after this panel (label or 0-based index); default: at the end. */
  after?: string | number;
}

/** What a blueprint removes: only what is written here is ever removed. */
export interface RemovalBlueprint {
  /** Custom fields to delete (as typed or stored name); a field already gone is fine. */
  fields?: string[];
  /** Placements to take off a layout (the field stays). */
  placements?: Array<{ layout: BlueprintLayout; field: string }>;
}

export interface EntityBlueprint {
  fields?: FieldBlueprint[];
  panels?: PanelBlueprint[];
  remove?: RemovalBlueprint;
}

export interface Blueprint {
  /** The JSON Schema the file follows (editors use it); ignored otherwise. */
  $schema?: string;
  name: string;
  description?: string;
  /** By entity type ("Lead", "Account", a custom entity...). */
  entities: Record<string, EntityBlueprint>;
}

// ---------------------------------------------------------------------------------------------
// A tenant's customization state: what a snapshot keeps, what plans and drift compare.

/** One custom field as the tenant has it. */
export interface FieldState {
  entity: string;
  /** The stored name, e.g. "cSecteur" (no prefix before EspoCRM 8.2). */
  name: string;
  type: string;
  isCustom: boolean;
  /** `entityDefs.{entity}.fields.{name}` as read (the Field Manager definition). */
  definition: Record<string, unknown>;
  /** The field's label per language ("en_US": "Sector"); languages that could not be read are absent. */
  labels: Record<string, string>;
  /** Option labels per language, then per option value (enum-like fields only). */
  optionLabels?: Record<string, Record<string, string>>;
}

/** One layout the tenant customized, exactly as EspoCRM served it. */
export interface LayoutState {
  entity: string;
  layout: string;
  /** The layout differs from EspoCRM's original (or was changed through this server). */
  customized: boolean;
  /** The layout JSON exactly as EspoCRM returned it (for a byte-for-byte restore). */
  json: string;
}

export interface TenantCustomization {
  tenant: string;
  /** The EspoCRM version the CRM reported, when known. */
  version?: string;
  siteUrl?: string;
  /** ISO time of the read. */
  readAt: string;
  /** Whether custom fields get the "c" prefix on this tenant (EspoCRM 8.2+ without customPrefixDisabled). */
  prefixCustom?: boolean;
  /** The languages whose labels were read (the tenant's default language first). */
  languages?: string[];
  /** The entities read. */
  entities?: string[];
  /** Every entity read, with what a plan needs beyond the custom fields (small: names and types). */
  entityInfo?: Record<string, EntityInfo>;
  fields: FieldState[];
  /** The layouts read (the placement layouts of each entity read), each flagged `customized` or not. */
  layouts: LayoutState[];
  /** What could not be read or is not captured, in words. */
  notes?: string[];
}

/** What a plan needs to know of an entity besides its custom fields. */
export interface EntityInfo {
  /** EspoCRM accepts custom fields on it (scopes.{entity}.customizable and not entityManager.fields false). */
  customizable: boolean;
  /** A custom entity (its custom fields get no "c" prefix). */
  isCustom: boolean;
  /** Layouts can be saved (not entityManager.layouts false). */
  layoutsEditable: boolean;
  /** Every field of the entity, custom or not: name -> type. */
  fields: Record<string, string>;
  /** Link names (a field may not take one). */
  links?: string[];
}

// ---------------------------------------------------------------------------------------------
// Plans.

/**
 * One step of a tenant's plan, in the order to apply them: panels first (fields may be placed in
 * them), then fields (created, updated, options added), then placements, then removals. Every
 * placement is its own `place_field` step, also for a field the plan creates (create_field carries
 * no layouts), so each step is one change to record and undo.
 */
export type PlanStep =
  | { kind: 'add_panel'; entity: string; layout: PanelLayout; label: string; after?: string | number }
  | {
      kind: 'create_field';
      entity: string;
      /** The stored name the field will get ("cSecteur"). */
      field: string;
      /** The blueprint's field, without `layouts` (what create_custom_field takes, with `entity`). */
      spec: Omit<FieldBlueprint, 'layouts'>;
    }
  | {
      kind: 'add_options';
      entity: string;
      field: string;
      /** The options to add (update_custom_field's `addOptions`). */
      options: BlueprintOption[];
    }
  | {
      kind: 'update_field';
      entity: string;
      field: string;
      /** What to set, in update_custom_field's terms (label, required, maxLength, default...). */
      set: Record<string, unknown>;
      /** The current values of the same keys (for the plan's text and undo). */
      before: Record<string, unknown>;
    }
  | { kind: 'place_field'; entity: string; field: string; layout: BlueprintLayout; panel?: string | number; after?: string; fullWidth?: boolean; width?: number }
  | { kind: 'delete_field'; entity: string; field: string }
  | { kind: 'unplace_field'; entity: string; layout: BlueprintLayout; field: string };

export type PlanStepKind = PlanStep['kind'];

/** Why part of a blueprint cannot be applied to a tenant (nothing is written for that tenant). */
export interface PlanConflict {
  entity: string;
  field?: string;
  layout?: string;
  reason: string;
}

export interface BlueprintPlan {
  steps: PlanStep[];
  conflicts: PlanConflict[];
  /** Assumptions and mappings, in words (e.g. the name "secteur" stored as "cSecteur"). */
  notes: string[];
}

export type TenantPlanStatus = 'changes' | 'in_sync' | 'conflict' | 'skipped' | 'unreachable';

export interface TenantPlan {
  tenant: string;
  status: TenantPlanStatus;
  steps: PlanStep[];
  conflicts: PlanConflict[];
  /** Why the tenant was skipped or unreachable. */
  reason?: string;
}

// ---------------------------------------------------------------------------------------------
// Differences (drift, compare).

export type DifferenceKind =
  | 'field_missing'
  | 'field_extra'
  | 'field_type'
  | 'field_definition'
  | 'options_missing'
  | 'options_extra'
  | 'label'
  | 'option_label'
  | 'layout_missing'
  | 'layout_extra'
  | 'layout_different'
  | 'placement_missing'
  | 'placement_extra'
  | 'panel_missing';

/**
 * One difference between an expected customization (a blueprint, a snapshot, another tenant) and
 * the actual one. `expected`/`actual` hold the values compared, when there are values.
 */
export interface Difference {
  kind: DifferenceKind;
  entity: string;
  field?: string;
  layout?: string;
  /** The definition parameter (field_definition), or the option (option_label). */
  key?: string;
  lang?: string;
  expected?: unknown;
  actual?: unknown;
  /** In words, for a report. */
  summary: string;
}
