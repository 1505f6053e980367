/**
 * The per-tenant circuit breaker: unit behaviour (opens after N consecutive failures, fails fast with
 * a clear message, one probe after the pause, answers reset the count), then through the MCP server:
 * a hanging tenant fails fast and a healthy tenant's calls complete as often as without it.
 */
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TenantBreaker, TenantUnavailableError } from '../../src/tenants/breaker.js';
import type { AttemptHealth } from '../../src/espo/client.js';
import { LOCAL_PRINCIPAL } from '../../src/tenants/policy.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { recordFigures, table } from './figures.js';

const failed: AttemptHealth = { kind: 'failed', what: 'HTTP 503' };
const answered: AttemptHealth = { kind: 'answered' };
const unknown: AttemptHealth = { kind: 'unknown' };

describe('TenantBreaker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const attempt = (b: TenantBreaker, health: AttemptHealth, calls: { n: number }) =>
    b.run(async () => {
      calls.n++;
      return 'answer';
    }, () => health);

  it('opens after the threshold of consecutive failures and then fails fast, sending nothing', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const b = new TenantBreaker('acme', { threshold: 3, halfOpenAfterMs: 30_000 });
    const calls = { n: 0 };
    for (let i = 0; i < 3; i++) await attempt(b, failed, calls);
    expect(b.state).toBe('open');
    vi.setSystemTime(Date.now() + 12_000);
    const err = await attempt(b, answered, calls).catch((e: unknown) => e);
    expect(calls.n).toBe(3);
    expect(err).toBeInstanceOf(TenantUnavailableError);
    expect((err as Error).message).toBe(
      'Tenant "acme"\'s CRM is failing: 3 consecutive errors (last: HTTP 503); retrying in 18 s. Until then calls to it fail at once and nothing ' +
        'is sent to it; other tenants are not affected. If it persists, check that the CRM is up (its web server, database and network) and run check_tenant.',
    );
    expect((err as TenantUnavailableError).retryable).toBe(false);
  });

  it('an answer (even a 4xx) resets the count; a cancelled attempt counts neither way', async () => {
    const b = new TenantBreaker('acme', { threshold: 3 });
    const calls = { n: 0 };
    await attempt(b, failed, calls);
    await attempt(b, failed, calls);
    await attempt(b, answered, calls);
    await attempt(b, failed, calls);
    await attempt(b, unknown, calls);
    await attempt(b, failed, calls);
    expect(b.stats()).toMatchObject({ state: 'closed', consecutiveFailures: 2, opens: 0 });
    await attempt(b, failed, calls);
    expect(b.stats()).toMatchObject({ state: 'open', consecutiveFailures: 3, opens: 1 });
  });

  it('after the pause lets one probe through: a failure opens it again, an answer closes it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const b = new TenantBreaker('acme', { threshold: 2, halfOpenAfterMs: 10_000 });
    const calls = { n: 0 };
    await attempt(b, failed, calls);
    await attempt(b, failed, calls);
    vi.setSystemTime(Date.now() + 10_001);
    await attempt(b, failed, calls); // the probe
    expect(calls.n).toBe(3);
    expect(b.stats()).toMatchObject({ state: 'open', consecutiveFailures: 3, opens: 2 });
    await expect(attempt(b, answered, calls)).rejects.toThrow(/3 consecutive errors/);
    vi.setSystemTime(Date.now() + 10_001);
    await attempt(b, answered, calls);
    expect(calls.n).toBe(4);
    expect(b.stats()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });

  it("while the probe runs, other calls wait for its verdict instead of piling onto the CRM", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const b = new TenantBreaker('acme', { threshold: 1, halfOpenAfterMs: 1_000 });
    const calls = { n: 0 };
    await attempt(b, failed, calls);
    vi.setSystemTime(Date.now() + 1_001);
    let release!: () => void;
    const probe = b.run(() => new Promise<string>((r) => (release = () => r('late'))), () => failed);
    const waiting = attempt(b, answered, calls);
    release();
    await expect(probe).resolves.toBe('late');
    await expect(waiting).rejects.toBeInstanceOf(TenantUnavailableError);
    expect(calls.n).toBe(1);
  });
});

