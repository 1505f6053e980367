// undici is loaded on the first request, not at start-up: it is a large module and the server's
// start-up time matters to every MCP client that spawns it.
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { EspoAuthMode, EspoRequest, EspoResponse, HttpMethod } from './types.js';
import { normalizeEspoUrl, type EspoUrl } from './url.js';
import { hmacAuthorization } from './hmac.js';
import { encodeQuery } from './query.js';
import {
  EspoAuthError,
  EspoCancelledError,
  EspoError,
  EspoForbiddenError,
  EspoNetworkError,
  EspoNotConfiguredError,
  deadlineError,
  errorFromResponse,
  errorFromTransport,
  type AuthKind,
  type RequestContext,
} from './errors.js';

export interface EspoClientOptions {
  tenantId: string;
  /** As configured: with or without `/api/v1`, possibly in a subdirectory. */
  url: string;
  /** Secrets are getters, resolved on first use and cached (a missing secret breaks only its tenant). */
  apiKey?: () => Promise<string>;
  /** With `apiKey`: sign API requests with HMAC instead of sending the key. */
  hmacSecret?: () => Promise<string>;
  admin?: { username: string; password: () => Promise<string> };
  timeouts?: {
    /** TCP + TLS connect. Default 10 s. */
    connectMs?: number;
    /** Until the response headers arrive. Default 30 s (raised per request by a longer `timeoutMs`). */
    headersMs?: number;
    /** Between two chunks of the body. Default 30 s. */
    bodyMs?: number;
    /** Default overall deadline of one `request()` call, retries included. Default 60 s. */
    requestMs?: number;
  };
  retries?: {
    /** Attempts in all, the first included. Default 3. */
    attempts?: number;
    baseDelayMs?: number;
    maxDelayMs?: number;
  };
  /** Keep-alive connections of the pool (the tenant's concurrency towards its CRM). Default 4. */
  connections?: number;
  /** How long a refused credential (password, API key) blocks further attempts. Default 60 s. */
  authCooldownMs?: number;
  /** Largest response body accepted. Default 64 MiB (full metadata is about 0.5 MB). */
  maxResponseBytes?: number;
  logger?: Logger;
  /** Use this dispatcher instead of an own pool (it is not closed by `close()`). */
  dispatcher?: Dispatcher;
  /** Admits each attempt to EspoCRM: the tenant's circuit breaker (`src/tenants/breaker.ts`). */
  gate?: RequestGate;
}

/** An attempt's outcome: its value, or what it threw. */
export type Settled<T> = { value: T } | { error: unknown };

/** What one attempt says about the CRM: it answered, it failed (no answer, timeout, 5xx), or nothing (cancelled). */
export type AttemptHealth = { kind: 'answered' } | { kind: 'failed'; what: string } | { kind: 'unknown' };

/** Runs each attempt, or refuses it at once (with an `EspoError`) while the CRM is known to be failing. */
export interface RequestGate {
  run<T>(attempt: () => Promise<T>, health: (outcome: Settled<T>) => AttemptHealth): Promise<T>;
}

const DEFAULTS = {
  connectMs: 10_000,
  headersMs: 30_000,
  bodyMs: 30_000,
  requestMs: 60_000,
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  connections: 4,
  authCooldownMs: 60_000,
  maxResponseBytes: 64 * 1024 * 1024,
};

/** Headers callers may not set: credentials are the client's business. */
const RESERVED_HEADERS = new Set([
  'authorization', 'cookie', 'x-api-key', 'x-hmac-authorization', 'espo-authorization',
  'espo-authorization-by-token', 'espo-authorization-create-token-secret', 'espo-authorization-code',
  'host', 'content-length',
]);

const ADMIN_TYPES = new Set(['admin', 'super-admin']);

/** Why a request's signal fired: the caller cancelled, or the request's deadline passed. */
class AbortReason extends Error {
  constructor(readonly kind: 'cancelled' | 'deadline') {
    super(kind);
    this.name = 'AbortError';
  }
}

