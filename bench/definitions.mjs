// What every conversation pays before its first call: the tool definitions (description + input
// schema) that tools/list returns, per tool and in all, read from the built server over stdio with one
// sandbox tenant. Not a timing: sizes in bytes of the JSON a client sends to its model.
// Usage: node bench/definitions.mjs   (after npm run build)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startSandbox } from '../dist/sandbox/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function measureDefinitions() {
  const sb = await startSandbox({ leads: 0, contacts: 0, accounts: 0, name: 'bench' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-defs-'));
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
    client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(transport);
    const { tools } = await client.listTools();
    const rows = tools.map((t) => ({
      name: t.name,
      description: Buffer.byteLength(t.description ?? ''),
      input: Buffer.byteLength(JSON.stringify(t.inputSchema)),
      output: Buffer.byteLength(JSON.stringify(t.outputSchema ?? {})),
    }));
    const instructions = Buffer.byteLength(client.getInstructions() ?? '');
    return { rows, instructions };
  } finally {
    await client?.close();
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, instructions } = await measureDefinitions();
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  console.log('| tool | description | input schema | description + input | output schema |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.name} | ${kb(r.description)} | ${kb(r.input)} | ${kb(r.description + r.input)} | ${kb(r.output)} |`);
  const sum = rows.reduce((a, r) => a + r.description + r.input, 0);
  const largest = rows.reduce((a, r) => (r.description + r.input > a.description + a.input ? r : a));
  console.log(`\n${rows.length} tools: ${kb(sum)} in all, ${kb(sum / rows.length)} per tool on average; largest ${largest.name} ${kb(largest.description + largest.input)}; server instructions ${kb(instructions)}`);
}
