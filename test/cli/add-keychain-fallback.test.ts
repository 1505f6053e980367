/**
 * `tenants add` on a terminal when the OS keychain is unreachable (issue 18): it says so and offers
 * file:DIR or env on the spot, keeping every answer. The keychain is the real one (KeychainStore)
 * without a D-Bus session, as on a headless server; a file of its own, as the keyring module keeps
 * failing in a process once it could not reach a Secret Service (see add-keychain-unreachable.test.ts).
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerTenantsCommands } from '../../src/cli/tenants.js';
import { loadConfig } from '../../src/config/load.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { resolveSecret } from '../../src/secrets/resolve.js';

/** A terminal that types each answer once its question has appeared on stderr. */
async function onTerminal(args: string[], answers: Array<[RegExp, string]>, cwd: string) {
  const stdin = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (mode: boolean) => void };
  stdin.isTTY = true;
  stdin.setRawMode = () => undefined;
  const stderr = new PassThrough();
  let all = '';
  let pending = '';
  let next = 0;
  stderr.on('data', (c: Buffer) => {
    all += c.toString();
    pending += c.toString();
    const answer = answers[next];
    if (answer && answer[0].test(pending)) {
      next++;
      pending = '';
      setImmediate(() => stdin.write(answer[1]));
    }
  });
  let exitCode: number | undefined;
  const program = new Command('espocrm-admin-mcp').exitOverride();
  // No store given: the OS keychain, unreachable here.
  registerTenantsCommands(program, { check: async () => 0, stdin, stdout: new PassThrough(), stderr, env: {}, cwd, setExitCode: (c) => (exitCode = c) });
  await program.parseAsync(['tenants', 'add', ...args], { from: 'user' });
  return { exitCode, stderr: all, answered: next };
}

describe.runIf(process.platform === 'linux')('tenants add on a terminal without a reachable OS keychain', () => {
  let sandbox: Sandbox;
  let saved: string | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, name: 'acme', lockout: false });
  });
  afterAll(async () => sandbox?.close());
  beforeEach(() => {
    saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    // Without a session bus the Secret Service is unreachable, as on a headless server.
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
  });
  afterEach(() => {
    if (saved !== undefined) process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  });

  const questions = (): Array<[RegExp, string]> => [
    [/CRM URL .*: $/, `${sandbox.url}\n`],
    [/Name for people \[acme\]: $/, 'Acme SARL\n'],
    [/API key .*: $/, `${sandbox.credentials.apiKey}\r`],
    [/Admin user name.*: $/, 'admin\n'],
    [/Password of admin \(input hidden\): $/, `${sandbox.credentials.admin.password}\r`],
  ];

  it('offers file:DIR (secrets/ beside tenants.json by default) and goes on with the same answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-fallback-'));
    const r = await onTerminal(['acme'], [...questions(), [/Where should the secrets go\? \(file:DIR or env\) \[file:secrets\]: $/, '\n']], dir);
    expect(r.answered).toBe(6);
    expect(r.stderr).toContain('all checks passed');
    expect(r.stderr).toContain('The OS keychain is unreachable: no OS keychain reachable');
    expect(r.stderr).toContain('Your answers are kept.');
    expect(r.stderr).toContain(`(file:secrets is ${join(dir, 'secrets')})`);
    expect(r.exitCode).toBe(0);
    // Each question was asked once: nothing had to be typed again.
    expect(r.stderr.match(/Password of admin/g)).toHaveLength(1);
    expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'secrets', 'acme.apiKey')).mode & 0o777).toBe(0o600);
    const config = await loadConfig({ cwd: dir, env: {}, dotenv: false });
    const acme = config.tenants[0]!;
    expect(acme).toMatchObject({ id: 'acme', name: 'Acme SARL', apiKey: 'file:secrets/acme.apiKey', admin: { username: 'admin', password: 'file:secrets/acme.adminPassword' } });
    await expect(resolveSecret(acme.admin!.password, { tenantId: 'acme', field: 'adminPassword', baseDir: config.baseDir! })).resolves.toBe(sandbox.credentials.admin.password);
    await expect(resolveSecret(acme.apiKey!, { tenantId: 'acme', field: 'apiKey', baseDir: config.baseDir! })).resolves.toBe(sandbox.credentials.apiKey);
    for (const secret of [sandbox.credentials.apiKey, sandbox.credentials.admin.password]) expect(r.stderr).not.toContain(secret);
  });

  it('offers env: tenants.json gets env: references and the command says what to set; the keychain is refused as a choice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-fallback-'));
    const r = await onTerminal(
      ['acme'],
      [...questions(), [/Where should the secrets go\?.*: $/, 'keychain\n'], [/the keychain is what failed: choose file:DIR or env\n.*Where should the secrets go\?.*: $/s, 'env\n']],
      dir,
    );
    expect(r.answered).toBe(7);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'tenants.json'), 'utf8')).tenants.acme).toMatchObject({
      apiKey: 'env:ACME_ESPO_API_KEY',
      admin: { username: 'admin', password: 'env:ACME_ESPO_PASSWORD' },
    });
    expect(r.stderr).toContain('set ACME_ESPO_API_KEY and ACME_ESPO_PASSWORD where the server runs');
    expect(existsSync(join(dir, 'secrets'))).toBe(false);
    for (const secret of [sandbox.credentials.apiKey, sandbox.credentials.admin.password]) expect(r.stderr).not.toContain(secret);
  });
});
