/**
 * reset_layout through an MCP client against two sandbox tenants: plan -> confirm token -> apply, and
 * every way a token is refused (tampered, another layout, another tenant, the layout changed since
 * the plan, used twice), each without a reset request reaching the CRM.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import type { Sandbox } from '../../src/sandbox/index.js';

let h: Harness;
let acme: Sandbox;
let beta: Sandbox;

beforeAll(async () => {
  h = await startHarness([{ id: 'acme' }, { id: 'beta' }]);
  acme = h.sandboxes.acme!;
  beta = h.sandboxes.beta!;
});
afterAll(async () => {
  await h?.close();
});

const RESET = 'Layout/action/resetToDefault';
const resetsSince = (sb: Sandbox, mark: number) => sb.requests.slice(mark).filter((r) => r.method === 'POST' && r.path === RESET);

/** Customises Lead detail on a tenant through edit_layout; returns the stored layout. */
async function customise(tenant: string, field = 'doNotCall'): Promise<unknown> {
  const res = await h.call('edit_layout', { tenant, entity: 'Lead', layout: 'detail', operations: [{ op: 'add_field', field, panel: 0 }] });
  expect(res.isError, res.text).toBe(false);
  return res.structured.layoutJson;
}

beforeEach(() => {
  for (const sb of [acme, beta]) {
    for (const entity of ['Lead', 'Account']) for (const layout of ['detail', 'list', 'detailSmall', 'bottomPanelsDetail']) sb.state.layouts.reset(entity, layout);
  }
});

