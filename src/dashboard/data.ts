/**
 * The dashboard's data: what its pages show, read from the store (health checks, recorded changes, and
 * the usage, drift and duplicate-scan summaries kept in the store's results), and the rounds that fill
 * it (a health check, the usage and the drift against a blueprint, per tenant). Pages never wait on a
 * CRM: only a round ("check now", the schedule) calls one, and a round's results land in the store,
 * shared by every process on it (a `dashboard` and a `serve --http` on one store show the same).
 */
import { plainMarked } from '../core/fence.js';
import { listBlueprints, loadBlueprint } from '../config/blueprints.js';
import type { ServerConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { checkTenantHealth, healthDescriber, recordChecks, type HealthCheck, type TenantHealth } from '../reads/health.js';
import { readTenantUsage, type TenantUsage } from '../reads/usage.js';
import { driftOfTenant, schemaReadRefusal, type TenantDrift } from '../reads/drift.js';
import { mapFleet } from '../reads/fleet.js';
import { toRow } from '../reads/changes.js';
import { lastScanKey, type LastScan } from '../reads/duplicateScan.js';
import { decideTool, LOCAL_PRINCIPAL, type Principal } from '../tenants/policy.js';
import { expectedSiteUrl } from '../tenants/guard.js';
import type { TenantContext, TenantRegistry } from '../tenants/registry.js';
import type { HealthEntry, Store } from '../store/types.js';
import type {
  ChangeRow,
  DriftSummary,
  DuplicateScanSummary,
  FleetQuery,
  FleetRow,
  FleetSortKey,
  FleetView,
  HealthState,
  LatencyPoint,
  StepState,
  TenantView,
  UsageSummary,
} from './model.js';

export interface DashboardDeps {
  registry: TenantRegistry;
  store: Store;
  /** Where blueprints are found. */
  config: Pick<ServerConfig, 'blueprints' | 'baseDir'>;
  logger: Logger;
  /** The server's --read-only (the tenants' policies are applied to the reads a round makes). */
  readOnly: boolean;
  /** Tenants checked at once in a round (default 8). */
  concurrency?: number;
  now?: () => Date;
}

/** How long kept usage and drift summaries live in the store. */
export const SUMMARY_TTL_MS = 30 * 24 * 3600_000;
/** Checks in a fleet row's latency chart. */
export const ROW_CHECKS = 24;
/** Rows on a page of the fleet (an agency with hundreds of tenants pages through them, sorted and filtered as a whole). */
export const FLEET_PAGE_SIZE = 100;
/** Checks in a tenant page's history chart. */
export const HISTORY_CHECKS = 200;
/** Changes on a tenant page. */
export const PAGE_CHANGES = 25;
/** A tenant's usage read is abandoned after this long (its counts are kept from the round before). */
export const USAGE_TIMEOUT_MS = 60_000;
/** Months of leads read by a round (the tenant page's chart). */
export const USAGE_MONTHS = 12;

export const SORT_KEYS: readonly FleetSortKey[] = ['name', 'health', 'version', 'latency', 'users', 'leads', 'drift', 'changed', 'checked'];
const HEALTH_STATES: readonly HealthState[] = ['ok', 'degraded', 'unreachable', 'unknown'];

export function usageKey(tenant: string): string {
  return `dash:usage:${tenant}`;
}

export function driftKey(blueprint: string, tenant: string): string {
  return `dash:drift:${blueprint}:${tenant}`;
}

/** The fleet page's query from the URL; anything unknown falls back to the default (never an error page). */
export function parseFleetQuery(params: URLSearchParams, blueprints: readonly string[], fallbackBlueprint: string): FleetQuery {
  const pick = <T extends string>(value: string | null, allowed: readonly T[], dflt: T): T => (value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : dflt);
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    health: pick(params.get('health'), ['', ...HEALTH_STATES] as const, ''),
    drift: pick(params.get('drift'), ['', 'drifted', 'in_sync', 'unknown'] as const, ''),
    sort: pick(params.get('sort'), SORT_KEYS, 'name'),
    dir: pick(params.get('dir'), ['asc', 'desc'] as const, 'asc'),
    blueprint: pick(params.get('blueprint'), blueprints, fallbackBlueprint),
    page: /^[1-9]\d{0,5}$/.test(params.get('page') ?? '') ? Number(params.get('page')) : 1,
  };
}

