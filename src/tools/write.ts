/**
 * What every write tool does around its own logic: the instance guard before touching the CRM, the
 * audit line (with the before-state for undo) after, and the metadata cache dropped so the next read
 * sees the change. Handlers call these; they never write the audit log themselves.
 */
import { z } from 'zod';
import { newChangeId, type AuditOutcome, type ChangeRecord } from '../audit/log.js';
import { ToolError } from '../errors.js';
import type { ToolContext } from './define.js';
import { resolveEntityName } from '../core/fieldSpec/index.js';
import { changedResourceUris } from '../resources/uris.js';

export const dryRunArg = z
  .boolean()
  .optional()
  .describe('true: return the plan (what would change, as a diff) without writing anything. Default false.');

export const confirmArg = z
  .string()
  .max(2000)
  .optional()
  .describe('The confirm token returned by this tool\'s own plan (call without it first). With it, the planned change is applied.');

/** Refuses the write unless the tenant's CRM reports the expected siteUrl (see InstanceGuard). */
export async function guardWrite(ctx: ToolContext): Promise<void> {
  await ctx.tenant.guard.assertWritable(ctx.signal);
}

/** Records a write (or a refused/failed one) in the audit log; returns the change id when there is a change. */
export function recordWrite(
  ctx: ToolContext,
  entry: { tool: string; args: Record<string, unknown>; outcome: AuditOutcome; summary: string; change?: ChangeRecord; error?: string; changeId?: string },
): string | undefined {
  const changeId = entry.change ? (entry.changeId ?? newChangeId()) : undefined;
  ctx.audit.append({
    ...(changeId ? { changeId } : {}),
    tenant: ctx.tenant.id,
    principal: ctx.principal.name,
    tool: entry.tool,
    args: entry.args,
    outcome: entry.outcome,
    summary: entry.summary,
    ...(entry.error ? { error: entry.error } : {}),
    ...(entry.change ? { change: entry.change } : {}),
  });
  if (entry.outcome === 'applied' || entry.outcome === 'partial') {
    ctx.tenant.metadata.invalidate();
    if (entry.change && ctx.changed) {
      const undone = entry.change.kind === 'undo' && entry.change.undoes ? ctx.audit.findChange(entry.change.undoes)?.change : undefined;
      for (const uri of changedResourceUris(ctx.tenant.id, entry.change, undone)) ctx.changed(uri);
    }
  }
  return changeId;
}

type Scope = { entity?: boolean; customizable?: boolean; isCustom?: boolean; entityManager?: Record<string, unknown> };

/** The entity type a call names, resolved against the tenant's scopes ("lead" -> "Lead"), or a clear error. */
export async function resolveEntity(ctx: ToolContext, input: string): Promise<{ name: string; scope: Scope; notes: string[] }> {
  const scopes = (await ctx.tenant.metadata.get<Record<string, Scope>>('scopes', ctx.signal)) ?? {};
  const r = resolveEntityName(input, scopes);
  if (!r.ok) throw new ToolError(r.error.message, 'unknown_entity');
  return { name: r.name, scope: scopes[r.name] ?? {}, notes: r.notes };
}

/** Entity field and link metadata, for validation. */
export async function entityDefs(ctx: ToolContext, entity: string): Promise<{ fields: Record<string, Record<string, unknown> & { type: string }>; links: Record<string, Record<string, unknown>> }> {
  const defs = await ctx.tenant.metadata.get<{ fields?: Record<string, Record<string, unknown> & { type: string }>; links?: Record<string, Record<string, unknown>> }>(
    `entityDefs.${entity}`,
    ctx.signal,
  );
  return { fields: defs?.fields ?? {}, links: defs?.links ?? {} };
}
