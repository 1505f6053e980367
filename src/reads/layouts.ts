/**
 * Reading layouts (one way: `GET {Entity}/layout/{name}`, 404 as "none"), the entity context the layout
 * core validates against, and what a layout holds. Writes of layouts are in src/pipeline/steps.ts.
 */
import { layouts as layoutApi } from '../espo/api/index.js';
import { EspoNotFoundError } from '../espo/errors.js';
import { ToolError } from '../errors.js';
import { canonicalJson } from '../core/confirm.js';
import { parseLayout, shapeIssues, type LayoutContext, type LayoutFieldDef, type LayoutLinkDef } from '../core/layout/index.js';
import type { TenantContext } from '../tenants/registry.js';

/** The layouts a field may appear in and that the schema tools check (docs/espocrm.md, "Finding unused fields"). */
export const FIELD_LAYOUTS = ['detail', 'detailSmall', 'list', 'listSmall', 'filters', 'massUpdate', 'defaultSidePanel', 'kanban'] as const;

/** The layout as EspoCRM serves it; undefined when EspoCRM answers 404 (no such layout, or one stored as null). */
export async function readLayout(tenant: TenantContext, entity: string, name: string, signal?: AbortSignal): Promise<unknown> {
  try {
    return await layoutApi.get(tenant.client(), entity, name, { signal });
  } catch (err) {
    if (err instanceof EspoNotFoundError) return undefined;
    throw err;
  }
}

export function layoutNotFoundError(entity: string, name: string, tenant: string): ToolError {
  return new ToolError(
    `EspoCRM of tenant "${tenant}" serves no "${name}" layout for ${entity} (404). Either ${entity} has no such layout, or it was saved ` +
      `malformed (EspoCRM stores a malformed layout as null, which breaks the screens using it): reset_layout brings back EspoCRM's default.`,
    'layout_not_found',
  );
}

/** The layout as EspoCRM serves it, or the clear 404 error. */
export async function requireLayout(tenant: TenantContext, entity: string, name: string, signal?: AbortSignal): Promise<unknown> {
  const json = await readLayout(tenant, entity, name, signal);
  if (json === undefined) throw layoutNotFoundError(entity, name, tenant.id);
  return json;
}

/** Whether two layout JSON values are the same, ignoring key order. */
export function sameLayout(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** EspoCRM refuses layout saves (403) for entities that are not customizable; say so before trying. */
export function assertLayoutsEditable(entity: string, scope: { customizable?: boolean; entityManager?: Record<string, unknown> }): void {
  if (scope.customizable !== true || scope.entityManager?.layouts === false) {
    throw new ToolError(
      `EspoCRM does not allow layout changes on ${entity}: it is not customizable (scopes.${entity}.customizable` +
        `${scope.entityManager?.layouts === false ? ' / entityManager.layouts' : ''}).`,
      'entity_not_customizable',
    );
  }
}

/** What the layout core checks a layout against: the entity's fields and links, and the field types. */
export async function loadLayoutContext(tenant: TenantContext, entity: string, signal?: AbortSignal): Promise<LayoutContext> {
  const [defs, fieldTypes] = await Promise.all([
    tenant.metadata.get<{ fields?: Record<string, LayoutFieldDef>; links?: Record<string, LayoutLinkDef> }>(`entityDefs.${entity}`, signal),
    tenant.metadata.get<Record<string, unknown>>('fields', signal),
  ]);
  return { entityType: entity, fields: defs?.fields ?? {}, links: defs?.links ?? {}, ...(fieldTypes ? { fieldTypes } : {}) };
}

/** The field names a layout shows (`:assignedUser` counts as `assignedUser`); [] when it is malformed. */
export function fieldsInLayout(name: string, json: unknown): string[] {
  if (json === undefined || shapeIssues(name, json).length > 0) return [];
  const parsed = parseLayout(name, json);
  const nameOf = (item: string | { name: string }): string => (typeof item === 'string' ? item : item.name);
  switch (parsed.kind) {
    case 'panels':
      return parsed.panels.flatMap((p) => p.rows.flatMap((r) => r.flatMap((c) => (c && typeof c === 'object' && typeof c.name === 'string' ? [c.name] : []))));
    case 'columns':
      return parsed.columns.map((c) => c.name);
    case 'fieldList':
      return [...parsed.fields];
    case 'cells':
      return parsed.cells.map((c) => nameOf(c).replace(/^:/, ''));
    default:
      return [];
  }
}
