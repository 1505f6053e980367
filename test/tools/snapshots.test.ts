/**
 * snapshot_tenant and restore_snapshot through an MCP client against sandboxes over HTTP: a snapshot
 * keeps the custom fields and the layouts as EspoCRM served them; after a layout edit, a field's label
 * and options changed, a field created and one deleted, the restore (plan, then confirm) gives the
 * layouts back byte for byte and the fields their recorded definitions. Another tenant's snapshot is
 * not found; a snapshot of another instance is refused; EspoCRM 8.1 (no "c" prefix) works the same.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, writesIn, type CallResult, type Harness } from '../helpers/harness.js';
import { openSqliteStore, type Store } from '../../src/store/index.js';
import type { TenantCustomization } from '../../src/core/blueprint/types.js';

let dir: string;
let store: Store;
let h: Harness;

const ok = (r: CallResult): CallResult => {
  expect(r.isError, r.text).toBe(false);
  return r;
};

/** The kept customization of a snapshot (as the store has it). */
async function kept(tenant: string, id: string): Promise<TenantCustomization> {
  const snap = await store.getSnapshot(id, tenant);
  expect(snap).toBeDefined();
  return snap!.data as TenantCustomization;
}

/** Takes a snapshot and returns what it kept. */
async function snapshot(hh: Harness, tenant: string): Promise<{ id: string; data: TenantCustomization; result: CallResult }> {
  const result = ok(await hh.call('snapshot_tenant', { tenant }));
  const id = result.structured.snapshotId as string;
  return { id, data: await kept(tenant, id), result };
}

const layoutsOf = (d: TenantCustomization, entity = 'Lead') => Object.fromEntries(d.layouts.filter((l) => l.entity === entity).map((l) => [l.layout, l.json]));
const fieldOf = (d: TenantCustomization, name: string, entity = 'Lead') => d.fields.find((f) => f.entity === entity && f.name === name);

