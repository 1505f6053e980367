/**
 * edit_layout through an MCP client against the sandbox over HTTP: every operation kind on detail,
 * detailSmall, list, filters and massUpdate of Lead, Contact and Account. Each case starts from the
 * entity's default layout, applies one edit, and checks the layout the sandbox stored, the diff the
 * tool returned, get_layout's view and the audit line with the change id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { validateLayout, type LayoutContext } from '../../src/core/layout/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';

type Json = unknown;
type Panel = { rows: Array<Array<{ name: string; [k: string]: unknown } | false | null>>; label?: string; customLabel?: string };
type Column = { name: string; [k: string]: unknown };

let h: Harness;
let sb: Sandbox;

beforeAll(async () => {
  h = await startHarness([{ id: 'acme' }]);
  sb = h.sandboxes.acme!;
});
afterAll(async () => {
  await h?.close();
});

const kindOf = (layout: string) => (layout.startsWith('detail') ? 'panels' : layout === 'list' ? 'columns' : 'fieldList');

/** The field names a layout holds, in reading order. */
function fieldsOf(layout: string, json: Json): string[] {
  switch (kindOf(layout)) {
    case 'panels':
      return (json as Panel[]).flatMap((p) => p.rows.flatMap((r) => r.filter((c): c is { name: string } => Boolean(c)).map((c) => c.name)));
    case 'columns':
      return (json as Column[]).map((c) => c.name);
    default:
      return json as string[];
  }
}

const panelTitle = (p: Panel) => p.customLabel ?? p.label;

function layoutContext(entity: string): LayoutContext {
  const defs = sb.state.metadata.entityDefs(entity) as unknown as LayoutContext;
  return { entityType: entity, fields: defs.fields, links: defs.links };
}

/** A field of the entity, not in the layout, that the layout accepts without a warning (candidates from the sandbox's metadata). */
function newField(entity: string, layout: string, json: Json, skip: string[] = []): string {
  const present = new Set(fieldsOf(layout, json));
  const ctx = layoutContext(entity);
  const known = validateLayout(layout, json, ctx).length;
  for (const field of Object.keys(ctx.fields).sort()) {
    if (present.has(field) || skip.includes(field)) continue;
    const trial =
      kindOf(layout) === 'panels'
        ? (json as Panel[]).map((p, i) => (i === 0 ? { ...p, rows: [...p.rows, [{ name: field }]] } : p))
        : kindOf(layout) === 'columns'
          ? [...(json as Column[]), { name: field }]
          : [...(json as string[]), field];
    // No new error or warning: a field the layout manager would offer here.
    if (validateLayout(layout, trial, ctx).length === known) return field;
  }
  throw new Error(`no field can be added to ${entity} ${layout}`);
}

interface Planned {
  operations: Record<string, unknown>[];
  /** Words the tool's diff must contain. */
  mentions: string[];
  check(stored: Json): void;
}

type Builder = (entity: string, layout: string, current: Json) => Planned;

