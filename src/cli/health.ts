/**
 * Fleet health on the command line and inside `serve`: `tenants check [ID] [--all] [--json] [--every D]
 * [--concurrency N]` and `serve --health-every D`. Both run the fleet check of src/reads/health.ts (the
 * checks of check_tenant, every tenant in parallel, bounded), record each result in the store, and on a
 * schedule log only the changes of state per tenant (ok -> unreachable, ...). Nothing here writes to
 * stdout but the `--json` output of `tenants check`: under `serve` stdout is the MCP transport.
 */
import { plainMarked, plainMarkedDeep } from '../core/fence.js';
import type { Logger } from '../log/logger.js';
import { checkFleet, DEFAULT_CHECK_TIMEOUT_MS, healthDescriber, recordChecks, type HealthCheck, type HealthStatus, type TenantHealth } from '../reads/health.js';
import type { HealthLog } from '../store/types.js';
import type { Principal } from '../tenants/policy.js';
import type { TenantRegistry } from '../tenants/registry.js';

/** The shortest schedule allowed (`--every`, `--health-every`): a CRM is not a thing to poll. */
export const MIN_EVERY_MS = 10_000;
const MAX_EVERY_MS = 24 * 3_600_000;
/**
 * Tests only: a lower minimum (in ms) for `--every` and `--health-every`, so a test can observe two
 * rounds in seconds. Not for production use: every round logs in to every CRM.
 */
export const MIN_EVERY_ENV = 'ESPOCRM_MCP_HEALTH_MIN_EVERY_MS';

/** The minimum in force: 10 s, or what the test variable says (never below 100 ms). */
export function minEveryMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[MIN_EVERY_ENV];
  const n = raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  return Number.isFinite(n) ? Math.max(100, Math.min(n, MIN_EVERY_MS)) : MIN_EVERY_MS;
}

/**
 * A duration as the options take it: a whole number and a unit, `30s`, `5m`, `1h` (`ms` too); at least
 * the minimum (10 s), at most 24 h. Throws an Error whose message says what is allowed.
 */
export function parseDuration(value: string, option: string, env: NodeJS.ProcessEnv = process.env): number {
  const m = /^\s*(\d{1,9})\s*(ms|s|m|h)\s*$/i.exec(value);
  const min = minEveryMs(env);
  const allowed = `a whole number and a unit: s, m or h, e.g. 30s, 5m, 1h; from ${min >= 1000 ? `${min / 1000}s` : `${min}ms`} to 24h`;
  if (!m) throw new Error(`${option} "${value}" is not a duration: expected ${allowed}.`);
  const unit = m[2]!.toLowerCase();
  const ms = Number(m[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
  if (ms < min) throw new Error(`${option} ${value} is too short: checks log in to every CRM, so the shortest schedule is ${min >= 1000 ? `${min / 1000}s` : `${min}ms`} (expected ${allowed}).`);
  if (ms > MAX_EVERY_MS) throw new Error(`${option} ${value} is too long: expected ${allowed}.`);
  return ms;
}

/** A duration for messages: "400 ms", "30 s", "5 min", "1 h". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000 || ms % 60_000 !== 0) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_600_000 || ms % 3_600_000 !== 0) return `${ms / 60_000} min`;
  return `${ms / 3_600_000} h`;
}

export interface ScheduleOptions {
  registry: TenantRegistry;
  principal: Principal;
  health: Pick<HealthLog, 'recordHealth'>;
  /** Only these tenant ids (all the principal sees by default). */
  only?: readonly string[];
  everyMs: number;
  concurrency?: number;
  timeoutMs?: number;
  logger: Logger;
  /** Keep the process alive between rounds (the `--every` command); `serve` leaves it to the transport. */
  keepAlive?: boolean;
  /** After each round is recorded. */
  onRound?(checks: HealthCheck[], round: number): void | Promise<void>;
  /** A tenant whose status differs from the previous round's (`from` undefined on the first round). */
  onChange?(check: HealthCheck, from: HealthStatus | undefined): void;
}

export interface HealthSchedule {
  /** Stops: no further round; a round in flight is cancelled and not recorded. Resolves once it has stopped. */
  stop(): Promise<void>;
}

/**
 * Checks every tenant now, then every `everyMs` (from the start of one round to the next; a round that
 * takes longer is followed at once). Timers are unref'd unless `keepAlive`, so a serving process exits
 * as it would without it.
 */
export function startHealthSchedule(opts: ScheduleOptions): HealthSchedule {
  const abort = new AbortController();
  const previous = new Map<string, HealthStatus>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let round = 0;
  const describe = healthDescriber(opts.principal, opts.logger);

  const tick = async (): Promise<void> => {
    if (stopped) return;
    const started = Date.now();
    round++;
    try {
      const tenants = opts.registry.visible(opts.principal).filter((t) => !opts.only || opts.only.includes(t.id));
      const checks = await checkFleet(tenants, {
        ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
        timeoutMs: opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
        signal: abort.signal,
        describe,
      });
      if (stopped) return;
      await recordChecks(opts.health, checks, opts.logger);
      for (const c of checks) {
        const from = previous.get(c.stored.tenant);
        if (from !== c.stored.status) opts.onChange?.(c, from);
        previous.set(c.stored.tenant, c.stored.status);
      }
      await opts.onRound?.(checks, round);
    } catch (err) {
      opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'health check round failed');
    }
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick();
    }, Math.max(0, opts.everyMs - (Date.now() - started)));
    if (!opts.keepAlive) timer.unref();
  };

  running = tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
      await running.catch(() => undefined);
    },
  };
}

