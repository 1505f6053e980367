/** A tiny HTTP helper for the sandbox tests (the project's EspoCRM client is tested elsewhere). */
import { createHmac } from 'node:crypto';
import type { Sandbox } from '../../src/sandbox/index.js';

export type AuthChoice = 'admin' | 'basic' | 'api' | 'hmac' | 'none' | { espo: string } | { basic: string } | { token: string } | { apiKey: string };

export interface CallOptions {
  method?: string;
  auth?: AuthChoice;
  /** JSON-encoded unless a string (sent raw) */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  /** X-Status-Reason: undefined when absent */
  reason: string | undefined;
  headers: Headers;
  text: string;
  /** parsed JSON, or undefined when the body is empty or not JSON */
  json: unknown;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

export function hmacHeader(apiKey: string, secret: string, method: string, resourcePath: string, encoding: 'hex' | 'raw' = 'hex'): string {
  const digest = createHmac('sha256', secret).update(`${method} ${resourcePath}`).digest();
  const signature = encoding === 'hex' ? Buffer.from(digest.toString('hex')) : digest;
  return Buffer.concat([Buffer.from(`${apiKey}:`), signature]).toString('base64');
}

export function authHeaders(sandbox: Sandbox, auth: AuthChoice, method: string, path: string): Record<string, string> {
  const { admin, apiKey, hmac } = sandbox.credentials;
  if (auth === 'none') return {};
  if (auth === 'admin') return { 'Espo-Authorization': b64(`${admin.username}:${admin.password}`) };
  if (auth === 'basic') return { Authorization: `Basic ${b64(`${admin.username}:${admin.password}`)}` };
  if (auth === 'api') return { 'X-Api-Key': apiKey };
  if (auth === 'hmac') return { 'X-Hmac-Authorization': hmacHeader(hmac.apiKey, hmac.secret, method, `/${path.split('?')[0]}`) };
  if ('espo' in auth) return { 'Espo-Authorization': auth.espo };
  if ('basic' in auth) return { Authorization: `Basic ${b64(auth.basic)}` };
  if ('token' in auth) return { 'Espo-Authorization': b64(`${admin.username}:${auth.token}`), 'Espo-Authorization-By-Token': 'true' };
  return { 'X-Api-Key': auth.apiKey };
}

/** Calls `{apiUrl}/{path}`; `path` is relative to `/api/v1/` and may carry a query string. */
export async function call(sandbox: Sandbox, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { ...authHeaders(sandbox, opts.auth ?? 'admin', method, path), ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(`${sandbox.apiUrl}/${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: response.status, reason: response.headers.get('x-status-reason') ?? undefined, headers: response.headers, text, json };
}

/** Logs in with the admin password once and returns the token App/user gave. */
export async function adminToken(sandbox: Sandbox): Promise<string> {
  const result = await call(sandbox, 'App/user');
  const token = (result.json as { token?: unknown }).token;
  if (typeof token !== 'string') throw new Error('no token');
  return token;
}
