/**
 * `where` items of `GET {Entity}` (docs/espocrm.md, "Where filters and query strings"), checked
 * and compiled into row predicates with the semantics of the SQL EspoCRM generates: comparisons
 * never match NULL, `not` is the complement of its items (EspoCRM uses `id NOT IN (subquery)`),
 * strings compare under the table collation, and an email or phone attribute matches when any of
 * the record's addresses does.
 */
import { badRequest } from '../errors.js';
import type { Json, RecordAttributes } from '../types.js';
import { collatedCompare, collationKey, likeMatcher } from './collation.js';
import { addressList, readAttribute, type AttributeSpec, type EntitySchema } from './schema.js';

export type Predicate = (row: RecordAttributes) => boolean;

export interface WhereContext {
  schema: EntitySchema;
  /** Whether the entity has a relation of that name (for linkedWith and friends). */
  hasRelation(link: string): boolean;
  /** `link.attribute` of the record a row points to, or null. */
  foreign(row: RecordAttributes, link: string, attribute: string): Json;
  now(): Date;
}

const ITEM_KEYS = new Set(['type', 'attribute', 'value', 'data', 'field', 'dateTime', 'date', 'timeZone']);
const NO_ATTRIBUTE_TYPES = new Set(['and', 'or', 'not', 'subQueryIn', 'subQueryNotIn']);
const NESTING_TYPES = new Set(['and', 'or', 'not', 'subQueryIn', 'subQueryNotIn']);
const LINK_TYPES = new Set(['linkedWith', 'notLinkedWith', 'linkedWithAll', 'isLinked', 'isNotLinked', 'inCategory', 'isUserFromTeams']);
const NUMERIC_TYPES = new Set(['int', 'float', 'currency', 'currencyConverted', 'autoincrement', 'enumInt', 'enumFloat']);

interface Item {
  type: string;
  attribute?: string;
  value: unknown;
}

/** Item::fromRaw: the keys EspoCRM accepts and the shape of nested items. */
function toItem(raw: unknown): Item {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('Bad where item.');
  const params = raw as Record<string, unknown>;
  const type = params.type;
  if (!type || typeof type !== 'string') throw badRequest("No 'type' in where item.");
  for (const key of Object.keys(params)) {
    if (!ITEM_KEYS.has(key)) throw badRequest(`Unknown parameter '${key}'.`);
  }
  const attr = params.attribute ?? params.field;
  const attribute = typeof attr === 'string' && attr !== '' ? attr : undefined;
  if (!attribute && !NO_ATTRIBUTE_TYPES.has(type)) throw badRequest("No 'attribute' in where item.");
  let value = params.value ?? null;
  if (type === 'and' || type === 'or') {
    value ??= [];
    if (!Array.isArray(value)) throw badRequest("Bad 'value'.");
  }
  return { type, attribute, value };
}

/** The Checker: every attribute exists (relations for link types), recursively. */
function check(item: Item, ctx: WhereContext): void {
  const attribute = item.attribute;
  if (attribute && !attribute.includes('.')) {
    if (LINK_TYPES.has(item.type)) {
      if (!ctx.hasRelation(attribute)) throw badRequest(`Not existing relation '${attribute}' in where.`);
    } else if (!ctx.schema.byName.has(attribute)) {
      throw badRequest(`Not existing attribute '${attribute}' in where.`);
    }
  }
  if (NESTING_TYPES.has(item.type) && Array.isArray(item.value)) {
    for (const sub of item.value) check(toItem(sub), ctx);
  }
}

/** Checks and compiles a list of where items (joined by AND). */
export function compileWhere(rawItems: unknown[], ctx: WhereContext): Predicate {
  const items = rawItems.map(toItem);
  for (const item of items) check(item, ctx);
  const predicates = items.map((item) => compileItem(item, ctx));
  return and(predicates);
}

function and(predicates: Predicate[]): Predicate {
  if (predicates.length === 0) return () => true;
  if (predicates.length === 1) return predicates[0]!;
  return (row) => predicates.every((p) => p(row));
}

function or(predicates: Predicate[]): Predicate {
  if (predicates.length === 0) return () => true;
  return (row) => predicates.some((p) => p(row));
}

function nested(value: unknown, ctx: WhereContext): Predicate[] {
  if (!Array.isArray(value)) throw badRequest('Bad where item.');
  return value.map((raw) => compileItem(toItem(raw), ctx));
}

