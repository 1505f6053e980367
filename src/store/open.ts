/**
 * Which store a server uses: PostgreSQL when tenants.json has `"store": {"url": "env:…"}` (a secret
 * reference: the URL holds a password), else an embedded SQLite file in the state folder. At first
 * start the first version's JSON Lines audit files are imported (idempotently).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveSecret } from '../secrets/resolve.js';
import type { ServerConfig } from '../config/types.js';
import { LazyStore } from './lazy.js';
import type { SqlStore } from './store.js';
import type { RetentionPolicy, Store } from './types.js';

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'espocrm-admin-mcp');
}

/** Where the first version wrote its audit log (imported at first start). */
export function defaultAuditPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'audit.jsonl');
}

export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'store.sqlite');
}

/** The embedded store's file: tenants.json's `store.path`, else the state folder's. */
function sqlitePathOf(config: Pick<ServerConfig, 'store'>, env: NodeJS.ProcessEnv): string {
  return config.store?.path ?? defaultStorePath(env);
}

export interface OpenStoreOptions {
  env?: NodeJS.ProcessEnv;
  /** Logs what the import did. */
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Skip the import of JSON Lines audit files. */
  noImport?: boolean;
}

/** The JSON Lines files of the first version's audit log, oldest first (rotated ones included). */
function legacyAuditFiles(file: string): string[] {
  return [5, 4, 3, 2, 1].map((i) => `${file}.${i}`).concat(file).filter((f) => existsSync(f));
}

export async function openStore(config: Pick<ServerConfig, 'store' | 'audit' | 'baseDir' | 'tenants'>, opts: OpenStoreOptions = {}): Promise<Store> {
  const env = opts.env ?? process.env;
  const byTenant = new Map(config.tenants.map((t) => [t.id, t.retention]));
  const retention = (tenant: string) => retentionOf(config.store?.retention, byTenant.get(tenant));
  // The engines are loaded by the first open (a store opened on use is not opened at start).
  const [{ SqliteSql }, { SqlStore }] = await Promise.all([import('./sqlite.js'), import('./store.js')]);
  let base: SqlStore;
  if (config.store?.url) {
    const url = await resolveSecret(config.store.url, { tenantId: 'store', field: 'url', env, ...(config.baseDir ? { baseDir: config.baseDir } : {}), label: 'the store\'s "url" (tenants.json "store")' });
    const { PostgresSql, describeDatabaseUrl } = await import('./postgres.js');
    base = await SqlStore.open(await PostgresSql.open(url), describeDatabaseUrl(url), { retention });
  } else {
    const file = sqlitePathOf(config, env);
    // The state folder is the store's own (tightened to 0700); a configured path's folder is the operator's.
    base = await SqlStore.open(await SqliteSql.open(file, { ownFolder: config.store?.path === undefined }), file, { retention });
  }
  if (!opts.noImport) {
    const legacy = config.audit?.path ?? defaultAuditPath(env);
    for (const f of legacyAuditFiles(legacy)) {
      try {
        const r = await base.importJsonl(f);
        if (r.imported > 0) opts.log?.info({ file: f, imported: r.imported, skipped: r.skipped }, 'imported audit lines into the store');
      } catch (err) {
        opts.log?.warn({ file: f, err: err instanceof Error ? err.message : String(err) }, 'could not import an audit file');
      }
    }
  }
  // Retention runs after a tenant's appends; at start too, so a quiet tenant's old lines go as well: in
  // the background, one tenant at a time, so neither the start nor the first calls wait for it.
  const ids = config.tenants.map((t) => t.id);
  void (async () => {
    for (const id of ids) {
      // A timer that does not keep the process alive: a one-off command exits without waiting for it.
      await new Promise<void>((r) => setTimeout(r, 0).unref());
      await base.prune(id, retention(id)).catch(() => 0);
    }
  })().catch(() => undefined);
  return base;
}

/**
 * The store `serve` uses: the embedded one opened by its first use (a `LazyStore`: the first answers
 * do not wait for SQLite), PostgreSQL at once (its URL, credentials and reachability are checked at
 * start, as before).
 */
export async function openStoreOnUse(config: Pick<ServerConfig, 'store' | 'audit' | 'baseDir' | 'tenants'>, opts: OpenStoreOptions = {}): Promise<Store> {
  if (config.store?.url) return openStore(config, opts);
  return new LazyStore('sqlite', sqlitePathOf(config, opts.env ?? process.env), () => openStore(config, opts));
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  changes: { days: 400 },
  calls: { days: 90, count: 5_000 },
};

export function retentionOf(global: Partial<RetentionPolicy> | undefined, tenant: Partial<RetentionPolicy> | undefined): RetentionPolicy {
  return {
    changes: { ...DEFAULT_RETENTION.changes, ...global?.changes, ...tenant?.changes },
    calls: { ...DEFAULT_RETENTION.calls, ...global?.calls, ...tenant?.calls },
  };
}
