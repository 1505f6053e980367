import type { EspoClient } from '../client.js';
import type { WriteClient } from '../writeAccess.js';
import { listQuery, type ListParams } from '../query.js';
import { callOptions, isRecord, segment, type AuthCallOptions } from './common.js';
import { unexpected } from './app.js';

export type RecordData = Record<string, unknown>;

export interface RecordList<T extends RecordData = RecordData> {
  /** -1 / -2 when the count was skipped (`noTotal`): more rows exist / no more rows. */
  total: number;
  list: T[];
}

/** Record calls run as the API user by default (falling back to the admin when there is no key). */
function auth(opts: AuthCallOptions | undefined) {
  return { auth: opts?.auth ?? ('api' as const), ...callOptions(opts) };
}

/** `GET {Entity}` with `maxSize` (at most 200; 0 only counts), `offset`, `select`, `where`... */
export async function list<T extends RecordData = RecordData>(
  client: EspoClient,
  entityType: string,
  params: ListParams = {},
  opts?: AuthCallOptions & { noTotal?: boolean },
): Promise<RecordList<T>> {
  const res = await client.request({
    method: 'GET', path: segment(entityType, 'entityType'), query: listQuery(params), ...auth(opts),
    ...(opts?.noTotal ? { headers: { 'X-No-Total': 'true' } } : {}),
  });
  return asRecordList<T>(client, entityType, res.body);
}

/** A `GET {Entity}` answer as a record list; an EspoError when it is not a `{ total, list }` object. */
function asRecordList<T extends RecordData>(client: EspoClient, entityType: string, body: unknown): RecordList<T> {
  if (!isRecord(body) || typeof body.total !== 'number' || !Array.isArray(body.list)) throw unexpected(client, entityType, 'a { total, list } answer');
  return { total: body.total, list: body.list.filter(isRecord) as T[] };
}

/**
 * `GET {Entity}` like `list`, but the answer's text is returned unparsed, for a caller that parses it
 * later with `parseList`. Errors are thrown as for `list`.
 */
export async function listText(client: EspoClient, entityType: string, params: ListParams = {}, opts?: AuthCallOptions): Promise<string> {
  const res = await client.request({ method: 'GET', path: segment(entityType, 'entityType'), query: listQuery(params), ...auth(opts), responseText: true });
  if (typeof res.body !== 'string') throw unexpected(client, entityType, 'a { total, list } answer');
  return res.body;
}

/** The records of a `listText` answer; an EspoError when it is not a `{ total, list }` object. */
export function parseList<T extends RecordData = RecordData>(client: EspoClient, entityType: string, text: string): RecordList<T> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return asRecordList<T>(client, entityType, body);
}

export async function read<T extends RecordData = RecordData>(client: EspoClient, entityType: string, id: string, opts?: AuthCallOptions): Promise<T> {
  const res = await client.request({ method: 'GET', path: `${segment(entityType, 'entityType')}/${segment(id, 'id')}`, ...auth(opts) });
  return asRecord<T>(client, entityType, res.body);
}

/** `POST {Entity}`. A likely duplicate is an EspoConflictError with the matches, unless `skipDuplicateCheck`. */
export async function create<T extends RecordData = RecordData>(
  client: WriteClient,
  entityType: string,
  attributes: RecordData,
  opts?: AuthCallOptions & { skipDuplicateCheck?: boolean },
): Promise<T> {
  const res = await client.request({
    method: 'POST', path: segment(entityType, 'entityType'), body: attributes, ...auth(opts),
    ...(opts?.skipDuplicateCheck ? { headers: { 'X-Skip-Duplicate-Check': 'true' } } : {}),
  });
  return asRecord<T>(client, entityType, res.body);
}

/** `PUT {Entity}/{id}` (a partial update). With `versionNumber`, a concurrent change is a 409 `modified`. */
export async function update<T extends RecordData = RecordData>(
  client: WriteClient,
  entityType: string,
  id: string,
  attributes: RecordData,
  opts?: AuthCallOptions & { versionNumber?: number },
): Promise<T> {
  const res = await client.request({
    method: 'PUT', path: `${segment(entityType, 'entityType')}/${segment(id, 'id')}`, body: attributes, ...auth(opts),
    ...(opts?.versionNumber !== undefined ? { headers: { 'X-Version-Number': String(opts.versionNumber) } } : {}),
  });
  return asRecord<T>(client, entityType, res.body);
}

async function remove(client: WriteClient, entityType: string, id: string, opts?: AuthCallOptions): Promise<boolean> {
  const res = await client.request({ method: 'DELETE', path: `${segment(entityType, 'entityType')}/${segment(id, 'id')}`, ...auth(opts) });
  return res.body === true;
}
export { remove as delete };

/**
 * `POST Action` with `action: "merge"`: the sources are merged into the target (and soft-deleted);
 * `attributes` are the final values written to the target. Returns the target.
 */
export async function merge<T extends RecordData = RecordData>(
  client: WriteClient,
  entityType: string,
  targetId: string,
  sourceIds: string[],
  attributes: RecordData = {},
  opts?: AuthCallOptions,
): Promise<T> {
  const res = await client.request({
    method: 'POST', path: 'Action',
    body: { entityType, action: 'merge', id: targetId, data: { sourceIdList: sourceIds, attributes } },
    ...auth(opts),
  });
  return asRecord<T>(client, entityType, res.body);
}

function asRecord<T>(client: EspoClient, entityType: string, body: unknown): T {
  if (!isRecord(body)) throw unexpected(client, entityType, 'a record');
  return body as T;
}
