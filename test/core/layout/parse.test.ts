import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  KNOWN_LAYOUT_NAMES,
  LayoutParseError,
  availabilityNames,
  layoutFingerprint,
  layoutJson,
  layoutKind,
  parseLayout,
  shapeIssues,
  tryParseLayout,
} from '../../../src/core/layout/index.js';
import { LEAD_LAYOUT_NAMES, entityLayouts, leadLayout, leadLayoutText } from '../../fixtures/layouts/load.js';

describe('layoutKind', () => {
  it.each([
    ['detail', 'panels'],
    ['detailSmall', 'panels'],
    ['detailConvert', 'panels'],
    ['detailPortal', 'panels'],
    ['edit', 'panels'],
    ['editSmall', 'panels'],
    ['list', 'columns'],
    ['listSmall', 'columns'],
    ['listDashlet', 'columns'],
    ['listForAccount', 'columns'],
    ['kanban', 'columns'],
    ['filters', 'fieldList'],
    ['massUpdate', 'fieldList'],
    ['defaultSidePanel', 'cells'],
    ['sidePanelsDetail', 'panelMap'],
    ['sidePanelsEditSmall', 'panelMap'],
    ['bottomPanelsDetail', 'panelMap'],
    ['bottomPanelsEdit', 'panelMap'],
    ['relationships', 'linkList'],
    ['mcpCustomLayout', 'opaque'],
    ['noSuchLayout', 'opaque'],
  ])('%s is %s', (name, kind) => {
    expect(layoutKind(name)).toBe(kind);
  });

  it('gives every known layout name a real kind', () => {
    for (const name of KNOWN_LAYOUT_NAMES) expect(layoutKind(name)).not.toBe('opaque');
  });

  it('matches availability lists the way the layout manager does (listSmall counts as list)', () => {
    expect(availabilityNames('listSmall')).toEqual(['listSmall', 'list']);
    expect(availabilityNames('detailSmall')).toEqual(['detailSmall', 'detail']);
    expect(availabilityNames('list')).toEqual(['list']);
    expect(availabilityNames('filters')).toEqual(['filters']);
  });
});

describe('parseLayout', () => {
  it.each(LEAD_LAYOUT_NAMES)('round-trips the recorded Lead %s byte for byte', (name) => {
    const parsed = parseLayout(name, leadLayout(name));
    expect(JSON.stringify(layoutJson(parsed))).toBe(leadLayoutText(name));
  });

  it('keeps the string "true" of the core Lead list and the false cells of detail', () => {
    const list = parseLayout('list', leadLayout('list'));
    expect(list.kind === 'columns' && list.columns[0]).toEqual({ name: 'name', link: 'true' });
    const detail = parseLayout('detail', leadLayout('detail'));
    expect(detail.kind === 'panels' && detail.panels[0]?.rows[3]).toEqual([{ name: 'address' }, false]);
  });

  it.each(['Contact', 'Account'] as const)('round-trips every %s fixture layout, unknown keys included', (entity) => {
    for (const [name, json] of Object.entries(entityLayouts(entity))) {
      expect(JSON.stringify(layoutJson(parseLayout(name, json))), name).toBe(JSON.stringify(json));
    }
  });

  it('copies: changing the parsed layout does not touch the input, nor does layoutJson alias the parsed one', () => {
    const input = leadLayout('detail');
    const before = JSON.stringify(input);
    const parsed = parseLayout('detail', input);
    if (parsed.kind !== 'panels') throw new Error('expected panels');
    parsed.panels[0]?.rows.pop();
    expect(JSON.stringify(input)).toBe(before);
    const out = layoutJson(parsed) as unknown[];
    out.pop();
    expect(parsed.panels).toHaveLength(2);
  });

  it('throws LayoutParseError with paths for a wrong shape', () => {
    const bad = [{ label: 'A', rows: [[{ name: 'name' }, 'oops']] }, { label: 'B' }];
    expect(() => parseLayout('detail', bad)).toThrow(LayoutParseError);
    try {
      parseLayout('detail', bad);
    } catch (err) {
      const issues = (err as LayoutParseError).issues;
      expect(issues.map((i) => i.path)).toEqual(['panels[0].rows[0][1]', 'panels[1].rows']);
      expect((err as Error).message).toContain('Layout "detail" is malformed');
    }
  });

  it.each([
    ['list', 'not a layout', 'columns'],
    ['list', null, 'columns'],
    ['detail', {}, 'panels'],
    ['filters', [1, 'status'], 'fields[0]'],
    ['list', [{ width: 10 }], 'columns[0]'],
    ['defaultSidePanel', [{}], 'cells[0]'],
    ['relationships', [3], 'links[0]'],
    ['bottomPanelsDetail', [], 'panels'],
    ['sidePanelsDetail', { default: true }, 'panels.default'],
    ['detail', [{ rows: [[{ name: '' }]] }], 'panels[0].rows[0][0]'],
    ['detail', [{ rows: ['row'] }], 'panels[0].rows[0]'],
  ])('rejects %s = %j at %s', (name, json, path) => {
    const issues = shapeIssues(name, json);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.every((i) => i.severity === 'error')).toBe(true);
    expect(tryParseLayout(name, json)).toHaveProperty('issues');
  });

  it('accepts bare names and objects in defaultSidePanel and relationships, and null empty cells', () => {
    expect(shapeIssues('defaultSidePanel', [':assignedUser', { name: 'teams' }])).toEqual([]);
    expect(shapeIssues('relationships', ['contacts', { name: 'cases', style: 'info' }])).toEqual([]);
    expect(shapeIssues('detail', [{ rows: [[null, { name: 'name' }]] }])).toEqual([]);
  });

  it('keeps any JSON of an unknown layout name as is', () => {
    const parsed = parseLayout('mcpCustomLayout', [{ name: 'name' }]);
    expect(parsed).toEqual({ kind: 'opaque', name: 'mcpCustomLayout', value: [{ name: 'name' }] });
  });

  it('property: any JSON either fails to parse or round-trips byte for byte', () => {
    const names = ['detail', 'list', 'filters', 'defaultSidePanel', 'bottomPanelsDetail', 'relationships', 'other'];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.jsonValue(), (name, json) => {
        const result = tryParseLayout(name, json);
        if ('layout' in result) expect(JSON.stringify(layoutJson(result.layout))).toBe(JSON.stringify(json));
        else expect(result.issues.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('layoutFingerprint', () => {
  it('is a sha256 hex digest that ignores key order only', () => {
    const a = [{ name: 'name', link: true }, { name: 'status', width: 15 }];
    const b = [{ link: true, name: 'name' }, { width: 15, name: 'status' }];
    const c = [{ name: 'name', link: true }, { name: 'status', width: 16 }];
    expect(layoutFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(layoutFingerprint(a)).toBe(layoutFingerprint(b));
    expect(layoutFingerprint(a)).not.toBe(layoutFingerprint(c));
    expect(layoutFingerprint([{ name: 'name', link: 'true' }])).not.toBe(layoutFingerprint([{ name: 'name', link: true }]));
  });

  it('changes when a recorded layout is edited', () => {
    const detail = leadLayout('detail');
    const edited = JSON.parse(leadLayoutText('detail')) as Array<{ rows: unknown[][] }>;
    edited[0]?.rows[3]?.splice(1, 1, { name: 'cTier' });
    expect(layoutFingerprint(detail)).toBe(layoutFingerprint(JSON.parse(leadLayoutText('detail'))));
    expect(layoutFingerprint(edited)).not.toBe(layoutFingerprint(detail));
  });
});
