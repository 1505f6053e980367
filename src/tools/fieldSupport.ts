/**
 * Shared steps of the schema tools (describe_entity, create/update/delete_custom_field, rebuild):
 * the tenant's EspoCRM version read once, version-aware metadata reads, the field spec context,
 * labels, layouts, value counts, and the audit line every write call leaves, refused ones included.
 */
import { getAbout, getAppUser, getI18n, layouts as layoutApi, records } from '../espo/api/index.js';
import { EspoNotFoundError } from '../espo/errors.js';
import type { WhereItem } from '../espo/query.js';
import { ToolError } from '../errors.js';
import {
  espoFeatures,
  findExistingField,
  formatFieldSpecErrors,
  resolveEntityName,
  type EntityDefs,
  type EspoFeatures,
  type FieldDef,
  type FieldMeta,
  type FieldSpecError,
  type FieldTypeDef,
  type LinkDef,
  type NameContext,
  type ScopeDefs,
} from '../core/fieldSpec/index.js';
import { layoutFingerprint, parseLayout, shapeIssues, validateLayout, type LayoutContext, type LayoutIssue } from '../core/layout/index.js';
import type { TenantContext } from '../tenants/registry.js';
import type { AuditOutcome } from '../audit/log.js';
import { describeError } from './common.js';
import type { ToolContext } from './define.js';
import { recordWrite } from './write.js';

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// Version, read once per tenant

export interface TenantProfile {
  /** "9.1.7"; undefined when the CRM did not say (then the 9.x behaviour is assumed). */
  version?: string;
  features: EspoFeatures;
  /** Config `customPrefixDisabled`: no `c` prefix even on 8.2+. */
  customPrefixDisabled: boolean;
}

const profiles = new WeakMap<TenantContext, Promise<TenantProfile>>();

/**
 * The tenant's version and prefix setting. `App/user` (as admin) carries both `settings.version`
 * and `settings.customPrefixDisabled` in one call; `App/about` (8.1+) is the fallback for the version.
 */
export function tenantProfile(ctx: ToolContext): Promise<TenantProfile> {
  let p = profiles.get(ctx.tenant);
  if (!p) {
    p = readProfile(ctx.tenant, ctx.signal);
    profiles.set(ctx.tenant, p);
    p.catch(() => profiles.delete(ctx.tenant));
  }
  return p;
}

async function readProfile(tenant: TenantContext, signal: AbortSignal): Promise<TenantProfile> {
  const client = tenant.client();
  const auth = tenant.config.admin ? 'admin' : 'api';
  const me = await getAppUser(client, auth, { signal });
  let version = typeof me.settings.version === 'string' && me.settings.version !== '' ? me.settings.version : undefined;
  if (version === undefined) {
    try {
      version = (await getAbout(client, { auth, signal })).version;
    } catch {
      // Before 8.1 there is no App/about: keep the 9.x assumption, every write is verified by reading it back.
    }
  }
  return { ...(version ? { version } : {}), features: espoFeatures(version), customPrefixDisabled: me.settings.customPrefixDisabled === true };
}

// ---------------------------------------------------------------------------------------------
// Metadata

function valueAt(root: unknown, dotted: string): unknown {
  let v = root;
  for (const k of dotted.split('.')) {
    if (!isRecord(v) || !Object.hasOwn(v, k)) return undefined;
    v = v[k];
  }
  return v;
}

/**
 * The metadata at a dotted path, from the tenant's cache. Before 8.2 EspoCRM ignores `?key=` and
 * always serves the whole metadata, so the whole tree is cached once and walked here.
 */
export async function readMeta<T>(ctx: ToolContext, key: string): Promise<T | undefined> {
  const { features } = await tenantProfile(ctx);
  if (features.metadataKey) return ctx.tenant.metadata.get<T>(key, ctx.signal);
  const all = await ctx.tenant.metadata.get<unknown>('', ctx.signal);
  return valueAt(all, key) as T | undefined;
}

