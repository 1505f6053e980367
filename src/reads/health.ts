/**
 * A tenant's health: the checks of `check_tenant` (reachable, version, expected siteUrl, API key, admin
 * login), and the fleet runner `check_tenants` and `tenants check --all` use (every tenant in parallel,
 * bounded, each within a timeout, results in configuration order). Both tools call `checkTenantHealth`,
 * so a single check and a fleet check never diverge.
 *
 * Logins: one try per configured login per check (the API key once, the admin password once), never
 * more: EspoCRM locks an IP out after 10 failed logins a minute. Reachability is an unauthenticated GET
 * (never counts toward the lockout).
 *
 * Every check gives two renderings of its messages: `shown` (for the caller: a secret that cannot be
 * read is described as the caller may see it) and `stored` (for the store, read by remote callers
 * through the health resource: a secret problem only by reference). Neither ever holds a secret value.
 */
import type { EspoClient } from '../espo/client.js';
import { EspoNetworkError, EspoUnavailableError } from '../espo/errors.js';
import { TenantUnavailableError } from '../tenants/breaker.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { describeFor, secretErrorIn } from '../secrets/callers.js';
import type { Principal } from '../tenants/policy.js';
import { plainMarkedDeep, untrusted } from '../core/fence.js';
import type { BreakerState } from '../tenants/breaker.js';
import type { TenantContext } from '../tenants/registry.js';
import type { HealthEntry, HealthLog } from '../store/types.js';

export type StepStatus = 'ok' | 'failed' | 'not_configured' | 'skipped';

export interface HealthStep {
  status: StepStatus;
  message: string;
  latencyMs?: number;
}

export type { HealthStatus } from '../store/types.js';
import type { HealthStatus } from '../store/types.js';
import { mapFleet } from './fleet.js';

export interface TenantHealth {
  tenant: string;
  /** ISO time the check started. */
  checkedAt: string;
  /**
   * ok: every configured check passed; degraded: reachable, but a credential or the siteUrl check failed;
   * unreachable: no answer (also when the CRM stopped answering during the check, or it did not finish in time).
   */
  status: HealthStatus;
  /** True when every configured check passed (status "ok"). */
  ok: boolean;
  /** EspoCRM's version, as the CRM reported it (CRM data). */
  version?: string;
  /** How long the CRM took to answer the unauthenticated request (or to fail). */
  latencyMs: number;
  reachable: HealthStep;
  siteUrl: HealthStep & { expected: string; reported?: string };
  apiKey: HealthStep;
  admin: HealthStep;
  /** The tenant's circuit breaker after the check. */
  breaker: BreakerState;
  problems: string[];
}

/** How a failure is described: for the caller, and for the store (read remotely). */
export interface HealthDescriber {
  shown(err: unknown): string;
  stored(err: unknown): string;
}

/**
 * Failures described for `caller` (a secret that cannot be read: as this caller may see it), and for the
 * store without the secret's path, variable or keychain account (the health resource is read remotely).
 */
export function healthDescriber(caller: Principal, logger: Logger): HealthDescriber {
  return {
    shown: (err) => describeFor(err, caller, logger, describeError),
    stored: (err) => {
      const secret = secretErrorIn(err);
      if (!secret) return describeError(err);
      const which = secret.field ?? 'a secret';
      const whose = secret.tenantId !== undefined ? ` of tenant "${secret.tenantId}"` : '';
      return `the ${which}${whose} cannot be read on the server: \`espocrm-admin-mcp tenants check${secret.tenantId !== undefined ? ` ${secret.tenantId}` : ''}\` on the server says why`;
    },
  };
}

/** A check's result for the caller, and the same check as it may be stored (no secret's path or variable). */
export interface HealthCheck {
  shown: TenantHealth;
  stored: TenantHealth;
}

/** A check that takes longer than this is abandoned and reported as such (the fleet runner's default). */
export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;
export const DEFAULT_FLEET_CONCURRENCY = 8;

type AppUser = { user?: { type?: string; userName?: string }; settings?: { version?: string } };

async function timed<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const start = performance.now();
  try {
    const value = await fn();
    return { value, ms: Math.round(performance.now() - start) };
  } catch (error) {
    return { error, ms: Math.round(performance.now() - start) };
  }
}

/** A step with its two messages. */
interface Pair<S extends HealthStep = HealthStep> {
  shown: S;
  stored: S;
}

function same<S extends HealthStep>(step: S): Pair<S> {
  return { shown: step, stored: step };
}

/**
 * Checks one tenant: reachable (unauthenticated), API key and admin login (one try each), the version,
 * and the siteUrl the CRM reports (a mismatch blocks writes). `signal` bounds it; a check cut short by
 * `timeoutMs` says so in its problems.
 */