function compileItem(item: Item, ctx: WhereContext): Predicate {
  const { type, value } = item;
  switch (type) {
    case 'and':
    case 'subQueryIn':
      return and(nested(value, ctx));
    case 'or':
      return or(nested(value, ctx));
    case 'not':
    case 'subQueryNotIn': {
      const inner = and(nested(value, ctx));
      return (row) => !inner(row);
    }
    case 'any':
      return () => true;
    case 'none':
      return () => false;
  }
  const attribute = item.attribute!;
  if (LINK_TYPES.has(type)) return compileLink(type, attribute, value, ctx);
  const access = accessor(attribute, ctx);
  const coerce = (v: unknown) => coerceValue(v, access.type);
  const dateOnly = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined;
  if (dateOnly !== undefined) {
    // A day given for a date-time attribute means the whole day (EspoCRM's date-time transformer).
    if (type === 'on') return access.primary(inDateRange({ from: dateOnly, to: dateOnly }));
    if (type === 'notOn') return access.primary((v) => !inDateRange({ from: dateOnly, to: dateOnly })(v));
    if (type === 'after') return access.primary(inDateRange({ from: dateOnly, fromExclusive: true }));
    if (type === 'before') return access.primary(inDateRange({ to: dateOnly, toExclusive: true }));
  }
  switch (type) {
    case 'equals':
    case 'on':
      if (value === null) return (row) => access.isNull(row);
      if (Array.isArray(value)) return access.any(inList(value.map(coerce)));
      return access.any(eq(coerce(value)));
    case 'notEquals':
    case 'notOn':
      if (value === null) return (row) => !access.isNull(row);
      if (Array.isArray(value)) return access.none(inList(value.map(coerce)), value.length > 0);
      return access.none(eq(coerce(value)), true);
    case 'in':
      if (!Array.isArray(value)) throw badRequest("Bad where item 'in'.");
      return value.length === 0 ? () => false : access.any(inList(value.map(coerce)));
    case 'notIn':
      if (!Array.isArray(value)) throw badRequest("Bad where item 'notIn'.");
      return value.length === 0 ? () => true : access.none(inList(value.map(coerce)), true);
    case 'like':
      return access.any(like(String(value ?? '')));
    case 'notLike':
      return access.none(like(String(value ?? '')), true);
    case 'contains':
      return access.any(like(`%${String(value ?? '')}%`));
    case 'notContains':
      return access.none(like(`%${String(value ?? '')}%`), true);
    case 'startsWith':
      return access.any(like(`${String(value ?? '')}%`));
    case 'endsWith':
      return access.any(like(`%${String(value ?? '')}`));
    case 'isNull':
      return (row) => access.isNull(row);
    case 'isNotNull':
    case 'ever':
      return (row) => !access.isNull(row);
    case 'isTrue':
      return access.primary((v) => v === true);
    case 'isFalse':
      return access.primary((v) => v === false);
    case 'greaterThan':
    case 'after':
      return access.primary(cmp(coerce(value), (c) => c > 0));
    case 'lessThan':
    case 'before':
      return access.primary(cmp(coerce(value), (c) => c < 0));
    case 'greaterThanOrEquals':
      return access.primary(cmp(coerce(value), (c) => c >= 0));
    case 'lessThanOrEquals':
      return access.primary(cmp(coerce(value), (c) => c <= 0));
    case 'between': {
      if (!Array.isArray(value) || value.length < 2) throw badRequest("Bad where item 'between'.");
      const low = cmp(coerce(value[0]), (c) => c >= 0);
      const high = cmp(coerce(value[1]), (c) => c <= 0);
      return access.primary((v) => low(v) && high(v));
    }
    case 'arrayAnyOf':
    case 'arrayNoneOf':
    case 'arrayAllOf':
    case 'arrayIsEmpty':
    case 'arrayIsNotEmpty':
      return compileArray(type, access, value);
  }
  const range = dateRange(type, value, ctx.now());
  if (range) return access.primary(inDateRange(range));
  throw badRequest(`Unknown where item type '${type}'.`);
}

interface Accessor {
  type: string;
  /** The attribute's value (the primary address for an email/phone). */
  read(row: RecordAttributes): Json;
  isNull(row: RecordAttributes): boolean;
  /** Some value of the attribute satisfies the test (all addresses of an email/phone). */
  any(test: (v: Json) => boolean): Predicate;
  /** No value satisfies it; `excludeNull`: a NULL attribute does not match (SQL `<>`, `NOT LIKE`). */
  none(test: (v: Json) => boolean, excludeNull: boolean): Predicate;
  /** Test on the attribute's (primary) value. */
  primary(test: (v: Json) => boolean): Predicate;
}

