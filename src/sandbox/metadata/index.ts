/**
 * The sandbox's initial metadata, layouts and English labels, assembled from the entity bundles.
 * Every call returns fresh objects, so each sandbox instance can change its own copy.
 */
import type { Json } from '../types.js';
import { humanize, type EntityBundle } from './bundle.js';
import { accountBundle } from './entities/account.js';
import { campaignBundle } from './entities/campaign.js';
import { contactBundle } from './entities/contact.js';
import { leadBundle } from './entities/lead.js';
import { opportunityBundle } from './entities/opportunity.js';
import { authTokenBundle, roleBundle, teamBundle, userBundle } from './entities/system.js';
import { fieldTypesMetadata } from './fieldTypes.js';

export { genericDefaultLayout, standardLayoutNames } from './layoutDefaults.js';
export { humanize } from './bundle.js';

export type JsonObject = { [key: string]: Json };

export function entityBundles(): EntityBundle[] {
  return [leadBundle(), contactBundle(), accountBundle(), opportunityBundle(), campaignBundle(), userBundle(), teamBundle(), roleBundle(), authTokenBundle()];
}

const clone = <T>(value: T): T => structuredClone(value);

/** The full metadata tree, as `GET Metadata` gives it to an admin. */
export function initialMetadata(bundles: EntityBundle[] = entityBundles()): JsonObject {
  const scopes: JsonObject = {};
  const entityDefs: JsonObject = {};
  const clientDefs: JsonObject = {};
  const recordDefs: JsonObject = {};
  for (const bundle of bundles) {
    scopes[bundle.name] = clone(bundle.scope);
    entityDefs[bundle.name] = clone(bundle.entityDefs) as unknown as Json;
    clientDefs[bundle.name] = clone(bundle.clientDefs);
    if (bundle.recordDefs) recordDefs[bundle.name] = clone(bundle.recordDefs);
  }
  return {
    aclDefs: {},
    app: {
      metadata: { frontendHiddenPathList: [['app', 'metadata']] },
      regExpPatterns: { noBadCharacters: { pattern: '[^<>=]+' } },
      currency: { list: ['USD'] },
    },
    authenticationMethods: {
      Espo: { portalDefault: true, settings: { isAvailable: true } },
      ApiKey: { api: true, credentialsHeader: 'X-Api-Key' },
      Hmac: { api: true, credentialsHeader: 'X-Hmac-Authorization' },
    },
    clientDefs,
    dashlets: { Records: { view: 'views/dashlets/records' } },
    entityAcl: {},
    entityDefs,
    fields: fieldTypesMetadata(),
    integrations: {},
    logicDefs: {},
    notificationDefs: {},
    recordDefs,
    scopes,
    streamDefs: {},
    themes: { Espo: { stylesheet: 'client/css/espo/espo.css', navbarHeight: 44 } },
  };
}

/** Default (module) layouts: entity type -> layout name -> layout. */
export function initialLayouts(bundles: EntityBundle[] = entityBundles()): Record<string, Record<string, Json>> {
  return Object.fromEntries(bundles.map((b) => [b.name, clone(b.layouts)]));
}

/** English labels in the shape of `GET I18n`. */
export function initialI18n(bundles: EntityBundle[] = entityBundles()): JsonObject {
  const out: JsonObject = {
    Global: {
      scopeNames: Object.fromEntries(bundles.map((b) => [b.name, b.labels.scopeName])),
      scopeNamesPlural: Object.fromEntries(bundles.map((b) => [b.name, b.labels.scopeNamePlural])),
      labels: { Save: 'Save', Cancel: 'Cancel', Create: 'Create', Edit: 'Edit', Remove: 'Remove' },
      fields: { name: 'Name', createdAt: 'Created At', modifiedAt: 'Modified At', createdBy: 'Created By', modifiedBy: 'Modified By', assignedUser: 'Assigned User', teams: 'Teams' },
    },
    FieldManager: {
      labels: { 'Field Manager': 'Field Manager' },
      messages: { fieldAlreadyExists: 'Field {field} already exists in {entityType}.', fieldNameIsNotAllowed: 'Field name {field} is not allowed.' },
    },
  };
  for (const bundle of bundles) {
    const fields: Record<string, string> = {};
    for (const name of Object.keys(bundle.entityDefs.fields)) fields[name] = humanize(name);
    Object.assign(fields, bundle.labels.fields ?? {});
    const links: Record<string, string> = {};
    for (const name of Object.keys(bundle.entityDefs.links ?? {})) links[name] = humanize(name);
    Object.assign(links, bundle.labels.links ?? {});
    out[bundle.name] = {
      fields,
      links,
      labels: { [`Create ${bundle.name}`]: `Create ${bundle.labels.scopeName}` },
      options: clone(bundle.labels.options ?? {}),
      tooltips: clone(bundle.labels.tooltips ?? {}),
    };
  }
  return out;
}
