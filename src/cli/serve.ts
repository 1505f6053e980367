import { brokenConfig, loadConfig, loadDotEnv, locateConfig } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { createLogger } from '../log/logger.js';
import { TenantRegistry } from '../tenants/registry.js';
import { LOCAL_PRINCIPAL } from '../tenants/policy.js';
import { serveStdio } from '../transports/stdio.js';
import type { HealthCheck } from '../reads/health.js';
import { confirmTokensOn, NO_HEALTH, openSqliteStore, openStore, openStoreOnUse } from '../store/index.js';
import type { ServerConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { dropUnsubstitutedHostVariables, readOnlyFromEnv } from './serve-env.js';

/**
 * The configuration and its tenants. With `serving`, a configuration that cannot be loaded does not stop
 * the server: it starts without tenants and answers every call with the error and its fix
 * (`configError`), so a stdio client shows it instead of "Connection closed".
 */
async function openRegistry(opts: { config?: string; tenant?: string; serving?: boolean }) {
  const cwd = process.cwd();
  dropUnsubstitutedHostVariables(process.env);
  let config: ServerConfig | undefined;
  let failure: ConfigError | undefined;
  try {
    loadDotEnv(cwd, process.env);
    config = await loadConfig({ configPath: opts.config, env: process.env, cwd });
  } catch (err) {
    if (!(err instanceof ConfigError) || opts.serving !== true) throw err;
    failure = err;
  }
  // After the .env files: LOG_LEVEL may come from one.
  const logger = createLogger();
  if (!config) {
    config = brokenConfig(failure!, locateConfig({ configPath: opts.config, env: process.env, cwd }));
    logger.error({ configError: config.configError }, 'the configuration cannot be loaded: serving without tenants, every call answers with the error');
  }
  const baseDir = config.baseDir ?? cwd;
  const pin = config.configError === undefined ? opts.tenant : undefined;
  const registry = new TenantRegistry(config, { env: process.env, baseDir, logger, pin });
  return { config, logger, registry, baseDir };
}

/** The store and the confirm tokens that go with it (signed with its shared key, spent once across its processes). */
async function openState(config: ServerConfig, logger: Logger) {
  // A broken configuration cannot say where the store is: nothing runs, so nothing is kept. The embedded
  // store is opened by its first use: the client's first requests are answered without it.
  const store = config.configError === undefined ? await openStoreOnUse(config, { env: process.env, log: logger }) : await openSqliteStore(':memory:');
  logger.debug({ engine: store.engine, location: store.location }, 'store in use');
  return { store, confirms: await confirmTokensOn(store) };
}

/** `--health-every`: the schedule, its modules loaded only when asked for (not on a plain start). */
async function serveHealth(everyMs: number | undefined, opts: Omit<Parameters<typeof import('./health.js').startServeHealth>[1], 'principal'>) {
  if (everyMs === undefined) return undefined;
  const { startServeHealth } = await import('./health.js');
  return startServeHealth(everyMs, { ...opts, principal: LOCAL_PRINCIPAL });
}

export async function runServe(opts: { config?: string; tenant?: string; readOnly: boolean; healthEveryMs?: number }): Promise<void> {
  const { config, logger, registry } = await openRegistry({ ...opts, serving: true });
  const { store, confirms } = await openState(config, logger);
  await serveHealth(opts.healthEveryMs, { registry, health: store, logger, stdio: true });
  await serveStdio({ registry, principal: LOCAL_PRINCIPAL, readOnly: opts.readOnly || readOnlyFromEnv(process.env), logger, store, confirms });
}

/** `serve --http`: Streamable HTTP with the `http` section's authentication, origins, hosts and limits. */
export async function runServeHttp(opts: { config?: string; tenant?: string; readOnly: boolean; port: number; host: string; healthEveryMs?: number; dashboard?: boolean }): Promise<void> {
  const { config, logger, registry, baseDir } = await openRegistry({ ...opts, serving: true });
  const { store, confirms } = await openState(config, logger);
  const health = await serveHealth(opts.healthEveryMs, { registry, health: store, logger, stdio: false });
  // Loaded here only: the HTTP stack (SDK transport, jose) would slow the stdio start-up.
  const { serveHttp } = await import('../transports/http.js');
  try {
    await serveHttp({ registry, readOnly: opts.readOnly || readOnlyFromEnv(process.env), logger, store, confirms, http: config.http, host: opts.host, port: opts.port, env: process.env, baseDir, blueprints: config.blueprints, ...(opts.dashboard === false ? { dashboard: false as const } : {}) });
  } catch (err) {
    await health?.stop();
    await registry.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}

export interface TenantCheckOptions {
  configPath?: string;
  /** Every tenant (the default without an ID). */
  all?: boolean;
  /** JSON on stdout instead of text on stderr. */
  json?: boolean;
  /** Repeat on this schedule until SIGINT/SIGTERM, logging only changes of state. */
  everyMs?: number;
  concurrency?: number;
}

/**
 * `tenants check [ID] [--all] [--json] [--every D] [--concurrency N]`: the checks of check_tenant on one
 * or every tenant (in parallel, bounded), each result recorded in the store serve uses; exit code 0 when
 * every tenant is ok, else 1. With --every: a round now and then on the schedule, only changes of state
 * logged, until SIGINT/SIGTERM (exit code 0).
 */
export async function runTenantCheck(tenantId: string | undefined, opts: TenantCheckOptions): Promise<number> {
  if (tenantId !== undefined && opts.all) throw new Error('pass a tenant id or --all, not both');
  const { config, logger, registry } = await openRegistry({ config: opts.configPath });
  const { checkFleet, healthDescriber, recordChecks } = await import('../reads/health.js');
  const { changeLine, fleetJson, fleetTable, formatDuration, startHealthSchedule, tenantReport } = await import('./health.js');
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const err = (text: string) => process.stderr.write(`${text}\n`);
  // The store serve uses (no import of old audit files): a store that cannot be opened only warns.
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  try {
    store = await openStore(config, { env: process.env, log: logger, noImport: true });
  } catch (e) {
    err(`warning: the results are not recorded: ${e instanceof Error ? e.message : String(e)}`);
  }
  const health = store ?? NO_HEALTH;
  try {
    const targets = tenantId !== undefined ? [registry.resolve(tenantId, LOCAL_PRINCIPAL)] : registry.visible(LOCAL_PRINCIPAL);
    const shown = (checks: HealthCheck[]) => checks.map((c) => c.shown);
    const print = (checks: HealthCheck[]) => {
      if (opts.json) out(JSON.stringify(fleetJson(shown(checks)), null, opts.everyMs !== undefined ? undefined : 2));
      else err(tenantId !== undefined ? tenantReport(checks[0]!.shown) : fleetTable(shown(checks)));
    };
    if (opts.everyMs === undefined) {
      const checks = await checkFleet(targets, { ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}), describe: healthDescriber(LOCAL_PRINCIPAL, logger) });
      await recordChecks(health, checks, logger);
      print(checks);
      return checks.every((c) => c.shown.status === 'ok') ? 0 : 1;
    }
    // On a schedule: the first round in full, then one line per change of state (JSON: one line a round).
    err(`checking ${targets.length} tenant(s) every ${formatDuration(opts.everyMs)}; only changes of state are shown after the first round; stop with Ctrl-C`);
    const schedule = startHealthSchedule({
      registry,
      principal: LOCAL_PRINCIPAL,
      health,
      only: targets.map((t) => t.id),
      everyMs: opts.everyMs,
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      logger,
      keepAlive: true,
      onRound: (checks, round) => {
        if (opts.json || round === 1) print(checks);
      },
      onChange: (check, from) => {
        if (from !== undefined) err(`${new Date().toISOString()} ${changeLine(check, from)}`);
      },
    });
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await schedule.stop();
    err('stopped');
    return 0;
  } finally {
    await registry.close();
    await store?.close().catch(() => undefined);
  }
}

