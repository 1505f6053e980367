/**
 * The store `serve` opens on first use (src/store/lazy.ts, openStoreOnUse): nothing on disk until a call
 * needs it; every method answers as the store itself does (read back through a second, plain store on
 * the same SQLite file); a failed open is tried again by the next call; closing before any use opens
 * nothing; confirm tokens read their key from it when a write first needs them.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confirmTokensOn, DEFAULT_RETENTION, LazyStore, openSqliteStore, openStoreOnUse, type Store } from '../../src/store/index.js';

let dir: string;
const closing: Store[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lazy-store-'));
});
afterEach(async () => {
  for (const s of closing.splice(0)) await s.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const configAt = (file: string) => ({ store: { path: file }, tenants: [{ id: 'a' }, { id: 'b' }] }) as unknown as Parameters<typeof openStoreOnUse>[0];
const lazyAt = async (file: string) => {
  const s = await openStoreOnUse(configAt(file), { env: { XDG_STATE_HOME: dir }, noImport: true });
  closing.push(s);
  return s;
};

describe('openStoreOnUse', () => {
  it('opens nothing until a call needs the store, then answers as the store itself', async () => {
    const file = path.join(dir, 'store.sqlite');
    const lazy = await lazyAt(file);
    expect(lazy).toBeInstanceOf(LazyStore);
    expect([lazy.engine, lazy.location]).toEqual(['sqlite', file]);
    expect(existsSync(file)).toBe(false);
    expect((lazy as LazyStore).isOpen).toBe(false);

    const line = await lazy.append({ tenant: 'a', principal: 'local', tool: 'edit_layout', args: { entity: 'Lead' }, outcome: 'applied', changeId: 'chg_1', summary: 's', change: { kind: 'layout', entity: 'Lead', layout: 'detail', before: [1], after: [2] } });
    expect(existsSync(file)).toBe(true);
    expect((lazy as LazyStore).isOpen).toBe(true);
    await lazy.append({ tenant: 'b', principal: 'local', tool: 'edit_layout', args: {}, outcome: 'dry_run' });
    expect(await lazy.useOnce('k', Date.now() + 60_000)).toBe(true);
    expect(await lazy.useOnce('k', Date.now() + 60_000)).toBe(false);
    await lazy.putResult('r1', 'a', { x: 1 }, Date.now() + 60_000);
    expect(await lazy.countCall('a', 0, 60_000)).toEqual({ current: 1, previous: 0 });
    await lazy.recordHealth({ tenant: 'a', ts: new Date().toISOString(), status: 'ok', latencyMs: 3, result: { ok: true } });
    const snap = await lazy.putSnapshot({ tenant: 'a', instance: { version: '9.1.7' }, summary: { fields: 1, layouts: 0, entities: 1 }, data: { f: 1 } });

    // A second, plain store on the same file sees what the lazy one wrote, and both answer alike.
    const plain = await openSqliteStore(file);
    closing.push(plain);
    expect(await plain.findChange('chg_1')).toEqual(await lazy.findChange('chg_1'));
    expect((await lazy.findChange('chg_1'))?.ts).toBe(line.ts);
    expect(await lazy.recentChanges('a', 10)).toEqual(await plain.recentChanges('a', 10));
    expect(await lazy.layoutChanges('a', 'Lead', 'detail')).toEqual(await plain.layoutChanges('a', 'Lead', 'detail'));
    expect(await lazy.listChanges({ tenants: ['a', 'b'], limit: 10 })).toEqual(await plain.listChanges({ tenants: ['a', 'b'], limit: 10 }));
    expect((await lazy.read()).length).toBe(2);
    expect(await lazy.read({ tenant: 'b' })).toEqual(await plain.read({ tenant: 'b' }));
    const seen: string[] = [];
    expect(await lazy.each({}, (e) => void seen.push(e.tenant))).toBe(2);
    expect(seen).toEqual(['a', 'b']);
    expect(await lazy.getResult('r1', 'a')).toEqual({ x: 1 });
    expect(await lazy.getResult('r1', 'b')).toBeUndefined();
    expect(await lazy.sharedKey('k1')).toEqual(await plain.sharedKey('k1'));
    expect(await lazy.healthHistory('a', 5)).toEqual(await plain.healthHistory('a', 5));
    expect((await lazy.latestHealth(['a', 'b'])).map((h) => h.tenant)).toEqual(['a']);
    expect((await lazy.getSnapshot(snap.id, 'a'))?.data).toEqual({ f: 1 });
    expect(await lazy.listSnapshots('a', 5)).toEqual(await plain.listSnapshots('a', 5));
    expect(await lazy.prune('a', DEFAULT_RETENTION)).toBe(0);
    const jsonl = path.join(dir, 'old.jsonl');
    await writeFile(jsonl, `${JSON.stringify({ ts: '2026-01-01T00:00:00.000Z', tenant: 'a', principal: 'local', tool: 'x', args: {}, outcome: 'applied' })}\n`);
    expect(await lazy.importJsonl(jsonl)).toEqual({ imported: 1, skipped: 0 });
  });

  it('tries the open again on the next call after a failure, and says why', async () => {
    const blocker = path.join(dir, 'blocked');
    await writeFile(blocker, 'a file where the store\'s folder should be');
    const lazy = await lazyAt(path.join(blocker, 'store.sqlite'));
    await expect(lazy.recentChanges('a', 5)).rejects.toThrow(/blocked/);
    await rm(blocker);
    await mkdir(blocker);
    expect(await lazy.recentChanges('a', 5)).toEqual([]);
    expect(existsSync(path.join(blocker, 'store.sqlite'))).toBe(true);
  });

  it('closed before any use: nothing is created, and later calls are refused', async () => {
    const file = path.join(dir, 'never.sqlite');
    const lazy = await lazyAt(file);
    await lazy.close();
    await expect(lazy.read()).rejects.toThrow(/closed/);
    expect(existsSync(file)).toBe(false);
  });

  it('gives confirm tokens the store\'s shared key when a write first needs it', async () => {
    const file = path.join(dir, 'store.sqlite');
    const lazy = await lazyAt(file);
    const confirms = await confirmTokensOn(lazy);
    expect(existsSync(file)).toBe(false);
    const binding = { tenant: 'a', tool: 'delete_custom_field', args: { field: 'x' }, state: 's1' };
    expect(() => confirms.issue(binding)).toThrow(/await ready\(\) first/);
    await confirms.ready();
    expect(existsSync(file)).toBe(true);
    const { token } = confirms.issue(binding);
    // Another process on the same store honours it (the same shared key); another binding does not.
    const plain = await openSqliteStore(file);
    closing.push(plain);
    const other = await confirmTokensOn(plain);
    await other.ready();
    expect(other.verify(token, binding)).toEqual({ ok: true });
    expect(other.verify(token, { ...binding, tenant: 'b' }).ok).toBe(false);
    expect((await confirms.consume(token)).ok).toBe(true);
    expect((await other.consume(token)).ok).toBe(false);
  });

  it('opens PostgreSQL at once (its URL and reachability are checked at start)', async () => {
    const config = { store: { url: 'env:NO_SUCH_DATABASE_URL' }, tenants: [] } as unknown as Parameters<typeof openStoreOnUse>[0];
    await expect(openStoreOnUse(config, { env: {} })).rejects.toThrow(/NO_SUCH_DATABASE_URL/);
  });
});
