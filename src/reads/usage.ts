/**
 * How much a tenant uses its CRM, for billing (tenant_usage, `tenants usage`): active users by type,
 * records per main entity, and leads created per calendar month. Every number is one list call with
 * `maxSize=0` that reads only `total` (docs/espocrm.md, "Records, lists and counts"; users: "Users,
 * roles and credentials (lifecycle)"). Months are calendar months in UTC, bounded with `between` on
 * `createdAt`, which EspoCRM stores in UTC. The counts run with the tenant's concurrency; a count that
 * fails is reported on its own item, never as a failure of the whole read.
 */
import { records } from '../espo/api/index.js';
import { EspoError, EspoForbiddenError, EspoNetworkError } from '../espo/errors.js';
import { TenantUnavailableError } from '../tenants/breaker.js';
import type { WhereItem } from '../espo/query.js';
import { describeError } from '../errors.js';
import { untrusted } from '../core/fence.js';
import type { TenantContext } from '../tenants/registry.js';
import { readScopes } from './entities.js';
import { countRecords, recordAuth, tenantConcurrency } from './recordScan.js';

export const USER_TYPES = ['regular', 'admin', 'api', 'portal'] as const;
export type UsageUserType = (typeof USER_TYPES)[number];
/** The main entity types counted, when the tenant's metadata has them. */
export const MAIN_ENTITIES = ['Lead', 'Contact', 'Account', 'Opportunity', 'Case'] as const;
export const DEFAULT_MONTHS = 6;
export const MAX_MONTHS = 24;

/** A count, or null: `error` when counting failed, `note` when the CRM does not count (no failure). */
export interface UsageCount {
  count: number | null;
  error?: string;
  note?: string;
}

export interface MonthWindow {
  /** "2026-11" */
  month: string;
  /** "2026-11-01 00:00:00" (UTC, inclusive) */
  from: string;
  /** "2026-11-30 23:59:59" (UTC, inclusive) */
  to: string;
}

export interface MonthCount extends MonthWindow, UsageCount {}

