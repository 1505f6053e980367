import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { startSandbox, type Sandbox, type SandboxRequestLogEntry } from '../../src/sandbox/index.js';
import { EspoClient, type EspoClientOptions } from '../../src/espo/client.js';
import { writeAccess, type WriteClient } from '../../src/espo/writeAccess.js';
import {
  EspoAuthError,
  EspoCancelledError,
  EspoForbiddenError,
  EspoNetworkError,
  EspoNotConfiguredError,
  EspoNotFoundError,
  EspoTimeoutError,
  EspoUnavailableError,
} from '../../src/espo/errors.js';
import { admin, destroyToken, fieldManager, getAbout, getAppUser, getMetadata, records } from '../../src/espo/api/index.js';

let sb: Sandbox;
const clients: EspoClient[] = [];

/** A client the tests may write with (the API module's writes take a WriteClient). */
function clientFor(over: Partial<EspoClientOptions> = {}): WriteClient {
  const c = new EspoClient({
    tenantId: 'acme',
    url: sb.url,
    apiKey: async () => sb.credentials.apiKey,
    admin: { username: sb.credentials.admin.username, password: async () => sb.credentials.admin.password },
    retries: { baseDelayMs: 1, maxDelayMs: 5 },
    ...over,
  });
  clients.push(c);
  return writeAccess(c);
}

/** Requests the sandbox logged since `mark` (its log grows as requests finish). */
const since = (mark: number): SandboxRequestLogEntry[] => sb.requests.slice(mark);
const passwordAttempts = (entries: SandboxRequestLogEntry[]) =>
  entries.filter((r) => r.path === 'App/user' && (r.auth === 'espo-password' || r.auth === 'none'));
