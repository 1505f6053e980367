/**
 * delete_custom_field beyond the per-type lifecycle: every layout that names the field is cleaned
 * (list, listSmall, defaultSidePanel, kanban...), a failing layout save rolls back and deletes
 * nothing, tokens are single-use, dryRun never applies, and entities that do not count records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { fails, ok, writes } from './schema.helpers.js';

type LayoutOut = { layout: string; status: string; change: string; diff?: string };

describe('delete_custom_field', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme' }]);
  });
  afterAll(async () => h?.close());

  it('plans and removes the field from every layout that names it, then deletes it', async () => {
    const sb = h.sandboxes.acme!;
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'score', type: 'int', addToLayouts: ['detail', 'list', 'filters', 'massUpdate', 'detailSmall'] });
    // Layouts the create tool does not offer, edited in the CRM directly.
    const put = (name: string, value: unknown) => sb.state.layouts.save('Lead', name, JSON.stringify(value));
    put('listSmall', [{ name: 'name', link: true }, { name: 'cScore', width: 10 }]);
    put('defaultSidePanel', [{ name: ':assignedUser' }, { name: 'cScore' }]);
    put('kanban', [{ name: 'name', link: true }, { name: 'cScore' }]);

    const mark = sb.requests.length;
    const { structured: plan, text } = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'score' });
    expect(plan.status).toBe('planned');
    const planned = (plan.layouts as LayoutOut[]).map((l) => l.layout).sort();
    expect(planned).toEqual(['defaultSidePanel', 'detail', 'detailSmall', 'filters', 'kanban', 'list', 'listSmall', 'massUpdate']);
    expect((plan.layouts as LayoutOut[]).every((l) => l.status === 'planned' && /- .*cScore/.test(l.diff ?? ''))).toBe(true);
    expect(plan.records).toMatchObject({ count: 0, any: false });
    expect(text).toMatch(/PLAN \(nothing deleted yet\)/);
    expect(text).toMatch(/keeps its database column/);
    expect(writes(sb, mark)).toEqual([]);

    const applyMark = sb.requests.length;
    const { structured: done } = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'score', confirm: plan.confirmToken });
    expect(done.status).toBe('deleted');
    const w = writes(sb, applyMark);
    // Layouts first, the field last.
    expect(w.at(-1)).toBe('DELETE Admin/fieldManager/Lead/cScore');
    expect(w.slice(0, -1).sort()).toEqual(planned.map((l) => `PUT Lead/layout/${l}`).sort());
    for (const l of planned) expect(JSON.stringify(sb.state.layouts.read('Lead', l)), l).not.toContain('cScore');
    expect(sb.state.layouts.read('Lead', 'defaultSidePanel')).toEqual([{ name: ':assignedUser' }]);

    const change = (await h.audit.findChange(String(done.changeId)))!.change!;
    expect(change.kind).toBe('field_delete');
    expect(change.related?.map((r) => r.layout).sort()).toEqual(planned);
    expect(JSON.stringify(change.related?.find((r) => r.layout === 'kanban')?.before)).toContain('cScore');
    expect(change.before).toMatchObject({ definition: { type: 'int', isCustom: true }, label: 'Score', createBody: { name: 'score', type: 'int', label: 'Score' } });
  });

  it('a token confirms one delete only', async () => {
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'once', type: 'varchar' });
    const { structured: plan } = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'once' });
    await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'once', confirm: plan.confirmToken });
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'once', type: 'varchar' });
    const sb = h.sandboxes.acme!;
    const mark = sb.requests.length;
    expect(await fails(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'once', confirm: plan.confirmToken })).toMatch(/already used/);
    expect(writes(sb, mark)).toEqual([]);
    expect(sb.state.metadata.fieldDef('Lead', 'cOnce')).toBeDefined();
  });

  it('dryRun with a token still only plans', async () => {
    const sb = h.sandboxes.acme!;
    const { structured: plan } = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'once' });
    const mark = sb.requests.length;
    const { structured: again } = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'once', confirm: plan.confirmToken, dryRun: true });
    expect(again.status).toBe('planned');
    expect(writes(sb, mark)).toEqual([]);
    expect(sb.state.metadata.fieldDef('Lead', 'cOnce')).toBeDefined();
  });

  it('rolls the layouts back and deletes nothing when a layout save fails', async () => {
    const sb = h.sandboxes.acme!;
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'fragile', type: 'varchar', addToLayouts: ['detail', 'list'] });
    const detailBefore = sb.state.layouts.read('Lead', 'detail');
    const { structured: plan } = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'fragile' });
    sb.faults.add({ method: 'PUT', path: 'Lead/layout/list', kind: 'status', status: 500, times: 1 });
    const mark = sb.requests.length;
    const message = await fails(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'fragile', confirm: plan.confirmToken });
    sb.faults.clear();
    expect(message).toMatch(/Not deleted: saving the list layout failed/);
    expect(message).toMatch(/still on Lead/);
    expect(message).toMatch(/put back as they were: detail/);
    expect(writes(sb, mark)).not.toContain('DELETE Admin/fieldManager/Lead/cFragile');
    expect(sb.state.metadata.fieldDef('Lead', 'cFragile')).toBeDefined();
    expect(sb.state.layouts.read('Lead', 'detail')).toEqual(detailBefore);
    expect((await h.audit.read()).at(-1)).toMatchObject({ tool: 'delete_custom_field', outcome: 'failed' });
  });

  it('counts values where EspoCRM does not count (countDisabled) by looking for one record', async () => {
    const sb = h.sandboxes.acme!;
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Contact', name: 'niveau', type: 'varchar' });
    const id = String(sb.state.records.list('Contact', new URLSearchParams('maxSize=1'), { noTotal: false, isAdmin: true }).list[0]!.id);
    sb.state.records.update('Contact', id, { cNiveau: 'Expert' });
    const collection = sb.state.metadata.entityDefs('Contact')!.collection!;
    collection.countDisabled = true;
    try {
      const { structured: plan } = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Contact', name: 'niveau' });
      expect(plan.records).toMatchObject({ count: null, any: true });
    } finally {
      delete collection.countDisabled;
    }
  });

  it('is blocked when the field is the only column of a list layout', async () => {
    const sb = h.sandboxes.acme!;
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Account', name: 'code', type: 'varchar' });
    sb.state.layouts.save('Account', 'listSmall', JSON.stringify([{ name: 'cCode', link: true }]));
    const { structured: plan, text } = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Account', name: 'code' });
    expect(plan.status).toBe('blocked');
    expect(plan.confirmToken).toBeUndefined();
    expect((plan.blockers as string[]).join(' ')).toMatch(/listSmall.*only column/);
    expect(text).toMatch(/^BLOCKED/);
  });
});
