/**
 * Writes that fail midway, end to end: a create whose answer comes after the timeout (EspoCRM applied
 * it anyway) is never re-sent blindly and a repeat answers "unchanged"; the same for an update; a field
 * deletion whose DELETE fails puts the layouts back and says so; a layout save that timed out says the
 * state cannot be known yet.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startHarness, writesIn, type Harness } from '../helpers/harness.js';
import { LATE_WRITE_MS, TIMEOUT_MS } from './faults.js';
import { uniqueName } from './samples.js';

const TENANTS = ['late-create', 'late-update', 'failed-delete', 'late-layout'];
let h: Harness;

beforeAll(async () => {
  h = await startHarness(
    TENANTS.map((id) => ({ id, sandbox: { leads: 4, contacts: 0, accounts: 0 } })),
    { tenantOverrides: Object.fromEntries(TENANTS.map((id) => [id, { limits: { timeoutMs: TIMEOUT_MS } }])) },
  );
});
afterAll(async () => {
  await h?.close();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (tenant: string, method: string, path: RegExp) => h.sandboxes[tenant]!.requests.filter((r) => r.method === method && path.test(r.path)).length;

describe.concurrent('writes that fail midway', () => {
  it('a create answered after the timeout is not re-sent: the repeat finds the field and answers "unchanged"', { timeout: 30_000 }, async ({ expect }) => {
    const tenant = 'late-create';
    const args = { tenant, entity: 'Lead', name: uniqueName('late'), type: 'varchar', label: 'Late' };
    h.sandboxes[tenant]!.faults.add({ method: 'POST', path: 'Admin/fieldManager/Lead', kind: 'latency', ms: LATE_WRITE_MS, times: 1 });
    const first = await h.call('create_custom_field', args);
    expect(first.isError).toBe(true);
    expect(first.text).toMatch(/was not confirmed/);
    expect(first.text).toMatch(/Check with describe_entity .* before trying again/);
    await wait(LATE_WRITE_MS + 200); // EspoCRM finishes the create after the client gave up
    const again = await h.call('create_custom_field', args);
    expect(again.isError, again.text).toBe(false);
    expect(again.structured.status).toBe('unchanged');
    expect(count(tenant, 'POST', /^Admin\/fieldManager\/Lead$/)).toBe(1);
    const failed = (await h.audit.read()).filter((e) => e.tenant === tenant && e.tool === 'create_custom_field');
    expect(failed.map((e) => e.outcome)).toEqual(['failed', 'unchanged']);
  });

  it('an update answered after the timeout is not re-sent: the repeat answers "unchanged"', { timeout: 30_000 }, async ({ expect }) => {
    const tenant = 'late-update';
    const created = await h.call('create_custom_field', { tenant, entity: 'Lead', name: 'lateUpd', type: 'varchar', label: 'Late upd', maxLength: 20 });
    expect(created.isError, created.text).toBe(false);
    const args = { tenant, entity: 'Lead', name: 'lateUpd', maxLength: 60 };
    h.sandboxes[tenant]!.faults.add({ method: 'PUT', path: 'Admin/fieldManager/Lead/cLateUpd', kind: 'latency', ms: LATE_WRITE_MS, times: 1 });
    const first = await h.call('update_custom_field', args);
    expect(first.isError).toBe(true);
    expect(first.text).toMatch(/was not confirmed.*still had its former definition, but an update the CRM received may still complete/s);
    await wait(LATE_WRITE_MS + 200);
    const again = await h.call('update_custom_field', args);
    expect(again.isError, again.text).toBe(false);
    expect(again.structured.status).toBe('unchanged');
    expect(count(tenant, 'PUT', /^Admin\/fieldManager\/Lead\/cLateUpd$/)).toBe(1);
  });

  it('a deletion whose DELETE fails puts the layouts back, keeps the field, and says so', { timeout: 30_000 }, async ({ expect }) => {
    const tenant = 'failed-delete';
    const sb = h.sandboxes[tenant]!;
    const created = await h.call('create_custom_field', { tenant, entity: 'Lead', name: 'gone', type: 'varchar', label: 'Gone', addToLayouts: ['list', 'detail'] });
    expect(created.isError, created.text).toBe(false);
    const before = { list: sb.state.layouts.read('Lead', 'list'), detail: sb.state.layouts.read('Lead', 'detail') };
    const plan = await h.call('delete_custom_field', { tenant, entity: 'Lead', name: 'cGone' });
    sb.faults.add({ method: 'DELETE', path: 'Admin/fieldManager/Lead/cGone', kind: 'status', status: 500, times: 1 });
    const from = sb.requests.length;
    const res = await h.call('delete_custom_field', { tenant, entity: 'Lead', name: 'cGone', confirm: plan.structured.confirmToken });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/Not deleted: EspoCRM refused the delete \(EspoCRM of tenant "failed-delete" failed on DELETE Admin\/fieldManager\/Lead\/cGone with an internal error \(500\)/);
    expect(res.text).toMatch(/The field "cGone" is still on Lead/);
    expect(res.text).toMatch(/Layouts put back as they were: (detail, list|list, detail)/);
    expect({ list: sb.state.layouts.read('Lead', 'list'), detail: sb.state.layouts.read('Lead', 'detail') }).toEqual(before);
    expect(sb.state.metadata.entityDefs('Lead')?.fields?.cGone).toBeDefined();
    // Two layout edits, one failed DELETE, two restores: the DELETE was not sent again.
    expect(writesIn(sb.requests.slice(from)).map((r) => `${r.method} ${r.path}`).filter((w) => w.startsWith('DELETE'))).toEqual(['DELETE Admin/fieldManager/Lead/cGone']);
  });

  it('a layout save that timed out says its state cannot be known yet, and it does land', { timeout: 30_000 }, async ({ expect }) => {
    const tenant = 'late-layout';
    const sb = h.sandboxes[tenant]!;
    sb.faults.add({ method: 'PUT', path: 'Lead/layout/list', kind: 'latency', ms: LATE_WRITE_MS, times: 1 });
    const args = { tenant, entity: 'Lead', layout: 'list', operations: [{ op: 'remove_field', field: 'createdAt' }] };
    const res = await h.call('edit_layout', args);
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/a save the CRM received may still complete: check it with get_layout before trying again/);
    await wait(LATE_WRITE_MS + 200);
    expect(JSON.stringify(sb.state.layouts.read('Lead', 'list'))).not.toContain('createdAt');
    const again = await h.call('edit_layout', args);
    expect(again.isError).toBe(true); // createdAt is no longer there to remove: nothing is written twice
    expect(count(tenant, 'PUT', /^Lead\/layout\/list$/)).toBe(1);
  });
});
