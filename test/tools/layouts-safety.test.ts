/**
 * edit_layout's safety: dry runs write nothing, a plan made on a layout that changed since is refused,
 * bad operations are clear errors naming the operation, and no request of any kind makes the server
 * save a layout that fails validation (asserted on the sandbox's request log). Also the instance
 * guard, a failing save and a save whose read-back fails.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startHarness, type Harness } from '../helpers/harness.js';
import { validateLayout, type LayoutContext } from '../../src/core/layout/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';

let h: Harness;
let sb: Sandbox;

beforeAll(async () => {
  h = await startHarness([{ id: 'acme' }]);
  sb = h.sandboxes.acme!;
});
afterAll(async () => {
  await h?.close();
});

const LAYOUTS = ['detail', 'detailSmall', 'list', 'listSmall', 'filters', 'massUpdate'];
beforeEach(() => {
  sb.faults.clear();
  for (const entity of ['Lead', 'Contact', 'Account']) for (const layout of LAYOUTS) sb.state.layouts.reset(entity, layout);
});

const writesSince = (mark: number) => sb.requests.slice(mark).filter((r) => r.method !== 'GET');
const layoutContext = (entity: string): LayoutContext => {
  const defs = sb.state.metadata.entityDefs(entity) as unknown as LayoutContext;
  return { entityType: entity, fields: defs.fields, links: defs.links };
};

describe('dry run and the base fingerprint', () => {
  const ops = [{ op: 'add_field', field: 'doNotCall', panel: 'Overview' }];

  it('a dry run returns the diff and writes nothing; applying it with its baseFingerprint saves exactly that', async () => {
    const current = await h.call('get_layout', { entity: 'Lead', layout: 'detail' });
    const mark = sb.requests.length;
    const dry = await h.call('edit_layout', { entity: 'Lead', layout: 'detail', operations: ops, dryRun: true });
    expect(dry.isError, dry.text).toBe(false);
    expect(dry.structured.outcome).toBe('dry_run');
    expect(dry.structured.changeId).toBeUndefined();
    expect(dry.structured.diff).toMatch(/^\+ .*doNotCall/m);
    expect(dry.text).toContain('nothing saved');
    expect(dry.structured.baseFingerprint).toBe(current.structured.fingerprint);
    expect(writesSince(mark)).toEqual([]);
    expect(sb.state.layouts.isCustomized('Lead', 'detail')).toBe(false);
    expect((await h.audit.read()).at(-1)).toMatchObject({ tool: 'edit_layout', outcome: 'dry_run' });

    const applied = await h.call('edit_layout', { entity: 'Lead', layout: 'detail', operations: ops, baseFingerprint: dry.structured.baseFingerprint });
    expect(applied.isError, applied.text).toBe(false);
    expect(applied.structured.outcome).toBe('applied');
    expect(sb.state.layouts.read('Lead', 'detail')).toEqual(dry.structured.layoutJson);
    expect(applied.structured.fingerprint).toBe(dry.structured.fingerprint);
  });

  it('refuses a plan whose layout changed since the dry run, shows the new state, and writes nothing', async () => {
    const dry = await h.call('edit_layout', { entity: 'Lead', layout: 'detail', operations: ops, dryRun: true });
    // Someone edits the layout in EspoCRM's admin UI in the meantime.
    const changed = structuredClone(sb.state.layouts.read('Lead', 'detail')) as Array<{ rows: unknown[][] }>;
    changed[0]!.rows.push([{ name: 'doNotCall' }]);
    sb.state.layouts.save('Lead', 'detail', JSON.stringify(changed));

    const mark = sb.requests.length;
    const res = await h.call('edit_layout', { entity: 'Lead', layout: 'detail', operations: ops, baseFingerprint: dry.structured.baseFingerprint });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/changed since your dry run/);
    expect(res.text).toMatch(/plan again/);
    expect(res.text).toContain('doNotCall'); // the new current state
    expect(writesSince(mark)).toEqual([]);
    expect(sb.state.layouts.read('Lead', 'detail')).toEqual(changed);
    expect((await h.audit.read()).at(-1)).toMatchObject({ tool: 'edit_layout', outcome: 'refused' });
  });

  it('answers "unchanged" without a PUT when the operations change nothing', async () => {
    const filters = sb.state.layouts.read('Lead', 'filters') as string[];
    const mark = sb.requests.length;
    const res = await h.call('edit_layout', { entity: 'Lead', layout: 'filters', operations: [{ op: 'move_field', field: filters[1], after: filters[0] }] });
    expect(res.isError, res.text).toBe(false);
    expect(res.structured.outcome).toBe('unchanged');
    expect(res.structured.changeId).toBeUndefined();
    expect(writesSince(mark)).toEqual([]);
  });
});

describe('no request can make the server save a layout that fails validation', () => {
  const fiveCells = [{ name: 'name' }, { name: 'status' }, { name: 'source' }, { name: 'title' }, { name: 'website' }];
  const bad: Array<{ why: string; entity: string; layout: string; operations: unknown[]; error: RegExp }> = [
    { why: 'unknown field', entity: 'Lead', layout: 'detail', operations: [{ op: 'add_field', field: 'cNope' }], error: /operation 0 \(add_field\).*"cNope" is not a field of Lead/ },
    {
      why: 'field not in the layout (after a valid operation: nothing is applied)',
      entity: 'Lead',
      layout: 'detail',
      operations: [{ op: 'add_field', field: 'doNotCall' }, { op: 'remove_field', field: 'cityOfBirth' }],
      error: /operation 1 \(remove_field\)/,
    },
    { why: 'remove a field the layout lacks', entity: 'Contact', layout: 'filters', operations: [{ op: 'remove_field', field: 'doNotCall' }], error: /operation 0 \(remove_field\)/ },
    { why: 'field already in the layout', entity: 'Account', layout: 'list', operations: [{ op: 'add_field', field: 'name' }], error: /operation 0 \(add_field\)/ },
    { why: 'remove_panel with fields and no moveFieldsTo', entity: 'Lead', layout: 'detail', operations: [{ op: 'remove_panel', panel: 0 }], error: /operation 0 \(remove_panel\)/ },
    { why: 'replace with a non-array', entity: 'Lead', layout: 'detail', operations: [{ op: 'replace', layout: { rows: [] } }], error: /operation 0 \(replace\)/ },
    { why: 'replace with a panel without rows', entity: 'Contact', layout: 'detail', operations: [{ op: 'replace', layout: [{ label: 'X' }] }], error: /operation 0 \(replace\)/ },
    { why: 'replace with five cells in a row', entity: 'Lead', layout: 'detailSmall', operations: [{ op: 'replace', layout: [{ rows: [fiveCells] }] }], error: /operation 0 \(replace\).*at most 4/ },
    { why: 'replace with an unknown field', entity: 'Account', layout: 'detail', operations: [{ op: 'replace', layout: [{ rows: [[{ name: 'cGhost' }]] }] }], error: /operation 0 \(replace\).*cGhost/ },
    { why: 'replace with a field twice', entity: 'Lead', layout: 'filters', operations: [{ op: 'replace', layout: ['status', 'status'] }], error: /operation 0 \(replace\).*twice/ },
    { why: 'replace with an empty list', entity: 'Lead', layout: 'list', operations: [{ op: 'replace', layout: [] }], error: /operation 0 \(replace\)/ },
    { why: 'replace with a width of 150', entity: 'Lead', layout: 'list', operations: [{ op: 'replace', layout: [{ name: 'name', link: true, width: 150 }] }], error: /operation 0 \(replace\).*width/ },
    { why: 'a read-only field in massUpdate', entity: 'Lead', layout: 'massUpdate', operations: [{ op: 'add_field', field: 'createdAt' }], error: /operation 0 \(add_field\).*createdAt/ },
    { why: 'a panel operation on a list', entity: 'Contact', layout: 'list', operations: [{ op: 'add_panel', label: 'X' }], error: /operation 0 \(add_panel\).*does not apply/ },
    { why: 'full width next to another field', entity: 'Lead', layout: 'detail', operations: [{ op: 'replace', layout: [{ rows: [[{ name: 'name', fullWidth: true }, { name: 'status' }]] }] }], error: /operation 0 \(replace\).*full width/ },
    // Refused by the input schema before the handler runs; the message still points at the operation.
    { why: 'set_width 150', entity: 'Lead', layout: 'list', operations: [{ op: 'add_field', field: 'doNotCall' }, { op: 'set_width', field: 'name', width: 150 }], error: /operation 1 \(set_width\): invalid operation: width: Too big/ },
    { why: 'an unknown operation', entity: 'Lead', layout: 'detail', operations: [{ op: 'explode' }], error: /operations\.0\.op: Invalid option.*add_field/ },
    { why: 'after and before together', entity: 'Lead', layout: 'filters', operations: [{ op: 'add_field', field: 'doNotCall', after: 'status', before: 'source' }], error: /operation 0 \(add_field\)/ },
    { why: 'more than 50 operations', entity: 'Lead', layout: 'filters', operations: Array.from({ length: 51 }, () => ({ op: 'remove_field', field: 'status' })), error: /operations/ },
    { why: 'no operation', entity: 'Lead', layout: 'filters', operations: [], error: /operations/ },
  ];

  it('refuses each bad request with an error naming the operation, and the sandbox sees no PUT for any of them', async () => {
    const mark = sb.requests.length;
    for (const c of bad) {
      const res = await h.call('edit_layout', { entity: c.entity, layout: c.layout, operations: c.operations });
      expect(res.isError, `${c.why}: ${res.text}`).toBe(true);
      expect(res.text, c.why).toMatch(c.error);
    }
    expect(writesSince(mark)).toEqual([]);
    expect(sb.state.layouts.customized()).toEqual([]);
  });

  it('refuses to edit a layout EspoCRM stores as null (404) and points to reset_layout', async () => {
    sb.state.layouts.save('Lead', 'detailSmall', '{"broken"');
    const mark = sb.requests.length;
    const res = await h.call('edit_layout', { entity: 'Lead', layout: 'detailSmall', operations: [{ op: 'replace', layout: [{ rows: [[{ name: 'name' }]] }] }] });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/404/);
    expect(res.text).toMatch(/reset_layout/);
    expect(writesSince(mark)).toEqual([]);
    sb.state.layouts.reset('Lead', 'detailSmall');
  });

  it('refuses an edit that keeps errors the current layout already has, and says so; fixing them in the same call saves', async () => {
    // A field deleted in EspoCRM that is still listed in the layout.
    sb.state.layouts.save('Lead', 'filters', JSON.stringify(['status', 'cGone', 'source']));
    const mark = sb.requests.length;
    const res = await h.call('edit_layout', { entity: 'Lead', layout: 'filters', operations: [{ op: 'add_field', field: 'doNotCall' }] });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/not valid, so it was not saved.*cGone/);
    expect(res.text).toMatch(/current layout already has 1 of these error/);
    expect(writesSince(mark)).toEqual([]);

    const fixed = await h.call('edit_layout', {
      entity: 'Lead', layout: 'filters', operations: [{ op: 'remove_field', field: 'cGone' }, { op: 'add_field', field: 'doNotCall' }],
    });
    expect(fixed.isError, fixed.text).toBe(false);
    expect(sb.state.layouts.read('Lead', 'filters')).toEqual(['status', 'source', 'doNotCall']);
  });

  it('refuses layouts of an entity EspoCRM does not let be customised, before any request to save', async () => {
    const mark = sb.requests.length;
    const res = await h.call('edit_layout', { entity: 'role', layout: 'list', operations: [{ op: 'add_field', field: 'name' }] });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/does not allow layout changes on Role/);
    expect(writesSince(mark)).toEqual([]);
  });

  it('random operation sequences: every layout the sandbox ends up storing validates, and a refused call writes nothing', async () => {
    const ctx = layoutContext('Lead');
    const names = (layout: string, json: unknown): string[] =>
      layout === 'detail'
        ? (json as Array<{ rows: Array<Array<{ name: string } | false>> }>).flatMap((p) => p.rows.flatMap((r) => r.flatMap((c) => (c ? [c.name] : []))))
        : layout === 'list'
          ? (json as Array<{ name: string }>).map((c) => c.name)
          : (json as string[]);
    /** Per layout: the fields it holds, fields it accepts without a warning, and names it refuses. */
    const pools = Object.fromEntries(
      ['detail', 'list', 'filters', 'massUpdate'].map((layout) => {
        const current = sb.state.layouts.read('Lead', layout);
        const present = names(layout, current);
        const known = validateLayout(layout, current, ctx).length;
        const addable = Object.keys(ctx.fields)
          .filter((f) => !present.includes(f))
          .filter((f) => {
            const trial = layout === 'detail' ? [...(current as unknown[]), { rows: [[{ name: f }]] }] : layout === 'list' ? [...(current as unknown[]), { name: f }] : [...(current as string[]), f];
            return validateLayout(layout, trial, ctx).length === known;
          })
          .slice(0, 6);
        expect(addable.length, layout).toBeGreaterThan(2);
        return [layout, [...present, ...addable, 'cNope', 'createdAt']];
      }),
    ) as Record<string, string[]>;

    const opFor = (layout: string): fc.Arbitrary<Record<string, unknown>> => {
      const field = fc.constantFrom(...pools[layout]!);
      const common = [
        fc.record({ op: fc.constant('add_field'), field }),
        fc.record({ op: fc.constant('remove_field'), field }),
        fc.record({ op: fc.constant('move_field'), field, after: field }),
        fc.record({ op: fc.constant('replace'), layout: fc.constantFrom<unknown>([], {}, ['status', 'status'], [{ rows: [[{ name: 'name' }]] }], [{ name: 'name', link: true }], ['status', 'source']) }),
      ];
      if (layout === 'list') return fc.oneof(...common, fc.record({ op: fc.constant('set_width'), field, width: fc.integer({ min: 0, max: 100 }) }));
      if (layout !== 'detail') return fc.oneof(...common);
      const panel = fc.constantFrom(0, 1, 4, 'Overview', 'A');
      return fc.oneof(
        ...common,
        fc.record({ op: fc.constant('add_field'), field, panel, fullWidth: fc.boolean() }),
        fc.record({ op: fc.constant('add_panel'), label: fc.constantFrom('A', 'B'), fields: fc.array(field, { maxLength: 2 }) }),
        fc.record({ op: fc.constant('remove_panel'), panel, moveFieldsTo: fc.constantFrom<string | number>(0, 1, 'remove') }),
        fc.record({ op: fc.constant('rename_panel'), panel, label: fc.constantFrom('A', 'B', 'Overview') }),
        fc.record({ op: fc.constant('move_panel'), panel, index: fc.integer({ min: 0, max: 3 }) }),
      );
    };

    const outcomes = { applied: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('detail', 'list', 'filters', 'massUpdate').chain((layout) => fc.tuple(fc.constant(layout), fc.array(opFor(layout), { minLength: 1, maxLength: 3 }))),
        async ([layout, ops]) => {
          const mark = sb.requests.length;
          const res = await h.call('edit_layout', { entity: 'Lead', layout, operations: ops });
          const writes = writesSince(mark);
          if (res.isError) {
            outcomes.refused++;
            expect(writes).toEqual([]);
          } else {
            if (res.structured.outcome === 'applied') outcomes.applied++;
            expect(writes.length).toBeLessThanOrEqual(1);
          }
          const stored = sb.state.layouts.read('Lead', layout);
          expect(validateLayout(layout, stored, ctx).filter((i) => i.severity === 'error')).toEqual([]);
        },
      ),
      { numRuns: 80, seed: 5 },
    );
    // The run must have exercised both paths, or it proves nothing.
    expect(outcomes.applied).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(10);
  });
});

