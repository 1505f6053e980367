/**
 * The embedded engine: one SQLite file in the state folder, in WAL mode so several server processes
 * (one per MCP client on a desktop) share it. `node:sqlite` where the Node version has it (22.13+),
 * else `better-sqlite3` (12.x, an optional dependency built at install). Both are synchronous: each
 * call is one indexed statement, and a lock keeps one transaction at a time on the connection.
 */
import { chmodSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Mutex, type Sql, type SqlValue } from './sql.js';

interface Statement {
  all(...params: SqlValue[]): unknown[];
  run(...params: SqlValue[]): { changes: number | bigint };
}

interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  close(): void;
}

/** The driver in use, for `doctor`-style messages and tests. */
export type SqliteDriver = 'node:sqlite' | 'better-sqlite3';

async function loadNodeSqlite(): Promise<((file: string) => Database) | undefined> {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 13)) return undefined;
  // node:sqlite prints an ExperimentalWarning when loaded: not ours to show on the user's stderr.
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/sqlite/i.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    // A specifier in a variable: Node 20's type declarations have no node:sqlite (the version is checked above).
    const specifier = 'node:sqlite';
    const mod = (await import(specifier)) as { DatabaseSync: new (file: string) => Database };
    return (file) => new mod.DatabaseSync(file);
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emit;
  }
}

function loadBetterSqlite(): ((file: string) => Database) | undefined {
  try {
    const require = createRequire(import.meta.url);
    const Ctor = require('better-sqlite3') as new (file: string) => Database;
    return (file) => new Ctor(file);
  } catch {
    return undefined;
  }
}

/** The path a file is known by in this process (symbolic links resolved where the file exists). */
function canonicalPath(file: string): string {
  const abs = path.resolve(file);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return path.join(realpathSync(path.dirname(abs)), path.basename(abs));
    } catch {
      return abs;
    }
  }
}

/**
 * Owner-only: the store holds before-states of client CRMs and the confirm-token key. The folder is
 * tightened too when it is the store's own (the state folder), not a folder the operator chose.
 */
export function tightenPermissions(file: string, ownFolder = false): void {
  const dir = path.dirname(file);
  if (ownFolder && existsSync(dir) && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(f) && (statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
  }
}

/**
 * One connection per file and process, shared by every store opened on it: the drivers are
 * synchronous, so a second connection waiting for the first one's lock would block the very thread
 * that must release it.
 */
const shared = new Map<string, { sql: SqliteSql; refs: number }>();

export class SqliteSql implements Sql {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  private readonly lock = new Mutex();
  private inTx = false;
  private key?: string;

  private constructor(
    private readonly db: Database,
    readonly driver: SqliteDriver,
  ) {}

  static async open(file: string, opts: { driver?: SqliteDriver; ownFolder?: boolean } = {}): Promise<SqliteSql> {
    const key = file === ':memory:' ? undefined : canonicalPath(file);
    const existing = key ? shared.get(key) : undefined;
    if (existing) {
      existing.refs++;
      return existing.sql;
    }
    const sql = await SqliteSql.connect(file, opts);
    if (key) {
      sql.key = key;
      shared.set(key, { sql, refs: 1 });
    }
    return sql;
  }

  private static async connect(file: string, opts: { driver?: SqliteDriver; ownFolder?: boolean }): Promise<SqliteSql> {
    const nodeSqlite = opts.driver === 'better-sqlite3' ? undefined : await loadNodeSqlite();
    const better = nodeSqlite ? undefined : loadBetterSqlite();
    const open = nodeSqlite ?? better;
    if (!open) {
      throw new Error(
        `The embedded store needs SQLite: Node.js 22.13 or later has it built in (this is ${process.versions.node}); on Node 20, ` +
          'install the optional dependency better-sqlite3 (npm install better-sqlite3@12, which needs a C++ compiler), ' +
          'or configure a PostgreSQL store ("store": {"url": "env:ESPOCRM_MCP_DATABASE_URL"} in tenants.json).',
      );
    }
    if (file !== ':memory:') {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    }
    const db = open(file);
    const sql = new SqliteSql(db, nodeSqlite ? 'node:sqlite' : 'better-sqlite3');
    db.exec('PRAGMA busy_timeout = 10000');
    // On a new file, another process switching it to WAL at the same moment makes SQLite answer BUSY
    // without waiting (it would risk a deadlock): try again for a while.
    for (let attempt = 0; ; attempt++) {
      try {
        db.exec('PRAGMA journal_mode = WAL');
        break;
      } catch (err) {
        if (attempt >= 50 || !/locked|busy/i.test(err instanceof Error ? err.message : String(err))) throw err;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
      }
    }
    // FULL: a change is on disk before the tool answers (its before-state is what undo needs).
    db.exec('PRAGMA synchronous = FULL');
    if (file !== ':memory:') tightenPermissions(file, opts.ownFolder === true);
    return sql;
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private direct(): Sql {
    return {
      dialect: 'sqlite',
      all: async <T>(sql: string, params: SqlValue[] = []) => this.stmt(sql).all(...params) as T[],
      run: async (sql: string, params: SqlValue[] = []) => ({ changes: Number(this.stmt(sql).run(...params).changes) }),
      tx: (fn) => fn(this.direct()),
      close: () => this.close(),
    };
  }

  all<T = Record<string, unknown>>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return this.lock.run(async () => this.stmt(sql).all(...params) as T[]);
  }

  run(sql: string, params: SqlValue[] = []): Promise<{ changes: number }> {
    return this.lock.run(async () => ({ changes: Number(this.stmt(sql).run(...params).changes) }));
  }

  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      if (this.inTx) throw new Error('nested transaction');
      this.db.exec('BEGIN IMMEDIATE');
      this.inTx = true;
      try {
        const out = await fn(this.direct());
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      } finally {
        this.inTx = false;
      }
    });
  }

  async close(): Promise<void> {
    const entry = this.key ? shared.get(this.key) : undefined;
    if (entry && --entry.refs > 0) return;
    if (this.key) shared.delete(this.key);
    await this.lock.run(async () => {
      this.statements.clear();
      this.db.close();
    });
  }
}