/** Plan, check nothing was written, then confirm. */
async function restore(hh: Harness, tenant: string, snapshotId: string, extra: Record<string, unknown> = {}): Promise<{ plan: CallResult; done: CallResult }> {
  const mark = hh.sandboxes[tenant]!.requests.length;
  const plan = ok(await hh.call('restore_snapshot', { tenant, snapshotId, ...extra }));
  expect(plan.structured.outcome).toBe('planned');
  expect(writesIn(hh.sandboxes[tenant]!.requests.slice(mark))).toEqual([]);
  const done = ok(await hh.call('restore_snapshot', { tenant, snapshotId, ...extra, confirm: plan.structured.confirmToken }));
  return { plan, done };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-snapshots-'));
  store = await openSqliteStore(path.join(dir, 'store.sqlite'));
  h = await startHarness([{ id: 'acme' }, { id: 'globex' }, { id: 'legacy', sandbox: { version: '8.1.0' } }], { store });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('snapshot_tenant', () => {
  it('keeps the custom fields with definitions and labels, and every placement layout as the exact text EspoCRM sent; writes nothing to the CRM', async () => {
    ok(await h.call('create_custom_field', { tenant: 'globex', entity: 'Lead', name: 'region', type: 'enum', label: 'Région', options: ['Nord', 'Sud'], addToLayouts: ['detail', 'list'] }));
    const mark = h.sandboxes.globex!.requests.length;
    const { id, data, result } = await snapshot(h, 'globex');
    expect(writesIn(h.sandboxes.globex!.requests.slice(mark))).toEqual([]);
    expect(id).toMatch(/^snap_[0-9a-z]+_[0-9a-f]{12}$/);
    expect(result.structured).toMatchObject({ tenant: 'globex', fields: 1, instance: { siteUrl: h.sandboxes.globex!.url } });
    expect(result.text).toContain(`restore_snapshot {"tenant": "globex", "snapshotId": "${id}"}`);
    const region = fieldOf(data, 'cRegion')!;
    expect(region).toMatchObject({ type: 'enum', isCustom: true, definition: { options: ['Nord', 'Sud'] }, labels: { en_US: 'Région' } });
    // The layouts are kept as text, parseable, and the placed field is in them.
    const lead = layoutsOf(data);
    expect(Object.keys(lead).sort()).toEqual(['detail', 'detailSmall', 'filters', 'list', 'massUpdate']);
    expect(lead.list).toContain('"cRegion"');
    expect(() => JSON.parse(lead.detail!)).not.toThrow();
    const listed = await store.listSnapshots('globex', 10);
    expect(listed[0]).toMatchObject({ id, summary: { fields: 1 } });
    // No secret in what is kept or answered.
    const { credentials } = h.sandboxes.globex!;
    for (const text of [JSON.stringify(await store.getSnapshot(id, 'globex')), result.text, JSON.stringify(result.structured)]) {
      for (const secret of [credentials.apiKey, credentials.admin.password, credentials.hmac.secret]) expect(text).not.toContain(secret);
    }
  });
});

describe('restore_snapshot', () => {
  let snap: { id: string; data: TenantCustomization };

  beforeAll(async () => {
    ok(await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'secteur', type: 'enum', label: 'Secteur', options: ['Fret', 'Messagerie'], addToLayouts: ['detail', 'list'] }));
    ok(await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'note', type: 'varchar', label: 'Note interne', maxLength: 80 }));
    ok(await h.call('edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'massUpdate', operations: [{ op: 'add_field', field: 'cSecteur' }] }));
    snap = await snapshot(h, 'acme');
  });

  it('puts layouts back byte for byte and fields to their recorded definitions after edits, an update, a creation and a deletion', async () => {
    // Change things: a layout edited, one customized that was not, a field's label and options, a field created, one deleted.
    ok(await h.call('edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail', operations: [{ op: 'remove_field', field: 'cSecteur' }] }));
    ok(await h.call('edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'filters', operations: [{ op: 'remove_field', field: 'teams' }] }));
    ok(await h.call('update_custom_field', { tenant: 'acme', entity: 'Lead', name: 'cSecteur', label: 'Secteur client', addOptions: ['Logistique'] }));
    ok(await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'nouveau', type: 'varchar', label: 'Nouveau', addToLayouts: ['list'] }));
    const del = ok(await h.call('delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'cNote' }));
    ok(await h.call('delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'cNote', confirm: del.structured.confirmToken }));
    expect(h.sandboxes.acme!.state.metadata.fieldDef('Lead', 'cNote')).toBeUndefined();

    const { plan, done } = await restore(h, 'acme', snap.id);
    const steps = (plan.structured.steps as string[]).join('\n');
    expect(steps).toMatch(/re-create Lead\.cNote/);
    expect(steps).toMatch(/put Lead\.cSecteur back to its recorded definition \(.*options.*label/);
    // detail: placed by create_custom_field before the snapshot (not a layout change on record, so not "customized"), edited since.
    expect(steps).toMatch(/reset the Lead detail layout to EspoCRM's default .*then put the snapshot's layout back byte for byte/);
    expect(steps).toMatch(/put the Lead list layout back byte for byte/);
    expect(steps).toMatch(/reset the Lead filters layout to EspoCRM's default/);
    // massUpdate was customized (edit_layout) before the snapshot and not since: left alone.
    expect(steps).not.toMatch(/massUpdate/);
    // The field created since is listed and kept.
    expect(plan.structured.newFields).toEqual([expect.objectContaining({ entity: 'Lead', field: 'cNouveau', action: 'kept' })]);
    expect(plan.text).toMatch(/deleteNewFields/);
    expect(done.structured.outcome).toBe('applied');
    const changeIds = done.structured.changeIds as string[];
    expect(changeIds).toHaveLength((plan.structured.steps as string[]).length);

    const after = (await snapshot(h, 'acme')).data;
    const before = layoutsOf(snap.data);
    const now = layoutsOf(after);
    for (const name of ['detail', 'filters', 'massUpdate', 'detailSmall']) expect(now[name], name).toBe(before[name]);
    // The list also shows the field created since (kept): it was put back as the snapshot had it.
    expect(now.list).toBe(before.list);
    for (const name of ['cSecteur', 'cNote']) {
      expect(fieldOf(after, name)?.definition, name).toEqual(fieldOf(snap.data, name)?.definition);
      expect(fieldOf(after, name)?.labels, name).toEqual(fieldOf(snap.data, name)?.labels);
    }
    expect(fieldOf(after, 'cNouveau')).toBeDefined();
    // Each step is a change undo_change knows.
    const lines = await Promise.all(changeIds.map((c) => store.findChange(c)));
    expect(lines.map((l) => l?.change?.kind).sort()).toEqual(expect.arrayContaining(['field_create', 'field_update', 'layout']));
    expect(lines.every((l) => l?.tool === 'restore_snapshot' && l.instance?.siteUrl === h.sandboxes.acme!.url)).toBe(true);

    // Restoring again changes nothing.
    const again = ok(await h.call('restore_snapshot', { tenant: 'acme', snapshotId: snap.id }));
    expect(again.structured.outcome).toBe('unchanged');
  });

  it('deletes the fields created since only with deleteNewFields, counting the records holding a value; undo_change brings one back', async () => {
    const plan = ok(await h.call('restore_snapshot', { tenant: 'acme', snapshotId: snap.id, deleteNewFields: true }));
    expect(plan.structured.newFields).toEqual([expect.objectContaining({ field: 'cNouveau', action: 'delete', records: expect.stringMatching(/^(no record|\d+ record\(s\)) hold a value/) })]);
    expect((plan.structured.steps as string[]).join('\n')).toMatch(/delete Lead\.cNouveau, created after the snapshot: (no record|\d+ record\(s\)) hold a value/);
    // A token of the plan without deleteNewFields does not apply the plan with it.
    const other = ok(await h.call('restore_snapshot', { tenant: 'acme', snapshotId: snap.id }));
    expect(other.structured.outcome).toBe('unchanged');
    const done = ok(await h.call('restore_snapshot', { tenant: 'acme', snapshotId: snap.id, deleteNewFields: true, confirm: plan.structured.confirmToken }));
    expect(done.structured.outcome).toBe('applied');
    expect(h.sandboxes.acme!.state.metadata.fieldDef('Lead', 'cNouveau')).toBeUndefined();
    const [deleted] = done.structured.changeIds as string[];
    const undo = ok(await h.call('undo_change', { tenant: 'acme', changeId: deleted }));
    expect(undo.structured.outcome).toBe('applied');
    expect(h.sandboxes.acme!.state.metadata.fieldDef('Lead', 'cNouveau')).toBeDefined();
  });

  it("answers another tenant's snapshotId as not found, the same as an unknown one, and writes nothing", async () => {
    const mark = h.sandboxes.globex!.requests.length;
    const foreign = await h.call('restore_snapshot', { tenant: 'globex', snapshotId: snap.id });
    const unknown = await h.call('restore_snapshot', { tenant: 'globex', snapshotId: 'snap_zzzz_0123456789ab' });
    expect(foreign.isError).toBe(true);
    expect(foreign.text).toContain(`No snapshot "${snap.id}" of tenant "globex"`);
    expect(foreign.text.replace(snap.id, 'X')).toBe(unknown.text.replace('snap_zzzz_0123456789ab', 'X'));
    expect(writesIn(h.sandboxes.globex!.requests.slice(mark))).toEqual([]);
    const bad = await h.call('restore_snapshot', { tenant: 'acme', snapshotId: 'latest' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/snap_m1x2y3_0123456789ab/);
  });

  it('refuses a snapshot taken on another instance than the one the tenant points at now, and writes nothing', async () => {
    // The same tenant id, on the same store, pointed at another CRM.
    const moved = await startHarness([{ id: 'acme', sandbox: { seed: 7 } }], { store });
    try {
      const sb = moved.sandboxes.acme!;
      const mark = sb.requests.length;
      const res = await moved.call('restore_snapshot', { tenant: 'acme', snapshotId: snap.id });
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(/taken on the instance at http:\/\/127\.0\.0\.1:\d+.*now points at/);
      expect(res.text).toContain(sb.url);
      expect(writesIn(sb.requests.slice(mark))).toEqual([]);
    } finally {
      await moved.close();
    }
  });

  it('lists the snapshots in the resource espocrm://tenants/{tenant}/snapshots, for that tenant only', async () => {
    const read = async (uri: string) => JSON.parse(((await h.client.readResource({ uri })).contents[0] as { text: string }).text) as { snapshots: Array<{ snapshotId: string; fields: number; layouts: number }>; note?: string };
    const acme = await read('espocrm://tenants/acme/snapshots');
    expect(acme.snapshots.map((s) => s.snapshotId)).toContain(snap.id);
    expect(acme.snapshots.find((s) => s.snapshotId === snap.id)).toMatchObject({ fields: 2 });
    const globex = await read('espocrm://tenants/globex/snapshots');
    expect(globex.snapshots.map((s) => s.snapshotId)).not.toContain(snap.id);
    const legacyEmpty = await startHarness([{ id: 'quiet' }]);
    try {
      const quiet = JSON.parse(((await legacyEmpty.client.readResource({ uri: 'espocrm://tenants/quiet/snapshots' })).contents[0] as { text: string }).text) as { snapshots: unknown[]; note: string };
      expect(quiet.snapshots).toEqual([]);
      expect(quiet.note).toContain('snapshot_tenant');
    } finally {
      await legacyEmpty.close();
    }
  });
});

describe('restore_snapshot when a step fails', () => {
  it('undoes the steps before it, so the tenant is as it was, and records the failure; a later restore applies', async () => {
    const snap = await snapshot(h, 'globex');
    ok(await h.call('update_custom_field', { tenant: 'globex', entity: 'Lead', name: 'cRegion', label: 'Zone' }));
    ok(await h.call('edit_layout', { tenant: 'globex', entity: 'Lead', layout: 'list', operations: [{ op: 'remove_field', field: 'cRegion' }] }));
    const edited = layoutsOf((await snapshot(h, 'globex')).data);
    const sb = h.sandboxes.globex!;
    const plan = ok(await h.call('restore_snapshot', { tenant: 'globex', snapshotId: snap.id }));
    expect((plan.structured.steps as string[]).map((t) => t.split(/[:\n]/)[0])).toEqual([
      'put Lead.cRegion back to its recorded definition (label)',
      expect.stringMatching(/^(put|reset) the Lead list layout/),
    ]);
    sb.faults.add({ method: 'PUT', path: 'Lead/layout/list', kind: 'status', status: 500, times: 1 });
    const failed = await h.call('restore_snapshot', { tenant: 'globex', snapshotId: snap.id, confirm: plan.structured.confirmToken });
    expect(failed.isError).toBe(true);
    expect(failed.text).toMatch(/Restore of snap_\S+ failed: step 2 failed .*The 1 step\(s\) before it were undone: the tenant is as it was/s);
    const now = (await snapshot(h, 'globex')).data;
    expect(fieldOf(now, 'cRegion')?.labels.en_US).toBe('Zone');
    expect(layoutsOf(now)).toEqual(edited);
    const line = (await store.read({ tenant: 'globex' })).filter((e) => e.tool === 'restore_snapshot').at(-1);
    expect(line).toMatchObject({ outcome: 'failed', summary: expect.stringContaining('failed') });
    expect(line?.changeId).toBeUndefined();

    const { done } = await restore(h, 'globex', snap.id);
    expect(done.structured.outcome).toBe('applied');
    const back = (await snapshot(h, 'globex')).data;
    expect(layoutsOf(back)).toEqual(layoutsOf(snap.data));
    expect(fieldOf(back, 'cRegion')?.labels).toEqual(fieldOf(snap.data, 'cRegion')?.labels);
  });
});

describe('on EspoCRM 8.1 (custom fields without the "c" prefix)', () => {
  it('snapshots and restores: a deleted field re-created under its name, a label and a layout put back', async () => {
    ok(await h.call('create_custom_field', { tenant: 'legacy', entity: 'Lead', name: 'secteur', type: 'enum', label: 'Secteur', options: ['Fret'], addToLayouts: ['detail'] }));
    ok(await h.call('create_custom_field', { tenant: 'legacy', entity: 'Lead', name: 'palier', type: 'varchar', label: 'Palier' }));
    expect(h.sandboxes.legacy!.state.metadata.fieldDef('Lead', 'secteur')).toBeDefined();
    const snap = await snapshot(h, 'legacy');
    ok(await h.call('update_custom_field', { tenant: 'legacy', entity: 'Lead', name: 'palier', label: 'Niveau' }));
    ok(await h.call('edit_layout', { tenant: 'legacy', entity: 'Lead', layout: 'detail', operations: [{ op: 'remove_field', field: 'secteur' }] }));
    const del = ok(await h.call('delete_custom_field', { tenant: 'legacy', entity: 'Lead', name: 'secteur' }));
    ok(await h.call('delete_custom_field', { tenant: 'legacy', entity: 'Lead', name: 'secteur', confirm: del.structured.confirmToken }));
    const { done } = await restore(h, 'legacy', snap.id);
    expect(done.structured.outcome).toBe('applied');
    expect(h.sandboxes.legacy!.state.metadata.fieldDef('Lead', 'secteur')).toBeDefined();
    expect(h.sandboxes.legacy!.state.metadata.fieldDef('Lead', 'cSecteur')).toBeUndefined();
    const after = (await snapshot(h, 'legacy')).data;
    expect(layoutsOf(after)).toEqual(layoutsOf(snap.data));
    expect(fieldOf(after, 'palier')?.labels).toEqual(fieldOf(snap.data, 'palier')?.labels);
    expect(fieldOf(after, 'secteur')?.definition).toEqual(fieldOf(snap.data, 'secteur')?.definition);
  });
});
