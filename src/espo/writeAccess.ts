/**
 * The right to write to one tenant's CRM, as a type. Every EspoCRM call that changes something (field
 * manager, layouts, rebuild, record writes) takes a `WriteClient`, and the only way to get one is
 * `writeAccess()`, which the write pipeline (src/pipeline) calls after the policy, the confirm token
 * and the instance guard have passed. Lint forbids importing `writeAccess` anywhere else in src/, so a
 * tool cannot write without going through the pipeline (and so cannot skip the guard or the audit).
 */
import type { EspoClient } from './client.js';

declare const writable: unique symbol;

/** An EspoCRM client cleared for writes by the write pipeline. */
export type WriteClient = EspoClient & { readonly [writable]: true };

/** Marks a client as cleared for writes. Only src/pipeline (and tests of the API module) may call it. */
export function writeAccess(client: EspoClient): WriteClient {
  return client as WriteClient;
}
