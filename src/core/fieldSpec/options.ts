import { untrusted } from '../fence.js';
import { FieldSpecError } from './errors.js';
import type { OptionInput } from './request.js';
import { LABEL_MAX_LENGTH } from './rules.js';

/** EspoCRM keys the label of the empty option `""` as `_empty_` in `translatedOptions`. */
export const EMPTY_OPTION_KEY = '_empty_';

export interface NormalizedOptions {
  values: string[];
  /** value -> label, from `{value, label}` items. */
  labels: Record<string, string>;
  /** value -> colour, from `{value, style}` items. */
  styles: Record<string, string>;
  notes: string[];
  errors: FieldSpecError[];
}

/** Splits option items (texts or `{value, label?, style?}`) into values, labels and styles; trims values. */
export function normalizeOptionInputs(items: readonly OptionInput[], path: string): NormalizedOptions {
  const out: NormalizedOptions = { values: [], labels: {}, styles: {}, notes: [], errors: [] };
  for (const item of items) {
    const raw = typeof item === 'string' ? item : item.value;
    const value = raw.trim();
    if (value !== raw && value !== '') out.notes.push(`option ${untrusted(JSON.stringify(raw))} is trimmed to "${untrusted(value)}".`);
    out.values.push(value);
    if (typeof item !== 'string') {
      if (item.label !== undefined) {
        const label = item.label.trim();
        if (label === '' || label.length > LABEL_MAX_LENGTH) {
          out.errors.push(new FieldSpecError('option_label_invalid', `The label of option "${value}" must be 1-${LABEL_MAX_LENGTH} characters. Give a label or leave "label" out.`, path));
        } else {
          out.labels[value] = label;
        }
      }
      if (item.style !== undefined) out.styles[value] = item.style;
    }
  }
  return out;
}

/** `optionLabels` as given: trims labels and reads `_empty_` as the empty option. */
export function normalizeOptionLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[k === EMPTY_OPTION_KEY ? '' : k.trim()] = v.trim();
  return out;
}

/** Merges two value->text maps; a value given twice with different texts is an error. */
export function mergeByOption(a: Record<string, string>, b: Record<string, string>, what: string, path: string): { merged: Record<string, string>; errors: FieldSpecError[] } {
  const merged = { ...a };
  const errors: FieldSpecError[] = [];
  for (const [k, v] of Object.entries(b)) {
    if (merged[k] !== undefined && merged[k] !== v) {
      errors.push(new FieldSpecError('patch_conflict', `Option "${k}" is given two different ${what}s ("${merged[k]}" and "${v}"). Give it once.`, path));
    } else {
      merged[k] = v;
    }
  }
  return { merged, errors };
}

/** Option labels in the form the Field Manager takes (`translatedOptions`). */
export function toTranslatedOptions(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[k === '' ? EMPTY_OPTION_KEY : k] = v;
  return out;
}
