/** The `tenant` argument every prompt takes: completed from, and checked against, the caller's tenants. */
import type { PromptArgumentDefinition, PromptScope } from './catalog.js';
import { decideTool } from '../tenants/policy.js';
import type { TenantContext } from '../tenants/registry.js';

export const tenantArgument: PromptArgumentDefinition = {
  name: 'tenant',
  description: 'Tenant id, e.g. "damath" (see list_tenants). May be omitted when only one tenant is visible.',
  required: false,
  complete: (value, { registry, principal }) =>
    registry
      .visible(principal)
      .map((t) => t.id)
      .filter((id) => id.toLowerCase().startsWith(value.toLowerCase())),
};

/** The tenant named (or the only visible one); unknown and forbidden tenants give the same error. */
export function promptTenant(args: Record<string, string | undefined>, scope: PromptScope): TenantContext {
  return scope.registry.resolve(args.tenant?.trim() || undefined, scope.principal);
}

/** Whether the caller may run these write tools on the tenant (read-only switches, tool lists). */
export function mayWrite(tenant: TenantContext, scope: PromptScope, tools: string[]): boolean {
  return tools.every((name) => decideTool({ name, kind: 'write' }, tenant.config, scope.principal, { readOnly: scope.readOnly }).allowed);
}

/** How a prompt names the tenant: its id, and its business name when that says more. */
export function tenantTitle(tenant: TenantContext): string {
  return tenant.config.name && tenant.config.name !== tenant.id ? `"${tenant.id}" (${tenant.config.name})` : `"${tenant.id}"`;
}

/** A JSON example call, as the tool descriptions write them. */
export function call(tool: string, args: Record<string, unknown>): string {
  return `${tool} ${JSON.stringify(args)}`;
}