export async function checkTenantHealth(
  tenant: TenantContext,
  opts: { signal?: AbortSignal; timeoutMs?: number; describe: HealthDescriber },
): Promise<HealthCheck> {
  const cfg = tenant.config;
  const checkedAt = new Date().toISOString();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const d = opts.describe;
  // A later step that fails for want of an answer (connection lost, timeout, breaker open, 503) means the
  // CRM stopped answering during the check: unreachable, not a credential problem.
  let lostContact = false;
  const failed = (err: unknown, ms: number): Pair => {
    if (err instanceof EspoNetworkError || err instanceof EspoUnavailableError || err instanceof TenantUnavailableError) lostContact = true;
    return failedStep(err, ms);
  };
  const failedStep = (err: unknown, ms: number): Pair => ({
    shown: { status: 'failed', message: d.shown(err), latencyMs: ms },
    stored: { status: 'failed', message: d.stored(err), latencyMs: ms },
  });
  const problems: Array<{ shown: string; stored: string }> = [];
  const problem = (label: string, step: Pair, suffix = '') => problems.push({ shown: `${label}: ${step.shown.message}${suffix}`, stored: `${label}: ${step.stored.message}${suffix}` });

  let client: EspoClient;
  try {
    client = tenant.client();
  } catch (err) {
    // A client that cannot be built (a malformed URL): nothing can be reached.
    const step = failed(err, 0);
    problem('not reachable', step);
    return finish(tenant, checkedAt, {
      reachable: step,
      apiKey: same({ status: 'skipped', message: 'the CRM is not reachable' }),
      admin: same({ status: 'skipped', message: 'the CRM is not reachable' }),
      siteUrl: same({ status: 'skipped', message: 'the CRM is not reachable', expected: tenant.guard.expected() }),
      problems,
      latencyMs: 0,
    });
  }

  // Reachability without credentials: an unauthenticated GET Settings never counts toward the login lockout.
  const reach = await timed(() => client.request({ method: 'GET', path: 'Settings', auth: 'none', signal }));
  const reachable: Pair = reach.error ? failed(reach.error, reach.ms) : same({ status: 'ok', message: 'the CRM answered', latencyMs: reach.ms });
  if (reach.error) problem('not reachable', reachable);

  let version: string | undefined;
  const skipped = (why: string) => same({ status: 'skipped' as const, message: why });

  let apiKey: Pair;
  if (!cfg.apiKey && !cfg.hmacSecret) {
    apiKey = same({ status: 'not_configured', message: 'no API key configured; record reads use the admin login' });
  } else if (reach.error) {
    apiKey = skipped('the CRM is not reachable');
  } else {
    const r = await timed(() => client.request<AppUser>({ method: 'GET', path: 'App/user', auth: 'api', signal }));
    if (r.error) {
      apiKey = failed(r.error, r.ms);
      problem('API key', apiKey);
    } else {
      version ??= r.value?.body?.settings?.version;
      apiKey = same({ status: 'ok', message: `API user "${untrusted(r.value?.body?.user?.userName ?? '?')}" authenticated`, latencyMs: r.ms });
    }
  }

  let admin: Pair;
  if (!cfg.admin) {
    admin = same({ status: 'not_configured', message: 'no admin login configured; schema, layout and rebuild tools are unavailable' });
  } else if (reach.error) {
    admin = skipped('the CRM is not reachable');
  } else {
    const r = await timed(() => client.request<AppUser>({ method: 'GET', path: 'App/user', auth: 'admin', signal }));
    if (r.error) {
      admin = failed(r.error, r.ms);
      problem('admin login', admin);
    } else {
      version ??= r.value?.body?.settings?.version;
      admin = same({ status: 'ok', message: `admin "${cfg.admin.username}" logged in (token reused for later calls)`, latencyMs: r.ms });
    }
  }

  if (!version && !reach.error && (apiKey.shown.status === 'ok' || admin.shown.status === 'ok')) {
    const about = await timed(() =>
      client.request<{ version?: string }>({ method: 'GET', path: 'App/about', auth: admin.shown.status === 'ok' ? 'admin' : 'api', signal }),
    );
    version = about.value?.body?.version;
  }

  let siteUrl: Pair<HealthStep & { expected: string; reported?: string }>;
  if (apiKey.shown.status !== 'ok' && admin.shown.status !== 'ok') {
    siteUrl = same({ ...skipped('needs a working API key or admin login').shown, expected: tenant.guard.expected() });
  } else {
    const g = await timed(() => tenant.guard.check({ signal, fresh: true }));
    if (g.error || !g.value) {
      const f = failed(g.error, g.ms);
      siteUrl = { shown: { ...f.shown, expected: tenant.guard.expected() }, stored: { ...f.stored, expected: tenant.guard.expected() } };
      problem('siteUrl', siteUrl);
    } else {
      siteUrl = same({
        status: g.value.ok ? 'ok' : 'failed',
        message: g.value.message,
        expected: g.value.expected,
        ...(g.value.reported ? { reported: g.value.reported } : {}),
        latencyMs: g.ms,
      });
      if (!g.value.ok) problem('siteUrl', siteUrl, ' (writes are blocked)');
    }
  }

  if (timeout.aborted && !opts.signal?.aborted) {
    lostContact = true;
    const msg = `the check did not finish within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`;
    problems.push({ shown: msg, stored: msg });
  }
  return finish(tenant, checkedAt, { reachable, apiKey, admin, siteUrl, problems, latencyMs: reach.ms, lostContact, ...(version ? { version } : {}) });
}

