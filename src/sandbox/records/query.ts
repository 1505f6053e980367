/**
 * List parameters of `GET {Entity}` as EspoCRM's SearchParamsFetcher reads them (docs/espocrm.md,
 * "Records, lists and counts"): PHP-style nested query keys, the `searchParams` JSON alternative
 * (which makes every other parameter ignored), the 9.x aliases `whereGroup` and `attributeSelect`,
 * and the 200-row limit.
 */
import { badRequest, forbidden } from '../errors.js';

export const MAX_SIZE_LIMIT = 200;

export interface ListParams {
  maxSize: number;
  offset: number;
  orderBy?: string;
  order?: 'asc' | 'desc';
  select?: string[];
  where: unknown[];
  textFilter?: string;
  /** `q` was used: EspoCRM then skips the count (total -1/-2), as recorded. */
  quickSearch: boolean;
  primaryFilter?: string;
  boolFilterList: string[];
}

type PhpValue = string | PhpObject;
interface PhpObject {
  [key: string]: PhpValue | PhpValue[];
}

/**
 * Parses a query string the way PHP fills `$_GET`: `a[b][]=1` nests, `[]` appends, a later plain
 * key overwrites an earlier one. Objects whose keys are all list indexes become arrays.
 */
export function parsePhpQuery(query: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [rawKey, value] of query) {
    const open = rawKey.indexOf('[');
    const base = open > 0 ? rawKey.slice(0, open) : rawKey;
    if (base === '') continue;
    const path: string[] = [];
    if (open > 0) {
      const re = /\[([^\]]*)\]/gy;
      re.lastIndex = open;
      let m: RegExpExecArray | null;
      while ((m = re.exec(rawKey)) !== null) path.push(m[1]!);
      if (path.length === 0) {
        root[rawKey] = value;
        continue;
      }
    }
    if (path.length === 0) {
      root[base] = value;
      continue;
    }
    let node = root;
    const keys = [base, ...path];
    for (let i = 0; i < keys.length - 1; i++) {
      const key = keys[i] === '' ? String(nextIndex(node)) : keys[i]!;
      const child = node[key];
      if (child === null || typeof child !== 'object') node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    node[last === '' ? String(nextIndex(node)) : last] = value;
  }
  return listify(root) as Record<string, unknown>;
}

function nextIndex(node: Record<string, unknown>): number {
  let max = -1;
  for (const k of Object.keys(node)) if (/^(0|[1-9]\d*)$/.test(k)) max = Math.max(max, Number(k));
  return max + 1;
}

function listify(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (const k of keys) obj[k] = listify(obj[k]);
  if (keys.length > 0 && keys.every((k) => /^(0|[1-9]\d*)$/.test(k))) {
    return keys.map(Number).sort((a, b) => a - b).map((k) => obj[String(k)]);
  }
  return obj;
}

