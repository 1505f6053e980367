/**
 * `tenants usage [ID] [--all] [--months N] [--json | --csv]`: what each tenant uses, for billing
 * (src/reads/usage.ts). Tenants are read in parallel (a few at a time); a tenant that cannot be read
 * is a row with its error, and the exit code is 1 when any count failed. The table, the JSON and the
 * CSV are the command's output (stdout); what went wrong is also said on stderr.
 */
import type { Command } from 'commander';
import { loadDotEnv } from '../config/dotenv.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { plainMarked, plainMarkedDeep } from '../core/fence.js';
import { describeError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { DEFAULT_MONTHS, MAIN_ENTITIES, MAX_MONTHS, monthWindows, readTenantUsage, USER_TYPES, type TenantUsage, type UsageCount } from '../reads/usage.js';
import { LOCAL_PRINCIPAL } from '../tenants/policy.js';
import { TenantRegistry, type TenantContext } from '../tenants/registry.js';

/** Tenants read at once (each one's own counts are bounded by its `limits.concurrency`). */
export const TENANT_CONCURRENCY = 4;

export interface UsageIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

interface UsageOptions {
  all?: boolean;
  months?: string;
  json?: boolean;
  csv?: boolean;
  config?: string;
}

/** One tenant's line of the report: its usage, or the error that kept it from being read. */
export interface UsageRow {
  tenant: string;
  name: string;
  ok: boolean;
  /** What failed, when something did (the first failure, and how many counts are missing). */
  error?: string;
  usage?: TenantUsage;
}

const CONFIG_HELP = 'tenants.json to use (else $ESPOCRM_MCP_CONFIG, else ./tenants.json, else the .env convention)';

/** Adds `tenants usage` to the `tenants` command. */
export function registerTenantsUsage(tenants: Command, io: UsageIo, run: (action: () => Promise<number>) => Promise<void>): void {
  tenants
    .command('usage')
    .description('count active users by type, records per main entity and leads created per month (UTC), for billing')
    .argument('[id]', 'the tenant to count (default: all)')
    .option('--all', 'every configured tenant (the default without an id)')
    .option('--months <n>', `months of leads, the current one included, 1 to ${MAX_MONTHS} (default ${DEFAULT_MONTHS})`)
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV, one row per tenant (for billing)')
    .option('--config <path>', CONFIG_HELP)
    .addHelpText(
      'after',
      '\nUser counts need the tenant\'s admin login; without it the users columns stay empty and the records are still counted.\n' +
        'Months are calendar months in UTC. A tenant that cannot be read is a row with its error; the exit code is then 1.\n' +
        'Example: espocrm-admin-mcp tenants usage --all --months 12 --csv > usage.csv',
    )
    .action((id: string | undefined, opts: UsageOptions, cmd: Command) =>
      run(() => runUsage(io, id, { ...opts, config: cmd.optsWithGlobals<{ config?: string }>().config })),
    );
}

function parseMonths(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MONTHS;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_MONTHS) {
    throw new ConfigError(`--months: expected a whole number from 1 to ${MAX_MONTHS} (got "${raw}"), e.g. --months 12`);
  }
  return n;
}

async function runUsage(io: UsageIo, id: string | undefined, opts: UsageOptions): Promise<number> {
  if (id !== undefined && opts.all) throw new ConfigError(`give a tenant id or --all, not both (got "${id}" and --all)`);
  if (opts.json && opts.csv) throw new ConfigError('choose one output: --json or --csv (without either, a table)');
  const months = parseMonths(opts.months);
  loadDotEnv(io.cwd, io.env);
  const config = await loadConfig({ configPath: opts.config, env: io.env, cwd: io.cwd });
  // Errors only: what failed is in each tenant's row (the breaker's warnings would repeat it as JSON).
  const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'error' });
  const registry = new TenantRegistry(config, { env: io.env, baseDir: config.baseDir ?? io.cwd, logger });
  try {
    const targets = id !== undefined ? [registry.resolve(id, LOCAL_PRINCIPAL)] : registry.visible(LOCAL_PRINCIPAL);
    const now = new Date();
    const rows = await usageRows(targets, { months, now });
    if (opts.json) io.stdout.write(`${JSON.stringify(usageJson(rows, now, months), null, 2)}\n`);
    else if (opts.csv) io.stdout.write(usageCsv(rows, monthWindows(now, months).map((w) => w.month)));
    else io.stdout.write(usageTable(rows, monthWindows(now, months).map((w) => w.month)));
    const failed = rows.filter((r) => !r.ok);
    for (const r of failed) io.stderr.write(`${r.tenant}: ${r.error ?? 'failed'}\n`);
    if (failed.length) io.stderr.write(`${failed.length} of ${rows.length} tenant(s) not fully counted.\n`);
    return failed.length ? 1 : 0;
  } finally {
    await registry.close();
  }
}

