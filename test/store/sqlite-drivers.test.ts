/**
 * The embedded engine's two drivers (src/store/sqlite.ts): better-sqlite3 (Node 20; forced with
 * `driver: 'better-sqlite3'`) and node:sqlite (picked by default on Node 22.13+), each running the
 * store; the store file and its folder owner-only, tightened when looser; WAL, so two connections on
 * one file see each other's writes, in one process and across processes (several server processes, one
 * per MCP client on a desktop, share the file).
 */
import { MIGRATIONS } from '../../src/store/migrations.js';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { newChangeId } from '../../src/store/entry.js';
import { SqliteSql, type SqliteDriver } from '../../src/store/sqlite.js';
import { SqlStore } from '../../src/store/store.js';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const hasNodeSqlite = major > 22 || (major === 22 && minor >= 13);

/** Whether better-sqlite3 loads here: its native module is built for one Node ABI (Node 20's, here). */
function betterSqliteLoads(): boolean {
  try {
    const Ctor = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => { close(): void };
    new Ctor(':memory:').close();
    return true;
  } catch {
    return false;
  }
}
const hasBetterSqlite = betterSqliteLoads();
const execFileAsync = promisify(execFile);

const root = mkdtempSync(path.join(os.tmpdir(), 'store-sqlite-'));
let n = 0;
const newFile = () => path.join(root, `d${++n}`, 'state', 'store.sqlite');
const mode = (p: string) => statSync(p).mode & 0o777;

