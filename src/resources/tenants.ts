import type { ResourceDefinition } from './catalog.js';
import { completeVariable } from './entities.js';
import { TENANTS_URI, entityUri, oneVar, tenantUri } from './uris.js';
import { expectedSiteUrl } from '../tenants/guard.js';
import { decideTool } from '../tenants/policy.js';
import { describeError } from '../errors.js';
import { describeFor } from '../secrets/callers.js';

export const tenantListResource: ResourceDefinition = {
  name: 'tenants',
  uri: TENANTS_URI,
  template: false,
  title: 'Tenants',
  description: 'The EspoCRM tenants visible to you (one CRM per client business): id, name, expected siteUrl and resource URI.',
  async read({ registry, principal }) {
    return {
      tenants: registry.visible(principal).map((t) => ({
        id: t.id,
        name: t.config.name,
        siteUrl: expectedSiteUrl(t.config),
        uri: tenantUri(t.id),
      })),
    };
  },
};

export const tenantResource: ResourceDefinition = {
  name: 'tenant',
  uri: 'espocrm://tenants/{tenant}',
  template: true,
  title: 'Tenant',
  description:
    "A tenant's identity, EspoCRM version, policy (read-only, the write tools allowed) and the entity types that accept custom fields " +
    'and layout changes, each with the URI of its fields resource.',
  variables: ['tenant'],
  list: ({ registry, principal }) => registry.visible(principal).map((t) => ({ uri: tenantUri(t.id), name: t.id, title: t.config.name })),
  complete: completeVariable,
  async read({ vars, registry, principal, readOnly, writeTools, signal, logger }) {
    const tenant = registry.resolve(oneVar(vars.tenant), principal);
    const cfg = tenant.config;
    const policy = {
      readOnly: readOnly || cfg.readOnly || Boolean(principal.readOnly),
      writeTools: writeTools
        .filter((tool) => decideTool(tool, cfg, principal, { readOnly }).allowed)
        .map((t) => t.name),
    };
    const base = { id: cfg.id, name: cfg.name, siteUrl: expectedSiteUrl(cfg), policy };
    try {
      const lookup = signal ?? AbortSignal.timeout(60_000);
      const { entityNames } = await import('../reads/entities.js');
      const [profile, names] = await Promise.all([tenant.profile.get(lookup), entityNames(tenant, lookup)]);
      const entities = names.map((e) => ({ name: e.name, customizable: true, custom: e.custom, uri: entityUri(tenant.id, e.name) }));
      return { ...base, version: profile.version ?? null, entities };
    } catch (err) {
      return { ...base, version: null, entities: [], error: `could not read from the CRM: ${describeFor(err, principal, logger, describeError)}` };
    }
  },
};
