/**
 * HTTP harness: sandbox CRMs on loopback, the real config validation (tenants.json content with an
 * `http` section), the real HTTP transport on 127.0.0.1, and SDK clients over Streamable HTTP.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request as httpRequest } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { validateTenantsFile } from '../../src/config/validate.js';
import { TenantRegistry } from '../../src/tenants/registry.js';
import { confirmTokensOn, openSqliteStore, type Store } from '../../src/store/index.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { startHttpServer, type RunningHttpServer } from '../../src/transports/http.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandboxes, tenantsJson, type StackTenant } from './stack.js';

export interface HttpStack {
  url: string;
  server: RunningHttpServer;
  sandboxes: Record<string, Sandbox>;
  registry: TenantRegistry;
  /** The store the server records into (its audit lines: `await audit.read()`). */
  audit: Store;
  /**
   * An SDK client connected over Streamable HTTP with these headers (e.g. Authorization, X-Tenant),
   * speaking 2026-07-28 unless `era: 'legacy'` (2025-11-25, through the SDK's stateless legacy leg).
   */
  connect(headers?: Record<string, string>, opts?: { era?: 'modern' | 'legacy' }): Promise<Client>;
  /** A raw JSON-RPC POST to the endpoint, for status codes and headers. */
  post(body: unknown, headers?: Record<string, string>): Promise<RawResponse>;
  close(): Promise<void>;
}

export const INIT_REQUEST = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export async function startHttpStack(
  tenants: StackTenant[],
  opts: {
    http?: Record<string, unknown>;
    env?: Record<string, string>;
    /** Files (mode 0600) in the config folder, for `file:` references. */
    files?: Record<string, string>;
    readOnly?: boolean;
    tenantsExtra?: Record<string, Record<string, unknown>>;
    /** A store shared with another server (not closed here); a SQLite file in the config folder by default. */
    store?: Store;
    /** The server's logger (silent by default), e.g. to read what the operator is told. */
    logger?: Logger;
    /** The dashboard's options (startHttpServer's `dashboard`). */
    dashboard?: false | { everyMs?: number | 'off' };
  } = {},
): Promise<HttpStack> {
  const sandboxes = await startSandboxes(tenants.map((t) => ({ ...t, sandbox: { leads: 0, contacts: 0, accounts: 0, ...t.sandbox } })));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-http-'));
  for (const [name, content] of Object.entries(opts.files ?? {})) await writeFile(path.join(dir, name), content, { mode: 0o600 });
  const { json, env } = tenantsJson(tenants, sandboxes);
  for (const [id, extra] of Object.entries(opts.tenantsExtra ?? {})) Object.assign((json.tenants as Record<string, object>)[id]!, extra);
  const config = validateTenantsFile({ ...json, ...(opts.http ? { http: opts.http } : {}) }, { source: 'test tenants.json', baseDir: dir });
  const allEnv = { ...env, ...opts.env };
  const logger = opts.logger ?? silentLogger();
  const registry = new TenantRegistry(config, { env: allEnv, baseDir: dir, logger });
  const audit = opts.store ?? (await openSqliteStore(path.join(dir, 'store.sqlite')));
  let server: RunningHttpServer;
  try {
    server = await startHttpServer({
      registry,
      readOnly: opts.readOnly ?? false,
      logger,
      store: audit,
      confirms: await confirmTokensOn(audit),
      http: config.http,
      host: '127.0.0.1',
      port: 0,
      env: allEnv,
      baseDir: dir,
      ...(opts.dashboard !== undefined ? { dashboard: opts.dashboard } : {}),
    });
  } catch (err) {
    await Promise.all(Object.values(sandboxes).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const clients: Client[] = [];
  return {
    url: server.url,
    server,
    sandboxes,
    registry,
    audit,
    async connect(headers = {}, opts = {}) {
      const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } });
      const client = new Client({ name: 'http-test', version: '1.0.0' }, opts.era === 'legacy' ? {} : { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    post(body, headers = {}) {
      return rawRequest(server.url, { body, headers });
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await server.close();
      await registry.close();
      if (!opts.store) await audit.close();
      await Promise.all(Object.values(sandboxes).map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The text of a tool result's content. */
export function textOf(res: unknown): string {
  return (((res as { content?: unknown }).content ?? []) as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with full control of the headers (fetch would not send a forged Host). */
export function rawRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<RawResponse> {
  const target = new URL(url);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: opts.method ?? 'POST',
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          accept: 'application/json, text/event-stream',
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON-RPC error message of an HTTP-level refusal. */
export function refusalMessage(res: RawResponse): string {
  return (JSON.parse(res.body) as { error: { message: string } }).error.message;
}