/** PHP's intval for a query string value ("12abc" → 12, "abc" → 0). */
function intval(value: string): number {
  const m = /^\s*([+-]?\d+)/.exec(value);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads list parameters from a request's query string. Throws SandboxHttpError on bad input. */
export function readListParams(query: URLSearchParams): ListParams {
  const php = parsePhpQuery(query);
  const raw = query.has('searchParams') ? fromJson(query.get('searchParams') ?? '') : fromQuery(php);
  return finish(raw);
}

interface RawParams {
  maxSize?: unknown;
  offset?: unknown;
  orderBy?: unknown;
  order?: unknown;
  select?: unknown;
  where?: unknown;
  textFilter?: unknown;
  q?: unknown;
  primaryFilter?: unknown;
  boolFilterList?: unknown;
  quickSearch?: boolean;
}

function fromJson(text: string): RawParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('Invalid search params JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest();
  const p = parsed as Record<string, unknown>;
  if (p.maxSize !== undefined && p.maxSize !== null && !Number.isInteger(p.maxSize)) {
    if (!(typeof p.maxSize === 'string' && /^-?\d+$/.test(p.maxSize))) throw badRequest('maxSize must be integer.');
  }
  return { ...p, quickSearch: false };
}

function fromQuery(php: Record<string, unknown>): RawParams {
  const maxSize = typeof php.maxSize === 'string' && php.maxSize !== '' ? intval(php.maxSize) : undefined;
  const offset = typeof php.offset === 'string' && php.offset !== '' ? intval(php.offset) : undefined;
  const where = php.whereGroup ?? php.where;
  let order: string | undefined;
  if (str(php.order)) order = str(php.order);
  else if (str(php.asc)) order = php.asc === 'true' ? 'ASC' : 'DESC';
  const q = typeof php.q === 'string' && php.q !== '' ? php.q.trim() : undefined;
  const select = str(php.attributeSelect) ?? str(php.select);
  const listOf = (v: unknown) => (Array.isArray(v) ? v : typeof v === 'string' && v !== '' ? [v] : undefined);
  return {
    maxSize,
    offset,
    where: Array.isArray(where) ? where : undefined,
    orderBy: str(php.orderBy) ?? str(php.sortBy),
    order,
    q,
    textFilter: str(php.textFilter),
    primaryFilter: str(php.primaryFilter),
    boolFilterList: listOf(php.boolFilterList),
    select: select?.split(','),
    quickSearch: q !== undefined,
  };
}

/** SearchParams::fromRaw: type checks, legacy where items, the max-size limit. */
function finish(raw: RawParams): ListParams {
  const num = (v: unknown, name: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
    if (!Number.isInteger(v)) throw badRequest(`${name} should be int.`);
    return v as number;
  };
  const select = raw.select ?? undefined;
  if (select !== undefined && select !== null) {
    if (!Array.isArray(select)) throw badRequest('select should be array.');
    if (select.some((s) => typeof s !== 'string')) throw badRequest('select has non-string item.');
  }
  for (const [key, value] of [['orderBy', raw.orderBy], ['order', raw.order], ['primaryFilter', raw.primaryFilter]] as const) {
    if (value !== undefined && value !== null && typeof value !== 'string') throw badRequest(`${key} should be string.`);
  }
  const textFilter = raw.textFilter ?? raw.q ?? undefined;
  if (textFilter !== undefined && textFilter !== null && typeof textFilter !== 'string') throw badRequest('textFilter should be string.');
  let boolFilterList = raw.boolFilterList ?? [];
  if (!Array.isArray(boolFilterList) || boolFilterList.some((b) => typeof b !== 'string')) throw badRequest('boolFilterList should be array.');
  let where = raw.where ?? undefined;
  if (where !== undefined && where !== null && !Array.isArray(where)) throw badRequest('where should be array.');
  let order: 'asc' | 'desc' | undefined;
  if (typeof raw.order === 'string' && raw.order !== '') {
    const upper = raw.order.toUpperCase();
    if (upper !== 'ASC' && upper !== 'DESC') throw badRequest('order value is bad.');
    order = upper === 'ASC' ? 'asc' : 'desc';
  }
  let primaryFilter = typeof raw.primaryFilter === 'string' ? raw.primaryFilter : undefined;
  let text = typeof textFilter === 'string' ? textFilter : undefined;
  // Legacy where items that are really filters (SearchParams::adjustParams).
  if (Array.isArray(where)) {
    where = (where as unknown[]).filter((item) => {
      if (!item || typeof item !== 'object') return true;
      const { type, value } = item as Record<string, unknown>;
      if (type === 'bool' && Array.isArray(value) && value.length) return (boolFilterList = value as string[]), false;
      if (type === 'textFilter') return (text = typeof value === 'string' ? value : text), false;
      if (type === 'primary' && value) return (primaryFilter = typeof value === 'string' ? value : primaryFilter), false;
      return true;
    });
  }
  let maxSize = num(raw.maxSize, 'maxSize');
  if (maxSize === undefined) maxSize = MAX_SIZE_LIMIT;
  if (maxSize > MAX_SIZE_LIMIT) throw forbidden(`Max size should not exceed ${MAX_SIZE_LIMIT}. Use offset and limit.`);
  const offset = num(raw.offset, 'offset') ?? 0;
  return {
    maxSize: Math.max(0, maxSize),
    offset: Math.max(0, offset),
    orderBy: typeof raw.orderBy === 'string' && raw.orderBy !== '' ? raw.orderBy : undefined,
    order,
    select: Array.isArray(select) ? (select as string[]).map((s) => s.trim()).filter((s) => s !== '') : undefined,
    where: Array.isArray(where) ? where : [],
    textFilter: text !== undefined && text !== '' ? text : undefined,
    quickSearch: raw.quickSearch === true,
    primaryFilter,
    boolFilterList: boolFilterList as string[],
  };
}