describe('instance guard', () => {
  let other: Harness;
  beforeAll(async () => {
    other = await startHarness([{ id: 'acme' }], { tenantOverrides: { acme: { siteUrl: 'https://other.example.com' } } });
  });
  afterAll(async () => {
    await other?.close();
  });

  it('refuses edit_layout and reset_layout when the CRM reports another siteUrl, without writing', async () => {
    const osb = other.sandboxes.acme!;
    const read = await other.call('get_layout', { entity: 'Lead', layout: 'detail' });
    expect(read.isError, read.text).toBe(false);

    const mark = osb.requests.length;
    const res = await other.call('edit_layout', { entity: 'Lead', layout: 'detail', operations: [{ op: 'add_field', field: 'doNotCall' }] });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/Write refused on tenant "acme"/);
    expect(res.text).toContain('other.example.com');

    const plan = await other.call('reset_layout', { entity: 'Lead', layout: 'detail' });
    expect(plan.isError, plan.text).toBe(false);
    const reset = await other.call('reset_layout', { entity: 'Lead', layout: 'detail', confirm: plan.structured.confirmToken });
    expect(reset.isError).toBe(true);
    expect(reset.text).toMatch(/Write refused/);
    expect(osb.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(osb.state.layouts.customized()).toEqual([]);
  });
});

