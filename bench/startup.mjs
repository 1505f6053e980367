// Startup benchmark: time from spawn to the `initialize` answer and to the `tools/list` answer, for
// espocrm-admin-mcp (dist/cli.js, two sandbox tenants configured) and for a minimal SDK server, measured
// alternately in the same run. Prints medians and the ratio ours / minimal.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport as SdkStdioClientTransport } from '@modelcontextprotocol/client/stdio';

/** A subclass negotiates the era in place: the base class would probe on a second spawned server. */
class StdioClientTransport extends SdkStdioClientTransport {}
import { startSandbox } from '../dist/sandbox/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);

async function once(command, args, env, cwd) {
  const t0 = performance.now();
  const transport = new StdioClientTransport({ command, args, env: { PATH: process.env.PATH ?? '', ...env }, cwd, stderr: 'ignore' });
  // Both servers in the same era: the current revision (2026-07-28), pinned (no probe, no initialize).
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(transport);
  const init = performance.now() - t0;
  await client.listTools();
  const list = performance.now() - t0;
  await client.close();
  return { init, list };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

export async function benchStartup() {
  const a = await startSandbox({ leads: 0, contacts: 0, accounts: 0, name: 'a' });
  const b = await startSandbox({ leads: 0, contacts: 0, accounts: 0, name: 'b' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-startup-'));
  try {
    const config = {
      tenants: Object.fromEntries(
        [['tenant-a', a, 'TENANT_A'], ['tenant-b', b, 'TENANT_B']].map(([id, sb, p]) => [
          id,
          { url: sb.url, apiKey: `env:${p}_KEY`, admin: { username: sb.credentials.admin.username, password: `env:${p}_PW` } },
        ]),
      ),
    };
    await writeFile(path.join(dir, 'tenants.json'), JSON.stringify(config));
    const env = {
      TENANT_A_KEY: a.credentials.apiKey, TENANT_A_PW: a.credentials.admin.password,
      TENANT_B_KEY: b.credentials.apiKey, TENANT_B_PW: b.credentials.admin.password,
      LOG_LEVEL: 'warn',
    };
    const ours = { init: [], list: [] };
    const base = { init: [], list: [] };
    // warm the file cache once each
    await once(process.execPath, [path.join(here, '../dist/cli.js'), 'serve', '--config', 'tenants.json'], env, dir);
    await once(process.execPath, [path.join(here, 'minimal-server.mjs')], {}, here);
    for (let i = 0; i < runs; i++) {
      const o = await once(process.execPath, [path.join(here, '../dist/cli.js'), 'serve', '--config', 'tenants.json'], env, dir);
      const m = await once(process.execPath, [path.join(here, 'minimal-server.mjs')], {}, here);
      ours.init.push(o.init); ours.list.push(o.list);
      base.init.push(m.init); base.list.push(m.list);
    }
    return [
      { name: 'startup: spawn -> initialize', ours: median(ours.init), baseline: median(base.init), baselineName: 'minimal SDK server' },
      { name: 'startup: spawn -> tools/list', ours: median(ours.list), baseline: median(base.list), baselineName: 'minimal SDK server' },
    ];
  } finally {
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
}
