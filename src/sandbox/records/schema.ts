/**
 * The attributes of an entity type, derived from its live field definitions the way EspoCRM's ORM
 * derives columns from fields: a person name gives `name` + `firstName`/`lastName`/`salutationName`,
 * an email gives `emailAddress` + its flags and `emailAddressData`, a link gives `{f}Id`/`{f}Name`, etc.
 * Rows keep what was stored; everything else (the derived `name`, the primary address, the flags,
 * a null for a field added after the row was written) is computed here when a row is read.
 */
import type { EntityDefs, FieldDef, Json, RecordAttributes } from '../types.js';

export type AttributeKind =
  | 'id'
  | 'deleted'
  | 'plain'
  | 'personName'
  | 'primaryAddress'
  | 'optedOut'
  | 'invalid'
  | 'addressData'
  | 'linkIds'
  | 'linkNames'
  | 'stream';

export interface AttributeSpec {
  name: string;
  /** The field the attribute belongs to ('' for id/deleted/stream). */
  field: string;
  /** The owning field's type ('' when none); for person-name parts, the part's own type. */
  type: string;
  kind: AttributeKind;
  /** Shown by read/update, left out of list rows (as EspoCRM does for `*Data` and link-multiple). */
  detailOnly: boolean;
  /** Whether a client may write it (read-only fields, derived and system attributes may not). */
  writable: boolean;
  /** Value of a row that never stored the attribute (e.g. a field added later). */
  fallback: Json;
}

export interface EntitySchema {
  entityType: string;
  defs: EntityDefs;
  fields: Record<string, FieldDef>;
  attributes: AttributeSpec[];
  byName: Map<string, AttributeSpec>;
  /** Field name of type 'email' / 'phone' (EspoCRM supports one of each: emailAddress, phoneNumber). */
  emailField?: string;
  phoneField?: string;
}

const LINK_KINDS = new Set(['link', 'linkParent']);
const ARRAY_TYPES = new Set(['multiEnum', 'array', 'checklist', 'urlMultiple']);
const STATIC_DEFAULT_TYPES = new Set(['varchar', 'enum', 'int', 'float', 'bool', 'text', 'url', 'wysiwyg', 'multiEnum', 'array', 'checklist']);

const ucfirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function isArrayType(type: string): boolean {
  return ARRAY_TYPES.has(type);
}

