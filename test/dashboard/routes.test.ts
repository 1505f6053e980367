/**
 * The dashboard behind `serve --http` (the real HTTP transport on loopback, sandbox CRMs, the store):
 * sign-in with a bearer token, the session cookie, CSRF and Origin checks on "check now", the pages
 * filled by a round (ok, drifted, degraded, unreachable tenants), the recorded changes with their
 * undo_change call, isolation between callers, and no secret on any page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpStack, bearer, type HttpStack } from '../helpers/http.js';
import { Browserish, csrfOf, dashRequest, rowTenants } from '../helpers/dashboard.js';
import { deadPort } from '../helpers/stack.js';
import type { Client } from '@modelcontextprotocol/client';

const OPS = 'ops-token-0123456789abcdef';
const CLIENT_B = 'client-b-token-0123456789abcdef';
const BURST = 'burst-token-0123456789abcdef0';

let stack: HttpStack;
let origin: string;
let mcp: Client;
let secrets: string[];
let changeId: string;

function structured(res: unknown): Record<string, unknown> {
  return (res as { structuredContent: Record<string, unknown> }).structuredContent;
}

beforeAll(async () => {
  const dead = await deadPort();
  stack = await startHttpStack(
    [
      { id: 'alpha', name: 'Alpha Transports' },
      { id: 'beta', name: 'Beta Logistics' },
      { id: 'gamma', name: 'Gamma Freight' },
      // Reachable, but its API key is refused: degraded.
      { id: 'delta', name: 'Delta Movers', apiKey: 'not-the-key-0123456789' },
    ],
    {
      http: {
        tokens: [
          { name: 'ops', token: 'env:OPS_TOKEN', tenants: '*' },
          { name: 'client-b', token: 'env:B_TOKEN', tenants: ['beta'] },
          { name: 'burst', token: 'env:BURST_TOKEN', tenants: ['beta'] },
        ],
      },
      env: { OPS_TOKEN: OPS, B_TOKEN: CLIENT_B, BURST_TOKEN: BURST },
      tenantsExtra: { gamma: { url: `http://127.0.0.1:${dead}` } },
      // Rounds only on "check now": what the pages show is what the tests did.
      dashboard: { everyMs: 'off' },
    },
  );
  origin = new URL(stack.url).origin;
  secrets = [OPS, CLIENT_B, ...Object.values(stack.sandboxes).flatMap((s) => [s.credentials.apiKey, s.credentials.admin.password])];
  mcp = await stack.connect(bearer(OPS));
  // alpha follows the transport blueprint (in sync); beta does not (drifted).
  const plan = structured(await mcp.callTool({ name: 'plan_blueprint', arguments: { blueprint: 'transport', tenants: ['alpha'] } }));
  const applied = structured(await mcp.callTool({ name: 'apply_blueprint', arguments: { blueprint: 'transport', tenants: ['alpha'], confirm: plan.confirmToken } }));
  changeId = (applied.tenants as Array<{ changeId: string }>)[0]!.changeId;
  expect(changeId).toMatch(/^chg_/);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

function noSecretIn(text: string) {
  for (const s of secrets) expect(text.includes(s), 'a secret on a page').toBe(false);
}

describe('sign-in', () => {
  it('sends a browser without a session to the sign-in page, remembering where it was going', async () => {
    const res = await dashRequest(`${origin}/dashboard/tenants/alpha?blueprint=transport`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/dashboard/login?next=${encodeURIComponent('/dashboard/tenants/alpha?blueprint=transport')}`);
    const login = await dashRequest(`${origin}${res.headers.location as string}`);
    expect(login.status).toBe(200);
    expect(login.body).toMatch(/<input[^>]*type="password"[^>]*name="token"/);
    expect(login.headers['content-security-policy']).toMatch(/default-src 'none'/);
  });

  it('refuses a wrong token without echoing it, and sets no cookie', async () => {
    const b = new Browserish(origin);
    const wrong = 'wrong-token-abcdef0123456789';
    const res = await b.signIn(wrong);
    expect(res.status).toBe(401);
    expect(res.body).toMatch(/not valid for this server/);
    expect(res.body).not.toContain(wrong);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('opens a session: HttpOnly, SameSite=Strict, scoped to /dashboard, not Secure on loopback, without the token in it', async () => {
    const b = new Browserish(origin);
    const res = await b.signIn(OPS);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard/');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/dashboard/);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).not.toContain(OPS);
    const page = await b.get('/dashboard/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('ops');
  });

  it('refuses a sign-in posted from another site', async () => {
    const b = new Browserish(origin);
    const page = await b.get('/dashboard/login');
    const res = await b.post('/dashboard/login', { token: OPS, csrf: csrfOf(page.body) }, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('ignores a forged or tampered session cookie', async () => {
    const b = new Browserish(origin);
    await b.signIn(CLIENT_B);
    const [name, value] = b.cookie!.split('=') as [string, string];
    const parts = value.split('.');
    // The payload re-signed by nobody: tenants widened to every tenant.
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as Record<string, unknown>;
    payload.tenants = '*';
    const forged = `${name}=${parts[0]}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${parts[2]}`;
    const res = await dashRequest(`${origin}/dashboard/`, { headers: { cookie: forged } });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/dashboard\/login/);
  });

  it('signs out: the cookie is cleared and the next page asks for a sign-in', async () => {
    const b = new Browserish(origin);
    await b.signIn(OPS);
    const page = await b.get('/dashboard/');
    const out = await b.post('/dashboard/logout', { csrf: csrfOf(page.body) });
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect(b.cookie).toBeUndefined();
    expect((await b.get('/dashboard/')).status).toBe(303);
  });

});

describe('check now, and what the pages show', () => {
  it('refuses "check now" without the page\'s CSRF token, or from another origin', async () => {
    const page = await dashRequest(`${origin}/dashboard/`, { headers: bearer(OPS) });
    expect(page.status).toBe(200);
    // A bearer-authenticated script needs no CSRF token; a cookie session does.
    const viaCookie = await signedIn(OPS);
    const noCsrf = await viaCookie.post('/dashboard/check', { tenant: 'beta' });
    expect(noCsrf.status).toBe(403);
    const list = await viaCookie.get('/dashboard/');
    const foreign = await viaCookie.post('/dashboard/check', { tenant: 'beta', csrf: csrfOf(list.body) }, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await stack.audit.latestHealth(['beta'])).toEqual([]);
  });

  it('checks every tenant: ok, drifted, degraded and unreachable rows, from the store', async () => {
    const b = await signedIn(OPS);
    const page = await b.get('/dashboard/?blueprint=transport');
    const res = await b.post('/dashboard/check', { csrf: csrfOf(page.body), blueprint: 'transport', back: '/dashboard/?blueprint=transport' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard/?blueprint=transport&checked=4&ok=2');
    const after = await b.get(res.headers.location as string);
    expect(after.body).toMatch(/Checked 4 tenants: 2 ok, 2 not ok\./);
    expect(rowTenants(after.body).sort()).toEqual(['alpha', 'beta', 'delta', 'gamma']);
    const row = (id: string) => after.body.slice(after.body.indexOf(`data-tenant="${id}"`), after.body.indexOf('</tr>', after.body.indexOf(`data-tenant="${id}"`)));
    expect(row('alpha')).toMatch(/health-ok/);
    expect(row('alpha')).toMatch(/in sync/i);
    expect(row('beta')).toMatch(/health-ok/);
    expect(row('beta')).toMatch(/\d+ differences?/);
    expect(row('delta')).toMatch(/health-degraded/);
    expect(row('gamma')).toMatch(/health-unreachable/);
    // Usage: the sandbox's active users and this month's leads are numbers on the healthy rows.
    expect(row('alpha')).toMatch(/9\.1\.7/);
    noSecretIn(after.body);

    // The health checks are in the store, for the MCP resource and the CLI too.
    const latest = await stack.audit.latestHealth(['alpha', 'beta', 'gamma', 'delta']);
    expect(Object.fromEntries(latest.map((e) => [e.tenant, e.status]))).toEqual({ alpha: 'ok', beta: 'ok', gamma: 'unreachable', delta: 'degraded' });
  });

  it('sends a page gzipped to a browser that takes it', async () => {
    const { gunzipSync } = await import('node:zlib');
    const b = await signedIn(OPS);
    const plain = await b.get('/dashboard/');
    const res = await dashRequest(`${origin}/dashboard/`, { headers: { cookie: b.cookie!, 'accept-encoding': 'gzip, deflate, br' }, raw: true });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toMatch(/Accept-Encoding/);
    const text = gunzipSync(res.raw!).toString('utf8');
    expect(rowTenants(text)).toEqual(rowTenants(plain.body));
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('filters and sorts on the server (no script needed)', async () => {
    const b = await signedIn(OPS);
    const unreachable = await b.get('/dashboard/?health=unreachable');
    expect(rowTenants(unreachable.body)).toEqual(['gamma']);
    const text = await b.get('/dashboard/?q=logis');
    expect(rowTenants(text.body)).toEqual(['beta']);
    const drifted = await b.get('/dashboard/?drift=drifted&blueprint=transport');
    expect(rowTenants(drifted.body)).toContain('beta');
    expect(rowTenants(drifted.body)).not.toContain('alpha');
    const byName = await b.get('/dashboard/?sort=name&dir=desc');
    expect(rowTenants(byName.body)).toEqual(['gamma', 'delta', 'beta', 'alpha']);
    expect(byName.body).toMatch(/aria-sort="descending"/);
    // Unknown parameters fall back to the defaults rather than failing.
    const odd = await b.get('/dashboard/?sort=%3Cscript%3E&dir=up&health=maybe');
    expect(odd.status).toBe(200);
    expect(rowTenants(odd.body)).toEqual(['alpha', 'beta', 'delta', 'gamma']);
    expect(odd.body).not.toContain('<script>');
  });

  it('shows a tenant: health history, usage, drift, and the recorded change with its undo_change call', async () => {
    const b = await signedIn(OPS);
    const page = await b.get('/dashboard/tenants/alpha?blueprint=transport');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Alpha Transports');
    expect(page.body).toContain('apply_blueprint');
    expect(page.body).toContain(`undo_change {&quot;tenant&quot;:&quot;alpha&quot;,&quot;changeId&quot;:&quot;${changeId}&quot;}`);
    expect(page.body).toMatch(/<svg/);
    noSecretIn(page.body);
    const beta = await b.get('/dashboard/tenants/beta?blueprint=transport');
    expect(beta.body).toMatch(/Secteur|secteur/);
    expect(beta.body).toMatch(/No change recorded/i);
  });

  it('checks one tenant from its page, and comes back to it', async () => {
    const b = await signedIn(OPS);
    const before = (await stack.audit.healthHistory('beta', 1000)).length;
    const page = await b.get('/dashboard/tenants/beta');
    const res = await b.post('/dashboard/check', { csrf: csrfOf(page.body), tenant: 'beta', back: '/dashboard/tenants/beta' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard/tenants/beta?checked=1&ok=1');
    expect((await stack.audit.healthHistory('beta', 1000)).length).toBe(before + 1);
    expect((await stack.audit.healthHistory('alpha', 1000)).length).toBeGreaterThan(0);
  });

  it('limits "check now" to 30 a minute per caller, and says how long to wait', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await dashRequest(`${origin}/dashboard/check`, { form: { tenant: 'beta' }, headers: bearer(BURST) })).status);
    expect(statuses.slice(0, 30).every((s) => s === 303)).toBe(true);
    expect(statuses[30]).toBe(429);
    const refused = await dashRequest(`${origin}/dashboard/check`, { form: { tenant: 'beta' }, headers: bearer(BURST) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toMatch(/At most 30 &quot;Check now&quot; a minute/);
    // Another caller is not held back.
    expect((await dashRequest(`${origin}/dashboard/check`, { form: { tenant: 'beta' }, headers: bearer(CLIENT_B) })).status).toBe(303);
  });

  it('never redirects off the dashboard after a form', async () => {
    const b = await signedIn(OPS);
    const page = await b.get('/dashboard/');
    for (const back of ['https://evil.example/', '//evil.example/x', '/mcp', '/dashboard/../mcp', '/\\evil.example']) {
      const res = await b.post('/dashboard/check', { csrf: csrfOf(page.body), tenant: 'beta', back });
      expect(res.status).toBe(303);
      expect(String(res.headers.location)).toMatch(/^\/dashboard\/\?checked=1/);
    }
  });
});

describe('isolation between callers', () => {
  it('shows a caller only their tenants, and answers another tenant as an unknown one', async () => {
    const b = await signedIn(CLIENT_B);
    const fleet = await b.get('/dashboard/');
    expect(rowTenants(fleet.body)).toEqual(['beta']);
    expect(fleet.body).not.toContain('Alpha Transports');
    expect(fleet.body).not.toContain('Gamma Freight');
    const other = await b.get('/dashboard/tenants/alpha');
    const unknown = await b.get('/dashboard/tenants/nobody');
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(other.body.replace(/<time[^>]*>[^<]*<\/time>/g, '')).toBe(unknown.body.replace(/<time[^>]*>[^<]*<\/time>/g, ''));
  });

  it('refuses to check another caller\'s tenant, and a fleet check covers only the caller\'s', async () => {
    const b = await signedIn(CLIENT_B);
    const page = await b.get('/dashboard/');
    const before = (await stack.audit.healthHistory('alpha', 1000)).length;
    const res = await b.post('/dashboard/check', { csrf: csrfOf(page.body), tenant: 'alpha' });
    expect(res.status).toBe(404);
    const all = await b.post('/dashboard/check', { csrf: csrfOf(page.body) });
    expect(all.headers.location).toBe('/dashboard/?checked=1&ok=1');
    expect((await stack.audit.healthHistory('alpha', 1000)).length).toBe(before);
  });

  it('does not accept one session\'s CSRF token in another session', async () => {
    const ops = await signedIn(OPS);
    const b = await signedIn(CLIENT_B);
    const opsPage = await ops.get('/dashboard/');
    const res = await b.post('/dashboard/check', { csrf: csrfOf(opsPage.body), tenant: 'beta' });
    expect(res.status).toBe(403);
  });

  it('keeps MCP as it was: the same token works on /mcp, and /mcp still refuses browsers from other origins', async () => {
    const tools = await mcp.listTools();
    expect(tools.tools.length).toBeGreaterThan(10);
    const res = await stack.post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { ...bearer(OPS), origin: 'http://evil.example' });
    expect(res.status).toBe(403);
  });
});

describe('brute force', () => {
  it('stops failed sign-ins from one address after ten a minute, and says how long to wait', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await new Browserish(origin).signIn(`wrong-${i}-0123456789abcdef`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const refused = await new Browserish(origin).signIn(OPS);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toMatch(/Too many failed sign-ins/);
  });
});

/** A browser signed in with `token` through the form. */
async function signedIn(token: string): Promise<Browserish> {
  const b = new Browserish(origin);
  const res = await b.signIn(token);
  expect(res.status).toBe(303);
  return b;
}
