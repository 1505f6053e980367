/**
 * MCP over Streamable HTTP, for chat hosts. Stateless: every POST gets its own McpServer, built for the
 * principal its bearer token names (GET and DELETE, which only sessions use, answer 405). Both protocol
 * eras: 2026-07-28 natively, 2025-era clients through the SDK's stateless legacy leg. Progress
 * notifications stream in the POST's response.
 *
 * Each request passes, in order: Host check (DNS rebinding), Origin check (browsers), authentication
 * (401 + `WWW-Authenticate` pointing at the protected-resource metadata), the `X-Tenant` pin, the body's
 * shape (no JSON-RPC batch where the protocol version removed them, none over the size cap), the
 * caller's rate for what is not tied to a tenant (429 + `Retry-After`), then MCP.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createHttpMcpHandler, type HttpMcpHandler, type ServerOptions } from '../server.js';
import {
  DEFAULT_CALLER_RATE_PER_MINUTE,
  DEFAULT_CALLER_BYTES_PER_MINUTE,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_RATE_PER_MINUTE,
  httpAuthConfigured,
  type HttpConfig,
} from '../config/http.js';
import { ToolError } from '../errors.js';
import { Authenticator } from '../http/auth.js';
import { BATCHES_REMOVED_IN, batchesRemoved, batchProtocolVersion, CallerRate, tiedToTenant } from '../http/callerLimits.js';
import { allowedHostsFor, hostAllowed, isLoopbackAddress, originAllowed, ownOrigins } from '../http/guards.js';
import { MCP_PATH, METADATA_PATHS, protectedResourceMetadata, publicBase, wwwAuthenticate } from '../http/metadata.js';
import { sendJson, sendJsonRpcError } from '../http/respond.js';
import { pinTenant } from '../http/tenantHeader.js';
import { TenantLimits } from '../tenants/limits.js';
import { callerId, type Principal } from '../tenants/policy.js';
import { toolEntries } from '../tools/entries.js';
import type { DashboardHandler } from '../dashboard/handler.js';
import { DASHBOARD_PATH, isDashboardPath } from '../dashboard/path.js';
import type { ServerConfig } from '../config/types.js';

export interface HttpServeOptions extends Omit<ServerOptions, 'principal' | 'limits'> {
  /** The validated `http` section of tenants.json; absent means no authentication (loopback only). */
  http?: HttpConfig;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 3000. */
  port?: number;
  /** Where the `env:` and `file:` references of the `http` section are resolved. */
  env: NodeJS.ProcessEnv;
  baseDir: string;
  /** The dashboard at /dashboard (behind the same authentication); false serves none. Default: on, rounds every 15 min from the first page view ('off': only "check now"). */
  dashboard?: false | { everyMs?: number | 'off' };
  /** Where the dashboard finds blueprints. */
  blueprints?: ServerConfig['blueprints'];
}

/** The dashboard's default schedule under `serve --http` (from its first page view). */
export const DASHBOARD_EVERY_MS = 15 * 60_000;

export interface RunningHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  url: string;
  host: string;
  port: number;
  limits: TenantLimits;
  /** The per-caller rate of requests not tied to a tenant. */
  callerRate: CallerRate;
  close(): Promise<void>;
}

const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, Accept, X-Tenant, Mcp-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Session-Id, Last-Event-ID';
const CORS_EXPOSE_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version';

