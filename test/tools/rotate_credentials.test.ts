/**
 * rotate_credentials through the MCP server (in-process harness) against sandbox CRMs: plan, confirm,
 * the sandbox refuses the old secret and takes the new one stored in the file tenants.json points at,
 * the server goes on working without a restart, and neither the result nor the audit holds a secret.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPasswordAttempt, startHarness, type Harness } from '../helpers/harness.js';
import type { StackTenant } from '../helpers/stack.js';

const SECRET_DIR = () => mkdtempSync(join(tmpdir(), 'rotate-secrets-'));

function secretFile(dir: string, name: string, value: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return path;
}

const read = (path: string) => readFileSync(path, 'utf8').replace(/\n$/, '');

async function apiStatus(url: string, key: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/App/user`, { headers: { 'X-Api-Key': key } });
  await res.arrayBuffer();
  return res.status;
}

async function loginStatus(url: string, user: string, password: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/App/user`, { headers: { 'Espo-Authorization': Buffer.from(`${user}:${password}`).toString('base64') } });
  await res.arrayBuffer();
  return res.status;
}

/** Every value of the audit trail and the results must be free of these secrets. */
async function expectNoSecret(h: Harness, texts: string[], secrets: string[]): Promise<void> {
  const lines = JSON.stringify(await h.audit.read());
  for (const s of secrets) {
    expect(lines).not.toContain(s);
    for (const t of texts) expect(t).not.toContain(s);
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A harness whose tenant "acme" keeps its API key and admin password in 0600 files. */
async function fileHarness(opts: { hmac?: boolean; extra?: Partial<StackTenant> } = {}) {
  const dir = SECRET_DIR();
  const creds = {
    admin: { username: 'admin', password: `pw-${randomBytes(6).toString('hex')}` },
    apiKey: randomBytes(16).toString('hex'),
    hmac: { apiKey: randomBytes(16).toString('hex'), secret: randomBytes(16).toString('hex') },
  };
  const keyFile = secretFile(dir, 'acme.apiKey', opts.hmac ? creds.hmac.apiKey : creds.apiKey);
  const pwFile = secretFile(dir, 'acme.adminPassword', creds.admin.password);
  const hmacFile = opts.hmac ? secretFile(dir, 'acme.hmacSecret', creds.hmac.secret) : undefined;
  h = await startHarness([{ id: 'acme', sandbox: { leads: 3, contacts: 1, accounts: 1, ...creds }, ...opts.extra }], {
    tenantOverrides: {
      acme: {
        apiKey: `file:${keyFile}`,
        ...(hmacFile ? { hmacSecret: `file:${hmacFile}` } : {}),
        admin: { username: creds.admin.username, password: `file:${pwFile}` },
      },
    },
  });
  return { h, creds, keyFile, pwFile, hmacFile, dir, sb: h.sandboxes.acme! };
}

describe('rotate_credentials', () => {
  it('rotates the API key: plan, confirm, old key refused, new key stored and working, no secret in results or audit', async () => {
    const { h, creds, keyFile, sb } = await fileHarness();
    const plan = await h.call('rotate_credentials', { tenant: 'acme', what: 'apiKey' });
    expect(plan.isError).toBe(false);
    expect(plan.structured.status).toBe('planned');
    expect(plan.text).toMatch(/PLAN \(nothing changed yet\)/);
    expect(await apiStatus(sb.url, creds.apiKey)).toBe(200); // nothing changed by the plan

    const done = await h.call('rotate_credentials', { tenant: 'acme', what: 'apiKey', confirm: plan.structured.confirmToken });
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ status: 'rotated', newWorks: true, oldRefused: true, problems: [] });
    expect((done.structured.storedAt as string[])[0]).toContain(keyFile);

    const newKey = read(keyFile);
    expect(newKey).not.toBe(creds.apiKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(await apiStatus(sb.url, creds.apiKey)).toBe(401);
    expect(await apiStatus(sb.url, newKey)).toBe(200);
    expect(existsSync(`${keyFile}.next`)).toBe(false);

    // The running server uses the new key without a restart.
    const check = await h.call('check_tenant', { tenant: 'acme' });
    expect(check.structured.apiKey).toMatchObject({ status: 'ok' });

    const lines = (await h.audit.read()).filter((e) => e.tool === 'rotate_credentials');
    expect(lines.map((e) => e.outcome)).toEqual(['planned', 'applied']);
    await expectNoSecret(h, [plan.text, done.text, JSON.stringify(done.structured), JSON.stringify(plan.structured)], [creds.apiKey, newKey]);
  });

  it('rotates an HMAC user\'s key and secret together', async () => {
    const { h, creds, keyFile, hmacFile, sb } = await fileHarness({ hmac: true });
    const plan = await h.call('rotate_credentials', { tenant: 'acme', what: 'apiKey' });
    const done = await h.call('rotate_credentials', { tenant: 'acme', what: 'apiKey', confirm: plan.structured.confirmToken });
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ status: 'rotated', newWorks: true, oldRefused: true });
    expect(read(keyFile)).not.toBe(creds.hmac.apiKey);
    expect(read(hmacFile!)).not.toBe(creds.hmac.secret);
    const user = sb.state.users.allUsers().find((u) => u.userName === 'sandbox-api-hmac')!;
    expect(user.apiKey).toBe(read(keyFile));
    expect(user.secretKey).toBe(read(hmacFile!));
    expect((await h.call('check_tenant', { tenant: 'acme' })).structured.apiKey).toMatchObject({ status: 'ok' });
    await expectNoSecret(h, [done.text], [read(keyFile), read(hmacFile!), creds.hmac.secret]);
  });

  it('rotates the admin password: staged, switched, old refused with a single failed login, stored, staging removed', async () => {
    const { h, creds, pwFile, sb } = await fileHarness();
    const plan = await h.call('rotate_credentials', { tenant: 'acme', what: 'adminPassword' });
    const before = sb.requests.length;
    const done = await h.call('rotate_credentials', { tenant: 'acme', what: 'adminPassword', confirm: plan.structured.confirmToken });
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ status: 'rotated', newWorks: true, oldRefused: true });
    const newPassword = read(pwFile);
    expect(newPassword).not.toBe(creds.admin.password);
    expect(newPassword).toHaveLength(24);
    expect(existsSync(`${pwFile}.next`)).toBe(false);
    const failedLogins = sb.requests.slice(before).filter((r) => isPasswordAttempt(r) && r.status === 401);
    expect(failedLogins).toHaveLength(1);

    expect(await loginStatus(sb.url, creds.admin.username, creds.admin.password)).toBe(401);
    expect(await loginStatus(sb.url, creds.admin.username, newPassword)).toBe(200);
    // The server logs in again with the stored password when it needs to.
    await h.registry.resolve('acme', { name: 'local', tenants: '*' }).client().logout();
    expect((await h.call('check_tenant', { tenant: 'acme' })).structured.admin).toMatchObject({ status: 'ok' });
    await expectNoSecret(h, [plan.text, done.text, JSON.stringify(done.structured)], [creds.admin.password, newPassword]);
  });

  it('a refused password change leaves the old password stored and valid, and no staging slot', async () => {
    const { h, creds, pwFile, sb } = await fileHarness();
    sb.state.settings.passwordStrengthLength = 64; // the CRM refuses the generated password as weak
    const plan = await h.call('rotate_credentials', { tenant: 'acme', what: 'adminPassword' });
    const res = await h.call('rotate_credentials', { tenant: 'acme', what: 'adminPassword', confirm: plan.structured.confirmToken });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/Not rotated: EspoCRM refused the password change.*old password still works and is still stored/s);
    expect(read(pwFile)).toBe(creds.admin.password);
    expect(existsSync(`${pwFile}.next`)).toBe(false);
    expect(await loginStatus(sb.url, creds.admin.username, creds.admin.password)).toBe(200);
    const last = (await h.audit.read()).at(-1)!;
    expect(last).toMatchObject({ tool: 'rotate_credentials', outcome: 'failed' });
  });

  it('a lost answer to the key request is settled with the old key first: it still works, nothing changed', async () => {
    const { h, creds, keyFile, sb } = await fileHarness();
    sb.faults.add({ method: 'POST', path: 'UserSecurity/apiKey/generate', kind: 'status', status: 504, times: 1 });
    const plan = await h.call('rotate_credentials', { tenant: 'acme', what: 'apiKey' });
    const res = await h.call('rotate_credentials', { tenant: 'acme', what: 'apiKey', confirm: plan.structured.confirmToken });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/Not rotated: EspoCRM did not answer .*old key still works and is still stored/s);
    expect(read(keyFile)).toBe(creds.apiKey);
    expect(await apiStatus(sb.url, creds.apiKey)).toBe(200);
  });

  it('refuses env: references in the plan (blocked, no token) with what to do instead', async () => {
    h = await startHarness([{ id: 'acme', sandbox: { leads: 1, contacts: 0, accounts: 0 } }]);
    const plan = await h.call('rotate_credentials', { tenant: 'acme', what: 'apiKey' });
    expect(plan.isError).toBe(false);
    expect(plan.structured.status).toBe('blocked');
    expect(plan.structured.confirmToken).toBeUndefined();
    expect(plan.text).toMatch(/environment variable ACME_KEY, which this server cannot write.*set-secret acme apiKey/s);
    const forced = await h.call('rotate_credentials', { tenant: 'acme', what: 'apiKey', confirm: 'x'.repeat(40) });
    expect(forced.isError).toBe(true);
    expect(h.sandboxes.acme!.requests.some((r) => r.path === 'UserSecurity/apiKey/generate')).toBe(false);
  });

  it('blocks a tenant without an API key, and read-only tenants are refused by the policy', async () => {
    h = await startHarness([{ id: 'acme', apiKey: null, sandbox: { leads: 1, contacts: 0, accounts: 0 } }, { id: 'ro', extra: { readOnly: true }, sandbox: { leads: 1, contacts: 0, accounts: 0 } }]);
    const plan = await h.call('rotate_credentials', { tenant: 'acme', what: 'apiKey' });
    expect(plan.structured.status).toBe('blocked');
    expect(plan.text).toMatch(/has no API key to rotate/);
    const ro = await h.call('rotate_credentials', { tenant: 'ro', what: 'adminPassword' });
    expect(ro.isError).toBe(true);
    expect(ro.text).toMatch(/read-only/);
  });
});
