/**
 * `tenants add --provision` through the built CLI (needs `npm run build`) against a sandbox CRM on
 * loopback: a fresh provisioning (role, API user, 0600 secret files, tenants.json, audit line without
 * secrets), a rerun that reuses role and user, and a failure in the live check that leaves no user,
 * no secret and no tenants.json behind (and keeps the reused role).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_NAME } from '../../src/lifecycle/provision.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import { runCli } from '../helpers/stack.js';

let sb: Sandbox;
let dir: string;

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env: { ACME_PW: sb.credentials.admin.password, ...env } });

const provision = (id: string, config: string, extra: string[] = []) =>
  cli(['tenants', 'add', id, '--url', sb.url, '--admin-user', 'admin', '--admin-password-env', 'ACME_PW', '--provision', '--secrets', 'file:secrets', '--config', config, ...extra]);

const apiUsers = () => sb.state.users.allUsers().filter((u) => u.userName.startsWith('mcp-api-'));
const roles = () => sb.state.users.allRoles().filter((r) => r.name === DEFAULT_ROLE_NAME);

async function auditLines() {
  const store = await openSqliteStore(path.join(dir, 'espocrm-admin-mcp', 'store.sqlite'));
  try {
    return await store.read();
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  sb = await startSandbox({ leads: 2, contacts: 1, accounts: 1, name: 'acme', lockout: false });
  dir = await mkdtemp(path.join(os.tmpdir(), 'espo-provision-'));
});
afterAll(async () => {
  await sb?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tenants add --provision (built CLI)', () => {
  const config = () => path.join(dir, 'tenants.json');

  it('provisions from the admin login alone: role, API user, secrets in 0600 files, tenants.json, audit line', async () => {
    const r = await provision('acme', config());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/role "MCP API read CRM" created/);
    expect(r.stderr).toMatch(/API user "mcp-api-acme" created/);
    expect(r.stderr).toMatch(/Role "MCP API read CRM": created\. API user "mcp-api-acme": created\./);

    const [user] = apiUsers();
    expect(apiUsers()).toHaveLength(1);
    expect(roles()).toHaveLength(1);
    expect(user).toMatchObject({ type: 'api', authMethod: 'ApiKey', roleIds: [roles()[0]!.id] });

    const written = JSON.parse(await readFile(config(), 'utf8')) as { tenants: Record<string, Record<string, unknown>> };
    expect(written.tenants.acme).toEqual({
      name: 'acme',
      url: sb.url,
      apiKey: 'file:secrets/acme.apiKey',
      admin: { username: 'admin', password: 'file:secrets/acme.adminPassword' },
    });
    const keyFile = path.join(dir, 'secrets', 'acme.apiKey');
    expect((await readFile(keyFile, 'utf8')).trim()).toBe(user!.apiKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect((await readFile(path.join(dir, 'secrets', 'acme.adminPassword'), 'utf8')).trim()).toBe(sb.credentials.admin.password);

    const lines = await auditLines();
    expect(lines.map((l) => [l.tenant, l.tool, l.outcome])).toEqual([['acme', 'tenants add --provision', 'applied']]);
    expect(lines[0]!.summary).toMatch(/API user "mcp-api-acme" created/);
    for (const secret of [user!.apiKey!, sb.credentials.admin.password]) {
      expect(JSON.stringify(lines)).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
    // The key works as the server will use it.
    const res = await fetch(`${sb.apiUrl}/Lead?maxSize=1`, { headers: { 'X-Api-Key': user!.apiKey! } });
    expect(res.status).toBe(200);
  });

  it('a second run reuses the role and the API user', async () => {
    const r = await provision('acme', config(), ['--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Role "MCP API read CRM": reused\. API user "mcp-api-acme": reused\./);
    expect(apiUsers()).toHaveLength(1);
    expect(roles()).toHaveLength(1);
    expect((await auditLines()).map((l) => l.outcome)).toEqual(['applied', 'applied']);
  });

  it('a failure in a later step (the live check) leaves no new user, no secret and no tenants.json; the reused role stays', async () => {
    const other = path.join(dir, 'beta', 'tenants.json');
    const roleIds = roles().map((x) => x.id);
    sb.faults.add({ method: 'GET', path: 'Contact', kind: 'status', status: 503, times: 10 });
    try {
      const r = await provision('beta', other);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Provisioning failed while checking the new API user live: .*Taken back: API user "mcp-api-beta" deleted\./s);
    } finally {
      sb.faults.clear();
    }
    expect(apiUsers().map((u) => u.userName)).toEqual(['mcp-api-acme']);
    expect(roles().map((x) => x.id)).toEqual(roleIds);
    expect(existsSync(other)).toBe(false);
    expect(existsSync(path.join(dir, 'beta', 'secrets'))).toBe(false);
    const last = (await auditLines()).at(-1)!;
    expect(last).toMatchObject({ tenant: 'beta', tool: 'tenants add --provision', outcome: 'failed' });
  });

  it('--hmac makes an Hmac user and stores its secret too', async () => {
    const cfg = path.join(dir, 'gamma', 'tenants.json');
    const r = await provision('gamma', cfg, ['--hmac']);
    expect(r.code, r.stderr).toBe(0);
    const user = sb.state.users.allUsers().find((u) => u.userName === 'mcp-api-gamma')!;
    expect(user.authMethod).toBe('Hmac');
    const written = JSON.parse(await readFile(cfg, 'utf8')) as { tenants: Record<string, Record<string, unknown>> };
    expect(written.tenants.gamma!.hmacSecret).toBe('file:secrets/gamma.hmacSecret');
    expect((await readFile(path.join(dir, 'gamma', 'secrets', 'gamma.hmacSecret'), 'utf8')).trim()).toBe(user.secretKey);
    expect(r.stderr).not.toContain(user.secretKey!);
  });

  it('refuses flags that contradict --provision before asking the CRM anything', async () => {
    const before = sb.requests.length;
    const r = await cli(['tenants', 'add', 'delta', '--url', sb.url, '--admin-user', 'admin', '--admin-password-env', 'ACME_PW', '--provision', '--api-key-env', 'X', '--config', path.join(dir, 'delta.json')], { X: 'k' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--provision makes the API user and reads its key: drop --api-key-stdin/);
    const h = await cli(['tenants', 'add', 'delta', '--url', sb.url, '--admin-user', 'admin', '--admin-password-env', 'ACME_PW', '--hmac', '--config', path.join(dir, 'delta.json')]);
    expect(h.code).toBe(1);
    expect(h.stderr).toMatch(/--hmac applies to --provision only/);
    expect(sb.requests.length).toBe(before);
    expect(await readdir(dir)).not.toContain('delta.json');
  });
});
