/**
 * The REST client of one tenant's EspoCRM, composed of its transport (`transport.ts`: pool,
 * timeouts, gate, retries) and its session (`session.ts`: credentials, admin token). This file
 * holds the public class, its options, and the checks on a caller's request (path, headers).
 */
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { EspoRequest, EspoResponse } from './types.js';
import { normalizeEspoUrl, type EspoUrl } from './url.js';
import { encodeQuery } from './query.js';
import { AbortReason, deadlineTimer, type Attempt } from './attempt.js';
import { EspoTransport, type RequestGate } from './transport.js';
import { EspoSession } from './session.js';
import { EspoCancelledError, EspoError, type RequestContext } from './errors.js';

export type { AttemptHealth, RequestGate, Settled } from './transport.js';
export { parseBody } from './responseBody.js';

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

/**
 * The REST client of one tenant's EspoCRM: one keep-alive pool, lazy secrets, the admin token
 * (single-flight login, one re-login on 401, refused passwords never retried within the cool-down),
 * timeouts, retries of GETs, and typed errors.
 */
export class EspoClient {
  readonly tenantId: string;
  readonly url: EspoUrl;

  private readonly transport: EspoTransport;
  private readonly session: EspoSession;
  private closed = false;

  constructor(opts: EspoClientOptions) {
    this.tenantId = opts.tenantId;
    this.url = normalizeEspoUrl(opts.url);
    const logger = opts.logger?.child({ tenant: opts.tenantId, component: 'espo' });
    this.transport = new EspoTransport({
      url: this.url,
      logger,
      timeouts: {
        connectMs: opts.timeouts?.connectMs ?? DEFAULTS.connectMs,
        headersMs: opts.timeouts?.headersMs ?? DEFAULTS.headersMs,
        bodyMs: opts.timeouts?.bodyMs ?? DEFAULTS.bodyMs,
        requestMs: opts.timeouts?.requestMs ?? DEFAULTS.requestMs,
      },
      retry: {
        attempts: Math.max(1, opts.retries?.attempts ?? DEFAULTS.attempts),
        baseDelayMs: opts.retries?.baseDelayMs ?? DEFAULTS.baseDelayMs,
        maxDelayMs: opts.retries?.maxDelayMs ?? DEFAULTS.maxDelayMs,
      },
      connections: opts.connections ?? DEFAULTS.connections,
      maxResponseBytes: opts.maxResponseBytes ?? DEFAULTS.maxResponseBytes,
      gate: opts.gate,
      dispatcher: opts.dispatcher,
    });
    this.session = new EspoSession({
      tenantId: opts.tenantId,
      url: this.url,
      logger,
      apiKey: opts.apiKey,
      hmacSecret: opts.hmacSecret,
      admin: opts.admin,
      authCooldownMs: opts.authCooldownMs ?? DEFAULTS.authCooldownMs,
    }, this.transport);
  }

  /** Which credentials are configured (not whether they work). */
  get credentials(): { apiKey: boolean; hmac: boolean; admin: boolean; adminUsername: string | undefined } {
    return this.session.credentials;
  }

  /** Sends one request; resolves for 2xx, throws an `EspoError` subclass otherwise. */
  async request<T = unknown>(req: EspoRequest): Promise<EspoResponse<T>> {
    if (this.closed) {
      throw new EspoError({ code: 'closed', userMessage: `The EspoCRM client of tenant "${this.tenantId}" is closed.` });
    }
    const path = cleanPath(req.path, this.tenantId);
    const query = req.query ? encodeQuery(req.query) : '';
    const deadlineMs = req.timeoutMs ?? this.transport.timeouts.requestMs;
    const ctxBase: RequestContext = { tenantId: this.tenantId, method: req.method, path, authKind: 'none', origin: this.url.origin };

    const controller = new AbortController();
    if (req.signal?.aborted) throw new EspoCancelledError(ctxBase, req.signal.reason);
    const onCallerAbort = () => controller.abort(new AbortReason('cancelled'));
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = deadlineTimer(controller, deadlineMs);

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
      return (await this.session.dispatch(req.auth, attempt)) as EspoResponse<T>;
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Destroys the admin session token on the server (if one is held) and forgets it. True when
   *  EspoCRM confirmed it. The next admin request logs in again. */
  async logout(): Promise<boolean> {
    if (this.closed) return false;
    return this.session.logout();
  }

  /** Forgets the secrets read so far (and refusal cool-downs): the next request reads them again, e.g. after a rotation. */
  forgetSecrets(): void {
    this.session.forgetSecrets();
  }

  /** Closes the pool: waits for requests in flight, or aborts them with `force`. The client cannot
   *  be used afterwards. A dispatcher passed in the options is left open. */
  async close(opts: { force?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.transport.close(opts.force === true);
  }
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
