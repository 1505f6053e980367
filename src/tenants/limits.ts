/**
 * Per-tenant limits on tool calls, shared by every request the server handles, so that one chat host
 * cannot flood a CRM: at most `concurrency` calls run at once on a tenant (the rest wait in a bounded
 * queue) and at most `ratePerMinute` calls start in any 60-second window. Over a limit the call fails
 * with a tool error that says when to retry.
 */
import { ToolError } from '../errors.js';
import { DEFAULT_CONCURRENCY } from '../config/validate.js';
import type { TenantConfig } from '../config/types.js';

export interface TenantLimitsOptions {
  /** Calls running at once on one tenant; default: the tenant's `limits.concurrency` (default 4). */
  concurrency?: number;
  /** Calls started per tenant in any 60 s window. */
  ratePerMinute: number;
  /** Calls waiting for a slot on one tenant before new ones are refused; default 16 × concurrency. */
  maxQueued?: number;
  /** How long a call waits for a slot before it is refused; default 60 s. */
  maxWaitMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /**
   * Counters shared by every replica (the PostgreSQL store): the rate then holds across all of them,
   * not per process. Concurrency stays per process.
   */
  shared?: { countCall(tenant: string, windowStartMs: number, windowMs: number): Promise<{ current: number; previous: number }> };
}

const WINDOW_MS = 60_000;

interface Waiter {
  grant: () => void;
  fail: (err: unknown) => void;
}

class TenantGate {
  running = 0;
  readonly queue: Waiter[] = [];
  /** Start times of the calls in the current window, oldest first. */
  readonly starts: number[] = [];
  /** Moving average of how long a call holds its slot, for retry estimates. */
  avgHoldMs = 1_000;

  constructor(readonly concurrency: number) {}
}

export type Release = () => void;

export class TenantLimits {
  private readonly gates = new Map<string, TenantGate>();
  private readonly now: () => number;

  constructor(private readonly opts: TenantLimitsOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Admits one call on `tenant`: refuses it when the tenant is over its rate, else waits for a slot.
   * The returned function frees the slot and must be called exactly once.
   */
  async acquire(tenant: { id: string; config: Pick<TenantConfig, 'limits'> }, signal?: AbortSignal): Promise<Release> {
    const gate = this.gate(tenant);
    const now = this.now();
    this.admitRate(tenant.id, gate, now);
    if (this.opts.shared) await this.admitSharedRate(tenant.id, gate, now);
    if (gate.running < gate.concurrency && gate.queue.length === 0) {
      gate.running++;
      return this.releaser(gate);
    }
    const maxQueued = this.opts.maxQueued ?? gate.concurrency * 16;
    if (gate.queue.length >= maxQueued) {
      gate.starts.pop(); // a refused call does not count toward the rate
      throw this.busyError(tenant.id, gate);
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve();
        },
        fail: (err) => {
          cleanup();
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        remove();
        waiter.fail(this.busyError(tenant.id, gate));
      }, this.opts.maxWaitMs ?? 60_000);
      timer.unref?.();
      const onAbort = () => {
        remove();
        waiter.fail(signal?.reason ?? new Error('cancelled'));
      };
      const remove = () => {
        const i = gate.queue.indexOf(waiter);
        if (i >= 0) gate.queue.splice(i, 1);
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      gate.queue.push(waiter);
    });
    // The slot was handed over by the call that released it (see `releaser`).
    return this.releaser(gate);
  }

  /** Runs `fn` inside one admitted call on `tenant`. */
  async run<T>(tenant: { id: string; config: Pick<TenantConfig, 'limits'> }, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(tenant, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Calls running and waiting on a tenant, for logs and tests. */
  load(tenantId: string): { running: number; queued: number; startedLastMinute: number } {
    const gate = this.gates.get(tenantId);
    if (!gate) return { running: 0, queued: 0, startedLastMinute: 0 };
    this.expire(gate, this.now());
    return { running: gate.running, queued: gate.queue.length, startedLastMinute: gate.starts.length };
  }

  private gate(tenant: { id: string; config: Pick<TenantConfig, 'limits'> }): TenantGate {
    let gate = this.gates.get(tenant.id);
    if (!gate) {
      gate = new TenantGate(this.opts.concurrency ?? tenant.config.limits?.concurrency ?? DEFAULT_CONCURRENCY);
      this.gates.set(tenant.id, gate);
    }
    return gate;
  }

  private expire(gate: TenantGate, now: number): void {
    while (gate.starts.length > 0 && gate.starts[0]! <= now - WINDOW_MS) gate.starts.shift();
  }

  private admitRate(tenantId: string, gate: TenantGate, now: number): void {
    this.expire(gate, now);
    if (gate.starts.length >= this.opts.ratePerMinute) {
      const retryMs = gate.starts[0]! + WINDOW_MS - now;
      const seconds = Math.max(1, Math.ceil(retryMs / 1000));
      throw new ToolError(
        `Tenant "${tenantId}" is over its limit of ${this.opts.ratePerMinute} tool calls a minute, to protect its CRM. Retry in ${seconds} second${seconds === 1 ? '' : 's'}.`,
        'rate_limited',
        { retryAfterSeconds: seconds },
      );
    }
    gate.starts.push(now);
  }

  /** The rate across replicas: a sliding estimate over two fixed windows of the shared counters. */
  private async admitSharedRate(tenantId: string, gate: TenantGate, now: number): Promise<void> {
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    let counts: { current: number; previous: number };
    try {
      counts = await this.opts.shared!.countCall(tenantId, windowStart, WINDOW_MS);
    } catch {
      return; // the store unreachable: the per-process limit above still holds
    }
    const elapsed = (now - windowStart) / WINDOW_MS;
    const estimate = counts.current + counts.previous * (1 - elapsed);
    if (estimate > this.opts.ratePerMinute) {
      gate.starts.pop();
      const seconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
      throw new ToolError(
        `Tenant "${tenantId}" is over its limit of ${this.opts.ratePerMinute} tool calls a minute (counted across every server replica), to protect its CRM. Retry in ${seconds} second${seconds === 1 ? '' : 's'}.`,
        'rate_limited',
        { retryAfterSeconds: seconds },
      );
    }
  }

  private releaser(gate: TenantGate): Release {
    const started = this.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      gate.avgHoldMs = gate.avgHoldMs * 0.8 + Math.max(0, this.now() - started) * 0.2;
      // Hand the slot straight to the next waiter, so no newcomer can take it in between.
      const next = gate.queue.shift();
      if (next) next.grant();
      else gate.running--;
    };
  }

  private busyError(tenantId: string, gate: TenantGate): ToolError {
    // Time for the calls ahead of this one to drain, at the recent pace.
    const ahead = gate.running + gate.queue.length;
    const seconds = Math.max(1, Math.ceil((gate.avgHoldMs * ahead) / gate.concurrency / 1000));
    return new ToolError(
      `Tenant "${tenantId}" is busy: ${gate.running} tool calls are running and ${gate.queue.length} waiting (at most ${gate.concurrency} run at once, to protect its CRM). Retry in ${seconds} second${seconds === 1 ? '' : 's'}.`,
      'tenant_busy',
      { retryAfterSeconds: seconds },
    );
  }
}
