import type { TenantConfig } from '../config/types.js';

export type ToolKind = 'read' | 'write' | 'destructive';

/** Who is calling: over stdio the local user; over HTTP a token or JWT subject. */
export interface Principal {
  name: string;
  /** Tenant ids this principal may see; '*' for all configured tenants. */
  tenants: '*' | string[];
  readOnly?: boolean;
  /** How the caller authenticated (HTTP: a static token, a JWT, or none on loopback); absent on stdio. */
  via?: 'token' | 'jwt' | 'none';
}

/** The caller as one string, for binding a plan to whoever made it ("jwt:max@example.com", "local"). */
export function callerId(principal: Principal): string {
  return principal.via ? `${principal.via}:${principal.name}` : principal.name;
}

export const LOCAL_PRINCIPAL: Principal = { name: 'local', tenants: '*' };

export interface PolicyDecision {
  allowed: boolean;
  /** Why not, in words a user can act on. */
  reason?: string;
}

/**
 * Whether `tool` may run on `tenant` for `principal`. Precedence: read-only (server, tenant or
 * principal) over exclude over include, as github-mcp-server does.
 */
export function decideTool(
  tool: { name: string; kind: ToolKind },
  tenant: TenantConfig,
  principal: Principal,
  server: { readOnly: boolean },
): PolicyDecision {
  if (tool.kind !== 'read') {
    if (server.readOnly) return { allowed: false, reason: `the server runs with --read-only, so "${tool.name}" (a write) is disabled` };
    if (tenant.readOnly) return { allowed: false, reason: `tenant "${tenant.id}" is configured read-only ("readOnly": true in tenants.json), so "${tool.name}" is disabled` };
    if (principal.readOnly) return { allowed: false, reason: `your access ("${principal.name}") is read-only, so "${tool.name}" is disabled` };
  }
  const exclude = tenant.tools?.exclude ?? [];
  if (exclude.includes(tool.name)) return { allowed: false, reason: `"${tool.name}" is excluded for tenant "${tenant.id}" (tools.exclude in tenants.json)` };
  const include = tenant.tools?.include;
  if (include && include.length > 0 && !include.includes(tool.name)) {
    return { allowed: false, reason: `"${tool.name}" is not in the tools allowed for tenant "${tenant.id}" (tools.include in tenants.json): ${include.join(', ')}` };
  }
  return { allowed: true };
}

/**
 * What a write does to a CRM, whatever tool does it. The policy judges effects, not only tool names:
 * an effect is allowed where the tool that owns it is allowed, so excluding `delete_custom_field`
 * forbids deleting a field through `undo_change` too, and a composite call (a field created and placed
 * on layouts) passes each of its effects through the policy.
 */
export type Effect = 'field.create' | 'field.update' | 'field.delete' | 'layout.edit' | 'layout.reset' | 'records.merge' | 'instance.rebuild';

export const EFFECTS: Record<Effect, { tool: string; kind: ToolKind; words: string }> = {
  'field.create': { tool: 'create_custom_field', kind: 'write', words: 'create a field' },
  'field.update': { tool: 'update_custom_field', kind: 'write', words: 'change a field' },
  'field.delete': { tool: 'delete_custom_field', kind: 'destructive', words: 'delete a field' },
  'layout.edit': { tool: 'edit_layout', kind: 'write', words: 'edit a layout' },
  'layout.reset': { tool: 'reset_layout', kind: 'destructive', words: 'reset a layout' },
  'records.merge': { tool: 'merge_duplicates', kind: 'destructive', words: 'merge records' },
  'instance.rebuild': { tool: 'rebuild', kind: 'write', words: 'rebuild the CRM' },
};

/**
 * Whether every effect of one call of `tool` is allowed: each effect as its owner tool would be judged
 * (read-only first, then exclude, then include). The first refused effect gives the reason.
 */
export function decideEffects(
  effects: readonly Effect[],
  tool: { name: string; kind: ToolKind },
  tenant: TenantConfig,
  principal: Principal,
  server: { readOnly: boolean },
): PolicyDecision {
  const own = decideTool(tool, tenant, principal, server);
  if (!own.allowed) return own;
  for (const effect of new Set(effects)) {
    const owner = EFFECTS[effect];
    if (owner.tool === tool.name) continue;
    const d = decideTool({ name: owner.tool, kind: owner.kind }, tenant, principal, server);
    if (!d.allowed) return { allowed: false, reason: `this call would ${owner.words}, which is not allowed here: ${d.reason}` };
  }
  return { allowed: true };
}

export function principalSees(principal: Principal, tenantId: string): boolean {
  return principal.tenants === '*' || principal.tenants.includes(tenantId);
}
