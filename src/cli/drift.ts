/**
 * `espocrm-admin-mcp drift BLUEPRINT [--tenants a,b | all] [--json] [--concurrency N] [--config PATH]`:
 * which tenants differ from a blueprint (fleet_drift's report, src/reads/drift.ts), for a scheduler.
 * BLUEPRINT is a name from the blueprints folder (or a bundled one), or a path to a blueprint file.
 * Output on stdout: a table (a row per tenant, then each drifted tenant's differences), or the JSON
 * with --json; why a tenant could not be read is also said on stderr. Exit code: 0 when every tenant
 * read is in sync (skipped ones aside), 1 when one is drifted or unreachable (so a scheduler can
 * alert), 2 when the command could not run (a bad blueprint, an unknown tenant, a broken config).
 * Nothing is written, to the CRMs or the store.
 */
import type { Command } from 'commander';
import { loadBlueprint, readBlueprintFile, type LoadedBlueprint } from '../config/blueprints.js';
import { loadDotEnv } from '../config/dotenv.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { driftSummary } from '../core/blueprint/drift.js';
import { plainMarkedDeep } from '../core/fence.js';
import { createLogger } from '../log/logger.js';
import { driftFleet, schemaReadRefusal, type TenantDrift } from '../reads/drift.js';
import { DEFAULT_READ_CONCURRENCY, MAX_READ_CONCURRENCY } from '../reads/fleet.js';
import type { ServerConfig } from '../config/types.js';
import { LOCAL_PRINCIPAL } from '../tenants/policy.js';
import { TenantRegistry } from '../tenants/registry.js';
import { commandRunner } from './run.js';

/** Exit codes: a scheduler alerts on 1 (drift found, or a CRM that could not be read); 2 is a command that could not run. */
export const EXIT_IN_SYNC = 0;
export const EXIT_DRIFT = 1;
export const EXIT_ERROR = 2;

export interface DriftIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

interface DriftOptions {
  tenants?: string;
  json?: boolean;
  concurrency?: string;
  config?: string;
}

const CONFIG_HELP = 'tenants.json to use (else $ESPOCRM_MCP_CONFIG, else ./tenants.json, else the .env convention); its "blueprints" says where blueprints are';

export function registerDriftCommand(program: Command, io: DriftIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): void {
  program
    .command('drift')
    .description('say which tenants differ from a blueprint (nothing is written); exit code 1 when one is drifted or unreachable')
    .argument('<blueprint>', 'a blueprint name from the blueprints folder (e.g. transport), or a path to a blueprint file')
    .option('--tenants <ids>', 'comma-separated tenant ids, or "all" (the default)')
    .option('--json', 'print JSON (every tenant with its status and differences) instead of a table')
    .option('--concurrency <n>', `tenants read at once, 1 to ${MAX_READ_CONCURRENCY} (default ${DEFAULT_READ_CONCURRENCY})`)
    .option('--config <path>', CONFIG_HELP)
    .addHelpText(
      'after',
      '\nStatus per tenant: in_sync, drifted (what is missing or different, and conflicts), unreachable (it could not be read: the reason\n' +
        'is on stderr too), skipped (its tools.include/exclude does not allow fleet_drift or describe_entity).\n' +
        'Exit code: 0 all in sync, 1 a tenant drifted or unreachable, 2 the command could not run.\n' +
        'Example (cron, hourly): espocrm-admin-mcp drift transport --json --config /etc/espocrm-mcp/tenants.json > drift.json || alert',
    )
    .action((blueprint: string, opts: DriftOptions, cmd: Command) =>
      commandRunner(io.stderr, { failed: EXIT_ERROR })(() => runDrift(io, blueprint, { ...opts, config: opts.config ?? cmd.optsWithGlobals<{ config?: string }>().config })),
    );
}

function parseConcurrency(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_READ_CONCURRENCY;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_READ_CONCURRENCY) throw new ConfigError(`--concurrency: expected a whole number from 1 to ${MAX_READ_CONCURRENCY} (got "${raw}")`);
  return n;
}