/** Refuses what would expose every tenant to the network, then listens. */
export async function startHttpServer(opts: HttpServeOptions): Promise<RunningHttpServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 3000;
  if (!isLoopbackAddress(host) && !httpAuthConfigured(opts.http)) {
    throw new Error(
      `refusing to serve MCP over HTTP on ${host} without authentication: anyone who can reach it could administer every tenant. ` +
        'Configure "http": { "tokens": [...] } or "http": { "jwt": {...} } in tenants.json (see docs/http.md), or keep the default --host 127.0.0.1.',
    );
  }
  const auth = await Authenticator.create(opts.http, { env: opts.env, baseDir: opts.baseDir, logger: opts.logger });
  const hosts = allowedHostsFor(host, opts.http);
  if (hosts === 'any') {
    opts.logger.warn({ host }, 'the Host header is not checked: set "http.allowedHosts" (or "http.publicUrl") to the names clients use');
  }
  if (!auth.required) opts.logger.warn('no authentication configured: every local process may use every tenant over HTTP');
  const limits = new TenantLimits({
    concurrency: opts.http?.limits.perTenantConcurrency,
    ratePerMinute: opts.http?.limits.perTenantRatePerMinute ?? DEFAULT_RATE_PER_MINUTE,
    // Replicas on one PostgreSQL store share the rate; an embedded store is one machine's.
    ...(opts.store.engine === 'postgres' ? { shared: opts.store } : {}),
  });

  const callerRate = new CallerRate(opts.http?.limits.perCallerRatePerMinute ?? DEFAULT_CALLER_RATE_PER_MINUTE);
  // The same sliding minute, counting bytes: a caller's flood of huge bodies is refused before reading them.
  const callerBytes = new CallerRate(opts.http?.limits.perCallerBytesPerMinute ?? DEFAULT_CALLER_BYTES_PER_MINUTE);

  const mcp = await createHttpMcpHandler(opts.logger);
  // The dashboard is imported and built on its first request: a server used for MCP alone never loads it.
  let dashboardLoading: Promise<DashboardHandler> | undefined;
  const dashboardOptions = opts.dashboard;
  const dashboard =
    dashboardOptions === false
      ? undefined
      : () =>
          (dashboardLoading ??= import('../dashboard/handler.js')
            .then(({ DashboardHandler }) =>
              DashboardHandler.create({
                registry: opts.registry,
                store: opts.store,
                config: { baseDir: opts.baseDir, ...(opts.blueprints ? { blueprints: opts.blueprints } : {}) },
                logger: opts.logger,
                auth,
                readOnly: opts.readOnly,
                secureCookies: !isLoopbackAddress(host),
                allowedOrigins: [...(opts.http?.allowedOrigins ?? []), ...(opts.http?.publicUrl ? [new URL(opts.http.publicUrl).origin] : [])],
                ...(dashboardOptions?.everyMs === 'off' ? {} : { everyMs: dashboardOptions?.everyMs ?? DASHBOARD_EVERY_MS }),
              }),
            )
            .catch((err: unknown) => {
              dashboardLoading = undefined;
              throw err;
            }));
  const handler = new RequestHandler(opts, auth, hosts, limits, callerRate, host, mcp, callerBytes, dashboard);
  const server = createServer((req, res) => {
    handler.handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err }, 'HTTP request failed');
      sendJsonRpcError(res, 500, 'Internal server error', {}, -32603);
    });
  });
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  handler.origins = [...(opts.http?.allowedOrigins ?? []), ...ownOrigins(host, address.port)];
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}${MCP_PATH}`;
  opts.logger.info({ url, auth: auth.required ? 'required' : 'none', readOnly: opts.readOnly }, 'serving MCP over Streamable HTTP');
  return {
    url,
    host: address.address,
    port: address.port,
    limits,
    callerRate,
    close: async () => {
      await (await dashboardLoading?.catch(() => undefined))?.close().catch(() => undefined);
      await mcp.close().catch(() => undefined);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** `serve --http`: serves until SIGINT/SIGTERM, then closes the server and the tenants' connections. */
export async function serveHttp(opts: HttpServeOptions): Promise<RunningHttpServer> {
  const running = await startHttpServer(opts);
  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    opts.logger.info({ why }, 'shutting down');
    await running.close().catch(() => undefined);
    await opts.registry.close().catch(() => undefined);
    await opts.store.close().catch(() => undefined);
  };
  process.once('SIGINT', () => void shutdown('SIGINT').then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));
  return running;
}

/**
 * The bound on a request body (the SDK's own is 4 MiB; the body is read here first, so this one holds).
 * 1 MiB is far above any real call (a whole layout is a few KB); a body past it costs the server tens
 * of milliseconds to read and parse, which a flood turns into every other caller's wait.
 */
const MAX_BODY_BYTES = 1024 * 1024;

/** The request body, at most `max` bytes; 'aborted' when the client went away before sending it all. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large' | 'aborted'> {
  if (Number(req.headers['content-length']) > max) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (value: Buffer | 'too-large' | 'aborted') => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.pause();
        return done('too-large');
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks));
    const onError = () => done('aborted');
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
}

/** The body as JSON; undefined when it is not (the SDK answers that with its own parse error). */
function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The request as the SDK's node adapter reads it (method, URL, headers, then the body), the body already read here. */
function replayed(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = Readable.from(body.length > 0 ? [body] : []);
  return Object.assign(copy, { method: req.method, url: req.url, headers: req.headers, socket: req.socket, httpVersion: req.httpVersion }) as unknown as IncomingMessage;
}

let tenantTools: ReadonlySet<string> | undefined;

/** The tools that name a tenant: their calls count toward that tenant's limits. */
function tenantToolNames(): ReadonlySet<string> {
  return (tenantTools ??= new Set(toolEntries().filter((t) => t.tenantScoped).map((t) => t.name)));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

class RequestHandler {
  /** The origins a browser may call from: the configured ones, and this server's own on loopback. */
  origins: readonly string[];
  /** The minute each caller's last byte-budget refusal was logged. */
  private readonly bytesLogged = new Map<string, number>();

  constructor(
    private readonly opts: HttpServeOptions,
    private readonly auth: Authenticator,
    private readonly hosts: readonly string[] | 'any',
    private readonly limits: TenantLimits,
    private readonly callerRate: CallerRate,
    private readonly bindHost: string,
    private readonly mcp: HttpMcpHandler,
    private readonly callerBytes: CallerRate,
    private readonly dashboard: (() => Promise<DashboardHandler>) | undefined,
  ) {
    this.origins = opts.http?.allowedOrigins ?? [];
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const log = this.opts.logger;
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (!hostAllowed(req.headers.host, this.hosts)) {
      log.warn({ host: req.headers.host, remote: req.socket.remoteAddress }, 'refused: Host not allowed');
      return sendJsonRpcError(res, 403, 'Forbidden: this Host is not allowed (DNS rebinding protection); add it to "http.allowedHosts".');
    }
    // The dashboard's pages are for browsers: its own origin check (same origin) and its own sign-in.
    if (this.dashboard && isDashboardPath(url.pathname)) return (await this.dashboard()).handle(req, res);
    const origin = req.headers.origin;
    if (!originAllowed(origin, this.origins)) {
      log.warn({ origin, remote: req.socket.remoteAddress }, 'refused: Origin not allowed');
      return sendJsonRpcError(res, 403, 'Forbidden: this Origin is not allowed; add it to "http.allowedOrigins".');
    }
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSE_HEADERS);
    }
    const base = publicBase(this.opts.http, req.headers.host, this.bindHost);

    if (METADATA_PATHS.includes(url.pathname)) {
      if (req.method === 'OPTIONS') return this.preflight(res, 'GET, OPTIONS');
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJsonRpcError(res, 405, 'Method not allowed.', { allow: 'GET' });
      return sendJson(res, 200, protectedResourceMetadata(base, this.opts.http));
    }
    if (url.pathname !== MCP_PATH) return sendJsonRpcError(res, 404, `Not found: the MCP endpoint is ${MCP_PATH}${this.dashboard ? ` (the dashboard: ${DASHBOARD_PATH}/)` : ''}.`);
    if (req.method === 'OPTIONS') return this.preflight(res, 'POST, OPTIONS');
    // Stateless: there is no session to stream (GET) or end (DELETE).
    if (req.method !== 'POST') return sendJsonRpcError(res, 405, 'Method not allowed: this stateless server answers POST only.', { allow: 'POST' });
    if (url.searchParams.has('access_token') || url.searchParams.has('token')) {
      return sendJsonRpcError(res, 400, 'Tokens are accepted in the Authorization header only, never in the URL (URLs end up in logs).');
    }

    const outcome = await this.auth.authenticate(req.headers);
    if (!outcome.ok) {
      log.warn({ reason: outcome.description, remote: req.socket.remoteAddress }, 'refused: not authenticated');
      const challenge = wwwAuthenticate(base, outcome.error ? { error: outcome.error, description: outcome.description } : undefined);
      return sendJsonRpcError(res, 401, `Unauthorized: ${outcome.description}.`, { 'www-authenticate': challenge });
    }
    let principal: Principal;
    try {
      principal = { ...pinTenant(outcome.principal, req.headers, this.opts.registry), via: outcome.via };
    } catch (err) {
      if (!(err instanceof ToolError)) throw err;
      log.warn({ principal: outcome.principal.name, code: err.code }, 'refused: X-Tenant');
      return sendJsonRpcError(res, 403, err.message);
    }
    // The caller's byte budget, before the body is read: what it declares now, what it sent once read.
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > 0 && declared <= MAX_BODY_BYTES && !this.admitBytes(res, principal, declared)) return;
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === 'aborted') return;
    if (body === 'too-large') {
      return sendJsonRpcError(res, 413, `Payload Too Large: Request body must not exceed ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
    }
    if (!(Number.isFinite(declared) && declared > 0) && !this.admitBytes(res, principal, body.length)) return;
    if (!this.admit(req, res, principal, parseJson(body))) return;
    await this.serveMcp(replayed(req, body), res, principal);
  }

  /**
   * The body's shape and the caller's rate, before any server is built for the request: false when a
   * refusal was sent. Each message of a batch counts, except those a tenant's limits count.
   */
  /** Counts `bytes` against the caller's budget; over it, answers 429 (closing the connection: the body stays unread). */
  private admitBytes(res: ServerResponse, principal: Principal, bytes: number): boolean {
    const admission = this.callerBytes.admit(callerId(principal), bytes);
    if (admission.ok) return true;
    const seconds = admission.retryAfterSeconds;
    // Logged once a minute per caller (a flood would otherwise cost a log line per refused request).
    const who = callerId(principal);
    const minute = Math.floor(Date.now() / 60_000);
    if (this.bytesLogged.get(who) !== minute) {
      if (this.bytesLogged.size > 10_000) this.bytesLogged.clear();
      this.bytesLogged.set(who, minute);
      this.opts.logger.warn({ principal: principal.name, via: principal.via, bytes, retryAfterSeconds: seconds }, 'refused: over the per-caller byte budget (logged once a minute per caller)');
    }
    sendJsonRpcError(
      res,
      429,
      `Too much data from "${principal.name}": at most ${Math.round(this.callerBytes.ratePerMinute / 1024)} KiB of requests a minute. Retry in ${seconds} second${seconds === 1 ? '' : 's'}.`,
      { 'retry-after': String(seconds), connection: 'close' },
      -32000,
      { id: null, data: { retryAfterSeconds: seconds } },
    );
    return false;
  }

  private admit(req: IncomingMessage, res: ServerResponse, principal: Principal, parsed: unknown): boolean {
    const log = this.opts.logger;
    const messages = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
    if (Array.isArray(parsed)) {
      const version = batchProtocolVersion(req.headers['mcp-protocol-version'], messages);
      if (batchesRemoved(version)) {
        log.warn({ principal: principal.name, version, size: messages.length }, 'refused: a JSON-RPC batch on a protocol version without batches');
        sendJsonRpcError(
          res,
          400,
          `Invalid Request: JSON-RPC batches are not part of protocol version ${version} (they were removed in ${BATCHES_REMOVED_IN}); send each message in its own POST.`,
          {},
          -32600,
        );
        return false;
      }
      const max = this.opts.http?.limits.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
      if (messages.length > max) {
        log.warn({ principal: principal.name, size: messages.length, max }, 'refused: a JSON-RPC batch over the size cap');
        sendJsonRpcError(res, 400, `Invalid Request: a JSON-RPC batch may hold at most ${max} messages here, this one holds ${messages.length}; send fewer at once.`, {}, -32600);
        return false;
      }
    }
    const ctx = { registry: this.opts.registry, principal, tenantTools: tenantToolNames() };
    const untied = messages.filter((m) => !tiedToTenant(m, ctx)).length;
    const admission = this.callerRate.admit(callerId(principal), untied);
    if (admission.ok) return true;
    const seconds = admission.retryAfterSeconds;
    log.warn({ principal: principal.name, via: principal.via, messages: untied, retryAfterSeconds: seconds }, 'refused: over the per-caller rate');
    const single = !Array.isArray(parsed) && typeof parsed === 'object' && parsed !== null ? (parsed as { id?: unknown }).id : undefined;
    sendJsonRpcError(
      res,
      429,
      `Too many requests from "${principal.name}": at most ${this.callerRate.ratePerMinute} requests a minute that are not tied to a tenant ` +
        `(lists, list_tenants, list_changes, initialize, discovery). Retry in ${seconds} second${seconds === 1 ? '' : 's'}.`,
      { 'retry-after': String(seconds) },
      -32000,
      { id: typeof single === 'string' || typeof single === 'number' ? single : null, data: { retryAfterSeconds: seconds } },
    );
    return false;
  }

  private preflight(res: ServerResponse, methods: string): void {
    res.writeHead(204, {
      'access-control-allow-methods': methods,
      'access-control-allow-headers': CORS_ALLOW_HEADERS,
      'access-control-max-age': '600',
    });
    res.end();
  }

  private async serveMcp(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    const { registry, readOnly, logger, store, confirms } = this.opts;
    res.on('finish', () => logger.debug({ principal: principal.name, tenants: principal.tenants, status: res.statusCode }, 'MCP request'));
    await this.mcp.handle(req, res, { principal, options: { registry, readOnly, logger, store, confirms, limits: this.limits } });
  }
}