const panelCases: Record<string, Builder> = {
  add_field: (entity, layout, current) => {
    const field = newField(entity, layout, current);
    return {
      operations: [{ op: 'add_field', field, panel: 0 }],
      mentions: [field],
      check: (stored) => expect(fieldsOf(layout, [(stored as Panel[])[0]])).toContain(field),
    };
  },
  remove_field: (_e, layout, current) => {
    const field = fieldsOf(layout, current).at(-1)!;
    return { operations: [{ op: 'remove_field', field }], mentions: [field], check: (stored) => expect(fieldsOf(layout, stored)).not.toContain(field) };
  },
  move_field: (_e, layout, current) => {
    const names = fieldsOf(layout, current);
    const [field, target] = [names[0]!, names.at(-1)!];
    return {
      operations: [{ op: 'move_field', field, after: target }],
      mentions: [field],
      check: (stored) => {
        const after = fieldsOf(layout, stored);
        expect(after.indexOf(field)).toBe(after.indexOf(target) + 1);
        expect(after).toHaveLength(names.length);
      },
    };
  },
  add_panel: (entity, layout, current) => {
    const field = newField(entity, layout, current);
    return {
      operations: [{ op: 'add_panel', label: 'Extra Info', style: 'info', fields: [field] }],
      mentions: ['Extra Info', field],
      check: (stored) => {
        const panel = (stored as Panel[]).find((p) => panelTitle(p) === 'Extra Info');
        expect(panel).toBeDefined();
        expect(fieldsOf(layout, [panel])).toEqual([field]);
      },
    };
  },
  rename_panel: (_e, _layout, current) => ({
    operations: [{ op: 'rename_panel', panel: 0, label: 'Main Info' }],
    mentions: ['Main Info'],
    check: (stored) => {
      expect(panelTitle((stored as Panel[])[0]!)).toBe('Main Info');
      expect((stored as Panel[]).length).toBe((current as Panel[]).length);
    },
  }),
  move_panel: (entity, layout, current) => {
    // Works on one-panel layouts too: add a panel, then move it to the front, in one atomic call.
    const field = newField(entity, layout, current);
    return {
      operations: [
        { op: 'add_panel', label: 'Extra Info', fields: [field] },
        { op: 'move_panel', panel: 'Extra Info', index: 0 },
      ],
      mentions: ['Extra Info'],
      check: (stored) => {
        expect(panelTitle((stored as Panel[])[0]!)).toBe('Extra Info');
        expect((stored as Panel[]).length).toBe((current as Panel[]).length + 1);
      },
    };
  },
  remove_panel: (entity, layout, current) => {
    const panels = current as Panel[];
    if (panels.length >= 2) {
      const moved = fieldsOf(layout, [panels.at(-1)]);
      return {
        operations: [{ op: 'remove_panel', panel: panels.length - 1, moveFieldsTo: 0 }],
        mentions: [moved[0]!],
        check: (stored) => {
          expect((stored as Panel[]).length).toBe(panels.length - 1);
          expect(fieldsOf(layout, [(stored as Panel[])[0]])).toEqual(expect.arrayContaining(moved));
          expect(fieldsOf(layout, stored).sort()).toEqual(fieldsOf(layout, current).sort());
        },
      };
    }
    const field = newField(entity, layout, current);
    return {
      operations: [
        { op: 'add_panel', label: 'Temp', fields: [field] },
        { op: 'remove_panel', panel: 'Temp', moveFieldsTo: 0 },
      ],
      mentions: [field],
      check: (stored) => {
        expect((stored as Panel[]).length).toBe(1);
        expect(fieldsOf(layout, [(stored as Panel[])[0]])).toContain(field);
      },
    };
  },
  replace: (_e, layout, current) => {
    const names = fieldsOf(layout, current);
    const next = [{ customLabel: 'Only', style: 'default', rows: [[{ name: names[0]! }, { name: names[1]! }]] }];
    return {
      operations: [{ op: 'replace', layout: next }],
      mentions: [names.at(-1)!],
      check: (stored) => expect(stored).toEqual(next),
    };
  },
};

const columnCases: Record<string, Builder> = {
  add_field: (entity, layout, current) => {
    const field = newField(entity, layout, current);
    return {
      operations: [{ op: 'add_field', field, width: 10 }],
      mentions: [field],
      check: (stored) => expect((stored as Column[]).find((c) => c.name === field)).toMatchObject({ name: field, width: 10 }),
    };
  },
  remove_field: (_e, layout, current) => {
    const field = fieldsOf(layout, current).at(-1)!;
    return { operations: [{ op: 'remove_field', field }], mentions: [field], check: (stored) => expect(fieldsOf(layout, stored)).not.toContain(field) };
  },
  move_field: (_e, layout, current) => {
    const names = fieldsOf(layout, current);
    return {
      operations: [{ op: 'move_field', field: names[0], after: names.at(-1) }],
      mentions: [names[0]!],
      check: (stored) => expect(fieldsOf(layout, stored)).toEqual([...names.slice(1), names[0]]),
    };
  },
  set_columns: (_e, layout, current) => {
    const names = fieldsOf(layout, current).slice(0, 3).reverse();
    return {
      operations: [{ op: 'set_columns', columns: names.map((name, i) => ({ name, ...(i === 0 ? { width: 30 } : {}) })) }],
      mentions: [fieldsOf(layout, current).at(-1)!],
      check: (stored) => {
        expect(fieldsOf(layout, stored)).toEqual(names);
        expect((stored as Column[])[0]!.width).toBe(30);
      },
    };
  },
  set_width: (_e, layout, current) => {
    const field = fieldsOf(layout, current)[1]!;
    return {
      operations: [{ op: 'set_width', field, width: 17 }],
      mentions: [field],
      check: (stored) => expect((stored as Column[]).find((c) => c.name === field)!.width).toBe(17),
    };
  },
  replace: (_e, layout, current) => {
    const names = fieldsOf(layout, current);
    const next = [{ name: names[0]!, link: true, width: 40 }, { name: names[1]! }];
    return { operations: [{ op: 'replace', layout: next }], mentions: [names.at(-1)!], check: (stored) => expect(stored).toEqual(next) };
  },
};

