import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffCustomization, optionValueOf, planBlueprint } from '../../../src/core/blueprint/plan.js';
import { parseBlueprint } from '../../../src/core/blueprint/schema.js';
import type { Blueprint, FieldBlueprint, PlanStep, TenantCustomization } from '../../../src/core/blueprint/types.js';
import { applyLayoutOps, placeField } from '../../../src/core/layout/index.js';
import { hasMarked, plainMarked } from '../../../src/core/fence.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const transport = parseBlueprint(readFileSync(path.join(root, 'blueprints/transport.json'), 'utf8'), 'transport.json');

const LAYOUTS: Record<string, unknown> = {
  detail: [{ label: 'Overview', rows: [[{ name: 'firstName' }, { name: 'lastName' }], [{ name: 'status' }, false]] }],
  detailSmall: [{ label: '', rows: [[{ name: 'firstName' }, { name: 'lastName' }]] }],
  list: [{ name: 'name', link: true }, { name: 'status', width: 15 }],
  filters: ['status'],
  massUpdate: ['status'],
};

/** A tenant with Lead and Account, no custom field, the layouts above (as EspoCRM sends them: 4-space JSON). */
function baseState(opts: { prefix?: boolean } = {}): TenantCustomization {
  const fields = { firstName: 'varchar', lastName: 'varchar', name: 'personName', status: 'enum', industry: 'enum' };
  return {
    tenant: 't',
    readAt: '2026-01-01T00:00:00.000Z',
    prefixCustom: opts.prefix ?? true,
    languages: ['fr_FR'],
    entities: ['Account', 'Lead'],
    entityInfo: {
      Lead: { customizable: true, isCustom: false, layoutsEditable: true, fields: { ...fields }, links: ['account'] },
      Account: { customizable: true, isCustom: false, layoutsEditable: true, fields: { name: 'varchar' }, links: [] },
      Role: { customizable: false, isCustom: false, layoutsEditable: false, fields: { name: 'varchar' } },
    },
    fields: [],
    layouts: ['Lead', 'Account'].flatMap((entity) => Object.entries(LAYOUTS).map(([layout, json]) => ({ entity, layout, customized: false, json: JSON.stringify(json, null, 4) }))),
  };
}

/** What applying the steps leaves, as EspoCRM would (a model of the CRM for the idempotency property). */
function applySteps(state: TenantCustomization, steps: readonly PlanStep[]): TenantCustomization {
  const s: TenantCustomization = structuredClone(state);
  const lang = s.languages?.[0] ?? 'en_US';
  const layout = (entity: string, name: string) => s.layouts.find((l) => l.entity === entity && l.layout === name)!;
  const edit = (entity: string, name: string, f: (json: unknown) => unknown) => {
    const l = layout(entity, name);
    l.json = JSON.stringify(f(JSON.parse(l.json)), null, 4);
    l.customized = true;
  };
  for (const step of steps) {
    switch (step.kind) {
      case 'add_panel':
        edit(step.entity, step.layout, (j) => applyLayoutOps(step.layout, j, [{ op: 'add_panel', label: step.label }], { fields: {} }).layout);
        break;
      case 'create_field': {
        const { spec } = step;
        const definition: Record<string, unknown> = { type: spec.type, isCustom: true };
        for (const k of ['required', 'maxLength', 'min', 'max', 'default'] as const) if (spec[k] !== undefined) definition[k] = spec[k];
        if (spec.options) definition['options'] = spec.options.map(optionValueOf);
        const optionLabels: Record<string, string> = {};
        for (const o of spec.options ?? []) if (typeof o !== 'string' && o.label) optionLabels[o.value] = o.label;
        Object.assign(optionLabels, spec.optionLabels ?? {});
        s.fields.push({ entity: step.entity, name: step.field, type: spec.type, isCustom: true, definition, labels: { [lang]: spec.label ?? spec.name }, ...(Object.keys(optionLabels).length ? { optionLabels: { [lang]: optionLabels } } : {}) });
        s.entityInfo![step.entity]!.fields[step.field] = spec.type;
        break;
      }
      case 'update_field': {
        const f = s.fields.find((x) => x.entity === step.entity && x.name === step.field)!;
        for (const [k, v] of Object.entries(step.set)) {
          if (k === 'label') f.labels[lang] = v as string;
          else if (k === 'optionLabels') f.optionLabels = { ...f.optionLabels, [lang]: { ...f.optionLabels?.[lang], ...(v as Record<string, string>) } };
          else if (k === 'style') f.definition['style'] = { ...(f.definition['style'] as object), ...(v as object) };
          else f.definition[k] = v;
        }
        break;
      }
      case 'add_options': {
        const f = s.fields.find((x) => x.entity === step.entity && x.name === step.field)!;
        f.definition['options'] = [...((f.definition['options'] as string[]) ?? []), ...step.options.map(optionValueOf)];
        break;
      }
      case 'place_field':
        edit(step.entity, step.layout, (j) => placeField(step.layout, j, step.field, { ...(step.panel !== undefined ? { panel: step.panel } : {}) }).layout);
        break;
      case 'unplace_field':
        edit(step.entity, step.layout, (j) => applyLayoutOps(step.layout, j, [{ op: 'remove_field', field: step.field }], { fields: {} }).layout);
        break;
      case 'delete_field':
        s.fields = s.fields.filter((x) => !(x.entity === step.entity && x.name === step.field));
        delete s.entityInfo![step.entity]!.fields[step.field];
        break;
    }
  }
  return s;
}