function finish(
  tenant: TenantContext,
  checkedAt: string,
  r: {
    reachable: Pair;
    apiKey: Pair;
    admin: Pair;
    siteUrl: Pair<HealthStep & { expected: string; reported?: string }>;
    problems: Array<{ shown: string; stored: string }>;
    latencyMs: number;
    lostContact?: boolean;
    version?: string;
  },
): HealthCheck {
  const status: HealthStatus = r.reachable.shown.status !== 'ok' || r.lostContact ? 'unreachable' : r.problems.length > 0 ? 'degraded' : 'ok';
  const breaker = tenant.breaker.state;
  const build = (side: 'shown' | 'stored'): TenantHealth => ({
    tenant: tenant.id,
    checkedAt,
    status,
    ok: status === 'ok',
    ...(r.version ? { version: r.version } : {}),
    latencyMs: r.latencyMs,
    reachable: r.reachable[side],
    siteUrl: r.siteUrl[side],
    apiKey: r.apiKey[side],
    admin: r.admin[side],
    breaker,
    problems: r.problems.map((p) => p[side]),
  });
  // The store holds plain text (CRM values quoted as they are); the health resource fences it.
  return { shown: build('shown'), stored: plainMarkedDeep(build('stored')) as TenantHealth };
}

/** A check that threw (it should not: every step catches): reported as unreachable, with what happened. */
function crashed(tenant: TenantContext, err: unknown, d: HealthDescriber): HealthCheck {
  const checkedAt = new Date().toISOString();
  const step = { shown: { status: 'failed' as const, message: d.shown(err), latencyMs: 0 }, stored: { status: 'failed' as const, message: d.stored(err), latencyMs: 0 } };
  return finish(tenant, checkedAt, {
    reachable: step,
    apiKey: same({ status: 'skipped', message: 'the check failed' }),
    admin: same({ status: 'skipped', message: 'the check failed' }),
    siteUrl: same({ status: 'skipped', message: 'the check failed', expected: tenant.guard.expected() }),
    problems: [{ shown: `check failed: ${step.shown.message}`, stored: `check failed: ${step.stored.message}` }],
    latencyMs: 0,
  });
}

export interface FleetOptions {
  /** Checks running at once (default 8). */
  concurrency?: number;
  /** Each tenant's check is abandoned after this long (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  describe: HealthDescriber;
  /** Called as each tenant's check finishes (in the order they finish), with how many are done. */
  onResult?(check: HealthCheck, done: number, total: number): void | Promise<void>;
}

/**
 * Checks every tenant given, at most `concurrency` at once, each within its timeout; the results come
 * back in the order the tenants were given (configuration order).
 */
export async function checkFleet(tenants: readonly TenantContext[], opts: FleetOptions): Promise<HealthCheck[]> {
  return mapFleet(
    tenants,
    { concurrency: opts.concurrency ?? DEFAULT_FLEET_CONCURRENCY, max: Number.MAX_SAFE_INTEGER, ...(opts.onResult ? { onResult: opts.onResult } : {}) },
    async (tenant) => {
      try {
        // A tenant found cold is released once checked (a scheduled round over every tenant stays small).
        return await tenant.using(
          () => checkTenantHealth(tenant, { describe: opts.describe, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) }),
          { transient: true },
        );
      } catch (err) {
        return crashed(tenant, err, opts.describe);
      }
    },
  );
}

/** A state change between two checks of a tenant, for logs ("ok -> unreachable"). */
export function healthChange(previous: HealthStatus | undefined, current: HealthStatus): string | undefined {
  if (previous === current) return undefined;
  return `${previous ?? 'unknown'} -> ${current}`;
}

/** The check as the store keeps it (the stored rendering: no secret's path or variable). */
export function healthEntryOf(check: HealthCheck): HealthEntry {
  const h = check.stored;
  return { tenant: h.tenant, ts: h.checkedAt, status: h.status, ...(h.version !== undefined ? { version: h.version } : {}), latencyMs: h.latencyMs, result: { ...h } };
}

/**
 * Keeps each check in the store. A store that fails does not fail the check (its result is what the
 * caller came for): the failure is logged.
 */
export async function recordChecks(health: Pick<HealthLog, 'recordHealth'>, checks: readonly HealthCheck[], logger: Logger): Promise<boolean> {
  let all = true;
  for (const c of checks) {
    try {
      await health.recordHealth(healthEntryOf(c));
    } catch (err) {
      all = false;
      logger.warn({ tenant: c.stored.tenant, err: err instanceof Error ? err.message : String(err) }, 'could not record a health check in the store');
    }
  }
  return all;
}
