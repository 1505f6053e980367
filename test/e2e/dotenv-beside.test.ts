/**
 * A desktop client starts the server in a folder the user cannot choose: `serve --config
 * /path/tenants.json` reads `/path/.env` too (issue 18), after the working directory's `.env`, never
 * overriding a variable already set. Needs `npm run build`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { spawnServer, startSandboxes, tenantsJson } from '../helpers/stack.js';

let sandboxes: Record<string, Sandbox>;
let root: string;
beforeAll(async () => {
  sandboxes = await startSandboxes([{ id: 'damath', sandbox: { leads: 0, contacts: 0, accounts: 0 } }]);
  root = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-dotenv-'));
});
afterAll(async () => {
  await Promise.all(Object.values(sandboxes ?? {}).map((s) => s.close()));
  if (root) await rm(root, { recursive: true, force: true });
});

it('serve --config /path/tenants.json finds the secrets in /path/.env when started elsewhere', async () => {
  const { json, env } = tenantsJson([{ id: 'damath' }], sandboxes);
  const confDir = path.join(root, 'crm');
  const cwd = path.join(root, 'elsewhere');
  await Promise.all([confDir, cwd].map((d) => mkdir(d, { recursive: true })));
  await writeFile(path.join(confDir, 'tenants.json'), JSON.stringify(json));
  await writeFile(path.join(confDir, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
  // The working directory's .env comes first: a wrong password there wins over the one beside tenants.json.
  const served = await spawnServer({ args: ['serve', '--config', path.join(confDir, 'tenants.json')], env: {}, cwd });
  try {
    const res = await served.client.callTool({ name: 'check_tenant', arguments: { tenant: 'damath' } });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    expect(res.structuredContent).toMatchObject({ tenant: 'damath', ok: true });
  } finally {
    await served.client.close();
  }

  await writeFile(path.join(cwd, '.env'), 'DAMATH_ESPO_PASSWORD=not-the-password\n');
  const shadowed = await spawnServer({ args: ['serve', '--config', path.join(confDir, 'tenants.json')], env: {}, cwd });
  try {
    const res = await shadowed.client.callTool({ name: 'check_tenant', arguments: { tenant: 'damath' } });
    expect(res.structuredContent).toMatchObject({ ok: false, apiKey: { status: 'ok' }, admin: { status: 'failed' } });
  } finally {
    await shadowed.client.close();
  }
});
