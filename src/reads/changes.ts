/**
 * The audit trail as callers read it (the list_changes tool and the changes resource): lines of the
 * caller's tenants only, newest first, by pages, each change with the undo_change call that reverts it.
 */
import type { AuditEntry, AuditOutcome, ChangeHistory } from '../store/types.js';
import { normalizeSiteUrl } from './instance.js';

export const OUTCOMES: readonly AuditOutcome[] = ['applied', 'partial', 'unchanged', 'planned', 'dry_run', 'failed', 'refused'];

export interface ChangeFilter {
  since?: string;
  until?: string;
  tool?: string;
  caller?: string;
  outcome?: AuditOutcome;
  changesOnly?: boolean;
}

export interface ChangeRow {
  changeId?: string;
  tenant: string;
  time: string;
  caller: string;
  auth?: string;
  tool: string;
  outcome: AuditOutcome;
  summary?: string;
  error?: string;
  kind?: string;
  entity?: string;
  target?: string;
  args: Record<string, unknown>;
  instance?: { siteUrl?: string; version?: string };
  undoneBy?: string;
  /** The change was made on another instance than the one the tenant points at now: undo_change refuses it. */
  otherInstance?: true;
  /** The call that reverts this change, when it can be undone (an applied change, not itself an undo, not undone). */
  undo?: { tool: 'undo_change'; arguments: { tenant: string; changeId: string } };
}

/**
 * One line for a reader. `siteUrlNow` is the siteUrl the tenant is configured to answer as (no CRM is
 * called): a change recorded on another siteUrl is flagged, and offers no undo_change call.
 */
export function toRow(e: AuditEntry, siteUrlNow?: string): ChangeRow {
  const c = e.change;
  const elsewhere = siteUrlNow !== undefined && e.instance?.siteUrl !== undefined && normalizeSiteUrl(e.instance.siteUrl) !== normalizeSiteUrl(siteUrlNow);
  const undoable = !elsewhere && e.changeId !== undefined && c !== undefined && c.kind !== 'undo' && !e.undoneBy && (e.outcome === 'applied' || e.outcome === 'partial');
  return {
    ...(e.changeId ? { changeId: e.changeId } : {}),
    tenant: e.tenant,
    time: e.ts,
    caller: e.principal,
    ...(e.auth ? { auth: e.auth } : {}),
    tool: e.tool,
    outcome: e.outcome,
    ...(e.summary ? { summary: e.summary } : {}),
    ...(e.error ? { error: e.error } : {}),
    ...(c ? { kind: c.kind, entity: c.entity, ...(c.layout ?? c.field ? { target: (c.layout ?? c.field)! } : {}) } : {}),
    args: e.args,
    ...(e.instance ? { instance: e.instance } : {}),
    ...(e.undoneBy ? { undoneBy: e.undoneBy } : {}),
    ...(elsewhere ? { otherInstance: true as const } : {}),
    ...(undoable ? { undo: { tool: 'undo_change' as const, arguments: { tenant: e.tenant, changeId: e.changeId! } } } : {}),
  };
}

/** A page cursor: the sequence number to continue below. */
export function parseChangesCursor(cursor: string): number | undefined {
  const m = /^c(\d{1,15})$/.exec(cursor.trim());
  return m ? Number(m[1]) : undefined;
}

export async function readChanges(
  history: ChangeHistory,
  tenants: string[],
  filter: ChangeFilter,
  page: { limit: number; before?: number },
  siteUrlOf: (tenant: string) => string | undefined = () => undefined,
): Promise<{ rows: ChangeRow[]; nextCursor?: string }> {
  const res = await history.listChanges({
    tenants,
    ...(filter.since ? { since: filter.since } : {}),
    ...(filter.until ? { until: filter.until } : {}),
    ...(filter.tool ? { tool: filter.tool } : {}),
    ...(filter.caller ? { principal: filter.caller } : {}),
    ...(filter.outcome ? { outcome: filter.outcome } : {}),
    ...(filter.changesOnly ? { changesOnly: true } : {}),
    limit: page.limit,
    ...(page.before !== undefined ? { before: page.before } : {}),
  });
  return { rows: res.entries.map((e) => toRow(e, siteUrlOf(e.tenant))), ...(res.next !== undefined ? { nextCursor: `c${res.next}` } : {}) };
}
