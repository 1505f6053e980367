/**
 * The in-memory harness: sandbox CRMs over real HTTP on loopback, the real server built in-process, and
 * an SDK client joined to it through the in-memory transport. Faster than spawning, same code paths.
 * What tests control: each tenant's sandbox (`StackTenant.sandbox`: size, seed, version, credentials)
 * and what the server is told about it (wrong secrets, `tenantOverrides` such as short timeouts), the
 * caller (`principal`), server-wide `readOnly`, the circuit breaker's settings, the store, and the
 * confirm tokens' clock; helpers over the sandboxes' request logs for fault-injection tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { serveMcpStdio, type ServerOptions, type StdioServing } from '../../src/server.js';
import { TenantRegistry } from '../../src/tenants/registry.js';
import { LOCAL_PRINCIPAL, type Principal } from '../../src/tenants/policy.js';
import { confirmTokensOn, openSqliteStore, type Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/log/logger.js';
import type { TenantConfig } from '../../src/config/types.js';
import type { BreakerOptions } from '../../src/tenants/breaker.js';
import type { Sandbox, SandboxRequestLogEntry } from '../../src/sandbox/index.js';
import { startSandboxes, type StackTenant } from './stack.js';

export interface CallResult {
  isError: boolean;
  /** The text content, joined. */
  text: string;
  structured: Record<string, unknown>;
}

export interface CallOptions {
  /** Progress notifications (each one also resets the call's timeout). */
  onprogress?: (p: { progress: number; total?: number }) => void;
  /** Cancels the call: the client sends notifications/cancelled. */
  signal?: AbortSignal;
}

export interface HarnessOptions {
  /** The protocol era the client speaks: 'modern' (2026-07-28, the default) or 'legacy' (2025-11-25, initialize). */
  era?: 'modern' | 'legacy';
  /** Server-wide read-only mode (`serve --read-only`). */
  readOnly?: boolean;
  /** The caller; the local principal (every tenant) by default. */
  principal?: Principal;
  /** Per-tenant config on top of what points at the sandbox (e.g. `{ acme: { timeoutMs: 500 } }`). */
  tenantOverrides?: Record<string, Partial<TenantConfig>>;
  /** The circuit breaker's settings for every tenant. */
  breaker?: BreakerOptions;
  /** The store (not closed by the harness: a test can share one between two servers); a SQLite file in the harness's folder by default. */
  store?: Store;
}