/** Builds the schema of an entity type from its current definitions. */
export function buildSchema(entityType: string, defs: EntityDefs, stream: boolean): EntitySchema {
  const fields = defs.fields ?? {};
  const main: AttributeSpec[] = [];
  const details: AttributeSpec[] = [];
  const links: AttributeSpec[] = [];
  const seen = new Set<string>();
  let emailField: string | undefined;
  let phoneField: string | undefined;

  const add = (list: AttributeSpec[], spec: AttributeSpec) => {
    if (seen.has(spec.name)) return;
    seen.add(spec.name);
    list.push(spec);
  };
  const spec = (name: string, field: string, type: string, kind: AttributeKind, extra: Partial<AttributeSpec> = {}): AttributeSpec => ({
    name, field, type, kind, detailOnly: false, writable: true, fallback: null, ...extra,
  });

  add(main, spec('id', '', 'id', 'id', { writable: false }));
  const ordered = Object.keys(fields);
  if (fields.name) {
    ordered.splice(ordered.indexOf('name'), 1);
    ordered.unshift('name');
  }

  for (const field of ordered) {
    const def = fields[field]!;
    if (def.notStorable === true) continue;
    const writable = def.readOnly !== true;
    const type = def.type;
    switch (type) {
      case 'personName':
        add(main, spec(field, field, type, 'personName', { writable: false }));
        if (field === 'name') add(main, spec('deleted', '', 'bool', 'deleted', { writable: false, fallback: false }));
        add(main, spec(`salutation${ucfirst(field)}`, field, 'enum', 'plain'));
        add(main, spec(`first${ucfirst(field)}`, field, 'varchar', 'plain'));
        add(main, spec(`last${ucfirst(field)}`, field, 'varchar', 'plain'));
        break;
      case 'email':
      case 'phone':
        if (type === 'email') emailField ??= field;
        else phoneField ??= field;
        add(main, spec(field, field, type, 'primaryAddress', { writable }));
        add(main, spec(`${field}IsOptedOut`, field, type, 'optedOut', { writable }));
        add(main, spec(`${field}IsInvalid`, field, type, 'invalid', { writable }));
        add(details, spec(`${field}Data`, field, type, 'addressData', { detailOnly: true, writable, fallback: [] }));
        break;
      case 'link':
      case 'file':
      case 'image': {
        const list = LINK_KINDS.has(type) ? links : main;
        add(list, spec(`${field}Id`, field, type, 'plain', { writable }));
        add(list, spec(`${field}Name`, field, type, 'plain', { writable }));
        break;
      }
      case 'linkParent':
        add(links, spec(`${field}Id`, field, type, 'plain', { writable }));
        add(links, spec(`${field}Type`, field, type, 'plain', { writable }));
        add(links, spec(`${field}Name`, field, type, 'plain', { writable }));
        break;
      case 'linkMultiple':
      case 'attachmentMultiple':
        if (def.noLoad === true) break;
        add(links, spec(`${field}Ids`, field, type, 'linkIds', { detailOnly: true, writable, fallback: [] }));
        add(links, spec(`${field}Names`, field, type, 'linkNames', { detailOnly: true, writable, fallback: {} }));
        break;
      case 'linkOne':
        break;
      case 'currency':
        add(main, spec(field, field, type, 'plain', { writable }));
        add(main, spec(`${field}Currency`, field, 'varchar', 'plain', { writable }));
        break;
      case 'address':
        for (const part of ['Street', 'City', 'State', 'Country', 'PostalCode']) {
          add(main, spec(`${field}${part}`, field, part === 'Street' ? 'text' : 'varchar', 'plain', { writable }));
        }
        break;
      case 'datetimeOptional':
        add(main, spec(field, field, 'datetime', 'plain', { writable }));
        add(main, spec(`${field}Date`, field, 'date', 'plain', { writable }));
        break;
      default:
        add(main, spec(field, field, type, 'plain', { writable, fallback: fallbackFor(def) }));
    }
    if (field === 'name') add(main, spec('deleted', '', 'bool', 'deleted', { writable: false, fallback: false }));
  }
  add(main, spec('deleted', '', 'bool', 'deleted', { writable: false, fallback: false }));

  // Part fields defined on their own (firstName as a varchar field) carry their own type and rules.
  const attributes = [...main, ...details, ...links];
  for (const a of attributes) {
    const own = fields[a.name];
    if (own && a.field !== a.name && own.notStorable !== true && a.kind === 'plain') {
      a.field = a.name;
      a.type = own.type;
      a.writable = own.readOnly !== true;
      a.fallback = fallbackFor(own);
    }
  }
  if (stream) {
    attributes.push(
      spec('isFollowed', '', 'bool', 'stream', { detailOnly: true, writable: false, fallback: false }),
      spec('followersIds', '', 'linkMultiple', 'stream', { detailOnly: true, writable: false, fallback: [] }),
      spec('followersNames', '', 'linkMultiple', 'stream', { detailOnly: true, writable: false, fallback: {} }),
    );
  }
  const byName = new Map(attributes.map((a) => [a.name, a]));
  return { entityType, defs, fields, attributes, byName, emailField, phoneField };
}

/** What an unwritten attribute reads as: a bool column defaults to false, a static default applies. */
function fallbackFor(def: FieldDef): Json {
  if (def.type === 'bool') return typeof def.default === 'boolean' ? def.default : false;
  if (!STATIC_DEFAULT_TYPES.has(def.type) || def.default === undefined) return null;
  if (isArrayType(def.type)) return null;
  if (typeof def.default === 'string' && def.default.startsWith('javascript:')) return null;
  return def.default;
}

export interface AddressItem {
  address: string;
  primary: boolean;
  optOut: boolean;
  invalid: boolean;
  /** phone type (Mobile, Office...); undefined for emails */
  type?: string;
}