/** The configured URL without user info (a URL may carry credentials; the page must not). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

function stepOf(value: unknown): StepState {
  if (value === null || typeof value !== 'object') return { status: 'unknown' };
  const v = value as { status?: unknown; message?: unknown };
  const status = typeof v.status === 'string' && ['ok', 'failed', 'not_configured', 'skipped'].includes(v.status) ? (v.status as StepState['status']) : 'unknown';
  return { status, ...(typeof v.message === 'string' ? { message: plainMarked(v.message) } : {}) };
}

function pointOf(e: HealthEntry): LatencyPoint {
  return { ts: e.ts, status: e.status, latencyMs: typeof e.latencyMs === 'number' ? e.latencyMs : null };
}

/** The usage as the dashboard keeps it: the counts it shows, every failure said. */
export function usageSummaryOf(u: TenantUsage): UsageSummary {
  const usersByType: Record<string, number> = {};
  const problems: string[] = [];
  let humans: number | null = null;
  if (u.activeUsers) {
    for (const [type, c] of Object.entries(u.activeUsers)) {
      if (c.count !== null) usersByType[type] = c.count;
      else if (c.error) problems.push(`active ${type} users: ${plainMarked(c.error)}`);
    }
    const regular = u.activeUsers.regular.count;
    const admin = u.activeUsers.admin.count;
    humans = regular === null && admin === null ? null : (regular ?? 0) + (admin ?? 0);
  }
  const records: Record<string, number | null> = {};
  for (const [entity, c] of Object.entries(u.records)) {
    records[entity] = c.count;
    if (c.error) problems.push(`${entity} records: ${plainMarked(c.error)}`);
  }
  const leadsPerMonth = u.leadsPerMonth.map((m) => ({ month: m.month, count: m.count }));
  for (const m of u.leadsPerMonth) if (m.error) problems.push(`leads of ${m.month}: ${plainMarked(m.error)}`);
  problems.push(...u.notes.map(plainMarked));
  return {
    at: u.at,
    activeUsers: humans,
    usersByType,
    leadsThisMonth: leadsPerMonth.at(-1)?.count ?? null,
    records,
    leadsPerMonth,
    problems,
  };
}

export function driftSummaryOf(blueprint: string, d: TenantDrift, at: string): DriftSummary {
  return {
    blueprint,
    at,
    status: d.status,
    differences: d.differences.map((x) => ({
      kind: x.kind,
      ...(x.entity !== undefined ? { entity: x.entity } : {}),
      ...(x.field !== undefined ? { field: x.field } : {}),
      ...(x.layout !== undefined ? { layout: x.layout } : {}),
      summary: plainMarked(x.summary),
    })),
    ...(d.reason !== undefined ? { reason: plainMarked(d.reason) } : {}),
  };
}

/** What a kept value must look like to be shown (a store shared with another version may hold anything). */
function isUsage(v: unknown): v is UsageSummary {
  return v !== null && typeof v === 'object' && typeof (v as UsageSummary).at === 'string' && Array.isArray((v as UsageSummary).leadsPerMonth);
}
function isDrift(v: unknown): v is DriftSummary {
  return v !== null && typeof v === 'object' && typeof (v as DriftSummary).status === 'string' && Array.isArray((v as DriftSummary).differences);
}
function isScan(v: unknown): v is LastScan {
  return v !== null && typeof v === 'object' && typeof (v as LastScan).id === 'string' && typeof (v as LastScan).scannedAt === 'string';
}