export interface TenantUsage {
  tenant: string;
  /** When the counts were taken (ISO, UTC). */
  at: string;
  timezone: 'UTC';
  /** Active users per type; null when the tenant has no admin login (the API user usually cannot read User). */
  activeUsers: Record<UsageUserType, UsageCount> | null;
  /** Records per main entity type that exists on the tenant. */
  records: Record<string, UsageCount>;
  /** Leads created per month, oldest first, the current (partial) month last; [] when Lead is missing. */
  leadsPerMonth: MonthCount[];
  /** Counts missing: failed, or not counted by the CRM (each item says why). */
  missing: number;
  /** Counts that failed (each item has its `error`). */
  failed: number;
  notes: string[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The last `months` calendar months in UTC up to and including the one `now` falls in, oldest first,
 * each as inclusive `YYYY-MM-DD HH:mm:ss` bounds (EspoCRM's date-time format, stored in UTC).
 */
export function monthWindows(now: Date, months: number): MonthWindow[] {
  if (!Number.isInteger(months) || months < 1 || months > MAX_MONTHS) throw new RangeError(`months must be an integer from 1 to ${MAX_MONTHS}`);
  const out: MonthWindow[] = [];
  for (let back = months - 1; back >= 0; back--) {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    const y = start.getUTCFullYear();
    const m = start.getUTCMonth() + 1;
    const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
    out.push({ month: `${y}-${pad(m)}`, from: `${y}-${pad(m)}-01 00:00:00`, to: `${y}-${pad(m)}-${pad(lastDay)} 23:59:59` });
  }
  return out;
}

/** The `where` of one month's leads. */
export function monthWhere(w: MonthWindow): WhereItem[] {
  return [{ type: 'between', attribute: 'createdAt', value: [w.from, w.to] }];
}

/** The `where` of the active users of one type. */
export function activeUsersWhere(type: UsageUserType): WhereItem[] {
  return [
    { type: 'isTrue', attribute: 'isActive' },
    { type: 'equals', attribute: 'type', value: type },
  ];
}

/** An error for a count's item: ours as is, the CRM's reason marked as third-party text. */
export function usageErrorText(err: unknown, describe: (err: unknown) => string = describeError): string {
  const text = describe(err);
  if (err instanceof EspoError && err.reason) return text.split(err.reason).join(untrusted(err.reason));
  return text;
}

/**
 * Runs every task with at most `concurrency` at once. Tasks catch their own failures; only the
 * caller's cancellation stops the run (then it throws).
 */
async function runBounded(tasks: Array<() => Promise<void>>, concurrency: number, signal: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && !signal.aborted) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker));
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

export interface UsageOptions {
  months?: number;
  now?: Date;
  signal: AbortSignal;
  /** How a failure is described for the reader (default: describeError). */
  describe?: (err: unknown) => string;
  /** Called as each count finishes. */
  progress?: (done: number, total: number) => void;
}

/**
 * Reads a tenant's usage. A failing count is reported on its item; it throws only when cancelled, or
 * when the CRM cannot be read at all (the metadata read got no answer, or every count failed): then
 * there is nothing to report but that error.
 */
export async function readTenantUsage(tenant: TenantContext, opts: UsageOptions): Promise<TenantUsage> {
  const months = opts.months ?? DEFAULT_MONTHS;
  const now = opts.now ?? new Date();
  const windows = monthWindows(now, months);
  const describe = (err: unknown) => usageErrorText(err, opts.describe);
  const notes: string[] = [];
  const hasAdmin = Boolean(tenant.config.admin);

  // Which main entity types exist: from the metadata (one read). Without it, every count still runs
  // and an entity that does not exist fails on its own item.
  let present: string[] = [...MAIN_ENTITIES];
  try {
    const scopes = await readScopes(tenant, opts.signal);
    present = MAIN_ENTITIES.filter((e) => scopes[e]?.entity === true);
    const missing = MAIN_ENTITIES.filter((e) => !present.includes(e));
    if (missing.length) notes.push(`Not on this CRM, so not counted: ${missing.join(', ')}.`);
  } catch (err) {
    // Unreachable (no answer, or its circuit breaker open): nothing else would get an answer either.
    if (opts.signal.aborted || err instanceof EspoNetworkError || err instanceof TenantUnavailableError) throw err;
    notes.push(`The metadata could not be read (${describe(err)}); every main entity type was tried.`);
  }

  const activeUsers = hasAdmin ? (Object.fromEntries(USER_TYPES.map((t) => [t, { count: null }])) as Record<UsageUserType, UsageCount>) : null;
  if (!hasAdmin) notes.push('Active users not counted: that needs the tenant\'s admin login (an API user usually cannot read User). Add "admin" to the tenant to count them.');
  const recordCounts: Record<string, UsageCount> = Object.fromEntries(present.map((e) => [e, { count: null }]));
  const leadsPerMonth: MonthCount[] = present.includes('Lead') ? windows.map((w) => ({ ...w, count: null })) : [];
  if (!present.includes('Lead')) notes.push('No Lead entity: leads per month not counted.');

  const client = tenant.client();
  const auth = recordAuth(tenant);
  const tasks: Array<() => Promise<void>> = [];
  const errors: unknown[] = [];
  let done = 0;
  const total = () => tasks.length;
  // A 403 for the API user is its roles' limit, not an outage: a note (the admin login would count it).
  const forbiddenNote = (what: string) => (auth === 'api' ? `the API user may not read ${what} (its roles do not allow it); the admin login would count it` : undefined);
  const task = (into: UsageCount, count: (signal: AbortSignal) => Promise<number | null>, onNull?: string, onForbidden?: string) =>
    tasks.push(async () => {
      try {
        into.count = await count(opts.signal);
        if (into.count === null && onNull) into.note = onNull;
      } catch (err) {
        if (opts.signal.aborted) return;
        if (onForbidden && err instanceof EspoForbiddenError) into.note = onForbidden;
        else {
          into.error = describe(err);
          errors.push(err);
        }
      }
      opts.progress?.(++done, total());
    });

  if (activeUsers) {
    for (const type of USER_TYPES) {
      task(activeUsers[type], async (signal) => {
        const res = await records.list(client, 'User', { maxSize: 0, where: activeUsersWhere(type) }, { auth: 'admin', signal });
        return res.total >= 0 ? res.total : null;
      }, 'the CRM did not count');
    }
  }
  for (const entity of present) {
    task(recordCounts[entity]!, async (signal) => (await countRecords(tenant, entity, undefined, signal)).count, 'the CRM does not count this entity', forbiddenNote(entity));
  }
  for (const m of leadsPerMonth) {
    task(m, async (signal) => {
      const res = await records.list(client, 'Lead', { maxSize: 0, where: monthWhere(m) }, { auth, signal });
      return res.total >= 0 ? res.total : null;
    }, 'the CRM does not count leads', forbiddenNote('Lead'));
  }

  await runBounded(tasks, tenantConcurrency(tenant), opts.signal);
  // Nothing counted at all: the CRM is down (or refuses every call), which is one error, not a report.
  if (tasks.length > 0 && errors.length === tasks.length) throw errors[0];
  const all = [...(activeUsers ? Object.values(activeUsers) : []), ...Object.values(recordCounts), ...leadsPerMonth];
  const missing = all.filter((c) => c.count === null).length;
  const failed = all.filter((c) => c.error !== undefined).length;
  return { tenant: tenant.id, at: now.toISOString(), timezone: 'UTC', activeUsers, records: recordCounts, leadsPerMonth, missing, failed, notes };
}
