/**
 * MCP over Streamable HTTP, for chat hosts. Stateless: every POST gets its own McpServer, built for the
 * principal its bearer token names (GET and DELETE, which only sessions use, answer 405). Both protocol
 * eras: 2026-07-28 natively, 2025-era clients through the SDK's stateless legacy leg. Progress
 * notifications stream in the POST's response.
 *
 * Each request passes, in order: Host check (DNS rebinding), Origin check (browsers), authentication
 * (401 + `WWW-Authenticate` pointing at the protected-resource metadata), the `X-Tenant` pin, then MCP.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpMcpHandler, type HttpMcpHandler, type ServerOptions } from '../server.js';
import { DEFAULT_RATE_PER_MINUTE, httpAuthConfigured, type HttpConfig } from '../config/http.js';
import { ToolError } from '../errors.js';
import { Authenticator } from '../http/auth.js';
import { allowedHostsFor, hostAllowed, isLoopbackAddress, originAllowed, ownOrigins } from '../http/guards.js';
import { MCP_PATH, METADATA_PATHS, protectedResourceMetadata, publicBase, wwwAuthenticate } from '../http/metadata.js';
import { sendJson, sendJsonRpcError } from '../http/respond.js';
import { pinTenant } from '../http/tenantHeader.js';
import { TenantLimits } from '../tenants/limits.js';
import type { Principal } from '../tenants/policy.js';

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
}

export interface RunningHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  url: string;
  host: string;
  port: number;
  limits: TenantLimits;
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

  const mcp = await createHttpMcpHandler(opts.logger);
  const handler = new RequestHandler(opts, auth, hosts, limits, host, mcp);
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
    close: async () => {
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

  constructor(
    private readonly opts: HttpServeOptions,
    private readonly auth: Authenticator,
    private readonly hosts: readonly string[] | 'any',
    private readonly limits: TenantLimits,
    private readonly bindHost: string,
    private readonly mcp: HttpMcpHandler,
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
    if (url.pathname !== MCP_PATH) return sendJsonRpcError(res, 404, `Not found: the MCP endpoint is ${MCP_PATH}.`);
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
    await this.serveMcp(req, res, principal);
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
