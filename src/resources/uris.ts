/**
 * The resource URIs and which of them a change touches. Write tools report their changes through
 * the write pipeline (`src/pipeline/record.ts`); these URIs are what `notifications/resources/updated` names for subscribers.
 */
import type { ChangeRecord } from '../store/types.js';

export const TENANTS_URI = 'espocrm://tenants';

/** The fixed guides (no tenant): the explanations and examples tool definitions point to. */
export const GUIDE_LAYOUT_OPERATIONS_URI = 'espocrm://guide/layout-operations';
export const GUIDE_FIELD_TYPES_URI = 'espocrm://guide/field-types';
export const GUIDE_EXAMPLES_URI = 'espocrm://guide/examples';

export function tenantUri(tenant: string): string {
  return `${TENANTS_URI}/${encodeURIComponent(tenant)}`;
}

/** The kept health checks of a tenant (check_tenant, check_tenants, tenants check, serve --health-every). */
export function healthUri(tenant: string): string {
  return `${tenantUri(tenant)}/health`;
}

/** Two tenants' customizations compared (compare_tenants against a tenant). */
export function compareUri(tenant: string, other: string): string {
  return `${tenantUri(tenant)}/compare/${encodeURIComponent(other)}`;
}

/** The caller's tenants against a blueprint of the blueprints folder (fleet_drift). */
export function driftUri(blueprint: string): string {
  return `espocrm://fleet/drift/${encodeURIComponent(blueprint)}`;
}

export function entityUri(tenant: string, entity: string): string {
  return `${tenantUri(tenant)}/entities/${encodeURIComponent(entity)}`;
}

export function layoutUri(tenant: string, entity: string, layout: string): string {
  return `${entityUri(tenant, entity)}/layouts/${encodeURIComponent(layout)}`;
}

/** One value of a template variable as the SDK hands it over. */
export function oneVar(v: string | string[] | undefined): string | undefined {
  const value = Array.isArray(v) ? v[0] : v;
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The resources an applied change altered: the entity (its fields) for field changes, each layout it
 * saved. An undo touches what the change it reverts touched, so the original record is passed along.
 */
export function changedResourceUris(tenant: string, change: ChangeRecord, undone?: ChangeRecord): string[] {
  const uris = new Set<string>();
  const add = (c: ChangeRecord) => {
    if (c.field !== undefined || c.kind.startsWith('field_')) uris.add(entityUri(tenant, c.entity));
    if (c.layout !== undefined) uris.add(layoutUri(tenant, c.entity, c.layout));
    for (const r of c.related ?? []) uris.add(layoutUri(tenant, c.entity, r.layout));
    // apply_blueprint: one change holding each step's own.
    for (const s of c.steps ?? []) add(s);
  };
  add(change);
  if (change.kind === 'undo' && undone) add(undone);
  return [...uris];
}
