/**
 * The reliability harness: sandbox CRMs on loopback, the real server built in-process (MCP client over
 * the in-memory transport), with what these tests need to control: the circuit breaker's settings,
 * the confirm tokens' clock, per-tenant overrides (short timeouts), and helpers over the request log.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { buildServer } from '../../src/server.js';
import { TenantRegistry } from '../../src/tenants/registry.js';
import { LOCAL_PRINCIPAL } from '../../src/tenants/policy.js';
import { AuditLog } from '../../src/audit/log.js';
import { ConfirmTokens } from '../../src/core/confirm.js';
import { silentLogger } from '../../src/log/logger.js';
import type { TenantConfig } from '../../src/config/types.js';
import type { BreakerOptions } from '../../src/tenants/breaker.js';
import type { Sandbox, SandboxRequestLogEntry } from '../../src/sandbox/index.js';
import { startSandboxes, type StackTenant } from '../helpers/stack.js';
import { sandboxTenantConfigs } from '../helpers/inmemory.js';

export interface CallResult {
  isError: boolean;
  text: string;
  structured: Record<string, unknown>;
}

export interface RelHarness {
  client: Client;
  sandboxes: Record<string, Sandbox>;
  audit: AuditLog;
  registry: TenantRegistry;
  /** The confirm tokens' clock: move it forward to expire tokens. */
  clock: { offsetMs: number };
  /** Calls a tool; `signal` cancels the call (the client sends notifications/cancelled). */
  call(name: string, args: Record<string, unknown>, opts?: { signal?: AbortSignal }): Promise<CallResult>;
  /** Like `call`, with raw arguments (any JSON value, e.g. a string instead of an object). */
  callRaw(name: string, args: unknown): Promise<CallResult>;
  close(): Promise<void>;
}

export const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Non-GET requests in a slice of a sandbox's request log. */
export function writesIn(entries: SandboxRequestLogEntry[]): SandboxRequestLogEntry[] {
  return entries.filter((r) => WRITE_METHODS.has(r.method));
}

/** A password login attempt (not a token-only request): `App/user` answered 401/403, or logged in with the password. */
export function isPasswordAttempt(r: SandboxRequestLogEntry): boolean {
  return r.path === 'App/user' && (r.auth === 'espo-password' || (r.auth === 'none' && (r.status === 401 || r.status === 403)));
}

export async function startRelHarness(
  tenants: StackTenant[],
  opts: { breaker?: BreakerOptions; tenantOverrides?: Record<string, Partial<TenantConfig>>; auditFile?: string } = {},
): Promise<RelHarness> {
  const sandboxes = await startSandboxes(tenants);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-rel-'));
  const { configs, env } = sandboxTenantConfigs(tenants, sandboxes, opts.tenantOverrides);
  const logger = silentLogger();
  const registry = new TenantRegistry({ tenants: configs, source: 'test' }, { env, baseDir: dir, logger, ...(opts.breaker ? { breaker: opts.breaker } : {}) });
  const audit = new AuditLog(opts.auditFile ?? path.join(dir, 'audit.jsonl'));
  const clock = { offsetMs: 0 };
  const server = buildServer({
    registry,
    principal: LOCAL_PRINCIPAL,
    readOnly: false,
    logger,
    audit,
    confirms: new ConfirmTokens(undefined, 10 * 60_000, () => Date.now() + clock.offsetMs),
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'reliability', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  const callRaw = async (name: string, args: unknown, opts: { signal?: AbortSignal } = {}): Promise<CallResult> => {
    const res = await client.callTool({ name, arguments: args as Record<string, unknown> }, undefined, { timeout: 120_000, ...(opts.signal ? { signal: opts.signal } : {}) });
    const content = (res.content ?? []) as Array<{ type: string; text?: string }>;
    return { isError: Boolean(res.isError), text: content.map((c) => c.text ?? '').join('\n'), structured: (res.structuredContent ?? {}) as Record<string, unknown> };
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
      await server.close().catch(() => undefined);
      await registry.close();
      audit.close();
      await Promise.all(Object.values(sandboxes).map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
