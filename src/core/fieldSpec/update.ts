import { untrusted, untrustedList } from '../fence.js';
import { z } from 'zod';
import { checkEntity } from './entity.js';
import { FieldSpecError } from './errors.js';
import { EMPTY_OPTION_KEY, mergeByOption, normalizeOptionInputs, normalizeOptionLabels, toTranslatedOptions } from './options.js';
import { checkApplicable, checkOptionLabelsApplicable } from './params.js';
import { sameValue } from './plan.js';
import { fieldUpdateShape } from './request.js';
import type { OptionInput } from './request.js';
import { applyTypeRules, checkOptionLabels, OPTION_TYPES, paramDefs } from './rules.js';
import type { SupportedFieldType } from './fieldTypes.js';
import { closestMatch, isRecord, quoteList } from './suggest.js';
import type { FieldDef, FieldMeta } from './types.js';
import { checkLabel } from './validate.js';
import { fromZodIssues } from './zodErrors.js';

/**
 * Plans `PUT Admin/fieldManager/{Entity}/{field}` as a read-modify-write: EspoCRM needs `type` in
 * every update (before 10.0) and the UI always sends the whole definition, so the body is the
 * current definition with the patch applied. `options` replaces the list; `addOptions` and
 * `removeOptions` edit it.
 */

export interface FieldDiffEntry {
  key: string;
  before: unknown;
  after: unknown;
}

export interface FieldUpdatePlan {
  /** The full body for the PUT, `type` included. Send it only when `changed`. */
  body: Record<string, unknown>;
  diff: FieldDiffEntry[];
  /** Consequences for existing records (removed options, stricter limits...). */
  warnings: string[];
  notes: string[];
  changed: boolean;
}

export type FieldUpdateResult = { ok: true; plan: FieldUpdatePlan } | { ok: false; errors: FieldSpecError[] };

/** What the CRM's translations currently hold for the field, when the handler read them. */
export interface CurrentI18n {
  /** Option value -> label (`{Entity}.options.{field}`); `_empty_` is the empty option. */
  optionLabels?: Record<string, string>;
  /** `{Entity}.tooltips.{field}`. */
  tooltip?: string;
}

/** Keys EspoCRM stores besides the type's own parameters (docs/espocrm.md, "Field Manager"). */
const EXTRA_STORED = ['isCustom', 'isPersonalData', 'tooltip', 'inlineEditDisabled', 'defaultAttributes'];
/** Patch keys that are not definition parameters. */
const ENVELOPE_KEYS = new Set(['entity', 'name', 'type', 'label', 'tooltip', 'options', 'addOptions', 'removeOptions', 'optionLabels', 'params']);

const PatchSchema = z.looseObject({ ...fieldUpdateShape, entity: fieldUpdateShape.entity.optional(), name: fieldUpdateShape.name.optional() });

