/**
 * The HTTP side of the EspoCRM client: one keep-alive undici pool per tenant (loaded lazily),
 * timeouts, the gate (circuit breaker) around each attempt, and retries with backoff. It knows
 * nothing about credentials: the session hands it the auth headers of each attempt.
 */
// undici is loaded on the first request, not at start-up: it is a large module and the server's
// start-up time matters to every MCP client that spawns it.
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { EspoResponse, HttpMethod } from './types.js';
import type { EspoUrl } from './url.js';
import { isDeadline, sleep, type Attempt, type RetryPolicy } from './attempt.js';
import { flattenHeaders, parseBody, readText } from './responseBody.js';
import { EspoCancelledError, EspoError, EspoNetworkError, type RequestContext } from './errors.js';
import { errorFromResponse } from './responseErrors.js';
import { deadlineError, errorFromTransport } from './transportErrors.js';

/** An attempt's outcome: its value, or what it threw. */
export type Settled<T> = { value: T } | { error: unknown };

/** What one attempt says about the CRM: it answered, it failed (no answer, timeout, 5xx), or nothing (cancelled). */
export type AttemptHealth = { kind: 'answered' } | { kind: 'failed'; what: string } | { kind: 'unknown' };

/** Runs each attempt, or refuses it at once (with an `EspoError`) while the CRM is known to be failing. */
export interface RequestGate {
  run<T>(attempt: () => Promise<T>, health: (outcome: Settled<T>) => AttemptHealth): Promise<T>;
}

export interface TransportSettings {
  url: EspoUrl;
  logger: Logger | undefined;
  timeouts: { connectMs: number; headersMs: number; bodyMs: number; requestMs: number };
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Keep-alive connections of the own pool. */
  connections: number;
  maxResponseBytes: number;
  gate: RequestGate | undefined;
  /** Use this dispatcher instead of an own pool (it is not closed by `close()`). */
  dispatcher: Dispatcher | undefined;
}

/** Sends attempts to one tenant's EspoCRM and turns non-2xx answers and failures into `EspoError`s. */
export class EspoTransport {
  readonly timeouts: TransportSettings['timeouts'];
  private readonly s: TransportSettings;
  private dispatcher: Dispatcher | undefined;
  private dispatcherLoading: Promise<Dispatcher> | undefined;
  private readonly ownsDispatcher: boolean;

  constructor(settings: TransportSettings) {
    this.s = settings;
    this.timeouts = settings.timeouts;
    this.dispatcher = settings.dispatcher;
    this.ownsDispatcher = settings.dispatcher === undefined;
  }

  /** The connection pool (one per tenant, keep-alive), created on first use. */
  private pool(): Promise<Dispatcher> {
    if (this.dispatcher) return Promise.resolve(this.dispatcher);
    this.dispatcherLoading ??= import('undici').then(({ Pool }) => {
      this.dispatcher = new Pool(this.s.url.origin, {
        connections: this.s.connections,
        connectTimeout: this.timeouts.connectMs,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyMs,
      });
      return this.dispatcher;
    });
    return this.dispatcherLoading;
  }

  /** Closes the own pool: waits for requests in flight, or aborts them with `force`. A dispatcher
   *  passed in the settings is left open. */
  async close(force: boolean): Promise<void> {
    if (!this.ownsDispatcher) return;
    const pool = this.dispatcher ?? (this.dispatcherLoading ? await this.dispatcherLoading : undefined);
    if (!pool) return;
    if (force) await pool.destroy();
    else await pool.close();
  }

  /** Sends an attempt, retried as `policy` allows; resolves for 2xx, throws an `EspoError` otherwise. */
  async send(
    a: Attempt,
    authHeaders: Record<string, string>,
    ctx: RequestContext,
    policy: RetryPolicy,
  ): Promise<EspoResponse> {
    const { logger, retry } = this.s;
    for (let attempt = 1; ; attempt++) {
      let failure: EspoError;
      try {
        const res = await this.gatedSend(a, authHeaders, ctx, attempt);
        if (res.status >= 200 && res.status < 300) return res;
        failure = errorFromResponse({ status: res.status, headers: res.headers, body: res.body }, ctx);
      } catch (err) {
        if (err instanceof EspoError) throw err;
        if (a.signal.aborted) throw this.abortError(a.signal, ctx, a.deadlineMs);
        failure = errorFromTransport(err, ctx, this.effectiveTimeouts(a));
        logger?.debug({ method: a.method, path: a.path, attempt, error: failure.code, errorCode: failure instanceof EspoNetworkError ? failure.errorCode : undefined }, 'espocrm request failed');
      }
      if (attempt >= retry.attempts || !isRetryable(failure, a.method, policy)) throw failure;
      const delay = backoff(attempt, retry.baseDelayMs, retry.maxDelayMs);
      logger?.debug({ method: a.method, path: a.path, attempt, delayMs: Math.round(delay), error: failure.code }, 'retrying espocrm request');
      await sleep(delay, a.signal).catch(() => {
        throw this.abortError(a.signal, ctx, a.deadlineMs);
      });
    }
  }

