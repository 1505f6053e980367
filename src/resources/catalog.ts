import type { Principal } from '../tenants/policy.js';
import type { TenantRegistry } from '../tenants/registry.js';
import { tenantListResource, tenantResource } from './tenants.js';

export interface ResourceScope {
  registry: TenantRegistry;
  principal: Principal;
  /** The server-wide --read-only switch. */
  readOnly: boolean;
}

/** A resource or resource template, declared without the SDK; `src/server.ts` registers it. */
export interface ResourceDefinition {
  name: string;
  /** A fixed URI, or an RFC 6570 template when `template` is true. */
  uri: string;
  template: boolean;
  title: string;
  description: string;
  variables?: string[];
  list?(scope: ResourceScope): Array<{ uri: string; name: string; title?: string; description?: string }>;
  complete?(variable: string, value: string, scope: ResourceScope): string[];
  read(args: { uri: URL; vars: Record<string, string | string[]> } & ResourceScope): Promise<unknown>;
}

export function allResources(): ResourceDefinition[] {
  return [tenantListResource, tenantResource];
}