function storedKeys(current: FieldDef, typeDef: FieldMeta['fieldTypes'][string] | undefined): Set<string> {
  const keys = new Set<string>([...(typeDef ? paramDefs(typeDef).keys() : []), ...EXTRA_STORED]);
  const extra = current.fieldManagerAdditionalParamList;
  if (Array.isArray(extra)) for (const p of extra) if (isRecord(p) && typeof p.name === 'string') keys.add(p.name);
  return keys;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * Plans an update of an existing field. `current` is its definition from metadata, `currentLabel`
 * its label (Field Manager read or I18n). A patch that changes nothing gives an empty `diff` and
 * `changed: false`. Pass the update request without `tenant`/`dryRun`; `entity` and `name` are ignored.
 */
export function planFieldUpdate(current: FieldDef, currentLabel: string | undefined, patch: unknown, meta: FieldMeta, i18n: CurrentI18n = {}): FieldUpdateResult {
  const parsed = PatchSchema.safeParse(patch);
  if (!parsed.success) return { ok: false, errors: fromZodIssues(parsed.error.issues, patch) };
  const p = parsed.data;
  const errors: FieldSpecError[] = [...checkEntity(meta)];
  const notes: string[] = [];
  const warnings: string[] = [];
  const type = typeof current.type === 'string' ? current.type : '';
  const typeDef = meta.fieldTypes[type];
  if (typeDef === undefined || !isRecord(typeDef)) {
    return { ok: false, errors: [...errors, new FieldSpecError('unknown_type', `The field's type "${type}" is not in this CRM's field types, so its parameters cannot be checked. Change it in EspoCRM's Field Manager UI.`, 'type')] };
  }
  if (p.type !== undefined && p.type !== type) {
    errors.push(
      new FieldSpecError(
        'type_change',
        `A field's type cannot be changed (it is "${type}", the request says "${p.type}"). Create a new field of type "${p.type}", move the data, then delete this one.`,
        'type',
      ),
    );
  }

  // Definition changes: named keys, other top-level keys, `params`.
  const changes: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (!ENVELOPE_KEYS.has(k) && v !== undefined) changes[k] = v;
  for (const [k, v] of Object.entries(p.params ?? {})) {
    if (ENVELOPE_KEYS.has(k)) errors.push(new FieldSpecError('invalid_request', `"${k}" belongs at the top level of the request, not inside "params".`, `params.${k}`));
    else if (changes[k] !== undefined) errors.push(new FieldSpecError('invalid_request', `"${k}" is given both directly and in "params"; give it once.`, `params.${k}`));
    else if (v !== undefined) changes[k] = v;
  }

  // Options.
  const curOptions = strings(current.options);
  let newOptions: string[] | undefined;
  let objectLabels: Record<string, string> = {};
  let objectStyles: Record<string, string> = {};
  const absorb = (items: readonly OptionInput[], path: string): string[] => {
    const n = normalizeOptionInputs(items, path);
    errors.push(...n.errors);
    notes.push(...n.notes);
    objectLabels = mergeByOption(objectLabels, n.labels, 'label', path).merged;
    objectStyles = mergeByOption(objectStyles, n.styles, 'style', path).merged;
    return n.values;
  };
  if (p.options !== undefined && (p.addOptions !== undefined || p.removeOptions !== undefined)) {
    errors.push(new FieldSpecError('patch_conflict', 'Give either "options" (the whole new list) or "addOptions"/"removeOptions" (edits), not both.', 'options'));
  } else if (p.options !== undefined) {
    newOptions = absorb(p.options, 'options');
  } else if (p.addOptions !== undefined || p.removeOptions !== undefined) {
    const add = p.addOptions ? absorb(p.addOptions, 'addOptions') : [];
    const remove = (p.removeOptions ?? []).map((o) => o.trim());
    const both = add.filter((o) => remove.includes(o));
    if (both.length > 0) errors.push(new FieldSpecError('patch_conflict', `${quoteList(both)} is both added and removed; keep it in one list.`, 'addOptions'));
    for (const r of remove.filter((o) => !curOptions.includes(o))) {
      const guess = closestMatch(r, curOptions);
      errors.push(
        new FieldSpecError(
          'options_invalid',
          `Cannot remove "${r}": it is not an option of this field.${guess ? ` Did you mean "${untrusted(guess)}"?` : ''} Options: ${untrustedList(curOptions)}.`,
          'removeOptions',
        ),
      );
    }
    const already = add.filter((o) => curOptions.includes(o));
    if (already.length > 0) notes.push(`${quoteList(already)} ${already.length === 1 ? 'is' : 'are'} already an option; nothing to add.`);
    newOptions = [...curOptions.filter((o) => !remove.includes(o)), ...add.filter((o, i) => !curOptions.includes(o) && add.indexOf(o) === i)];
  }
  const optionsChanged = newOptions !== undefined && !sameValue(newOptions, curOptions);
  if (newOptions !== undefined && (optionsChanged || p.options !== undefined)) changes.options = newOptions;
  const finalOptions = newOptions ?? curOptions;
  const removed = curOptions.filter((o) => !finalOptions.includes(o));

  // A removed option must not stay the default, nor keep a colour.
  let defaultLost = false;
  if (removed.length > 0 && changes.default === undefined) {
    const d = current.default;
    const lost = typeof d === 'string' ? (removed.includes(d) ? [d] : []) : strings(d).filter((v) => removed.includes(v));
    if (lost.length > 0) {
      defaultLost = true;
      errors.push(
        new FieldSpecError(
          'default_invalid',
          `Removing ${quoteList(lost)} would leave the default pointing at a missing option. Also give "default" (one of ${quoteList(finalOptions)}), or "default": null to have none.`,
          'default',
        ),
      );
    }
  }
  const curStyle = isRecord(current.style) ? current.style : undefined;
  if (Object.keys(objectStyles).length > 0 || (removed.length > 0 && curStyle && changes.style === undefined)) {
    const base = isRecord(changes.style) ? (changes.style as Record<string, unknown>) : { ...(curStyle ?? {}) };
    for (const r of removed) if (changes.style === undefined) delete base[r];
    const m = mergeByOption(base as Record<string, string>, objectStyles, 'style', 'style');
    errors.push(...m.errors);
    changes.style = m.merged;
  }

  // Option labels (i18n).
  let translatedOptions: Record<string, string> | undefined;
  const labelDiff: FieldDiffEntry[] = [];
  const patchLabels = p.optionLabels !== undefined ? normalizeOptionLabels(p.optionLabels) : {};
  const givenLabels = mergeByOption(objectLabels, patchLabels, 'label', 'optionLabels');
  errors.push(...givenLabels.errors);
  if (Object.keys(givenLabels.merged).length > 0 || (optionsChanged && i18n.optionLabels !== undefined)) {
    const applicable = checkOptionLabelsApplicable(type, typeDef);
    errors.push(...(Object.keys(givenLabels.merged).length > 0 ? applicable : []));
    if (applicable.length === 0) {
      errors.push(...checkOptionLabels(givenLabels.merged, finalOptions));
      const before = normalizeOptionLabels(i18n.optionLabels ?? {});
      const after: Record<string, string> = {};
      for (const o of finalOptions) {
        const l = givenLabels.merged[o] ?? before[o];
        if (l !== undefined) after[o] = l;
      }
      for (const o of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (before[o] !== after[o] && (finalOptions.includes(o) || i18n.optionLabels !== undefined)) {
          labelDiff.push({ key: `optionLabels.${o === '' ? EMPTY_OPTION_KEY : o}`, before: before[o], after: after[o] });
        }
      }
      if (labelDiff.length > 0) translatedOptions = toTranslatedOptions(after);
    }
  }

  // Applicability and type rules on the merged definition, for the changed keys only.
  // The field's own extra parameters (`fieldManagerAdditionalParamList`, e.g. Lead.status notActualOptions) are settable too.
  const own = storedKeys(current, undefined);
  const applicability = checkApplicable(Object.keys(changes).filter((k) => !own.has(k) || EXTRA_STORED.includes(k)), type, typeDef);
  errors.push(...applicability);
  for (const e of applicability) if (e.path !== undefined) delete changes[e.path];
  const currentParams: Record<string, unknown> = { ...current };
  delete currentParams.type;
  const touched = new Set(Object.keys(changes));
  if (optionsChanged) touched.add('options');
  const ruled = applyTypeRules(
    { ...currentParams, ...changes },
    {
      type: type as SupportedFieldType,
      typeDef,
      entityFields: isRecord(meta.entity.defs?.fields) ? meta.entity.defs.fields : undefined,
      regExpPatternNames: meta.regExpPatternNames,
      touched,
    },
  );
  // The removed-default error above says it better than the generic "default not among options".
  errors.push(...ruled.errors.filter((e) => !(defaultLost && e.code === 'default_invalid')));
  notes.push(...ruled.notes);
  for (const k of Object.keys(changes)) changes[k] = ruled.def[k] ?? null;

  // Label and tooltip (i18n).
  let label: string | undefined;
  if (p.label !== undefined) {
    const l = checkLabel(p.label);
    if ('error' in l) errors.push(l.error);
    else if (l.label !== currentLabel) label = l.label;
  }
  let tooltipText: string | undefined;
  const hadTooltip = current.tooltip === true || (i18n.tooltip !== undefined && i18n.tooltip !== '');
  if (p.tooltip !== undefined) {
    const t = (p.tooltip ?? '').trim();
    if (t === '' ? hadTooltip : t !== i18n.tooltip || current.tooltip !== true) tooltipText = t;
  }

  if (errors.length > 0) return { ok: false, errors };

  // Diff.
  const diff: FieldDiffEntry[] = [];
  for (const [k, v] of Object.entries(changes)) if (!sameValue(current[k], v)) diff.push({ key: k, before: current[k], after: v });
  if (label !== undefined) diff.push({ key: 'label', before: currentLabel, after: label });
  if (tooltipText !== undefined) diff.push({ key: 'tooltip', before: i18n.tooltip ?? (current.tooltip === true ? '(a tooltip)' : undefined), after: tooltipText === '' ? undefined : tooltipText });
  diff.push(...labelDiff);

  // Consequences for existing records.
  if (removed.length > 0) {
    warnings.push(
      `Options removed: ${quoteList(removed)}. Records that hold them keep the old value (EspoCRM does not migrate data); find them with a filter on this field and change them.`,
    );
  }
  if (changes.required === true && current.required !== true) {
    warnings.push('The field becomes required: existing records without a value stay as they are, and must be filled the next time they are edited.');
  }
  const curMax = current.maxLength;
  if (typeof changes.maxLength === 'number' && typeof curMax === 'number' && changes.maxLength < curMax && (type === 'varchar' || type === 'url')) {
    warnings.push(`maxLength goes down from ${curMax} to ${changes.maxLength}: the database column shrinks at the rebuild, and longer existing values may be cut or make the rebuild fail.`);
  }
  const narrowed = (typeof changes.min === 'number' && (typeof current.min !== 'number' || changes.min > current.min)) || (typeof changes.max === 'number' && (typeof current.max !== 'number' || changes.max < current.max));
  if (narrowed) warnings.push('The allowed range is narrower: existing values outside it are kept, but fail validation the next time the record is saved.');
  if (diff.some((d) => d.key === 'default')) warnings.push('A new default applies to new records only.');
  if (OPTION_TYPES.includes(type) && optionsChanged && i18n.optionLabels === undefined && Object.keys(givenLabels.merged).length === 0) {
    notes.push('Option labels are left as they are in the CRM.');
  }

  // Body: everything EspoCRM stores for the field, with the changes applied.
  const keep = storedKeys(current, typeDef);
  const body: Record<string, unknown> = { type };
  for (const [k, v] of Object.entries(current)) if (k !== 'type' && keep.has(k)) body[k] = v;
  Object.assign(body, changes);
  if (label !== undefined) body.label = label;
  if (tooltipText !== undefined) {
    body.tooltipText = tooltipText;
    body.tooltip = tooltipText !== '';
  }
  if (translatedOptions !== undefined) body.translatedOptions = translatedOptions;
  return { ok: true, plan: { body, diff, warnings, notes, changed: diff.length > 0 } };
}
