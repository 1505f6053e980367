import type { EspoClient } from '../client.js';
import type { WriteClient } from '../writeAccess.js';
import { callOptions, segment, type AuthCallOptions, type CallOptions } from './common.js';

/** Layout JSON as EspoCRM stores it: an array (detail, list, filters...) or an object (side panels). */
export type LayoutData = unknown;

/** `GET {Entity}/layout/{name}`: the layout that applies to the calling user. */
export async function get(client: EspoClient, entityType: string, name: string, opts?: AuthCallOptions): Promise<LayoutData> {
  const res = await client.request({
    method: 'GET', path: `${segment(entityType, 'entityType')}/layout/${segment(name, 'layout name')}`, auth: opts?.auth ?? 'admin', ...callOptions(opts),
  });
  return res.body;
}

/** `GET {Entity}/layout/{name}` as the text EspoCRM sent, unparsed (a snapshot keeps it byte for byte). */
export async function getText(client: EspoClient, entityType: string, name: string, opts?: AuthCallOptions): Promise<string> {
  const res = await client.request<string>({
    method: 'GET', path: `${segment(entityType, 'entityType')}/layout/${segment(name, 'layout name')}`, auth: opts?.auth ?? 'admin', responseText: true, ...callOptions(opts),
  });
  return typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
}

/**
 * `PUT {Entity}/layout/{name}[/{setId}]`: saves the layout (EspoCRM validates nothing: validate
 * before). Returns what EspoCRM stored.
 */
export async function put(
  client: WriteClient,
  entityType: string,
  name: string,
  layout: LayoutData,
  opts?: CallOptions & { setId?: string },
): Promise<LayoutData> {
  const set = opts?.setId ? `/${segment(opts.setId, 'setId')}` : '';
  const res = await client.request({
    method: 'PUT', path: `${segment(entityType, 'entityType')}/layout/${segment(name, 'layout name')}${set}`,
    rawBody: JSON.stringify(layout), auth: 'admin', ...callOptions(opts),
  });
  return res.body;
}

/** `POST Layout/action/resetToDefault`: removes the custom layout; returns the one that now applies
 *  (`false` when the name has no default). */
export async function resetToDefault(
  client: WriteClient,
  entityType: string,
  name: string,
  opts?: CallOptions & { setId?: string },
): Promise<LayoutData> {
  const res = await client.request({
    method: 'POST', path: 'Layout/action/resetToDefault',
    body: { scope: entityType, name, ...(opts?.setId ? { setId: opts.setId } : {}) }, auth: 'admin', ...callOptions(opts),
  });
  return res.body;
}

/** `GET Layout/action/getOriginal`: the file layout, ignoring the user's layout set. */
export async function getOriginal(
  client: EspoClient,
  entityType: string,
  name: string,
  opts?: CallOptions & { setId?: string },
): Promise<LayoutData> {
  const res = await client.request({
    method: 'GET', path: 'Layout/action/getOriginal',
    query: { scope: entityType, name, setId: opts?.setId }, auth: 'admin', ...callOptions(opts),
  });
  return res.body;
}
