/**
 * Planning a blueprint on one tenant's customization (`planBlueprint`), and the differences between two
 * customizations (`diffCustomization`, for drift and compare). Pure.
 *
 * Ensure semantics: what the blueprint names must exist, the rest is left as it is.
 * - A field missing is created (`create_field`); a custom field of the same name and type is kept and
 *   brought to what the blueprint states: each parameter given that differs (`update_field`), its options
 *   that are missing (`add_options`: the others stay). Another type under the name, or a built-in field
 *   of that name, is a conflict.
 * - A panel is matched by label (or custom label, or name), case-insensitively; a missing one is added.
 * - A placement already there is skipped, wherever it is (a field the user moved stays where it is); a
 *   missing one is planned with the layout core on the layout as it will be after the steps before it,
 *   so a placement that cannot be made (an unknown panel, an `after` not in the layout) is a conflict.
 * - Removals only when written (`remove`): a field or placement already gone is fine.
 * The plan of the state after applying a plan is empty (test/core/blueprint/plan.test.ts).
 */
import { canonicalJson } from '../confirm.js';
import { CoreError } from '../errors.js';
import { untrusted } from '../fence.js';
import { friendlyDateDefault } from '../fieldSpec/dateDefaults.js';
import { SUPPORTED_FIELD_TYPES, resolveFieldType } from '../fieldSpec/fieldTypes.js';
import { checkFieldName, findExistingField, type NameContext } from '../fieldSpec/naming.js';
import { sameValue } from '../fieldSpec/plan.js';
import type { FieldTypeDef } from '../fieldSpec/types.js';
import { applyLayoutOps, placeField } from '../layout/applyOps.js';
import { placementTargets } from '../layout/placement.js';
import { tryParseLayout } from '../layout/parse.js';
import type { DetailPanel, LayoutContext } from '../layout/types.js';
import type {
  BlueprintLayout,
  Blueprint,
  BlueprintOption,
  BlueprintPlan,
  Difference,
  EntityInfo,
  FieldBlueprint,
  FieldState,
  LayoutState,
  PlanConflict,
  PlanStep,
  TenantCustomization,
} from './types.js';

export interface PlanContext {
  /** For messages. */
  tenant?: string;
}

const CREATABLE: Record<string, FieldTypeDef> = Object.fromEntries(Object.keys(SUPPORTED_FIELD_TYPES).map((t) => [t, {}]));

/** The blueprint keys compared with the definition as they are (update_custom_field takes them by the same name). */
const DEFINITION_KEYS = ['required', 'maxLength', 'min', 'max', 'decimalPlaces', 'audited', 'readOnly', 'readOnlyAfterCreate', 'isSorted', 'pattern', 'maxCount'] as const;

/** The value an option stands for. */
export function optionValueOf(o: BlueprintOption): string {
  return typeof o === 'string' ? o : o.value;
}

function canonicalType(type: string): string {
  const r = resolveFieldType(type, CREATABLE);
  return r.ok ? r.type : type;
}

/** The entity a blueprint key names in the state: exact, else a unique case-insensitive match. */
function entityIn(state: TenantCustomization, key: string): { name: string; info: EntityInfo } | undefined {
  const infos = state.entityInfo ?? {};
  if (infos[key]) return { name: key, info: infos[key] };
  const ci = Object.keys(infos).filter((e) => e.toLowerCase() === key.toLowerCase());
  return ci.length === 1 ? { name: ci[0]!, info: infos[ci[0]!]! } : undefined;
}

function nameContextOf(state: TenantCustomization, info: EntityInfo): NameContext {
  return {
    entityIsCustom: info.isCustom,
    prefixEnabled: state.prefixCustom ?? true,
    existingFields: Object.keys(info.fields),
    existingLinks: info.links ?? [],
  };
}

/** The layouts of one entity as the plan goes: parsed JSON, changed by the steps planned so far. */
class WorkingLayouts {
  private readonly values = new Map<string, unknown>();
  constructor(
    private readonly entity: string,
    layouts: readonly LayoutState[],
  ) {
    for (const l of layouts) {
      if (l.entity !== entity) continue;
      try {
        this.values.set(l.layout, JSON.parse(l.json));
      } catch {
        this.values.set(l.layout, undefined);
      }
    }
  }
  has(layout: string): boolean {
    return this.values.has(layout) && this.values.get(layout) !== undefined;
  }
  get(layout: string): unknown {
    return this.values.get(layout);
  }
  set(layout: string, json: unknown): void {
    this.values.set(layout, json);
  }
  missing(layout: string): string {
    return this.values.has(layout)
      ? `the ${this.entity} ${layout} layout is not valid JSON as read`
      : `the ${this.entity} ${layout} layout was not read (EspoCRM serves none, or it was not asked for)`;
  }
}

