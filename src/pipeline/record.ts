/**
 * The audit line every write-tool call leaves (refused, planned and failed ones included), and what
 * follows an applied change: the tenant's metadata cache is dropped so the next read sees it, and
 * resource subscribers are told. Only the write pipeline calls this.
 */
import { newChangeId, type AuditLog, type AuditOutcome, type ChangeRecord } from '../audit/log.js';
import { changedResourceUris } from '../resources/uris.js';
import type { Principal } from '../tenants/policy.js';
import type { TenantContext } from '../tenants/registry.js';

export interface RecordScope {
  audit: AuditLog;
  tenant: TenantContext;
  principal: Principal;
  tool: string;
  args: Record<string, unknown>;
  /** Tells resource subscribers that a resource changed. */
  changed?(uri: string): void;
}

/** Records one line; returns the change id when it records a change. */
export function recordLine(
  scope: RecordScope,
  entry: { outcome: AuditOutcome; summary: string; change?: ChangeRecord; error?: string },
): string | undefined {
  const changeId = entry.change ? newChangeId() : undefined;
  scope.audit.append({
    ...(changeId ? { changeId } : {}),
    tenant: scope.tenant.id,
    principal: scope.principal.name,
    ...(scope.principal.via ? { auth: scope.principal.via } : {}),
    tool: scope.tool,
    args: scope.args,
    outcome: entry.outcome,
    summary: entry.summary,
    ...(entry.error ? { error: entry.error } : {}),
    ...(entry.change ? { change: entry.change } : {}),
  });
  if (entry.outcome === 'applied' || entry.outcome === 'partial') {
    scope.tenant.metadata.invalidate();
    if (entry.change && scope.changed) {
      const undone = entry.change.kind === 'undo' && entry.change.undoes ? scope.audit.findChange(entry.change.undoes)?.change : undefined;
      for (const uri of changedResourceUris(scope.tenant.id, entry.change, undone)) scope.changed(uri);
    }
  }
  return changeId;
}
