/**
 * Integration harness: sandbox CRMs over real HTTP on loopback, the real server built in-process, and an
 * SDK client joined to it through the in-memory transport. Faster than spawning, same code paths.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { buildServer } from '../../src/server.js';
import { TenantRegistry } from '../../src/tenants/registry.js';
import { LOCAL_PRINCIPAL, type Principal } from '../../src/tenants/policy.js';
import { AuditLog } from '../../src/audit/log.js';
import { ConfirmTokens } from '../../src/core/confirm.js';
import { silentLogger } from '../../src/log/logger.js';
import type { TenantConfig } from '../../src/config/types.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { startSandboxes, type StackTenant } from './stack.js';

export interface Harness {
  client: Client;
  sandboxes: Record<string, Sandbox>;
  audit: AuditLog;
  registry: TenantRegistry;
  /** Calls a tool and returns its structured content, text and error flag. */
  call(name: string, args: Record<string, unknown>, opts?: { onprogress?: (p: { progress: number; total?: number }) => void; signal?: AbortSignal }): Promise<{
    isError: boolean;
    text: string;
    structured: Record<string, unknown>;
  }>;
  close(): Promise<void>;
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

export async function startHarness(
  tenants: StackTenant[],
  opts: { readOnly?: boolean; principal?: Principal; tenantOverrides?: Record<string, Partial<TenantConfig>> } = {},
): Promise<Harness> {
  const sandboxes = await startSandboxes(tenants);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-int-'));
  const { configs, env } = sandboxTenantConfigs(tenants, sandboxes, opts.tenantOverrides);
  const logger = silentLogger();
  const registry = new TenantRegistry({ tenants: configs, source: 'test' }, { env, baseDir: dir, logger });
  const audit = new AuditLog(path.join(dir, 'audit.jsonl'));
  const server = buildServer({
    registry,
    principal: opts.principal ?? LOCAL_PRINCIPAL,
    readOnly: opts.readOnly ?? false,
    logger,
    audit,
    confirms: new ConfirmTokens(),
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'integration', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    sandboxes,
    audit,
    registry,
    async call(name, args, callOpts = {}) {
      const res = await client.callTool({ name, arguments: args }, undefined, {
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
    },
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