interface Attempt {
  method: HttpMethod;
  /** Path after the API base, without leading slash or query. */
  path: string;
  /** Full path on the origin, with the query. */
  wirePath: string;
  body: string | undefined;
  extraHeaders: Record<string, string>;
  signal: AbortSignal;
  deadlineMs: number;
  /** The caller's own `timeoutMs`, which may exceed the default headers timeout (rebuild). */
  requestTimeoutMs: number | undefined;
  /** A 2xx answer's body is returned as text, unparsed. */
  responseText: boolean;
}

type RetryPolicy = 'idempotent' | 'beforeSendOnly';

/**
 * The REST client of one tenant's EspoCRM: one keep-alive pool, lazy secrets, the admin token
 * (single-flight login, one re-login on 401, refused passwords never retried within the cool-down),
 * timeouts, retries of GETs, and typed errors.
 */
export class EspoClient {
  readonly tenantId: string;
  readonly url: EspoUrl;

  private dispatcher: Dispatcher | undefined;
  private dispatcherLoading: Promise<Dispatcher> | undefined;
  private readonly ownsDispatcher: boolean;
  private readonly connections: number;
  private readonly logger: Logger | undefined;
  private readonly timeouts: { connectMs: number; headersMs: number; bodyMs: number; requestMs: number };
  private readonly retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  private readonly authCooldownMs: number;
  private readonly maxResponseBytes: number;
  private readonly gate: RequestGate | undefined;

  private readonly apiKey: LazySecret | undefined;
  private readonly hmacSecret: LazySecret | undefined;
  private readonly admin: { username: string; password: LazySecret } | undefined;

  private adminToken: string | undefined;
  private adminLogin: Promise<string> | undefined;
  /** Refused credentials: no new attempt before `until` (EspoCRM locks an IP out after 10 failures a minute). */
  private readonly refused = new Map<'password' | 'api', { error: EspoError; until: number }>();
  private closed = false;

  constructor(opts: EspoClientOptions) {
    this.tenantId = opts.tenantId;
    this.url = normalizeEspoUrl(opts.url);
    this.logger = opts.logger?.child({ tenant: opts.tenantId, component: 'espo' });
    this.timeouts = {
      connectMs: opts.timeouts?.connectMs ?? DEFAULTS.connectMs,
      headersMs: opts.timeouts?.headersMs ?? DEFAULTS.headersMs,
      bodyMs: opts.timeouts?.bodyMs ?? DEFAULTS.bodyMs,
      requestMs: opts.timeouts?.requestMs ?? DEFAULTS.requestMs,
    };
    this.retry = {
      attempts: Math.max(1, opts.retries?.attempts ?? DEFAULTS.attempts),
      baseDelayMs: opts.retries?.baseDelayMs ?? DEFAULTS.baseDelayMs,
      maxDelayMs: opts.retries?.maxDelayMs ?? DEFAULTS.maxDelayMs,
    };
    this.authCooldownMs = opts.authCooldownMs ?? DEFAULTS.authCooldownMs;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
    this.gate = opts.gate;

    if (opts.admin && opts.admin.username.includes(':')) {
      throw new EspoNotConfiguredError({
        userMessage: `The admin user name of tenant "${opts.tenantId}" contains ":", which EspoCRM's login header cannot carry. Use the user name as shown in EspoCRM.`,
      });
    }
    this.apiKey = opts.apiKey ? new LazySecret(opts.apiKey, opts.tenantId, 'apiKey') : undefined;
    this.hmacSecret = opts.hmacSecret ? new LazySecret(opts.hmacSecret, opts.tenantId, 'hmacSecret') : undefined;
    this.admin = opts.admin
      ? { username: opts.admin.username.trim(), password: new LazySecret(opts.admin.password, opts.tenantId, 'admin.password') }
      : undefined;

    this.connections = opts.connections ?? DEFAULTS.connections;
    this.dispatcher = opts.dispatcher;
    this.ownsDispatcher = opts.dispatcher === undefined;
  }

  /** The connection pool (one per tenant, keep-alive), created on first use. */
  private pool(): Promise<Dispatcher> {
    if (this.dispatcher) return Promise.resolve(this.dispatcher);
    this.dispatcherLoading ??= import('undici').then(({ Pool }) => {
      this.dispatcher = new Pool(this.url.origin, {
        connections: this.connections,
        connectTimeout: this.timeouts.connectMs,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyMs,
      });
      return this.dispatcher;
    });
    return this.dispatcherLoading;
  }

