/**
 * Reading records for the data hygiene tools (find_duplicates, merge_duplicates, find_unused_fields):
 * which user the record calls run as, entity metadata, bounded parallel work that stops on
 * cancellation, counting, paging through every record of an entity, the attributes behind a field,
 * and how CRM record values are shown to the model (as JSON data, never as prose).
 */
import { records } from '../espo/api/index.js';
import type { WhereItem } from '../espo/query.js';
import { ToolError } from '../errors.js';
import type { FieldDef, ScopeDefs } from '../core/fieldSpec/index.js';
import type { TenantContext } from '../tenants/registry.js';
import { isRecord } from '../core/values.js';
import { readScopes, resolveIn } from './entities.js';

/** EspoCRM's largest page (`maxSize` above 200 is a 403). */
export const PAGE_SIZE = 200;

export type RecordAuth = 'admin' | 'api';

/** Record reads and merges run as the admin when there is one: ACL then hides no record and allows the merge. */
export function recordAuth(tenant: TenantContext): RecordAuth {
  return tenant.config.admin ? 'admin' : 'api';
}

/** Requests this tenant's CRM may receive at once (`limits.concurrency`, default 4). */
export function tenantConcurrency(tenant: TenantContext): number {
  const n = tenant.config.limits?.concurrency;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : 4;
}

// ---------------------------------------------------------------------------------------------
// Entities

export interface EntityInfo {
  name: string;
  scope: ScopeDefs;
  fields: Record<string, FieldDef>;
  /** How the name given was read ("lead" -> "Lead"). */
  notes: string[];
}

/** Resolves an entity name ("lead" -> "Lead") and reads its field definitions. */
export async function loadEntity(tenant: TenantContext, input: string, scopes?: Record<string, ScopeDefs>, signal?: AbortSignal): Promise<EntityInfo> {
  const all = scopes ?? (await readScopes(tenant, signal));
  const resolved = resolveIn(all, input);
  const fields = await tenant.metadata.get<Record<string, FieldDef>>(`entityDefs.${resolved.name}.fields`, signal);
  return { ...resolved, fields: isRecord(fields) ? (fields as Record<string, FieldDef>) : {} };
}

// ---------------------------------------------------------------------------------------------
// Bounded parallel work

/** The error a tool throws when its call was cancelled: nothing partial is returned as if complete. */
export function cancelledError(tool: string, what: string): ToolError {
  return new ToolError(`${tool} was cancelled ${what}; no result is returned, because a partial one would look complete. Call it again to start over.`, 'cancelled');
}

/**
 * Runs `fn` over `items` with at most `concurrency` at once, in order of `items`. The first failure
 * (or the caller's cancellation) stops the others: they take no new item and their requests are
 * aborted through the signal `fn` receives.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const stop = new AbortController();
  const linked = AbortSignal.any([signal, stop.signal]);
  const out = new Array<R>(items.length);
  let next = 0;
  // The failure that stopped the others: siblings aborted because of it fail with "cancelled", which
  // must not be what the caller sees.
  let first: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (linked.aborted) return;
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i, linked);
      } catch (err) {
        if (!linked.aborted) {
          first ??= { err };
          stop.abort(err);
        }
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, () => worker());
  const settled = await Promise.allSettled(workers);
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
  if (first) throw first.err;
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Counting and paging

/**
 * Records matching `where` (all records without it), with `maxSize=0`. null when the CRM does not
 * count this entity (`countDisabled`, docs/espocrm.md, "Records, lists and counts"); then `any` comes from one row.
 */
export async function countRecords(tenant: TenantContext, entity: string, where: WhereItem[] | undefined, signal: AbortSignal): Promise<{ count: number | null; any: boolean }> {
  const client = tenant.client();
  const auth = recordAuth(tenant);
  const res = await records.list(client, entity, { maxSize: 0, ...(where ? { where } : {}) }, { auth, signal });
  if (res.total >= 0) return { count: res.total, any: res.total > 0 };
  const one = await records.list(client, entity, { maxSize: 1, select: ['id'], ...(where ? { where } : {}) }, { auth, signal });
  return { count: null, any: one.list.length > 0 };
}

export interface ScanPlan {
  entity: string;
  select: string[];
  orderBy: string;
  /** Records counted before the scan; null when the CRM does not count (then pages run until a short one). */
  total: number | null;
}

export interface ScanPage {
  plan: ScanPlan;
  /** 0-based page index. */
  page: number;
  /** The answer's text, unparsed (`records.parseList` reads it): waiting pages hold one string each. */
  text: string;
}

/**
 * Reads every record of each planned entity in pages of 200 (`offset`, a stable ascending order),
 * with at most `concurrency` requests at once across all entities. `onPage` runs as each page
 * arrives (in any order) and returns how many records it held. Pages past the counted total are not
 * read: records created during the scan are left for the next one. A short page ends its entity early
 * (records were deleted; pages asked for past it meanwhile come back empty).
 */
