import type { FieldSpecError } from './errors.js';

/**
 * The shapes of EspoCRM metadata this core reads (a tenant's own `GET Metadata`), and of what it
 * produces. Metadata is untrusted JSON: every reader checks shapes before use.
 */

/** `fields.{type}.params[]`: one parameter of a field type. */
export interface ParamDef {
  name: string;
  /** The parameter's own field type: bool, int, float, varchar, text, enum, enumInt, multiEnum, array, jsonObject... */
  type?: string;
  default?: unknown;
  min?: number;
  max?: number;
  options?: unknown[];
  required?: boolean;
  hidden?: boolean;
  [key: string]: unknown;
}

/** `fields.{type}`: a field type definition. */
export interface FieldTypeDef {
  params?: ParamDef[];
  notCreatable?: boolean;
  /** The type supports option labels (`translatedOptions`). */
  translatedOptions?: boolean;
  [key: string]: unknown;
}

/** `entityDefs.{Entity}.fields.{field}`. */
export interface FieldDef {
  type: string;
  [key: string]: unknown;
}

export interface LinkDef {
  type?: string;
  entity?: string;
  [key: string]: unknown;
}

/** `entityDefs.{Entity}`. */
export interface EntityDefs {
  fields?: Record<string, FieldDef>;
  links?: Record<string, LinkDef>;
  [key: string]: unknown;
}

/** `scopes.{Entity}`. */
export interface ScopeDefs {
  entity?: boolean;
  customizable?: boolean;
  isCustom?: boolean;
  entityManager?: { fields?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

/** What validation needs from one tenant's metadata. */
export interface FieldMeta {
  /** `metadata.fields`. */
  fieldTypes: Record<string, FieldTypeDef>;
  /** The target entity: `defs` = `entityDefs.{name}`, `scope` = `scopes.{name}`; both missing = unknown entity. */
  entity: { name: string; defs?: EntityDefs; scope?: ScopeDefs };
  /** The tenant's EspoCRM version (e.g. "9.1.7"); missing = assume 9.x. */
  version?: string;
  /** Config `customPrefixDisabled` (no `c` prefix even on 8.2+). */
  customPrefixDisabled?: boolean;
  /** `metadata.scopes`, when at hand: lets errors list the entity types that accept custom fields. */
  scopes?: Record<string, ScopeDefs>;
  /** Names of `app.regExpPatterns`, when at hand: `pattern: "$digits"` must name one of them. */
  regExpPatternNames?: string[];
}

/** How a requested field name maps to what EspoCRM gets and stores. */
export interface NameResolution {
  /** As the caller wrote it. */
  requested: string;
  /** The name to send to EspoCRM (`POST Admin/fieldManager/{Entity}`: `name`). */
  base: string;
  /** The final name in metadata (with the `c` prefix where EspoCRM adds it). */
  stored: string;
  /** A field with the stored name exists already. */
  exists: boolean;
  /** Every mapping applied, in words, for the tool result. */
  notes: string[];
}

/** A validated request to create one field: everything a handler needs to plan the write. */
export interface FieldSpec {
  entity: string;
  /** Canonical EspoCRM type (aliases resolved). */
  type: string;
  name: NameResolution;
  label: string;
  tooltip?: string;
  /** Definition parameters (without `type`), as sent and as expected back in metadata. */
  params: Record<string, unknown>;
  /** Option value -> label (i18n, not metadata). The empty option is keyed `_empty_`. */
  translatedOptions?: Record<string, string>;
  /** Every mapping and assumption, in words (type alias, name, label, defaults...). */
  notes: string[];
  /** The current definition when a custom field with the stored name exists (idempotent create). */
  existing?: FieldDef;
}

export type FieldSpecResult = { ok: true; spec: FieldSpec } | { ok: false; errors: FieldSpecError[] };