  /** Which credentials are configured (not whether they work). */
  get credentials(): { apiKey: boolean; hmac: boolean; admin: boolean; adminUsername: string | undefined } {
    return { apiKey: this.apiKey !== undefined, hmac: this.apiKey !== undefined && this.hmacSecret !== undefined, admin: this.admin !== undefined, adminUsername: this.admin?.username };
  }

  /** Sends one request; resolves for 2xx, throws an `EspoError` subclass otherwise. */
  async request<T = unknown>(req: EspoRequest): Promise<EspoResponse<T>> {
    if (this.closed) {
      throw new EspoError({ code: 'closed', userMessage: `The EspoCRM client of tenant "${this.tenantId}" is closed.` });
    }
    const path = cleanPath(req.path, this.tenantId);
    const query = req.query ? encodeQuery(req.query) : '';
    const deadlineMs = req.timeoutMs ?? this.timeouts.requestMs;
    const ctxBase: RequestContext = { tenantId: this.tenantId, method: req.method, path, authKind: 'none', origin: this.url.origin };

    const controller = new AbortController();
    if (req.signal?.aborted) throw new EspoCancelledError(ctxBase, req.signal.reason);
    const onCallerAbort = () => controller.abort(new AbortReason('cancelled'));
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new AbortReason('deadline')), deadlineMs);
    timer.unref?.();

    const attempt: Attempt = {
      method: req.method,
      path,
      wirePath: `${this.url.apiBasePath}${path}${query ? `?${query}` : ''}`,
      body: req.rawBody ?? (req.body === undefined ? undefined : JSON.stringify(req.body)),
      extraHeaders: callerHeaders(req.headers),
      signal: controller.signal,
      deadlineMs,
      requestTimeoutMs: req.timeoutMs,
      responseText: req.responseText === true,
    };
    try {
      return (await this.dispatchByAuth(req.auth, attempt)) as EspoResponse<T>;
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Destroys the admin session token on the server (if one is held) and forgets it. True when
   *  EspoCRM confirmed it. The next admin request logs in again. */
  async logout(): Promise<boolean> {
    const token = this.adminToken;
    if (!token || this.closed) return false;
    this.adminToken = undefined;
    return this.destroyQuietly(token);
  }

  /** Closes the pool: waits for requests in flight, or aborts them with `force`. The client cannot
   *  be used afterwards. A dispatcher passed in the options is left open. */
  async close(opts: { force?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsDispatcher) return;
    const pool = this.dispatcher ?? (this.dispatcherLoading ? await this.dispatcherLoading : undefined);
    if (!pool) return;
    if (opts.force) await pool.destroy();
    else await pool.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Authentication

  private async dispatchByAuth(mode: EspoAuthMode, a: Attempt): Promise<EspoResponse> {
    if (mode === 'none') return this.sendWithRetries(a, {}, this.ctx(a.method, a.path, 'none'), 'idempotent');
    if (mode === 'api' && this.apiKey) return this.apiRequest(a);
    if (this.admin) return this.adminRequest(a);
    throw new EspoNotConfiguredError({
      userMessage:
        mode === 'admin'
          ? `Tenant "${this.tenantId}" has no admin login configured, and ${a.method} ${a.path} needs one (EspoCRM never lets API users be admins). Add admin.username and admin.password to the tenant.`
          : `Tenant "${this.tenantId}" has no credentials configured. Add an apiKey and/or an admin login to the tenant.`,
    });
  }

  private async apiRequest(a: Attempt): Promise<EspoResponse> {
    const kind: AuthKind = this.hmacSecret ? 'hmac' : 'apiKey';
    const ctx = this.ctx(a.method, a.path, kind);
    this.throwIfRefused('api');
    const key = await this.secret(this.apiKey!, a, ctx);
    const headers: Record<string, string> = this.hmacSecret
      ? { 'X-Hmac-Authorization': hmacAuthorization(key, await this.secret(this.hmacSecret, a, ctx), a.method, `/${a.path}`) }
      : { 'X-Api-Key': key };
    try {
      return await this.sendWithRetries(a, headers, ctx, 'idempotent');
    } catch (err) {
      if (err instanceof EspoAuthError) {
        // A refused key counts towards EspoCRM's lockout: pause it, and re-read it next time (it may be fixed).
        this.refuse('api', err);
        this.apiKey!.forget();
        this.hmacSecret?.forget();
      }
      throw err;
    }
  }

  private async adminRequest(a: Attempt): Promise<EspoResponse> {
    const token = await this.getAdminToken(a.signal, a);
    try {
      return await this.sendWithRetries(a, this.tokenHeaders(token), this.ctx(a.method, a.path, 'token'), 'idempotent');
    } catch (err) {
      if (!(err instanceof EspoAuthError) || err.status !== 401) throw err;
      // The token expired or was destroyed: one password re-login (shared by concurrent callers), one retry.
      this.logger?.debug({ method: a.method, path: a.path }, 'admin token refused; logging in again');
      if (this.adminToken === token) this.adminToken = undefined;
      const fresh = await this.getAdminToken(a.signal, a);
      try {
        return await this.sendWithRetries(a, this.tokenHeaders(fresh), this.ctx(a.method, a.path, 'token'), 'idempotent');
      } catch (err2) {
        if (err2 instanceof EspoAuthError && this.adminToken === fresh) this.adminToken = undefined;
        throw err2;
      }
    }
  }

  /** A secret lookup (keychain, file) bounded by the request's signal. */
  private secret(secret: LazySecret, a: Attempt, ctx: RequestContext): Promise<string> {
    return raceAbort(secret.value(), a.signal, () => this.abortError(a.signal, ctx, a.deadlineMs));
  }

  private tokenHeaders(token: string): Record<string, string> {
    return {
      'Espo-Authorization': base64(`${this.admin!.username}:${token}`),
      // Token-only: an unknown token is a plain 401 that does not count towards the login lockout.
      'Espo-Authorization-By-Token': 'true',
    };
  }

  /** The admin token: cached, else one shared password login (never while a refusal cools down). */
  private async getAdminToken(signal: AbortSignal, a: Attempt): Promise<string> {
    if (this.adminToken) return this.adminToken;
    this.throwIfRefused('password');
    if (!this.adminLogin) {
      const login = this.passwordLogin(a.deadlineMs);
      this.adminLogin = login;
      login.then(
        () => { if (this.adminLogin === login) this.adminLogin = undefined; },
        () => { if (this.adminLogin === login) this.adminLogin = undefined; },
      );
    }
    return raceAbort(this.adminLogin, signal, () => this.abortError(signal, this.ctx(a.method, a.path, 'password'), a.deadlineMs));
  }

  /**
   * `GET App/user` with `Espo-Authorization: base64(user:password)`. Never with
   * `Espo-Authorization-Create-Token-Secret` (that binds the token to a cookie). Not bound to one
   * caller's signal: concurrent callers share it.
   */
  private async passwordLogin(deadlineMs: number): Promise<string> {
    const admin = this.admin!;
    const ctx: RequestContext = { ...this.ctx('GET', 'App/user', 'password'), username: admin.username, passwordCooldownMs: this.authCooldownMs };
    const password = await admin.password.value();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AbortReason('deadline')), Math.max(deadlineMs, this.timeouts.headersMs));
    timer.unref?.();
    let res: EspoResponse;
    try {
      res = await this.sendWithRetries(
        { ...this.bareAttempt('GET', 'App/user', undefined, controller.signal), deadlineMs },
        { 'Espo-Authorization': base64(`${admin.username}:${password}`) },
        ctx,
        // A password is never retried once it may have reached EspoCRM (lockout: 10 failures/min/IP).
        'beforeSendOnly',
      );
    } catch (err) {
      if (err instanceof EspoAuthError || err instanceof EspoForbiddenError) {
        this.refuse('password', err);
        if (err instanceof EspoAuthError && err.code === 'auth_refused') admin.password.forget();
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }

    const body = isRecord(res.body) ? res.body : {};
    const user = isRecord(body.user) ? body.user : {};
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : undefined;
    const type = typeof user.type === 'string' ? user.type : undefined;
    if (type === undefined || !ADMIN_TYPES.has(type)) {
      const err = new EspoForbiddenError({
        code: 'not_admin',
        status: res.status,
        context: ctx,
        userMessage:
          `The user "${admin.username}" of tenant "${this.tenantId}" logged in, but is not an admin (type "${type ?? 'unknown'}"). ` +
          'Schema and layout work needs a user of type "admin"; configure an admin login for this tenant.',
      });
      this.refuse('password', err);
      if (token) void this.destroyQuietly(token);
      throw err;
    }
    if (!token) {
      throw new EspoError({
        code: 'no_token',
        status: res.status,
        context: ctx,
        userMessage: `EspoCRM of tenant "${this.tenantId}" accepted the admin login but returned no session token. Check that the URL reaches EspoCRM directly (no proxy rewriting the Espo-Authorization header).`,
      });
    }
    this.adminToken = token;
    this.logger?.debug({ username: admin.username }, 'admin login succeeded');
    return token;
  }

  private async destroyQuietly(token: string): Promise<boolean> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AbortReason('deadline')), this.timeouts.headersMs);
    timer.unref?.();
    try {
      const res = await this.sendWithRetries(
        this.bareAttempt('POST', 'App/destroyAuthToken', { token }, controller.signal),
        this.tokenHeaders(token),
        this.ctx('POST', 'App/destroyAuthToken', 'token'),
        'beforeSendOnly',
      );
      return res.body === true;
    } catch {
      return false; // best effort: an idle token expires on the server anyway
    } finally {
      clearTimeout(timer);
    }
  }

  private throwIfRefused(which: 'password' | 'api'): void {
    const r = this.refused.get(which);
    if (!r) return;
    if (Date.now() < r.until) throw r.error;
    this.refused.delete(which);
  }

  private refuse(which: 'password' | 'api', error: EspoError): void {
    this.refused.set(which, { error, until: Date.now() + this.authCooldownMs });
  }

  // ---------------------------------------------------------------------------------------------
  // Transport

  private async sendWithRetries(
    a: Attempt,
    authHeaders: Record<string, string>,
    ctx: RequestContext,
    policy: RetryPolicy,
  ): Promise<EspoResponse> {
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
        this.logger?.debug({ method: a.method, path: a.path, attempt, error: failure.code, errorCode: failure instanceof EspoNetworkError ? failure.errorCode : undefined }, 'espocrm request failed');
      }
      if (attempt >= this.retry.attempts || !isRetryable(failure, a.method, policy)) throw failure;
      const delay = backoff(attempt, this.retry.baseDelayMs, this.retry.maxDelayMs);
      this.logger?.debug({ method: a.method, path: a.path, attempt, delayMs: Math.round(delay), error: failure.code }, 'retrying espocrm request');
      await sleep(delay, a.signal).catch(() => {
        throw this.abortError(a.signal, ctx, a.deadlineMs);
      });
    }
  }

  /** One attempt through the gate (circuit breaker), which judges it by its status or transport error. */
  private gatedSend(a: Attempt, authHeaders: Record<string, string>, ctx: RequestContext, attempt: number): Promise<EspoResponse> {
    const send = () => this.sendOnce(a, authHeaders, ctx, attempt);
    if (!this.gate) return send();
    return this.gate.run(send, (outcome) => {
      if ('value' in outcome) return outcome.value.status >= 500 ? { kind: 'failed', what: `HTTP ${outcome.value.status}` } : { kind: 'answered' };
      if (outcome.error instanceof EspoError) return { kind: 'answered' }; // e.g. an answer too large: the CRM did answer
      if (a.signal.aborted) {
        const deadline = a.signal.reason instanceof AbortReason && a.signal.reason.kind === 'deadline';
        return deadline ? { kind: 'failed', what: `no answer within ${a.deadlineMs} ms` } : { kind: 'unknown' };
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
      origin: this.url.origin,
      path: a.wirePath,
      method: a.method,
      headers,
      body: a.body,
      signal: a.signal,
      headersTimeout: t.headersMs,
      bodyTimeout: t.bodyMs,
    });
    const text = await readText(res.body, this.maxResponseBytes, ctx);
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    // Method, path (no query), status, timing and the kind of credential; never headers or bodies.
    this.logger?.debug({ method: a.method, path: a.path, status: res.statusCode, durationMs, attempt, auth: ctx.authKind }, 'espocrm request');
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return { status: res.statusCode, headers: flattenHeaders(res.headers), body: a.responseText && ok ? text : parseBody(text), durationMs };
  }

  private effectiveTimeouts(a: Attempt): { connectMs: number; headersMs: number; bodyMs: number } {
    // A long request deadline (rebuild) must not be cut short by the default headers timeout.
    const headersMs = a.requestTimeoutMs === undefined ? this.timeouts.headersMs : Math.max(this.timeouts.headersMs, a.requestTimeoutMs);
    return { connectMs: this.timeouts.connectMs, headersMs, bodyMs: this.timeouts.bodyMs };
  }

  private abortError(signal: AbortSignal, ctx: RequestContext, deadlineMs: number): EspoError {
    return signal.reason instanceof AbortReason && signal.reason.kind === 'deadline' ? deadlineError(ctx, deadlineMs) : new EspoCancelledError(ctx);
  }

  private ctx(method: string, path: string, authKind: AuthKind): RequestContext {
    return { tenantId: this.tenantId, method, path, authKind, origin: this.url.origin, username: this.admin?.username, passwordCooldownMs: this.authCooldownMs };
  }

  private bareAttempt(method: HttpMethod, path: string, body: unknown, signal: AbortSignal | undefined): Attempt {
    return {
      method, path, wirePath: `${this.url.apiBasePath}${path}`,
      body: body === undefined ? undefined : JSON.stringify(body),
      extraHeaders: {}, signal: signal ?? new AbortController().signal, deadlineMs: this.timeouts.requestMs, requestTimeoutMs: undefined, responseText: false,
    };
  }
}