export async function scanPages(
  tenant: TenantContext,
  plans: readonly ScanPlan[],
  concurrency: number,
  signal: AbortSignal,
  onPage: (page: ScanPage) => number | Promise<number>,
): Promise<void> {
  const client = tenant.client();
  const auth = recordAuth(tenant);
  const cursors = plans.map((plan) => ({ plan, next: 0, end: plan.total === null ? Number.POSITIVE_INFINITY : Math.ceil(plan.total / PAGE_SIZE) }));
  let current = 0;
  const take = (): { cursor: (typeof cursors)[number]; page: number } | undefined => {
    while (current < cursors.length) {
      const cursor = cursors[current]!;
      if (cursor.next < cursor.end) return { cursor, page: cursor.next++ };
      current++;
    }
    return undefined;
  };
  const stop = new AbortController();
  const linked = AbortSignal.any([signal, stop.signal]);
  const width = Math.max(1, concurrency);

  // Pages are processed one at a time, after the next request is on its way (setImmediate runs once
  // the fetching code has reached its I/O wait): the CRM keeps working while a page is processed.
  // At most 4 × `width` fetched pages wait for processing, so memory stays bounded when processing is
  // slower; they wait as text (parsed when processed), so their records never outlive a page's turn.
  let waiting = 0;
  const wakers: Array<() => void> = [];
  let processing: Promise<void> = Promise.resolve();
  let processFailure: { error: unknown } | undefined;
  const enqueue = (cursor: (typeof cursors)[number], item: ScanPage): void => {
    waiting++;
    processing = processing
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(async () => {
        if (linked.aborted) return;
        const count = await onPage(item);
        if (count < PAGE_SIZE) cursor.end = Math.min(cursor.end, item.page + 1);
      })
      .catch((error: unknown) => {
        processFailure ??= { error };
        stop.abort(error);
      })
      .finally(() => {
        waiting--;
        wakers.shift()?.();
      });
  };

  const worker = async (): Promise<void> => {
    for (let task = take(); task; task = take()) {
      while (waiting >= 4 * width && !linked.aborted) await new Promise<void>((resolve) => wakers.push(resolve));
      if (linked.aborted) return;
      const { cursor, page } = task;
      if (page >= cursor.end) continue; // a short page ended this entity meanwhile
      const { plan } = cursor;
      try {
        const text = await records.listText(
          client,
          plan.entity,
          { maxSize: PAGE_SIZE, offset: page * PAGE_SIZE, select: plan.select, orderBy: plan.orderBy, order: 'asc' },
          { auth, signal: linked },
        );
        enqueue(cursor, { plan, page, text });
      } catch (err) {
        stop.abort(err);
        throw err;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: width }, () => worker()));
  await processing;
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
  if (processFailure) throw processFailure.error;
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

// ---------------------------------------------------------------------------------------------
// Fields and their attributes

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Types that hold no value of their own on the record (EspoCRM relinks relations on a merge itself). */
const NO_OWN_VALUE = new Set(['linkMultiple', 'linkOne', 'attachmentMultiple', 'currencyConverted', 'foreign', 'autoincrement', 'number', 'map']);

/**
 * The record attributes a field is stored in: `address` -> street, city, state, country, postal
 * code; `personName` -> salutation, first, middle, last name; `currency` -> amount and currency;
 * `link` -> id and name; `linkParent` -> id, type and name. [] for fields with no value of their own.
 */
export function attributesOfField(name: string, def: FieldDef, fields: Record<string, FieldDef>): string[] {
  switch (def.type) {
    case 'address':
      return ['Street', 'City', 'State', 'Country', 'PostalCode'].map((s) => `${name}${s}`);
    case 'personName': {
      const parts = ['salutation', 'first', 'middle', 'last'].map((p) => `${p}${capitalized(name)}`);
      return parts.filter((p) => isRecord(fields[p]));
    }
    case 'currency':
      return [name, `${name}Currency`];
    case 'link':
      return [`${name}Id`, `${name}Name`];
    case 'linkParent':
      return [`${name}Id`, `${name}Type`, `${name}Name`];
    case 'email':
    case 'phone':
      return [name]; // the primary address; EspoCRM keeps the lists in `{name}Data`
    default:
      if (NO_OWN_VALUE.has(def.type) || def.notStorable === true) return [];
      return [name];
  }
}

// ---------------------------------------------------------------------------------------------
// CRM values shown to the model

/**
 * One CRM value for a text mirror, as JSON: strings stay inside quotes, so a value such as "Ignore
 * previous instructions" reads as data. Listings of them go inside `fenceUntrusted` (core/fence).
 */
export function crmJson(value: unknown): string {
  return JSON.stringify(value);
}
