/**
 * The sandbox's records: an in-memory stand-in for EspoCRM 9.x's record API (docs/espocrm.md,
 * "Records, lists and counts" to "Mass actions"). No HTTP here: the server maps requests to these
 * methods and SandboxHttpErrors to responses.
 *
 * Per entity type, rows are kept in insertion order (soft-deleted ones included, as EspoCRM keeps
 * them). Sorted orders and filtered results are cached until the next write to that entity type,
 * so paging 200 rows at a time through 100k records sorts once, not once per page.
 */
import { conflict, notFound } from '../errors.js';
import type { EntityCatalog, FieldDef, Json, RecordAttributes } from '../types.js';
import { sanitizePhone } from './addresses.js';
import { likeMatcher } from './collation.js';
import { findDuplicates } from './duplicates.js';
import { formatDateTime, IdGenerator } from './ids.js';
import { applyDefaults, applyInput, validateRow, type WriteContext } from './input.js';
import { readListParams } from './query.js';
import { mergeAddressData, parseMassAction, parseMergeAction } from './actions.js';
import { resolveOrder, sortRows, type OrderSpec } from './order.js';
import {
  addressItems,
  addressList,
  buildSchema,
  personName,
  project,
  readAttribute,
  toAddressData,
  viewAttributes,
  type AttributeSpec,
  type EntitySchema,
} from './schema.js';
import { compileWhere, type Predicate, type WhereContext } from './where.js';

/** The user a write is made by (createdBy/modifiedBy); optional, the sandbox may not track users. */
export interface Actor {
  id: string;
  name: string;
}

export interface ListContext {
  /** `X-No-Total: true` was sent: total becomes -1 (more rows) or -2 (no more). */
  noTotal: boolean;
  isAdmin: boolean;
}

export interface CreateContext {
  /**
   * From the `X-Skip-Duplicate-Check` header: true/false when the header was sent (case-insensitive
   * `true` → true), undefined when absent. Only when absent does the legacy body flag
   * `_skipDuplicateCheck: true` count, as in EspoCRM.
   */
  skipDuplicateCheck: boolean | undefined;
  user?: Actor;
}

export interface WriteOptions {
  user?: Actor;
}

interface Table {
  rows: RecordAttributes[];
  position: Map<string, number>;
  version: number;
  sorted: Map<string, { version: number; rows: RecordAttributes[] }>;
  results: Map<string, { version: number; rows: RecordAttributes[] }>;
}

const RESULT_CACHE_SIZE = 8;

export class RecordStore {
  private readonly tables = new Map<string, Table>();
  private readonly now: () => Date;
  private readonly ids: IdGenerator;

  constructor(
    private readonly catalog: EntityCatalog,
    opts: { now?: () => Date; random?: () => number } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.ids = new IdGenerator(this.now, opts.random ?? Math.random);
  }

  /** `GET {Entity}`: `{total, list}`. */
  list(entityType: string, query: URLSearchParams, ctx: ListContext): { total: number; list: RecordAttributes[] } {
    const schema = this.schema(entityType);
    const params = readListParams(query);
    const where = compileWhere(params.where, this.whereContext(schema));
    const text = params.textFilter !== undefined ? this.textFilter(schema, params.textFilter) : undefined;
    const order = resolveOrder(schema, params.orderBy, params.order);
    const specs = this.selectSpecs(schema, params.select, order);
    const key = JSON.stringify([params.where, params.textFilter ?? null, order.orderBy ?? null, order.direction, schema.fields, schema.defs.collection ?? null]);
    const rows = this.matchingRows(entityType, key, order, (row) => where(row) && (!text || text(row)));

    const countDisabled = schema.defs.collection?.countDisabled === true;
    const { offset, maxSize } = params;
    const total =
      ctx.noTotal || countDisabled || params.quickSearch ? (maxSize > 0 && rows.length > offset + maxSize ? -1 : -2) : rows.length;
    const page = maxSize === 0 ? [] : rows.slice(offset, offset + maxSize);
    return { total, list: page.map((row) => project(row, specs)) };
  }

