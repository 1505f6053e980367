/**
 * A snapshot as a blueprint (`espocrm-admin-mcp snapshot export`): each custom field of the kept
 * customization becomes a `FieldBlueprint` (its definition's parameters, its label and option labels
 * in one language), placed where the snapshot's customized layouts show it, when that is simple to
 * say (a panel and the field before it on detail layouts, the column before it on list, the item before
 * it on filters and massUpdate). What cannot be said in a blueprint is left out with a note. The result
 * is checked with `parseBlueprint`, so what is returned is a valid blueprint. Pure.
 */
import { SUPPORTED_FIELD_TYPES } from '../fieldSpec/fieldTypes.js';
import { FIELD_LAYOUT_TARGETS, tryParseLayout, type PlacementLayout } from '../layout/index.js';
import { parseBlueprint } from './schema.js';
import type { Blueprint, FieldBlueprint, FieldState, LayoutState, LayoutTarget, TenantCustomization } from './types.js';

export interface SnapshotBlueprint {
  blueprint: Blueprint;
  /** What was left out or read in a particular way, in words. */
  notes: string[];
}

export interface SnapshotBlueprintOptions {
  /** The blueprint's name (default: "<tenant>-snapshot"). */
  name?: string;
  description?: string;
  /** The language of labels (default: the tenant's first language read, else en_US, else any). */
  lang?: string;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const ENTITY_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/** Definition keys that are not parameters to set (EspoCRM's own bookkeeping, or kept elsewhere). */
const NOT_PARAMS = new Set(['type', 'isCustom', 'name', 'label', 'tooltip', 'tooltipText', 'translatedOptions']);

const isString = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The typed members of a FieldBlueprint, each with the check a value must pass to be one. */
const TYPED: Record<string, (v: unknown) => boolean> = {
  required: isBool,
  maxLength: isInt,
  min: isNumber,
  max: isNumber,
  decimalPlaces: isInt,
  audited: isBool,
  readOnly: isBool,
  readOnlyAfterCreate: isBool,
  isSorted: isBool,
  pattern: isString,
  maxCount: isInt,
  default: (v) => v === null || isString(v) || isNumber(v) || isBool(v) || (Array.isArray(v) && v.every(isString)),
  style: (v) => isRecord(v) && Object.values(v).every((s) => s === null || isString(s)),
};

function labelIn(labels: Record<string, string> | undefined, lang: string): string | undefined {
  if (!labels) return undefined;
  const l = labels[lang] ?? labels.en_US ?? Object.values(labels)[0];
  const t = l?.trim();
  return t && t.length <= 255 ? t : undefined;
}

function fieldBlueprint(f: FieldState, lang: string, notes: string[]): Omit<FieldBlueprint, 'layouts'> | undefined {
  const where = `${f.entity}.${f.name}`;
  if (!FIELD_NAME.test(f.name) || f.name.length > 100) {
    notes.push(`${where}: left out (a blueprint's field name is letters, digits and "_", starting with a letter).`);
    return undefined;
  }
  if (!Object.hasOwn(SUPPORTED_FIELD_TYPES, f.type)) {
    notes.push(`${where}: left out (type "${f.type}" is not one a blueprint creates: ${Object.keys(SUPPORTED_FIELD_TYPES).join(', ')}).`);
    return undefined;
  }
  const out: FieldBlueprint = { name: f.name, type: f.type };
  const label = labelIn(f.labels, lang);
  if (label !== undefined) out.label = label;
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f.definition)) {
    if (v === undefined || NOT_PARAMS.has(k)) continue;
    if (k === 'options') {
      if (!Array.isArray(v) || !v.every(isString) || v.some((o) => o.length > 255)) {
        params.options = v;
        continue;
      }
      const unique = [...new Set(v)];
      if (unique.length < v.length) notes.push(`${where}: an option given twice is kept once.`);
      out.options = unique;
      continue;
    }
    const check = TYPED[k];
    if (check && check(v)) (out as unknown as Record<string, unknown>)[k] = v;
    else params[k] = v;
  }
  if (Object.keys(params).length > 0) out.params = params;
  const optionLabels = f.optionLabels?.[lang] ?? f.optionLabels?.en_US ?? (f.optionLabels ? Object.values(f.optionLabels)[0] : undefined);
  if (optionLabels && Object.keys(optionLabels).length > 0) out.optionLabels = { ...optionLabels };
  return out;
}

