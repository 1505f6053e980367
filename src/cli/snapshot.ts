/**
 * `espocrm-admin-mcp snapshot [ID] [--all] [--json] [--concurrency N] [--config PATH]`: a snapshot of
 * each tenant's customization kept in the store serve uses (for a scheduler: one per tenant, tenants in
 * parallel a few at a time, exit code 1 when any failed), and `snapshot export SNAPSHOT_ID --tenant ID
 * [--out FILE] [--lang L]`: a kept snapshot as a blueprint (snapshotToBlueprint).
 * Output: one line per snapshot taken on stdout (`TENANT SNAPSHOT_ID`, for scripts), or the JSON with
 * --json; counts, failures and notes on stderr. The exported blueprint goes to stdout or --out.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, loadDotEnv } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { plainMarked, plainMarkedDeep } from '../core/fence.js';
import { snapshotToBlueprint } from '../core/blueprint/fromSnapshot.js';
import type { TenantCustomization } from '../core/blueprint/types.js';
import { describeError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { mapFleet } from '../reads/fleet.js';
import { openStore, type Store } from '../store/index.js';
import { LOCAL_PRINCIPAL } from '../tenants/policy.js';
import { TenantRegistry } from '../tenants/registry.js';
import { takeSnapshot } from '../tools/snapshot_tenant.js';
import { commandRunner } from './run.js';

/** Tenants snapshotted at once by default (each one's own reads are bounded by its `limits.concurrency`). */
export const SNAPSHOT_CONCURRENCY = 4;
/** A tenant's snapshot is abandoned after this long. */
const SNAPSHOT_TIMEOUT_MS = 300_000;

const CONFIG_HELP = 'tenants.json to use (else $ESPOCRM_MCP_CONFIG, else ./tenants.json, else the .env convention); its "store" says where snapshots are kept';

export interface SnapshotRow {
  tenant: string;
  ok: boolean;
  snapshotId?: string;
  takenAt?: string;
  fields?: number;
  layouts?: number;
  error?: string;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const defaultIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });

async function openConfigStore(io: Io, configPath: string | undefined) {
  loadDotEnv(io.cwd, io.env);
  const config = await loadConfig({ configPath, env: io.env, cwd: io.cwd });
  const store = await openStore(config, { env: io.env, noImport: true });
  return { config, store };
}

function parseConcurrency(raw: string | undefined): number {
  if (raw === undefined) return SNAPSHOT_CONCURRENCY;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new ConfigError(`--concurrency: expected a whole number from 1 to 32 (got "${raw}")`);
  return n;
}

export async function runSnapshot(io: Io, id: string | undefined, opts: { all?: boolean; json?: boolean; concurrency?: string; config?: string }): Promise<number> {
  if (id !== undefined && opts.all) throw new ConfigError(`give a tenant id or --all, not both (got "${id}" and --all)`);
  const concurrency = parseConcurrency(opts.concurrency);
  const { config, store } = await openConfigStore(io, opts.config);
  // Errors only: each tenant's failure is in its row.
  const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'error' });
  const registry = new TenantRegistry(config, { env: io.env, baseDir: config.baseDir ?? io.cwd, logger });
  try {
    const targets = id !== undefined ? [registry.resolve(id, LOCAL_PRINCIPAL)] : registry.visible(LOCAL_PRINCIPAL);
    const rows = await mapFleet(targets, { concurrency }, async (tenant): Promise<SnapshotRow> => {
      try {
        const snap = await takeSnapshot(tenant, { snapshots: store, history: store }, AbortSignal.timeout(SNAPSHOT_TIMEOUT_MS));
        return { tenant: tenant.id, ok: true, snapshotId: snap.id, takenAt: snap.ts, fields: snap.summary.fields, layouts: snap.summary.layouts };
      } catch (err) {
        return { tenant: tenant.id, ok: false, error: plainMarked(describeError(err)) };
      }
    });
    const failed = rows.filter((r) => !r.ok);
    if (opts.json) {
      const out = { at: new Date().toISOString(), summary: { total: rows.length, ok: rows.length - failed.length, failed: failed.length }, tenants: plainMarkedDeep(rows) };
      io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      for (const r of rows) if (r.ok) io.stdout.write(`${r.tenant} ${r.snapshotId}\n`);
      for (const r of rows) {
        io.stderr.write(r.ok ? `${r.tenant}: snapshot ${r.snapshotId}: ${r.fields} custom field(s), ${r.layouts} customized layout(s)\n` : `${r.tenant}: FAILED: ${r.error}\n`);
      }
    }
    io.stderr.write(`${rows.length - failed.length} of ${rows.length} tenant(s) snapshotted into the ${store.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'} store ${store.location}.\n`);
    return failed.length ? 1 : 0;
  } finally {
    await registry.close();
    await store.close();
  }
}