  /** `GET {Entity}/{id}`. Admins can read soft-deleted records (`deleted: true`); others get 404. */
  read(entityType: string, id: string, ctx: { isAdmin: boolean }): RecordAttributes {
    const schema = this.schema(entityType);
    const row = this.row(entityType, id);
    if (!row || (row.deleted === true && !ctx.isAdmin)) throw notFound(`Record ${id} does not exist.`);
    return project(row, viewAttributes(schema, 'detail'));
  }

  /** `POST {Entity}`: validation (400), then the duplicate check (409, body = bare array). */
  create(entityType: string, body: Record<string, unknown>, ctx: CreateContext): RecordAttributes {
    const schema = this.schema(entityType);
    const row: RecordAttributes = { id: '', deleted: false };
    applyDefaults(row, schema);
    const write = this.writeContext(schema, true);
    validateRow(row, applyInput(row, body, write), write);

    const skip = ctx.skipDuplicateCheck ?? body._skipDuplicateCheck === true;
    if (!skip) {
      const checkFields = this.catalog.scope(entityType)?.duplicateCheckFieldList;
      const fields = Array.isArray(checkFields) ? checkFields.map(String) : [];
      const duplicates = findDuplicates(schema, fields, row, this.table(entityType).rows);
      if (duplicates.length > 0) {
        const listView = viewAttributes(schema, 'list');
        throw conflict('duplicate', duplicates.map((d) => project(d, listView)));
      }
    }
    const now = formatDateTime(this.now());
    row.id = this.ids.next();
    row.createdAt = now;
    row.modifiedAt = now;
    if (schema.fields.streamUpdatedAt) row.streamUpdatedAt = now;
    if (ctx.user) {
      row.createdById = ctx.user.id;
      row.createdByName = ctx.user.name;
    }
    this.put(entityType, row);
    // EspoCRM answers a create with the values it holds, without the unset (null) ones.
    const view = project(row, viewAttributes(schema, 'detail'));
    return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== null));
  }

  /** `PUT`/`PATCH {Entity}/{id}`: partial update, no duplicate check; returns all attributes. */
  update(entityType: string, id: string, body: Record<string, unknown>, opts: WriteOptions = {}): RecordAttributes {
    const schema = this.schema(entityType);
    const current = this.liveRow(entityType, id);
    const next = structuredClone(current);
    const write = this.writeContext(schema, false);
    validateRow(next, applyInput(next, body, write), write);
    this.touch(next, schema, opts.user);
    this.put(entityType, next);
    return project(next, viewAttributes(schema, 'detail'));
  }

  /** `DELETE {Entity}/{id}`: soft delete. */
  delete(entityType: string, id: string, opts: WriteOptions = {}): true {
    const schema = this.schema(entityType);
    const row = this.liveRow(entityType, id);
    this.put(entityType, { ...this.touched(row, schema, opts.user), deleted: true });
    return true;
  }

  /** `POST Action` (only `merge` exists; docs/espocrm.md, "Merge"). Returns the target's attributes. */
  action(body: unknown, opts: WriteOptions = {}): RecordAttributes {
    const request = parseMergeAction(body, (entityType) => this.catalog.entityDefs(entityType) !== undefined);
    const { entityType, targetId, sourceIds, attributes } = request;
    const schema = this.schema(entityType);
    const target = this.row(entityType, targetId);
    if (!target || target.deleted === true) throw notFound('Record not found.');
    const sources = sourceIds
      .filter((id) => id !== targetId)
      .map((id) => {
        const source = this.row(entityType, id);
        if (!source || source.deleted === true) throw notFound('Source record not found.');
        return source;
      });

    const next = structuredClone(target);
    const input: Record<string, unknown> = { ...attributes };
    for (const [field, kind] of [[schema.emailField, 'email'], [schema.phoneField, 'phone']] as const) {
      if (!field) continue;
      const given = attributes[field];
      const primary = typeof given === 'string' ? (kind === 'phone' ? sanitizePhone(given) : given.trim()) : undefined;
      const lists = [next, ...sources].map((r) => addressItems(r, field, kind));
      next[`${field}Data`] = toAddressData(mergeAddressData(lists, primary, kind), kind);
      delete input[field];
      delete input[`${field}Data`];
    }
    // The merger sets the attributes without field validation (entity->set, then save).
    applyInput(next, input, this.writeContext(schema, false));
    for (const source of sources) this.put(entityType, { ...this.touched(source, schema, opts.user), deleted: true });
    this.touch(next, schema, opts.user);
    this.put(entityType, next);
    return project(next, viewAttributes(schema, 'detail'));
  }

  /** `POST MassAction` with `delete` or `update` (docs/espocrm.md, "Mass actions"), processed synchronously. */
  massAction(body: unknown, opts: WriteOptions = {}): { count: number; ids?: string[] } {
    const request = parseMassAction(body, (entityType) => this.catalog.entityDefs(entityType) !== undefined);
    const { entityType, action } = request;
    const schema = this.schema(entityType);
    let targets: RecordAttributes[];
    if (request.ids) {
      targets = request.ids.map((id) => this.row(entityType, id)).filter((r): r is RecordAttributes => !!r && r.deleted !== true);
    } else {
      const search = request.searchParams ?? {};
      const query = new URLSearchParams({ searchParams: JSON.stringify({ ...search, maxSize: undefined, offset: undefined, select: undefined }) });
      const params = readListParams(query);
      const where = compileWhere(params.where, this.whereContext(schema));
      const text = params.textFilter !== undefined ? this.textFilter(schema, params.textFilter) : undefined;
      targets = this.liveRows(entityType).filter((row) => where(row) && (!text || text(row)));
    }
    const done: string[] = [];
    for (const row of targets) {
      if (action === 'delete') {
        this.put(entityType, { ...this.touched(row, schema, opts.user), deleted: true });
      } else {
        const next = structuredClone(row);
        const write = this.writeContext(schema, false);
        try {
          const result = applyInput(next, massUpdateInput(next, request.values, request.actions), write);
          validateRow(next, result, write);
        } catch {
          continue; // EspoCRM skips records that fail validation and goes on.
        }
        this.touch(next, schema, opts.user);
        this.put(entityType, next);
      }
      done.push(String(row.id));
    }
    return request.ids ? { count: done.length, ids: done } : { count: done.length };
  }

  /** Bulk load (generator output): no validation, no duplicate check; ids and timestamps kept. */
  insert(entityType: string, records: RecordAttributes[]): void {
    const table = this.table(entityType);
    const now = formatDateTime(this.now());
    const fields = this.catalog.entityDefs(entityType)?.fields ?? {};
    const addressFields = Object.entries(fields).filter(([, def]) => def.type === 'email' || def.type === 'phone');
    for (const record of records) {
      const row = normalizeInserted(record, addressFields);
      if (!row.id) row.id = this.ids.next();
      row.createdAt ??= now;
      row.modifiedAt ??= row.createdAt;
      const id = String(row.id);
      if (table.position.has(id)) throw new Error(`${entityType} ${id} is already stored`);
      table.position.set(id, table.rows.length);
      table.rows.push(row);
    }
    table.version++;
  }

  /** Number of records of an entity type, soft-deleted ones excluded (for demos and checks). */
  count(entityType: string): number {
    return this.liveRows(entityType).length;
  }

  // ---- internals

  private schema(entityType: string): EntitySchema {
    const defs = this.catalog.entityDefs(entityType);
    if (!defs) throw notFound(`Controller '${entityType}' does not exist.`);
    return buildSchema(entityType, defs, this.catalog.scope(entityType)?.stream === true);
  }

  private table(entityType: string): Table {
    let table = this.tables.get(entityType);
    if (!table) {
      table = { rows: [], position: new Map(), version: 0, sorted: new Map(), results: new Map() };
      this.tables.set(entityType, table);
    }
    return table;
  }

  private row(entityType: string, id: string): RecordAttributes | undefined {
    const table = this.tables.get(entityType);
    const index = table?.position.get(id);
    return index === undefined ? undefined : table!.rows[index];
  }

  private liveRow(entityType: string, id: string): RecordAttributes {
    const row = this.row(entityType, id);
    if (!row || row.deleted === true) throw notFound(`Record ${id} not found.`);
    return row;
  }

  private liveRows(entityType: string): RecordAttributes[] {
    return this.table(entityType).rows.filter((r) => r.deleted !== true);
  }

  /** Stores a row (new or replacing the one with its id) and invalidates the caches. */
  private put(entityType: string, row: RecordAttributes): void {
    const table = this.table(entityType);
    const id = String(row.id);
    const index = table.position.get(id);
    if (index === undefined) {
      table.position.set(id, table.rows.length);
      table.rows.push(row);
    } else {
      table.rows[index] = row;
    }
    table.version++;
  }

  private touched(row: RecordAttributes, schema: EntitySchema, user: Actor | undefined): RecordAttributes {
    const next = { ...row };
    this.touch(next, schema, user);
    return next;
  }

  private touch(row: RecordAttributes, schema: EntitySchema, user: Actor | undefined): void {
    row.modifiedAt = formatDateTime(this.now());
    if (user && schema.fields.modifiedBy) {
      row.modifiedById = user.id;
      row.modifiedByName = user.name;
    }
  }

  private writeContext(schema: EntitySchema, isNew: boolean): WriteContext {
    return { schema, catalog: this.catalog, isNew, linkName: (entityType, id) => this.nameOf(entityType, id) };
  }

  private nameOf(entityType: string, id: string): string | undefined {
    const row = this.row(entityType, id);
    const defs = row ? this.catalog.entityDefs(entityType) : undefined;
    if (!row || !defs) return undefined;
    const value = defs.fields.name?.type === 'personName' ? personName(row, 'name') : row.name;
    return typeof value === 'string' ? value : undefined;
  }

  private whereContext(schema: EntitySchema): WhereContext {
    const links = schema.defs.links ?? {};
    return {
      schema,
      now: this.now,
      hasRelation: (link) => links[link] !== undefined || ['link', 'linkMultiple', 'linkParent', 'linkOne'].includes(schema.fields[link]?.type ?? ''),
      foreign: (row, link, attribute) => this.foreignValue(schema, row, link, attribute),
    };
  }

  private foreignValue(schema: EntitySchema, row: RecordAttributes, link: string, attribute: string): Json {
    const target = schema.defs.links?.[link]?.entity;
    const id = row[`${link}Id`];
    if (typeof target !== 'string' || typeof id !== 'string') return null;
    const other = this.row(target, id);
    const defs = this.catalog.entityDefs(target);
    if (!other || !defs || other.deleted === true) return null;
    const spec = buildSchema(target, defs, false).byName.get(attribute);
    return spec ? readAttribute(other, spec) : null;
  }

  /** `q`/`textFilter`: starts-with (`*` is a wildcard) over `collection.textFilterFields`. */
  private textFilter(schema: EntitySchema, filter: string): Predicate {
    const configured = schema.defs.collection?.textFilterFields;
    const fields = (Array.isArray(configured) ? configured : ['name']).filter((f) => schema.fields[f]);
    const match = likeMatcher(`${filter.replace(/\*/g, '%')}%`);
    const tests: Predicate[] = fields.map((field) => {
      const def = schema.fields[field]!;
      if (def.type === 'personName') {
        const suffix = field.charAt(0).toUpperCase() + field.slice(1);
        const first = schema.byName.get(`first${suffix}`)!;
        const last = schema.byName.get(`last${suffix}`)!;
        return (row) => {
          const f = String(readAttribute(row, first) ?? '');
          const l = String(readAttribute(row, last) ?? '');
          return match(f) || match(l) || match(`${f} ${l}`) || match(`${l} ${f}`);
        };
      }
      if (def.type === 'email' || def.type === 'phone') {
        const kind = def.type;
        return (row) => addressList(row, field, kind).some((a) => match(a));
      }
      const spec = schema.byName.get(field);
      if (!spec) return () => false;
      return (row) => {
        const v = readAttribute(row, spec);
        return typeof v === 'string' && match(v);
      };
    });
    return (row) => tests.some((t) => t(row));
  }

  /** The attributes a `select` yields: id, the known ones asked for, their dependees, the order's, ACL's. */
  private selectSpecs(schema: EntitySchema, select: string[] | undefined, order: OrderSpec): AttributeSpec[] {
    if (!select) return viewAttributes(schema, 'list');
    const names = new Set<string>(['id']);
    for (const name of select) {
      if (schema.byName.has(name)) names.add(name);
      const dependees = schema.fields[name]?.dependeeAttributeList;
      if (Array.isArray(dependees)) for (const d of dependees) if (typeof d === 'string') names.add(d);
    }
    for (const name of order.attributes) names.add(name);
    for (const name of ['createdById', 'assignedUserId']) names.add(name);
    return schema.attributes.filter((a) => names.has(a.name));
  }

  /** Live rows passing the filter, in order; cached per (query, order) until the next write. */
  private matchingRows(entityType: string, key: string, order: OrderSpec, keep: Predicate): RecordAttributes[] {
    const table = this.table(entityType);
    const cached = table.results.get(key);
    if (cached && cached.version === table.version) {
      table.results.delete(key);
      table.results.set(key, cached);
      return cached.rows;
    }
    const rows = this.sorted(table, order).filter((row) => row.deleted !== true && keep(row));
    table.results.set(key, { version: table.version, rows });
    if (table.results.size > RESULT_CACHE_SIZE) table.results.delete(table.results.keys().next().value!);
    return rows;
  }

  private sorted(table: Table, order: OrderSpec): RecordAttributes[] {
    const key = `${order.orderBy ?? ''}|${order.direction}`;
    const cached = table.sorted.get(key);
    if (cached && cached.version === table.version) return cached.rows;
    const rows = sortRows(table.rows, order);
    table.sorted.set(key, { version: table.version, rows });
    return rows;
  }
}

