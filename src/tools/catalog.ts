import type { ToolDefinition } from './define.js';
import type { ToolKind } from '../tenants/policy.js';
import { listTenants } from './list_tenants.js';
import { checkTenant } from './check_tenant.js';

/** Every tool the server offers, in the order `tools/list` shows them. */
export function allTools(): ToolDefinition[] {
  return [listTenants, checkTenant] as unknown as ToolDefinition[];
}

/** The write and destructive tools, for policy summaries. */
export function writeTools(): Array<{ name: string; kind: ToolKind }> {
  return allTools()
    .filter((t) => t.kind !== 'read')
    .map((t) => ({ name: t.name, kind: t.kind }));
}