const bp = (entities: Blueprint['entities']): Blueprint => ({ name: 'test', entities });
const kinds = (steps: readonly PlanStep[]) => steps.map((s) => s.kind);

describe('planBlueprint', () => {
  it('plans the transport blueprint on a tenant without it: the field, then its two placements', () => {
    const plan = planBlueprint(transport, baseState());
    expect(plan.conflicts).toEqual([]);
    expect(kinds(plan.steps)).toEqual(['create_field', 'place_field', 'place_field']);
    expect(plan.steps[0]).toMatchObject({ kind: 'create_field', entity: 'Lead', field: 'cSecteur', spec: { name: 'secteur', type: 'enum', label: 'Secteur' } });
    expect(plan.steps[0]).not.toHaveProperty('spec.layouts');
    expect(plan.steps.slice(1)).toEqual([
      { kind: 'place_field', entity: 'Lead', field: 'cSecteur', layout: 'detail' },
      { kind: 'place_field', entity: 'Lead', field: 'cSecteur', layout: 'list' },
    ]);
    expect(plan.notes.join(' ')).toMatch(/"secteur" is the field "cSecteur"/);
  });

  it('before EspoCRM 8.2 (no c prefix) the field keeps its name', () => {
    const plan = planBlueprint(transport, baseState({ prefix: false }));
    expect(plan.steps[0]).toMatchObject({ kind: 'create_field', field: 'secteur' });
  });

  it('is in sync once applied, and a second plan is empty (ensure)', () => {
    const once = planBlueprint(transport, baseState());
    const after = applySteps(baseState(), once.steps);
    expect(planBlueprint(transport, after)).toEqual({ steps: [], conflicts: [], notes: expect.any(Array) });
  });

  it('adds only the missing options, keeps the others, and leaves a placement the user moved where it is', () => {
    const state = applySteps(baseState(), planBlueprint(transport, baseState()).steps);
    const f = state.fields[0]!;
    f.definition['options'] = ['', 'Transport routier', 'Autre'];
    // The user moved the field to a new panel on detail: still "there".
    const detail = state.layouts.find((l) => l.entity === 'Lead' && l.layout === 'detail')!;
    const moved = applyLayoutOps('detail', JSON.parse(detail.json), [{ op: 'add_panel', label: 'Secteur' }, { op: 'move_field', field: 'cSecteur', panel: 'Secteur' }], { fields: {} });
    detail.json = JSON.stringify(moved.layout);
    const plan = planBlueprint(transport, state);
    expect(plan.steps).toEqual([{ kind: 'add_options', entity: 'Lead', field: 'cSecteur', options: ['Logistique', 'Messagerie', 'Déménagement'] }]);
  });

  it('sets the whole option list when the empty option is missing (it can only come first), keeping the current options', () => {
    const state = applySteps(baseState(), planBlueprint(bp({ Lead: { fields: [{ name: 'secteur', type: 'enum', options: ['A'] }] } }), baseState()).steps);
    const plan = planBlueprint(bp({ Lead: { fields: [{ name: 'secteur', type: 'enum', options: ['', 'B', 'A'] }] } }), state);
    expect(plan.steps).toEqual([{ kind: 'update_field', entity: 'Lead', field: 'cSecteur', set: { options: ['', 'A', 'B'] }, before: { options: ['A'] } }]);
    expect(planBlueprint(bp({ Lead: { fields: [{ name: 'secteur', type: 'enum', options: ['', 'B', 'A'] }] } }), applySteps(state, plan.steps)).steps).toEqual([]);
  });

  it('brings a stated label and parameters to what the blueprint says (update_field with the values before)', () => {
    const state = applySteps(baseState(), planBlueprint(transport, baseState()).steps);
    state.fields[0]!.labels['fr_FR'] = 'Secteur d’activité';
    state.fields[0]!.definition['required'] = true; // not stated by the blueprint: left alone
    const withRequired = bp({ Lead: { fields: [{ ...transport.entities['Lead']!.fields![0]!, required: false, maxLength: 80 }] } });
    const plan = planBlueprint(withRequired, state);
    expect(plan.steps).toEqual([
      { kind: 'update_field', entity: 'Lead', field: 'cSecteur', set: { label: 'Secteur', required: false, maxLength: 80 }, before: { label: 'Secteur d’activité', required: true, maxLength: undefined } },
    ]);
    // Without labels read, labels are not compared (and the notes say so).
    const noLabels = { ...state, languages: [] };
    const p2 = planBlueprint(transport, noLabels);
    expect(p2.steps).toEqual([]);
    expect(p2.notes.join(' ')).toMatch(/labels were not read/);
  });

  it('a field of the same name and another type is a conflict; so is a built-in field of that name', () => {
    const state = baseState();
    state.fields.push({ entity: 'Lead', name: 'cSecteur', type: 'varchar', isCustom: true, definition: { type: 'varchar', isCustom: true }, labels: {} });
    state.entityInfo!['Lead']!.fields['cSecteur'] = 'varchar';
    const plan = planBlueprint(transport, state);
    expect(plan.conflicts).toEqual([expect.objectContaining({ entity: 'Lead', field: 'cSecteur', reason: expect.stringMatching(/of type .*varchar.*wants enum/) })]);
    expect(plan.steps.some((s) => s.kind === 'create_field' || s.kind === 'add_options')).toBe(false);

    const old = baseState({ prefix: false });
    const builtIn = planBlueprint(bp({ Lead: { fields: [{ name: 'industry', type: 'enum', options: ['A'] }] } }), old);
    expect(builtIn.conflicts[0]?.reason).toMatch(/built-in field "industry"/);
  });

  it('names an unknown entity, a non-customizable one and a missing layout as conflicts', () => {
    const plan = planBlueprint(
      bp({ Spaceship: { fields: [{ name: 'a', type: 'varchar' }] }, Role: { fields: [{ name: 'a', type: 'varchar' }] }, Account: { fields: [{ name: 'b', type: 'varchar', layouts: ['detail'] }] } }),
      { ...baseState(), layouts: [] },
    );
    expect(plan.conflicts.map((c) => c.entity)).toEqual(['Spaceship', 'Role', 'Account']);
    expect(plan.conflicts[0]?.reason).toMatch(/not in this CRM/);
    expect(plan.conflicts[1]?.reason).toMatch(/not customizable/);
    expect(plan.conflicts[2]).toMatchObject({ layout: 'detail', reason: expect.stringMatching(/was not read/) });
  });

  it('matches an entity key case-insensitively, with a note', () => {
    const plan = planBlueprint(bp({ lead: { fields: [{ name: 'x', type: 'int' }] } }), baseState());
    expect(plan.steps[0]).toMatchObject({ kind: 'create_field', entity: 'Lead', field: 'cX' });
    expect(plan.notes).toContain('entity "lead" is "Lead".');
  });

  it('ensures panels by label and places fields in them; a placement that cannot be made is a conflict', () => {
    const blueprint = bp({
      Lead: {
        panels: [{ layout: 'detail', label: 'Transport' }, { layout: 'detail', label: 'overview' }],
        fields: [
          { name: 'flotte', type: 'int', layouts: [{ layout: 'detail', panel: 'Transport' }] },
          { name: 'depot', type: 'varchar', layouts: [{ layout: 'detail', panel: 'Nowhere' }] },
        ],
      },
    });
    const plan = planBlueprint(blueprint, baseState());
    expect(plan.steps.filter((s) => s.kind === 'add_panel')).toEqual([{ kind: 'add_panel', entity: 'Lead', layout: 'detail', label: 'Transport' }]);
    expect(plan.steps).toContainEqual({ kind: 'place_field', entity: 'Lead', field: 'cFlotte', layout: 'detail', panel: 'Transport' });
    expect(plan.conflicts).toEqual([expect.objectContaining({ field: 'cDepot', layout: 'detail', reason: expect.stringMatching(/no panel is called "Nowhere"/) })]);
  });

  it('removes only what is written, and what is already gone is fine', () => {
    const state = applySteps(baseState(), planBlueprint(transport, baseState()).steps);
    const blueprint = bp({ Lead: { remove: { fields: ['secteur', 'neverExisted'], placements: [{ layout: 'list', field: 'status' }, { layout: 'filters', field: 'cSecteur' }] } } });
    const plan = planBlueprint(blueprint, state);
    expect(plan.conflicts).toEqual([]);
    expect(plan.steps).toEqual([
      { kind: 'unplace_field', entity: 'Lead', layout: 'list', field: 'status' },
      { kind: 'delete_field', entity: 'Lead', field: 'cSecteur' },
    ]);
    expect(planBlueprint(blueprint, applySteps(state, plan.steps)).steps).toEqual([]);
    // A built-in field cannot be removed.
    expect(planBlueprint(bp({ Lead: { remove: { fields: ['status'] } } }), state).conflicts[0]?.reason).toMatch(/built-in field/);
  });

  it('refuses a state without entity information', () => {
    const { entityInfo: _e, ...state } = baseState();
    expect(() => planBlueprint(transport, state)).toThrow(/read it again with readCustomization/);
  });

  it('property: applying a plan leaves nothing to plan (from any earlier blueprint applied first)', () => {
    const names = ['secteur', 'flotte', 'depot', 'cCode'];
    const type = fc.constantFrom('enum', 'varchar', 'int', 'bool', 'select');
    const options = fc.uniqueArray(fc.constantFrom('A', 'B', 'C', ''), { maxLength: 3 });
    const layouts = fc.subarray(['detail', 'detailSmall', 'list', 'filters', 'massUpdate'] as const);
    const field = fc.record(
      {
        name: fc.constantFrom(...names),
        type,
        label: fc.constantFrom('Un', 'Deux'),
        required: fc.boolean(),
        options,
        layouts,
        maxLength: fc.integer({ min: 1, max: 255 }),
      },
      { requiredKeys: ['name', 'type'] },
    ).map((f): FieldBlueprint => {
      const { options: o, maxLength, ...rest } = f;
      const enumLike = f.type === 'enum' || f.type === 'select';
      return { ...rest, ...(enumLike && o ? { options: o } : {}), ...(f.type === 'varchar' && maxLength !== undefined ? { maxLength } : {}) };
    });
    const blueprintArb = fc
      .record({
        fields: fc.uniqueArray(field, { maxLength: 3, selector: (f) => f.name.replace(/^c([A-Z])/, (_m, c: string) => c.toLowerCase()) }),
        panels: fc.subarray([{ layout: 'detail' as const, label: 'Transport' }, { layout: 'detailSmall' as const, label: 'Extra' }]),
      })
      .map((e) => bp({ Lead: e }));
    const seen = new Set<string>();
    fc.assert(
      fc.property(blueprintArb, blueprintArb, fc.boolean(), (first, second, prefix) => {
        const start = applySteps(baseState({ prefix }), planBlueprint(first, baseState({ prefix })).steps);
        const plan = planBlueprint(second, start);
        if (plan.conflicts.length > 0) return; // a type clash between the two: nothing is applied
        for (const s of plan.steps) seen.add(s.kind);
        const after = applySteps(start, plan.steps);
        expect(planBlueprint(second, after).steps).toEqual([]);
        // And the first one's fields are still there (ensure never removes).
        for (const f of first.entities['Lead']?.fields ?? []) expect(after.fields.some((x) => x.name.toLowerCase().endsWith(f.name.replace(/^c/, '').toLowerCase()))).toBe(true);
      }),
      // Seeded: the coverage check below must not depend on the draw (an unseeded run missed add_options once).
      { numRuns: 300, seed: 20261205 },
    );
    // The runs went through every kind of ensure step (not only conflicts or empty plans).
    expect([...seen].sort()).toEqual(['add_options', 'add_panel', 'create_field', 'place_field', 'update_field']);
  });
});

