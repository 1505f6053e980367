/**
 * The per-tenant limits themselves (concurrency queue, rate window), in process; test/http/limits.test.ts
 * checks them over HTTP.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ToolError } from '../../src/errors.js';
import { TenantLimits } from '../../src/tenants/limits.js';

const tenant = (id: string, concurrency?: number) => ({ id, config: { limits: concurrency === undefined ? undefined : { concurrency } } });
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

async function refusal(p: Promise<unknown>): Promise<ToolError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ToolError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('TenantLimits', () => {
  afterEach(() => vi.useRealTimers());

  it('runs at most `concurrency` calls at once per tenant and hands a freed slot to the oldest waiter', async () => {
    const limits = new TenantLimits({ concurrency: 2, ratePerMinute: 1000 });
    const a = await limits.acquire(tenant('t1'));
    const b = await limits.acquire(tenant('t1'));
    let cGranted = false;
    const c = limits.acquire(tenant('t1')).then((release) => ((cGranted = true), release));
    await flush();
    expect(cGranted).toBe(false);
    expect(limits.load('t1')).toMatchObject({ running: 2, queued: 1 });
    // another tenant is not held up
    const other = await limits.acquire(tenant('t2'));
    a();
    a(); // a second release of the same slot changes nothing
    // the freed slot went to c: a newcomer must wait behind it
    let dGranted = false;
    const d = limits.acquire(tenant('t1')).then((release) => ((dGranted = true), release));
    const releaseC = await c;
    await flush();
    expect(cGranted).toBe(true);
    expect(dGranted).toBe(false);
    expect(limits.load('t1')).toMatchObject({ running: 2, queued: 1 });
    b();
    (await d)();
    releaseC();
    other();
    expect(limits.load('t1')).toMatchObject({ running: 0, queued: 0 });
  });

  it("defaults the concurrency to the tenant's limits.concurrency, else 4", async () => {
    const limits = new TenantLimits({ ratePerMinute: 1000 });
    await limits.acquire(tenant('one', 1));
    let granted = false;
    void limits.acquire(tenant('one', 1)).then(() => (granted = true));
    for (let i = 0; i < 4; i++) await limits.acquire(tenant('default'));
    void limits.acquire(tenant('default'));
    await flush();
    expect(granted).toBe(false);
    expect(limits.load('default')).toMatchObject({ running: 4, queued: 1 });
  });

  it('refuses a call when the queue is full, saying when to retry', async () => {
    const limits = new TenantLimits({ concurrency: 1, ratePerMinute: 1000, maxQueued: 1 });
    await limits.acquire(tenant('t1'));
    void limits.acquire(tenant('t1'));
    const err = await refusal(limits.acquire(tenant('t1')));
    expect(err.code).toBe('tenant_busy');
    expect(err.message).toMatch(/^Tenant "t1" is busy: 1 tool calls are running and 1 waiting \(at most 1 run at once.*Retry in \d+ seconds?\.$/);
    expect(err.details?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('refuses a call that waited too long, and forgets a cancelled waiter', async () => {
    vi.useFakeTimers();
    const limits = new TenantLimits({ concurrency: 1, ratePerMinute: 1000, maxWaitMs: 5_000 });
    const release = await limits.acquire(tenant('t1'));
    const waited = refusal(limits.acquire(tenant('t1')));
    const controller = new AbortController();
    const cancelled = limits.acquire(tenant('t1'), controller.signal).catch((err: unknown) => err);
    controller.abort(new Error('client went away'));
    expect(((await cancelled) as Error).message).toBe('client went away');
    await vi.advanceTimersByTimeAsync(5_001);
    expect((await waited).code).toBe('tenant_busy');
    expect(limits.load('t1')).toMatchObject({ running: 1, queued: 0 });
    release();
    expect(limits.load('t1')).toMatchObject({ running: 0, queued: 0 });
  });

  it('limits the calls started per tenant in any minute and says when the next one may start', async () => {
    let now = 1_000_000;
    const limits = new TenantLimits({ ratePerMinute: 3, now: () => now });
    for (const dt of [0, 10_000, 20_000]) {
      now += dt;
      (await limits.acquire(tenant('t1')))();
    }
    // started at +0, +10 s, +30 s: the oldest leaves the window at +60 s
    now += 5_000; // +35 s
    const err = await refusal(limits.acquire(tenant('t1')));
    expect(err.code).toBe('rate_limited');
    expect(err.message).toBe('Tenant "t1" is over its limit of 3 tool calls a minute, to protect its CRM. Retry in 25 seconds.');
    expect(err.details).toEqual({ retryAfterSeconds: 25 });
    (await limits.acquire(tenant('t2')))(); // other tenants have their own window
    now += 25_000; // +60 s: the first call left the window
    (await limits.acquire(tenant('t1')))();
    expect((await refusal(limits.acquire(tenant('t1')))).message).toMatch(/Retry in 10 seconds\.$/);
  });
});
