/**
 * Each change carries the instance it was made on (the siteUrl and version the CRM reported). One
 * tenant id pointed at another CRM (a move, a staging copy) must never get the first one's
 * before-states: undo_change refuses with the reason, rebuild does not judge this CRM by the other's
 * changes, and list_changes shows where each change was made.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { openSqliteStore, type Store } from '../../src/store/index.js';
import { sameInstance } from '../../src/reads/instance.js';

describe('sameInstance', () => {
  it('is the same instance on an equal siteUrl (case and trailing slash aside), and when upgraded', () => {
    expect(sameInstance({ siteUrl: 'https://CRM.example.com/', version: '9.1.7' }, { siteUrl: 'https://crm.example.com', version: '9.1.7' })).toEqual({ same: true });
    const upgraded = sameInstance({ siteUrl: 'https://crm.example.com', version: '8.4.2' }, { siteUrl: 'https://crm.example.com', version: '9.1.7' });
    expect(upgraded.same).toBe(true);
    expect(upgraded.note).toMatch(/upgraded.*8\.4\.2.*9\.1\.7/);
  });

  it('is another instance on another siteUrl, or an older version (a restored copy), with the reason', () => {
    const moved = sameInstance({ siteUrl: 'https://old.example.com', version: '9.1.7' }, { siteUrl: 'https://new.example.com', version: '9.1.7' });
    expect(moved).toMatchObject({ same: false });
    expect(moved.reason).toContain('https://old.example.com');
    expect(moved.reason).toContain('https://new.example.com');
    const older = sameInstance({ siteUrl: 'https://crm.example.com', version: '9.1.7' }, { siteUrl: 'https://crm.example.com', version: '9.0.2' });
    expect(older).toMatchObject({ same: false });
    expect(older.reason).toMatch(/9\.1\.7.*9\.0\.2/);
  });

  it('is unknown for a line recorded before instances were (imported from the first version)', () => {
    expect(sameInstance(undefined, { siteUrl: 'https://crm.example.com' })).toEqual({ same: null });
  });
});

describe('one tenant id pointed at three CRMs over time', () => {
  let dir: string;
  let store: Store;
  const harnesses: Harness[] = [];
  const created: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-instance-'));
    store = await openSqliteStore(path.join(dir, 'store.sqlite'));
    // Three sandboxes, each with its own siteUrl; the same tenant id "acme" and one store throughout.
    for (const [i, version] of ['9.1.7', '9.1.7', '8.4.2'].entries()) {
      harnesses.push(await startHarness([{ id: 'acme', sandbox: { version, leads: 3, contacts: 0, accounts: 0, seed: i + 1 } }], { store }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const h of harnesses) await h.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records each change with the siteUrl and version of the CRM it was made on', async () => {
    for (const [i, h] of harnesses.entries()) {
      const res = await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: `zone${i}`, label: `Zone ${i}`, type: 'varchar' });
      expect(res.isError, res.text).toBe(false);
      created[i] = res.structured.changeId as string;
      const line = await store.findChange(created[i]!);
      expect(line?.instance).toEqual({ siteUrl: h.sandboxes.acme!.url, version: h.sandboxes.acme!.state.settings.version });
    }
    const listed = await harnesses[2]!.call('list_changes', { tenant: 'acme', changesOnly: true });
    const rows = listed.structured.changes as Array<{ changeId: string; instance: { siteUrl: string }; otherInstance?: true; undo?: unknown }>;
    expect(rows.map((r) => r.changeId)).toEqual([created[2], created[1], created[0]]);
    expect(new Set(rows.map((r) => r.instance.siteUrl)).size).toBe(3);
    // Listing compares with where the tenant points now (from its configuration, no CRM call): the other
    // instances' changes are flagged and offer no undo_change call.
    expect(rows.map((r) => r.otherInstance ?? false)).toEqual([false, true, true]);
    expect(rows.map((r) => r.undo !== undefined)).toEqual([true, false, false]);
    expect(listed.text).toMatch(/made on another instance/);
  });

  it("undo_change refuses a change made on another instance, with the reason, and writes nothing", async () => {
    const third = harnesses[2]!;
    const sb = third.sandboxes.acme!;
    const mark = sb.requests.length;
    for (const id of [created[0]!, created[1]!]) {
      const res = await third.call('undo_change', { tenant: 'acme', changeId: id });
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(/made on the instance at http:\/\/127\.0\.0\.1:\d+.*now points at/);
      expect(res.text).toContain(sb.url);
    }
    expect(sb.requests.slice(mark).filter((r) => r.method !== 'GET')).toEqual([]);
    // On its own instance the same kind of change undoes (plan, then confirm: it deletes a field).
    const plan = await third.call('undo_change', { tenant: 'acme', changeId: created[2]! });
    expect(plan.isError, plan.text).toBe(false);
    const token = (plan.structured.confirm as { token: string } | undefined)?.token ?? (plan.structured.confirmToken as string);
    expect(typeof token).toBe('string');
    const done = await third.call('undo_change', { tenant: 'acme', changeId: created[2]!, confirm: token });
    expect(done.isError, done.text).toBe(false);
    expect(sb.state.metadata.fieldDef('Lead', 'zone2')).toBeUndefined();
  });

  it("rebuild checks only the changes made on this instance, and says how many it left out", async () => {
    const second = harnesses[1]!;
    const res = await second.call('rebuild', { tenant: 'acme' });
    expect(res.isError, res.text).toBe(false);
    expect(res.structured.problems).toEqual([]);
    const checked = (res.structured.checkedChanges as string[]).join('\n');
    expect(checked).toMatch(/Lead\.c?[zZ]one1 present/);
    expect(checked).not.toMatch(/[zZ]one0/);
    expect(checked).toMatch(/recorded on another instance/);
  });
});