/** Just the addresses of an email/phone field (cheap: used per row when filtering). */
export function addressList(row: RecordAttributes, field: string, kind: 'email' | 'phone'): string[] {
  const data = row[`${field}Data`];
  if (!Array.isArray(data)) return [];
  const key = kind === 'email' ? 'emailAddress' : 'phoneNumber';
  const out: string[] = [];
  for (const item of data) {
    if (item && typeof item === 'object' && !Array.isArray(item) && typeof item[key] === 'string') out.push(item[key]);
  }
  return out;
}

/** The stored address list of an email/phone field, as plain items. */
export function addressItems(row: RecordAttributes, field: string, kind: 'email' | 'phone'): AddressItem[] {
  const data = row[`${field}Data`];
  if (!Array.isArray(data)) return [];
  const key = kind === 'email' ? 'emailAddress' : 'phoneNumber';
  const out: AddressItem[] = [];
  for (const item of data) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
    const address = item[key];
    if (typeof address !== 'string') continue;
    out.push({
      address,
      primary: item.primary === true,
      optOut: item.optOut === true,
      invalid: item.invalid === true,
      ...(kind === 'phone' ? { type: typeof item.type === 'string' ? item.type : 'Mobile' } : {}),
    });
  }
  return out;
}

export function toAddressData(items: AddressItem[], kind: 'email' | 'phone'): Json[] {
  return items.map((i): Json =>
    kind === 'email'
      ? { emailAddress: i.address, lower: i.address.toLowerCase(), primary: i.primary, optOut: i.optOut, invalid: i.invalid }
      : { phoneNumber: i.address, type: i.type ?? 'Mobile', primary: i.primary, optOut: i.optOut, invalid: i.invalid },
  );
}

function primaryOf(row: RecordAttributes, spec: AttributeSpec): { address: string; optOut: boolean; invalid: boolean } | undefined {
  const data = row[`${spec.field}Data`];
  if (!Array.isArray(data) || data.length === 0) return undefined;
  const key = spec.type === 'email' ? 'emailAddress' : 'phoneNumber';
  let chosen: { [k: string]: Json } | undefined;
  for (const item of data) {
    if (!item || typeof item !== 'object' || Array.isArray(item) || typeof item[key] !== 'string') continue;
    if (item.primary === true) {
      chosen = item;
      break;
    }
    chosen ??= item;
  }
  return chosen ? { address: chosen[key] as string, optOut: chosen.optOut === true, invalid: chosen.invalid === true } : undefined;
}

/** The value of one attribute of a row, as EspoCRM would output it. */
export function readAttribute(row: RecordAttributes, spec: AttributeSpec): Json {
  switch (spec.kind) {
    case 'id':
      return row.id ?? null;
    case 'deleted':
      return row.deleted === true;
    case 'personName':
      return personName(row, spec.field);
    case 'primaryAddress':
      return primaryOf(row, spec)?.address ?? null;
    case 'optedOut': {
      const p = primaryOf(row, spec);
      return p ? p.optOut : null;
    }
    case 'invalid': {
      const p = primaryOf(row, spec);
      return p ? p.invalid : null;
    }
    case 'stream':
      return spec.fallback;
    default: {
      const value = row[spec.name];
      return value === undefined ? spec.fallback : value;
    }
  }
}

/** `name` of a person: "First Last" (EspoCRM's default format), null when both are empty. */
export function personName(row: RecordAttributes, field: string): string | null {
  const first = row[`first${ucfirst(field)}`];
  const last = row[`last${ucfirst(field)}`];
  const parts = [first, last].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length ? parts.join(' ') : null;
}

/** Copies the named attributes of a row (arrays and objects copied so callers cannot mutate the store). */
export function project(row: RecordAttributes, specs: Iterable<AttributeSpec>): RecordAttributes {
  const out: RecordAttributes = {};
  for (const spec of specs) {
    const value = readAttribute(row, spec);
    out[spec.name] = value !== null && typeof value === 'object' ? structuredClone(value) : value;
  }
  return out;
}

export type View = 'detail' | 'list';

export function viewAttributes(schema: EntitySchema, view: View): AttributeSpec[] {
  return view === 'detail' ? schema.attributes : schema.attributes.filter((a) => !a.detailOnly);
}
