/**
 * A tenants.json that cannot be loaded (issue 18): the built server starts anyway, over stdio and HTTP,
 * and every call answers with the configuration error and its fix, where the user is (a stdio client
 * used to show only "Connection closed"). Needs `npm run build`, as the other e2e tests do.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, spawnServer, startSandboxes, tenantsJson } from '../helpers/stack.js';
import type { Sandbox } from '../../src/sandbox/index.js';

const CANARY = 'CANARY-cfgerr-5b1d02';

type ToolText = { isError?: boolean; content: Array<{ type: string; text?: string }> };
const textOf = (res: unknown) => (res as ToolText).content.map((c) => c.text ?? '').join('\n');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-cfgerr-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('serve with a configuration that cannot be loaded', () => {
  const cases: Array<{ name: string; file?: string; expected: RegExp[]; fix: RegExp }> = [
    {
      name: 'invalid JSON',
      file: '{ "tenants": { "damath": { "url": "https://d.example", "apiKey": "env:K", } } }',
      expected: [/invalid configuration in .*broken\.json: not valid JSON at line 1, column \d+/],
      fix: /Fix: correct .*broken\.json as the error says/,
    },
    {
      name: 'an unknown field and a literal secret',
      file: JSON.stringify({ tenants: { damath: { url: 'https://d.example', apiKey: CANARY, readonly: true } } }),
      expected: [/tenants\.damath\.apiKey: a literal secret is not allowed here \(the value is not shown\)/, /readonly/],
      fix: /Fix: correct .*broken\.json as the error says/,
    },
    {
      name: 'a missing file given with --config',
      expected: [/the config file .*missing\.json \(from --config\) does not exist/],
      fix: /Fix: do what the error says \(`espocrm-admin-mcp tenants add ID --config .*missing\.json` writes a tenants.json for you\)/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: tools are listed, every call answers with the error and its fix, resources are empty, the instructions say so`, async () => {
      const file = path.join(dir, c.file === undefined ? 'missing.json' : 'broken.json');
      if (c.file !== undefined) await writeFile(file, c.file);
      const { client, stderr } = await spawnServer({ args: ['serve', '--config', file], env: {}, cwd: dir });
      try {
        const { tools } = await client.listTools();
        const names = tools.map((t) => t.name);
        expect(names).toContain('list_tenants');
        expect(names).toContain('create_custom_field');
        for (const [name, args] of [['list_tenants', {}], ['check_tenant', { tenant: 'damath' }], ['create_custom_field', { tenant: 'damath', entity: 'Lead', name: 'sector', type: 'varchar' }]] as const) {
          const res = await client.callTool({ name, arguments: args });
          expect(res.isError, name).toBe(true);
          const text = textOf(res);
          expect(text).toContain('The configuration could not be loaded, so this server has no tenant to work on.');
          for (const e of c.expected) expect(text).toMatch(e);
          expect(text).toMatch(c.fix);
          expect(text).toContain(`espocrm-admin-mcp tenants list --config ${file}`);
          expect(text).toContain('then restart this MCP server');
          expect(text).not.toContain(CANARY);
        }
        expect((await client.listResources()).resources).toEqual([]);
        await expect(client.readResource({ uri: 'espocrm://tenants/damath/entities/Lead' })).rejects.toThrow(/The configuration could not be loaded/);
        expect(client.getInstructions()).toMatch(/its configuration \(tenants\.json\) is broken/);
        for (const e of c.expected) expect(client.getInstructions()).toMatch(e);
        expect(stderr()).toContain('the configuration cannot be loaded: serving without tenants');
        expect(stderr()).not.toContain(CANARY);
      } finally {
        await client.close();
      }
    });
  }

  it('--read-only lists only the read tools; a secret missing for one tenant is not a configuration error', async () => {
    const file = path.join(dir, 'broken-ro.json');
    await writeFile(file, '{');
    const ro = await spawnServer({ args: ['serve', '--config', file, '--read-only'], env: {}, cwd: dir });
    try {
      const names = (await ro.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('list_tenants');
      expect(names).not.toContain('create_custom_field');
    } finally {
      await ro.client.close();
    }

    let sandboxes: Record<string, Sandbox> = {};
    try {
      sandboxes = await startSandboxes([{ id: 'damath', sandbox: { leads: 0, contacts: 0, accounts: 0 } }, { id: 'vero', sandbox: { leads: 0, contacts: 0, accounts: 0 } }]);
      const { json, env } = tenantsJson([{ id: 'damath' }, { id: 'vero' }], sandboxes);
      const good = path.join(dir, 'good.json');
      await writeFile(good, JSON.stringify(json));
      // vero's secrets are not set: only vero breaks.
      const only = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('DAMATH_')));
      const served = await spawnServer({ args: ['serve', '--config', good], env: only, cwd: dir });
      try {
        expect(served.client.getInstructions()).not.toMatch(/broken/);
        const ok = await served.client.callTool({ name: 'check_tenant', arguments: { tenant: 'damath' } });
        expect(ok.isError).toBeFalsy();
        const vero = await served.client.callTool({ name: 'check_tenant', arguments: { tenant: 'vero' } });
        expect(textOf(vero)).toContain('VERO_ESPO_API_KEY is not set');
        expect(textOf(vero)).not.toContain('The configuration could not be loaded');
      } finally {
        await served.client.close();
      }
    } finally {
      await Promise.all(Object.values(sandboxes).map((s) => s.close()));
    }
  });

  it('serve --http starts on loopback and answers the same way', async () => {
    const file = path.join(dir, 'broken-http.json');
    await writeFile(file, JSON.stringify({ tenants: {}, http: { tokens: 'nope' } }));
    const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', '--config', file], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', XDG_STATE_HOME: dir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let url: string | undefined;
      for (let i = 0; i < 500 && !url; i++) {
        url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"/.exec(stderr)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 20));
      }
      expect(url, stderr).toBeDefined();
      expect(stderr).toContain('the configuration cannot be loaded');
      const client = new Client({ name: 'cfgerr', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(url!)));
      const res = await client.callTool({ name: 'list_tenants', arguments: {} });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toMatch(/http\.tokens/);
      expect(textOf(res)).toContain('Fix: correct');
      await client.close();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