const line = (r: SandboxRequestLogEntry) => `${r.method} ${r.path} ${r.auth} ${r.status}`;

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  sb = await startSandbox({ leads: 12, contacts: 2, accounts: 2 });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => sb.faults.clear());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('admin login and token', () => {
  it('logs in once with the password, then reuses the token for every admin call', async () => {
    const client = clientFor();
    const mark = sb.requests.length;
    for (let i = 0; i < 4; i++) await fieldManager.read(client, 'Lead', 'status');
    await Promise.all(Array.from({ length: 6 }, () => getMetadata(client, 'entityDefs.Lead.fields.status', { auth: 'admin' })));
    const log = since(mark);
    expect(passwordAttempts(log).map(line)).toEqual(['GET App/user espo-password 200']);
    expect(log.filter((r) => r.auth === 'espo-token')).toHaveLength(10);
  });

  it('shares one in-flight login among concurrent first callers', async () => {
    const client = clientFor();
    const mark = sb.requests.length;
    const results = await Promise.all(Array.from({ length: 8 }, () => fieldManager.read(client, 'Lead', 'status')));
    expect(results.every((r) => r.type === 'enum')).toBe(true);
    expect(passwordAttempts(since(mark))).toHaveLength(1);
  });

  it('logs in again exactly once after the token is destroyed, then retries the call', async () => {
    const client = clientFor();
    const raw = await client.request<{ token: string }>({ method: 'GET', path: 'App/user', auth: 'admin' });
    expect(await destroyToken(client, raw.body.token)).toBe(true);

    const mark = sb.requests.length;
    const def = await fieldManager.read(client, 'Lead', 'status');
    expect(def.type).toBe('enum');
    expect(since(mark).map(line)).toEqual([
      'GET Admin/fieldManager/Lead/status none 401',
      'GET App/user espo-password 200',
      'GET Admin/fieldManager/Lead/status espo-token 200',
    ]);
  });

  it('never sends the token-secret header, so the token works without a cookie', async () => {
    const client = clientFor();
    await getAppUser(client, 'admin');
    const log = sb.requests.slice(-2);
    expect(log.map(line)).toEqual(['GET App/user espo-password 200', 'GET App/user espo-token 200']);
  });

  it('a refused password is tried once, not again within the cooling period, and never trips the lockout', async () => {
    const client = clientFor({ admin: { username: sb.credentials.admin.username, password: async () => 'wrong-password-canary' } });
    const mark = sb.requests.length;
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) errors.push(await errorOf(fieldManager.read(client, 'Lead', 'status')));
    errors.push(...(await Promise.all(Array.from({ length: 15 }, () => errorOf(admin.clearCache(client))))));

    expect(passwordAttempts(since(mark)).map(line)).toEqual(['GET App/user none 401']);
    expect(since(mark)).toHaveLength(1);
    for (const e of errors) {
      expect(e).toBeInstanceOf(EspoAuthError);
      expect((e as EspoAuthError).code).toBe('auth_refused');
      expect((e as Error).message).toMatch(/refused the admin login/);
      expect((e as Error).message).not.toContain('wrong-password-canary');
    }
    // 20 calls, 1 failure: the sandbox (10 failures a minute locks the IP out) still lets the right password in.
    const good = clientFor();
    expect((await fieldManager.read(good, 'Lead', 'status')).type).toBe('enum');
  });

  it('tries the password again after the cooling period, reading the secret anew', async () => {
    let calls = 0;
    const client = clientFor({
      authCooldownMs: 1,
      admin: {
        username: sb.credentials.admin.username,
        password: async () => (++calls === 1 ? 'wrong-first' : sb.credentials.admin.password),
      },
    });
    expect(await errorOf(fieldManager.read(client, 'Lead', 'status'))).toBeInstanceOf(EspoAuthError);
    await new Promise((r) => setTimeout(r, 20));
    expect((await fieldManager.read(client, 'Lead', 'status')).type).toBe('enum');
    expect(calls).toBe(2);
  });

  it('when the re-login is refused, reports the password and stops trying', async () => {
    const user = sb.state.users.addUser({ userName: 'ops-admin', type: 'admin', password: 'ops-pass-1' });
    const client = clientFor({ admin: { username: 'ops-admin', password: async () => 'ops-pass-1' } });
    await fieldManager.read(client, 'Lead', 'status');
    user.isActive = false; // the token and the password now both fail

    const mark = sb.requests.length;
    const first = await errorOf(fieldManager.read(client, 'Lead', 'status'));
    const second = await errorOf(fieldManager.read(client, 'Lead', 'status'));
    expect(first).toBeInstanceOf(EspoAuthError);
    expect((first as EspoAuthError).credential).toBe('password');
    expect(second).toBe(first);
    expect(since(mark).map(line)).toEqual(['GET Admin/fieldManager/Lead/status none 401', 'GET App/user none 401']);
  });

  it('refuses a user that is not an admin, with one login, and gives its token back', async () => {
    const clerk = sb.state.users.addUser({ userName: 'clerk', type: 'regular', password: 'clerk-pass-1' });
    const client = clientFor({ admin: { username: 'clerk', password: async () => 'clerk-pass-1' } });
    const mark = sb.requests.length;
    const errors = [await errorOf(fieldManager.read(client, 'Lead', 'status')), await errorOf(admin.rebuild(client))];
    for (const e of errors) {
      expect(e).toBeInstanceOf(EspoForbiddenError);
      expect((e as EspoForbiddenError).code).toBe('not_admin');
      expect((e as Error).message).toMatch(/"clerk".*is not an admin/);
    }
    expect(passwordAttempts(since(mark))).toHaveLength(1);
    await vi.waitFor(() => {
      expect(sb.state.users.activeTokenCount(clerk.id)).toBe(0);
      expect(since(mark).map(line)).toContain('POST App/destroyAuthToken espo-token 200');
    });
  });

  it('logout destroys the token on the server', async () => {
    const client = clientFor();
    await fieldManager.read(client, 'Lead', 'status');
    const adminUser = sb.state.users.passwordUser(sb.credentials.admin.username);
    const before = sb.state.users.activeTokenCount(adminUser?.id);
    expect(await client.logout()).toBe(true);
    expect(sb.state.users.activeTokenCount(adminUser?.id)).toBe(before - 1);
    expect(await client.logout()).toBe(false);
  });
});

