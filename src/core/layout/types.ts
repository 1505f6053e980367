/**
 * Typed views of the layout JSON. Only what the core checks structurally is declared; every other
 * key stays on the object untouched (`[key: string]: unknown`), so nothing is lost when a layout is
 * parsed, edited and written back. Flags are read with JavaScript truthiness, as EspoCRM's client
 * does (the core `Lead/list.json` has `"link": "true"`).
 */

import type { JsonValue } from './json.js';

/** A detail cell: `name` plus `fullWidth`, `customLabel`, `noLabel`, `view`, ... */
export interface DetailCell {
  name: string;
  [key: string]: unknown;
}

/** `false` is an empty slot; `null` is read the same way by the layout manager. */
export type DetailRowItem = DetailCell | false | null;
export type DetailRow = DetailRowItem[];

/** A detail panel: `rows` plus `label`, `customLabel`, `name`, `style`, `tabBreak`, `tabLabel`, `hidden`, ... */
export interface DetailPanel {
  rows: DetailRow[];
  [key: string]: unknown;
}

/** A list column: `name` plus `width`, `widthPx`, `link`, `notSortable`, `align`, `view`, ... */
export interface ListColumn {
  name: string;
  [key: string]: unknown;
}

/** A defaultSidePanel or relationships item: a bare name or an object with `name`. */
export type NamedItem = string | { name: string; [key: string]: unknown };

/** A side or bottom panel entry: `index`, `disabled`, `sticked`, `tabBreak`, ... */
export type PanelMapEntry = Record<string, unknown>;

export type ParsedLayout =
  | { kind: 'panels'; name: string; panels: DetailPanel[] }
  | { kind: 'columns'; name: string; columns: ListColumn[] }
  | { kind: 'fieldList'; name: string; fields: string[] }
  | { kind: 'cells'; name: string; cells: NamedItem[] }
  | { kind: 'panelMap'; name: string; panels: Record<string, PanelMapEntry> }
  | { kind: 'linkList'; name: string; links: NamedItem[] }
  | { kind: 'opaque'; name: string; value: JsonValue };

export type LayoutIssueSeverity = 'error' | 'warning';

export interface LayoutIssue {
  /** Where, in the layout's own terms: `panels[1].rows[0][2]`, `columns[3].width`, `fields[2]`. */
  path: string;
  /** What is wrong and how to fix it. */
  message: string;
  severity: LayoutIssueSeverity;
}

/**
 * A field definition as in `entityDefs.{Entity}.fields.{field}` (docs/espocrm.md, "Field
 * definitions"). Only the keys the layout rules read are listed; the rest of the metadata may be
 * passed along as is.
 */
export interface LayoutFieldDef {
  type?: string;
  disabled?: boolean;
  utility?: boolean;
  readOnly?: boolean;
  readOnlyAfterCreate?: boolean;
  notStorable?: boolean;
  massUpdateDisabled?: boolean;
  layoutAvailabilityList?: string[];
  layoutIgnoreList?: string[];
  layoutDetailDisabled?: boolean;
  layoutListDisabled?: boolean;
  layoutFiltersDisabled?: boolean;
  layoutMassUpdateDisabled?: boolean;
  layoutDefaultSidePanelDisabled?: boolean;
  detailLayoutIncompatibleFieldList?: string[];
  [key: string]: unknown;
}

/** A link definition as in `entityDefs.{Entity}.links.{link}`. */
export interface LayoutLinkDef {
  type?: string;
  disabled?: boolean;
  utility?: boolean;
  layoutRelationshipsDisabled?: boolean;
  [key: string]: unknown;
}

/** What the rules know about the entity: its metadata, read by the caller. */
export interface LayoutContext {
  /** The entity type, for messages ("not a field of Lead"). */
  entityType?: string;
  /** `entityDefs.{Entity}.fields`. */
  fields: Record<string, LayoutFieldDef>;
  /** `entityDefs.{Entity}.links`: checked for the relationships layout when given. */
  links?: Record<string, LayoutLinkDef>;
  /** Metadata `fields` (field types): when given, filters are checked for `fields.{type}.filter`. */
  fieldTypes?: Record<string, unknown>;
}