/** Where a layout shows a field, as a blueprint target; undefined when it does not show it. */
function targetIn(layout: PlacementLayout, json: unknown, field: string): LayoutTarget | undefined {
  const parsed = tryParseLayout(layout, json);
  if (!('layout' in parsed)) return undefined;
  const p = parsed.layout;
  const after = (name: unknown) => (isString(name) && FIELD_NAME.test(name) && name.length <= 100 ? { after: name } : {});
  const target = (opts: Record<string, unknown>): LayoutTarget => (Object.keys(opts).length ? { layout, ...opts } : layout);
  if (p.kind === 'panels') {
    const labels = p.panels.map((panel) => (isString(panel.label) ? panel.label.trim() : ''));
    for (const [pi, panel] of p.panels.entries()) {
      const cells = panel.rows.flatMap((row) => row.map((c) => ({ cell: c, alone: row.length === 1 })));
      const i = cells.findIndex((c) => c.cell !== false && c.cell !== null && c.cell.name === field);
      if (i < 0) continue;
      const label = labels[pi]!;
      const panelRef = label !== '' && label.length <= 255 && labels.filter((l) => l.toLowerCase() === label.toLowerCase()).length === 1 ? label : pi;
      const prev = cells
        .slice(0, i)
        .reverse()
        .find((c) => c.cell !== false && c.cell !== null);
      const cell = cells[i]!.cell as { fullWidth?: unknown };
      return target({ ...(panelRef === 0 ? {} : { panel: panelRef }), ...after(prev && prev.cell ? prev.cell.name : undefined), ...(cell.fullWidth === true ? { fullWidth: true } : {}) });
    }
    return undefined;
  }
  if (p.kind === 'columns') {
    const i = p.columns.findIndex((c) => c.name === field);
    if (i < 0) return undefined;
    const width = p.columns[i]!.width;
    return target({ ...(i > 0 ? after(p.columns[i - 1]!.name) : {}), ...(isNumber(width) && width >= 0 && width <= 100 ? { width } : {}) });
  }
  if (p.kind === 'fieldList') {
    const i = p.fields.indexOf(field);
    if (i < 0) return undefined;
    return target(i > 0 ? after(p.fields[i - 1]) : {});
  }
  return undefined;
}

/** The customized layouts of one entity that a blueprint places fields on, parsed; the others noted. */
function placementLayouts(layouts: readonly LayoutState[], entity: string, notes: string[]): Array<{ layout: PlacementLayout; json: unknown }> {
  const out: Array<{ layout: PlacementLayout; json: unknown }> = [];
  for (const name of FIELD_LAYOUT_TARGETS) {
    const l = layouts.find((x) => x.entity === entity && x.layout === name && x.customized);
    if (!l) continue;
    try {
      out.push({ layout: name, json: JSON.parse(l.json) as unknown });
    } catch {
      notes.push(`${entity} ${name} layout: its JSON could not be read, so no placement on it is exported.`);
    }
  }
  return out;
}

/** A blueprint that re-creates the snapshot's custom fields where they are shown (checked with parseBlueprint). */
export function snapshotToBlueprint(state: TenantCustomization, opts: SnapshotBlueprintOptions = {}): SnapshotBlueprint {
  const notes: string[] = [];
  const lang = opts.lang ?? state.languages?.[0] ?? 'en_US';
  const entities: Blueprint['entities'] = {};
  const byEntity = new Map<string, FieldState[]>();
  for (const f of state.fields) {
    if (!f.isCustom) continue;
    byEntity.set(f.entity, [...(byEntity.get(f.entity) ?? []), f]);
  }
  for (const [entity, fields] of byEntity) {
    if (!ENTITY_NAME.test(entity)) {
      notes.push(`${entity}: left out (a blueprint's entity is letters and digits).`);
      continue;
    }
    const layouts = placementLayouts(state.layouts, entity, notes);
    const out: FieldBlueprint[] = [];
    for (const f of fields) {
      const fb = fieldBlueprint(f, lang, notes);
      if (!fb) continue;
      const targets = layouts.flatMap((l) => {
        const t = targetIn(l.layout, l.json, f.name);
        return t === undefined ? [] : [t];
      });
      out.push(targets.length ? { ...fb, layouts: targets } : fb);
    }
    if (out.length) entities[entity] = { fields: out };
  }
  const customizedElsewhere = state.layouts.filter((l) => l.customized && !(FIELD_LAYOUT_TARGETS as readonly string[]).includes(l.layout));
  if (customizedElsewhere.length) {
    notes.push(
      `Customized layouts a blueprint does not describe are not exported (restore_snapshot puts them back): ${customizedElsewhere.map((l) => `${l.entity} ${l.layout}`).join(', ')}.`,
    );
  }
  notes.push('Placements say where each field is (panel, the field before it); the rest of a layout is not part of a blueprint.');
  const name = (opts.name ?? `${state.tenant}-snapshot`).trim().slice(0, 100) || 'snapshot';
  const blueprint: Blueprint = {
    name,
    description: opts.description ?? `The custom fields of tenant "${state.tenant}" as read at ${state.readAt}${state.version ? ` (EspoCRM ${state.version})` : ''}; labels in ${lang}.`,
    entities,
  };
  return { blueprint: parseBlueprint(blueprint, 'the blueprint made from the snapshot'), notes };
}