describe('reset_layout', () => {
  it('plans without writing, then applies with the token: EspoCRM serves its default and the audit keeps the dropped layout', async () => {
    const defaults = acme.state.layouts.read('Lead', 'detail');
    const customised = await customise('acme');
    expect(acme.state.layouts.isCustomized('Lead', 'detail')).toBe(true);

    const mark = acme.requests.length;
    const plan = await h.call('reset_layout', { tenant: 'acme', entity: 'lead', layout: 'detail' });
    expect(plan.isError, plan.text).toBe(false);
    expect(plan.structured.outcome).toBe('planned');
    expect(plan.structured.dropped).toEqual(customised);
    expect(plan.structured.rendering).toContain('doNotCall');
    expect(plan.text).toMatch(/Nothing has changed yet/);
    expect(plan.text).toMatch(/undo_change/);
    expect(plan.structured.customizedNote).toMatch(/customised by this server/);
    expect(typeof plan.structured.confirmToken).toBe('string');
    expect(acme.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(acme.state.layouts.isCustomized('Lead', 'detail')).toBe(true);

    const applied = await h.call('reset_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail', confirm: plan.structured.confirmToken });
    expect(applied.isError, applied.text).toBe(false);
    expect(applied.structured.outcome).toBe('applied');
    expect(resetsSince(acme, mark)).toHaveLength(1);
    expect(acme.state.layouts.isCustomized('Lead', 'detail')).toBe(false);
    expect(applied.structured.inEffect).toEqual(defaults);
    expect(applied.structured.diff).toMatch(/^- .*doNotCall/m);

    const changeId = applied.structured.changeId as string;
    expect(applied.text).toContain(changeId);
    const line = (await h.audit.findChange(changeId))!;
    expect(line).toMatchObject({ tenant: 'acme', tool: 'reset_layout', outcome: 'applied' });
    expect(line.change).toEqual({ kind: 'layout', entity: 'Lead', layout: 'detail', before: customised, after: defaults, customizedBefore: true });

    // After the reset this server no longer claims the layout is customised (nor that it is not).
    const after = await h.call('get_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail' });
    expect(after.structured.customized).toBeNull();
    expect(after.structured.customizedNote).toMatch(/reset to EspoCRM's default by this server/);
  });

  it('refuses a tampered token, a token for another layout or tenant, one planned before the layout changed, and a used one', async () => {
    await customise('acme');
    await customise('beta');
    const plan = await h.call('reset_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail' });
    const token = plan.structured.confirmToken as string;
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;

    const refusals: Array<{ args: Record<string, unknown>; reason: RegExp }> = [
      { args: { tenant: 'acme', entity: 'Lead', layout: 'detail', confirm: tampered }, reason: /not one this server issued/ },
      { args: { tenant: 'acme', entity: 'Lead', layout: 'detail', confirm: 'garbage' }, reason: /malformed/ },
      { args: { tenant: 'acme', entity: 'Lead', layout: 'list', confirm: token }, reason: /arguments differ/ },
      { args: { tenant: 'acme', entity: 'Contact', layout: 'detail', confirm: token }, reason: /arguments differ/ },
      { args: { tenant: 'beta', entity: 'Lead', layout: 'detail', confirm: token }, reason: /another tenant/ },
    ];
    const marks = { acme: acme.requests.length, beta: beta.requests.length };
    for (const r of refusals) {
      const res = await h.call('reset_layout', r.args);
      expect(res.isError, JSON.stringify(r.args)).toBe(true);
      expect(res.text).toMatch(/^Reset refused/);
      expect(res.text).toMatch(r.reason);
    }
    expect(resetsSince(acme, marks.acme)).toEqual([]);
    expect(resetsSince(beta, marks.beta)).toEqual([]);
    expect((await h.audit.read()).slice(-refusals.length).every((e) => e.tool === 'reset_layout' && e.outcome === 'refused')).toBe(true);

    // The layout changes after the plan: the token no longer applies.
    await h.call('edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail', operations: [{ op: 'remove_field', field: 'doNotCall' }] });
    const mark = acme.requests.length;
    const stale = await h.call('reset_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail', confirm: token });
    expect(stale.isError).toBe(true);
    expect(stale.text).toMatch(/changed since the plan/);
    expect(resetsSince(acme, mark)).toEqual([]);
    expect(acme.state.layouts.isCustomized('Lead', 'detail')).toBe(true);

    // A fresh plan applies once; its token cannot be used again.
    const again = await h.call('reset_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail' });
    const ok = await h.call('reset_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail', confirm: again.structured.confirmToken });
    expect(ok.isError, ok.text).toBe(false);
    await customise('acme');
    const markReuse = acme.requests.length;
    const reused = await h.call('reset_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail', confirm: again.structured.confirmToken });
    expect(reused.isError).toBe(true);
    expect(reused.text).toMatch(/already used/);
    expect(resetsSince(acme, markReuse)).toEqual([]);
    // beta was never touched by any of this.
    expect(beta.state.layouts.isCustomized('Lead', 'detail')).toBe(true);
  });

  it('repairs a layout EspoCRM stores as null: get_layout reports the 404 clearly, the reset brings the default back', async () => {
    const defaults = acme.state.layouts.read('Lead', 'detailSmall');
    acme.state.layouts.save('Lead', 'detailSmall', '{not json');
    const read = await h.call('get_layout', { tenant: 'acme', entity: 'Lead', layout: 'detailSmall' });
    expect(read.isError).toBe(true);
    expect(read.text).toMatch(/serves no "detailSmall" layout for Lead \(404\)/);
    expect(read.text).toMatch(/reset_layout/);

    const plan = await h.call('reset_layout', { tenant: 'acme', entity: 'Lead', layout: 'detailSmall' });
    expect(plan.isError, plan.text).toBe(false);
    expect(plan.structured.dropped).toBeNull();
    const applied = await h.call('reset_layout', { tenant: 'acme', entity: 'Lead', layout: 'detailSmall', confirm: plan.structured.confirmToken });
    expect(applied.isError, applied.text).toBe(false);
    expect(applied.structured.inEffect).toEqual(defaults);
    expect((await h.audit.findChange(applied.structured.changeId as string))!.change).toMatchObject({ before: null, after: defaults });
  });

  it('resetting bottomPanelsDetail records the relationships layout EspoCRM resets with it', async () => {
    const relationships = acme.state.layouts.read('Account', 'relationships') as Array<string | { name: string }>;
    const shown = relationships.map((r) => (typeof r === 'string' ? r : r.name));
    expect(shown.length).toBeGreaterThan(1);
    const edited = await h.call('edit_layout', {
      tenant: 'acme', entity: 'Account', layout: 'relationships', operations: [{ op: 'move_field', field: shown[0], after: shown.at(-1) }],
    });
    expect(edited.isError, edited.text).toBe(false);
    const customised = acme.state.layouts.read('Account', 'relationships');
    expect(customised).not.toEqual(relationships);

    const plan = await h.call('reset_layout', { tenant: 'acme', entity: 'Account', layout: 'bottomPanelsDetail' });
    expect(plan.structured.notes).toEqual(expect.arrayContaining([expect.stringMatching(/also resets the relationships layout/)]));
    const applied = await h.call('reset_layout', { tenant: 'acme', entity: 'Account', layout: 'bottomPanelsDetail', confirm: plan.structured.confirmToken });
    expect(applied.isError, applied.text).toBe(false);
    expect(acme.state.layouts.isCustomized('Account', 'relationships')).toBe(false);
    const change = (await h.audit.findChange(applied.structured.changeId as string))!.change!;
    expect(change.related).toEqual([{ layout: 'relationships', before: customised, after: relationships }]);
  });
});
