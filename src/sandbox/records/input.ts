/**
 * Writing client input into a stored row, then validating it, as EspoCRM's record service does on
 * create and update: unknown, derived and read-only attributes are dropped, values are sanitized per
 * field type, and the first failing field gives a 400 `Field validation failure; entityType: X,
 * field: f, type: t.` with the messageTranslation body.
 */
import { badRequest, type SandboxHttpError } from '../errors.js';
import type { EntityCatalog, FieldDef, Json, RecordAttributes } from '../types.js';
import { isValidEmail, isValidPhone, sanitizePhone } from './addresses.js';
import { formatDateTime } from './ids.js';
import { addressItems, isArrayType, toAddressData, type AddressItem, type EntitySchema } from './schema.js';

export interface WriteContext {
  schema: EntitySchema;
  catalog: EntityCatalog;
  isNew: boolean;
  /** The name of a linked record, when the store holds it. */
  linkName(entityType: string, id: string): string | undefined;
}

export interface WriteResult {
  /** Fields whose attributes the input set. */
  touched: Set<string>;
  /** Addresses (email/phone) that came from the input, per field: only these are validated. */
  newAddresses: Map<string, string[]>;
}

const PATTERNS: Record<string, string> = {
  noBadCharacters: '[^<>=]+',
  noAsciiSpecialCharacters: '[^`~!@#$%^&*()_+={}\\[\\]|\\\\:;"\'<,>.?]+',
  latinLetters: '[A-Za-z]+',
  latinLettersDigits: '[A-Za-z0-9]+',
  latinLettersDigitsWhitespace: '[A-Za-z0-9 ]+',
  latinLettersWhitespace: '[A-Za-z ]+',
  digits: '[0-9]+',
};

export function validationFailure(entityType: string, field: string, type: string): SandboxHttpError {
  return badRequest(`Field validation failure; entityType: ${entityType}, field: ${field}, type: ${type}.`, {
    messageTranslation: { label: 'validationFailure', scope: null, data: { field, type } },
  });
}

/** Sets the default values of a new row (enum/varchar/bool/array defaults). */
export function applyDefaults(row: RecordAttributes, schema: EntitySchema): void {
  for (const spec of schema.attributes) {
    if (spec.kind !== 'plain' || row[spec.name] !== undefined) continue;
    const def = schema.fields[spec.field];
    if (def && isArrayType(def.type) && Array.isArray(def.default)) row[spec.name] = structuredClone(def.default);
    else if (spec.fallback !== null) row[spec.name] = spec.fallback;
  }
}

/** Writes the input into `row` (mutated). Throws a validation failure for values of the wrong type. */
export function applyInput(row: RecordAttributes, body: Record<string, unknown>, ctx: WriteContext): WriteResult {
  const { schema } = ctx;
  const touched = new Set<string>();
  const newAddresses = new Map<string, string[]>();
  const fail = (field: string, type = 'valid') => validationFailure(schema.entityType, field, type);

  for (const [key, raw] of Object.entries(body)) {
    const spec = schema.byName.get(key);
    if (!spec || !spec.writable || raw === undefined) continue;
    if (spec.kind === 'plain') {
      row[key] = sanitize(raw, spec.type, () => fail(spec.field));
      touched.add(spec.field);
    } else if (spec.kind === 'linkIds') {
      if (raw !== null && (!Array.isArray(raw) || raw.some((i) => typeof i !== 'string'))) throw fail(spec.field);
      row[key] = (raw ?? []) as string[];
      touched.add(spec.field);
    } else if (spec.kind === 'linkNames') {
      if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) throw fail(spec.field);
      row[key] = (raw ?? {}) as Json;
    }
  }
  for (const field of [schema.emailField, schema.phoneField]) {
    if (!field) continue;
    const kind = field === schema.emailField ? 'email' : 'phone';
    const added = applyAddresses(row, body, field, kind, schema.fields[field]!, () => fail(field, kind === 'email' ? 'emailAddress' : 'valid'));
    if (added) {
      touched.add(field);
      newAddresses.set(field, added);
    }
  }
  resolveLinkNames(row, body, touched, ctx);
  return { touched, newAddresses };
}

