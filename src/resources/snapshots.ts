import type { ResourceDefinition } from './catalog.js';
import { completeVariable } from './entities.js';
import { oneVar } from './uris.js';
import { fenceJson, newFence } from '../core/fence.js';

/** Snapshots listed; older ones stay in the store (its newest 100 per tenant). */
const SHOWN = 50;

export const snapshotsResource: ResourceDefinition = {
  name: 'tenant-snapshots',
  uri: 'espocrm://tenants/{tenant}/snapshots',
  template: true,
  title: "Snapshots of a tenant's customization",
  description:
    "A tenant's kept snapshots (snapshot_tenant, `espocrm-admin-mcp snapshot`), newest first, up to 50: id, time, the instance it was " +
    'read from, and counts (custom fields, customized layouts, entities). restore_snapshot puts one back. Calls no CRM.',
  variables: ['tenant'],
  complete: completeVariable,
  async read({ vars, registry, principal, snapshots }) {
    const tenant = registry.resolve(oneVar(vars.tenant), principal);
    const list = await snapshots.listSnapshots(tenant.id, SHOWN);
    // The instance (siteUrl, version) is what the CRM reported: fenced.
    const fence = newFence();
    return {
      tenant: tenant.id,
      ...(list.length
        ? { untrustedData: fence.notice("each snapshot's instance (the siteUrl and version the CRM reported)") }
        : { note: `No snapshot kept yet: snapshot_tenant {"tenant": "${tenant.id}"} takes one.` }),
      snapshots: list.map((s) => ({ snapshotId: s.id, takenAt: s.ts, ...(fenceJson({ instance: s.instance }, fence, { keys: /^(siteUrl|version)$/ }) as object), ...s.summary, bytes: s.bytes })),
    };
  },
};
