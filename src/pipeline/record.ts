/**
 * The audit line every write-tool call leaves (refused, planned and failed ones included), and what
 * follows an applied change: the tenant's metadata cache is dropped so the next read sees it, and
 * resource subscribers are told. Only the write pipeline calls this.
 */
import { newChangeId } from '../store/entry.js';
import { plainMarked } from '../core/fence.js';
import type { AuditOutcome, ChangeRecord, InstanceIdentity, Store } from '../store/types.js';
import { changedResourceUris } from '../resources/uris.js';
import type { Principal } from '../tenants/policy.js';
import type { TenantContext } from '../tenants/registry.js';

export interface RecordScope {
  store: Store;
  tenant: TenantContext;
  principal: Principal;
  tool: string;
  args: Record<string, unknown>;
  /** Tells resource subscribers that a resource changed. */
  changed?(uri: string): void;
}

/** The instance a change is made on, as the CRM reported it (read once per tenant and kept). */
export async function instanceOf(tenant: TenantContext, signal?: AbortSignal): Promise<InstanceIdentity | undefined> {
  try {
    const p = await tenant.profile.get(signal);
    const out: InstanceIdentity = {};
    if (p.siteUrl) out.siteUrl = p.siteUrl;
    if (p.version) out.version = p.version;
    return out.siteUrl || out.version ? out : undefined;
  } catch {
    return undefined;
  }
}

/** Records one line; returns the change id when it records a change. */
export async function recordLine(
  scope: RecordScope,
  entry: { outcome: AuditOutcome; summary: string; change?: ChangeRecord; error?: string; instance?: InstanceIdentity },
): Promise<string | undefined> {
  const changeId = entry.change ? newChangeId() : undefined;
  await scope.store.append({
    ...(changeId ? { changeId } : {}),
    tenant: scope.tenant.id,
    principal: scope.principal.name,
    ...(scope.principal.via ? { auth: scope.principal.via } : {}),
    tool: scope.tool,
    args: scope.args,
    outcome: entry.outcome,
    // The audit is read by people and tools, not a model: CRM values in messages are quoted, not fenced.
    summary: plainMarked(entry.summary),
    ...(entry.error ? { error: plainMarked(entry.error) } : {}),
    ...(entry.change ? { change: entry.change } : {}),
    ...(entry.change && entry.instance ? { instance: entry.instance } : {}),
  });
  if (entry.outcome === 'applied' || entry.outcome === 'partial') {
    scope.tenant.metadata.invalidate();
    if (entry.change && scope.changed) {
      const undone = entry.change.kind === 'undo' && entry.change.undoes ? (await scope.store.findChange(entry.change.undoes))?.change : undefined;
      for (const uri of changedResourceUris(scope.tenant.id, entry.change, undone)) scope.changed(uri);
    }
  }
  return changeId;
}
