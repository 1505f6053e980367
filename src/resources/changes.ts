import type { ResourceDefinition } from './catalog.js';
import { completeVariable } from './entities.js';
import { oneVar } from './uris.js';
import { expectedSiteUrl } from '../tenants/guard.js';
import { fenceJson, newFence } from '../core/fence.js';

const PAGE = 50;

export const changesResource: ResourceDefinition = {
  name: 'tenant-changes',
  uri: 'espocrm://tenants/{tenant}/changes',
  template: true,
  title: 'Recorded changes of a tenant',
  description:
    "A tenant's audit trail from this server's store: the newest 50 lines (who, what, when, result; refused and failed calls too), " +
    'each undoable change with its undo_change call. Filters and older pages: the list_changes tool.',
  variables: ['tenant'],
  complete: completeVariable,
  async read({ vars, registry, principal, history }) {
    const tenant = registry.resolve(oneVar(vars.tenant), principal);
    const { readChanges } = await import('../reads/changes.js');
    const { rows, nextCursor } = await readChanges(history, [tenant.id], {}, { limit: PAGE }, () => expectedSiteUrl(tenant.config));
    const fence = newFence();
    return {
      tenant: tenant.id,
      untrustedData: fence.notice('summaries and errors (they may quote CRM labels and messages)'),
      changes: rows.map((r) => ({ ...r, ...(r.summary ? { summary: fence.wrap(r.summary) } : {}), ...(r.error ? { error: fence.wrap(r.error) } : {}), args: fenceJson(r.args, fence) })),
      ...(nextCursor ? { more: `older lines: list_changes {"tenant": "${tenant.id}", "cursor": "${nextCursor}"}` } : {}),
    };
  },
};
