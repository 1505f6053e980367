/**
 * `espocrm-admin-mcp dashboard`: the dashboard alone, on loopback, with the same authentication as
 * `serve --http` (the `http` section's tokens or JWT: a sign-in page; none configured: no sign-in, as
 * MCP on loopback) and the same Host check against DNS rebinding.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpConfig } from '../config/http.js';
import type { ServerConfig } from '../config/types.js';
import { Authenticator } from '../http/auth.js';
import { allowedHostsFor, hostAllowed, isLoopbackAddress } from '../http/guards.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/types.js';
import type { TenantRegistry } from '../tenants/registry.js';
import { DASHBOARD_PATH, DashboardHandler } from './handler.js';
import { renderErrorPage } from './views.js';

export const DEFAULT_DASHBOARD_PORT = 3100;
export const DEFAULT_DASHBOARD_EVERY_MS = 15 * 60_000;

export interface DashboardServeOptions {
  registry: TenantRegistry;
  store: Store;
  config: Pick<ServerConfig, 'blueprints' | 'baseDir'>;
  http?: HttpConfig;
  logger: Logger;
  readOnly: boolean;
  env: NodeJS.ProcessEnv;
  baseDir: string;
  /** Default 3100; 0 picks a free one. */
  port?: number;
  /** Loopback only (default 127.0.0.1). */
  host?: string;
  /** Rounds on every tenant: one at start, then on this schedule; undefined: only "check now". */
  everyMs?: number;
}

export interface RunningDashboard {
  /** The fleet page, e.g. `http://127.0.0.1:3100/dashboard/`. */
  url: string;
  port: number;
  handler: DashboardHandler;
  close(): Promise<void>;
}

export async function startDashboardServer(opts: DashboardServeOptions): Promise<RunningDashboard> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) {
    throw new Error(`the dashboard command serves on loopback only (asked: ${host}); to reach it from elsewhere, use \`serve --http\` (it serves /dashboard behind its authentication) or an SSH tunnel`);
  }
  const auth = await Authenticator.create(opts.http, { env: opts.env, baseDir: opts.baseDir, logger: opts.logger });
  const handler = await DashboardHandler.create({
    registry: opts.registry,
    store: opts.store,
    config: opts.config,
    logger: opts.logger,
    auth,
    readOnly: opts.readOnly,
    secureCookies: false,
    ...(opts.everyMs !== undefined ? { everyMs: opts.everyMs } : {}),
    startNow: true,
  });
  const hosts = allowedHostsFor(host, opts.http);
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://placeholder').pathname;
    if (!hostAllowed(req.headers.host, hosts)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end('Forbidden: this Host is not allowed (DNS rebinding protection).\n');
    }
    if (pathname === '/' || pathname === '') {
      res.writeHead(303, { location: `${DASHBOARD_PATH}/` });
      return void res.end();
    }
    if (!DashboardHandler.owns(pathname)) {
      const html = renderErrorPage(404, 'Not found', 'The dashboard is at /dashboard/.', undefined, DASHBOARD_PATH);
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'self'" });
      return void res.end(html);
    }
    handler.handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err }, 'dashboard request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Internal error: see the server log.\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_DASHBOARD_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}${DASHBOARD_PATH}/`;
  opts.logger.info({ url, auth: auth.required ? 'sign-in' : 'none' }, 'serving the dashboard');
  return {
    url,
    port: address.port,
    handler,
    close: async () => {
      await handler.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