export interface DashboardCommandOptions {
  config?: string;
  port: number;
  /** Rounds on every tenant on this schedule (one at start); undefined: only "check now". */
  everyMs?: number;
}

/** `dashboard`: the dashboard alone on loopback, until SIGINT/SIGTERM. */
export async function runDashboard(opts: DashboardCommandOptions): Promise<void> {
  const { config, logger, registry, baseDir } = await openRegistry({ config: opts.config });
  const store = await openStore(config, { env: process.env, log: logger });
  const { startDashboardServer } = await import('../dashboard/serve.js');
  const { formatDuration } = await import('./health.js');
  let running;
  try {
    running = await startDashboardServer({
      registry,
      store,
      config,
      ...(config.http ? { http: config.http } : {}),
      logger,
      readOnly: readOnlyFromEnv(process.env),
      env: process.env,
      baseDir,
      port: opts.port,
      ...(opts.everyMs !== undefined ? { everyMs: opts.everyMs } : {}),
    });
  } catch (err) {
    await registry.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
  process.stderr.write(`dashboard: ${running.url} (${config.tenants.length} tenant(s)${opts.everyMs !== undefined ? `, checked every ${formatDuration(opts.everyMs)}` : ''}); stop with Ctrl-C\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await running.close().catch(() => undefined);
  await registry.close().catch(() => undefined);
  await store.close().catch(() => undefined);
}
