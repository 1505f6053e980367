import { describe, expect, it } from 'vitest';
import { snapshotToBlueprint } from '../../../src/core/blueprint/fromSnapshot.js';
import { parseBlueprint } from '../../../src/core/blueprint/schema.js';
import type { FieldState, TenantCustomization } from '../../../src/core/blueprint/types.js';

const field = (over: Partial<FieldState> & { name: string }): FieldState => ({
  entity: 'Lead',
  type: 'varchar',
  isCustom: true,
  definition: { type: over.type ?? 'varchar', isCustom: true },
  labels: {},
  ...over,
});

const detail = [
  { label: 'Overview', rows: [[{ name: 'name' }, { name: 'cSecteur' }], [{ name: 'cNote', fullWidth: true }]] },
  { label: 'Details', rows: [[{ name: 'cScore' }, false]] },
];
const list = [{ name: 'name', width: 30 }, { name: 'cSecteur', width: 20 }, { name: 'status' }];

function state(over: Partial<TenantCustomization> = {}): TenantCustomization {
  return {
    tenant: 'acme',
    readAt: '2026-12-01T10:00:00.000Z',
    version: '9.1.7',
    languages: ['fr_FR', 'en_US'],
    fields: [
      field({
        name: 'cSecteur',
        type: 'enum',
        definition: { type: 'enum', isCustom: true, options: ['', 'Fret', 'Messagerie'], default: '', maxLength: 100, style: { Fret: 'success' }, audited: true, isSorted: false, displayAsLabel: true },
        labels: { fr_FR: 'Secteur', en_US: 'Sector' },
        optionLabels: { fr_FR: { Fret: 'Fret routier' }, en_US: { Fret: 'Freight' } },
      }),
      field({ name: 'cNote', type: 'text', definition: { type: 'text', isCustom: true, rows: 4, tooltip: true }, labels: { en_US: 'Note' } }),
      field({ name: 'cScore', type: 'int', definition: { type: 'int', isCustom: true, min: 0, max: 100, required: true }, labels: { fr_FR: '  ' } }),
      field({ name: 'cLinked', type: 'link', definition: { type: 'link', isCustom: true } }),
      field({ name: 'status', type: 'enum', isCustom: false, definition: { type: 'enum', options: ['New'] } }),
      field({ entity: 'Account', name: 'cTier', definition: { type: 'varchar', isCustom: true, maxLength: 50 }, labels: { fr_FR: 'Niveau' } }),
    ],
    layouts: [
      { entity: 'Lead', layout: 'detail', customized: true, json: JSON.stringify(detail) },
      { entity: 'Lead', layout: 'list', customized: true, json: JSON.stringify(list) },
      { entity: 'Lead', layout: 'filters', customized: true, json: JSON.stringify(['status', 'cSecteur']) },
      { entity: 'Lead', layout: 'massUpdate', customized: false, json: JSON.stringify(['cSecteur']) },
      { entity: 'Lead', layout: 'bottomPanelsDetail', customized: true, json: '{}' },
    ],
    ...over,
  };
}

describe('snapshotToBlueprint', () => {
  it('turns custom fields into blueprint fields with their parameters, labels and placements, valid for parseBlueprint', () => {
    const { blueprint, notes } = snapshotToBlueprint(state());
    expect(parseBlueprint(JSON.parse(JSON.stringify(blueprint)), 'test')).toEqual(blueprint);
    expect(blueprint.name).toBe('acme-snapshot');
    expect(Object.keys(blueprint.entities)).toEqual(['Lead', 'Account']);
    const lead = blueprint.entities.Lead!.fields!;
    expect(lead.map((f) => f.name)).toEqual(['cSecteur', 'cNote', 'cScore']);
    expect(lead[0]).toEqual({
      name: 'cSecteur',
      type: 'enum',
      label: 'Secteur',
      options: ['', 'Fret', 'Messagerie'],
      default: '',
      maxLength: 100,
      style: { Fret: 'success' },
      audited: true,
      isSorted: false,
      params: { displayAsLabel: true },
      optionLabels: { Fret: 'Fret routier' },
      // Where the customized layouts show it; massUpdate is not customized, so not a placement.
      layouts: [{ layout: 'detail', panel: 'Overview', after: 'name' }, { layout: 'list', after: 'name', width: 20 }, { layout: 'filters', after: 'status' }],
    });
    // The first language has no label: en_US is used. A tooltip flag is not a tooltip text.
    expect(lead[1]).toEqual({ name: 'cNote', type: 'text', label: 'Note', params: { rows: 4 }, layouts: [{ layout: 'detail', panel: 'Overview', after: 'cSecteur', fullWidth: true }] });
    // A blank label is left out; the first cell of another panel has no "after".
    expect(lead[2]).toEqual({ name: 'cScore', type: 'int', min: 0, max: 100, required: true, layouts: [{ layout: 'detail', panel: 'Details' }] });
    expect(blueprint.entities.Account!.fields).toEqual([{ name: 'cTier', type: 'varchar', label: 'Niveau', maxLength: 50 }]);
    expect(notes.join('\n')).toMatch(/Lead\.cLinked: left out \(type "link" is not one a blueprint creates/);
    expect(notes.join('\n')).toMatch(/not exported \(restore_snapshot puts them back\): Lead bottomPanelsDetail/);
  });

  it('uses the panel index when labels are missing or repeated, and the language asked for', () => {
    const panels = [
      { label: 'Same', rows: [[{ name: 'name' }]] },
      { label: 'same', rows: [[{ name: 'x' }, { name: 'cSecteur' }]] },
    ];
    const s = state({ layouts: [{ entity: 'Lead', layout: 'detail', customized: true, json: JSON.stringify(panels) }] });
    const { blueprint } = snapshotToBlueprint(s, { lang: 'en_US', name: 'standard' });
    expect(blueprint.name).toBe('standard');
    const f = blueprint.entities.Lead!.fields![0]!;
    expect(f.label).toBe('Sector');
    expect(f.optionLabels).toEqual({ Fret: 'Freight' });
    expect(f.layouts).toEqual([{ layout: 'detail', panel: 1, after: 'x' }]);
  });

  it('leaves out what a blueprint cannot hold, with a note, and still gives a valid blueprint', () => {
    const s = state({
      fields: [
        field({ name: 'c-bad', definition: { type: 'varchar' } }),
        field({ entity: 'Lead_X', name: 'cOk' }),
        field({ name: 'cDup', type: 'multiEnum', definition: { type: 'multiEnum', options: ['a', 'a', 'b'], default: { odd: true } } }),
      ],
      layouts: [{ entity: 'Lead', layout: 'list', customized: true, json: '{not json' }],
    });
    const { blueprint, notes } = snapshotToBlueprint(s);
    expect(blueprint.entities.Lead!.fields).toEqual([{ name: 'cDup', type: 'multiEnum', options: ['a', 'b'], params: { default: { odd: true } } }]);
    expect(notes.join('\n')).toMatch(/Lead\.c-bad: left out/);
    expect(notes.join('\n')).toMatch(/Lead_X: left out/);
    expect(notes.join('\n')).toMatch(/option given twice is kept once/);
    expect(notes.join('\n')).toMatch(/Lead list layout: its JSON could not be read/);
  });

  it('gives an empty, valid blueprint for a tenant without custom fields', () => {
    const { blueprint } = snapshotToBlueprint(state({ fields: [], layouts: [] }));
    expect(blueprint.entities).toEqual({});
    expect(() => parseBlueprint(blueprint, 'x')).not.toThrow();
  });
});