/** Mass update input: `data.values` (9.x) or the data itself (older), with array `actions` add/remove. */
function massUpdateInput(row: RecordAttributes, values: Record<string, unknown>, actions: Record<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = { ...values };
  for (const [attribute, action] of Object.entries(actions)) {
    const given = values[attribute];
    if (!Array.isArray(given)) continue;
    const current = Array.isArray(row[attribute]) ? (row[attribute] as Json[]) : [];
    if (action === 'add') input[attribute] = [...current, ...given.filter((g) => !current.includes(g as Json))];
    if (action === 'remove') input[attribute] = current.filter((c) => !given.includes(c));
  }
  return input;
}

/** Fills what a generated record may leave out: `deleted`, and `*Data` lists from plain addresses. */
function normalizeInserted(record: RecordAttributes, addressFields: [string, FieldDef][]): RecordAttributes {
  const row: RecordAttributes = { ...record, deleted: record.deleted === true };
  for (const [field, def] of addressFields) {
    const value = row[field];
    if (!Array.isArray(row[`${field}Data`]) && typeof value === 'string' && value !== '') {
      const kind = def.type === 'email' ? 'email' : 'phone';
      const type = typeof def.defaultType === 'string' ? def.defaultType : 'Mobile';
      row[`${field}Data`] = toAddressData([{ address: value, primary: true, optOut: false, invalid: false, type }], kind);
    }
    delete row[field];
  }
  return row;
}