describe('diffCustomization', () => {
  const withTransport = () => applySteps(baseState(), planBlueprint(transport, baseState()).steps);

  it('finds nothing between a state and itself', () => {
    expect(diffCustomization(withTransport(), withTransport())).toEqual([]);
  });

  it('finds a field missing or extra, options, labels, definition parameters and layouts', () => {
    const expected = withTransport();
    const actual = withTransport();
    const f = actual.fields[0]!;
    f.definition['options'] = ['', 'Transport routier', 'Autre'];
    f.definition['required'] = true;
    f.labels['fr_FR'] = 'Secteur !';
    actual.fields.push({ entity: 'Lead', name: 'cExtra', type: 'varchar', isCustom: true, definition: { type: 'varchar' }, labels: {} });
    const list = actual.layouts.find((l) => l.entity === 'Lead' && l.layout === 'list')!;
    list.json = JSON.stringify([{ name: 'name' }]);
    const diff = diffCustomization(expected, actual);
    expect(diff.map((d) => d.kind).sort()).toEqual(['field_definition', 'field_extra', 'label', 'layout_different', 'options_extra', 'options_missing']);
    expect(diff.find((d) => d.kind === 'options_missing')?.expected).toEqual(['Logistique', 'Messagerie', 'Déménagement']);
    expect(diff.find((d) => d.kind === 'field_definition')).toMatchObject({ key: 'required', expected: undefined, actual: true });
    // CRM values are marked in the words.
    const label = diff.find((d) => d.kind === 'label')!.summary;
    expect(hasMarked(label)).toBe(true);
    expect(plainMarked(label)).toBe('Lead.cSecteur: label (fr_FR) is "Secteur !", expected "Secteur"');
    const reverse = diffCustomization(actual, expected);
    expect(reverse.some((d) => d.kind === 'field_missing' && d.field === 'cExtra')).toBe(true);
  });

  it('compares layouts as JSON (key order and whitespace aside)', () => {
    const a = withTransport();
    const b = withTransport();
    for (const l of b.layouts) l.json = JSON.stringify(JSON.parse(l.json));
    expect(diffCustomization(a, b)).toEqual([]);
  });

  it('compares only entities both read', () => {
    const a = withTransport();
    const b = { ...baseState(), entities: ['Account'] };
    expect(diffCustomization(a, b)).toEqual([]);
  });
});
