/**
 * Everything the field tools and the entity resource need about one entity of one tenant: its fields
 * and links, the field types, the naming rules (version and `c` prefix), and its labels (i18n).
 */
import {
  findExistingField,
  type EntityDefs,
  type FieldDef,
  type FieldMeta,
  type FieldTypeDef,
  type LinkDef,
  type NameContext,
  type ScopeDefs,
} from '../core/fieldSpec/index.js';
import type { LayoutContext } from '../core/layout/index.js';
import { isRecord } from '../core/values.js';
import { getI18n } from '../espo/api/index.js';
import type { TenantContext } from '../tenants/registry.js';
import type { TenantProfile } from '../tenants/profile.js';
import { readScopes, resolveIn, specError } from './entities.js';

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

/** Resolves the entity ("lead" -> "Lead") and reads its metadata, field types and patterns. */
export async function loadFieldContext(tenant: TenantContext, entityInput: string, signal?: AbortSignal): Promise<FieldContext> {
  const profile = await tenant.profile.get(signal);
  const scopes = await readScopes(tenant, signal);
  const { name: entity, scope, notes } = resolveIn(scopes, entityInput);
  const [defs, fieldTypes, patterns] = await Promise.all([
    tenant.metadata.get<EntityDefs>(`entityDefs.${entity}`, signal),
    tenant.metadata.get<Record<string, FieldTypeDef>>('fields', signal),
    tenant.metadata.get<Record<string, unknown>>('app.regExpPatterns', signal),
  ]);
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
  return { entity, notes, scope, fields, links, fieldTypes: types, meta, profile, prefixEnabled };
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

/** What the layout core checks a layout against, from a field context (plus fields about to exist). */
export function layoutContextOf(fc: FieldContext, extra: Record<string, FieldDef> = {}): LayoutContext {
  return { entityType: fc.entity, fields: { ...fc.fields, ...extra }, links: fc.links, fieldTypes: fc.fieldTypes };
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

export async function readLabels(tenant: TenantContext, entity: string, signal?: AbortSignal): Promise<EntityLabels> {
  const all = await getI18n(tenant.client(), { auth: tenant.config.admin ? 'admin' : 'api', signal });
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
// Options that live on another field (`optionsReference`, e.g. Lead.industry -> "Account.industry")

export interface FieldOptions {
  options: string[];
  /** Option value -> label as stored (`_empty_` is the option ""). */
  optionLabels?: Record<string, string>;
  /** "Account.industry" when the options are another field's. */
  reference?: string;
}

/**
 * The options of an enum-like field and their labels: its own, or those of the field its
 * `optionsReference` names (EspoCRM keeps none on the referring field). Undefined when it has none.
 */
export async function fieldOptions(
  tenant: TenantContext,
  def: FieldDef,
  own: FieldLabels,
  signal?: AbortSignal,
): Promise<FieldOptions | undefined> {
  const listOf = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((o): o is string => typeof o === 'string') : undefined);
  const options = listOf(def.options);
  if (options) return { options, ...(own.optionLabels ? { optionLabels: own.optionLabels } : {}) };
  const ref = def.optionsReference;
  if (typeof ref !== 'string' || !/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(ref)) return undefined;
  const [entity, field] = ref.split('.') as [string, string];
  const referred = listOf(await tenant.metadata.get<unknown>(`entityDefs.${entity}.fields.${field}.options`, signal));
  if (!referred) return undefined;
  const labels = (await readLabels(tenant, entity, signal)).of(field).optionLabels;
  return { options: referred, reference: ref, ...(labels ? { optionLabels: labels } : {}) };
}
