/**
 * The dashboard's sessions and CSRF tokens. A sign-in checks a bearer token once (the same tokens and
 * JWTs as MCP); the browser then holds only a session cookie: a short JWT (HS256) signed with a key the
 * store shares between its processes, HttpOnly, SameSite=Strict, Secure off loopback, scoped to the
 * dashboard's path. It names the caller and how they signed in, never the token. Each request re-reads
 * a static token's caller from the configuration (a token removed there ends its sessions; its tenants
 * are the configured ones now); a JWT's session ends no later than the JWT.
 *
 * CSRF: every POST form carries a token bound to the session (an HMAC of its id) and the Origin of a
 * POST must be the page's own; SameSite=Strict keeps the cookie off cross-site requests besides.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import type { Principal } from '../tenants/policy.js';

export const SESSION_COOKIE = 'espocrm_mcp_dashboard';
/** How long a session lasts at most (a JWT's session ends with the JWT, when sooner). */
export const SESSION_TTL_MS = 8 * 3600_000;
const ISSUER = 'espocrm-admin-mcp/dashboard';

export interface SessionClaims {
  /** The session's random id (the CSRF token is bound to it). */
  sid: string;
  name: string;
  via: 'token' | 'jwt';
  /** A JWT's tenants and read-only flag as signed (a static token's are read from the configuration). */
  tenants: '*' | string[];
  readOnly?: boolean;
  /** Seconds since the epoch. */
  exp: number;
}

export class Sessions {
  constructor(
    private readonly key: Uint8Array,
    private readonly opts: { secure: boolean; path: string; ttlMs?: number; now?: () => number },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** A new session for a caller who just signed in with `token` (a JWT's own expiry caps the session). */
  async open(principal: Principal, token: string): Promise<{ cookie: string; claims: SessionClaims }> {
    const via = principal.via === 'jwt' ? 'jwt' : 'token';
    let exp = Math.floor((this.now() + (this.opts.ttlMs ?? SESSION_TTL_MS)) / 1000);
    if (via === 'jwt') {
      try {
        const tokenExp = decodeJwt(token).exp;
        if (typeof tokenExp === 'number') exp = Math.min(exp, tokenExp);
      } catch {
        // Verified a moment ago: a JWT that cannot be decoded here keeps the default lifetime.
      }
    }
    const claims: SessionClaims = {
      sid: randomBytes(18).toString('base64url'),
      name: principal.name,
      via,
      tenants: principal.tenants === '*' ? '*' : [...principal.tenants],
      ...(principal.readOnly ? { readOnly: true } : {}),
      exp,
    };
    const jwt = await new SignJWT({ sid: claims.sid, name: claims.name, via, tenants: claims.tenants, ...(claims.readOnly ? { ro: true } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setIssuedAt(Math.floor(this.now() / 1000))
      .setExpirationTime(exp)
      .sign(this.key);
    return { cookie: this.cookie(jwt, Math.max(0, exp - Math.floor(this.now() / 1000))), claims };
  }

  /** The session a request's cookie names, or undefined (none, forged, expired). */
  async read(cookieHeader: string | undefined): Promise<SessionClaims | undefined> {
    const value = cookieValue(cookieHeader, SESSION_COOKIE);
    if (!value) return undefined;
    try {
      const { payload } = await jwtVerify(value, this.key, { issuer: ISSUER, algorithms: ['HS256'], currentDate: new Date(this.now()) });
      const { sid, name, via, tenants, ro } = payload as Record<string, unknown>;
      if (typeof sid !== 'string' || typeof name !== 'string' || (via !== 'token' && via !== 'jwt') || typeof payload.exp !== 'number') return undefined;
      const list = tenants === '*' ? '*' : Array.isArray(tenants) && tenants.every((t) => typeof t === 'string') ? (tenants as string[]) : undefined;
      if (list === undefined) return undefined;
      return { sid, name, via, tenants: list, ...(ro === true ? { readOnly: true } : {}), exp: payload.exp };
    } catch {
      return undefined;
    }
  }

  /** The Set-Cookie value that ends the session in the browser. */
  cleared(): string {
    return this.cookie('', 0);
  }

  /** The CSRF token of a session (or of the local user when there is no sign-in: `sid` "local"). */
  csrf(sid: string): string {
    return createHmac('sha256', this.key).update(`csrf:${sid}`).digest('base64url');
  }

  csrfValid(sid: string, presented: string | undefined): boolean {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 200) return false;
    const a = Buffer.from(this.csrf(sid));
    const b = Buffer.from(presented);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private cookie(value: string, maxAgeSeconds: number): string {
    const parts = [`${SESSION_COOKIE}=${value}`, `Path=${this.opts.path}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
    if (this.opts.secure) parts.push('Secure');
    return parts.join('; ');
  }
}

/** One cookie's value from a Cookie header (the first of that name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
