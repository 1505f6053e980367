/**
 * `tenants rotate` through the built CLI (needs `npm run build`) while a server process runs on the same
 * tenants.json and sandbox: the server picks the new API key and the new admin password up without a
 * restart (an API key refused with 401 is re-read and retried once; the password is read before each
 * login), with no failed login of its own for the password. Secrets never reach the output or the audit.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import { isPasswordAttempt } from '../helpers/harness.js';
import { spawnServer, runCli } from '../helpers/stack.js';

let sb: Sandbox;
let dir: string;
let config: string;
let server: { client: Client; stderr: () => string };
const secretPath = (name: string) => path.join(dir, 'secrets', name);
const readSecret = async (name: string) => (await readFile(secretPath(name), 'utf8')).replace(/\n$/, '');

const cli = (args: string[]) => runCli(args, { cwd: dir, env: {} });

async function checkTenant(): Promise<Record<string, { status: string }>> {
  const res = await server.client.callTool({ name: 'check_tenant', arguments: { tenant: 'acme' } });
  return res.structuredContent as Record<string, { status: string }>;
}

beforeAll(async () => {
  sb = await startSandbox({ leads: 2, contacts: 1, accounts: 1, name: 'acme' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'espo-rotate-'));
  await import('node:fs/promises').then((fs) => fs.mkdir(path.join(dir, 'secrets'), { mode: 0o700 }));
  await writeFile(secretPath('acme.apiKey'), `${sb.credentials.apiKey}\n`, { mode: 0o600 });
  await writeFile(secretPath('acme.adminPassword'), `${sb.credentials.admin.password}\n`, { mode: 0o600 });
  config = path.join(dir, 'tenants.json');
  await writeFile(
    config,
    JSON.stringify({ tenants: { acme: { url: sb.url, apiKey: 'file:secrets/acme.apiKey', admin: { username: 'admin', password: 'file:secrets/acme.adminPassword' } } } }),
  );
  server = await spawnServer({ args: ['serve', '--config', config], env: {}, cwd: dir });
});
afterAll(async () => {
  await server?.client.close().catch(() => undefined);
  await sb?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tenants rotate while a server runs', () => {
  it('without a terminal it needs --yes, and changes nothing', async () => {
    const r = await cli(['tenants', 'rotate', 'acme', '--api-key', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no terminal to confirm on: add --yes/);
    expect(await readSecret('acme.apiKey')).toBe(sb.credentials.apiKey);
    const both = await cli(['tenants', 'rotate', 'acme', '--config', config, '--yes']);
    expect(both.stderr).toMatch(/choose what to rotate: --api-key or --admin-password/);
  });

  it('a new API key: the running server uses it after one refused request, no restart', async () => {
    expect((await checkTenant()).apiKey!.status).toBe('ok'); // the server holds the old key now
    const r = await cli(['tenants', 'rotate', 'acme', '--api-key', '--yes', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/This will make a new API key for the API user of tenant "acme"/);
    expect(r.stderr).toMatch(/Rotated the API key of tenant "acme"\.\nStored in the file .*acme\.apiKey\./);
    expect(r.stderr).toMatch(/The new one works: yes; the old one is refused: yes\./);
    const newKey = await readSecret('acme.apiKey');
    expect(newKey).not.toBe(sb.credentials.apiKey);
    expect(r.stderr + r.stdout).not.toContain(newKey);
    expect(r.stderr).not.toContain(sb.credentials.apiKey);

    const before = sb.requests.length;
    expect((await checkTenant()).apiKey!.status).toBe('ok');
    const apiRefusals = sb.requests.slice(before).filter((q) => q.path === 'App/user' && q.status === 401);
    expect(apiRefusals).toHaveLength(1); // the stale key once, then the stored one
  });

  it('a new admin password: the server logs in again with it (no failed login of its own)', async () => {
    expect((await checkTenant()).admin!.status).toBe('ok');
    const oldPassword = await readSecret('acme.adminPassword');
    const start = sb.requests.length;
    const r = await cli(['tenants', 'rotate', 'acme', '--admin-password', '--yes', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    const rotation = sb.requests.slice(start);
    expect(rotation.filter((q) => isPasswordAttempt(q) && q.status === 401)).toHaveLength(1); // the old password, checked refused once
    const newPassword = await readSecret('acme.adminPassword');
    expect(newPassword).not.toBe(oldPassword);
    expect(r.stderr).not.toContain(newPassword);
    expect(r.stderr).not.toContain(oldPassword);

    // The server's session token ends (as an idle one would): its next admin request logs in again.
    const tokens = (sb.state.users as unknown as { tokens: Map<string, { isActive: boolean }> }).tokens;
    for (const t of tokens.values()) t.isActive = false;
    const before = sb.requests.length;
    expect((await checkTenant()).admin!.status).toBe('ok');
    // The dead token is refused (not a login), then one password login with the stored password succeeds, and the request is sent again.
    const logins = sb.requests.slice(before).filter((q) => q.path === 'App/user' && q.auth !== 'api-key').map((q) => [q.auth, q.status]);
    expect(logins).toEqual([
      ['none', 401],
      ['espo-password', 200],
      ['espo-token', 200],
    ]);
  });

  it('both rotations are in the store, without secrets', async () => {
    const store = await openSqliteStore(path.join(dir, 'espocrm-admin-mcp', 'store.sqlite'));
    const lines = (await store.read()).filter((l) => l.tool === 'tenants rotate');
    await store.close();
    expect(lines.map((l) => [l.args.what, l.outcome])).toEqual([
      ['apiKey', 'applied'],
      ['adminPassword', 'applied'],
    ]);
    const text = JSON.stringify(lines);
    for (const s of [sb.credentials.apiKey, sb.credentials.admin.password, await readSecret('acme.apiKey'), await readSecret('acme.adminPassword')]) expect(text).not.toContain(s);
    expect(server.stderr()).not.toContain(await readSecret('acme.adminPassword'));
  });
});
