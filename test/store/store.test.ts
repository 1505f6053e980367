/**
 * The store's contract (src/store/types.ts), the same tests on both engines through `SqlStore`: an
 * embedded SQLite file and a PostgreSQL database (test/helpers/postgres.ts: skipped without a test
 * PostgreSQL, required in CI). Every test works on tenants of its own, so the tests of one engine share
 * one store; the migration tests use fresh, empty ones.
 */
import { jsonLine } from '../../src/store/entry.js';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ARGS_BYTES, MAX_NOTE, newChangeId } from '../../src/store/entry.js';
import { LATEST_VERSION, MIGRATIONS, migrate } from '../../src/store/migrations.js';
import { PostgresSql } from '../../src/store/postgres.js';
import type { Sql } from '../../src/store/sql.js';
import { SqliteSql } from '../../src/store/sqlite.js';
import { MAX_SNAPSHOT_BYTES, SNAPSHOT_KEEP, SnapshotTooLargeError, SqlStore, type SqlStoreOptions } from '../../src/store/store.js';
import type { AuditEntry, AuditOutcome, ChangeRecord, HealthEntry, NewEntry, NewSnapshot, RetentionPolicy } from '../../src/store/types.js';
import { freshDatabase, testDatabaseUrl, type FreshDatabase } from '../helpers/postgres.js';

/** Where a store lives: a SQLite file, or a PostgreSQL database. */
interface Place {
  location: string;
  /** A new connection to it. */
  sql(): Promise<Sql>;
}

interface Engine {
  name: 'sqlite' | 'postgres';
  skip: boolean;
  /** A new, empty place. */
  place(): Promise<Place>;
  cleanup(): Promise<void>;
}