export async function runSnapshotExport(io: Io, snapshotId: string, opts: { tenant?: string; out?: string; lang?: string; name?: string; config?: string }): Promise<number> {
  if (!opts.tenant) throw new ConfigError('snapshot export needs --tenant ID: the tenant the snapshot was taken of');
  let store: Store | undefined;
  try {
    ({ store } = await openConfigStore(io, opts.config));
    const snap = await store.getSnapshot(snapshotId, opts.tenant);
    if (!snap) {
      const recent = (await store.listSnapshots(opts.tenant, 5)).map((s) => `${s.id} (${s.ts})`);
      throw new ConfigError(
        `no snapshot "${snapshotId}" of tenant "${opts.tenant}"` + (recent.length ? `; its newest: ${recent.join(', ')}` : `; the tenant has none: espocrm-admin-mcp snapshot ${opts.tenant} takes one`),
      );
    }
    const data = snap.data as TenantCustomization;
    if (!data || !Array.isArray(data.fields) || !Array.isArray(data.layouts)) throw new ConfigError(`snapshot "${snapshotId}" cannot be read; take a new one`);
    const { blueprint, notes } = snapshotToBlueprint(data, { ...(opts.lang ? { lang: opts.lang } : {}), ...(opts.name ? { name: opts.name } : {}) });
    const text = `${JSON.stringify(blueprint, null, 2)}\n`;
    if (opts.out) await writeFile(path.resolve(io.cwd, opts.out), text);
    else io.stdout.write(text);
    const fields = Object.values(blueprint.entities).reduce((n, e) => n + (e.fields?.length ?? 0), 0);
    io.stderr.write(`snapshot export: ${snapshotId} (${snap.ts}) as the blueprint "${blueprint.name}": ${fields} field(s)${opts.out ? ` in ${opts.out}` : ''}\n`);
    for (const n of notes) io.stderr.write(`note: ${n}\n`);
    return 0;
  } finally {
    await store?.close();
  }
}

/** Adds `snapshot [ID]` and `snapshot export` to the CLI. */
export function registerSnapshotCommands(program: Command, io: Io = defaultIo()): void {
  const run = commandRunner(io.stderr);
  const snapshot = program
    .command('snapshot')
    .description("keep a snapshot of tenants' customization (custom fields, labels, layouts) in the store; restore_snapshot puts one back")
    .argument('[id]', 'the tenant to snapshot (default: all)')
    .option('--all', 'every configured tenant (the default without an id)')
    .option('--json', 'print JSON (the snapshot ids and counts of each tenant)')
    .option('--concurrency <n>', `tenants read at once, 1 to 32 (default ${SNAPSHOT_CONCURRENCY})`)
    .option('--config <path>', CONFIG_HELP)
    .addHelpText(
      'after',
      '\nFor a scheduler: one snapshot per tenant, kept in the store serve uses (the newest 100 per tenant). Prints "TENANT SNAPSHOT_ID" per\n' +
        'snapshot taken on stdout; a tenant that cannot be read is reported on stderr and the exit code is then 1.\n' +
        'Example (cron, daily): espocrm-admin-mcp snapshot --all --config /etc/espocrm-mcp/tenants.json\n' +
        'Export one as a blueprint: espocrm-admin-mcp snapshot export SNAPSHOT_ID --tenant ID [--out FILE]',
    )
    .action((id: string | undefined, opts: { all?: boolean; json?: boolean; concurrency?: string; config?: string }) => run(() => runSnapshot(io, id, opts)));
  snapshot
    .command('export')
    .description('write a kept snapshot as a blueprint (its custom fields, labels and placements), for plan_blueprint / apply_blueprint')
    .argument('<snapshotId>', 'from snapshot_tenant or `snapshot`')
    .option('--tenant <id>', 'the tenant the snapshot was taken of (required)')
    .option('--out <file>', 'write the blueprint to this file instead of stdout')
    .option('--lang <code>', "labels in this language (default: the language the snapshot's labels were read in first)")
    .option('--name <name>', 'the blueprint\'s name (default: "<tenant>-snapshot")')
    .option('--config <path>', CONFIG_HELP)
    .action((snapshotId: string, opts: { tenant?: string; out?: string; lang?: string; name?: string; config?: string }) => run(() => runSnapshotExport(io, snapshotId, opts)));
}
