/**
 * check_tenants through the MCP harness: three sandbox tenants (one healthy, one with a wrong API key,
 * one pointing at a loopback port where nothing listens) and one whose key cannot be read; the fleet
 * runner itself (bounded concurrency, configuration order, timeouts) against a loopback CRM double
 * that counts the requests it holds at once; results kept in the store and shown by the health resource.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { checkFleet, healthDescriber } from '../../src/reads/health.js';
import { TenantRegistry } from '../../src/tenants/registry.js';
import { LOCAL_PRINCIPAL } from '../../src/tenants/policy.js';
import { silentLogger } from '../../src/log/logger.js';
import { deadPort } from '../helpers/stack.js';


type Row = { tenant: string; status: string; version?: string; reachable: string; siteUrl: string; apiKey: string; admin: string; breaker: string; problems: string[] };

const WRONG_KEY = 'wrong-key-0123456789abcdef';

let h: Harness;
let downUrl: string;
beforeAll(async () => {
  downUrl = `http://127.0.0.1:${await deadPort()}`;
  h = await startHarness(
    [{ id: 'good' }, { id: 'badkey', apiKey: WRONG_KEY }, { id: 'down' }, { id: 'nosecret' }],
    { tenantOverrides: { down: { url: downUrl }, nosecret: { apiKey: 'env:NOSECRET_UNSET_VARIABLE' } } },
  );
});
afterAll(async () => h?.close());

describe('check_tenants', () => {
  it('checks every tenant: a row each in configuration order, the summary, progress per tenant, one login try each', async () => {
    const marks = Object.fromEntries(Object.entries(h.sandboxes).map(([id, sb]) => [id, sb.requests.length]));
    const progress: number[] = [];
    const r = await h.call('check_tenants', {}, { onprogress: (p) => progress.push(p.progress) });
    expect(r.isError, r.text).toBe(false);
    const rows = r.structured.tenants as Row[];
    expect(rows.map((x) => [x.tenant, x.status])).toEqual([
      ['good', 'ok'],
      ['badkey', 'degraded'],
      ['down', 'unreachable'],
      ['nosecret', 'degraded'],
    ]);
    expect(r.structured.summary).toEqual({ total: 4, ok: 1, degraded: 2, unreachable: 1 });
    expect(rows[0]).toMatchObject({ reachable: 'ok', siteUrl: 'ok', apiKey: 'ok', admin: 'ok', breaker: 'closed', problems: [] });
    expect(rows[0]!.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(rows[1]).toMatchObject({ reachable: 'ok', apiKey: 'failed', admin: 'ok', siteUrl: 'ok' });
    expect(rows[1]!.problems.join(' ')).toMatch(/API key/);
    expect(rows[2]).toMatchObject({ reachable: 'failed', apiKey: 'skipped', admin: 'skipped', siteUrl: 'skipped', breaker: 'closed' });
    expect(rows[2]!.problems[0]).toMatch(/^not reachable: /);
    expect(rows[3]).toMatchObject({ reachable: 'ok', apiKey: 'failed', admin: 'ok' });
    // Progress: one notification per finished tenant.
    expect(progress.sort()).toEqual([1, 2, 3, 4]);
    // One try per login: the wrong key was sent once, the password at most once, on every tenant.
    for (const [id, sb] of Object.entries(h.sandboxes)) {
      const since = sb.requests.slice(marks[id]);
      expect(since.filter((q) => q.path === 'App/user' && q.status === 401).length, id).toBeLessThanOrEqual(1);
      // (a refused key is a 401 without credentials: counted above, not as a password login)
      expect(since.filter((q) => q.path === 'App/user' && q.auth === 'espo-password').length, id).toBeLessThanOrEqual(1);
    }
    expect(h.sandboxes.badkey!.requests.slice(marks.badkey).filter((q) => q.path === 'App/user' && q.status === 401)).toHaveLength(1);
    // The down tenant's sandbox was never asked (the tenant points elsewhere).
    expect(h.sandboxes.down!.requests.length).toBe(marks.down);
    // The compact text: the table, the summary, each problem; the CRM's version fenced; no secret.
    expect(r.text).toMatch(/4 tenant\(s\) checked: 1 ok, 2 degraded, 1 unreachable/);
    expect(r.text).toContain('| tenant | status | version |');
    expect(r.text).toMatch(/\| good \| ok \| <untrusted-data-[0-9a-f]+>\d+\.\d+\.\d+<\/untrusted-data-[0-9a-f]+> \|/);
    expect(r.text).toMatch(/- down: not reachable: /);
    for (const secret of [WRONG_KEY, h.sandboxes.good!.credentials.apiKey, h.sandboxes.good!.credentials.admin.password]) {
      expect(r.text).not.toContain(secret);
      expect(JSON.stringify(r.structured)).not.toContain(secret);
    }
    // A local caller (stdio) is told where the unreadable secret points: it is the operator.
    expect(rows[3]!.problems.join(' ')).toContain('NOSECRET_UNSET_VARIABLE');
  });

  it('records each result in the store, without secrets or where they are kept; the health resource shows them, fenced', async () => {
    await h.call('check_tenants', { tenants: ['nosecret', 'down', 'badkey'] });
    const badkey = await h.audit.healthHistory('badkey', 10);
    expect(badkey.length).toBeGreaterThanOrEqual(2);
    expect(badkey[0]).toMatchObject({ tenant: 'badkey', status: 'degraded' });
    expect(badkey[0]!.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(badkey[0]!.result).toMatchObject({ status: 'degraded', apiKey: { status: 'failed' }, breaker: 'closed' });
    const down = (await h.audit.healthHistory('down', 10))[0]!;
    expect(down).toMatchObject({ status: 'unreachable' });
    expect(down.version).toBeUndefined();
    const nosecret = (await h.audit.healthHistory('nosecret', 10))[0]!;
    const all = JSON.stringify(await Promise.all(['good', 'badkey', 'down', 'nosecret'].map((t) => h.audit.healthHistory(t, 10))));
    for (const secret of [WRONG_KEY, h.sandboxes.good!.credentials.apiKey, h.sandboxes.badkey!.credentials.admin.password]) expect(all).not.toContain(secret);
    // The store is read remotely (the resource over HTTP): the variable's name is not kept, the fix is.
    expect(JSON.stringify(nosecret)).not.toContain('NOSECRET_UNSET_VARIABLE');
    expect((nosecret.result.problems as string[]).join(' ')).toMatch(/apiKey of tenant "nosecret" cannot be read on the server: `espocrm-admin-mcp tenants check nosecret`/);
    expect(await h.audit.latestHealth(['good', 'down'])).toEqual([
      expect.objectContaining({ tenant: 'good', status: 'ok' }),
      expect.objectContaining({ tenant: 'down', status: 'unreachable' }),
    ]);

    const read = async (uri: string) => JSON.parse(((await h.client.readResource({ uri })).contents[0] as { text: string }).text) as Record<string, unknown>;
    const res = await read('espocrm://tenants/badkey/health');
    const checks = res.checks as Array<{ time: string; status: string; version?: string; latencyMs?: number; breaker?: string; checks: Record<string, string>; problems: string[] }>;
    expect(checks.map((c) => c.status)).toEqual(badkey.map((e) => e.status));
    expect(checks[0]).toMatchObject({ time: badkey[0]!.ts, breaker: 'closed', checks: { reachable: 'ok', apiKey: 'failed', admin: 'ok', siteUrl: 'ok' } });
    expect(typeof checks[0]!.latencyMs).toBe('number');
    expect(checks[0]!.version).toMatch(/^<untrusted-data-[0-9a-f]+>\d+\.\d+\.\d+<\/untrusted-data-[0-9a-f]+>$/);
    expect(checks[0]!.problems[0]).toMatch(/^<untrusted-data-[0-9a-f]+>API key: /);
    expect(String(res.untrustedData)).toMatch(/untrusted-data-[0-9a-f]+/);
    // The resource template is listed.
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('espocrm://tenants/{tenant}/health');
  });

  it('check_tenant records its result too', async () => {
    const before = (await h.audit.healthHistory('good', 1000)).length;
    const r = await h.call('check_tenant', { tenant: 'good' });
    expect(r.structured.ok).toBe(true);
    const after = await h.audit.healthHistory('good', 1000);
    expect(after.length).toBe(before + 1);
    expect(after[0]).toMatchObject({ status: 'ok', result: { apiKey: { status: 'ok' }, admin: { status: 'ok' } } });
  });

  it('refuses an unknown tenant name, naming the ones to use', async () => {
    const r = await h.call('check_tenants', { tenants: ['good', 'nope'] });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('nope');
    expect(r.text).toContain('good');
  });
});

describe('the fleet runner', () => {
  let server: Server;
  let base: string;
  let open = 0;
  let maxOpen = 0;
  const finished: string[] = [];
  /** Delay per tenant path prefix; "hang" never answers. */
  const delays: Record<string, number | 'hang'> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      const tenant = (req.url ?? '').split('/')[1] ?? '';
      const delay = delays[tenant] ?? 0;
      open++;
      maxOpen = Math.max(maxOpen, open);
      const done = () => {
        open--;
        finished.push(tenant);
      };
      if (delay === 'hang') {
        req.socket.on('close', done);
        return;
      }
      setTimeout(() => {
        done();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, delay);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  function registry(ids: string[]): TenantRegistry {
    return new TenantRegistry(
      { tenants: ids.map((id) => ({ id, name: id, url: `${base}/${id}`, readOnly: true })), source: 'test' },
      { env: {}, baseDir: process.cwd(), logger: silentLogger() },
    );
  }

  it('never holds more than `concurrency` tenants at once, and gives the results in configuration order whatever order they finish in', async () => {
    const ids = ['t0', 't1', 't2', 't3', 't4', 't5'];
    ids.forEach((id, i) => (delays[id] = 40 * (ids.length - i)));
    const reg = registry(ids);
    const done: number[] = [];
    try {
      maxOpen = 0;
      finished.length = 0;
      const checks = await checkFleet(reg.visible(LOCAL_PRINCIPAL), {
        concurrency: 2,
        describe: healthDescriber(LOCAL_PRINCIPAL, silentLogger()),
        onResult: (_c, n) => void done.push(n),
      });
      expect(maxOpen).toBe(2);
      expect(checks.map((c) => [c.shown.tenant, c.shown.status])).toEqual(ids.map((id) => [id, 'ok']));
      // No credentials configured: not checked, and not a problem.
      expect(checks[0]!.shown).toMatchObject({ apiKey: { status: 'not_configured' }, admin: { status: 'not_configured' }, siteUrl: { status: 'skipped' } });
      expect(finished).toHaveLength(ids.length);
      expect(finished).not.toEqual(ids);
      expect(done).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await reg.close();
    }
  });

  it('abandons a tenant that does not answer within the timeout, and goes on with the others', async () => {
    delays.stuck = 'hang';
    delays.fine = 0;
    const reg = registry(['stuck', 'fine']);
    try {
      const checks = await checkFleet(reg.visible(LOCAL_PRINCIPAL), { concurrency: 1, timeoutMs: 300, describe: healthDescriber(LOCAL_PRINCIPAL, silentLogger()) });
      expect(checks.map((c) => c.shown.status)).toEqual(['unreachable', 'ok']);
      expect(checks[0]!.shown.problems).toContain('the check did not finish within 300 ms');
      expect(checks[0]!.stored.problems).toContain('the check did not finish within 300 ms');
    } finally {
      await reg.close();
    }
  });
});
