/**
 * Per-tenant circuit breaker (cockatiel). After `threshold` consecutive failed attempts to reach a
 * tenant's CRM (no answer, timeout, connection closed, 5xx) the breaker opens: that tenant's requests
 * fail at once with a clear error for `halfOpenAfterMs`, instead of each waiting for its own timeout.
 * Then one request goes through as a probe: an answer closes the breaker, a failure opens it again.
 * Every tenant has its own breaker (and its own connection pool), so a dead CRM never holds up another.
 */
import type { CircuitBreakerPolicy } from 'cockatiel';

/** cockatiel, loaded by the first call to a CRM (not at start-up: a server with idle tenants never needs it). */
type Cockatiel = typeof import('cockatiel');
let cockatiel: Promise<Cockatiel> | undefined;
const loadCockatiel = (): Promise<Cockatiel> => (cockatiel ??= import('cockatiel'));
import type { Logger } from 'pino';
import { EspoError } from '../espo/errors.js';
import type { AttemptHealth, RequestGate, Settled } from '../espo/client.js';

export interface BreakerOptions {
  /** Consecutive failed attempts that open the breaker. Default 5. */
  threshold?: number;
  /** How long the breaker stays open before a probe request is let through. Default 30 s. */
  halfOpenAfterMs?: number;
}

export const DEFAULT_BREAKER = { threshold: 5, halfOpenAfterMs: 30_000 } as const;

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** The tenant's breaker is open: nothing was sent to its CRM. Never retried by the client. */
export class TenantUnavailableError extends EspoError {
  readonly failures: number;
  readonly retryInSeconds: number;
  constructor(tenantId: string, failures: number, lastFailure: string | undefined, retryInSeconds: number) {
    super({
      code: 'circuit_open',
      retryable: false,
      context: { tenantId, method: '-', path: '-', authKind: 'none' },
      userMessage:
        `Tenant "${tenantId}"'s CRM is failing: ${failures} consecutive errors${lastFailure ? ` (last: ${lastFailure})` : ''}; ` +
        `retrying in ${retryInSeconds} s. Until then calls to it fail at once and nothing is sent to it; other tenants are not affected. ` +
        'If it persists, check that the CRM is up (its web server, database and network) and run check_tenant.',
    });
    this.name = 'TenantUnavailableError';
    this.failures = failures;
    this.retryInSeconds = retryInSeconds;
  }
}

/** Carries an attempt's outcome through cockatiel as a handled failure. */
class FailedAttempt {
  constructor(readonly settled: Settled<unknown>) {}
}

/** An outcome that says nothing about the CRM's health (e.g. the caller cancelled). */
class NeutralAttempt {
  constructor(readonly settled: Settled<unknown>) {}
}

export class TenantBreaker implements RequestGate {
  readonly threshold: number;
  readonly halfOpenAfterMs: number;
  private policy?: { lib: Cockatiel; breaker: CircuitBreakerPolicy };
  private consecutive = 0;
  private failuresWhenOpened = 0;
  private lastFailure: string | undefined;
  private openedAt = 0;
  private opens = 0;

  constructor(
    readonly tenantId: string,
    opts: BreakerOptions = {},
    private readonly logger?: Logger,
  ) {
    this.threshold = Math.max(1, opts.threshold ?? DEFAULT_BREAKER.threshold);
    this.halfOpenAfterMs = Math.max(0, opts.halfOpenAfterMs ?? DEFAULT_BREAKER.halfOpenAfterMs);
  }

  /** The cockatiel policy, built on the first attempt. */
  private async ensurePolicy(): Promise<{ lib: Cockatiel; breaker: CircuitBreakerPolicy }> {
    if (this.policy) return this.policy;
    const lib = await loadCockatiel();
    if (this.policy) return this.policy;
    const breaker = lib.circuitBreaker(lib.handleType(FailedAttempt), {
      halfOpenAfter: this.halfOpenAfterMs,
      breaker: new lib.ConsecutiveBreaker(this.threshold),
    });
    breaker.onBreak(() => {
      this.openedAt = Date.now();
      this.failuresWhenOpened = this.consecutive;
      this.opens++;
      this.logger?.warn({ failures: this.consecutive, lastFailure: this.lastFailure, retryInMs: this.halfOpenAfterMs }, 'circuit breaker opened: calls to this CRM fail fast');
    });
    breaker.onHalfOpen(() => this.logger?.info('circuit breaker half-open: probing the CRM'));
    breaker.onReset(() => this.logger?.info('circuit breaker closed: the CRM answers again'));
    this.policy = { lib, breaker };
    return this.policy;
  }

  get state(): BreakerState {
    if (!this.policy) return 'closed';
    switch (this.policy.breaker.state) {
      case this.policy.lib.CircuitState.Closed:
        return 'closed';
      case this.policy.lib.CircuitState.HalfOpen:
        return 'halfOpen';
      default:
        return 'open';
    }
  }

  /** For logs and tests: the state, failures in a row, times opened, and when the next probe may go. */
  stats(): { state: BreakerState; consecutiveFailures: number; opens: number; retryInMs: number } {
    const retryInMs = this.state === 'open' ? Math.max(0, this.openedAt + this.halfOpenAfterMs - Date.now()) : 0;
    return { state: this.state, consecutiveFailures: this.consecutive, opens: this.opens, retryInMs };
  }

  /** Runs one attempt unless the breaker is open; `health` says whether its outcome is a CRM failure. */
  async run<T>(attempt: () => Promise<T>, health: (outcome: Settled<T>) => AttemptHealth): Promise<T> {
    // Once loaded, no await before the attempt starts (callers rely on it starting at once).
    const policy = this.policy ?? (await this.ensurePolicy());
    let settled: Settled<T>;
    try {
      settled = (await policy.breaker.execute(async () => {
        const outcome = await settle(attempt);
        const h = health(outcome);
        if (h.kind === 'failed') {
          this.consecutive++;
          this.lastFailure = h.what;
          throw new FailedAttempt(outcome);
        }
        if (h.kind === 'unknown') throw new NeutralAttempt(outcome);
        this.consecutive = 0;
        return outcome;
      })) as Settled<T>;
    } catch (err) {
      if (err instanceof policy.lib.BrokenCircuitError) throw this.openError();
      if (err instanceof FailedAttempt || err instanceof NeutralAttempt) settled = err.settled as Settled<T>;
      else throw err;
    }
    if ('error' in settled) throw settled.error;
    return settled.value;
  }

  private openError(): TenantUnavailableError {
    const retryInSeconds = Math.max(1, Math.ceil(this.stats().retryInMs / 1000));
    return new TenantUnavailableError(this.tenantId, Math.max(this.failuresWhenOpened, this.consecutive), this.lastFailure, retryInSeconds);
  }
}

async function settle<T>(fn: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error };
  }
}