/** Every tenant's usage, `TENANT_CONCURRENCY` tenants at a time, each failure on its own row. */
export async function usageRows(targets: TenantContext[], opts: { months: number; now: Date; signal?: AbortSignal }): Promise<UsageRow[]> {
  const rows = new Array<UsageRow>(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const tenant = targets[i]!;
      rows[i] = await usageRow(tenant, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.min(TENANT_CONCURRENCY, targets.length) }, worker));
  return rows;
}

async function usageRow(tenant: TenantContext, opts: { months: number; now: Date; signal?: AbortSignal }): Promise<UsageRow> {
  const base = { tenant: tenant.id, name: tenant.config.name };
  try {
    const usage = plainMarkedDeep(await readTenantUsage(tenant, { months: opts.months, now: opts.now, signal: opts.signal ?? AbortSignal.timeout(300_000) })) as TenantUsage;
    if (usage.failed === 0) return { ...base, ok: true, usage };
    const first = firstError(usage);
    return { ...base, ok: false, error: `${usage.failed} count(s) failed; first: ${first}`, usage };
  } catch (err) {
    return { ...base, ok: false, error: plainMarked(describeError(err)) };
  }
}

function firstError(u: TenantUsage): string {
  const all: UsageCount[] = [...(u.activeUsers ? Object.values(u.activeUsers) : []), ...Object.values(u.records), ...u.leadsPerMonth];
  return all.find((c) => c.error !== undefined)?.error ?? 'unknown';
}

export function usageJson(rows: UsageRow[], now: Date, months: number): Record<string, unknown> {
  return { at: now.toISOString(), timezone: 'UTC', months, tenants: rows };
}

// ---------------------------------------------------------------------------------------------
// CSV and table

/** The columns, in order: tenant, name, active users per type, records per entity, leads per month, error. */
export function usageHeader(months: string[]): string[] {
  return ['tenant', 'name', ...USER_TYPES.map((t) => `activeUsers_${t}`), ...MAIN_ENTITIES.map((e) => `records_${e}`), ...months.map((m) => `leads_${m}`), 'error'];
}

const cell = (c: UsageCount | undefined) => (c?.count === null || c?.count === undefined ? '' : String(c.count));

export function usageCells(r: UsageRow, months: string[]): string[] {
  const u = r.usage;
  const byMonth = new Map((u?.leadsPerMonth ?? []).map((m) => [m.month, m]));
  return [
    r.tenant,
    r.name,
    ...USER_TYPES.map((t) => cell(u?.activeUsers?.[t])),
    ...MAIN_ENTITIES.map((e) => cell(u?.records[e])),
    ...months.map((m) => cell(byMonth.get(m))),
    r.error ?? '',
  ];
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; a cell a spreadsheet
 * would run as a formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function usageCsv(rows: UsageRow[], months: string[]): string {
  const lines = [usageHeader(months), ...rows.map((r) => usageCells(r, months))];
  return lines.map((line) => line.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function usageTable(rows: UsageRow[], months: string[]): string {
  const header = ['TENANT', 'NAME', ...USER_TYPES.map((t) => t.toUpperCase()), ...MAIN_ENTITIES, ...months, 'STATUS'];
  const body = rows.map((r) => {
    const cells = usageCells(r, months).slice(0, -1).map((c) => (c === '' ? '-' : c));
    return [...cells.map((c) => c.replace(/[\r\n\t]+/g, ' ')), r.ok ? 'ok' : `FAILED: ${(r.error ?? '').replace(/[\r\n\t]+/g, ' ')}`];
  });
  const table = [header, ...body];
  const widths = header.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  return `${table.map((row) => row.map((c, col) => c.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n')}\n`;
}
