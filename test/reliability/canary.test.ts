/**
 * The secret canary over every tool, both transports and the audit log. Every secret carries a unique
 * canary; the built server (dist/cli.js, needs `npm run build`) runs over stdio and over HTTP, every
 * tool is called on a tenant whose secrets work, on one whose password and API key are wrong, and
 * under an injected 500; no canary may appear in a result, an error, a resource, the server's debug
 * log, or its audit log, in clear or base64.
 */
import { openSqliteStore } from '../../src/store/index.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { allTools } from '../../src/tools/catalog.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { CLI, spawnServer, startSandboxes, tenantsJson, type StackTenant } from '../helpers/stack.js';
import { canaryTenants, newCanary } from '../helpers/canary.js';
import type { CallResult } from '../helpers/harness.js';
import { SAMPLES, plainArgs, type SampleHost } from './samples.js';
import { recordFigures, table } from './figures.js';

const canary = newCanary();
const { secrets, leaks } = canary;
const TENANTS: StackTenant[] = canaryTenants(canary, { good: { leads: 6, contacts: 2, accounts: 2 }, bad: { leads: 2, contacts: 0, accounts: 0 } });

interface Served {
  host: SampleHost;
  client: Client;
  stderr: () => string;
  storeFile: string;
  close(): Promise<void>;
}

function toResult(res: Awaited<ReturnType<Client['callTool']>>): CallResult {
  const content = (res.content ?? []) as Array<{ text?: string }>;
  return { isError: Boolean(res.isError), text: content.map((c) => c.text ?? '').join('\n'), structured: (res.structuredContent ?? {}) as Record<string, unknown> };
}

async function configDir(sandboxes: Record<string, Sandbox>, http?: Record<string, unknown>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-canary-'));
  const { json, env } = tenantsJson(TENANTS, sandboxes);
  const storeFile = path.join(dir, 'state', 'store.sqlite');
  await writeFile(path.join(dir, 'tenants.json'), JSON.stringify({ ...json, store: { path: storeFile }, ...(http ? { http } : {}) }, null, 2));
  return { dir, env, storeFile };
}

