/**
 * Ordering of list results: `orderBy` names a field (or an attribute), a person name sorts by first
 * then last name, an enum by the position of its option, a link by the linked record's name, NULLs
 * come first in ascending order (as in MySQL), and `id` breaks ties in the same direction.
 */
import { badRequest } from '../errors.js';
import type { Json, RecordAttributes } from '../types.js';
import { fold } from './collation.js';
import { readAttribute, type AttributeSpec, type EntitySchema } from './schema.js';

export interface OrderSpec {
  /** The field (or attribute) ordered by; undefined = insertion order. */
  orderBy?: string;
  direction: 'asc' | 'desc';
  /** Sort keys of a row, compared in turn (first name, then last name...). */
  keys: ((row: RecordAttributes) => SortValue)[];
  /** Attributes EspoCRM adds to a `select` because the order needs them. */
  attributes: string[];
}

type SortValue = number | string | null;

export function resolveOrder(schema: EntitySchema, orderBy: string | undefined, order: 'asc' | 'desc' | undefined): OrderSpec {
  const collection = (schema.defs.collection ?? {}) as Record<string, unknown>;
  const legacyOrderBy = typeof collection.sortBy === 'string' ? collection.sortBy : undefined;
  const defaultOrderBy = typeof collection.orderBy === 'string' ? collection.orderBy : legacyOrderBy;
  const defaultOrder = collection.order === 'desc' || (collection.order === undefined && collection.asc === false) ? 'desc' : 'asc';
  const usable = (f: string | undefined) => f !== undefined && (schema.fields[f] !== undefined || schema.byName.has(f));
  const by = orderBy ?? (usable(defaultOrderBy) ? defaultOrderBy : undefined);
  let direction: 'asc' | 'desc' = 'asc';
  if (order) direction = order;
  else if (by !== undefined && by === defaultOrderBy) direction = defaultOrder;
  if (by === undefined) return { direction, keys: [], attributes: [] };

  const field = schema.fields[by];
  if (field && field.notStorable !== true) {
    const owned = schema.attributes.filter((a) => a.field === by && !a.detailOnly);
    if (field.type === 'personName') {
      const parts = ['salutation', 'first', 'last', 'middle'].map((p) => `${p}${by.charAt(0).toUpperCase()}${by.slice(1)}`);
      const first = schema.byName.get(parts[1]!)!;
      const last = schema.byName.get(parts[2]!)!;
      return {
        orderBy: by,
        direction,
        keys: [(row) => sortValue(readAttribute(row, first)), (row) => sortValue(readAttribute(row, last))],
        attributes: [by, ...parts.filter((p) => schema.byName.has(p))],
      };
    }
    if (field.type === 'link') {
      const name = schema.byName.get(`${by}Name`);
      if (name) return { orderBy: by, direction, keys: [(row) => sortValue(readAttribute(row, name))], attributes: [`${by}Id`, `${by}Name`] };
    }
    const main = schema.byName.get(by) ?? owned[0];
    if (main) {
      const options = field.type === 'enum' && Array.isArray(field.options) ? field.options.map(String) : undefined;
      const key = options
        ? (row: RecordAttributes) => enumPosition(options, readAttribute(row, main))
        : (row: RecordAttributes) => sortValue(readAttribute(row, main));
      return { orderBy: by, direction, keys: [key], attributes: owned.map((a) => a.name) };
    }
  }
  const attribute = schema.byName.get(by);
  if (attribute && !attribute.detailOnly) {
    return { orderBy: by, direction, keys: [(row) => sortValue(readAttribute(row, attribute as AttributeSpec))], attributes: [by] };
  }
  throw badRequest(`Order by non-existing field '${by}'.`);
}

/** MySQL's FIELD(): 1-based position in the option list, 0 when absent. */
function enumPosition(options: string[], value: Json): number {
  return typeof value === 'string' ? options.indexOf(value) + 1 : 0;
}

function sortValue(value: Json): SortValue {
  if (value === null) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return DATE_LIKE.test(value) ? value : fold(value).trimEnd();
  return JSON.stringify(value);
}

// Dates and date-times sort as stored; folding 100k of them would only cost time.
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/;

function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Sorts rows by the order spec (decorate-sort-undecorate: keys are computed once per row). */
export function sortRows(rows: RecordAttributes[], spec: OrderSpec): RecordAttributes[] {
  if (spec.orderBy === undefined) return rows.slice();
  const sign = spec.direction === 'asc' ? 1 : -1;
  const [k0, k1] = spec.keys;
  const decorated = rows.map((row) => ({ row, a: k0 ? k0(row) : null, b: k1 ? k1(row) : null, id: String(row.id ?? '') }));
  decorated.sort((x, y) => {
    const c = compareValues(x.a, y.a) || compareValues(x.b, y.b);
    if (c !== 0) return sign * c;
    return sign * (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  });
  return decorated.map((d) => d.row);
}