/** The tenant ids of --tenants, or undefined for all. */
export function parseTenantsOption(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim().toLowerCase() === 'all' || raw.trim() === '*') return undefined;
  const ids = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) throw new ConfigError(`--tenants: expected tenant ids separated by commas, or "all" (got "${raw}")`);
  return [...new Set(ids)];
}

/** A name (the blueprints folder, then the bundled ones) or, when it looks like a path, that file. */
async function blueprintOf(ref: string, config: ServerConfig, cwd: string): Promise<LoadedBlueprint> {
  if (/[/\\]/.test(ref) || /\.json$/i.test(ref)) return readBlueprintFile(ref, cwd);
  return loadBlueprint(ref, config);
}

export async function runDrift(io: DriftIo, ref: string, opts: DriftOptions): Promise<number> {
  const only = parseTenantsOption(opts.tenants);
  const concurrency = parseConcurrency(opts.concurrency);
  loadDotEnv(io.cwd, io.env);
  const config = await loadConfig({ configPath: opts.config, env: io.env, cwd: io.cwd });
  if (config.configError !== undefined) throw new ConfigError(config.configError);
  const loaded = await blueprintOf(ref, config, io.cwd);
  // Errors only: what failed is in each tenant's row.
  const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'error' });
  const registry = new TenantRegistry(config, { env: io.env, baseDir: config.baseDir ?? io.cwd, logger });
  try {
    const named = only ? new Set(only.map((id) => registry.resolve(id, LOCAL_PRINCIPAL).id)) : undefined;
    const targets = registry.visible(LOCAL_PRINCIPAL).filter((t) => !named || named.has(t.id));
    const rows = (await driftFleet(targets, loaded.blueprint, {
      concurrency,
      skip: (t) => schemaReadRefusal(t, 'fleet_drift', LOCAL_PRINCIPAL, { readOnly: false }),
    }).then((r) => plainMarkedDeep(r))) as TenantDrift[];
    if (opts.json) io.stdout.write(`${JSON.stringify(driftJson(loaded, rows), null, 2)}\n`);
    else io.stdout.write(driftTable(loaded.name, rows));
    for (const r of rows) if (r.status === 'unreachable') io.stderr.write(`${r.tenant}: ${r.reason ?? 'could not be read'}\n`);
    return rows.some((r) => r.status === 'drifted' || r.status === 'unreachable') ? EXIT_DRIFT : EXIT_IN_SYNC;
  } finally {
    await registry.close();
  }
}

export function driftJson(loaded: LoadedBlueprint, rows: TenantDrift[]): Record<string, unknown> {
  return { at: new Date().toISOString(), blueprint: { name: loaded.name, origin: loaded.origin, source: loaded.source }, summary: driftSummary(rows), tenants: rows };
}

const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, ' ');

/** The table for people: a row per tenant (status, how many differences, the reason), then each drifted tenant's differences. */
export function driftTable(blueprint: string, rows: TenantDrift[]): string {
  const table = [
    ['TENANT', 'STATUS', 'DIFFERENCES', 'REASON'],
    ...rows.map((r) => [r.tenant, r.status, r.status === 'drifted' ? String(r.differences.length) : '-', oneLine(r.reason ?? '')]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  const s = driftSummary(rows);
  const details = rows.filter((r) => r.differences.length > 0).flatMap((r) => [`${r.tenant}:`, ...r.differences.map((d) => `  - ${oneLine(d.summary)}`)]);
  return [
    ...table.map((row) => row.map((c, col) => c.padEnd(widths[col]!)).join('  ').trimEnd()),
    `blueprint "${blueprint}", ${s.total} tenant(s): ${s.in_sync} in sync, ${s.drifted} drifted, ${s.unreachable} unreachable, ${s.skipped} skipped`,
    ...(details.length ? ['', ...details] : []),
    '',
  ].join('\n');
}
