import type { ResourceDefinition } from './catalog.js';
import { expectedSiteUrl } from '../tenants/guard.js';
import { decideTool } from '../tenants/policy.js';
import { writeTools } from '../tools/catalog.js';
import { describeError } from '../tools/common.js';

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export const tenantListResource: ResourceDefinition = {
  name: 'tenants',
  uri: 'espocrm://tenants',
  template: false,
  title: 'Tenants',
  description: 'The EspoCRM tenants visible to you: id, name and expected siteUrl.',
  async read({ registry, principal }) {
    return {
      tenants: registry.visible(principal).map((t) => ({
        id: t.id,
        name: t.config.name,
        siteUrl: expectedSiteUrl(t.config),
        uri: `espocrm://tenants/${t.id}`,
      })),
    };
  },
};

type Scope = { entity?: boolean; customizable?: boolean; isCustom?: boolean; disabled?: boolean };

export const tenantResource: ResourceDefinition = {
  name: 'tenant',
  uri: 'espocrm://tenants/{tenant}',
  template: true,
  title: 'Tenant',
  description: "A tenant's identity, EspoCRM version, policy (read-only, allowed write tools) and customizable entity types.",
  variables: ['tenant'],
  list: ({ registry, principal }) =>
    registry.visible(principal).map((t) => ({ uri: `espocrm://tenants/${t.id}`, name: t.id, title: t.config.name })),
  complete: (_variable, value, { registry, principal }) =>
    registry
      .visible(principal)
      .map((t) => t.id)
      .filter((id) => id.startsWith(value)),
  async read({ vars, registry, principal, readOnly }) {
    const tenant = registry.resolve(one(vars.tenant), principal);
    const cfg = tenant.config;
    const policy = {
      readOnly: readOnly || cfg.readOnly || Boolean(principal.readOnly),
      writeTools: writeTools()
        .filter((tool) => decideTool(tool, cfg, principal, { readOnly }).allowed)
        .map((t) => t.name),
    };
    const base = { id: cfg.id, name: cfg.name, siteUrl: expectedSiteUrl(cfg), policy };
    try {
      const auth = cfg.admin ? 'admin' : 'api';
      const [about, scopes] = await Promise.all([
        tenant.client().request<{ version?: string }>({ method: 'GET', path: 'App/about', auth }),
        tenant.metadata.get<Record<string, Scope>>('scopes'),
      ]);
      const entities = Object.entries(scopes ?? {})
        .filter(([, s]) => s.entity && !s.disabled)
        .map(([name, s]) => ({ name, customizable: Boolean(s.customizable), custom: Boolean(s.isCustom) }))
        .filter((e) => e.customizable)
        .sort((a, b) => a.name.localeCompare(b.name));
      return { ...base, version: about.body?.version ?? null, entities };
    } catch (err) {
      return { ...base, version: null, entities: [], error: `could not read from the CRM: ${describeError(err)}` };
    }
  },
};