describe('a hanging tenant through the MCP server', () => {
  const HALF_OPEN_MS = 4_000;
  const SLICE_MS = 200;
  const PAIRS = 4;
  let h: Harness;
  beforeAll(async () => {
    const small = { leads: 2, contacts: 0, accounts: 0 };
    h = await startHarness(
      [{ id: 'dead', sandbox: small }, { id: 'calm', sandbox: small }, { id: 'healthy', sandbox: small }],
      { breaker: { threshold: 3, halfOpenAfterMs: HALF_OPEN_MS }, tenantOverrides: { dead: { limits: { timeoutMs: 300 } } } },
    );
    // Every tenant warmed up (login, metadata), so the slices compare like with like.
    for (const tenant of ['dead', 'calm', 'healthy']) expect((await h.call('get_layout', { tenant, entity: 'Lead', layout: 'detail' })).isError).toBe(false);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Calls get_layout on `tenant` back to back until `until`; counts the calls that completed. */
  async function loop(tenant: string, until: number): Promise<{ ok: number; failed: number; texts: Set<string> }> {
    const out = { ok: 0, failed: 0, texts: new Set<string>() };
    while (Date.now() < until) {
      const res = await h.call('get_layout', { tenant, entity: 'Lead', layout: 'detail' });
      if (res.isError) {
        out.failed++;
        out.texts.add(res.text.replace(/retrying in \d+ s/, 'retrying in N s'));
      } else out.ok++;
      await yieldToIo(); // as a real client would, between calls
    }
    return out;
  }

  it('fails fast once open, sends nothing to the dead CRM, and leaves the healthy tenant as fast as before', { timeout: 60_000 }, async () => {
    const dead = h.sandboxes.dead!;
    const breaker = h.registry.resolve('dead', LOCAL_PRINCIPAL).breaker;

    // The dead CRM hangs: the first call times out (three GET attempts), which opens the breaker.
    dead.faults.add({ path: /.*/, kind: 'hang' });
    const first = await h.call('get_layout', { tenant: 'dead', entity: 'Lead', layout: 'detail' });
    expect(first.isError).toBe(true);
    expect(first.text).toMatch(/did not answer GET Lead\/layout\/detail/);
    expect(breaker.stats()).toMatchObject({ state: 'open', opens: 1 });

    // Within the breaker's window, alternating slices (so that load from elsewhere hits both alike): the
    // healthy tenant called back to back next to a healthy neighbour, then next to the dead tenant.
    const sentBefore = dead.requests.length;
    const nextToCalm = { ok: 0, failed: 0 };
    const nextToDead = { ok: 0, failed: 0 };
    const failing = { ok: 0, failed: 0, texts: new Set<string>() };
    for (let i = 0; i < PAIRS; i++) {
      const [a] = await Promise.all([loop('healthy', Date.now() + SLICE_MS), loop('calm', Date.now() + SLICE_MS)]);
      const [b, d] = await Promise.all([loop('healthy', Date.now() + SLICE_MS), loop('dead', Date.now() + SLICE_MS)]);
      nextToCalm.ok += a.ok;
      nextToCalm.failed += a.failed;
      nextToDead.ok += b.ok;
      nextToDead.failed += b.failed;
      failing.ok += d.ok;
      failing.failed += d.failed;
      for (const t of d.texts) failing.texts.add(t);
    }
    expect(breaker.stats().state).toBe('open'); // the comparison ran inside the window
    await new Promise((r) => setTimeout(r, 50)); // hung requests are logged when their connection closes
    expect(dead.requests.length - sentBefore).toBe(0);
    expect(failing.ok).toBe(0);
    expect([...failing.texts]).toEqual([
      'Tenant "dead"\'s CRM is failing: 3 consecutive errors (last: timed out (headers)); retrying in N s. Until then calls to it fail at once and ' +
        'nothing is sent to it; other tenants are not affected. If it persists, check that the CRM is up (its web server, database and network) and run check_tenant.',
    ]);
    // Fail fast: many calls completed on the dead tenant in the window, against its one timed-out call before.
    expect(failing.failed).toBeGreaterThan(10);
    // The healthy tenant: every call succeeded, and next to the dead tenant as many completed as next to a healthy one, give or take noise.
    expect(nextToCalm.failed + nextToDead.failed).toBe(0);
    expect(nextToCalm.ok).toBeGreaterThan(PAIRS); // enough calls for the comparison to mean something
    expect(nextToDead.ok).toBeGreaterThanOrEqual(Math.floor(nextToCalm.ok * 0.5));
    figures.healthyNextToHealthy = nextToCalm.ok;
    figures.healthyNextToDead = nextToDead.ok;
    figures.deadFailedFast = failing.failed;

    // After the pause one probe goes through; it hangs, so the breaker opens again.
    await new Promise((r) => setTimeout(r, breaker.stats().retryInMs + 10));
    const probeFrom = dead.requests.length;
    const probe = await h.call('get_layout', { tenant: 'dead', entity: 'Lead', layout: 'detail' });
    expect(probe.isError).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(dead.requests.length - probeFrom).toBe(1);
    expect(breaker.stats()).toMatchObject({ state: 'open', opens: 2, consecutiveFailures: 4 });

    // The CRM is back: the next probe succeeds and closes the breaker.
    dead.faults.clear();
    await new Promise((r) => setTimeout(r, breaker.stats().retryInMs + 10));
    const back = await h.call('get_layout', { tenant: 'dead', entity: 'Lead', layout: 'detail' });
    expect(back.isError, back.text).toBe(false);
    expect(breaker.stats()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    for (const tenant of ['calm', 'healthy']) expect(h.registry.resolve(tenant, LOCAL_PRINCIPAL).breaker.stats()).toMatchObject({ state: 'closed', opens: 0 });
  });

  const figures: Record<string, number> = {};
  it('records the figures', () => {
    // Counts vary with the machine: the doc states the rule the test asserts, the JSON holds the counts.
    const markdown = [
      table(
        ['setting', 'value'],
        [['threshold (consecutive failed attempts)', 3], ['pause before the probe', `${HALF_OPEN_MS} ms`], ['slices compared, inside the pause', `${PAIRS} × ${SLICE_MS} ms each way, alternating`]],
      ),
      '',
      'Asserted: while the hanging tenant\'s breaker is open, 0 requests reach its CRM and every call to it fails at once with the breaker\'s message; ' +
        'the healthy tenant has 0 failures, and called next to the dead tenant completes at least half as many calls as next to a healthy one ' +
        '(both neighbours called back to back); a failed probe reopens the breaker, a successful one closes it.',
    ].join('\n');
    expect(figures.healthyNextToDead).toBeGreaterThan(0);
    recordFigures('breaker', figures, markdown);
  });
});