describe('API key, HMAC and routing', () => {
  it('sends data reads with the API key and admin routes with the admin token', async () => {
    const client = clientFor();
    const mark = sb.requests.length;
    const page = await records.list(client, 'Lead', { maxSize: 2, select: ['id', 'name'] });
    expect(page.list).toHaveLength(2);
    await fieldManager.read(client, 'Lead', 'status');
    expect(since(mark).map(line)).toEqual([
      'GET Lead api-key 200',
      'GET App/user espo-password 200',
      'GET Admin/fieldManager/Lead/status espo-token 200',
    ]);
  });

  it('falls back to the admin login for data reads when no API key is configured', async () => {
    const client = clientFor({ apiKey: undefined });
    const mark = sb.requests.length;
    await records.list(client, 'Lead', { maxSize: 1 });
    expect(since(mark).map((r) => r.auth)).toEqual(['espo-password', 'espo-token']);
  });

  it('without an admin login, an admin route fails before any request', async () => {
    const client = clientFor({ admin: undefined });
    const mark = sb.requests.length;
    const e = await errorOf(fieldManager.read(client, 'Lead', 'status'));
    expect(e).toBeInstanceOf(EspoNotConfiguredError);
    expect((e as Error).message).toMatch(/no admin login configured/);
    expect(since(mark)).toHaveLength(0);
  });

  it('an admin route called with the API key is a clear "not an admin" error', async () => {
    const client = clientFor();
    const e = await errorOf(client.request({ method: 'GET', path: 'Admin/fieldManager/Lead/status', auth: 'api' }));
    expect(e).toBeInstanceOf(EspoForbiddenError);
    expect((e as EspoForbiddenError).code).toBe('not_admin');
    expect((e as Error).message).toMatch(/API users be admins/);
  });

  it('signs requests with HMAC when a secret is configured (query left out of the signature)', async () => {
    const client = clientFor({ apiKey: async () => sb.credentials.hmac.apiKey, hmacSecret: async () => sb.credentials.hmac.secret, admin: undefined });
    const mark = sb.requests.length;
    const me = await getAppUser(client, 'api');
    expect(me.user.type).toBe('api');
    expect(me.hasToken).toBe(false);
    const page = await records.list(client, 'Lead', { maxSize: 1, where: [{ type: 'isNotNull', attribute: 'lastName' }] });
    expect(page.list).toHaveLength(1);
    expect(since(mark).map(line)).toEqual(['GET App/user hmac 200', 'GET Lead hmac 200']);
  });

  it('a wrong API key is sent once, then refused locally during the cooling period', async () => {
    const client = clientFor({ apiKey: async () => 'not-the-key-canary' });
    const mark = sb.requests.length;
    const errors = [await errorOf(records.list(client, 'Lead', { maxSize: 1 }))];
    errors.push(...(await Promise.all([1, 2, 3].map(() => errorOf(records.list(client, 'Lead', { maxSize: 1 }))))));
    for (const e of errors) {
      expect(e).toBeInstanceOf(EspoAuthError);
      expect((e as Error).message).toMatch(/refused the API key/);
      expect((e as Error).message).not.toContain('not-the-key-canary');
    }
    expect(since(mark).map(line)).toEqual(['GET Lead none 401']);
  });

  it('resolves each secret lazily, once', async () => {
    let keyReads = 0;
    let passwordReads = 0;
    const client = clientFor({
      apiKey: async () => { keyReads++; return sb.credentials.apiKey; },
      admin: { username: sb.credentials.admin.username, password: async () => { passwordReads++; return sb.credentials.admin.password; } },
    });
    expect([keyReads, passwordReads]).toEqual([0, 0]);
    for (let i = 0; i < 3; i++) await records.list(client, 'Lead', { maxSize: 1 });
    expect([keyReads, passwordReads]).toEqual([1, 0]);
    for (let i = 0; i < 3; i++) await fieldManager.read(client, 'Lead', 'status');
    expect([keyReads, passwordReads]).toEqual([1, 1]);
  });
});