const fieldListCases: Record<string, Builder> = {
  add_field: (entity, layout, current) => {
    const field = newField(entity, layout, current);
    return { operations: [{ op: 'add_field', field }], mentions: [field], check: (stored) => expect(stored).toEqual([...(current as string[]), field]) };
  },
  remove_field: (_e, _layout, current) => {
    const names = current as string[];
    const field = names.at(-1)!;
    return { operations: [{ op: 'remove_field', field }], mentions: [field], check: (stored) => expect(stored).toEqual(names.slice(0, -1)) };
  },
  move_field: (_e, _layout, current) => {
    const names = current as string[];
    return {
      operations: [{ op: 'move_field', field: names[0], after: names.at(-1) }],
      mentions: [names[0]!],
      check: (stored) => expect(stored).toEqual([...names.slice(1), names[0]]),
    };
  },
  replace: (_e, _layout, current) => {
    const names = current as string[];
    const next = [names[1]!, names[0]!];
    return { operations: [{ op: 'replace', layout: next }], mentions: [names[0]!], check: (stored) => expect(stored).toEqual(next) };
  },
};

const casesFor: Record<string, Record<string, Builder>> = {
  detail: panelCases,
  detailSmall: panelCases,
  list: columnCases,
  filters: fieldListCases,
  massUpdate: fieldListCases,
};

const table = ['Lead', 'Contact', 'Account'].flatMap((entity) =>
  Object.entries(casesFor).flatMap(([layout, cases]) => Object.keys(cases).map((op) => ({ entity, layout, op }))),
);

describe('edit_layout applies every operation kind and the sandbox stores the result', () => {
  it('covers every operation kind for each layout kind', () => {
    expect(Object.keys(panelCases).sort()).toEqual(['add_field', 'add_panel', 'move_field', 'move_panel', 'remove_field', 'remove_panel', 'rename_panel', 'replace']);
    expect(Object.keys(columnCases).sort()).toEqual(['add_field', 'move_field', 'remove_field', 'replace', 'set_columns', 'set_width']);
    expect(table).toHaveLength(3 * (8 + 8 + 6 + 4 + 4));
  });

  it.each(table)('$op on $entity $layout', async ({ entity, layout, op }) => {
    sb.state.layouts.reset(entity, layout);
    const before = await h.call('get_layout', { entity: entity.toLowerCase(), layout });
    expect(before.isError, before.text).toBe(false);
    const current = before.structured.layoutJson;
    expect(current).toEqual(sb.state.layouts.read(entity, layout));
    const planned = casesFor[layout]![op]!(entity, layout, current);

    const mark = sb.requests.length;
    const res = await h.call('edit_layout', { entity, layout, operations: planned.operations });
    expect(res.isError, res.text).toBe(false);
    expect(res.structured.outcome).toBe('applied');
    expect(res.structured.verified).toBe(true);
    const writes = sb.requests.slice(mark).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([`PUT ${entity}/layout/${layout} 200`]);

    // What the sandbox stored: the edit, as a custom layout.
    const stored = sb.state.layouts.read(entity, layout);
    expect(sb.state.layouts.isCustomized(entity, layout)).toBe(true);
    planned.check(stored);
    expect(res.structured.layoutJson).toEqual(stored);

    // The diff shows the change.
    const diff = `${res.structured.diff as string}\n${(res.structured.summary as string[]).join('\n')}`;
    expect(diff).toMatch(/^[+-] /m);
    for (const word of planned.mentions) expect(diff).toContain(word);
    expect(res.text).toContain(res.structured.changeId as string);

    // The audit line carries the before-state for undo.
    const changeId = res.structured.changeId as string;
    const line = (await h.audit.read()).find((e) => e.changeId === changeId);
    expect(line).toMatchObject({ tenant: 'acme', tool: 'edit_layout', outcome: 'applied', change: { kind: 'layout', entity, layout } });
    expect(line!.change!.before).toEqual(current);
    expect(line!.change!.after).toEqual(stored);

    // get_layout sees the edit and knows this server customised it.
    const after = await h.call('get_layout', { entity, layout });
    expect(after.structured.layoutJson).toEqual(stored);
    expect(after.structured.customized).toBe(true);
    expect(after.structured.fingerprint).toBe(res.structured.fingerprint);
    expect(after.structured.fingerprint).not.toBe(before.structured.fingerprint);
  });
});
