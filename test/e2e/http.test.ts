/**
 * The built binary: `serve --http` (needs `npm run build`, as the other e2e tests do).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
// A 2025-era client (SDK v1): served by the SDK's stateless legacy leg.
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { CLI, startSandboxes, tenantsJson } from '../helpers/stack.js';

const TOKEN = 'tok-cli-0123456789abcdef0123456789ab';

function run(args: string[], env: Record<string, string>, cwd: string): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', XDG_STATE_HOME: cwd, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

/** The endpoint the server logs once it listens. */
async function listeningUrl(stderr: () => string, exit: Promise<number | null>): Promise<string> {
  let done = false;
  const exited = exit.then((code) => {
    done = true;
    throw new Error(`the server exited (${code}): ${stderr()}`);
  });
  const found = (async () => {
    while (!done) {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"/.exec(stderr());
      if (m) return m[1]!;
      await new Promise((r) => setTimeout(r, 20));
    }
    return '';
  })();
  return Promise.race([found, exited]);
}

describe('espocrm-admin-mcp serve --http', () => {
  let dir: string;
  let sandboxes: Record<string, Sandbox>;
  let env: Record<string, string>;
  beforeAll(async () => {
    const tenants = [{ id: 'damath' }, { id: 'coach-vero' }];
    sandboxes = await startSandboxes(tenants.map((t) => ({ ...t, sandbox: { leads: 0, contacts: 0, accounts: 0 } })));
    dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-cli-http-'));
    const config = tenantsJson(tenants, sandboxes);
    env = { ...config.env, MCP_TOKEN: TOKEN };
    const http = { tokens: [{ name: 'max-frontend', token: 'env:MCP_TOKEN', tenants: ['coach-vero'] }] };
    await writeFile(path.join(dir, 'tenants.json'), JSON.stringify({ ...config.json, http }));
    await writeFile(path.join(dir, 'open.json'), JSON.stringify(config.json));
  });
  afterAll(async () => {
    await Promise.all(Object.values(sandboxes ?? {}).map((s) => s.close()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves MCP over HTTP with the configured tokens, to 2026-07-28 and 2025-era clients, stdout untouched', async () => {
    const server = run(['serve', '--http', '--port', '0', '--config', 'tenants.json'], env, dir);
    let stdout = '';
    server.child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    try {
      const url = await listeningUrl(server.stderr, server.exit);
      const headers = { Authorization: `Bearer ${TOKEN}` };
      const client = new Client({ name: 'cli-test', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const res = await client.callTool({ name: 'check_tenant', arguments: {} });
      expect((res.structuredContent as { tenant: string; ok: boolean })).toMatchObject({ tenant: 'coach-vero', ok: true });
      await client.close();
      const legacy = new V1Client({ name: 'cli-test-v1', version: '1' });
      await legacy.connect(new V1Transport(new URL(url), { requestInit: { headers } }));
      const old = await legacy.callTool({ name: 'check_tenant', arguments: {} });
      expect((old.structuredContent as { tenant: string; ok: boolean })).toMatchObject({ tenant: 'coach-vero', ok: true });
      expect((await legacy.listTools()).tools.length).toBeGreaterThan(10);
      await legacy.close();
      const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(anonymous.status).toBe(401);
      expect(server.stderr()).not.toContain(TOKEN);
      expect(stdout).toBe('');
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
    }
  });

  it('refuses a non-loopback address without authentication, and --port without --http', async () => {
    // 192.0.2.1 (TEST-NET-1) is never local: only the refusal can end this run with the message
    const open = run(['serve', '--http', '--host', '192.0.2.1', '--port', '0', '--config', 'open.json'], env, dir);
    expect(await open.exit).toBe(1);
    expect(open.stderr()).toMatch(/refusing to serve MCP over HTTP on 192\.0\.2\.1 without authentication/);
    const stray = run(['serve', '--port', '3000', '--config', 'open.json'], env, dir);
    expect(await stray.exit).toBe(1);
    expect(stray.stderr()).toMatch(/--port and --host apply to --http only/);
  });
});