/** As `readMeta`, after dropping the cache: for reading a write back. */
export async function readMetaFresh<T>(ctx: ToolContext, key: string): Promise<T | undefined> {
  ctx.tenant.metadata.invalidate();
  return readMeta<T>(ctx, key);
}

/** Everything the field tools need about one entity of one tenant. */
export interface FieldContext {
  entity: string;
  /** How the entity name given was read ("lead" -> "Lead"). */
  notes: string[];
  scope: ScopeDefs;
  fields: Record<string, FieldDef>;
  links: Record<string, LinkDef>;
  fieldTypes: Record<string, FieldTypeDef>;
  meta: FieldMeta;
  profile: TenantProfile;
  /** New custom fields get the `c` prefix on this entity. */
  prefixEnabled: boolean;
}

export function specError(errors: readonly FieldSpecError[]): ToolError {
  return new ToolError(formatFieldSpecErrors(errors), errors[0]?.code ?? 'invalid_request', { errors: errors.map((e) => e.toJSON()) });
}

/** Resolves the entity ("lead" -> "Lead") and reads its metadata, field types and patterns. */
export async function loadFieldContext(ctx: ToolContext, entityInput: string): Promise<FieldContext> {
  const profile = await tenantProfile(ctx);
  const scopes = (await readMeta<Record<string, ScopeDefs>>(ctx, 'scopes')) ?? {};
  const resolved = resolveEntityName(entityInput, isRecord(scopes) ? scopes : {});
  if (!resolved.ok) throw specError([resolved.error]);
  const entity = resolved.name;
  const [defs, fieldTypes, patterns] = await Promise.all([
    readMeta<EntityDefs>(ctx, `entityDefs.${entity}`),
    readMeta<Record<string, FieldTypeDef>>(ctx, 'fields'),
    readMeta<Record<string, unknown>>(ctx, 'app.regExpPatterns'),
  ]);
  const scope = isRecord(scopes[entity]) ? scopes[entity] : {};
  const fields = isRecord(defs?.fields) ? (defs.fields as Record<string, FieldDef>) : {};
  const links = isRecord(defs?.links) ? (defs.links as Record<string, LinkDef>) : {};
  const types = isRecord(fieldTypes) ? fieldTypes : {};
  const meta: FieldMeta = {
    fieldTypes: types,
    entity: { name: entity, ...(isRecord(defs) ? { defs } : {}), scope },
    ...(profile.version ? { version: profile.version } : {}),
    customPrefixDisabled: profile.customPrefixDisabled,
    scopes,
    ...(isRecord(patterns) ? { regExpPatternNames: Object.keys(patterns) } : {}),
  };
  const prefixEnabled = profile.features.customPrefix && !profile.customPrefixDisabled && scope.isCustom !== true;
  return { entity, notes: resolved.notes, scope, fields, links, fieldTypes: types, meta, profile, prefixEnabled };
}

export function nameContext(fc: FieldContext): NameContext & { entity: string } {
  return {
    entity: fc.entity,
    entityIsCustom: fc.scope.isCustom === true,
    prefixEnabled: fc.profile.features.customPrefix && !fc.profile.customPrefixDisabled,
    existingFields: Object.keys(fc.fields),
    existingLinks: Object.keys(fc.links),
  };
}

/** The stored name of an existing field the caller named ("secteur" -> "cSecteur"); never a new name. */
export function existingField(fc: FieldContext, name: string): { stored: string; def: FieldDef; notes: string[] } {
  const found = findExistingField(name, nameContext(fc));
  if (!found.ok) throw specError([found.error]);
  return { stored: found.stored, def: fc.fields[found.stored]!, notes: found.notes };
}

/** `name` without the `c` EspoCRM added: what a create request must send to get `stored` back. */
export function baseNameOf(fc: FieldContext, stored: string): string {
  return fc.prefixEnabled && /^c[A-Z]/.test(stored) ? stored[1]!.toLowerCase() + stored.slice(2) : stored;
}

// ---------------------------------------------------------------------------------------------
// Labels (i18n, not metadata: `GET I18n` in the admin's language)