function accessor(attribute: string, ctx: WhereContext): Accessor {
  if (attribute.includes('.')) {
    const [link, foreignAttribute] = attribute.split('.', 2) as [string, string];
    const read = (row: RecordAttributes) => ctx.foreign(row, link, foreignAttribute);
    return scalarAccessor('varchar', read);
  }
  const spec = ctx.schema.byName.get(attribute) as AttributeSpec;
  if (spec.kind === 'primaryAddress') {
    const kind = spec.type === 'email' ? 'email' : 'phone';
    const all = (row: RecordAttributes) => addressList(row, spec.field, kind);
    return {
      type: spec.type,
      read: (row) => readAttribute(row, spec),
      isNull: (row) => all(row).length === 0,
      any: (test) => (row) => all(row).some(test),
      // EspoCRM: `id NOT IN (records having a matching address)`, so records without address match.
      none: (test) => (row) => !all(row).some(test),
      primary: (test) => (row) => {
        const v = readAttribute(row, spec);
        return v !== null && test(v);
      },
    };
  }
  return scalarAccessor(spec.type, (row) => readAttribute(row, spec));
}

function scalarAccessor(type: string, read: (row: RecordAttributes) => Json): Accessor {
  const primary = (test: (v: Json) => boolean): Predicate => (row) => {
    const v = read(row);
    return v !== null && test(v);
  };
  return {
    type,
    read,
    isNull: (row) => read(row) === null,
    any: primary,
    none: (test, excludeNull) => (row) => {
      const v = read(row);
      if (v === null) return !excludeNull;
      return !test(v);
    },
    primary,
  };
}

function coerceValue(value: unknown, type: string): Json {
  if (value === null || value === undefined) return null;
  if (NUMERIC_TYPES.has(type)) {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) ? n : String(value);
  }
  if (type === 'bool') {
    if (typeof value === 'boolean') return value;
    return value === 'true' || value === '1' || value === 1;
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return typeof value === 'string' ? value : String(value);
}

/** Comparison of a stored value with a filter value (numbers numerically, strings under the collation). */
export function compareJson(a: Json, b: Json): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a === true) - Number(b === true);
  if (typeof a === 'number' && typeof b === 'string' && b.trim() !== '' && Number.isFinite(Number(b))) return a - Number(b);
  if (typeof b === 'number' && typeof a === 'string' && a.trim() !== '' && Number.isFinite(Number(a))) return Number(a) - b;
  return collatedCompare(stringOf(a), stringOf(b));
}

