/**
 * `espocrm://tenants/{tenant}/entities/{entity}`: the fields of one entity type (name, type, label,
 * custom, required, options), read from the tenant's metadata cache and its labels. Labels and option
 * values are CRM content, so they come fenced as untrusted data.
 */
import type { CompletionContext, ResourceDefinition, ResourceScope } from './catalog.js';
import { layoutUri, oneVar } from './uris.js';
import { KNOWN_LAYOUT_NAMES } from '../core/layout/kinds.js';
import { fenceJson, newFence } from '../core/fence.js';
import type { TenantContext } from '../tenants/registry.js';

/** The layouts an entity resource points to; completion offers every known layout name. */
export const COMMON_LAYOUTS = ['detail', 'detailSmall', 'list', 'listSmall', 'filters', 'massUpdate'] as const;

/** Listing and completion read a CRM: a tenant that does not answer in time is left out, not waited on. */
const LOOKUP_TIMEOUT_MS = 10_000;

const OPTION_TYPES = new Set(['enum', 'multiEnum', 'checklist', 'array', 'varchar']);

/** The tenant a completion is for: the one chosen already, or the only visible one. */
export function completionTenant(scope: ResourceScope, context: CompletionContext): TenantContext | undefined {
  const visible = scope.registry.visible(scope.principal);
  const chosen = context.arguments?.tenant;
  if (chosen === undefined || chosen === '') return visible.length === 1 ? visible[0] : undefined;
  return visible.find((t) => t.id === chosen);
}

export function startsWith(value: string): (candidate: string) => boolean {
  const v = value.toLowerCase();
  return (candidate) => candidate.toLowerCase().startsWith(v);
}

/** Completion of `tenant`, `entity` and `layout`, shared by the entity and layout templates. */
export async function completeVariable(variable: string, value: string, scope: ResourceScope, context: CompletionContext): Promise<string[]> {
  if (variable === 'tenant') {
    return scope.registry
      .visible(scope.principal)
      .map((t) => t.id)
      .filter(startsWith(value));
  }
  if (variable === 'layout') return KNOWN_LAYOUT_NAMES.filter(startsWith(value));
  if (variable === 'entity') {
    const tenant = completionTenant(scope, context);
    if (!tenant) return [];
    try {
      const { entityNames } = await import('../reads/entities.js');
      const names = await entityNames(tenant, AbortSignal.timeout(LOOKUP_TIMEOUT_MS));
      return names.map((e) => e.name).filter(startsWith(value));
    } catch {
      return []; // an unreachable CRM completes nothing; the read names the problem
    }
  }
  return [];
}

export const entityResource: ResourceDefinition = {
  name: 'entity',
  uri: 'espocrm://tenants/{tenant}/entities/{entity}',
  template: true,
  title: 'Entity fields',
  description:
    "The fields of one entity type of a tenant's EspoCRM (name, type, label, custom, required, options), from the tenant's metadata " +
    'cache, and the URIs of its common layouts. Labels and option values are CRM content, fenced as untrusted data.',
  variables: ['tenant', 'entity'],
  complete: completeVariable,
  async read(args) {
    const tenant = args.registry.resolve(oneVar(args.vars.tenant), args.principal);
    const signal = args.signal ?? AbortSignal.timeout(60_000);
    // The readers (and the cores under them) load on the first read, not when the server starts.
    const { fieldOptions, loadFieldContext, readLabels } = await import('../reads/fields.js');
    const fc = await loadFieldContext(tenant, oneVar(args.vars.entity) ?? '', signal);
    const labels = await readLabels(tenant, fc.entity, signal);
    const fields = await Promise.all(Object.entries(fc.fields).map(async ([name, def]) => {
      const l = labels.of(name);
      const out: Record<string, unknown> = { name, type: String(def.type), custom: def.isCustom === true, required: def.required === true };
      if (l.label !== undefined) out.label = l.label;
      const opts = OPTION_TYPES.has(String(def.type)) ? await fieldOptions(tenant, def, l, signal) : undefined;
      if (opts) {
        out.options = opts.options.map((value) => {
          const label = opts.optionLabels?.[value === '' ? '_empty_' : value];
          return label !== undefined && label !== value ? { value, label } : { value };
        });
        if (opts.reference) out.optionsFrom = opts.reference;
      }
      return out;
    }));
    const fence = newFence();
    return {
      tenant: tenant.id,
      entity: fc.entity,
      untrustedData: fence.notice('field labels and option values'),
      fields: fenceJson(fields, fence, { keys: /^(label|value)$/ }),
      layouts: COMMON_LAYOUTS.map((l) => layoutUri(tenant.id, fc.entity, l)),
    };
  },
};