function sqliteEngine(): Engine {
  let dir: string | undefined;
  return {
    name: 'sqlite',
    skip: false,
    async place() {
      dir ??= mkdtempSync(path.join(os.tmpdir(), 'store-contract-'));
      const file = path.join(dir, `s${randomBytes(4).toString('hex')}`, 'store.sqlite');
      return { location: file, sql: () => SqliteSql.open(file) };
    },
    async cleanup() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresEngine(): Engine {
  const dbs: FreshDatabase[] = [];
  return {
    name: 'postgres',
    skip: !testDatabaseUrl(),
    async place() {
      const db = await freshDatabase('store');
      dbs.push(db);
      return { location: db.name, sql: () => PostgresSql.open(db.url) };
    },
    async cleanup() {
      for (const db of dbs) await db.drop();
    },
  };
}

const DAY = 86_400_000;
const sha16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const newTenant = () => `t_${randomBytes(5).toString('hex')}`;

/** A call that recorded no change (refused unless told). */
function call(tenant: string, over: Partial<NewEntry> = {}): NewEntry {
  return { tenant, principal: 'alice', tool: 'create_custom_field', args: { entity: 'Lead' }, outcome: 'refused', summary: 'refused', ...over };
}

/** A change line (applied unless told). */
function change(tenant: string, c: Partial<ChangeRecord> = {}, over: Partial<NewEntry> = {}): NewEntry {
  return {
    changeId: newChangeId(),
    tenant,
    principal: 'alice',
    tool: 'edit_layout',
    args: { entity: 'Lead', layout: 'list' },
    outcome: 'applied',
    summary: 'edited',
    change: { kind: 'layout', entity: 'Lead', layout: 'list', before: [{ name: 'name' }], after: [{ name: 'name' }, { name: 'email' }], ...c },
    ...over,
  };
}

function undo(tenant: string, undoes: string, outcome: AuditOutcome = 'applied'): NewEntry {
  return change(tenant, { kind: 'undo', undoes, before: null, after: null }, { tool: 'undo_change', args: { changeId: undoes }, outcome });
}

const ids = (entries: Array<{ changeId?: string }>) => entries.map((e) => e.changeId);

describe.each([sqliteEngine(), postgresEngine()])('$name', (engine) => {
  describe.skipIf(engine.skip)('the store', () => {
    let shared: Place;
    let store: SqlStore;
    const opened: SqlStore[] = [];

    /** Opens a store (closed after the test, unless the test closes it). */
    async function open(place: Place = shared, opts: SqlStoreOptions = {}): Promise<SqlStore> {
      const s = await SqlStore.open(await place.sql(), place.location, opts);
      opened.push(s);
      return s;
    }

    async function close(s: SqlStore): Promise<void> {
      opened.splice(opened.indexOf(s), 1);
      await s.close();
    }

    beforeAll(async () => {
      shared = await engine.place();
      store = await SqlStore.open(await shared.sql(), shared.location);
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close().catch(() => undefined);
    });

    afterAll(async () => {
      await store?.close();
      await engine.cleanup();
    });

    it('says which engine it is and where', () => {
      expect(store.engine).toBe(engine.name);
      expect(store.location).toBe(shared.location);
    });

    describe('append and findChange', () => {
      it('keeps a change exactly: unicode, line separators, nested JSON and a 200 KB before-state', async () => {
        const tenant = newTenant();
        const label = 'Société – ünïcödé ✓ 😀 line\u2028sep para\u2029sep next\u0085line "quoted" \\ back\tslash\n新しい';
        const before = Array.from({ length: 1500 }, (_, i) => ({
          name: `field${i}`,
          label: `${label} ${i}`,
          width: i % 7 === 0 ? null : i / 3,
          nested: { flags: [true, false, null], deep: { a: [1, [2, [3, { b: 'c' }]]] }, empty: {}, none: [] },
        }));
        expect(Buffer.byteLength(JSON.stringify(before))).toBeGreaterThan(200 * 1024);
        const after = [{ name: 'name', label }, { name: 'emailAddress' }];
        const input = change(
          tenant,
          { before, after, related: [{ layout: 'detail', before: { rows: [[label]] }, after: null }], customizedBefore: true },
          { auth: 'jwt', summary: label, instance: { siteUrl: 'https://crm.example.com', version: '9.1.2' } },
        );
        const stored = await store.append(input);
        const found = await store.findChange(input.changeId!);
        expect(found).toBeDefined();
        expect(found!.change).toEqual(input.change);
        expect(found!.change!.before).toEqual(before);
        expect(found).toMatchObject({
          changeId: input.changeId,
          tenant,
          principal: 'alice',
          auth: 'jwt',
          tool: 'edit_layout',
          outcome: 'applied',
          summary: label,
          instance: { siteUrl: 'https://crm.example.com', version: '9.1.2' },
        });
        expect(found!.undoneBy).toBeUndefined();
        expect(found).toEqual(stored);
        expect(new Date(found!.ts).toISOString()).toBe(found!.ts);
        expect(Math.abs(Date.parse(found!.ts) - Date.now())).toBeLessThan(60_000);
      });

      it('keeps a given ts', async () => {
        const input = change(newTenant(), {}, { ts: '2026-03-04T05:06:07.089Z' });
        await store.append(input);
        expect((await store.findChange(input.changeId!))?.ts).toBe('2026-03-04T05:06:07.089Z');
      });

      it('finds applied and partial changes only; unknown ids and lines without a change are not found', async () => {
        const tenant = newTenant();
        const byOutcome = new Map<AuditOutcome, string>();
        for (const outcome of ['applied', 'partial', 'refused', 'planned', 'dry_run', 'failed', 'unchanged'] as const) {
          const input = change(tenant, {}, { outcome });
          byOutcome.set(outcome, input.changeId!);
          await store.append(input);
        }
        expect((await store.findChange(byOutcome.get('applied')!))?.outcome).toBe('applied');
        expect((await store.findChange(byOutcome.get('partial')!))?.outcome).toBe('partial');
        for (const outcome of ['refused', 'planned', 'dry_run', 'failed', 'unchanged'] as const) {
          expect(await store.findChange(byOutcome.get(outcome)!), outcome).toBeUndefined();
        }
        const noChange = call(tenant, { changeId: newChangeId(), outcome: 'applied' });
        await store.append(noChange);
        expect(await store.findChange(noChange.changeId!)).toBeUndefined();
        expect(await store.findChange(newChangeId())).toBeUndefined();
        expect(await store.findChange('')).toBeUndefined();
        expect(await store.findChange("x' OR '1'='1")).toBeUndefined();
      });
    });

    describe('undoneBy', () => {
      it('is set by an applied undo, as findChange, recentChanges and layoutChanges read it; a failed or refused undo does not set it', async () => {
        const tenant = newTenant();
        const x = change(tenant);
        const other = change(tenant, { layout: 'detail' });
        await store.append(x);
        await store.append(other);
        await store.append(undo(tenant, x.changeId!, 'failed'));
        await store.append(undo(tenant, x.changeId!, 'refused'));
        expect((await store.findChange(x.changeId!))!.undoneBy).toBeUndefined();
        expect((await store.recentChanges(tenant, 10)).find((e) => e.changeId === x.changeId)!.undoneBy).toBeUndefined();

        const u = undo(tenant, x.changeId!);
        await store.append(u);
        expect((await store.findChange(x.changeId!))!.undoneBy).toBe(u.changeId);
        const recent = await store.recentChanges(tenant, 10);
        expect(recent.find((e) => e.changeId === x.changeId)!.undoneBy).toBe(u.changeId);
        expect(recent.find((e) => e.changeId === other.changeId)!.undoneBy).toBeUndefined();
        expect(recent.find((e) => e.changeId === u.changeId)!.undoneBy).toBeUndefined();
        const layout = await store.layoutChanges(tenant, 'Lead', 'list');
        expect(layout.map((e) => [e.changeId, e.undoneBy])).toEqual([[x.changeId, u.changeId]]);
        const listed = await store.listChanges({ tenants: [tenant], limit: 50 });
        expect(listed.entries.find((e) => e.changeId === x.changeId)!.undoneBy).toBe(u.changeId);
        expect((await store.read({ tenant })).find((e) => e.changeId === x.changeId)!.undoneBy).toBe(u.changeId);
        expect(other.changeId).toBeDefined();
        expect((await store.findChange(other.changeId!))!.undoneBy).toBeUndefined();
      });

      it('is not set by an undo recorded on another tenant', async () => {
        const a = newTenant();
        const b = newTenant();
        const x = change(a);
        await store.append(x);
        await store.append(undo(b, x.changeId!));
        expect((await store.findChange(x.changeId!))!.undoneBy).toBeUndefined();
      });
    });

    describe('recentChanges', () => {
      it('gives the applied and partial changes of one tenant, newest first, by kind, up to a limit', async () => {
        const tenant = newTenant();
        const c1 = change(tenant);
        const c2 = change(tenant, { kind: 'field_create', layout: undefined, field: 'cSector' }, { tool: 'create_custom_field' });
        const c3 = change(tenant, { kind: 'field_update', layout: undefined, field: 'cSector' }, { tool: 'update_custom_field', outcome: 'failed' });
        const c4 = change(tenant, { kind: 'field_delete', layout: undefined, field: 'cSector' }, { tool: 'delete_custom_field', outcome: 'partial' });
        const c5 = undo(tenant, c1.changeId!);
        await store.append(c1);
        await store.append(call(tenant));
        await store.append(c2);
        await store.append(change(newTenant()));
        await store.append(c3);
        await store.append(call(tenant, { outcome: 'applied', summary: 'applied without a change' }));
        await store.append(c4);
        await store.append(change(tenant, {}, { outcome: 'planned' }));
        await store.append(change(tenant, {}, { outcome: 'dry_run' }));
        await store.append(c5);

        const all = await store.recentChanges(tenant, 100);
        expect(ids(all)).toEqual([c5.changeId, c4.changeId, c2.changeId, c1.changeId]);
        expect(all.every((e) => e.tenant === tenant)).toBe(true);
        expect(ids(await store.recentChanges(tenant, 2))).toEqual([c5.changeId, c4.changeId]);
        expect(ids(await store.recentChanges(tenant, 100, ['field_create', 'field_delete']))).toEqual([c4.changeId, c2.changeId]);
        expect(ids(await store.recentChanges(tenant, 100, ['undo']))).toEqual([c5.changeId]);
        expect(ids(await store.recentChanges(tenant, 100, ['field_update']))).toEqual([]);
        expect(ids(await store.recentChanges(tenant, 100, []))).toEqual(ids(all));
        expect(await store.recentChanges(newTenant(), 100)).toEqual([]);
      });
    });

    describe('layoutChanges', () => {
      it("gives one layout's applied layout changes of one tenant, oldest first", async () => {
        const tenant = newTenant();
        const a = change(tenant);
        const g = change(tenant, {}, { outcome: 'partial' });
        const h = change(tenant, { before: [{ name: 'reset' }] }, { tool: 'reset_layout' });
        await store.append(a);
        await store.append(change(tenant, { layout: 'detail' }));
        await store.append(change(tenant, { entity: 'Account' }));
        await store.append(change(tenant, { kind: 'field_create', layout: undefined, field: 'list' }, { tool: 'create_custom_field' }));
        await store.append(change(tenant, {}, { outcome: 'failed' }));
        await store.append(change(tenant, {}, { outcome: 'planned' }));
        await store.append(change(newTenant()));
        await store.append(g);
        await store.append(undo(tenant, a.changeId!, 'failed'));
        await store.append(h);
        await store.append(call(tenant, { tool: 'edit_layout', args: { entity: 'Lead', layout: 'list' } }));

        const got = await store.layoutChanges(tenant, 'Lead', 'list');
        expect(ids(got)).toEqual([a.changeId, g.changeId, h.changeId]);
        expect(got.every((e) => e.change?.kind === 'layout' && e.change.entity === 'Lead' && e.change.layout === 'list')).toBe(true);
        expect(ids(await store.layoutChanges(tenant, 'Lead', 'detail'))).toHaveLength(1);
        expect(await store.layoutChanges(tenant, 'Lead', 'kanban')).toEqual([]);
        expect(await store.layoutChanges(newTenant(), 'Lead', 'list')).toEqual([]);
      });
    });

    describe('listChanges', () => {
      const T0 = Date.parse('2026-10-01T00:00:00.000Z');
      let a: string;
      let b: string;
      let c: string;
      let lines: NewEntry[];

      beforeAll(async () => {
        [a, b, c] = [newTenant(), newTenant(), newTenant()];
        lines = [];
        for (let i = 0; i < 23; i++) {
          const ts = new Date(T0 + i * 3_600_000).toISOString();
          const principal = i % 3 === 0 ? 'bob' : 'alice';
          if (i % 4 === 0) lines.push(change(a, {}, { ts, principal }));
          else if (i % 4 === 1) lines.push(call(a, { ts, principal, tool: 'rebuild', outcome: 'failed', error: 'boom' }));
          else if (i % 4 === 2) lines.push(call(a, { ts, principal, outcome: 'planned' }));
          else lines.push(call(a, { ts, principal }));
        }
        // Other tenants' lines interleaved: never in A's pages.
        for (const [i, line] of lines.entries()) {
          await store.append(line);
          if (i % 5 === 0) await store.append(call(b, { ts: line.ts! }));
          if (i % 7 === 0) await store.append(change(c, {}, { ts: line.ts! }));
        }
      });

      const tsOf = (entries: AuditEntry[]) => entries.map((e) => e.ts);
      const newestFirst = (filter: (e: NewEntry) => boolean) =>
        lines
          .filter(filter)
          .map((e) => e.ts!)
          .reverse();

      it("visits every line of the caller's tenants exactly once, newest first, page by page", async () => {
        const seen: AuditEntry[] = [];
        const sizes: number[] = [];
        let before: number | undefined;
        for (let page = 0; page < 10; page++) {
          const got = await store.listChanges({ tenants: [a], limit: 5, ...(before !== undefined ? { before } : {}) });
          seen.push(...got.entries);
          sizes.push(got.entries.length);
          if (got.next === undefined) break;
          before = got.next;
        }
        expect(sizes).toEqual([5, 5, 5, 5, 3]);
        expect(tsOf(seen)).toEqual(newestFirst(() => true));
        expect(new Set(seen.map((e) => JSON.stringify(e))).size).toBe(23);
        expect(seen.every((e) => e.tenant === a)).toBe(true);
      });

      it('gives no next page after an exactly full last page', async () => {
        const t = newTenant();
        for (let i = 0; i < 10; i++) await store.append(call(t));
        const p1 = await store.listChanges({ tenants: [t], limit: 5 });
        expect(p1.entries).toHaveLength(5);
        expect(p1.next).toBeDefined();
        const p2 = await store.listChanges({ tenants: [t], limit: 5, before: p1.next! });
        expect(p2.entries).toHaveLength(5);
        expect(p2.next).toBeUndefined();
      });

      it('reads only the tenants asked for, several at once', async () => {
        const onlyB = await store.listChanges({ tenants: [b], limit: 100 });
        expect(onlyB.entries).toHaveLength(5);
        expect(onlyB.entries.every((e) => e.tenant === b)).toBe(true);
        const bc = await store.listChanges({ tenants: [b, c], limit: 100 });
        expect(bc.entries).toHaveLength(5 + 4);
        expect(new Set(bc.entries.map((e) => e.tenant))).toEqual(new Set([b, c]));
        expect((await store.listChanges({ tenants: [newTenant()], limit: 100 })).entries).toEqual([]);
        expect((await store.listChanges({ tenants: [], limit: 100 })).entries).toEqual([]);
      });

      it('filters by tool, principal, outcome, changesOnly and time (inclusive)', async () => {
        const q = { tenants: [a], limit: 100 };
        expect(tsOf((await store.listChanges({ ...q, tool: 'rebuild' })).entries)).toEqual(newestFirst((e) => e.tool === 'rebuild'));
        expect(tsOf((await store.listChanges({ ...q, principal: 'bob' })).entries)).toEqual(newestFirst((e) => e.principal === 'bob'));
        expect(tsOf((await store.listChanges({ ...q, outcome: 'planned' })).entries)).toEqual(newestFirst((e) => e.outcome === 'planned'));
        const changes = (await store.listChanges({ ...q, changesOnly: true })).entries;
        expect(tsOf(changes)).toEqual(newestFirst((e) => e.change !== undefined));
        expect(changes.every((e) => e.changeId && e.change)).toBe(true);
        const since = new Date(T0 + 5 * 3_600_000).toISOString();
        const until = new Date(T0 + 9 * 3_600_000).toISOString();
        expect(tsOf((await store.listChanges({ ...q, since, until })).entries)).toEqual(newestFirst((e) => e.ts! >= since && e.ts! <= until));
        expect((await store.listChanges({ ...q, since, until })).entries).toHaveLength(5);
        expect((await store.listChanges({ ...q, since: new Date(T0 + 22 * 3_600_000).toISOString() })).entries).toHaveLength(1);
        expect((await store.listChanges({ ...q, until: new Date(T0 - 1).toISOString() })).entries).toHaveLength(0);
        const combined = await store.listChanges({ ...q, principal: 'alice', outcome: 'refused', since });
        expect(tsOf(combined.entries)).toEqual(newestFirst((e) => e.principal === 'alice' && e.outcome === 'refused' && e.ts! >= since));
      });

      it('paginates a filtered query', async () => {
        const seen: AuditEntry[] = [];
        let before: number | undefined;
        for (let page = 0; page < 20; page++) {
          const got = await store.listChanges({ tenants: [a, b], principal: 'alice', limit: 2, ...(before !== undefined ? { before } : {}) });
          seen.push(...got.entries);
          if (got.next === undefined) break;
          before = got.next;
        }
        const expected = (await store.listChanges({ tenants: [a, b], principal: 'alice', limit: 500 })).entries;
        expect(seen).toEqual(expected);
        expect(seen.length).toBeGreaterThan(10);
      });
    });

    describe('bounded lines', () => {
      it('bounds huge, long, deep and secret arguments to at most 8 KB', async () => {
        const tenant = newTenant();
        const text = `${'x'.repeat(4 * 1024 * 1024 - 6)}secret`;
        let deep: unknown = { bottom: 'here' };
        for (let i = 0; i < 200; i++) deep = { level: deep };
        const args = {
          text,
          list: Array.from({ length: 10_000 }, (_, i) => i),
          deep,
          password: 'hunter2',
          apiKey: 'k-123',
          token: 't-456',
          clientSecret: 's',
          confirm: 'abcdefghijklmnopqrstuvwxyz',
          entity: 'Lead',
        };
        const returned = await store.append(call(tenant, { args }));
        const [stored] = await store.read({ tenant });
        expect(stored).toEqual(returned);
        const json = JSON.stringify(stored!.args);
        expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_ARGS_BYTES);
        expect(json).not.toContain('hunter2');
        expect(json).not.toContain('k-123');
        expect(json).not.toContain('t-456');
        expect(json).not.toContain('ijklmnop');
        expect(stored!.args).toMatchObject({ password: '[removed]', apiKey: '[removed]', token: '[removed]', clientSecret: '[removed]', confirm: 'abcdefgh…', entity: 'Lead' });
        expect(stored!.args.text).toContain(`${text.length} characters`);
        expect(stored!.args.text).toContain(`sha256 ${sha16(text)}`);
        const list = stored!.args.list as unknown[];
        expect(list.length).toBeLessThanOrEqual(51);
        expect(String(list.at(-1))).toContain('9950 more');
        expect(json).not.toContain('bottom');
        expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThan(16 * 1024);
      });

      it('replaces arguments too big even once bounded by their size and hash', async () => {
        const tenant = newTenant();
        const args = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'y'.repeat(5000)]));
        const stored = await store.append(call(tenant, { args }));
        const [read] = await store.read({ tenant });
        expect(read).toEqual(stored);
        const json = JSON.stringify(read!.args);
        expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_ARGS_BYTES);
        expect(String(read!.args['[truncated]'])).toContain(`${Buffer.byteLength(JSON.stringify(args))} bytes`);
        expect(String(read!.args['[truncated]'])).toContain(`sha256 ${sha16(JSON.stringify(args))}`);
      });

      it('bounds summary and error texts', async () => {
        const tenant = newTenant();
        const summary = 's'.repeat(MAX_NOTE + 3000);
        const error = `${'é'.repeat(MAX_NOTE)}${'e'.repeat(100_000)}`;
        await store.append(call(tenant, { summary, error, outcome: 'failed' }));
        const [stored] = await store.read({ tenant });
        expect(stored!.summary!.startsWith('s'.repeat(MAX_NOTE))).toBe(true);
        expect(stored!.summary!.length).toBeLessThan(MAX_NOTE + 100);
        expect(stored!.summary).toContain('3000 more characters');
        expect(stored!.error!.startsWith('é'.repeat(MAX_NOTE))).toBe(true);
        expect(stored!.error!.length).toBeLessThan(MAX_NOTE + 100);
        const short = 'short summary';
        await store.append(call(tenant, { summary: short }));
        expect((await store.read({ tenant }))[1]!.summary).toBe(short);
      });

      it('records a call whose arguments are nested 10,000 levels deep (a loose tool argument JSON.parse reads)', async () => {
        const tenant = newTenant();
        const args = JSON.parse(`{"operations":[{"op":"add_field","field":${'['.repeat(10_000)}${']'.repeat(10_000)}}]}`) as Record<string, unknown>;
        await store.append(call(tenant, { tool: 'edit_layout', args }));
        const [stored] = await store.read({ tenant });
        expect(Buffer.byteLength(JSON.stringify(stored!.args))).toBeLessThanOrEqual(MAX_ARGS_BYTES);
      });

      it('never bounds a change: its before- and after-state are what undo needs', async () => {
        const tenant = newTenant();
        const before = Array.from({ length: 5000 }, (_, i) => ({ name: `f${i}`, label: 'z'.repeat(600) }));
        const c = change(tenant, { before });
        await store.append(c);
        expect((await store.findChange(c.changeId!))!.change!.before).toEqual(before);
      });
    });

    describe('retention', () => {
      const policy: RetentionPolicy = { calls: { count: 10 }, changes: { count: 1000 } };
      const huge = 'j'.repeat(1024 * 1024);

      it('keeps an applied write without a changeId (a merge, a rebuild) under the changes rule, not the calls rule', async () => {
        const t = newTenant();
        const s = await open();
        await s.append(call(t, { tool: 'merge_duplicates', outcome: 'applied', summary: 'merged 2 leads' }));
        for (let i = 0; i < 15; i++) await s.append(call(t));
        await s.prune(t, { calls: { count: 3 }, changes: { count: 1000 } });
        const left = await s.read({ tenant: t });
        expect(left.filter((e) => e.outcome === 'refused')).toHaveLength(3);
        expect(left.filter((e) => e.tool === 'merge_duplicates')).toHaveLength(1);
        await s.prune(t, { calls: { count: 3 }, changes: { count: 0 } });
        expect((await s.read({ tenant: t })).filter((e) => e.tool === 'merge_duplicates')).toHaveLength(0);
      });

      it("prunes a tenant's flood of refused calls on append, never its changes nor another tenant's lines (once a minute per tenant)", async () => {
        const a = newTenant();
        const b = newTenant();
        let clock = Date.now();
        const s = await open(shared, { retention: () => policy, now: () => clock });
        const bChange = change(b);
        await s.append(bChange);
        for (let i = 0; i < 12; i++) await s.append(call(b));
        const aChanges = [change(a), change(a, { layout: 'detail' }), change(a, { kind: 'field_create', layout: undefined, field: 'cX' })];
        for (const c of aChanges) await s.append(c);

        // Within one minute: pruned once (on the first append), then not again.
        for (let i = 0; i < 50; i++) await s.append(call(a, { args: { junk: huge, i } }));
        const aCalls = async () => (await s.read({ tenant: a })).filter((e) => !e.changeId).length;
        expect(await aCalls()).toBe(50);

        // A minute later: the next append prunes A's calls to its count.
        clock += 60_001;
        await s.append(call(a, { args: { junk: huge } }));
        expect(await aCalls()).toBe(10);
        // One per minute from then on.
        for (let i = 0; i < 50; i++) {
          clock += 61_000;
          await s.append(call(a, { args: { junk: huge, i } }));
        }
        expect(await aCalls()).toBe(10);

        expect(await s.findChange(bChange.changeId!)).toBeDefined();
        for (const c of aChanges) expect(await s.findChange(c.changeId!)).toBeDefined();
        // B's 12 calls (appended within one minute of B's last pruning): A's pruning never touched them.
        expect((await s.read({ tenant: b })).filter((e) => !e.changeId)).toHaveLength(12);
        expect(ids(await s.recentChanges(a, 10))).toEqual(ids(aChanges).reverse());
      });

      it("never prunes another tenant's lines (per-tenant policies)", async () => {
        const a = newTenant();
        const b = newTenant();
        let clock = Date.now();
        const s = await open(shared, {
          retention: (t) => (t === a ? policy : { calls: { count: 1000 }, changes: { count: 1000 } }),
          now: () => clock,
        });
        for (let i = 0; i < 30; i++) await s.append(call(b));
        for (let i = 0; i < 30; i++) {
          clock += 61_000;
          await s.append(call(a));
        }
        expect(await s.read({ tenant: a })).toHaveLength(10);
        expect(await s.read({ tenant: b })).toHaveLength(30);
      });

      it('prune: by count, changes and calls apart, one tenant only', async () => {
        const a = newTenant();
        const b = newTenant();
        const aChanges: NewEntry[] = [];
        for (let i = 0; i < 5; i++) {
          const c = change(a);
          aChanges.push(c);
          await store.append(c);
        }
        for (let i = 0; i < 50; i++) await store.append(call(a, { args: { junk: huge } }));
        for (let i = 0; i < 20; i++) await store.append(call(b));
        const bChange = change(b);
        await store.append(bChange);

        expect(await store.prune(a, policy)).toBe(40);
        const left = await store.read({ tenant: a });
        expect(left.filter((e) => e.changeId)).toHaveLength(5);
        expect(left.filter((e) => !e.changeId)).toHaveLength(10);
        // The ten kept are the newest ones.
        const all = (await store.listChanges({ tenants: [a], limit: 500 })).entries;
        expect(all.slice(0, 10).every((e) => !e.changeId)).toBe(true);
        expect(await store.read({ tenant: b })).toHaveLength(21);
        expect(await store.findChange(bChange.changeId!)).toBeDefined();
        expect(await store.prune(a, policy)).toBe(0);

        expect(await store.prune(a, { calls: {}, changes: { count: 2 } })).toBe(3);
        expect(ids(await store.recentChanges(a, 10))).toEqual([aChanges[4]!.changeId, aChanges[3]!.changeId]);
        expect(await store.prune(a, { calls: { count: 0 }, changes: {} })).toBe(10);
        expect(await store.read({ tenant: a })).toHaveLength(2);
      });

      it('prune: by age, changes and calls apart, one tenant only', async () => {
        const a = newTenant();
        const b = newTenant();
        const now = Date.now();
        const ago = (days: number) => new Date(now - days * DAY).toISOString();
        const oldChange = change(a, {}, { ts: ago(100) });
        const midChange = change(a, {}, { ts: ago(20) });
        const newChange = change(a, {}, { ts: ago(1) });
        const bOld = change(b, {}, { ts: ago(500) });
        for (const e of [oldChange, call(a, { ts: ago(100) }), midChange, call(a, { ts: ago(20) }), newChange, call(a, { ts: ago(1) }), bOld, call(b, { ts: ago(500) })]) {
          await store.append(e);
        }
        // Calls kept 10 days, changes 30: the 100-day-old change and the 100- and 20-day-old calls go.
        expect(await store.prune(a, { changes: { days: 30 }, calls: { days: 10 } }, now)).toBe(3);
        const left = await store.read({ tenant: a });
        expect(left.map((e) => e.ts)).toEqual([ago(20), ago(1), ago(1)]);
        expect(left.map((e) => (e.changeId ? 'change' : 'call'))).toEqual(['change', 'change', 'call']);
        expect(await store.findChange(oldChange.changeId!)).toBeUndefined();
        expect(await store.findChange(midChange.changeId!)).toBeDefined();
        expect(await store.findChange(newChange.changeId!)).toBeDefined();
        expect(await store.read({ tenant: b })).toHaveLength(2);
        expect(await store.findChange(bOld.changeId!)).toBeDefined();
      });

      it('prunes by age on append with the injected clock', async () => {
        const a = newTenant();
        let clock = Date.now();
        const s = await open(shared, { retention: () => ({ changes: { days: 400 }, calls: { days: 1 } }), now: () => clock });
        const c = change(a);
        await s.append(c);
        await s.append(call(a));
        clock += 2 * DAY;
        await s.append(call(a, { ts: new Date(clock).toISOString() }));
        const left = await s.read({ tenant: a });
        expect(left).toHaveLength(2);
        expect(left.map((e) => e.changeId ?? 'call')).toEqual([c.changeId, 'call']);
        expect(await s.findChange(c.changeId!)).toBeDefined();
      });
    });

    describe('health checks', () => {
      const check = (tenant: string, over: Partial<HealthEntry> = {}): HealthEntry => ({
        tenant,
        ts: new Date().toISOString(),
        status: 'ok',
        version: '9.1.7',
        latencyMs: 12,
        result: { status: 'ok', problems: [], breaker: 'closed', reachable: { status: 'ok', message: 'the CRM answered' } },
        ...over,
      });

      it("keeps a tenant's checks: newest first, exactly as recorded (unicode, nested result), per tenant, shared by every instance", async () => {
        const [a, b] = [newTenant(), newTenant()];
        const now = Date.now();
        const at = (s: number) => new Date(now - s * 1000).toISOString();
        await store.recordHealth(check(a, { ts: at(30), status: 'ok' }));
        await store.recordHealth(check(a, { ts: at(20), status: 'unreachable', version: undefined, latencyMs: 3, result: { problems: ['not reachable: ECONNREFUSED \u2028 «é»'], nested: { deep: [1, { x: null }] } } }));
        await store.recordHealth(check(b, { ts: at(25), status: 'degraded' }));
        await store.recordHealth(check(a, { ts: at(10), status: 'degraded', version: '9.2.0' }));
        const other = await open();
        const got = await other.healthHistory(a, 10);
        expect(got.map((e) => [e.ts, e.status, e.version, e.latencyMs])).toEqual([
          [at(10), 'degraded', '9.2.0', 12],
          [at(20), 'unreachable', undefined, 3],
          [at(30), 'ok', '9.1.7', 12],
        ]);
        expect(got[1]!.result).toEqual({ problems: ['not reachable: ECONNREFUSED \u2028 «é»'], nested: { deep: [1, { x: null }] } });
        expect('version' in got[1]!).toBe(false);
        expect((await other.healthHistory(a, 2)).map((e) => e.ts)).toEqual([at(10), at(20)]);
        expect(await other.healthHistory(a, 0)).toEqual([]);
        expect((await other.healthHistory(b, 10)).map((e) => e.status)).toEqual(['degraded']);
        expect(await other.healthHistory(newTenant(), 10)).toEqual([]);
      });

      it('latestHealth gives the newest check of each tenant asked for that has one, in the order asked', async () => {
        const [a, b, c] = [newTenant(), newTenant(), newTenant()];
        const now = Date.now();
        const at = (s: number) => new Date(now - s * 1000).toISOString();
        await store.recordHealth(check(a, { ts: at(50), status: 'ok' }));
        await store.recordHealth(check(a, { ts: at(5), status: 'unreachable' }));
        await store.recordHealth(check(b, { ts: at(40), status: 'degraded' }));
        // Two checks at the same millisecond: the one recorded last is the newest.
        await store.recordHealth(check(b, { ts: at(40), status: 'ok' }));
        const latest = await store.latestHealth([b, c, a, b]);
        expect(latest.map((e) => [e.tenant, e.status, e.ts])).toEqual([
          [b, 'ok', at(40)],
          [a, 'unreachable', at(5)],
        ]);
        expect(await store.latestHealth([])).toEqual([]);
      });

      it("keeps at most the newest healthKeep checks per tenant, never touching another tenant's", async () => {
        const [a, b] = [newTenant(), newTenant()];
        const s = await open(shared, { healthKeep: 5 });
        const base = Date.now() - 1000_000;
        for (let i = 0; i < 3; i++) await s.recordHealth(check(b, { ts: new Date(base + i).toISOString() }));
        for (let i = 0; i < 12; i++) await s.recordHealth(check(a, { ts: new Date(base + i * 1000).toISOString(), latencyMs: i }));
        expect((await s.healthHistory(a, 100)).map((e) => e.latencyMs)).toEqual([11, 10, 9, 8, 7]);
        expect(await s.healthHistory(b, 100)).toHaveLength(3);
      });

      it("drops checks older than the tenant's calls retention, on record and on prune", async () => {
        const [a, b] = [newTenant(), newTenant()];
        const now = Date.now();
        const ago = (days: number) => new Date(now - days * DAY).toISOString();
        const s = await open(shared, { retention: (t) => (t === a ? { changes: { days: 400 }, calls: { days: 30 } } : { changes: { days: 400 }, calls: { days: 1000 } }), now: () => now });
        await store.recordHealth(check(a, { ts: ago(100), status: 'unreachable' }));
        await store.recordHealth(check(a, { ts: ago(40), status: 'degraded' }));
        await store.recordHealth(check(b, { ts: ago(100) }));
        expect(await s.healthHistory(a, 10)).toHaveLength(2);
        await s.recordHealth(check(a, { ts: ago(1) }));
        expect((await s.healthHistory(a, 10)).map((e) => e.ts)).toEqual([ago(1)]);
        expect(await s.healthHistory(b, 10)).toHaveLength(1);
        await store.recordHealth(check(b, { ts: ago(20) }));
        await store.prune(b, { changes: {}, calls: { days: 10 } }, now);
        expect(await store.healthHistory(b, 10)).toEqual([]);
      });

      it('bounds a huge result to its status and problems', async () => {
        const a = newTenant();
        await store.recordHealth(check(a, { status: 'degraded', result: { problems: ['API key: refused', 'x'.repeat(5000)], junk: 'j'.repeat(100_000) } }));
        const [got] = await store.healthHistory(a, 1);
        expect(JSON.stringify(got!.result).length).toBeLessThan(5000);
        expect(got!.result).toMatchObject({ status: 'degraded', truncated: expect.stringMatching(/characters/) });
        expect((got!.result.problems as string[])[0]).toBe('API key: refused');
      });
    });

    describe('snapshots', () => {
      /** A customization as a snapshot keeps it: layouts' JSON exactly as EspoCRM returned it, labels per language. */
      const data = (n = 1) => ({
        fields: Array.from({ length: n }, (_, i) => ({ entity: 'Lead', name: `cSecteur${i}`, definition: { type: 'enum', options: ['Fret', 'Messagerie \u2028 «é»'], isCustom: true } })),
        layouts: [{ entity: 'Lead', layout: 'detail', json: '[{"label":"Overview","rows":[[{"name":"name"},false]]}]' }],
        labels: { fr_FR: { Lead: { fields: { cSecteur0: 'Secteur' } } } },
        nul: 'a\u0000b',
      });
      const snap = (tenant: string, over: Partial<NewSnapshot> = {}): NewSnapshot => ({
        tenant,
        instance: { siteUrl: 'https://crm.example.com', version: '9.1.7' },
        summary: { fields: 1, layouts: 1, entities: 1 },
        data: data(),
        ...over,
      });

      it('keeps a snapshot exactly (unicode, NUL, layout JSON text) under a new id, for its tenant only, shared by every instance', async () => {
        const [a, b] = [newTenant(), newTenant()];
        const info = await store.putSnapshot(snap(a));
        expect(info.id).toMatch(/^snap_[0-9a-z]+_[0-9a-f]{12}$/);
        expect(info).toMatchObject({ tenant: a, instance: { siteUrl: 'https://crm.example.com', version: '9.1.7' }, summary: { fields: 1, layouts: 1, entities: 1 } });
        expect(info.bytes).toBe(Buffer.byteLength(JSON.stringify(data()), 'utf8'));
        expect(Date.now() - Date.parse(info.ts)).toBeLessThan(60_000);
        const other = await open();
        const got = await other.getSnapshot(info.id, a);
        expect(got).toEqual({ ...info, data: data() });
        // Another tenant's id is not found, the same answer as an unknown one.
        expect(await other.getSnapshot(info.id, b)).toBeUndefined();
        expect(await other.getSnapshot('snap_nope_000000000000', a)).toBeUndefined();
        const second = await store.putSnapshot(snap(a));
        expect(second.id).not.toBe(info.id);
      });

      it('keeps a snapshot without an instance version or siteUrl', async () => {
        const a = newTenant();
        const info = await store.putSnapshot(snap(a, { instance: {} }));
        expect(info.instance).toEqual({});
        expect((await store.getSnapshot(info.id, a))!.instance).toEqual({});
      });

      it('lists a tenant\'s snapshots newest first without their data, page by page with before, never another tenant\'s', async () => {
        const [a, b] = [newTenant(), newTenant()];
        const base = Date.now() - 100_000;
        const made: string[] = [];
        for (let i = 0; i < 7; i++) made.push((await store.putSnapshot(snap(a, { ts: new Date(base + i * 1000).toISOString(), summary: { fields: i, layouts: 0, entities: 1 } }))).id);
        // Two at the same millisecond: the one kept last is the newer.
        const tie = (await store.putSnapshot(snap(a, { ts: new Date(base + 6000).toISOString() }))).id;
        await store.putSnapshot(snap(b));
        const first = await store.listSnapshots(a, 3);
        expect(first.map((s) => s.id)).toEqual([tie, made[6], made[5]]);
        expect(first.every((s) => !('data' in s))).toBe(true);
        expect(first[1]!.summary.fields).toBe(6);
        const second = await store.listSnapshots(a, 3, first.at(-1)!.id);
        expect(second.map((s) => s.id)).toEqual([made[4], made[3], made[2]]);
        const last = await store.listSnapshots(a, 3, second.at(-1)!.id);
        expect(last.map((s) => s.id)).toEqual([made[1], made[0]]);
        expect(await store.listSnapshots(a, 3, made[0])).toEqual([]);
        // A cursor of another tenant, or unknown: nothing (never another tenant's list).
        const bId = (await store.listSnapshots(b, 10))[0]!.id;
        expect(await store.listSnapshots(a, 10, bId)).toEqual([]);
        expect(await store.listSnapshots(a, 0)).toEqual([]);
        expect((await store.listSnapshots(b, 10)).map((s) => s.tenant)).toEqual([b]);
        expect(await store.listSnapshots(newTenant(), 10)).toEqual([]);
      });

      it(`keeps the newest snapshotKeep per tenant (${SNAPSHOT_KEEP} by default), never touching another tenant's`, async () => {
        const [a, b] = [newTenant(), newTenant()];
        const s = await open(shared, { snapshotKeep: 4 });
        const base = Date.now() - 1000_000;
        for (let i = 0; i < 3; i++) await s.putSnapshot(snap(b, { ts: new Date(base + i).toISOString() }));
        const ids: string[] = [];
        for (let i = 0; i < 9; i++) ids.push((await s.putSnapshot(snap(a, { ts: new Date(base + i * 1000).toISOString() }))).id);
        expect((await s.listSnapshots(a, 100)).map((x) => x.id)).toEqual(ids.slice(5).reverse());
        expect(await s.getSnapshot(ids[0]!, a)).toBeUndefined();
        expect(await s.listSnapshots(b, 100)).toHaveLength(3);
      });

      it("drops snapshots older than the tenant's changes retention, on put and on prune", async () => {
        const [a, b] = [newTenant(), newTenant()];
        const now = Date.now();
        const ago = (days: number) => new Date(now - days * DAY).toISOString();
        const s = await open(shared, { retention: (t) => (t === a ? { changes: { days: 30 }, calls: { days: 1 } } : { changes: { days: 1000 }, calls: { days: 1 } }), now: () => now });
        await store.putSnapshot(snap(a, { ts: ago(100) }));
        const kept = await store.putSnapshot(snap(a, { ts: ago(20) }));
        await store.putSnapshot(snap(b, { ts: ago(100) }));
        expect(await s.listSnapshots(a, 10)).toHaveLength(2);
        const fresh = await s.putSnapshot(snap(a, { ts: ago(0) }));
        // The calls retention (1 day) does not apply to snapshots: the 20-day-old one stays.
        expect((await s.listSnapshots(a, 10)).map((x) => x.id)).toEqual([fresh.id, kept.id]);
        expect(await s.listSnapshots(b, 10)).toHaveLength(1);
        await store.prune(b, { changes: { days: 10 }, calls: {} }, now);
        expect(await store.listSnapshots(b, 10)).toEqual([]);
      });

      it(`refuses a snapshot over the size bound (${MAX_SNAPSHOT_BYTES / 1024 / 1024} MB by default), keeping nothing`, async () => {
        const a = newTenant();
        const s = await open(shared, { maxSnapshotBytes: 10_000 });
        const big = { fields: [{ name: 'cX', definition: { tooltip: 'x'.repeat(20_000) } }] };
        const err = await s.putSnapshot(snap(a, { data: big })).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SnapshotTooLargeError);
        expect((err as Error).message).toMatch(/0\.02 MB of JSON; the store keeps snapshots up to 0\.01 MB, so it was not kept/);
        expect(await s.listSnapshots(a, 10)).toEqual([]);
        // The default bound: a 6 MB customization is refused, a 1 MB one kept.
        const huge = { blob: 'y'.repeat(6 * 1024 * 1024) };
        await expect(store.putSnapshot(snap(a, { data: huge }))).rejects.toThrow(/6\.0 MB of JSON; the store keeps snapshots up to 5\.0 MB/);
        const ok = await store.putSnapshot(snap(a, { data: { blob: 'z'.repeat(1024 * 1024) } }));
        expect(((await store.getSnapshot(ok.id, a))!.data as { blob: string }).blob).toHaveLength(1024 * 1024);
      });
    });

    describe('one-time keys', () => {
      it('uses a key once, on this store and on another instance of it', async () => {
        const other = await open();
        const k1 = `once_${randomBytes(6).toString('hex')}`;
        const k2 = `once_${randomBytes(6).toString('hex')}`;
        const exp = Date.now() + 600_000;
        expect(await store.useOnce(k1, exp)).toBe(true);
        expect(await store.useOnce(k1, exp)).toBe(false);
        expect(await other.useOnce(k1, exp)).toBe(false);
        expect(await other.useOnce(k2, exp)).toBe(true);
        expect(await store.useOnce(k2, exp)).toBe(false);
        expect(await other.useOnce(k2, exp)).toBe(false);
      });

      it('gives exactly one true to 20 concurrent uses of one key across two instances', async () => {
        const other = await open();
        for (let round = 0; round < 3; round++) {
          const key = `race_${randomBytes(6).toString('hex')}`;
          const got = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).useOnce(key, Date.now() + 600_000)));
          expect(got.filter(Boolean)).toHaveLength(1);
        }
      });
    });

    describe('two instances at once', () => {
      it('keeps every line appended concurrently through two instances', async () => {
        const other = await open();
        const tenant = newTenant();
        const lines = Array.from({ length: 20 }, (_, i) => change(tenant, {}, { summary: `n${i}` }));
        await Promise.all(lines.map((l, i) => (i % 2 ? store : other).append(l)));
        expect((await store.read({ tenant })).map((e) => e.summary).sort()).toEqual(lines.map((l) => l.summary).sort());
        for (const l of lines) expect(await other.findChange(l.changeId!)).toBeDefined();
      });
    });

    describe('kept results', () => {
      it("keeps a result for its tenant until it expires, shared by every instance", async () => {
        const other = await open();
        const a = newTenant();
        const id = `res_${randomBytes(6).toString('hex')}`;
        const data = { pairs: [[1, 2]], label: 'Ünï\u2028code', nested: { n: null, ok: true } };
        await store.putResult(id, a, data, Date.now() + 600_000);
        expect(await store.getResult(id, a)).toEqual(data);
        expect(await other.getResult(id, a)).toEqual(data);
        expect(await store.getResult(id, newTenant())).toBeUndefined();
        expect(await store.getResult(`res_${randomBytes(6).toString('hex')}`, a)).toBeUndefined();

        await other.putResult(id, a, { replaced: true }, Date.now() + 600_000);
        expect(await store.getResult(id, a)).toEqual({ replaced: true });

        const expired = `res_${randomBytes(6).toString('hex')}`;
        await store.putResult(expired, a, data, Date.now() - 1);
        expect(await store.getResult(expired, a)).toBeUndefined();
        const soon = `res_${randomBytes(6).toString('hex')}`;
        await store.putResult(soon, a, data, Date.now() + 150);
        expect(await store.getResult(soon, a)).toEqual(data);
        await new Promise((r) => setTimeout(r, 300));
        expect(await store.getResult(soon, a)).toBeUndefined();
      });
    });

    describe('rate windows', () => {
      it('counts calls per tenant and window, reports the previous window, shared across instances', async () => {
        const other = await open();
        const a = newTenant();
        const b = newTenant();
        const w = 60_000;
        const start = Math.floor(Date.now() / w) * w;
        expect(await store.countCall(a, start, w)).toEqual({ current: 1, previous: 0 });
        expect(await store.countCall(a, start, w)).toEqual({ current: 2, previous: 0 });
        expect(await other.countCall(a, start, w)).toEqual({ current: 3, previous: 0 });
        expect(await store.countCall(b, start, w)).toEqual({ current: 1, previous: 0 });
        expect(await other.countCall(a, start + w, w)).toEqual({ current: 1, previous: 3 });
        expect(await store.countCall(a, start + w, w)).toEqual({ current: 2, previous: 3 });
        expect(await store.countCall(a, start + 3 * w, w)).toEqual({ current: 1, previous: 0 });
      });

      it('counts concurrent calls from two instances exactly', async () => {
        const other = await open();
        const a = newTenant();
        const w = 1_000;
        const start = 5_000_000;
        const got = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? store : other).countCall(a, start, w)));
        expect(got.map((g) => g.current).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      });
    });

    describe('shared keys', () => {
      it('makes a 32-byte key once, the same for every instance and after reopening', async () => {
        const name = `key_${randomBytes(6).toString('hex')}`;
        const k = await store.sharedKey(name);
        expect(k).toBeInstanceOf(Buffer);
        expect(k).toHaveLength(32);
        expect((await store.sharedKey(name)).equals(k)).toBe(true);
        const other = await open();
        expect((await other.sharedKey(name)).equals(k)).toBe(true);
        const another = await store.sharedKey(`${name}_2`);
        expect(another).toHaveLength(32);
        expect(another.equals(k)).toBe(false);
      });

      it('keeps the key when the store is closed and opened again', async () => {
        // A place of its own: the only connection to it is closed before reopening.
        const place = await engine.place();
        const first = await open(place);
        const k = await first.sharedKey('confirm');
        await close(first);
        const reopened = await open(place);
        expect((await reopened.sharedKey('confirm')).equals(k)).toBe(true);
      });

      it('gives every instance the same key when they all ask at once the first time', async () => {
        const other = await open();
        const name = `key_${randomBytes(6).toString('hex')}`;
        const keys = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other).sharedKey(name)));
        expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(1);
        expect(keys[0]).toHaveLength(32);
      });
    });

    describe('migrations', () => {
      const versions = async (sql: Sql) => (await sql.all<{ version: number }>('SELECT version FROM store_migrations ORDER BY version')).map((r) => Number(r.version));

      it('applies every migration once; reopening applies nothing and keeps the data', async () => {
        const place = await engine.place();
        const s = await open(place);
        const c = change(newTenant());
        await s.append(c);
        await close(s);
        const sql = await place.sql();
        try {
          expect(await versions(sql)).toEqual(MIGRATIONS.map((m) => m.version));
          expect(await migrate(sql)).toEqual([]);
          expect(await versions(sql)).toEqual(MIGRATIONS.map((m) => m.version));
        } finally {
          await sql.close();
        }
        const again = await open(place);
        expect(await again.findChange(c.changeId!)).toBeDefined();
      });

      it('lets two instances open a fresh store at once', async () => {
        const place = await engine.place();
        const [sqlA, sqlB] = [await place.sql(), await place.sql()];
        const [a, b] = await Promise.all([SqlStore.open(sqlA, place.location), SqlStore.open(sqlB, place.location)]);
        opened.push(a, b);
        const c = change(newTenant());
        await a.append(c);
        expect(await b.findChange(c.changeId!)).toBeDefined();
        const sql = await place.sql();
        try {
          expect(await versions(sql)).toEqual(MIGRATIONS.map((m) => m.version));
        } finally {
          await sql.close();
        }
      });

      it('refuses a store migrated by a newer version, saying to upgrade, and closes the connection', async () => {
        const place = await engine.place();
        const sql = await place.sql();
        await migrate(sql);
        await sql.run('INSERT INTO store_migrations (version, name, applied_ms) VALUES (?, ?, ?)', [LATEST_VERSION + 1, 'from the future', Date.now()]);
        await sql.close();
        const next = await place.sql();
        await expect(SqlStore.open(next, place.location)).rejects.toThrow(new RegExp(`newer.*schema version ${LATEST_VERSION + 1}.*upgrade`, 's'));
        await expect(next.all('SELECT 1')).rejects.toThrow();
      });
    });

    describe('importJsonl', () => {
      let dir: string;
      beforeAll(() => {
        dir = mkdtempSync(path.join(os.tmpdir(), 'store-import-'));
      });
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      /** A line as the first version wrote it: JSON.stringify, U+2028 and all, unescaped. */
      const legacy = (e: Record<string, unknown>) => `${JSON.stringify(e)}\n`;

      it('an export imported back into its own store adds nothing, lines without a changeId included', async () => {
        const tenant = newTenant();
        const s = await open();
        await s.append(change(tenant));
        await s.append(call(tenant, { summary: 'refused once' }));
        await s.append(call(tenant, { summary: 'refused twice' }));
        const file = path.join(dir, `export-${tenant}.jsonl`);
        const lines: string[] = [];
        await s.each({ tenant }, (e) => void lines.push(jsonLine(e)));
        writeFileSync(file, `${lines.join('\n')}\n`);
        expect(await s.importJsonl(file)).toEqual({ imported: 0, skipped: 3 });
        expect(await s.read({ tenant })).toHaveLength(3);
      });

      it("imports the first version's audit.jsonl once: changes findable, undos marked, torn and foreign lines skipped", async () => {
        const tenant = newTenant();
        const c1 = `chg_${Date.now().toString(36)}_aaaa0001`;
        const c2 = `chg_${Date.now().toString(36)}_aaaa0002`;
        const u1 = `chg_${Date.now().toString(36)}_aaaa0003`;
        const label = 'Secteur d’activité ✓ "quoted" 😀';
        const file = path.join(dir, `audit-${tenant}.jsonl`);
        writeFileSync(
          file,
          legacy({
            ts: '2026-11-01T10:00:00.000Z',
            changeId: c1,
            tenant,
            principal: 'local',
            tool: 'edit_layout',
            args: {},
            outcome: 'applied',
            change: { kind: 'layout', entity: 'Lead', layout: 'list', before: [], after: [{ name: 'cSecteur', label }] },
          }) +
            legacy({ ts: '2026-11-01T10:01:00.000Z', tenant, principal: 'local', tool: 'create_custom_field', args: { junk: 'q'.repeat(3_900_000) }, outcome: 'refused', summary: 'refused', error: 'bad' }) +
            'this is not JSON\n' +
            legacy({ foo: 1 }) +
            legacy({
              ts: '2026-11-01T10:02:00.000Z',
              changeId: c2,
              tenant,
              principal: 'local',
              tool: 'create_custom_field',
              args: { name: 'secteur', confirm: 'abcdef0123456789' },
              outcome: 'applied',
              summary: 'created cSecteur',
              change: { kind: 'field_create', entity: 'Lead', field: 'cSecteur', before: null, after: { type: 'enum', options: ['A', label] } },
            }) +
            legacy({
              ts: '2026-11-01T10:03:00.000Z',
              changeId: u1,
              tenant,
              principal: 'local',
              tool: 'undo_change',
              args: { changeId: c1 },
              outcome: 'applied',
              change: { kind: 'undo', entity: 'Lead', layout: 'list', before: [{ name: 'cSecteur', label }], after: [], undoes: c1 },
            }) +
            '{"ts":"2026-11-01T10:04:00.000Z","changeId":"chg_torn","tenant":"t","princ',
        );

        expect(await store.importJsonl(file)).toEqual({ imported: 4, skipped: 3 });
        const first = await store.findChange(c1);
        expect(first).toMatchObject({ ts: '2026-11-01T10:00:00.000Z', tenant, principal: 'local', tool: 'edit_layout', outcome: 'applied', undoneBy: u1 });
        expect(first!.change!.after).toEqual([{ name: 'cSecteur', label }]);
        const second = await store.findChange(c2);
        expect(second!.change).toEqual({ kind: 'field_create', entity: 'Lead', field: 'cSecteur', before: null, after: { type: 'enum', options: ['A', label] } });
        expect(second!.undoneBy).toBeUndefined();
        expect(await store.findChange('chg_torn')).toBeUndefined();
        const lines = await store.read({ tenant });
        expect(lines.map((e) => e.ts)).toEqual(['2026-11-01T10:00:00.000Z', '2026-11-01T10:01:00.000Z', '2026-11-01T10:02:00.000Z', '2026-11-01T10:03:00.000Z']);
        // Imported lines are bounded like appended ones.
        expect(Buffer.byteLength(JSON.stringify(lines[1]!.args))).toBeLessThanOrEqual(MAX_ARGS_BYTES);
        expect(ids(await store.recentChanges(tenant, 10))).toEqual([u1, c2, c1]);

        // Again: nothing new, on this instance and on another.
        expect((await store.importJsonl(file)).imported).toBe(0);
        const other = await open();
        expect((await other.importJsonl(file)).imported).toBe(0);
        expect(await store.read({ tenant })).toHaveLength(4);

        // A line appended since (the first version ended a torn line before writing the next): only it is imported.
        const c3 = `chg_${Date.now().toString(36)}_aaaa0004`;
        appendFileSync(file, `\n${legacy({ ts: '2026-11-02T09:00:00.000Z', changeId: c3, tenant, principal: 'local', tool: 'edit_layout', args: {}, outcome: 'applied', change: { kind: 'layout', entity: 'Lead', layout: 'detail', before: [], after: [] } })}`);
        expect((await other.importJsonl(file)).imported).toBe(1);
        expect((await store.importJsonl(file)).imported).toBe(0);
        expect(await store.read({ tenant })).toHaveLength(5);
        expect(await store.findChange(c3)).toBeDefined();
      });

      it('imports a line holding a raw U+2028 or U+2029 as one line (the first version did not escape them)', async () => {
        const tenant = newTenant();
        const changeId = `chg_${Date.now().toString(36)}_bbbb0001`;
        const label = 'Secteur\u2028d’activité\u2029(NEL\u0085)';
        const file = path.join(dir, `audit-separators-${tenant}.jsonl`);
        const line = legacy({
          ts: '2026-11-01T10:00:00.000Z',
          changeId,
          tenant,
          principal: 'local',
          tool: 'edit_layout',
          args: {},
          outcome: 'applied',
          change: { kind: 'layout', entity: 'Lead', layout: 'list', before: [{ name: 'cSecteur', label }], after: [] },
        });
        expect(line).toContain('\u2028');
        writeFileSync(file, line + legacy({ ts: '2026-11-01T10:01:00.000Z', tenant, principal: 'local', tool: 'edit_layout', args: { label }, outcome: 'refused' }));
        expect(await store.importJsonl(file)).toEqual({ imported: 2, skipped: 0 });
        expect((await store.findChange(changeId))?.change?.before).toEqual([{ name: 'cSecteur', label }]);
      });

      it('bounds the summary and error of imported lines like appended ones', async () => {
        const tenant = newTenant();
        const file = path.join(dir, `audit-notes-${tenant}.jsonl`);
        writeFileSync(file, legacy({ ts: '2026-11-01T10:00:00.000Z', tenant, principal: 'local', tool: 'rebuild', args: {}, outcome: 'failed', summary: 's'.repeat(50_000), error: `<html>${'e'.repeat(100_000)}</html>` }));
        expect((await store.importJsonl(file)).imported).toBe(1);
        const [line] = await store.read({ tenant });
        expect(line!.summary!.length).toBeLessThan(MAX_NOTE + 100);
        expect(line!.error!.length).toBeLessThan(MAX_NOTE + 100);
      });

      it('fails on a file that does not exist', async () => {
        await expect(store.importJsonl(path.join(dir, 'missing.jsonl'))).rejects.toThrow();
      });
    });

    describe('each and read', () => {
      it('give one tenant\'s lines oldest first, every one once, past a page of 1000', async () => {
        const a = newTenant();
        const b = newTenant();
        for (let i = 0; i < 1003; i++) {
          await store.append(call(a, { args: { i } }));
          if (i % 100 === 0) await store.append(call(b, { args: { i } }));
        }
        const got: number[] = [];
        const n = await store.each({ tenant: a }, (e) => {
          expect(e.tenant).toBe(a);
          got.push(e.args.i as number);
        });
        expect(n).toBe(1003);
        expect(got).toEqual(Array.from({ length: 1003 }, (_, i) => i));
        const readB = await store.read({ tenant: b });
        expect(readB.map((e) => e.args.i)).toEqual(Array.from({ length: 11 }, (_, i) => i * 100));
        let awaited = 0;
        expect(
          await store.each({ tenant: b }, async () => {
            await new Promise((r) => setTimeout(r, 1));
            awaited++;
          }),
        ).toBe(11);
        expect(awaited).toBe(11);
      });

      it('read without a tenant gives every line, oldest first', async () => {
        const place = await engine.place();
        const s = await open(place);
        const [a, b] = [newTenant(), newTenant()];
        const lines = [call(a, { summary: '1' }), change(b, {}, { summary: '2' }), call(b, { summary: '3' }), change(a, {}, { summary: '4' })];
        for (const l of lines) await s.append(l);
        expect((await s.read()).map((e) => e.summary)).toEqual(['1', '2', '3', '4']);
        expect((await s.read({ tenant: a })).map((e) => e.summary)).toEqual(['1', '4']);
        const seen: string[] = [];
        expect(await s.each({}, (e) => void seen.push(e.tenant))).toBe(4);
        expect(seen).toEqual([a, b, b, a]);
      });
    });
  });
});
