// Tool-call overhead: get_layout through the MCP server (spawned dist/cli.js over stdio, one tenant on a
// sandbox) against a direct HTTP GET of the same layout from the same sandbox, with the same admin token
// reuse, measured alternately in the same run. Prints medians and the ratio ours / direct.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startSandbox } from '../dist/sandbox/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const calls = Number(process.env.BENCH_CALLS ?? 300);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchOverhead() {
  const sb = await startSandbox({ leads: 0, contacts: 0, accounts: 0, name: 'bench' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-overhead-'));
  let client;
  try {
    const config = { tenants: { bench: { url: sb.url, apiKey: 'env:B_KEY', admin: { username: sb.credentials.admin.username, password: 'env:B_PW' } } } };
    await writeFile(path.join(dir, 'tenants.json'), JSON.stringify(config));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(here, '../dist/cli.js'), 'serve', '--config', 'tenants.json'],
      env: { PATH: process.env.PATH ?? '', B_KEY: sb.credentials.apiKey, B_PW: sb.credentials.admin.password, LOG_LEVEL: 'warn', XDG_STATE_HOME: dir },
      cwd: dir,
      stderr: 'ignore',
    });
    client = new Client({ name: 'bench', version: '1' });
    await client.connect(transport);

    // direct baseline: log in once, then reuse the token, as the server does
    const basic = Buffer.from(`${sb.credentials.admin.username}:${sb.credentials.admin.password}`).toString('base64');
    const login = await fetch(`${sb.apiUrl}/App/user`, { headers: { 'Espo-Authorization': basic } });
    const { token } = await login.json();
    const byToken = { 'Espo-Authorization': Buffer.from(`${sb.credentials.admin.username}:${token}`).toString('base64'), 'Espo-Authorization-By-Token': 'true' };
    const direct = async () => {
      const t0 = performance.now();
      const r = await fetch(`${sb.apiUrl}/Lead/layout/detail`, { headers: byToken });
      await r.json();
      return performance.now() - t0;
    };
    const viaMcp = async () => {
      const t0 = performance.now();
      const r = await client.callTool({ name: 'get_layout', arguments: { entity: 'Lead', layout: 'detail' } });
      if (r.isError) throw new Error(JSON.stringify(r.content));
      return performance.now() - t0;
    };
    for (let i = 0; i < 20; i++) {
      await viaMcp();
      await direct();
    }
    const ours = [];
    const base = [];
    for (let i = 0; i < calls; i++) {
      ours.push(await viaMcp());
      base.push(await direct());
    }
    return [{ name: 'tool call: get_layout via MCP (stdio) vs direct GET', ours: median(ours), baseline: median(base), baselineName: 'direct HTTP to the sandbox' }];
  } finally {
    await client?.close();
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  }
}
