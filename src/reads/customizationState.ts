/**
 * A tenant's customization as it is now (`TenantCustomization`, src/core/blueprint/types.ts): what a
 * snapshot keeps, and what blueprint plans, drift and comparisons read.
 *
 * What is read, per entity type (all customizable ones, or those asked):
 * - the custom fields (`isCustom: true` in `entityDefs.{Entity}.fields`), each with its definition as
 *   the metadata holds it (the Field Manager's definition without `label`, docs/espocrm.md "Field
 *   Manager"), its label and, for fields with options, its option labels, per language read;
 * - every field's name and type, the links and the entity's flags (`entityInfo`, for plans);
 * - the placement layouts (detail, detailSmall, list, filters, massUpdate, or those asked), each kept
 *   as the exact text EspoCRM sent (a restore puts it back byte for byte), `customized` when the
 *   recorded history shows this server's edit of it standing (EspoCRM's API does not say whether a
 *   layout was customised in its admin UI, docs/espocrm.md "Layouts").
 *
 * Languages: `GET I18n` answers in the language of the user this server reads as, and
 * `GET I18n?default=true` in the system's; both are read (once when they are the same). Other
 * languages cannot be read through the API and are not captured.
 *
 * Not captured: custom entities themselves, relationships (links), core fields' overrides, layouts
 * other than the ones read, layout sets, entity-level settings, and labels in other languages.
 *
 * Reads go a few at a time (the tenant's `limits.concurrency`); the signal stops them. Metadata comes
 * from the tenant's cache (`fresh: true` reads it again first).
 */
import { customizableEntities, type EntityDefs, type FieldDef, type ScopeDefs } from '../core/fieldSpec/index.js';
import { FIELD_LAYOUT_TARGETS } from '../core/layout/index.js';
import { isRecord } from '../core/values.js';
import type { EntityInfo, FieldState, LayoutState, TenantCustomization } from '../core/blueprint/types.js';
import { getI18n, layouts as layoutApi } from '../espo/api/index.js';
import { EspoNotFoundError } from '../espo/errors.js';
import type { ChangeHistory } from '../store/types.js';
import type { TenantContext } from '../tenants/registry.js';
import { customizationOf } from './customization.js';
import { readScopes, resolveIn } from './entities.js';

export interface ReadCustomizationOptions {
  /** Entity types to read (as a caller wrote them: "lead" is Lead); default: every customizable one. */
  entities?: readonly string[];
  /** Layouts to read per entity; default: detail, detailSmall, list, filters, massUpdate. */
  layouts?: readonly string[];
  /** Read labels (default true); a plan that only checks definitions may skip them. */
  labels?: boolean;
  /** The recorded history: marks layouts this server customised (`customized`). */
  history?: ChangeHistory;
  /** Read the metadata again rather than from the tenant's cache (a snapshot before a restore). */
  fresh?: boolean;
}

/** The field types whose options have labels (`translatedOptions`). */
const OPTION_TYPES = new Set(['enum', 'multiEnum', 'checklist', 'array', 'varchar']);

