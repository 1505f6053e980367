/**
 * Per-request authentication, in EspoCRM's order: `Espo-Authorization` (password or token), then
 * the API headers (`X-Api-Key`, `X-Hmac-Authorization`), then `Authorization: Basic` (password
 * only). Failures are 401 without a reason and count toward the IP lockout, except token-only
 * requests (`Espo-Authorization-By-Token: true`), which are neither checked nor counted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthFailureLog } from './authLog.js';
import { badRequest, forbidden, SandboxHttpError } from './errors.js';
import type { AuthToken, SandboxUser, UserDirectory } from './users.js';

export type AuthKind = 'espo-password' | 'espo-token' | 'basic' | 'api-key' | 'hmac';

export interface Authenticated {
  user: SandboxUser;
  kind: AuthKind;
  /** the token this request logged in with or created (Espo-Authorization only) */
  token: AuthToken | null;
  /** `Set-Cookie` to send back (token secret) */
  setCookie?: string;
}

export interface AuthRequest {
  method: string;
  /** path after the API base, with its leading slash, without the query: `/App/user` */
  resourcePath: string;
  headers: IncomingHttpHeaders;
  ip: string;
}

export const unauthorized = () => new SandboxHttpError(401);

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export function cookieValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = header(headers, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Returns undefined when the request carries no credentials at all. */
export function authenticate(req: AuthRequest, users: UserDirectory, log: AuthFailureLog): Authenticated | undefined {
  const espo = header(req.headers, 'espo-authorization');
  if (espo !== undefined) return espoAuthorization(req, espo, users, log);

  const apiKey = header(req.headers, 'x-api-key');
  if (apiKey !== undefined) {
    guardLockout(req, log);
    const user = users.apiUser(apiKey, 'ApiKey');
    if (!user) throw denied(req, log);
    return { user, kind: 'api-key', token: null };
  }

  const hmac = header(req.headers, 'x-hmac-authorization');
  if (hmac !== undefined) {
    guardLockout(req, log);
    const user = hmacUser(req, hmac, users);
    if (!user) throw denied(req, log);
    return { user, kind: 'hmac', token: null };
  }

  const basic = basicCredentials(req.headers);
  if (basic) {
    guardLockout(req, log);
    const user = users.passwordUser(basic.userName);
    if (!user || !users.checkPassword(user, basic.password)) throw denied(req, log);
    return { user, kind: 'basic', token: null };
  }
  return undefined;
}

function espoAuthorization(req: AuthRequest, value: string, users: UserDirectory, log: AuthFailureLog): Authenticated {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw badRequest('Auth: Bad authorization string provided.');
  const userName = decoded.slice(0, colon).trim();
  const secret = decoded.slice(colon + 1).trim();
  const token = users.activeToken(userName, secret, cookieValue(req.headers, 'auth-token-secret'));
  const byTokenOnly = header(req.headers, 'espo-authorization-by-token')?.toLowerCase() === 'true';
  if (byTokenOnly) {
    if (!token) throw unauthorized();
    return { user: users.user(token.userId) as SandboxUser, kind: 'espo-token', token };
  }
  guardLockout(req, log);
  if (token) return { user: users.user(token.userId) as SandboxUser, kind: 'espo-token', token };
  const user = users.passwordUser(userName);
  if (!user || !users.checkPassword(user, secret)) throw denied(req, log);
  const withSecret = header(req.headers, 'espo-authorization-create-token-secret')?.toLowerCase() === 'true';
  const created = users.createToken(user, req.ip, withSecret);
  const result: Authenticated = { user, kind: 'espo-password', token: created };
  if (created.secret !== null) result.setCookie = `auth-token-secret=${created.secret}; path=/; HttpOnly; SameSite=Lax`;
  return result;
}

function hmacUser(req: AuthRequest, value: string, users: UserDirectory): SandboxUser | undefined {
  const decoded = Buffer.from(value, 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon < 0) return undefined;
  const apiKey = decoded.subarray(0, colon).toString('utf8');
  const signature = decoded.subarray(colon + 1);
  const user = users.apiUser(apiKey, 'Hmac');
  if (!user || user.secretKey === null) return undefined;
  const expected = createHmac('sha256', user.secretKey).update(`${req.method.toUpperCase()} ${req.resourcePath}`).digest();
  const hex = Buffer.from(expected.toString('hex'));
  // hex since EspoCRM 8.4.1; the raw binary form is still accepted ("legacy")
  const matches = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
  return matches(signature, hex) || matches(signature, expected) ? user : undefined;
}

function basicCredentials(headers: IncomingHttpHeaders): { userName: string; password: string } | undefined {
  const value = header(headers, 'authorization') ?? header(headers, 'http-espo-cgi-auth') ?? header(headers, 'redirect-http-espo-cgi-auth');
  if (!value || !/^basic\s+/i.test(value)) return undefined;
  const decoded = Buffer.from(value.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { userName: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** EspoCRM 8+ answers a locked-out IP with a bare Forbidden: 403 and an empty reason. */
function guardLockout(req: AuthRequest, log: AuthFailureLog): void {
  if (log.isLockedOut(req.ip)) throw forbidden('');
}

function denied(req: AuthRequest, log: AuthFailureLog): SandboxHttpError {
  log.recordDenied(req.ip);
  return unauthorized();
}