// -----------------------------------------------------------------------------------------------

/** A secret getter resolved once; forgotten after a refusal so that a fixed secret is picked up. */
class LazySecret {
  private pending: Promise<string> | undefined;
  constructor(
    private readonly get: () => Promise<string>,
    private readonly tenantId: string,
    private readonly field: string,
  ) {}

  value(): Promise<string> {
    if (!this.pending) {
      const p = this.get().then((v) => {
        if (typeof v !== 'string' || v === '') {
          throw new EspoNotConfiguredError({ userMessage: `The secret "${this.field}" of tenant "${this.tenantId}" is empty. Store it again.` });
        }
        return v;
      });
      // A failed lookup is not cached: the next call tries again.
      p.catch(() => { if (this.pending === p) this.pending = undefined; });
      this.pending = p;
    }
    return this.pending;
  }

  forget(): void {
    this.pending = undefined;
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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Awaits a shared promise, but lets one caller give up on its own signal. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => { signal.removeEventListener('abort', abort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', abort); reject(e); },
    );
  });
}

function cleanPath(path: string, tenantId: string): string {
  const p = path.replace(/^\/+/, '');
  const invalid = (why: string) =>
    new EspoError({ code: 'invalid_path', userMessage: `Invalid EspoCRM request path "${p.slice(0, 100)}" for tenant "${tenantId}": ${why}.` });
  if (/[?#]/.test(p)) throw invalid('put query parameters in `query`, not in the path');
  if (p.split('/').some((seg) => seg === '.' || seg === '..')) throw invalid('"." and ".." segments are not allowed');
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f]/.test(p)) throw invalid('encode path segments (no spaces or control characters)');
  return p;
}

function callerHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (!RESERVED_HEADERS.has(k.toLowerCase())) out[k] = v;
  }
  return out;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (v === undefined || name === 'set-cookie') continue; // cookies may carry session tokens
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

async function readText(body: AsyncIterable<Buffer | string> & { destroy?: (err?: Error) => void }, max: number, ctx: RequestContext): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > max) {
      body.destroy?.();
      throw new EspoError({
        code: 'response_too_large',
        context: ctx,
        userMessage: `EspoCRM of tenant "${ctx.tenantId}" answered ${ctx.method} ${ctx.path} with more than ${Math.round(max / 1024 / 1024)} MiB; refused.`,
      });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON when it parses; the raw text otherwise (EspoCRM writes PHP strings raw); null when empty. */
export function parseBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function base64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
