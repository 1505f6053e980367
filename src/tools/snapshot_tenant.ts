import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { tenantArg } from './args.js';
import { ToolError } from '../errors.js';
import type { TenantCustomization } from '../core/blueprint/types.js';
import { readCustomization } from '../reads/customizationState.js';
import { currentInstance } from '../reads/instance.js';
import { SnapshotTooLargeError } from '../store/store.js';
import type { ChangeHistory, SnapshotInfo, SnapshotSummary, Store } from '../store/index.js';
import type { TenantContext } from '../tenants/registry.js';

/** What a snapshot counts: custom fields, customized layouts, the entities they are on. */
export function snapshotSummary(state: TenantCustomization): SnapshotSummary {
  const layouts = state.layouts.filter((l) => l.customized);
  const entities = new Set([...state.fields.map((f) => f.entity), ...layouts.map((l) => l.entity)]);
  return { fields: state.fields.length, layouts: layouts.length, entities: entities.size };
}

/**
 * Reads the tenant's customization and keeps it in the store (never writes to the CRM): the
 * snapshot_tenant tool and `espocrm-admin-mcp snapshot` both take snapshots this way.
 */
export async function takeSnapshot(tenant: TenantContext, stores: { snapshots: Pick<Store, 'putSnapshot'>; history: ChangeHistory }, signal?: AbortSignal): Promise<SnapshotInfo> {
  // The history tells which layouts this server customized (EspoCRM's API does not say).
  const state = await readCustomization(tenant, signal ?? AbortSignal.timeout(300_000), { history: stores.history });
  const instance = await currentInstance({ tenant, ...(signal ? { signal } : {}) });
  try {
    return await stores.snapshots.putSnapshot({ tenant: tenant.id, instance, summary: snapshotSummary(state), data: state, ts: state.readAt });
  } catch (err) {
    if (err instanceof SnapshotTooLargeError) throw new ToolError(`Tenant "${tenant.id}": ${err.message}`, 'snapshot_too_large');
    throw err;
  }
}

export const snapshotTenant = defineTool({
  name: 'snapshot_tenant',
  title: "Snapshot a tenant's customization",
  description:
    "Keep a copy of a tenant's customization in this server's store: custom fields with their definitions and labels, customized " +
    "layouts as EspoCRM serves them. Use it before risky changes, or as a backup; restore_snapshot puts it back. Writes nothing to " +
    'the CRM. Returns the snapshotId and counts. Example: snapshot_tenant {"tenant": "acme"}.',
  kind: 'read',
  tenantScoped: true,
  input: { tenant: tenantArg },
  output: {
    tenant: z.string(),
    snapshotId: z.string().describe('Pass to restore_snapshot, or to `espocrm-admin-mcp snapshot export`.'),
    takenAt: z.string(),
    fields: z.number().describe('Custom fields kept.'),
    layouts: z.number().describe('Customized layouts kept.'),
    entities: z.number(),
    instance: z.object({ siteUrl: z.string().optional(), version: z.string().optional() }),
    bytes: z.number(),
  },
  // A read of the CRM: it writes only to this server's store (each call keeps a new snapshot).
  annotations: annotationsFor('read'),
  async handler(_args, ctx) {
    const snap = await takeSnapshot(ctx.tenant, ctx, ctx.signal);
    const structured = {
      tenant: ctx.tenant.id,
      snapshotId: snap.id,
      takenAt: snap.ts,
      fields: snap.summary.fields,
      layouts: snap.summary.layouts,
      entities: snap.summary.entities,
      instance: snap.instance,
      bytes: snap.bytes,
    };
    return {
      structured,
      text:
        `Snapshot ${snap.id} of tenant "${ctx.tenant.id}" taken at ${snap.ts}: ${snap.summary.fields} custom field(s), ${snap.summary.layouts} customized layout(s) ` +
        `on ${snap.summary.entities} entit${snap.summary.entities === 1 ? 'y' : 'ies'}, kept in the store. restore_snapshot {"tenant": "${ctx.tenant.id}", "snapshotId": "${snap.id}"} plans putting it back.`,
    };
  },
});