describe('failures while saving', () => {
  it('a PUT failing with 500 gives a clear error and leaves the layout unchanged', async () => {
    const before = sb.state.layouts.read('Lead', 'detail');
    sb.faults.add({ method: 'PUT', path: 'Lead/layout/detail', kind: 'status', status: 500, times: 1 });
    const res = await h.call('edit_layout', { entity: 'Lead', layout: 'detail', operations: [{ op: 'add_field', field: 'doNotCall' }] });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/Saving the Lead detail layout .* failed/);
    expect(res.text).toMatch(/500/);
    expect(res.text).toMatch(/is unchanged/);
    expect(sb.state.layouts.isCustomized('Lead', 'detail')).toBe(false);
    expect(sb.state.layouts.read('Lead', 'detail')).toEqual(before);
    const line = (await h.audit.read()).at(-1)!;
    expect(line).toMatchObject({ tool: 'edit_layout', outcome: 'failed' });
    expect(line.changeId).toBeUndefined();
  });

  it('a save whose read-back fails is reported as partial, with a change id whose before-state allows undo', async () => {
    const before = sb.state.layouts.read('Lead', 'list');
    // The first GET of the layout (the current state) passes; the second (the read-back) fails.
    sb.faults.add({ method: 'GET', path: 'Lead/layout/list', kind: 'latency', ms: 0, times: 1 });
    sb.faults.add({ method: 'GET', path: 'Lead/layout/list', kind: 'status', status: 500, times: 1 });
    const res = await h.call('edit_layout', { entity: 'Lead', layout: 'list', operations: [{ op: 'set_width', field: 'status', width: 22 }] });
    expect(res.isError, res.text).toBe(false);
    expect(res.structured.outcome).toBe('partial');
    expect(res.structured.verified).toBe(false);
    expect(res.text).toMatch(/^WARNING/);
    expect(res.text).toMatch(/could not be read back/);
    const changeId = res.structured.changeId as string;
    expect(changeId).toMatch(/^chg_/);
    const line = (await h.audit.findChange(changeId))!;
    expect(line.outcome).toBe('partial');
    expect(line.change).toMatchObject({ kind: 'layout', entity: 'Lead', layout: 'list' });
    expect(line.change!.before).toEqual(before);
    expect((sb.state.layouts.read('Lead', 'list') as Array<{ name: string; width?: number }>).find((c) => c.name === 'status')!.width).toBe(22);
  });
});