function sanitize(raw: unknown, type: string, fail: () => SandboxHttpError): Json {
  if (isArrayType(type)) {
    if (raw === null) return [];
    if (!Array.isArray(raw) || raw.some((i) => i !== null && typeof i === 'object')) throw fail();
    return raw.map((i) => (typeof i === 'string' ? i.trim() : String(i)));
  }
  switch (type) {
    case 'int':
    case 'autoincrement':
    case 'float':
    case 'currency':
    case 'currencyConverted': {
      if (raw === null || raw === '') return null;
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n) || (type === 'int' && !Number.isInteger(n))) throw fail();
      return n;
    }
    case 'bool':
      if (raw === null) return false;
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 1 || raw === '1') return true;
      if (raw === 'false' || raw === 0 || raw === '0') return false;
      throw fail();
    case 'date':
      if (raw === null || raw === '') return null;
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw))) throw fail();
      return raw;
    case 'datetime':
      return sanitizeDateTime(raw, fail);
    case 'jsonObject':
    case 'jsonArray':
    case 'wysiwyg':
      return raw as Json;
    default:
      if (raw === null) return null;
      if (typeof raw === 'string') return type === 'varchar' ? raw.trim() : raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      throw fail();
  }
}

function sanitizeDateTime(raw: unknown, fail: () => SandboxHttpError): Json {
  if (raw === null || raw === '') return null;
  if (typeof raw !== 'string') throw fail();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(raw);
  if (!m) throw fail();
  if (m[5]) {
    const t = Date.parse(raw.replace(' ', 'T'));
    if (Number.isNaN(t)) throw fail();
    return formatDateTime(new Date(t));
  }
  const value = `${m[1]} ${m[2]}${m[3] ?? ':00'}`;
  if (Number.isNaN(Date.parse(`${value.replace(' ', 'T')}Z`))) throw fail();
  return value;
}

/**
 * Email/phone input: `{f}Data` replaces the whole list; `{f}` alone replaces the primary address;
 * `{f}IsOptedOut`/`{f}IsInvalid` set the primary's flags. Returns the addresses that came in.
 */
function applyAddresses(
  row: RecordAttributes,
  body: Record<string, unknown>,
  field: string,
  kind: 'email' | 'phone',
  def: FieldDef,
  fail: () => SandboxHttpError,
): string[] | undefined {
  const key = kind === 'email' ? 'emailAddress' : 'phoneNumber';
  const defaultType = typeof def.defaultType === 'string' ? def.defaultType : 'Mobile';
  const typeList = Array.isArray(def.typeList) ? def.typeList.map(String) : undefined;
  const clean = (v: unknown) => (typeof v === 'string' ? (kind === 'phone' ? sanitizePhone(v) : v.trim()) : '');
  const same = (a: string, b: string) => (kind === 'email' ? a.toLowerCase() === b.toLowerCase() : a === b);
  let items = addressItems(row, field, kind);
  const added: string[] = [];
  let changed = false;

  const data = body[`${field}Data`];
  if (Array.isArray(data)) {
    const next: AddressItem[] = [];
    for (const entry of data) {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw fail();
      const e = entry as Record<string, unknown>;
      const address = clean(e[key]);
      added.push(address);
      if (kind === 'phone' && e.type !== undefined && e.type !== null && (typeof e.type !== 'string' || (typeList && !typeList.includes(e.type)))) {
        throw fail();
      }
      if (next.some((n) => same(n.address, address))) continue;
      next.push({
        address,
        primary: e.primary === true,
        optOut: e.optOut === true,
        invalid: e.invalid === true,
        ...(kind === 'phone' ? { type: typeof e.type === 'string' ? e.type : defaultType } : {}),
      });
    }
    items = normalizePrimary(next);
    changed = true;
  } else if (body[field] !== undefined) {
    const value = body[field];
    if (value !== null && typeof value !== 'string') throw fail();
    const address = clean(value);
    const rest = items.filter((i) => !i.primary);
    if (address === '') {
      items = normalizePrimary(rest);
    } else {
      added.push(address);
      const existing = rest.find((i) => same(i.address, address));
      const primary: AddressItem = existing
        ? { ...existing, address, primary: true }
        : { address, primary: true, optOut: false, invalid: false, ...(kind === 'phone' ? { type: defaultType } : {}) };
      items = [primary, ...rest.filter((i) => i !== existing)];
    }
    changed = true;
  }
  for (const [suffix, flag] of [['IsOptedOut', 'optOut'], ['IsInvalid', 'invalid']] as const) {
    const v = body[`${field}${suffix}`];
    if (typeof v === 'boolean' && items.length > 0) {
      items = items.map((i) => (i.primary ? { ...i, [flag]: v } : i));
      changed = true;
    }
  }
  if (!changed) return undefined;
  row[`${field}Data`] = toAddressData(items, kind);
  return added;
}

function normalizePrimary(items: AddressItem[]): AddressItem[] {
  if (items.length === 0) return items;
  const index = Math.max(0, items.findIndex((i) => i.primary));
  return items.map((i, n) => ({ ...i, primary: n === index }));
}