  /** The error for an aborted attempt: its deadline passed, or the caller cancelled. */
  abortError(signal: AbortSignal, ctx: RequestContext, deadlineMs: number): EspoError {
    return isDeadline(signal) ? deadlineError(ctx, deadlineMs) : new EspoCancelledError(ctx);
  }

  /** An attempt of the client's own (login, logout): no query, no caller headers, the default deadline. */
  bareAttempt(method: HttpMethod, path: string, body: unknown, signal: AbortSignal | undefined): Attempt {
    return {
      method, path, wirePath: `${this.s.url.apiBasePath}${path}`,
      body: body === undefined ? undefined : JSON.stringify(body),
      extraHeaders: {}, signal: signal ?? new AbortController().signal, deadlineMs: this.timeouts.requestMs, requestTimeoutMs: undefined, responseText: false,
    };
  }

  /** One attempt through the gate (circuit breaker), which judges it by its status or transport error. */
  private gatedSend(a: Attempt, authHeaders: Record<string, string>, ctx: RequestContext, attempt: number): Promise<EspoResponse> {
    const send = () => this.sendOnce(a, authHeaders, ctx, attempt);
    if (!this.s.gate) return send();
    return this.s.gate.run(send, (outcome) => {
      if ('value' in outcome) return outcome.value.status >= 500 ? { kind: 'failed', what: `HTTP ${outcome.value.status}` } : { kind: 'answered' };
      if (outcome.error instanceof EspoError) return { kind: 'answered' }; // e.g. an answer too large: the CRM did answer
      if (a.signal.aborted) {
        return isDeadline(a.signal) ? { kind: 'failed', what: `no answer within ${a.deadlineMs} ms` } : { kind: 'unknown' };
      }
      const failure = errorFromTransport(outcome.error, ctx, this.effectiveTimeouts(a));
      return { kind: 'failed', what: failure.code === 'timeout' ? `timed out (${failure.phase})` : failure.code.replace(/_/g, ' ') };
    });
  }

  private async sendOnce(a: Attempt, authHeaders: Record<string, string>, ctx: RequestContext, attempt: number): Promise<EspoResponse> {
    const headers: Record<string, string> = { Accept: 'application/json', ...a.extraHeaders, ...authHeaders };
    if (a.body !== undefined && !Object.keys(a.extraHeaders).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
    const t = this.effectiveTimeouts(a);
    const started = performance.now();
    const dispatcher = await this.pool();
    const res = await dispatcher.request({
      origin: this.s.url.origin,
      path: a.wirePath,
      method: a.method,
      headers,
      body: a.body,
      signal: a.signal,
      headersTimeout: t.headersMs,
      bodyTimeout: t.bodyMs,
    });
    const text = await readText(res.body, this.s.maxResponseBytes, ctx);
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    // Method, path (no query), status, timing and the kind of credential; never headers or bodies.
    this.s.logger?.debug({ method: a.method, path: a.path, status: res.statusCode, durationMs, attempt, auth: ctx.authKind }, 'espocrm request');
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return { status: res.statusCode, headers: flattenHeaders(res.headers), body: a.responseText && ok ? text : parseBody(text), durationMs };
  }

  private effectiveTimeouts(a: Attempt): { connectMs: number; headersMs: number; bodyMs: number } {
    // A long request deadline (rebuild) must not be cut short by the default headers timeout.
    const headersMs = a.requestTimeoutMs === undefined ? this.timeouts.headersMs : Math.max(this.timeouts.headersMs, a.requestTimeoutMs);
    return { connectMs: this.timeouts.connectMs, headersMs, bodyMs: this.timeouts.bodyMs };
  }
}

function isRetryable(err: EspoError, method: HttpMethod, policy: RetryPolicy): boolean {
  if (!err.retryable) return false;
  // Nothing was sent yet: safe for any method, even a password login.
  if (err instanceof EspoNetworkError && (err.phase === 'connect' || err.phase === 'dns')) return true;
  return policy === 'idempotent' && method === 'GET';
}

function backoff(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
