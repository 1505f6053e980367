/**
 * Dashboard sessions: the cookie's attributes, a session read back, forged/expired/other-key cookies
 * refused, a JWT's session capped by the JWT, CSRF tokens bound to their session; where a form may send
 * the browser back to; the notices; failed sign-ins per address.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { cookieValue, Sessions, SESSION_COOKIE } from '../../src/dashboard/session.js';
import { FailedSignIns, noticeOf, safeNext } from '../../src/dashboard/handler.js';

const key = new Uint8Array(randomBytes(32));

function cookieOf(setCookie: string): string {
  return setCookie.split(';')[0]!;
}

describe('Sessions', () => {
  it('opens a session whose cookie is HttpOnly, SameSite=Strict, path-scoped, Secure only when asked', async () => {
    const s = new Sessions(key, { secure: false, path: '/dashboard' });
    const { cookie } = await s.open({ name: 'ops', tenants: ['a', 'b'], via: 'token' }, 'the-token-value-123456');
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/dashboard/);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).not.toContain('the-token-value-123456');
    const secure = await new Sessions(key, { secure: true, path: '/dashboard' }).open({ name: 'ops', tenants: '*', via: 'token' }, 'x');
    expect(secure.cookie).toMatch(/; Secure/);
  });

  it('reads its own session back, and refuses another key\'s, a tampered one and an expired one', async () => {
    let now = Date.parse('2026-12-05T10:00:00Z');
    const s = new Sessions(key, { secure: false, path: '/dashboard', now: () => now });
    const { cookie, claims } = await s.open({ name: 'ops', tenants: ['a'], readOnly: true, via: 'token' }, 't');
    expect(await s.read(cookieOf(cookie))).toEqual(claims);
    expect(claims.readOnly).toBe(true);
    const other = new Sessions(new Uint8Array(randomBytes(32)), { secure: false, path: '/dashboard', now: () => now });
    expect(await other.read(cookieOf(cookie))).toBeUndefined();
    const value = cookieValue(cookieOf(cookie), SESSION_COOKIE)!;
    const [h, p, sig] = value.split('.');
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), tenants: '*' })).toString('base64url');
    expect(await s.read(`${SESSION_COOKIE}=${h}.${widened}.${sig}`)).toBeUndefined();
    expect(await s.read(`${SESSION_COOKIE}=garbage`)).toBeUndefined();
    expect(await s.read(undefined)).toBeUndefined();
    now += 8 * 3600_000 + 1000;
    expect(await s.read(cookieOf(cookie))).toBeUndefined();
  });

  it('ends a JWT caller\'s session no later than the JWT', async () => {
    const now = Date.parse('2026-12-05T10:00:00Z');
    const s = new Sessions(key, { secure: false, path: '/dashboard', now: () => now });
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(now / 1000) + 600).sign(new Uint8Array(32));
    const { claims, cookie } = await s.open({ name: 'max', tenants: ['a'], via: 'jwt' }, jwt);
    expect(claims.exp).toBe(Math.floor(now / 1000) + 600);
    expect(cookie).toMatch(/Max-Age=600/);
  });

  it('binds CSRF tokens to their session', () => {
    const s = new Sessions(key, { secure: false, path: '/dashboard' });
    const t = s.csrf('session-1');
    expect(s.csrfValid('session-1', t)).toBe(true);
    expect(s.csrfValid('session-2', t)).toBe(false);
    expect(s.csrfValid('session-1', undefined)).toBe(false);
    expect(s.csrfValid('session-1', '')).toBe(false);
    expect(s.csrfValid('session-1', `${t}x`)).toBe(false);
  });

  it('clears the cookie on sign-out', () => {
    expect(new Sessions(key, { secure: false, path: '/dashboard' }).cleared()).toMatch(new RegExp(`^${SESSION_COOKIE}=; Path=/dashboard; Max-Age=0`));
  });
});

describe('safeNext', () => {
  it('keeps dashboard paths and their queries, drops old notices', () => {
    expect(safeNext('/dashboard/tenants/a?blueprint=t')).toBe('/dashboard/tenants/a?blueprint=t');
    expect(safeNext('/dashboard/?q=x&checked=3&ok=2')).toBe('/dashboard/?q=x');
  });

  it('never leaves the dashboard', () => {
    for (const bad of [null, '', 'https://evil.example/', '//evil.example', '/mcp', '/dashboard/../mcp', '/dashboard/\\\\evil', '/dashboardx', 'javascript:alert(1)', '/dashboard/\n']) {
      expect(safeNext(bad), String(bad)).toBe('/dashboard/');
    }
  });
});

describe('noticeOf', () => {
  it('says what a check did, from numbers only', () => {
    expect(noticeOf(new URLSearchParams('checked=3&ok=2'))).toBe('Checked 3 tenants: 2 ok, 1 not ok.');
    expect(noticeOf(new URLSearchParams('checked=1&ok=1'))).toBe('Checked 1 tenant: 1 ok.');
    expect(noticeOf(new URLSearchParams('checking=40'))).toMatch(/^Checking 40 tenants/);
    expect(noticeOf(new URLSearchParams('checked=<b>hi</b>'))).toBeUndefined();
    expect(noticeOf(new URLSearchParams('notice=Your+token+expired'))).toBeUndefined();
  });
});

describe('FailedSignIns', () => {
  it('lets ten failures a minute through per address, then makes that address wait for the next minute', () => {
    let now = Date.parse('2026-12-05T10:00:10Z');
    const f = new FailedSignIns(10, () => now);
    for (let i = 0; i < 10; i++) {
      expect(f.waitSeconds('1.2.3.4')).toBe(0);
      f.count('1.2.3.4');
    }
    expect(f.waitSeconds('1.2.3.4')).toBe(50);
    expect(f.waitSeconds('5.6.7.8')).toBe(0);
    now += 50_000;
    expect(f.waitSeconds('1.2.3.4')).toBe(0);
  });
});
