/**
 * Versioned schema migrations, applied at start in one transaction each (on PostgreSQL under an
 * advisory lock, so replicas starting together apply each once). Append new versions; never edit one
 * that has shipped.
 */
import type { Sql } from './sql.js';

interface Migration {
  version: number;
  name: string;
  /** Statements; `{{seq}}` is the auto-increment key of the dialect, `{{big}}` a 64-bit integer. */
  statements: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'audit trail, one-time tokens, kept results, rate windows, shared keys, imports',
    statements: [
      `CREATE TABLE audit (
        seq {{seq}},
        ts_ms {{big}} NOT NULL,
        tenant TEXT NOT NULL,
        change_id TEXT UNIQUE,
        is_change INTEGER NOT NULL,
        tool TEXT NOT NULL,
        principal TEXT NOT NULL,
        outcome TEXT NOT NULL,
        kind TEXT,
        entity TEXT,
        target TEXT,
        undoes TEXT,
        undone_by TEXT,
        import_key TEXT UNIQUE,
        entry TEXT NOT NULL
      )`,
      'CREATE INDEX audit_tenant_seq ON audit (tenant, is_change, seq)',
      'CREATE INDEX audit_tenant_all ON audit (tenant, seq)',
      'CREATE INDEX audit_target ON audit (tenant, entity, target, seq)',
      'CREATE INDEX audit_tool ON audit (tenant, tool, seq)',
      'CREATE INDEX audit_undoes ON audit (undoes)',
      'CREATE INDEX audit_time ON audit (tenant, ts_ms)',
      'CREATE TABLE once_keys (key TEXT PRIMARY KEY, expires_ms {{big}} NOT NULL)',
      'CREATE INDEX once_keys_expiry ON once_keys (expires_ms)',
      'CREATE TABLE results (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, expires_ms {{big}} NOT NULL, data TEXT NOT NULL)',
      'CREATE INDEX results_expiry ON results (expires_ms)',
      'CREATE TABLE rate_windows (tenant TEXT NOT NULL, window_ms {{big}} NOT NULL, calls INTEGER NOT NULL, PRIMARY KEY (tenant, window_ms))',
      'CREATE TABLE shared_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)',
      'CREATE TABLE imports (source TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, lines INTEGER NOT NULL, at_ms {{big}} NOT NULL)',
    ],
  },
  {
    version: 2,
    name: 'list_changes filtered by caller or outcome: indexed per tenant (the bench read a whole tenant, or the whole table, when nothing matched)',
    statements: ['CREATE INDEX audit_principal ON audit (tenant, principal, seq)', 'CREATE INDEX audit_outcome ON audit (tenant, outcome, seq)'],
  },
  {
    version: 3,
    name: 'health checks of the tenants (check_tenant, check_tenants, tenants check, serve --health-every)',
    statements: [
      `CREATE TABLE health (
        seq {{seq}},
        tenant TEXT NOT NULL,
        ts_ms {{big}} NOT NULL,
        status TEXT NOT NULL,
        version TEXT,
        latency_ms INTEGER,
        result TEXT NOT NULL
      )`,
      'CREATE INDEX health_tenant_time ON health (tenant, ts_ms)',
    ],
  },
  {
    version: 4,
    name: 'snapshots of the tenants\' customizations (snapshot_tenant, snapshot, restore_snapshot)',
    statements: [
      `CREATE TABLE snapshots (
        seq {{seq}},
        id TEXT NOT NULL UNIQUE,
        tenant TEXT NOT NULL,
        ts_ms {{big}} NOT NULL,
        site_url TEXT,
        version TEXT,
        summary TEXT NOT NULL,
        bytes {{big}} NOT NULL,
        data TEXT NOT NULL
      )`,
      'CREATE INDEX snapshots_tenant_time ON snapshots (tenant, ts_ms)',
    ],
  },
];

function dialectSql(sql: Sql, statement: string): string {
  return sql.dialect === 'postgres'
    ? statement.replace('{{seq}}', 'BIGSERIAL PRIMARY KEY').replaceAll('{{big}}', 'BIGINT')
    : statement.replace('{{seq}}', 'INTEGER PRIMARY KEY AUTOINCREMENT').replaceAll('{{big}}', 'INTEGER');
}

/** A number every replica agrees on, for pg_advisory_xact_lock. */
const LOCK_ID = 0x45_53_50_4f; // "ESPO"

/** Applies the migrations this store lacks; returns the versions applied. */
export async function migrate(sql: Sql): Promise<number[]> {
  await sql.run(`CREATE TABLE IF NOT EXISTS store_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms ${sql.dialect === 'postgres' ? 'BIGINT' : 'INTEGER'} NOT NULL)`).catch(async (err) => {
    // Two replicas creating it at once on PostgreSQL: one wins, the other finds it there.
    const rows = await sql.all("SELECT 1 FROM information_schema.tables WHERE table_name = 'store_migrations'").catch(() => []);
    if (rows.length === 0) throw err;
  });
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    await sql.tx(async (t) => {
      if (t.dialect === 'postgres') await t.all('SELECT pg_advisory_xact_lock(?)', [LOCK_ID]);
      const done = await t.all('SELECT version FROM store_migrations WHERE version = ?', [m.version]);
      if (done.length > 0) return;
      for (const s of m.statements) await t.run(dialectSql(t, s));
      await t.run('INSERT INTO store_migrations (version, name, applied_ms) VALUES (?, ?, ?)', [m.version, m.name, Date.now()]);
      applied.push(m.version);
    });
  }
  return applied;
}

/** The highest version this code knows: a store migrated by a newer version is refused. */
export const LATEST_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

export async function checkNotNewer(sql: Sql): Promise<void> {
  const rows = await sql.all<{ v: number | null }>('SELECT MAX(version) AS v FROM store_migrations');
  const v = Number(rows[0]?.v ?? 0);
  if (v > LATEST_VERSION) {
    throw new Error(`The store was migrated by a newer espocrm-admin-mcp (schema version ${v}; this one knows up to ${LATEST_VERSION}): upgrade this server, or point it at another store.`);
  }
}