function resolveLinkNames(row: RecordAttributes, body: Record<string, unknown>, touched: Set<string>, ctx: WriteContext): void {
  const links = ctx.schema.defs.links ?? {};
  for (const field of touched) {
    const def = ctx.schema.fields[field];
    const target = links[field]?.entity;
    if (!def || typeof target !== 'string') continue;
    if (def.type === 'link') {
      const id = row[`${field}Id`];
      const given = body[`${field}Name`];
      row[`${field}Name`] = typeof id === 'string' ? (ctx.linkName(target, id) ?? (typeof given === 'string' ? given : null)) : null;
    } else if (def.type === 'linkMultiple') {
      const ids = Array.isArray(row[`${field}Ids`]) ? (row[`${field}Ids`] as string[]) : [];
      const given = body[`${field}Names`];
      const names: Record<string, Json> = {};
      for (const id of ids) {
        const fromBody = given && typeof given === 'object' ? (given as Record<string, unknown>)[id] : undefined;
        names[id] = ctx.linkName(target, id) ?? (typeof fromBody === 'string' ? fromBody : null);
      }
      row[`${field}Names`] = names;
    }
  }
}

/** Field validation (EspoCRM's FieldValidationManager): required on create, type rules on set fields. */
export function validateRow(row: RecordAttributes, result: WriteResult, ctx: WriteContext): void {
  const { schema, isNew } = ctx;
  for (const [field, def] of Object.entries(schema.fields)) {
    if (def.notStorable === true) continue;
    const set = result.touched.has(field);
    const fail = (type: string) => validationFailure(schema.entityType, field, type);
    if (def.required === true && (isNew || set) && isEmpty(row, field, def, schema)) throw fail('required');
    if (!set) continue;
    const value = row[field];
    switch (def.type) {
      case 'enum': {
        const options = optionList(def, ctx.catalog);
        if (options && !options.includes(value === '' ? null : (value as string | null) ?? null)) throw fail('valid');
        break;
      }
      case 'multiEnum':
      case 'checklist':
      case 'array': {
        const options = optionList(def, ctx.catalog);
        const skip = def.allowCustomOptions === true || (def.type === 'array' && !options);
        if (!skip && options && Array.isArray(value) && value.some((v) => !options.includes(v as string))) throw fail('valid');
        if (typeof def.maxCount === 'number' && Array.isArray(value) && value.length > def.maxCount) throw fail('maxCount');
        break;
      }
      case 'varchar':
      case 'text':
        if (typeof value === 'string') {
          if (typeof def.maxLength === 'number' && value.length > def.maxLength) throw fail('maxLength');
          if (def.type === 'varchar' && typeof def.pattern === 'string' && value !== '' && !matchesPattern(value, def.pattern)) throw fail('pattern');
        }
        break;
      case 'int':
      case 'float':
        if (typeof value === 'number') {
          if (typeof def.min === 'number' && value < def.min) throw fail('min');
          if (typeof def.max === 'number' && value > def.max) throw fail('max');
        }
        break;
      case 'email':
        for (const address of result.newAddresses.get(field) ?? []) if (!isValidEmail(address)) throw fail('emailAddress');
        break;
      case 'phone':
        for (const number of result.newAddresses.get(field) ?? []) if (!isValidPhone(number)) throw fail('valid');
        break;
    }
  }
}

function isEmpty(row: RecordAttributes, field: string, def: FieldDef, schema: EntitySchema): boolean {
  const filled = (v: Json | undefined) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
  switch (def.type) {
    case 'personName': {
      const suffix = field.charAt(0).toUpperCase() + field.slice(1);
      return !filled(row[`first${suffix}`]) && !filled(row[`last${suffix}`]);
    }
    case 'email':
      return addressItems(row, field, 'email').length === 0;
    case 'phone':
      return addressItems(row, field, 'phone').length === 0;
    case 'link':
    case 'file':
    case 'image':
      return !filled(row[`${field}Id`]);
    case 'linkMultiple':
    case 'attachmentMultiple':
      return !filled(row[`${field}Ids`]);
    default:
      return schema.byName.has(field) ? !filled(row[field]) : false;
  }
}

/** Options of an enum-like field, following `optionsReference` ('Account.industry'); '' means null. */
function optionList(def: FieldDef, catalog: EntityCatalog): (string | null)[] | undefined {
  let options = def.options;
  const ref = def.optionsReference;
  if (typeof ref === 'string' && ref.includes('.')) {
    const [entity, field] = ref.split('.', 2) as [string, string];
    options = catalog.entityDefs(entity)?.fields[field]?.options;
  }
  if (!Array.isArray(options)) return undefined;
  return options.map((o) => (o === '' ? null : String(o)));
}

function matchesPattern(value: string, pattern: string): boolean {
  const source = pattern.startsWith('$') ? PATTERNS[pattern.slice(1)] : pattern;
  if (source === undefined) return true;
  try {
    return new RegExp(`^${source}$`, 'u').test(value);
  } catch {
    return true;
  }
}
