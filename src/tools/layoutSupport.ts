/**
 * What `get_layout`, `edit_layout` and `reset_layout` share: their common arguments, reading a layout
 * with a clear error for EspoCRM's 404, the entity context the layout core validates against, and
 * what this server's audit log knows about whether a layout is customised.
 */
import { z } from 'zod';
import { layouts } from '../espo/api/index.js';
import { EspoNotFoundError } from '../espo/errors.js';
import { ToolError } from '../errors.js';
import { canonicalJson } from '../core/confirm.js';
import { KNOWN_LAYOUT_NAMES, type LayoutContext, type LayoutFieldDef, type LayoutIssue, type LayoutLinkDef } from '../core/layout/index.js';
import type { AuditEntry } from '../audit/log.js';
import type { ToolContext } from './define.js';

export const layoutNameArg = z
  .enum(KNOWN_LAYOUT_NAMES as [string, ...string[]])
  .describe(
    'The layout: detail / detailSmall (record view and quick view: panels with rows of fields), list / listSmall (list columns), ' +
      'filters and massUpdate (lists of field names), defaultSidePanel, sidePanels* and bottomPanels* (panels keyed by name), ' +
      'relationships (relationship panels), kanban, listDashlet, detailConvert, edit / editSmall.',
  );

export const entityArg = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .describe('The entity type, e.g. "Lead", "Contact", "Account" or a custom one like "CProject" (case-insensitive).');

export const LayoutIssueOut = z.object({
  path: z.string().describe('Where in the layout, e.g. "panels[1].rows[0][2]" or "columns[3].width".'),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
});

export function issueLines(issues: readonly LayoutIssue[]): string[] {
  return issues.map((i) => `  ${i.severity === 'error' ? 'ERROR' : 'warning'} ${i.path}: ${i.message}`);
}

/** Whether two layout JSON values are the same, ignoring key order. */
export function sameLayout(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** `GET {Entity}/layout/{name}`; `found: false` when EspoCRM answers 404 (no such layout, or one stored as null). */
export async function fetchLayout(ctx: ToolContext, entity: string, name: string): Promise<{ found: true; json: unknown } | { found: false }> {
  try {
    return { found: true, json: await layouts.get(ctx.tenant.client(), entity, name, { signal: ctx.signal }) };
  } catch (err) {
    if (err instanceof EspoNotFoundError) return { found: false };
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
export async function requireLayout(ctx: ToolContext, entity: string, name: string): Promise<unknown> {
  const r = await fetchLayout(ctx, entity, name);
  if (!r.found) throw layoutNotFoundError(entity, name, ctx.tenant.id);
  return r.json;
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
export async function loadLayoutContext(ctx: ToolContext, entity: string): Promise<LayoutContext> {
  const [defs, fieldTypes] = await Promise.all([
    ctx.tenant.metadata.get<{ fields?: Record<string, LayoutFieldDef>; links?: Record<string, LayoutLinkDef> }>(`entityDefs.${entity}`, ctx.signal),
    ctx.tenant.metadata.get<Record<string, unknown>>('fields', ctx.signal),
  ]);
  return { entityType: entity, fields: defs?.fields ?? {}, links: defs?.links ?? {}, ...(fieldTypes ? { fieldTypes } : {}) };
}

export interface Customization {
  /** True when this server saved the layout and that edit stands; null when unknown (never false). */
  customized: true | null;
  note: string;
  /** The change that made it customised, when known. */
  changeId?: string;
}

const isLayoutChange = (e: AuditEntry, tenant: string, entity: string, name: string): boolean =>
  e.tenant === tenant &&
  e.change?.kind === 'layout' &&
  e.change.entity === entity &&
  e.change.layout === name &&
  (e.outcome === 'applied' || e.outcome === 'partial');

/**
 * Whether the layout is customised, as far as this server knows. EspoCRM's API does not say whether a
 * layout was customised in its admin UI, so only an edit through this server (applied, not undone and
 * not followed by a reset) proves it; anything else is unknown.
 */
export function customizationOf(ctx: ToolContext, entity: string, name: string): Customization {
  const entries = ctx.audit.read().filter((e) => isLayoutChange(e, ctx.tenant.id, entity, name));
  const lastReset = entries.findLastIndex((e) => e.tool === 'reset_layout');
  const edit = entries
    .slice(lastReset + 1)
    .findLast((e) => e.tool !== 'reset_layout' && e.changeId !== undefined && !ctx.audit.isUndone(e.changeId));
  if (edit?.changeId) {
    return { customized: true, changeId: edit.changeId, note: `customised by this server (change ${edit.changeId}, ${edit.ts})` };
  }
  const unknown = "EspoCRM's API does not tell whether a layout was customised in its admin UI";
  if (lastReset >= 0) {
    const reset = entries[lastReset] as AuditEntry;
    const undone = reset.changeId !== undefined && ctx.audit.isUndone(reset.changeId);
    return {
      customized: null,
      note: `${undone ? 'a reset to the default by this server was undone' : `reset to EspoCRM's default by this server (${reset.ts})`}; ${unknown}`,
    };
  }
  return { customized: null, note: `unknown: ${unknown}, and this server has no edit of it on record` };
}
