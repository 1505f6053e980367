/**
 * Write access for the lifecycle commands that run outside a tool call (issue 18): `tenants add
 * --provision` (a tenant not written yet) and `tenants rotate` from the CLI. Like the write pipeline,
 * it mints a `WriteClient` only after the instance check passed: the CRM must report the siteUrl the
 * tenant expects, so a provisioning or a rotation never lands in another client's CRM. The caller
 * records its audit line (without secrets) in the store.
 */
import type { EspoClient } from '../espo/client.js';
import { writeAccess, type WriteClient } from '../espo/writeAccess.js';

export interface WritableCheck {
  /** Throws (with the reason) unless the CRM is confirmed to be the expected instance. */
  assertWritable(signal?: AbortSignal): Promise<void>;
}

/** Runs `fn` with a client cleared for writes, once `guard` confirmed the instance. */
export async function withLifecycleWriter<T>(client: EspoClient, guard: WritableCheck, fn: (writer: WriteClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
  await guard.assertWritable(signal);
  return fn(writeAccess(client));
}