/** Whether a detail layout has a panel known by this label (customLabel, label or name; case-insensitive). */
function hasPanel(json: unknown, label: string): boolean {
  const parsed = tryParseLayout('detail', json);
  if (!('layout' in parsed) || parsed.layout.kind !== 'panels') return false;
  const wanted = label.trim().toLowerCase();
  return parsed.layout.panels.some((p: DetailPanel) => ['customLabel', 'label', 'name'].some((k) => typeof p[k] === 'string' && (p[k] as string).trim().toLowerCase() === wanted));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What update_custom_field must set so the existing field holds what the blueprint states. */
function fieldUpdates(bp: FieldBlueprint, current: FieldState, lang: string | undefined): { set: Record<string, unknown>; before: Record<string, unknown> } {
  const set: Record<string, unknown> = {};
  const before: Record<string, unknown> = {};
  const def = current.definition;
  const put = (key: string, want: unknown, have: unknown): void => {
    if (!sameValue(want, have)) {
      set[key] = want;
      before[key] = have;
    }
  };
  if (bp.label !== undefined && lang !== undefined) put('label', bp.label, current.labels[lang]);
  for (const key of DEFINITION_KEYS) if (bp[key] !== undefined) put(key, bp[key], def[key]);
  if (bp.default !== undefined) {
    const have = def['default'];
    const dateLike = (current.type === 'date' || current.type === 'datetime') && typeof have === 'string' && have.startsWith('javascript:');
    const same = dateLike && typeof bp.default === 'string' ? friendlyDateDefault(have).toLowerCase() === bp.default.trim().toLowerCase() || have === bp.default : sameValue(bp.default, have);
    if (!same) {
      set['default'] = bp.default;
      before['default'] = have;
    }
  }
  if (bp.style !== undefined) {
    const have = (def['style'] ?? {}) as Record<string, unknown>;
    const diff = Object.entries(bp.style).filter(([k, v]) => !sameValue(v, have[k]));
    if (diff.length > 0) {
      set['style'] = Object.fromEntries(diff);
      before['style'] = Object.fromEntries(diff.map(([k]) => [k, have[k] ?? null]));
    }
  }
  if (bp.optionLabels !== undefined && lang !== undefined) {
    const have = current.optionLabels?.[lang] ?? {};
    const key = (o: string) => (o === '' ? '_empty_' : o);
    const diff = Object.entries(bp.optionLabels).filter(([k, v]) => have[key(k)] !== v);
    if (diff.length > 0) {
      set['optionLabels'] = Object.fromEntries(diff);
      before['optionLabels'] = Object.fromEntries(diff.map(([k]) => [k, have[key(k)] ?? null]));
    }
  }
  for (const [k, v] of Object.entries(bp.params ?? {})) put(k, v, def[k]);
  // Option labels given with the options ({value, label}) are labels too.
  if (lang !== undefined) {
    const have = current.optionLabels?.[lang] ?? {};
    const withLabels = (bp.options ?? []).filter((o): o is { value: string; label: string } => typeof o !== 'string' && o.label !== undefined);
    const existing = new Set(Array.isArray(def['options']) ? (def['options'] as unknown[]).map(String) : []);
    const diff = withLabels.filter((o) => existing.has(o.value) && have[o.value === '' ? '_empty_' : o.value] !== o.label && bp.optionLabels?.[o.value] === undefined);
    if (diff.length > 0) {
      const labels = (set['optionLabels'] ?? {}) as Record<string, string>;
      const was = (before['optionLabels'] ?? {}) as Record<string, unknown>;
      for (const o of diff) {
        labels[o.value] = o.label;
        was[o.value] = have[o.value === '' ? '_empty_' : o.value] ?? null;
      }
      set['optionLabels'] = labels;
      before['optionLabels'] = was;
    }
  }
  return { set, before };
}

/**
 * The steps that bring `state` to what `blueprint` asks, and what blocks it. Steps come in the order to
 * apply them: panels, fields (create, update, options), placements, removals.
 */
export function planBlueprint(blueprint: Blueprint, state: TenantCustomization, _ctx: PlanContext = {}): BlueprintPlan {
  assertPlannable(state);
  const panels: PlanStep[] = [];
  const fieldSteps: PlanStep[] = [];
  const placements: PlanStep[] = [];
  const removals: PlanStep[] = [];
  const conflicts: PlanConflict[] = [];
  const notes: string[] = [];
  const lang = state.languages?.[0];
  if (lang === undefined) notes.push('labels were not read: labels and option labels of existing fields are not compared.');

  for (const [key, ebp] of Object.entries(blueprint.entities)) {
    const found = entityIn(state, key);
    if (!found) {
      conflicts.push({ entity: key, reason: `the entity type "${key}" is not in this CRM${state.entities && !state.entities.includes(key) ? ' (or was not read)' : ''}` });
      continue;
    }
    const { name: entity, info } = found;
    if (entity !== key) notes.push(`entity "${key}" is "${entity}".`);
    const wantsLayouts = (ebp.panels?.length ?? 0) > 0 || (ebp.fields ?? []).some((f) => (f.layouts?.length ?? 0) > 0) || (ebp.remove?.placements?.length ?? 0) > 0;
    if (((ebp.fields?.length ?? 0) > 0 || (ebp.remove?.fields?.length ?? 0) > 0) && !info.customizable) {
      conflicts.push({ entity, reason: `EspoCRM does not accept custom fields on ${entity} (not customizable)` });
      continue;
    }
    if (wantsLayouts && !info.layoutsEditable) {
      conflicts.push({ entity, reason: `EspoCRM does not allow layout changes on ${entity} (not customizable)` });
      continue;
    }
    const working = new WorkingLayouts(entity, state.layouts);
    const custom = new Map(state.fields.filter((f) => f.entity === entity).map((f) => [f.name, f]));
    const nctx = nameContextOf(state, info);
    const lctx: LayoutContext = { entityType: entity, fields: Object.fromEntries(Object.entries(info.fields).map(([n, t]) => [n, { type: t }])) };

    // Panels.
    for (const p of ebp.panels ?? []) {
      if (!working.has(p.layout)) {
        conflicts.push({ entity, layout: p.layout, reason: working.missing(p.layout) });
        continue;
      }
      if (hasPanel(working.get(p.layout), p.label)) continue;
      try {
        const op = { op: 'add_panel', label: p.label, ...(p.after !== undefined ? { after: p.after } : {}) };
        working.set(p.layout, applyLayoutOps(p.layout, working.get(p.layout), [op], lctx).layout);
        panels.push({ kind: 'add_panel', entity, layout: p.layout, label: p.label, ...(p.after !== undefined ? { after: p.after } : {}) });
      } catch (err) {
        conflicts.push({ entity, layout: p.layout, reason: `the panel "${p.label}" cannot be added: ${errorText(err)}` });
      }
    }

    // Fields, then their placements.
    for (const f of ebp.fields ?? []) {
      const checked = checkFieldName(f.name, nctx);
      if (!checked.ok) {
        conflicts.push({ entity, field: f.name, reason: checked.errors.map((e) => e.message).join(' ') });
        continue;
      }
      const stored = checked.name.stored;
      if (stored !== f.name) notes.push(`${entity}: "${f.name}" is the field "${stored}".`);
      const type = canonicalType(f.type);
      if (checked.name.exists) {
        const current = custom.get(stored);
        const haveType = info.fields[stored];
        if (!current) {
          conflicts.push({ entity, field: stored, reason: `${entity} has a built-in field "${stored}" (${haveType ?? 'unknown type'}); a blueprint only manages custom fields: choose another name` });
          continue;
        }
        if (current.type !== type) {
          conflicts.push({ entity, field: stored, reason: `${entity} already has a custom field "${stored}" of type ${untrusted(current.type)}; the blueprint wants ${type}. A field's type cannot change: rename the blueprint's field, or delete the existing one first` });
          continue;
        }
        const { set, before } = fieldUpdates(f, current, lang);
        const currentOptions = Array.isArray(current.definition['options']) ? (current.definition['options'] as unknown[]).map(String) : [];
        const missing = (f.options ?? []).filter((o) => !currentOptions.includes(optionValueOf(o)));
        if (missing.some((o) => optionValueOf(o) === '')) {
          // The empty option ("no value") can only come first: update_custom_field cannot append it, so
          // the whole list is set, the current options kept in their order.
          set['options'] = ['', ...currentOptions, ...missing.map(optionValueOf).filter((v) => v !== '')];
          before['options'] = currentOptions;
        }
        if (Object.keys(set).length > 0) fieldSteps.push({ kind: 'update_field', entity, field: stored, set, before });
        if (missing.length > 0 && set['options'] === undefined) fieldSteps.push({ kind: 'add_options', entity, field: stored, options: missing });
      } else {
        const { layouts: _layouts, ...spec } = f;
        fieldSteps.push({ kind: 'create_field', entity, field: stored, spec });
      }

      let targets: ReturnType<typeof placementTargets>;
      try {
        targets = placementTargets(f.layouts);
      } catch (err) {
        conflicts.push({ entity, field: stored, reason: errorText(err) });
        continue;
      }
      for (const { layout, opts } of targets) {
        if (!working.has(layout)) {
          conflicts.push({ entity, field: stored, layout, reason: working.missing(layout) });
          continue;
        }
        try {
          const placed = placeField(layout, working.get(layout), stored, opts);
          if (!placed.changed) continue;
          working.set(layout, placed.layout);
          placements.push({ kind: 'place_field', entity, field: stored, layout: layout as BlueprintLayout, ...opts });
        } catch (err) {
          conflicts.push({ entity, field: stored, layout, reason: errorText(err) });
        }
      }
    }

    // Removals, only as written.
    for (const r of ebp.remove?.placements ?? []) {
      const known = findExistingField(r.field, { ...nctx, entity });
      const field = known.ok ? known.stored : r.field;
      if (!working.has(r.layout)) continue; // nothing to take off a layout that is not there
      const edited = tryRemove(r.layout, working.get(r.layout), field, lctx);
      if (edited === undefined) continue;
      working.set(r.layout, edited);
      removals.push({ kind: 'unplace_field', entity, layout: r.layout, field });
    }
    for (const name of ebp.remove?.fields ?? []) {
      const known = findExistingField(name, { ...nctx, entity });
      if (!known.ok) continue; // already gone
      if (!custom.has(known.stored)) {
        conflicts.push({ entity, field: known.stored, reason: `"${known.stored}" is a built-in field of ${entity}; only custom fields can be deleted` });
        continue;
      }
      removals.push({ kind: 'delete_field', entity, field: known.stored });
    }
  }
  return { steps: [...panels, ...fieldSteps, ...placements, ...removals], conflicts, notes: [...new Set(notes)] };
}

/** The layout without `field`, or undefined when the field is not in it. */
function tryRemove(layout: string, json: unknown, field: string, lctx: LayoutContext): unknown {
  try {
    const r = applyLayoutOps(layout, json, [{ op: 'remove_field', field }], lctx);
    return r.layout;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Differences between two customizations.

/** Definition keys EspoCRM keeps for itself and that say nothing of the customization. */
const BOOKKEEPING = new Set(['isCustom']);

function sameLayoutText(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return false;
  }
}

const show = (v: unknown): string => JSON.stringify(v === undefined ? null : v);

/**
 * How `actual` differs from `expected` (a snapshot, another tenant): fields missing or extra, another
 * type, definition parameters, options, labels and option labels in the languages both read, layouts
 * (compared as JSON, key order aside). Only entities both read are compared, when both say which.
 * Values of `actual` are CRM data: marked in the summaries.
 */
export function diffCustomization(expected: TenantCustomization, actual: TenantCustomization): Difference[] {
  const out: Difference[] = [];
  const both = expected.entities && actual.entities ? new Set(expected.entities.filter((e) => actual.entities!.includes(e))) : undefined;
  const inScope = (entity: string) => both === undefined || both.has(entity);
  const key = (entity: string, name: string) => `${entity}\u0000${name}`;

  const exp = new Map(expected.fields.filter((f) => inScope(f.entity)).map((f) => [key(f.entity, f.name), f]));
  const act = new Map(actual.fields.filter((f) => inScope(f.entity)).map((f) => [key(f.entity, f.name), f]));
  for (const [k, e] of exp) {
    const a = act.get(k);
    const where = `${e.entity}.${e.name}`;
    if (!a) {
      out.push({ kind: 'field_missing', entity: e.entity, field: e.name, expected: e.type, summary: `${where} (${e.type}) is missing` });
      continue;
    }
    if (a.type !== e.type) {
      out.push({ kind: 'field_type', entity: e.entity, field: e.name, expected: e.type, actual: a.type, summary: `${where} is ${untrusted(a.type)}, expected ${e.type}` });
      continue;
    }
    const ed = e.definition;
    const ad = a.definition;
    const eo = Array.isArray(ed['options']) ? (ed['options'] as unknown[]).map(String) : undefined;
    const ao = Array.isArray(ad['options']) ? (ad['options'] as unknown[]).map(String) : undefined;
    if (eo || ao) {
      const missing = (eo ?? []).filter((o) => !(ao ?? []).includes(o));
      const extra = (ao ?? []).filter((o) => !(eo ?? []).includes(o));
      if (missing.length > 0) out.push({ kind: 'options_missing', entity: e.entity, field: e.name, expected: missing, summary: `${where}: options missing: ${missing.map(show).join(', ')}` });
      if (extra.length > 0) out.push({ kind: 'options_extra', entity: e.entity, field: e.name, actual: extra, summary: `${where}: options not expected: ${untrusted(extra.map(show).join(', '))}` });
      if (missing.length === 0 && extra.length === 0 && eo && ao && eo.join('\u0000') !== ao.join('\u0000')) {
        out.push({ kind: 'field_definition', entity: e.entity, field: e.name, key: 'options', expected: eo, actual: ao, summary: `${where}: the options are in another order` });
      }
    }
    for (const p of [...new Set([...Object.keys(ed), ...Object.keys(ad)])].sort()) {
      if (p === 'options' || p === 'type' || BOOKKEEPING.has(p)) continue;
      if (!sameValue(ed[p], ad[p])) {
        out.push({ kind: 'field_definition', entity: e.entity, field: e.name, key: p, expected: ed[p], actual: ad[p], summary: `${where}: ${p} is ${untrusted(show(ad[p]))}, expected ${show(ed[p])}` });
      }
    }
    for (const [lang, label] of Object.entries(e.labels)) {
      const have = a.labels[lang];
      if (have !== undefined && have !== label) {
        out.push({ kind: 'label', entity: e.entity, field: e.name, lang, expected: label, actual: have, summary: `${where}: label (${lang}) is ${untrusted(show(have))}, expected ${show(label)}` });
      }
    }
    for (const [lang, labels] of Object.entries(e.optionLabels ?? {})) {
      const have = a.optionLabels?.[lang];
      if (have === undefined && !a.labels[lang]) continue; // that language was not read on the other side
      for (const [option, label] of Object.entries(labels)) {
        const h = have?.[option];
        if (h !== label) {
          out.push({ kind: 'option_label', entity: e.entity, field: e.name, key: option, lang, expected: label, actual: h, summary: `${where}: option ${show(option)} label (${lang}) is ${untrusted(show(h))}, expected ${show(label)}` });
        }
      }
    }
  }
  for (const [k, a] of act) {
    if (!exp.has(k)) out.push({ kind: 'field_extra', entity: a.entity, field: a.name, actual: a.type, summary: `${a.entity}.${a.name} (${untrusted(a.type)}) is not expected` });
  }

  const layoutKey = (l: LayoutState) => key(l.entity, l.layout);
  const el = new Map(expected.layouts.filter((l) => inScope(l.entity)).map((l) => [layoutKey(l), l]));
  const al = new Map(actual.layouts.filter((l) => inScope(l.entity)).map((l) => [layoutKey(l), l]));
  for (const [k, e] of el) {
    const a = al.get(k);
    if (!a) {
      if (e.customized) out.push({ kind: 'layout_missing', entity: e.entity, layout: e.layout, summary: `the ${e.entity} ${e.layout} layout is missing` });
      continue;
    }
    if (!sameLayoutText(e.json, a.json)) out.push({ kind: 'layout_different', entity: e.entity, layout: e.layout, summary: `the ${e.entity} ${e.layout} layout differs` });
  }
  for (const [k, a] of al) {
    if (!el.has(k) && a.customized) out.push({ kind: 'layout_extra', entity: a.entity, layout: a.layout, summary: `the ${a.entity} ${a.layout} layout is customized and not expected` });
  }
  return out;
}

/** Refuses a state without what a plan needs (a state read by readCustomization always has it). */
export function assertPlannable(state: TenantCustomization): void {
  if (state.entityInfo === undefined) {
    throw new CoreError('this customization state has no entity information (entityInfo): read it again with readCustomization to plan on it', 'invalid_state');
  }
}
