import type { EspoClient } from '../client.js';
import { callOptions, isRecord, type AuthCallOptions } from './common.js';
import { unexpected } from './app.js';

/**
 * `GET Metadata` or `GET Metadata?key=a.b.c` (8.2+). A missing key is an empty 200 in EspoCRM:
 * undefined here. A string leaf comes back as bare text, returned as that string.
 * Non-admins get metadata filtered by their ACL; pass `auth: 'admin'` for the full view.
 */
export async function getMetadata(client: EspoClient, key?: string, opts?: AuthCallOptions): Promise<unknown> {
  const res = await client.request({
    method: 'GET', path: 'Metadata', auth: opts?.auth ?? 'api', ...callOptions(opts),
    ...(key ? { query: { key } } : {}),
  });
  return res.body === null ? undefined : res.body;
}

/** `GET I18n` (labels). `default: true` forces the system language instead of the user's. */
export async function getI18n(
  client: EspoClient,
  opts?: AuthCallOptions & { default?: boolean },
): Promise<Record<string, unknown>> {
  const res = await client.request({
    method: 'GET', path: 'I18n', auth: opts?.auth ?? 'api', ...callOptions(opts),
    ...(opts?.default ? { query: { default: true } } : {}),
  });
  if (!isRecord(res.body)) throw unexpected(client, 'I18n', 'a label object');
  return res.body;
}