describe('retries', () => {
  it.each([503, 502, 504] as const)('retries a GET after %i and succeeds', async (status) => {
    const client = clientFor();
    sb.faults.add({ method: 'GET', path: 'Lead', kind: 'status', status, times: 2 });
    const mark = sb.requests.length;
    const page = await records.list(client, 'Lead', { maxSize: 1 });
    expect(page.list).toHaveLength(1);
    expect(since(mark).map((r) => r.status)).toEqual([status, status, 200]);
  });

  it('retries a GET after a connection reset', async () => {
    const client = clientFor();
    sb.faults.add({ method: 'GET', path: 'Lead', kind: 'reset', times: 1 });
    const mark = sb.requests.length;
    await records.list(client, 'Lead', { maxSize: 1 });
    const log = since(mark);
    expect(log.map((r) => r.fault ?? r.status)).toEqual(['reset', 200]);
  });

  it('gives up after the configured attempts with the last error', async () => {
    const client = clientFor({ retries: { attempts: 2, baseDelayMs: 1 } });
    sb.faults.add({ method: 'GET', path: 'Lead', kind: 'status', status: 503 });
    const mark = sb.requests.length;
    const e = await errorOf(records.list(client, 'Lead', { maxSize: 1 }));
    expect(e).toBeInstanceOf(EspoUnavailableError);
    expect(since(mark)).toHaveLength(2);
  });

  it('never retries a POST after a 503 or a reset', async () => {
    const client = clientFor();
    sb.faults.add({ method: 'POST', path: 'Admin/clearCache', kind: 'status', status: 503, times: 1 });
    await fieldManager.read(client, 'Lead', 'status'); // log in first
    let mark = sb.requests.length;
    expect(await errorOf(admin.clearCache(client))).toBeInstanceOf(EspoUnavailableError);
    // the fault answers before authentication, so the sandbox logs no auth kind
    expect(since(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST Admin/clearCache 503']);

    sb.faults.add({ method: 'POST', path: 'Lead', kind: 'reset', times: 1 });
    mark = sb.requests.length;
    const e = await errorOf(records.create(client, 'Lead', { lastName: 'Once' }));
    expect(e).toBeInstanceOf(EspoNetworkError);
    expect((e as EspoNetworkError).code).toBe('connection_reset');
    expect(since(mark)).toHaveLength(1);
  });

  it('never retries a 4xx', async () => {
    const client = clientFor();
    const mark = sb.requests.length;
    const e = await errorOf(records.read(client, 'Lead', 'no-such-id'));
    expect(e).toBeInstanceOf(EspoNotFoundError);
    const forbidden = await errorOf(records.list(client, 'Lead', { maxSize: 201 }));
    expect(forbidden).toBeInstanceOf(EspoForbiddenError);
    expect((forbidden as Error).message).toMatch(/Max size should not exceed 200/);
    expect(since(mark).map((r) => r.status)).toEqual([404, 403]);
  });
});

describe('timeouts and cancellation', () => {
  /** A hung request is logged when its socket closes; wait for it so it cannot land in a later test's window. */
  const hangLogged = (mark: number, path: string) =>
    vi.waitFor(() => expect(since(mark).filter((r) => r.path === path && r.fault === 'hang')).toHaveLength(1));

  it('a hanging answer gives a headers timeout', async () => {
    const client = clientFor({ timeouts: { headersMs: 150 }, retries: { attempts: 1 } });
    sb.faults.add({ method: 'GET', path: 'Lead', kind: 'hang', times: 1 });
    const mark = sb.requests.length;
    const e = await errorOf(records.list(client, 'Lead', { maxSize: 1 }));
    expect(e).toBeInstanceOf(EspoTimeoutError);
    expect((e as EspoTimeoutError).phase).toBe('headers');
    expect((e as Error).message).toMatch(/did not answer GET Lead within 150 ms/);
    await hangLogged(mark, 'Lead');
  });

  it('a GET that timed out is retried', async () => {
    const client = clientFor({ timeouts: { headersMs: 150 } });
    sb.faults.add({ method: 'GET', path: 'Lead', kind: 'hang', times: 1 });
    const mark = sb.requests.length;
    expect((await records.list(client, 'Lead', { maxSize: 1 })).list).toHaveLength(1);
    await hangLogged(mark, 'Lead');
    expect(since(mark).map((r) => r.fault ?? r.status)).toEqual(['hang', 200]);
  });

  it("the request's own timeoutMs is a deadline, and extends the headers timeout for slow calls", async () => {
    const client = clientFor({ timeouts: { headersMs: 100 } });
    await fieldManager.read(client, 'Lead', 'status'); // log in first
    sb.faults.add({ method: 'POST', path: 'Admin/rebuild', kind: 'latency', ms: 300, times: 1 });
    expect(await admin.rebuild(client, { timeoutMs: 10_000 })).toBe(true);

    sb.faults.add({ method: 'GET', path: 'Contact', kind: 'hang', times: 1 });
    const mark = sb.requests.length;
    const e = await errorOf(client.request({ method: 'GET', path: 'Contact', auth: 'api', timeoutMs: 150 }));
    expect(e).toBeInstanceOf(EspoTimeoutError);
    expect((e as EspoTimeoutError).phase).toBe('deadline');
    await hangLogged(mark, 'Contact');
  });

  it("the caller's abort cancels the call, without retry", async () => {
    const client = clientFor();
    sb.faults.add({ method: 'GET', path: 'Account', kind: 'hang' });
    const mark = sb.requests.length;
    const controller = new AbortController();
    const pending = errorOf(records.list(client, 'Account', { maxSize: 1 }, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 300); // after the request is on its way (the breaker's library loads on the first call)
    const e = await pending;
    expect(e).toBeInstanceOf(EspoCancelledError);
    expect((e as Error).name).toBe('AbortError');
    expect((e as Error).message).toMatch(/cancelled/);
    await hangLogged(mark, 'Account');
    sb.faults.clear();
    expect(since(mark).filter((r) => r.path === 'Account')).toHaveLength(1);

    const before = sb.requests.length;
    expect(await errorOf(records.list(client, 'Account', {}, { signal: AbortSignal.abort() }))).toBeInstanceOf(EspoCancelledError);
    expect(sb.requests.length).toBe(before);
  });
});

describe('base URL, transport and bodies', () => {
  it.each(['', '/', '/api/v1', '/api/v1/'])('works with the URL ending in "%s"', async (suffix) => {
    const client = clientFor({ url: `${sb.url}${suffix}` });
    expect((await getAbout(client)).version).toBe('9.1.7');
  });

  it('keeps a subdirectory in the request path', async () => {
    const client = clientFor({ url: `${sb.url}/crm/` });
    const mark = sb.requests.length;
    expect(await errorOf(getAbout(client))).toBeInstanceOf(EspoNotFoundError);
    expect(since(mark).map((r) => r.path)).toEqual(['crm/api/v1/App/about']);
  });

  it('a closed port is a connection-refused network error', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const client = clientFor({ url: `http://127.0.0.1:${port}`, retries: { attempts: 2, baseDelayMs: 1 } });
    const e = await errorOf(getAbout(client));
    expect(e).toBeInstanceOf(EspoNetworkError);
    expect((e as EspoNetworkError).code).toBe('connection_refused');
    expect((e as EspoNetworkError).phase).toBe('connect');
  });

  it('parses JSON, returns undefined for a missing metadata key', async () => {
    const client = clientFor();
    expect(await getMetadata(client, 'entityDefs.Lead.fields.noSuchField')).toBeUndefined();
    expect(await getMetadata(client, 'entityDefs.Lead.fields.status')).toMatchObject({ type: 'enum' });
  });

  it('close({ force: true }) ends the requests in flight', async () => {
    const client = clientFor();
    sb.faults.add({ method: 'GET', path: 'App/about', kind: 'hang', times: 1 });
    const mark = sb.requests.length;
    const pending = errorOf(getAbout(client));
    await new Promise((r) => setTimeout(r, 50));
    await client.close({ force: true });
    expect(await pending).toBeInstanceOf(EspoNetworkError);
    await vi.waitFor(() => expect(since(mark).filter((r) => r.fault === 'hang')).toHaveLength(1));
  });

  it('a closed client refuses new requests', async () => {
    const client = clientFor();
    await client.close();
    expect(await errorOf(getAbout(client))).toMatchObject({ code: 'closed' });
  });
});

describe('logging', () => {
  it('logs method, path, status and timing at debug, never a secret', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const logger = pino({ level: 'debug' }, sink);
    const client = clientFor({ logger });
    await records.list(client, 'Lead', { maxSize: 1, where: [{ type: 'equals', attribute: 'lastName', value: 'Nobody' }] });
    const raw = await client.request<{ token: string }>({ method: 'GET', path: 'App/user', auth: 'admin' });
    await errorOf(clientFor({ logger, apiKey: async () => 'bad-key-canary' }).request({ method: 'GET', path: 'Lead', auth: 'api' }));

    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toContainEqual(expect.objectContaining({ method: 'GET', path: 'Lead', status: 200, tenant: 'acme', auth: 'apiKey' }));
    expect(entries).toContainEqual(expect.objectContaining({ method: 'GET', path: 'App/user', status: 200, auth: 'password' }));
    const all = lines.join('\n');
    for (const secret of [sb.credentials.apiKey, sb.credentials.admin.password, raw.body.token, 'bad-key-canary', 'Nobody']) {
      expect(all).not.toContain(secret);
    }
  });
});
