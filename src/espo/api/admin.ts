import type { WriteClient } from '../writeAccess.js';
import { callOptions, type CallOptions } from './common.js';

/** A rebuild has no documented upper bound; give it minutes, not the default deadline. */
export const REBUILD_TIMEOUT_MS = 300_000;

/** `POST Admin/rebuild`: clears the cache and (soft-)rebuilds metadata and the database schema. */
export async function rebuild(client: WriteClient, opts?: CallOptions): Promise<boolean> {
  const res = await client.request({
    method: 'POST', path: 'Admin/rebuild', auth: 'admin', ...callOptions(opts), timeoutMs: opts?.timeoutMs ?? REBUILD_TIMEOUT_MS,
  });
  return res.body === true;
}

/** `POST Admin/clearCache`. */
export async function clearCache(client: WriteClient, opts?: CallOptions): Promise<boolean> {
  const res = await client.request({ method: 'POST', path: 'Admin/clearCache', auth: 'admin', ...callOptions(opts) });
  return res.body === true;
}