/** A tenant's line in the logs of a change: "acme: ok -> unreachable (not reachable: ...)". */
export function changeLine(check: HealthCheck, from: HealthStatus | undefined): string {
  const h = check.stored;
  const first = h.problems[0];
  return `${h.tenant}: ${from ?? 'unknown'} -> ${h.status}${first ? ` (${plainMarked(first)}${h.problems.length > 1 ? `; ${h.problems.length - 1} more` : ''})` : ''}`;
}

/** What the logs of `serve --health-every` say of a change (stderr, through the logger). */
export function logChange(logger: Logger, check: HealthCheck, from: HealthStatus | undefined): void {
  const h = check.stored;
  const fields = { tenant: h.tenant, from: from ?? null, to: h.status, ...(h.version ? { version: h.version } : {}), problems: h.problems };
  if (from === undefined && h.status === 'ok') logger.info(fields, 'tenant health: ok');
  else if (h.status === 'ok') logger.info(fields, `tenant health changed: ${from} -> ok`);
  else logger.warn(fields, from === undefined ? `tenant health: ${h.status}` : `tenant health changed: ${from} -> ${h.status}`);
}

/** The fleet as a table for people (plain text: CRM values printed as they are). */
export function fleetTable(results: readonly TenantHealth[]): string {
  const s = (v: string) => (v === 'not_configured' ? '--' : v);
  const rows = [
    ['TENANT', 'STATUS', 'VERSION', 'LATENCY', 'REACHABLE', 'SITEURL', 'API KEY', 'ADMIN', 'BREAKER'],
    ...results.map((h) => [h.tenant, h.status, h.version ?? '-', `${h.latencyMs} ms`, s(h.reachable.status), s(h.siteUrl.status), s(h.apiKey.status), s(h.admin.status), h.breaker]),
  ].map((r) => r.map((c) => plainMarked(c).replace(/\s+/g, ' ')));
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const n = (st: string) => results.filter((h) => h.status === st).length;
  const problems = results.flatMap((h) => h.problems.map((p) => `  ${h.tenant}: ${plainMarked(p)}`));
  return [
    ...rows.map((r) => r.map((c, col) => c.padEnd(widths[col]!)).join('  ').trimEnd()),
    `${results.length} tenant(s): ${n('ok')} ok, ${n('degraded')} degraded, ${n('unreachable')} unreachable`,
    ...(problems.length ? ['problems:', ...problems] : []),
  ].join('\n');
}

/** One tenant's checks for people, as check_tenant reports them. */
export function tenantReport(h: TenantHealth): string {
  const line = (label: string, st: { status: string; message: string; latencyMs?: number }) =>
    `${st.status === 'ok' ? 'ok  ' : st.status === 'failed' ? 'FAIL' : '--  '} ${label}: ${plainMarked(st.message)}${st.latencyMs !== undefined ? ` (${st.latencyMs} ms)` : ''}`;
  return [
    `Tenant ${h.tenant}: ${h.status}${h.version ? `, EspoCRM ${plainMarked(h.version)}` : ''}, breaker ${h.breaker}`,
    line('reachable', h.reachable),
    line('siteUrl', h.siteUrl),
    line('API key', h.apiKey),
    line('admin login', h.admin),
    ...(h.problems.length ? ['Problems:', ...h.problems.map((p) => `- ${plainMarked(p)}`)] : []),
  ].join('\n');
}

/** The JSON of one round (`--json`): the summary and each tenant's checks, CRM values as plain text. */
export function fleetJson(results: readonly TenantHealth[]): Record<string, unknown> {
  const n = (st: string) => results.filter((h) => h.status === st).length;
  return {
    checkedAt: new Date().toISOString(),
    summary: { total: results.length, ok: n('ok'), degraded: n('degraded'), unreachable: n('unreachable') },
    tenants: plainMarkedDeep(results),
  };
}

/**
 * `serve --health-every`: the fleet check on a schedule inside the server, recorded into its store, each
 * change of state logged (stderr). Its timers never keep the process alive, and it stops on SIGINT,
 * SIGTERM and the end of stdin (stdio), before the transport closes the tenants' connections.
 */
export function startServeHealth(everyMs: number | undefined, opts: { registry: TenantRegistry; principal: Principal; health: Pick<HealthLog, 'recordHealth'>; logger: Logger; stdio: boolean }): HealthSchedule | undefined {
  if (everyMs === undefined || opts.registry.visible(opts.principal).length === 0) return undefined;
  const logger = opts.logger.child({ component: 'health' });
  const schedule = startHealthSchedule({
    registry: opts.registry,
    principal: opts.principal,
    health: opts.health,
    everyMs,
    logger,
    onChange: (check, from) => logChange(logger, check, from),
  });
  logger.info({ everyMs }, 'fleet health checks scheduled');
  const stop = () => void schedule.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (opts.stdio) process.stdin.once('end', stop);
  return schedule;
}