const toClose: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of toClose.splice(0)) await c.close().catch(() => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function openSql(file: string, driver?: SqliteDriver): Promise<SqliteSql> {
  const sql = await SqliteSql.open(file, driver ? { driver } : {});
  toClose.push(sql);
  return sql;
}

/** A short run of the store on one driver: every statement shape it uses (upserts, RETURNING, transactions). */
async function exerciseStore(sql: SqliteSql, file: string): Promise<void> {
  const store = await SqlStore.open(sql, file);
  const changeId = newChangeId();
  await store.append({ changeId, tenant: 'acme', principal: 'alice', tool: 'edit_layout', args: { entity: 'Lead', big: 'x'.repeat(100_000) }, outcome: 'applied', change: { kind: 'layout', entity: 'Lead', layout: 'list', before: ['a\u2028'], after: ['b'] } });
  const undoId = newChangeId();
  await store.append({ changeId: undoId, tenant: 'acme', principal: 'alice', tool: 'undo_change', args: { changeId }, outcome: 'applied', change: { kind: 'undo', entity: 'Lead', layout: 'list', before: ['b'], after: ['a\u2028'], undoes: changeId } });
  const found = await store.findChange(changeId);
  expect(found?.change?.before).toEqual(['a\u2028']);
  expect(found?.undoneBy).toBe(undoId);
  expect((await store.listChanges({ tenants: ['acme'], limit: 1 })).next).toEqual(expect.any(Number));
  expect(await store.useOnce('k', Date.now() + 60_000)).toBe(true);
  expect(await store.useOnce('k', Date.now() + 60_000)).toBe(false);
  expect(await store.countCall('acme', 60_000, 60_000)).toEqual({ current: 1, previous: 0 });
  expect(await store.countCall('acme', 60_000, 60_000)).toEqual({ current: 2, previous: 0 });
  expect(await store.countCall('acme', 120_000, 60_000)).toEqual({ current: 1, previous: 2 });
  expect(await store.sharedKey('confirm')).toHaveLength(32);
  await store.putResult('r1', 'acme', { a: 1 }, Date.now() + 60_000);
  expect(await store.getResult('r1', 'acme')).toEqual({ a: 1 });
  expect(await store.prune('acme', { changes: { count: 1 }, calls: {} })).toBe(1);
  expect(await store.read()).toHaveLength(1);
  await store.close();
}

describe('the SQLite drivers', () => {
  // First in the file: a module warns once, when first loaded.
  it('never prints node:sqlite\'s experimental warning', async () => {
    const seen: string[] = [];
    const onWarning = (w: Error) => seen.push(w.message);
    process.on('warning', onWarning);
    try {
      await openSql(newFile());
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(seen.filter((m) => /sqlite/i.test(m))).toEqual([]);
  });
  it.skipIf(!hasBetterSqlite)('runs the store on better-sqlite3 when asked for', async () => {
    const file = newFile();
    const sql = await openSql(file, 'better-sqlite3');
    expect(sql.driver).toBe('better-sqlite3');
    expect(sql.dialect).toBe('sqlite');
    await exerciseStore(sql, file);
  });

  it.skipIf(!hasNodeSqlite)('picks node:sqlite by default on Node 22.13 and later, and runs the store on it', async () => {
    const file = newFile();
    const sql = await openSql(file);
    expect(sql.driver).toBe('node:sqlite');
    await exerciseStore(sql, file);
  });

  it.skipIf(hasNodeSqlite || !hasBetterSqlite)('picks better-sqlite3 by default before Node 22.13', async () => {
    const sql = await openSql(newFile());
    expect(sql.driver).toBe('better-sqlite3');
  });

  it.skipIf(!hasNodeSqlite || !hasBetterSqlite)('reads with one driver what the other wrote', async () => {
    const file = newFile();
    const a = await SqlStore.open(await openSql(file, 'better-sqlite3'), file);
    const changeId = newChangeId();
    await a.append({ changeId, tenant: 't', principal: 'p', tool: 'edit_layout', args: {}, outcome: 'applied', change: { kind: 'layout', entity: 'Lead', layout: 'list', before: [1], after: [2] } });
    const b = await SqlStore.open(await openSql(file), file);
    expect((await b.findChange(changeId))?.change?.before).toEqual([1]);
  });

});

describe('permissions', () => {
  it('creates the folder 0700 and the store file 0600 (and its WAL files)', async () => {
    const file = newFile();
    const sql = await openSql(file);
    const store = await SqlStore.open(sql, file);
    await store.append({ tenant: 't', principal: 'p', tool: 'x', args: {}, outcome: 'refused' });
    expect(mode(path.dirname(file))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) expect(mode(f), f).toBe(0o600);
    await store.close();
  });

  it('tightens a looser existing folder, store file and WAL files on open', async () => {
    const file = newFile();
    const first = await openSql(file);
    await SqlStore.open(first, file);
    await first.close();
    const dir = path.dirname(file);
    chmodSync(dir, 0o755);
    chmodSync(file, 0o644);
    for (const f of [`${file}-wal`, `${file}-shm`]) writeFileSync(f, '', { flag: 'a' });
    for (const f of [`${file}-wal`, `${file}-shm`]) chmodSync(f, 0o666);
    const sql = await SqliteSql.open(file, { ownFolder: true });
    expect(mode(dir)).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) expect(mode(f), f).toBe(0o600);
    const store = await SqlStore.open(sql, file);
    expect(await store.read()).toEqual([]);
  });

  it('leaves a folder the operator chose as it is (only the state folder is the store\'s own)', async () => {
    const file = newFile();
    mkdirSync(path.dirname(file), { recursive: true });
    chmodSync(path.dirname(file), 0o755);
    await (await SqliteSql.open(file)).close();
    expect(mode(path.dirname(file))).toBe(0o755);
    expect(mode(file)).toBe(0o600);
  });

  it('leaves an already tight folder alone, and tightens only the store file\'s own folder', async () => {
    const file = newFile();
    const parent = path.dirname(path.dirname(file));
    mkdirSync(parent, { recursive: true });
    chmodSync(parent, 0o755);
    await openSql(file);
    expect(mode(path.dirname(file))).toBe(0o700);
    expect(mode(parent)).toBe(0o755);
  });
});

describe('two connections on one file (WAL)', () => {
  it('in one process: each sees what the other wrote, and closing one leaves the other usable', async () => {
    const file = newFile();
    const a = await SqliteSql.open(file);
    const b = await SqliteSql.open(file);
    toClose.push(b);
    expect((await a.all<{ journal_mode: string }>('PRAGMA journal_mode'))[0]?.journal_mode).toBe('wal');
    await a.run('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    await a.run('INSERT INTO notes (body) VALUES (?)', ['from a']);
    expect(await b.all('SELECT body FROM notes')).toEqual([{ body: 'from a' }]);
    await b.tx(async (t) => {
      await t.run('INSERT INTO notes (body) VALUES (?)', ['from b, 1']);
      await t.run('INSERT INTO notes (body) VALUES (?)', ['from b, 2']);
    });
    expect((await a.all<{ body: string }>('SELECT body FROM notes ORDER BY id')).map((r) => r.body)).toEqual(['from a', 'from b, 1', 'from b, 2']);
    await a.close();
    expect(await b.all('SELECT COUNT(*) AS n FROM notes')).toEqual([{ n: 3 }]);
  });

  it('a transaction that fails leaves nothing, and the connection stays usable', async () => {
    const file = newFile();
    const a = await openSql(file);
    const b = await openSql(file);
    await a.run('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    await expect(
      a.tx(async (t) => {
        await t.run('INSERT INTO notes (body) VALUES (?)', ['gone']);
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    expect(await b.all('SELECT body FROM notes')).toEqual([]);
    await a.run('INSERT INTO notes (body) VALUES (?)', ['kept']);
    expect(await b.all('SELECT body FROM notes')).toEqual([{ body: 'kept' }]);
  });

  it('in two processes: each sees what the other wrote, while both are open', async () => {
    const file = newFile();
    const sql = await openSql(file);
    await sql.run('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    await sql.run('INSERT INTO notes (body) VALUES (?)', ['from the test']);
    const [child] = await replicas(file, [
      { mode: 'sql', ops: [{ fn: 'all', args: ['SELECT body FROM notes'] }, { fn: 'run', args: ['INSERT INTO notes (body) VALUES (?)', ['from the child']] }] },
    ]);
    expect(child!.result[0]).toEqual([{ body: 'from the test' }]);
    expect((await sql.all<{ body: string }>('SELECT body FROM notes ORDER BY id')).map((r) => r.body)).toEqual(['from the test', 'from the child']);
    expect(child!.driver).toBe(hasNodeSqlite ? 'node:sqlite' : 'better-sqlite3');
  });
});

describe('stores in several processes on one file', () => {
  it('share one-time keys, rate windows and the shared key, used at once', async () => {
    const file = newFile();
    const own = await SqlStore.open(await openSql(file), file);
    const startAt = Date.now() + 1_500;
    const ops = [
      { fn: 'useOnce', args: ['token-1', Date.now() + 600_000] },
      { fn: 'sharedKey', args: ['confirm'] },
      { fn: 'countCall', args: ['acme', 60_000, 60_000] },
    ];
    const children = replicas(file, Array.from({ length: 3 }, () => ({ mode: 'store' as const, ops, startAt })));
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
    const mine = [await own.useOnce('token-1', Date.now() + 600_000), (await own.sharedKey('confirm')).toString('hex'), await own.countCall('acme', 60_000, 60_000)];
    const results = [mine, ...(await children).map((c) => c.result)];
    expect(results.filter((r) => r[0] === true)).toHaveLength(1);
    expect(new Set(results.map((r) => r[1])).size).toBe(1);
    expect(String(results[0]![1])).toMatch(/^[0-9a-f]{64}$/);
    expect(results.map((r) => (r[2] as { current: number }).current).sort()).toEqual([1, 2, 3, 4]);
  });

  it('six processes opening one fresh file at once all open it (five rounds)', async () => {
    const failures: string[] = [];
    for (let round = 0; round < 5; round++) {
      const file = newFile();
      const startAt = Date.now() + 1_000;
      const got = await replicas(
        file,
        Array.from({ length: 6 }, () => ({ mode: 'store' as const, ops: [{ fn: 'useOnce', args: ['k', Date.now() + 600_000] }], startAt })),
        { settle: true },
      );
      for (const g of got) if ('error' in g) failures.push(g.error);
      expect(got.filter((g) => 'result' in g && g.result[0] === true).length).toBeLessThanOrEqual(1);
      const sql = await openSql(file);
      expect(await sql.all('SELECT version FROM store_migrations ORDER BY version')).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    }
    expect(failures).toEqual([]);
  });

  it('a change recorded by one process is found, and marked undone, by another', async () => {
    const file = newFile();
    const changeId = newChangeId();
    const undoId = newChangeId();
    const changeLine = { changeId, tenant: 'acme', principal: 'alice', tool: 'edit_layout', args: {}, outcome: 'applied', change: { kind: 'layout', entity: 'Lead', layout: 'list', before: ['a'], after: ['b'] } };
    await replicas(file, [{ mode: 'store', ops: [{ fn: 'append', args: [changeLine] }] }]);
    const own = await SqlStore.open(await openSql(file), file);
    expect((await own.findChange(changeId))?.change?.before).toEqual(['a']);
    await own.append({ changeId: undoId, tenant: 'acme', principal: 'alice', tool: 'undo_change', args: { changeId }, outcome: 'applied', change: { kind: 'undo', entity: 'Lead', layout: 'list', before: ['b'], after: ['a'], undoes: changeId } });
    const [child] = await replicas(file, [{ mode: 'store', ops: [{ fn: 'findChange', args: [changeId] }] }]);
    expect((child!.result[0] as { undoneBy?: string }).undoneBy).toBe(undoId);
  });
});

/**
 * Other processes on the store file: src/store transpiled (TypeScript's transpileModule, no type check)
 * into a folder of its own, and a small script that opens it, waits for `startAt` so several start
 * together, runs `ops` on a SqlStore (`mode: 'store'`) or a bare SqliteSql (`mode: 'sql'`) and prints
 * the results.
 */
interface ReplicaJob {
  mode: 'store' | 'sql';
  ops: Array<{ fn: string; args: unknown[] }>;
  startAt?: number;
}

let replicaScript: Promise<string> | undefined;

async function buildReplica(): Promise<string> {
  const { default: ts } = await import('typescript');
  const repo = path.resolve(import.meta.dirname, '../..');
  const out = path.join(root, 'replica');
  const todo = ['src/store/store.ts', 'src/store/sqlite.ts'];
  const done = new Set<string>();
  while (todo.length > 0) {
    const rel = todo.pop()!;
    if (done.has(rel)) continue;
    done.add(rel);
    const source = readFileSync(path.join(repo, rel), 'utf8');
    for (const m of source.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) todo.push(path.posix.join(path.posix.dirname(rel), `${m[1]}.ts`));
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    mkdirSync(path.join(out, path.dirname(rel)), { recursive: true });
    writeFileSync(path.join(out, rel.replace(/\.ts$/, '.js')), js);
  }
  writeFileSync(path.join(out, 'package.json'), '{"type": "module"}');
  const script = path.join(out, 'replica.js');
  writeFileSync(
    script,
    `import { SqliteSql } from './src/store/sqlite.js';
import { SqlStore } from './src/store/store.js';
const [file, jobText] = process.argv.slice(2);
const job = JSON.parse(jobText);
if (job.startAt) await new Promise((r) => setTimeout(r, Math.max(0, job.startAt - Date.now())));
const sql = await SqliteSql.open(file);
const target = job.mode === 'store' ? await SqlStore.open(sql, file) : sql;
const result = [];
for (const op of job.ops) {
  const r = await target[op.fn](...op.args);
  result.push(Buffer.isBuffer(r) ? r.toString('hex') : r ?? null);
}
await target.close();
process.stdout.write(JSON.stringify({ driver: sql.driver, result }));
`,
  );
  return script;
}

async function replicas(file: string, jobs: ReplicaJob[]): Promise<Array<{ driver: string; result: unknown[] }>>;
async function replicas(file: string, jobs: ReplicaJob[], opts: { settle: true }): Promise<Array<{ driver: string; result: unknown[] } | { error: string }>>;
async function replicas(file: string, jobs: ReplicaJob[], opts: { settle?: boolean } = {}): Promise<Array<{ driver: string; result: unknown[] } | { error: string }>> {
  replicaScript ??= buildReplica();
  const script = await replicaScript;
  // better-sqlite3 is found from the script's folder (outside the repository) through NODE_PATH.
  const env = { ...process.env, NODE_PATH: path.resolve(import.meta.dirname, '../../node_modules') };
  return Promise.all(
    jobs.map(async (job) => {
      try {
        const { stdout } = await execFileAsync(process.execPath, [script, file, JSON.stringify(job)], { env, timeout: 30_000 });
        return JSON.parse(stdout) as { driver: string; result: unknown[] };
      } catch (err) {
        if (!opts.settle) throw err;
        return { error: String((err as { stderr?: string }).stderr || err).split('\n').find((l) => /Error/.test(l)) ?? String(err) };
      }
    }),
  );
}