function sortValue(row: FleetRow, key: FleetSortKey): string | number | undefined {
  switch (key) {
    case 'name':
      return row.name.toLowerCase();
    case 'health':
      return HEALTH_STATES.indexOf(row.health);
    case 'version':
      return row.version?.split('.').map((p) => p.padStart(6, '0')).join('.');
    case 'latency':
      return row.latency.at(-1)?.latencyMs ?? undefined;
    case 'users':
      return row.usage?.activeUsers ?? undefined;
    case 'leads':
      return row.usage?.leadsThisMonth ?? undefined;
    case 'drift':
      return row.drift ? (row.drift.status === 'drifted' ? row.drift.differences.length : row.drift.status === 'in_sync' ? 0 : undefined) : undefined;
    case 'changed':
      return row.lastChangeAt;
    case 'checked':
      return row.checkedAt;
  }
}

/** Sorts rows by `key`; rows without a value come last in both directions; ties by name, then id. */
export function sortRows(rows: FleetRow[], key: FleetSortKey, dir: 'asc' | 'desc'): FleetRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  const byName = (a: FleetRow, b: FleetRow) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0);
  return [...rows].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === undefined && vb === undefined) return byName(a, b);
    if (va === undefined) return 1;
    if (vb === undefined) return -1;
    const c = va < vb ? -1 : va > vb ? 1 : 0;
    return c !== 0 ? c * sign : byName(a, b);
  });
}

export function filterRows(rows: FleetRow[], q: FleetQuery): FleetRow[] {
  const text = q.q.trim().toLowerCase();
  return rows.filter((r) => {
    if (text && !r.tenant.toLowerCase().includes(text) && !r.name.toLowerCase().includes(text)) return false;
    if (q.health && r.health !== q.health) return false;
    if (q.drift === 'drifted' && r.drift?.status !== 'drifted') return false;
    if (q.drift === 'in_sync' && r.drift?.status !== 'in_sync') return false;
    if (q.drift === 'unknown' && (r.drift?.status === 'drifted' || r.drift?.status === 'in_sync')) return false;
    return true;
  });
}

export interface RoundResult {
  tenants: number;
  /** Tenants whose check came out ok. */
  ok: number;
}