async function serveStdio(sandboxes: Record<string, Sandbox>): Promise<Served> {
  const { dir, env, storeFile } = await configDir(sandboxes);
  const { client, stderr } = await spawnServer({ args: ['serve', '--config', path.join(dir, 'tenants.json')], env, cwd: dir });
  const call = async (name: string, args: Record<string, unknown>) => toResult(await client.callTool({ name, arguments: args }, { timeout: 60_000 }));
  return {
    host: { call, sandboxes },
    client,
    stderr,
    storeFile,
    async close() {
      await client.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function serveHttp(sandboxes: Record<string, Sandbox>): Promise<Served> {
  const { dir, env, storeFile } = await configDir(sandboxes, { tokens: [{ name: 'canary-host', token: 'env:MCP_TOKEN', tenants: '*' }] });
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', '--config', 'tenants.json'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', XDG_STATE_HOME: dir, LOG_LEVEL: 'debug', MCP_TOKEN: secrets.httpToken, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"/.exec(stderr);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`serve --http exited (${code}): ${stderr.slice(0, 2000)}`));
    });
  });
  const client = new Client({ name: 'canary-http', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${secrets.httpToken}` } } }));
  const call = async (name: string, args: Record<string, unknown>) => toResult(await client.callTool({ name, arguments: args }, { timeout: 60_000 }));
  return {
    host: { call, sandboxes },
    client,
    stderr: () => `${stderr}\n${stdout}`,
    storeFile,
    async close() {
      await client.close().catch(() => undefined);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const figures: Record<string, { calls: number; failures: number; outputsChecked: number; logBytes: number; auditLines: number }> = {};

for (const [transport, serve] of [['stdio', serveStdio], ['http', serveHttp]] as const) {
  describe(`secret canary over ${transport}`, () => {
    let sandboxes: Record<string, Sandbox>;
    let served: Served;
    const outputs: string[] = [];
    const stats = { calls: 0, failures: 0, outputsChecked: 0, logBytes: 0, auditLines: 0 };
    beforeAll(async () => {
      sandboxes = await startSandboxes(TENANTS);
      served = await serve(sandboxes);
    });
    afterAll(async () => {
      await served?.close();
      await Promise.all(Object.values(sandboxes ?? {}).map((s) => s.close()));
    });

    it('every tool, on working and wrong secrets and under a fault, leaks no secret in its results', { timeout: 90_000 }, async () => {
      const record = (res: CallResult | unknown) => {
        outputs.push(JSON.stringify(res));
        stats.calls++;
        if ((res as CallResult).isError) stats.failures++;
      };
      for (const tool of allTools()) {
        const sample = SAMPLES[tool.name];
        expect(sample, `no sample arguments for ${tool.name}`).toBeDefined();
        record(await served.host.call(tool.name, await sample!.args(served.host, 'good')));
        record(await served.host.call(tool.name, plainArgs(tool.name, 'bad')));
      }
      // Under a fault last: a fleet tool's many failing requests open the tenant's circuit breaker (30 s),
      // which would fail the next tool's preparation; its "failing" error is checked for leaks too.
      sandboxes.good!.faults.add({ path: /.*/, kind: 'status', status: 500 });
      try {
        for (const tool of allTools()) record(await served.host.call(tool.name, plainArgs(tool.name, 'good')));
      } finally {
        sandboxes.good!.faults.clear();
      }
      for (const uri of ['espocrm://tenants', 'espocrm://tenants/good', 'espocrm://tenants/bad']) outputs.push(JSON.stringify(await served.client.readResource({ uri })));
      expect(stats.failures).toBeGreaterThan(allTools().length); // the wrong secrets and the fault did fail calls
      stats.outputsChecked = outputs.length;
      for (const o of outputs) expect(leaks(o)).toEqual([]);
      // The detector itself finds a secret in each form it looks for.
      expect(leaks(`x ${Buffer.from(`admin:${secrets.goodPassword}`).toString('base64')} y`)).toContain('goodPassword');
      expect(leaks(`"${encodeURIComponent(secrets.wrongKey)}"`)).toContain('wrongKey');
    });

    it("the server's debug log has no secret", () => {
      const log = served.stderr();
      expect(log).toMatch(/"level":20/); // debug lines are there
      stats.logBytes = log.length;
      expect(leaks(log)).toEqual([]);
    });

    it('the store (audit lines, and the raw bytes of its files) has no secret', async () => {
      expect(existsSync(served.storeFile)).toBe(true);
      const store = await openSqliteStore(served.storeFile);
      let audit = '';
      try {
        stats.auditLines = await store.each({}, (e) => void (audit += `${JSON.stringify(e)}\n`));
      } finally {
        await store.close();
      }
      expect(stats.auditLines).toBeGreaterThan(10);
      expect(leaks(audit)).toEqual([]);
      // The files as an attacker with the disk would read them: the database and its write-ahead log.
      const raw = [served.storeFile, `${served.storeFile}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('\n');
      expect(raw.length).toBeGreaterThan(0);
      expect(leaks(raw)).toEqual([]);
      figures[transport] = stats;
    });
  });
}

describe('canary figures', () => {
  it('are the ones in docs/reliability.md', () => {
    expect(Object.keys(figures).sort()).toEqual(['http', 'stdio']);
    const rows = (['stdio', 'http'] as const).map((t) => [t, figures[t]!.calls, figures[t]!.failures, figures[t]!.outputsChecked, 0]);
    const markdown = [
      `${allTools().length} tools, each called three times per transport: on a working tenant, on a tenant with a wrong admin password and API key, and under an injected 500.`,
      '',
      table(['transport', 'tool calls', 'of which failed', 'results and resources checked', 'secrets found (results, debug log, audit log)'], rows),
    ].join('\n');
    recordFigures('canary', { transports: figures }, markdown);
  });
});
