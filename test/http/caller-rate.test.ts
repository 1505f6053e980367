/** The per-caller rate itself (test/http/caller-limits.test.ts has it over HTTP), on a fake clock. */
import { describe, expect, it } from 'vitest';
import { batchesRemoved, batchProtocolVersion, CallerRate } from '../../src/http/callerLimits.js';

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('CallerRate', () => {
  it('admits up to the rate in a minute, then says when the sliding estimate leaves room again', () => {
    const c = clock();
    const rate = new CallerRate(6, { now: c.now });
    expect(rate.admit('a', 6)).toEqual({ ok: true });
    // the window is full: the next one opens at 60 s, with the 6 of this one fading over it
    expect(rate.admit('a', 1)).toEqual({ ok: false, retryAfterSeconds: 70 });
    c.t = 69_000;
    expect(rate.admit('a', 1).ok).toBe(false);
    c.t = 70_000;
    expect(rate.admit('a', 1)).toEqual({ ok: true });
    // 1 in this window and 5 left of the last: room again once the last fades to 4
    expect(rate.admit('a', 1)).toEqual({ ok: false, retryAfterSeconds: 10 });
    c.t = 80_000;
    expect(rate.admit('a', 1)).toEqual({ ok: true });
    // two windows later nothing of the old ones counts
    c.t = 200_000;
    expect(rate.admit('a', 6)).toEqual({ ok: true });
  });

  it('keeps each caller apart, admits a batch whole or not at all, and says so for a batch over the rate', () => {
    const c = clock(5_000);
    const rate = new CallerRate(6, { now: c.now });
    expect(rate.admit('jwt:a', 4).ok).toBe(true);
    expect(rate.admit('jwt:a', 3).ok).toBe(false);
    expect(rate.admit('jwt:a', 2).ok).toBe(true); // the refused 3 were not counted
    expect(rate.admit('token:a', 6).ok).toBe(true); // same name, another way in: another caller
    expect(rate.admit('jwt:b', 7)).toEqual({ ok: false, retryAfterSeconds: 60 });
    expect(rate.admit('jwt:b', 0)).toEqual({ ok: true });
  });

  it('forgets idle callers once many are tracked', () => {
    const c = clock();
    const rate = new CallerRate(6, { now: c.now });
    for (let i = 0; i < 10_000; i++) rate.admit(`token:${i}`, 1);
    expect(rate.size).toBe(10_000);
    c.t = 130_000;
    rate.admit('token:new', 1);
    expect(rate.size).toBe(1);
  });
});

describe('the protocol version of a batch', () => {
  it('comes from the MCP-Protocol-Version header, else from an initialize inside the batch', () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18' } };
    expect(batchProtocolVersion('2025-11-25', [init])).toBe('2025-11-25');
    expect(batchProtocolVersion(undefined, [init])).toBe('2025-06-18');
    expect(batchProtocolVersion(undefined, [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }])).toBeUndefined();
  });

  it('has no batches from 2025-06-18 on; earlier versions, none named and unknown spellings keep them (the SDK judges those)', () => {
    for (const v of ['2025-06-18', '2025-11-25', '2026-07-28']) expect(batchesRemoved(v), v).toBe(true);
    for (const v of ['2025-03-26', '2024-11-05', undefined, 'latest', '']) expect(batchesRemoved(v), String(v)).toBe(false);
  });
});
