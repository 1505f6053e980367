/**
 * Test harness: sandbox CRMs on loopback plus the real server, either spawned from `dist/cli.js` over
 * stdio (e2e) or built in-process and joined through an in-memory transport (integration).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport as SdkStdioClientTransport } from '@modelcontextprotocol/client/stdio';

/**
 * The SDK's stdio transport, subclassed: a subclass negotiates the protocol era in place, where the
 * base class probes on a second, throwaway server process (one spawn per test is what we measure).
 */
export class StdioClientTransport extends SdkStdioClientTransport {}
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const execFileAsync = promisify(execFile);

export interface StackTenant {
  id: string;
  name?: string;
  sandbox?: SandboxOptions;
  /** Override what the server is told (e.g. a wrong password); defaults to the sandbox's credentials. */
  apiKey?: string | null;
  adminPassword?: string | null;
  extra?: Record<string, unknown>;
}

export interface Stack {
  client: Client;
  sandboxes: Record<string, Sandbox>;
  dir: string;
  stderr(): string;
  close(): Promise<void>;
}

function envName(id: string, field: string): string {
  return `${id.toUpperCase().replace(/-/g, '_')}_ESPO_${field}`;
}

export async function startSandboxes(tenants: StackTenant[]): Promise<Record<string, Sandbox>> {
  const out: Record<string, Sandbox> = {};
  for (const t of tenants) out[t.id] = await startSandbox({ leads: 20, contacts: 10, accounts: 5, seed: 1, name: t.id, ...t.sandbox });
  return out;
}

/** tenants.json content plus the environment holding the secrets it references. */
export function tenantsJson(tenants: StackTenant[], sandboxes: Record<string, Sandbox>) {
  const env: Record<string, string> = {};
  const json: Record<string, unknown> = {};
  for (const t of tenants) {
    const sb = sandboxes[t.id]!;
    const entry: Record<string, unknown> = { name: t.name ?? t.id, url: sb.url, ...t.extra };
    const apiKey = t.apiKey === undefined ? sb.credentials.apiKey : t.apiKey;
    if (apiKey !== null) {
      env[envName(t.id, 'API_KEY')] = apiKey;
      entry.apiKey = `env:${envName(t.id, 'API_KEY')}`;
    }
    const password = t.adminPassword === undefined ? sb.credentials.admin.password : t.adminPassword;
    if (password !== null) {
      env[envName(t.id, 'PASSWORD')] = password;
      entry.admin = { username: sb.credentials.admin.username, password: `env:${envName(t.id, 'PASSWORD')}` };
    }
    json[t.id] = entry;
  }
  return { json: { tenants: json }, env };
}

/**
 * Spawns `node dist/cli.js serve` with the given args and env, and connects an SDK client over stdio
 * (2026-07-28 unless `era: 'legacy'`).
 */
export async function spawnServer(opts: { args: string[]; env: Record<string, string>; cwd: string; era?: 'modern' | 'legacy' }) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...opts.args],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', XDG_STATE_HOME: opts.cwd, LOG_LEVEL: 'debug', ...opts.env },
    cwd: opts.cwd,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'test', version: '1.0.0' }, opts.era === 'legacy' ? {} : { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

export async function startStdioStack(tenants: StackTenant[], extraArgs: string[] = []): Promise<Stack> {
  const sandboxes = await startSandboxes(tenants);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-test-'));
  const { json, env } = tenantsJson(tenants, sandboxes);
  const configPath = path.join(dir, 'tenants.json');
  await writeFile(configPath, JSON.stringify(json, null, 2));
  const { client, stderr } = await spawnServer({ args: ['serve', '--config', configPath, ...extraArgs], env, cwd: dir });
  return {
    client,
    sandboxes,
    dir,
    stderr,
    async close() {
      await client.close().catch(() => undefined);
      await Promise.all(Object.values(sandboxes).map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A loopback port nothing listens on (bound, then released): a CRM that cannot be reached. */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to its end in `cwd` (also its HOME and state folder), with only `env` beyond PATH. */
export async function runCli(args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<CliRun> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: opts.cwd, XDG_STATE_HOME: opts.cwd, ...opts.env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