const stringOf = (v: Json): string => (typeof v === 'string' ? v : v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

function eq(target: Json): (v: Json) => boolean {
  if (typeof target === 'string') {
    const key = collationKey(target);
    return (v) => (typeof v === 'string' ? collationKey(v) === key : compareJson(v, target) === 0);
  }
  return (v) => compareJson(v, target) === 0;
}

function inList(targets: Json[]): (v: Json) => boolean {
  const present = targets.filter((t) => t !== null);
  // A string value is folded once per row and looked up, not folded again for every target
  // (`id in [...200 ids]` used to fold each row 200 times). Non-string targets compare as `eq` does.
  const keys = new Set<string>();
  const others: Json[] = [];
  for (const t of present) {
    if (typeof t === 'string') keys.add(collationKey(t));
    else others.push(t);
  }
  return (v) => {
    if (typeof v === 'string') return keys.has(collationKey(v)) || others.some((t) => compareJson(v, t) === 0);
    return present.some((t) => compareJson(v, t) === 0);
  };
}

function like(pattern: string): (v: Json) => boolean {
  const match = likeMatcher(pattern);
  return (v) => match(stringOf(v));
}

function cmp(target: Json, ok: (c: number) => boolean): (v: Json) => boolean {
  if (target === null) return () => false;
  return (v) => ok(compareJson(v, target));
}

function compileArray(type: string, access: Accessor, value: unknown): Predicate {
  if ((type === 'arrayAnyOf' || type === 'arrayNoneOf' || type === 'arrayAllOf') && !value && !Array.isArray(value)) {
    throw badRequest(type === 'arrayAnyOf' ? 'Bad where item. No value.' : "Bad where item 'array'. No value.");
  }
  const wanted = (Array.isArray(value) ? value : [value]).map((v) => eq(coerceValue(v, 'varchar')));
  const itemsOf = (row: RecordAttributes): Json[] => {
    const v = access.read(row);
    return Array.isArray(v) ? v : [];
  };
  switch (type) {
    case 'arrayAnyOf':
      return (row) => itemsOf(row).some((i) => wanted.some((w) => w(i)));
    case 'arrayNoneOf':
      return (row) => !itemsOf(row).some((i) => wanted.some((w) => w(i)));
    case 'arrayAllOf':
      return (row) => {
        const items = itemsOf(row);
        return wanted.every((w) => items.some((i) => w(i)));
      };
    case 'arrayIsEmpty':
      return (row) => itemsOf(row).length === 0;
    default:
      return (row) => itemsOf(row).length > 0;
  }
}

function compileLink(type: string, link: string, value: unknown, ctx: WhereContext): Predicate {
  const field = ctx.schema.fields[link];
  const idsOf = (row: RecordAttributes): string[] => {
    if (field?.type === 'link' || field?.type === 'linkOne') {
      const id = row[`${link}Id`];
      return typeof id === 'string' ? [id] : [];
    }
    const ids = row[`${link}Ids`];
    return Array.isArray(ids) ? ids.filter((i): i is string => typeof i === 'string') : [];
  };
  const wanted = value === null || value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
  switch (type) {
    case 'isLinked':
      return (row) => idsOf(row).length > 0;
    case 'isNotLinked':
      return (row) => idsOf(row).length === 0;
    case 'linkedWith':
    case 'inCategory':
    case 'isUserFromTeams':
      return (row) => idsOf(row).some((id) => wanted.includes(id));
    case 'notLinkedWith':
      return (row) => !idsOf(row).some((id) => wanted.includes(id));
    default:
      return (row) => wanted.every((w) => idsOf(row).includes(w));
  }
}

interface DateRange {
  from?: string;
  to?: string;
  fromExclusive?: boolean;
  toExclusive?: boolean;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);
const monthStart = (y: number, m: number) => new Date(Date.UTC(y, m, 1));

/** The date types (today, lastXDays, currentQuarter...), on dates in UTC. */
function dateRange(type: string, value: unknown, now: Date): DateRange | undefined {
  const today = day(now);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const n = Number.parseInt(String(value ?? '0'), 10) || 0;
  const months = (start: Date, count: number): DateRange => ({
    from: day(start),
    to: day(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + count, 1))),
    toExclusive: true,
  });
  const q = Math.floor(m / 3) * 3;
  switch (type) {
    case 'today':
      return { from: today, to: today };
    case 'past':
      return { to: today, toExclusive: true };
    case 'future':
      return { from: today, fromExclusive: true };
    case 'lastSevenDays':
      return { from: day(addDays(now, -7)), to: today };
    case 'lastXDays':
      return { from: day(addDays(now, -n)), to: today };
    case 'nextXDays':
      return { from: today, to: day(addDays(now, n)) };
    case 'olderThanXDays':
      return { to: day(addDays(now, -n)), toExclusive: true };
    case 'afterXDays':
      return { from: day(addDays(now, n)), fromExclusive: true };
    case 'currentMonth':
      return months(monthStart(y, m), 1);
    case 'lastMonth':
      return months(monthStart(y, m - 1), 1);
    case 'nextMonth':
      return months(monthStart(y, m + 1), 1);
    case 'currentQuarter':
    case 'currentFiscalQuarter':
      return months(monthStart(y, q), 3);
    case 'lastQuarter':
    case 'lastFiscalQuarter':
      return months(monthStart(y, q - 3), 3);
    case 'currentYear':
    case 'currentFiscalYear':
      return months(monthStart(y, 0), 12);
    case 'lastYear':
    case 'lastFiscalYear':
      return months(monthStart(y - 1, 0), 12);
  }
  return undefined;
}

function inDateRange(range: DateRange): (v: Json) => boolean {
  return (v) => {
    if (typeof v !== 'string') return false;
    const d = v.slice(0, 10);
    if (range.from !== undefined && (range.fromExclusive ? d <= range.from : d < range.from)) return false;
    if (range.to !== undefined && (range.toExclusive ? d >= range.to : d > range.to)) return false;
    return true;
  };
}