export interface Harness {
  client: Client;
  sandboxes: Record<string, Sandbox>;
  /** The store the server records into (its audit lines: `await h.audit.read()`). */
  audit: Store;
  registry: TenantRegistry;
  /** The confirm tokens' clock: move it forward to expire tokens. */
  clock: { offsetMs: number };
  /** Calls a tool and returns its structured content, text and error flag. */
  call(name: string, args: Record<string, unknown>, opts?: CallOptions): Promise<CallResult>;
  /** Like `call`, with raw arguments (any JSON value, e.g. a string instead of an object). */
  callRaw(name: string, args: unknown, opts?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Non-GET requests in a slice of a sandbox's request log. */
export function writesIn(entries: SandboxRequestLogEntry[]): SandboxRequestLogEntry[] {
  // Ending our own admin session (a fleet run releasing a tenant it warmed) changes nothing in the CRM's data.
  return entries.filter((r) => WRITE_METHODS.has(r.method) && r.path !== 'App/destroyAuthToken');
}

/** A password login attempt (not a token-only request): `App/user` answered 401/403, or logged in with the password. */
export function isPasswordAttempt(r: SandboxRequestLogEntry): boolean {
  return r.path === 'App/user' && (r.auth === 'espo-password' || (r.auth === 'none' && (r.status === 401 || r.status === 403)));
}

/** Tenant configs pointing at sandboxes, their secrets as `env:` references, and that environment. */
export function sandboxTenantConfigs(
  tenants: StackTenant[],
  sandboxes: Record<string, Sandbox>,
  overrides: Record<string, Partial<TenantConfig>> = {},
): { configs: TenantConfig[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const configs: TenantConfig[] = tenants.map((t) => {
    const sb = sandboxes[t.id]!;
    const prefix = t.id.toUpperCase().replace(/-/g, '_');
    const apiKey = t.apiKey === undefined ? sb.credentials.apiKey : t.apiKey;
    const password = t.adminPassword === undefined ? sb.credentials.admin.password : t.adminPassword;
    if (apiKey !== null) env[`${prefix}_KEY`] = apiKey;
    if (password !== null) env[`${prefix}_PW`] = password;
    return {
      id: t.id,
      name: t.name ?? t.id,
      url: sb.url,
      readOnly: false,
      ...(apiKey !== null ? { apiKey: `env:${prefix}_KEY` } : {}),
      ...(password !== null ? { admin: { username: sb.credentials.admin.username, password: `env:${prefix}_PW` } } : {}),
      ...(t.extra as Partial<TenantConfig>),
      ...overrides[t.id],
    };
  });
  return { configs, env };
}

/**
 * The server as `serve` runs it (both eras on one stream), joined to an SDK client through an in-memory
 * pair; the client speaks 2026-07-28 unless `era` is 'legacy'. For tests that build their own registry.
 */
export async function serveInMemory(options: ServerOptions, era: 'modern' | 'legacy' = 'modern'): Promise<{ client: Client; serving: StdioServing; close(): Promise<void> }> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const serving = serveMcpStdio(options, { transport: serverTransport });
  const client = new Client({ name: 'harness', version: '1.0.0' }, era === 'legacy' ? {} : { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(clientTransport);
  return {
    client,
    serving,
    async close() {
      await client.close().catch(() => undefined);
      await serving.close().catch(() => undefined);
    },
  };
}

export async function startHarness(tenants: StackTenant[], opts: HarnessOptions = {}): Promise<Harness> {
  const sandboxes = await startSandboxes(tenants);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-harness-'));
  const { configs, env } = sandboxTenantConfigs(tenants, sandboxes, opts.tenantOverrides);
  const logger = silentLogger();
  const registry = new TenantRegistry({ tenants: configs, source: 'test' }, { env, baseDir: dir, logger, ...(opts.breaker ? { breaker: opts.breaker } : {}) });
  const audit = opts.store ?? (await openSqliteStore(path.join(dir, 'store.sqlite')));
  const clock = { offsetMs: 0 };
  const { client, serving } = await serveInMemory(
    {
      registry,
      principal: opts.principal ?? LOCAL_PRINCIPAL,
      readOnly: opts.readOnly ?? false,
      logger,
      store: audit,
      confirms: await confirmTokensOn(audit, { now: () => Date.now() + clock.offsetMs }),
    },
    opts.era,
  );
  const callRaw = async (name: string, args: unknown, callOpts: CallOptions = {}): Promise<CallResult> => {
    const res = await client.callTool({ name, arguments: args as Record<string, unknown> }, {
      ...(callOpts.onprogress ? { onprogress: callOpts.onprogress, resetTimeoutOnProgress: true } : {}),
      ...(callOpts.signal ? { signal: callOpts.signal } : {}),
      timeout: 120_000,
    });
    const content = (res.content ?? []) as Array<{ type: string; text?: string }>;
    return {
      isError: Boolean(res.isError),
      text: content.map((c) => c.text ?? '').join('\n'),
      structured: (res.structuredContent ?? {}) as Record<string, unknown>,
    };
  };
  return {
    client,
    sandboxes,
    audit,
    registry,
    clock,
    call: callRaw,
    callRaw,
    async close() {
      await client.close().catch(() => undefined);
      await serving.close().catch(() => undefined);
      await registry.close();
      if (!opts.store) await audit.close();
      await Promise.all(Object.values(sandboxes).map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