export interface FieldLabels {
  label?: string;
  tooltip?: string;
  /** Option value -> label as stored (`_empty_` is the option ""). */
  optionLabels?: Record<string, string>;
}

export interface EntityLabels {
  of(field: string): FieldLabels;
}

export async function readLabels(ctx: ToolContext, entity: string): Promise<EntityLabels> {
  const all = await getI18n(ctx.tenant.client(), { auth: ctx.tenant.config.admin ? 'admin' : 'api', signal: ctx.signal });
  const own = isRecord(all[entity]) ? all[entity] : {};
  const global = isRecord(all.Global) ? all.Global : {};
  const section = (root: Record<string, unknown>, name: string): Record<string, unknown> => (isRecord(root[name]) ? root[name] : {});
  return {
    of(field) {
      const label = section(own, 'fields')[field] ?? section(global, 'fields')[field];
      const tooltip = section(own, 'tooltips')[field];
      const options = section(own, 'options')[field];
      const out: FieldLabels = {};
      if (typeof label === 'string') out.label = label;
      if (typeof tooltip === 'string') out.tooltip = tooltip;
      if (isRecord(options)) out.optionLabels = Object.fromEntries(Object.entries(options).filter((e): e is [string, string] => typeof e[1] === 'string'));
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Layouts

/** The layouts a field may appear in and that the schema tools check (API.md §13). */
export const FIELD_LAYOUTS = ['detail', 'detailSmall', 'list', 'listSmall', 'filters', 'massUpdate', 'defaultSidePanel', 'kanban'] as const;

/** `GET {Entity}/layout/{name}`; undefined when EspoCRM has no such layout (404). */
export async function readLayout(ctx: ToolContext, entity: string, name: string): Promise<unknown> {
  try {
    return await layoutApi.get(ctx.tenant.client(), entity, name, { signal: ctx.signal });
  } catch (err) {
    if (err instanceof EspoNotFoundError) return undefined;
    throw err;
  }
}

/** The field names a layout shows (`:assignedUser` counts as `assignedUser`); [] when it is malformed. */
export function fieldsInLayout(name: string, json: unknown): string[] {
  if (json === undefined || shapeIssues(name, json).length > 0) return [];
  const parsed = parseLayout(name, json);
  const nameOf = (item: string | { name: string }): string => (typeof item === 'string' ? item : item.name);
  switch (parsed.kind) {
    case 'panels':
      return parsed.panels.flatMap((p) => p.rows.flatMap((r) => r.flatMap((c) => (c && typeof c === 'object' && typeof c.name === 'string' ? [c.name] : []))));
    case 'columns':
      return parsed.columns.map((c) => c.name);
    case 'fieldList':
      return [...parsed.fields];
    case 'cells':
      return parsed.cells.map((c) => nameOf(c).replace(/^:/, ''));
    default:
      return [];
  }
}

/** `PUT {Entity}/layout/{name}`, then reads it back: EspoCRM stores anything, so the read-back is the proof. */
export async function saveLayout(ctx: ToolContext, entity: string, name: string, json: unknown): Promise<void> {
  await layoutApi.put(ctx.tenant.client(), entity, name, json, { signal: ctx.signal });
  const back = await readLayout(ctx, entity, name);
  if (back === undefined || layoutFingerprint(back) !== layoutFingerprint(json)) {
    throw new ToolError(`the ${name} layout was sent, but reading it back gives ${back === undefined ? 'nothing' : 'a different layout'}`, 'layout_not_verified');
  }
}

export function layoutContext(fc: FieldContext, extra: Record<string, FieldDef> = {}): LayoutContext {
  return { entityType: fc.entity, fields: { ...fc.fields, ...extra }, links: fc.links, fieldTypes: fc.fieldTypes };
}

/**
 * The errors `after` has that `before` did not: only what our edit introduces blocks a save, so a
 * layout that already named a deleted field (EspoCRM leaves them) can still be edited.
 */
export function introducedErrors(name: string, before: unknown, after: unknown, lctx: LayoutContext): LayoutIssue[] {
  const had = new Set(validateLayout(name, before, lctx).filter((i) => i.severity === 'error').map((i) => i.message));
  return validateLayout(name, after, lctx).filter((i) => i.severity === 'error' && !had.has(i.message));
}

// ---------------------------------------------------------------------------------------------
// Records that hold a value (API.md §13)

export interface FilledCount {
  /** Records with a value; null when the CRM does not count (countDisabled). */
  count: number | null;
  /** At least one record holds a value. */
  any: boolean;
  /** The condition counted, in words. */
  condition: string;
  /** Fields with a default: records whose value differs from it (the default fills every record). */
  otherThanDefault?: number | null;
}

function filledWhere(field: string, type: string): { where: WhereItem[]; condition: string } {
  switch (type) {
    case 'bool':
      return { where: [{ type: 'isTrue', attribute: field }], condition: `${field} is true` };
    case 'multiEnum':
    case 'array':
    case 'checklist':
      return { where: [{ type: 'arrayIsNotEmpty', attribute: field }], condition: `${field} has at least one item` };
    case 'varchar':
    case 'text':
    case 'wysiwyg':
    case 'url':
      return {
        where: [{ type: 'and', value: [{ type: 'isNotNull', attribute: field }, { type: 'notEquals', attribute: field, value: '' }] }],
        condition: `${field} is not empty`,
      };
    default:
      return { where: [{ type: 'isNotNull', attribute: field }], condition: `${field} is set` };
  }
}

async function countWhere(ctx: ToolContext, entity: string, where: WhereItem[]): Promise<{ count: number | null; any: boolean }> {
  const client = ctx.tenant.client();
  const auth = ctx.tenant.config.admin ? ('admin' as const) : ('api' as const);
  const res = await records.list(client, entity, { maxSize: 0, where }, { auth, signal: ctx.signal });
  if (res.total >= 0) return { count: res.total, any: res.total > 0 };
  // countDisabled: -1/-2 instead of a total; look for one row instead.
  const one = await records.list(client, entity, { maxSize: 1, where, select: ['id'] }, { auth, signal: ctx.signal });
  return { count: null, any: one.list.length > 0 };
}

/** How many records of `entity` hold a value in `field` (counted as the admin, so ACL hides nothing). */
export async function countFilled(ctx: ToolContext, entity: string, field: string, def: FieldDef): Promise<FilledCount> {
  const { where, condition } = filledWhere(field, def.type);
  const main = await countWhere(ctx, entity, where);
  const out: FilledCount = { count: main.count, any: main.any, condition };
  // A default fills every record (existing rows get it when the column is added): count the others too.
  const d = def.default;
  if (def.type === 'bool' ? d === true : (typeof d === 'string' && d !== '' && !d.startsWith('javascript:')) || typeof d === 'number') {
    const others: WhereItem[] = def.type === 'bool' ? [{ type: 'isFalse', attribute: field }] : [...where, { type: 'notEquals', attribute: field, value: d as string | number }];
    out.otherThanDefault = (await countWhere(ctx, entity, others)).count;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Arguments and the audit line

/** The request without the tool's own keys (`tenant`, `dryRun`, ...), for the field spec core. */
export function withoutKeys(args: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([k, v]) => !keys.includes(k) && v !== undefined));
}

const recorded = new WeakSet<object>();

/** Marks an error whose audit line the handler already wrote. */
export function alreadyRecorded<E extends object>(err: E): E {
  recorded.add(err);
  return err;
}

/**
 * Runs a write handler so that every call leaves one audit line: a ToolError (bad input, refused
 * confirm) is recorded as `refused`, anything else as `failed`, unless the handler recorded it.
 */
export async function auditedWrite<T>(ctx: ToolContext, tool: string, args: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(typeof err === 'object' && err !== null && recorded.has(err))) {
      const outcome: AuditOutcome = err instanceof ToolError ? 'refused' : 'failed';
      recordWrite(ctx, { tool, args, outcome, summary: `${tool} ${outcome}`, error: describeError(err) });
    }
    throw err;
  }
}