export class DashboardData {
  /** Refreshes in flight per tenant: a "check now" joins a round already checking that tenant. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private blueprintCache: { at: number; names: string[] } | undefined;

  constructor(private readonly deps: DashboardDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The valid blueprints by name (the folder's, then the bundled ones), read at most every 30 s. */
  async blueprints(): Promise<string[]> {
    const t = Date.now();
    if (this.blueprintCache && t - this.blueprintCache.at < 30_000) return this.blueprintCache.names;
    let names: string[] = [];
    try {
      names = (await listBlueprints(this.deps.config)).filter((b) => b.error === undefined).map((b) => b.name);
    } catch (err) {
      this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'dashboard: the blueprints cannot be listed');
    }
    this.blueprintCache = { at: t, names };
    return names;
  }

  /** The blueprint a page compares with when it names none: the first listed ('' without any). */
  async defaultBlueprint(): Promise<string> {
    return (await this.blueprints())[0] ?? '';
  }

  /**
   * One row per tenant, from the store only. Without `history` a row's latency is its last check only
   * (enough to sort and filter every tenant); `withHistory` then adds the last checks of the rows shown.
   */
  private async rows(tenants: readonly TenantContext[], blueprint: string): Promise<FleetRow[]> {
    const { store } = this.deps;
    const latest = new Map((await store.latestHealth(tenants.map((t) => t.id))).map((e) => [e.tenant, e]));
    return Promise.all(
      tenants.map(async (t) => {
        const [usage, drift, last] = await Promise.all([
          store.getResult(usageKey(t.id), t.id),
          blueprint ? store.getResult(driftKey(blueprint, t.id), t.id) : Promise.resolve(undefined),
          store.recentChanges(t.id, 1),
        ]);
        const l = latest.get(t.id);
        return this.rowOf(t, l, l ? [l] : [], usage, drift, last[0]?.ts);
      }),
    );
  }

  /** The rows with their last checks (the latency charts), read for these rows only. */
  private async withHistory(rows: FleetRow[]): Promise<FleetRow[]> {
    return Promise.all(
      rows.map(async (r) => (r.checkedAt === undefined ? r : { ...r, latency: (await this.deps.store.healthHistory(r.tenant, ROW_CHECKS)).map(pointOf).reverse() })),
    );
  }

  private rowOf(t: TenantContext, latest: HealthEntry | undefined, history: HealthEntry[], usage: unknown, drift: unknown, lastChangeAt: string | undefined): FleetRow {
    const result = (latest?.result ?? {}) as Partial<TenantHealth>;
    return {
      tenant: t.id,
      name: t.config.name,
      ...(latest?.version !== undefined ? { version: plainMarked(latest.version) } : {}),
      health: latest?.status ?? 'unknown',
      ...(latest ? { checkedAt: latest.ts } : {}),
      problems: Array.isArray(result.problems) ? result.problems.filter((p): p is string => typeof p === 'string').map(plainMarked) : [],
      latency: history.map(pointOf).reverse(),
      apiKey: latest ? stepOf(result.apiKey) : { status: 'unknown' },
      admin: latest ? stepOf(result.admin) : { status: 'unknown' },
      ...(isUsage(usage) ? { usage } : {}),
      ...(isDrift(drift) ? { drift } : {}),
      ...(lastChangeAt !== undefined ? { lastChangeAt } : {}),
      readOnly: t.config.readOnly,
    };
  }

  async fleet(principal: Principal, params: URLSearchParams): Promise<FleetView> {
    const blueprints = await this.blueprints();
    const query = parseFleetQuery(params, blueprints, blueprints[0] ?? '');
    const visible = this.deps.registry.visible(principal);
    const all = await this.rows(visible, query.blueprint);
    const counts: Record<HealthState, number> = { ok: 0, degraded: 0, unreachable: 0, unknown: 0 };
    for (const r of all) counts[r.health] += 1;
    const matching = sortRows(filterRows(all, query), query.sort, query.dir);
    const pages = Math.max(1, Math.ceil(matching.length / FLEET_PAGE_SIZE));
    const page = Math.min(query.page, pages);
    const shown = await this.withHistory(matching.slice((page - 1) * FLEET_PAGE_SIZE, page * FLEET_PAGE_SIZE));
    return { rows: shown, total: all.length, matching: matching.length, pageSize: FLEET_PAGE_SIZE, pages, query: { ...query, page }, blueprints, counts };
  }

  /** The tenant page, or undefined when the caller does not see this tenant (the same answer as an unknown one). */
  async tenant(principal: Principal, id: string, blueprintParam: string | null): Promise<TenantView | undefined> {
    const t = this.deps.registry.visible(principal).find((c) => c.id === id);
    if (!t) return undefined;
    const blueprints = await this.blueprints();
    const blueprint = blueprintParam !== null && blueprints.includes(blueprintParam) ? blueprintParam : (blueprints[0] ?? '');
    const { store } = this.deps;
    const [row] = await this.withHistory(await this.rows([t], blueprint));
    const [history, page, scan] = await Promise.all([
      store.healthHistory(t.id, HISTORY_CHECKS),
      store.listChanges({ tenants: [t.id], changesOnly: true, limit: PAGE_CHANGES }),
      store.getResult(lastScanKey(t.id), t.id),
    ]);
    const latest = history[0];
    const result = (latest?.result ?? {}) as Partial<TenantHealth>;
    const steps = {
      reachable: latest ? stepOf(result.reachable) : ({ status: 'unknown' } as StepState),
      siteUrl: latest ? stepOf(result.siteUrl) : ({ status: 'unknown' } as StepState),
      apiKey: row!.apiKey,
      admin: row!.admin,
    };
    const siteUrl = expectedSiteUrl(t.config);
    const changes: ChangeRow[] = page.entries.map((e) => {
      const r = toRow(e, siteUrl);
      return {
        ts: r.time,
        ...(r.changeId !== undefined ? { changeId: r.changeId } : {}),
        principal: r.caller,
        tool: r.tool,
        outcome: r.outcome,
        ...(r.summary !== undefined ? { summary: plainMarked(r.summary) } : {}),
        ...(r.error !== undefined ? { error: plainMarked(r.error) } : {}),
        ...(r.undoneBy !== undefined ? { undoneBy: r.undoneBy } : {}),
        ...(r.undo ? { undoCall: JSON.stringify(r.undo.arguments) } : {}),
        ...(r.otherInstance ? { otherInstance: true } : {}),
      };
    });
    const duplicates: DuplicateScanSummary | undefined = isScan(scan) ? scan : undefined;
    return {
      row: row!,
      url: shownUrl(t.config.url),
      ...(t.config.description !== undefined ? { description: t.config.description } : {}),
      history: history.map(pointOf).reverse(),
      steps,
      changes,
      blueprint,
      blueprints,
      ...(duplicates ? { duplicates } : {}),
    };
  }

  /**
   * A round on these tenants: each one's health check (recorded), then, when the CRM answered, its usage
   * and its drift against `blueprint` (kept in the store). Tenants found cold are released once done. A
   * tenant already being refreshed is joined, not checked twice.
   */
  async refresh(tenants: readonly TenantContext[], opts: { blueprint?: string; signal?: AbortSignal } = {}): Promise<RoundResult> {
    const blueprint = opts.blueprint || (await this.defaultBlueprint());
    let ok = 0;
    await mapFleet(tenants, { concurrency: this.deps.concurrency ?? 8, max: Number.MAX_SAFE_INTEGER, ...(opts.signal ? { signal: opts.signal } : {}) }, async (t) => {
      let run = this.inFlight.get(t.id);
      if (!run) {
        run = this.refreshOne(t, blueprint, opts.signal).finally(() => this.inFlight.delete(t.id));
        this.inFlight.set(t.id, run);
      }
      await run;
      const [latest] = await this.deps.store.latestHealth([t.id]);
      if (latest?.status === 'ok') ok += 1;
    });
    return { tenants: tenants.length, ok };
  }

  private async refreshOne(t: TenantContext, blueprint: string, signal?: AbortSignal): Promise<void> {
    const { store, logger } = this.deps;
    const describe = healthDescriber(LOCAL_PRINCIPAL, logger);
    // What a page shows is read remotely: failures in the stored wording (no secret path or variable).
    const said = (err: unknown) => describe.stored(err);
    try {
      await t.using(
        async () => {
          const check: HealthCheck = await checkTenantHealth(t, { describe, ...(signal ? { signal } : {}) });
          await recordChecks(store, [check], logger);
          if (check.stored.status === 'unreachable') return;
          const server = { readOnly: this.deps.readOnly };
          if (decideTool({ name: 'tenant_usage', kind: 'read' }, t.config, LOCAL_PRINCIPAL, server).allowed) {
            try {
              const timeout = AbortSignal.timeout(USAGE_TIMEOUT_MS);
              const usage = await readTenantUsage(t, { months: USAGE_MONTHS, now: this.now(), signal: signal ? AbortSignal.any([signal, timeout]) : timeout, describe: said });
              await store.putResult(usageKey(t.id), t.id, usageSummaryOf(usage), Date.now() + SUMMARY_TTL_MS);
            } catch (err) {
              if (signal?.aborted) throw err;
              logger.warn({ tenant: t.id, err: said(err) }, 'dashboard: the usage could not be read');
            }
          }
          if (blueprint) {
            const loaded = await loadBlueprint(blueprint, this.deps.config);
            const drift = await driftOfTenant(t, loaded.blueprint, {
              describe: said,
              history: store,
              skip: (x) => schemaReadRefusal(x, 'fleet_drift', LOCAL_PRINCIPAL, server),
              ...(signal ? { signal } : {}),
            });
            await store.putResult(driftKey(blueprint, t.id), t.id, driftSummaryOf(blueprint, drift, this.now().toISOString()), Date.now() + SUMMARY_TTL_MS);
          }
        },
        { transient: true },
      );
    } catch (err) {
      if (signal?.aborted) return;
      logger.warn({ tenant: t.id, err: said(err) }, 'dashboard: a round failed on this tenant');
    }
  }
}
