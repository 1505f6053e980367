/**
 * Entity types of a tenant: resolving the name a caller gave ("lead" -> "Lead") and listing the ones
 * that accept custom fields and layouts. Version-aware through the tenant's metadata cache.
 */
import { customizableEntities, formatFieldSpecErrors, resolveEntityName, type FieldSpecError, type ScopeDefs } from '../core/fieldSpec/index.js';
import { isRecord } from '../core/values.js';
import { ToolError } from '../errors.js';
import type { TenantContext } from '../tenants/registry.js';

/** A field spec core error as a tool error, with every problem listed. */
export function specError(errors: readonly FieldSpecError[]): ToolError {
  return new ToolError(formatFieldSpecErrors(errors), errors[0]?.code ?? 'invalid_request', { errors: errors.map((e) => e.toJSON()) });
}

export async function readScopes(tenant: TenantContext, signal?: AbortSignal): Promise<Record<string, ScopeDefs>> {
  const scopes = await tenant.metadata.get<Record<string, ScopeDefs>>('scopes', signal);
  return isRecord(scopes) ? scopes : {};
}

export interface ResolvedEntity {
  name: string;
  scope: ScopeDefs;
  /** How the name given was read ("lead" -> "Lead"). */
  notes: string[];
}

/** The entity type a call names, resolved against the tenant's scopes, or a clear error. */
export async function resolveEntity(tenant: TenantContext, input: string, signal?: AbortSignal): Promise<ResolvedEntity> {
  return resolveIn(await readScopes(tenant, signal), input);
}

/** As `resolveEntity`, against scopes already read (for calls that resolve many names). */
export function resolveIn(scopes: Record<string, ScopeDefs>, input: string): ResolvedEntity {
  const r = resolveEntityName(input, scopes);
  if (!r.ok) throw specError([r.error]);
  const scope = scopes[r.name];
  return { name: r.name, scope: isRecord(scope) ? scope : {}, notes: r.notes };
}

/** The entity types of a tenant that accept custom fields and layouts, by name. */
export async function entityNames(tenant: TenantContext, signal?: AbortSignal): Promise<Array<{ name: string; custom: boolean }>> {
  const scopes = await readScopes(tenant, signal);
  return customizableEntities(scopes)
    .filter((name) => scopes[name]?.disabled !== true)
    .map((name) => ({ name, custom: scopes[name]?.isCustom === true }));
}
