import type { EspoClient } from '../client.js';
import { EspoError } from '../errors.js';
import { callOptions, isRecord, type AuthCallOptions, type CallOptions } from './common.js';

export interface AppUser {
  user: { id: string; userName: string; type: string; name?: string; isActive?: boolean; [key: string]: unknown };
  /** Includes `version` and `siteUrl`. */
  settings: { version?: string; siteUrl?: string; [key: string]: unknown };
  acl?: unknown;
  preferences?: unknown;
  language?: string;
  appParams?: unknown;
  /** Whether EspoCRM issued a session token. The token itself is never returned: it is a credential. */
  hasToken: boolean;
}

/** `GET App/user`: who the credential is, with the instance's settings (version, siteUrl). */
export async function getAppUser(client: EspoClient, auth: 'api' | 'admin', opts?: CallOptions): Promise<AppUser> {
  const res = await client.request({ method: 'GET', path: 'App/user', auth, ...callOptions(opts) });
  const body = res.body;
  if (!isRecord(body) || !isRecord(body.user) || typeof body.user.type !== 'string') {
    throw unexpected(client, 'App/user', 'a user object');
  }
  // The token is in `token` and again in `user.token`: both stay out of the result.
  const { token, user, settings, ...rest } = body;
  const { token: _userToken, ...userWithoutToken } = user as Record<string, unknown>;
  return {
    ...(rest as Omit<AppUser, 'user' | 'settings' | 'hasToken'>),
    user: userWithoutToken as AppUser['user'],
    settings: isRecord(settings) ? (settings as AppUser['settings']) : {},
    hasToken: typeof token === 'string' && token !== '',
  };
}

/** `GET App/about` (EspoCRM 8.1+): `{ text, version }`. */
export async function getAbout(client: EspoClient, opts?: AuthCallOptions): Promise<{ version: string; text?: string }> {
  const res = await client.request({ method: 'GET', path: 'App/about', auth: opts?.auth ?? 'api', ...callOptions(opts) });
  const body = res.body;
  if (!isRecord(body) || typeof body.version !== 'string') throw unexpected(client, 'App/about', 'a version');
  return { version: body.version, ...(typeof body.text === 'string' ? { text: body.text } : {}) };
}

/** `GET Settings`: without auth only the global settings; `version` needs an admin. */
export async function getSettings(
  client: EspoClient,
  auth: 'api' | 'admin' | 'none',
  opts?: CallOptions,
): Promise<{ version?: string; siteUrl?: string; [key: string]: unknown }> {
  const res = await client.request({ method: 'GET', path: 'Settings', auth, ...callOptions(opts) });
  if (!isRecord(res.body)) throw unexpected(client, 'Settings', 'an object');
  return res.body;
}

/** `POST App/destroyAuthToken`: ends a session token; true when EspoCRM found it. */
export async function destroyToken(client: EspoClient, token: string, opts?: CallOptions): Promise<boolean> {
  const res = await client.request({ method: 'POST', path: 'App/destroyAuthToken', body: { token }, auth: 'admin', ...callOptions(opts) });
  return res.body === true;
}

export function unexpected(client: EspoClient, path: string, expected: string): EspoError {
  return new EspoError({
    code: 'unexpected_response',
    userMessage: `EspoCRM of tenant "${client.tenantId}" answered ${path} without ${expected}. Check that the tenant URL points at EspoCRM (${client.url.siteUrl}).`,
  });
}
