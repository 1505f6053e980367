/**
 * The `X-Tenant` header: a chat host serving one customer pins each request to that customer's tenant.
 * The tenant must be in the caller's set; an unknown and a forbidden tenant get the same error.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ToolError } from '../errors.js';
import type { Principal } from '../tenants/policy.js';
import type { TenantRegistry } from '../tenants/registry.js';

export const TENANT_HEADER = 'x-tenant';

/** The principal for this request: narrowed to the pinned tenant when the header names one. Throws `ToolError`. */
export function pinTenant(principal: Principal, headers: IncomingHttpHeaders, registry: TenantRegistry): Principal {
  const raw = headers[TENANT_HEADER];
  if (raw === undefined) return principal;
  if (Array.isArray(raw)) throw new ToolError('Send one X-Tenant header, naming one tenant.', 'invalid_request');
  const requested = raw.trim();
  if (requested === '') return principal;
  const tenant = registry.resolve(requested, principal);
  return { ...principal, tenants: [tenant.id] };
}
