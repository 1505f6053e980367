import { untrusted } from '../fence.js';
import { FieldSpecError } from './errors.js';
import { isRecord, show } from './suggest.js';
import type { FieldSpec } from './types.js';

/**
 * From a validated spec to EspoCRM: the create body, what metadata must hold afterwards, and the
 * comparison used for read-back verification and for idempotent creates.
 */

/** The flat body for `POST Admin/fieldManager/{Entity}`. */
export function buildCreateBody(spec: FieldSpec): Record<string, unknown> {
  const body: Record<string, unknown> = { name: spec.name.base, type: spec.type, label: spec.label, ...spec.params };
  if (spec.translatedOptions !== undefined) body.translatedOptions = { ...spec.translatedOptions };
  if (spec.tooltip !== undefined) {
    body.tooltipText = spec.tooltip;
    body.tooltip = true;
  }
  return body;
}

/**
 * What `entityDefs.{Entity}.fields.{stored}` must contain after the create: the keys we set.
 * EspoCRM adds its own (`isCustom`, enum `maxLength: 100`, multiEnum `storeArrayValues`), which
 * `compareDefinition` ignores. Labels are i18n, not metadata, so they are not part of it.
 */
export function expectedDefinition(spec: FieldSpec): Record<string, unknown> {
  const def: Record<string, unknown> = { type: spec.type, ...spec.params };
  if (spec.tooltip !== undefined) def.tooltip = true;
  return def;
}

/** EspoCRM does not store a boolean false, an empty list or a null: all mean "not set". */
function isUnset(v: unknown): boolean {
  return v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);
}

/** Deep equality where "unset" values are equal to each other; key order does not matter. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (isUnset(a) && isUnset(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue(a[k], b[k]));
  }
  return a === b;
}

/** Compares only the keys of `expected`; extra keys in `actual` are EspoCRM's business. */
export function compareDefinition(expected: Record<string, unknown>, actual: unknown): { equal: boolean; differences: string[] } {
  const act = isRecord(actual) ? actual : {};
  const differences = Object.keys(expected)
    .filter((k) => !sameValue(expected[k], act[k]))
    .map((k) => `${k}: expected ${show(expected[k])}, found ${untrusted(show(act[k]))}`);
  return { equal: differences.length === 0, differences };
}

export type CreatePlan =
  | { action: 'create'; stored: string; body: Record<string, unknown>; expected: Record<string, unknown> }
  | { action: 'unchanged'; stored: string; expected: Record<string, unknown> }
  | { action: 'conflict'; stored: string; differences: string[]; error: FieldSpecError };

/**
 * Create, or nothing to do, or a conflict: the same definition under an existing name is
 * `unchanged` (idempotent); a different one is an error that points to update_custom_field.
 * `currentLabel` (from `GET Admin/fieldManager/...` or I18n) makes a label change a difference too.
 */
export function planFieldCreate(spec: FieldSpec, opts: { currentLabel?: string } = {}): CreatePlan {
  const stored = spec.name.stored;
  const expected = expectedDefinition(spec);
  if (spec.existing === undefined) return { action: 'create', stored, body: buildCreateBody(spec), expected };
  const { differences } = compareDefinition(expected, spec.existing);
  if (opts.currentLabel !== undefined && opts.currentLabel !== spec.label) {
    differences.push(`label: expected ${show(spec.label)}, found ${untrusted(show(opts.currentLabel))}`);
  }
  if (differences.length === 0) return { action: 'unchanged', stored, expected };
  return {
    action: 'conflict',
    stored,
    differences,
    error: new FieldSpecError(
      'definition_conflict',
      `${spec.entity} already has a custom field "${stored}" with a different definition (${differences.join('; ')}). To change it, call update_custom_field with entity "${spec.entity}" and name "${stored}"; to create a separate field, choose another name.`,
      'name',
    ),
  };
}