/** Runs `fn` over `items`, at most `limit` at a time, results in order; stops at the first failure. */
async function inPool<T, R>(items: readonly T[], limit: number, signal: AbortSignal | undefined, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      signal?.throwIfAborted();
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

type I18n = Record<string, unknown>;

const section = (root: unknown, ...path: string[]): Record<string, unknown> => {
  let v: unknown = root;
  for (const k of path) v = isRecord(v) ? v[k] : undefined;
  return isRecord(v) ? v : {};
};

function labelsOf(i18nByLang: ReadonlyArray<[string, I18n]>, entity: string, field: string): Pick<FieldState, 'labels' | 'optionLabels'> {
  const labels: Record<string, string> = {};
  const optionLabels: Record<string, Record<string, string>> = {};
  for (const [lang, all] of i18nByLang) {
    const label = section(all, entity, 'fields')[field] ?? section(all, 'Global', 'fields')[field];
    if (typeof label === 'string') labels[lang] = label;
    const options = section(all, entity, 'options', field);
    const strings = Object.entries(options).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (strings.length > 0) optionLabels[lang] = Object.fromEntries(strings);
  }
  return { labels, ...(Object.keys(optionLabels).length > 0 ? { optionLabels } : {}) };
}

function entityInfoOf(scope: ScopeDefs, defs: EntityDefs | undefined): EntityInfo {
  const fields: Record<string, string> = {};
  for (const [name, def] of Object.entries(isRecord(defs?.fields) ? defs.fields : {})) {
    if (isRecord(def) && typeof def.type === 'string') fields[name] = def.type;
  }
  const em = isRecord(scope.entityManager) ? scope.entityManager : {};
  return {
    customizable: scope.customizable === true && em.fields !== false,
    isCustom: scope.isCustom === true,
    layoutsEditable: scope.customizable === true && em.layouts !== false,
    fields,
    links: Object.keys(isRecord(defs?.links) ? defs.links : {}),
  };
}

/** The tenant's customization now. Throws when the CRM cannot be read (metadata, labels); a layout that cannot be read is a note. */
export async function readCustomization(tenant: TenantContext, signal?: AbortSignal, opts: ReadCustomizationOptions = {}): Promise<TenantCustomization> {
  if (opts.fresh === true) tenant.metadata.invalidate();
  const readAt = new Date().toISOString();
  const profile = await tenant.profile.get(signal);
  const scopes = await readScopes(tenant, signal);
  const notes: string[] = [];

  let entities: string[];
  if (opts.entities === undefined) {
    entities = customizableEntities(scopes).filter((e) => scopes[e]?.disabled !== true);
  } else {
    entities = [];
    for (const wanted of opts.entities) {
      try {
        const { name } = resolveIn(scopes, wanted);
        if (!entities.includes(name)) entities.push(name);
      } catch {
        notes.push(`the entity type "${wanted}" is not in this CRM's metadata; nothing of it was read.`);
      }
    }
  }
  const layoutNames = [...(opts.layouts ?? FIELD_LAYOUT_TARGETS)];
  const concurrency = Math.max(1, tenant.config.limits?.concurrency ?? 4);
  const auth = tenant.config.admin ? 'admin' : 'api';

  // Labels: the reading user's language, and the system's when it differs.
  const i18nByLang: Array<[string, I18n]> = [];
  if (opts.labels !== false) {
    const userLang = profile.language ?? profile.defaultLanguage ?? 'en_US';
    i18nByLang.push([userLang, await getI18n(tenant.client(), { auth, signal })]);
    if (profile.defaultLanguage !== undefined && profile.defaultLanguage !== userLang) {
      i18nByLang.push([profile.defaultLanguage, await getI18n(tenant.client(), { auth, signal, default: true })]);
    }
  }

  const defsByEntity = await inPool(entities, concurrency, signal, (e) => tenant.metadata.get<EntityDefs>(`entityDefs.${e}`, signal));
  const entityInfo: Record<string, EntityInfo> = {};
  const fields: FieldState[] = [];
  for (const [i, entity] of entities.entries()) {
    const defs = defsByEntity[i];
    entityInfo[entity] = entityInfoOf(isRecord(scopes[entity]) ? (scopes[entity] as ScopeDefs) : {}, defs);
    for (const [name, def] of Object.entries(isRecord(defs?.fields) ? (defs.fields as Record<string, FieldDef>) : {}).sort(([a], [b]) => a.localeCompare(b))) {
      if (!isRecord(def) || def.isCustom !== true || typeof def.type !== 'string') continue;
      const { labels, optionLabels } = labelsOf(i18nByLang, entity, name);
      fields.push({
        entity,
        name,
        type: def.type,
        isCustom: true,
        definition: { ...def },
        labels,
        ...(optionLabels && (OPTION_TYPES.has(def.type) || Array.isArray(def.options)) ? { optionLabels } : {}),
      });
    }
  }

  const jobs = entities.flatMap((entity) => layoutNames.map((layout) => ({ entity, layout })));
  const read = await inPool(jobs, concurrency, signal, async ({ entity, layout }): Promise<LayoutState | undefined> => {
    let json: string;
    try {
      json = await layoutApi.getText(tenant.client(), entity, layout, { signal });
    } catch (err) {
      if (err instanceof EspoNotFoundError) return undefined;
      throw err;
    }
    const customized = opts.history ? (await customizationOf(opts.history, tenant.id, entity, layout)).customized === true : false;
    return { entity, layout, customized, json };
  });
  const layouts = read.filter((l): l is LayoutState => l !== undefined);
  const missing = jobs.filter((_, i) => read[i] === undefined);
  if (missing.length > 0) notes.push(`layouts EspoCRM serves none of (404): ${missing.map((j) => `${j.entity}.${j.layout}`).join(', ')}.`);
  if (!opts.history) notes.push('"customized" is false for every layout: no recorded history was given to tell which ones this server changed.');

  return {
    tenant: tenant.id,
    ...(profile.version ? { version: profile.version } : {}),
    ...(profile.siteUrl ? { siteUrl: profile.siteUrl } : {}),
    readAt,
    prefixCustom: profile.features.customPrefix && !profile.customPrefixDisabled,
    languages: i18nByLang.map(([lang]) => lang),
    entities,
    entityInfo,
    fields,
    layouts,
    ...(notes.length > 0 ? { notes } : {}),
  };
}
