/**
 * Query strings in the PHP style EspoCRM parses (docs/espocrm.md, "Where filters and query
 * strings"): nested objects and arrays become bracketed keys,
 * `where[0][type]=in&where[0][value][]=New`. Arrays of scalars use `[]` (as the EspoCRM web UI
 * sends them); arrays holding objects use indexes, which PHP needs to keep each item's keys
 * together.
 */

export type QueryScalar = string | number | boolean;
export type QueryValue = QueryScalar | null | undefined | QueryValue[] | { [key: string]: QueryValue };
export type QueryParams = Record<string, QueryValue>;

/** A `where` item. `value` is a scalar, a list of scalars (`in`, `between`, `arrayAnyOf`...) or
 *  nested items (`and`, `or`, `not`). */
export interface WhereItem {
  type: string;
  attribute?: string;
  /** Legacy alias of `attribute`. */
  field?: string;
  value?: QueryScalar | null | QueryScalar[] | WhereItem[];
  dateTime?: boolean;
  timeZone?: string;
}

export interface ListParams {
  /** 0..200; 0 only counts. Above 200 EspoCRM answers 403. */
  maxSize?: number;
  offset?: number;
  /** Attributes to return; `id` is always added by EspoCRM. */
  select?: string[] | string;
  orderBy?: string;
  order?: 'asc' | 'desc';
  where?: WhereItem[];
  textFilter?: string;
  primaryFilter?: string;
  boolFilterList?: string[];
}

/**
 * Encodes params as `a=1&b[]=x&c[0][k]=v`. `undefined` and `null` values are left out; so are empty
 * arrays and objects, which a PHP query string cannot express. Booleans are `true`/`false`.
 */
export function encodeQuery(params: QueryParams): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) appendPairs(parts, key, value);
  return parts.join('&');
}

/** The query of `GET {Entity}` for list params (`select` joined with commas, as EspoCRM expects). */
export function listQuery(params: ListParams): QueryParams {
  const select = Array.isArray(params.select) ? params.select.join(',') : params.select;
  return {
    maxSize: params.maxSize,
    offset: params.offset,
    select: select === '' ? undefined : select,
    orderBy: params.orderBy,
    order: params.order,
    textFilter: params.textFilter,
    primaryFilter: params.primaryFilter,
    boolFilterList: params.boolFilterList,
    where: params.where as QueryValue,
  };
}

function appendPairs(parts: string[], key: string, value: QueryValue): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    // Items that encode to nothing are dropped before indexing, so PHP still sees a list (0..n-1).
    const items = value.filter((v) => !encodesToNothing(v));
    const scalarsOnly = items.every((v) => typeof v !== 'object');
    items.forEach((item, i) => appendPairs(parts, scalarsOnly ? `${key}[]` : `${key}[${i}]`, item));
    return;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) appendPairs(parts, `${key}[${k}]`, v);
    return;
  }
  parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(scalarToString(value))}`);
}

function encodesToNothing(value: QueryValue): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.every(encodesToNothing);
  if (typeof value === 'object') return Object.values(value).every(encodesToNothing);
  return false;
}

function scalarToString(value: QueryScalar): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Cannot put the number ${value} in a query string.`);
    return String(value);
  }
  return String(value);
}
