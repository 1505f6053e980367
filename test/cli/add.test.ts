import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTenantsCommands } from '../../src/cli/tenants.js';
import { loadConfig } from '../../src/config/load.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { KeychainStore } from '../../src/secrets/keychain.js';
import { resolveSecret } from '../../src/secrets/resolve.js';
import type { SecretInput } from '../../src/secrets/read-input.js';
import type { SecretStore } from '../../src/secrets/store.js';
import { MemoryStore } from '../secrets/memory-store.js';

/** `tenants add` run in-process, as `espocrm-admin-mcp tenants add ...` would run it. */
async function runAdd(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: SecretInput; input?: string; store?: SecretStore | null }) {
  let stderr = '';
  const errStream = new PassThrough();
  errStream.on('data', (c: Buffer) => (stderr += c.toString()));
  let stdout = '';
  const outStream = new PassThrough();
  outStream.on('data', (c: Buffer) => (stdout += c.toString()));
  const store = opts.store === null ? undefined : (opts.store ?? new MemoryStore());
  let exitCode: number | undefined;
  const program = new Command('espocrm-admin-mcp').exitOverride().configureOutput({ writeOut: (s) => (stderr += s), writeErr: (s) => (stderr += s) });
  registerTenantsCommands(program, {
    check: async () => 0,
    ...(store ? { store } : {}),
    stdin: opts.stdin ?? Readable.from(opts.input === undefined ? [] : [opts.input]),
    stdout: outStream,
    stderr: errStream,
    env: opts.env ?? {},
    cwd: opts.cwd,
    setExitCode: (code) => (exitCode = code),
  });
  try {
    await program.parseAsync(['tenants', 'add', ...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    exitCode = err.exitCode;
  }
  return { exitCode, stderr, stdout, store: store as MemoryStore | undefined };
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'espo-add-'));

/** A hand-formatted tenants.json with another tenant, which `tenants add` must leave as it is. */
const OTHER = `{
  "$comment": "hand-written; keep my formatting",
  "tenants": {
    "damath": { "name": "Damath {\\"Overseas\\"}", "url": "https://damath-crm.example.com", "apiKey": "env:DAMATH_ESPO_API_KEY" }
  }
}
`;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let sandbox: Sandbox;
let creds: Sandbox['credentials'];
const secretsEnv = () => ({ ACME_KEY: creds.apiKey, ACME_PW: creds.admin.password });

beforeAll(async () => {
  sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, name: 'acme', lockout: false });
  creds = sandbox.credentials;
});
afterAll(async () => sandbox?.close());

describe('tenants add, non-interactive', () => {
  it('checks the CRM live, then writes env: references with --secrets env (no keychain involved)', async () => {
    const dir = tempDir();
    const r = await runAdd(
      ['acme', '--url', sandbox.url, '--name', 'Acme SARL', '--api-key-env', 'ACME_KEY', '--admin-user', 'admin', '--admin-password-env', 'ACME_PW', '--secrets', 'env'],
      { cwd: dir, env: secretsEnv() },
    );
    expect(r.stderr).toContain('all checks passed, EspoCRM 9.1.7');
    expect(r.stderr).toMatch(/ok {3}siteUrl: siteUrl matches/);
    expect(r.stderr).toMatch(/ok {3}API key: API user "sandbox-api" authenticated/);
    expect(r.stderr).toMatch(/ok {3}admin login: admin "admin" logged in/);
    expect(r.exitCode).toBe(0);
    const file = JSON.parse(readFileSync(join(dir, 'tenants.json'), 'utf8')) as unknown;
    expect(file).toEqual({
      tenants: { acme: { name: 'Acme SARL', url: sandbox.url, apiKey: 'env:ACME_KEY', admin: { username: 'admin', password: 'env:ACME_PW' } } },
    });
    expect(r.store!.entries.size).toBe(0);
    expect(r.stderr).toContain('set ACME_KEY and ACME_PW where the server runs');
    for (const secret of [creds.apiKey, creds.admin.password]) expect(r.stderr + readFileSync(join(dir, 'tenants.json'), 'utf8')).not.toContain(secret);
    // The server loads it as written.
    const config = await loadConfig({ cwd: dir, env: secretsEnv(), dotenv: false });
    expect(config.tenants.map((t) => t.id)).toEqual(['acme']);
  });

  it('stores the secrets in the keychain store (accounts ID/apiKey, ID/adminPassword) and adds to tenants.json without touching the other tenants', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tenants.json'), OTHER);
    const r = await runAdd(['acme', '--url', `${sandbox.url}/api/v1`, '--api-key-stdin', '--admin-user', 'admin', '--admin-password-env', 'ACME_PW'], {
      cwd: dir,
      env: { ACME_PW: creds.admin.password },
      input: `${creds.apiKey}\n`,
    });
    expect(r.stderr).toContain('all checks passed');
    expect(r.exitCode).toBe(0);
    expect(Object.fromEntries(r.store!.entries)).toEqual({ 'acme/apiKey': creds.apiKey, 'acme/adminPassword': creds.admin.password });
    const text = readFileSync(join(dir, 'tenants.json'), 'utf8');
    // Byte for byte, everything before the new tenant is the user's text.
    const damathLine = OTHER.split('\n')[3]!;
    expect(text.startsWith(OTHER.slice(0, OTHER.indexOf(damathLine) + damathLine.length))).toBe(true);
    expect(text).toContain(`    "acme": {\n      "name": "acme",\n      "url": "${sandbox.url}/api/v1",\n      "apiKey": "keychain",`);
    const config = await loadConfig({ cwd: dir, env: {}, dotenv: false });
    expect(config.tenants.map((t) => t.id)).toEqual(['damath', 'acme']);
    expect(config.tenants[0]!.name).toBe('Damath {"Overseas"}');
    const acme = config.tenants[1]!;
    expect(acme).toMatchObject({ apiKey: 'keychain', admin: { username: 'admin', password: 'keychain' } });
    await expect(resolveSecret(acme.apiKey!, { tenantId: 'acme', field: 'apiKey', store: r.store })).resolves.toBe(creds.apiKey);
    expect(r.stderr).toContain('account acme/apiKey, account acme/adminPassword');
    expect(r.stderr).not.toContain(creds.apiKey);
  });

  it('a wrong admin password gives the precise message and writes nothing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tenants.json'), OTHER);
    const wrong = `wrong-${randomBytes(4).toString('hex')}`;
    const r = await runAdd(['acme', '--url', sandbox.url, '--api-key-env', 'ACME_KEY', '--admin-user', 'admin', '--admin-password-env', 'ACME_PW'], {
      cwd: dir,
      env: { ACME_KEY: creds.apiKey, ACME_PW: wrong },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/ok {3}API key: API user "sandbox-api" authenticated/);
    expect(r.stderr).toMatch(/FAIL admin login: EspoCRM of tenant "acme" refused the admin login \(user "admin"\): wrong user name or password/);
    expect(r.stderr).toContain("Each wrong password counts towards EspoCRM's lockout");
    expect(r.stderr).toContain('Nothing was stored or written');
    expect(r.stderr).not.toContain(wrong);
    expect(readFileSync(join(dir, 'tenants.json'), 'utf8')).toBe(OTHER);
    expect(r.store!.entries.size).toBe(0);
  });

  it('a wrong API key is reported as such, with what an API key is', async () => {
    const dir = tempDir();
    const r = await runAdd(['acme', '--url', sandbox.url, '--api-key-stdin'], { cwd: dir, input: 'not-the-key' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/FAIL API key: EspoCRM of tenant "acme" refused the API key \(401\)/);
    expect(r.stderr).toContain('The API key is the key of an API user (Administration > API Users');
    expect(r.stderr).toMatch(/-- {3}admin login: no admin login configured/);
    expect(existsSync(join(dir, 'tenants.json'))).toBe(false);
  });

  it('a user who is not an admin is refused as admin login', async () => {
    sandbox.state.users.addUser({ userName: 'sales', type: 'regular', password: 'sales-pw' });
    const dir = tempDir();
    const r = await runAdd(['acme', '--url', sandbox.url, '--admin-user', 'sales', '--admin-password-env', 'PW'], { cwd: dir, env: { PW: 'sales-pw' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('logged in, but is not an admin (type "regular")');
    expect(existsSync(join(dir, 'tenants.json'))).toBe(false);
  });

  it('an unreachable CRM fails the reachability check and skips the rest', async () => {
    const dir = tempDir();
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runAdd(['acme', '--url', url, '--api-key-env', 'ACME_KEY', '--secrets', 'env'], { cwd: dir, env: secretsEnv() });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/FAIL reachable: /);
    expect(r.stderr).toMatch(/-- {3}API key: the CRM is not reachable/);
    expect(r.stderr).toContain(`Check the URL: ${url} should be the address you open EspoCRM at`);
    expect(existsSync(join(dir, 'tenants.json'))).toBe(false);
  });

  it('a siteUrl mismatch says which siteUrl the CRM reports, and --site-url accepts it', async () => {
    const other = await startSandbox({ leads: 0, contacts: 0, accounts: 0, siteUrl: 'https://crm.acme.example', lockout: false });
    try {
      const dir = tempDir();
      const env = { K: other.credentials.apiKey };
      const args = ['acme', '--url', other.url, '--api-key-env', 'K', '--secrets', 'env'];
      const refused = await runAdd(args, { cwd: dir, env });
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(/FAIL siteUrl: the CRM reports siteUrl "https:\/\/crm\.acme\.example"/);
      expect(refused.stderr).toContain('add --site-url https://crm.acme.example');
      expect(existsSync(join(dir, 'tenants.json'))).toBe(false);
      const accepted = await runAdd([...args, '--site-url', 'https://crm.acme.example'], { cwd: dir, env });
      expect(accepted.exitCode).toBe(0);
      const config = await loadConfig({ cwd: dir, env, dotenv: false });
      expect(config.tenants[0]).toMatchObject({ id: 'acme', siteUrl: 'https://crm.acme.example' });
    } finally {
      await other.close();
    }
  });

  it('refuses to replace an existing tenant without --force, before asking for anything; --force replaces only that tenant', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tenants.json'), OTHER);
    const args = ['damath', '--url', sandbox.url, '--api-key-stdin', '--read-only'];
    const before = sandbox.requests.length;
    const refused = await runAdd(args, { cwd: dir, input: creds.apiKey });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`${join(dir, 'tenants.json')} already has a tenant "damath"; nothing was changed. Pass --force`);
    expect(refused.stderr).not.toContain('Checking');
    expect(sandbox.requests.length).toBe(before);
    expect(readFileSync(join(dir, 'tenants.json'), 'utf8')).toBe(OTHER);

    const replaced = await runAdd([...args, '--force'], { cwd: dir, input: creds.apiKey });
    expect(replaced.exitCode).toBe(0);
    expect(replaced.stderr).toContain('Replaced tenant "damath"');
    const text = readFileSync(join(dir, 'tenants.json'), 'utf8');
    expect(text.startsWith('{\n  "$comment": "hand-written; keep my formatting",\n  "tenants": {\n    "damath": {\n      "name": "damath",')).toBe(true);
    const config = await loadConfig({ cwd: dir, env: {}, dotenv: false });
    expect(config.tenants).toHaveLength(1);
    expect(config.tenants[0]).toMatchObject({ id: 'damath', url: sandbox.url, apiKey: 'keychain', readOnly: true });
    expect(Object.fromEntries(replaced.store!.entries)).toEqual({ 'damath/apiKey': creds.apiKey });
  });

  it('--no-check writes without a single request to the CRM', async () => {
    const dir = tempDir();
    const before = sandbox.requests.length;
    const r = await runAdd(['acme', '--url', sandbox.url, '--api-key-env', 'ACME_KEY', '--no-check'], { cwd: dir, env: secretsEnv() });
    expect(r.exitCode).toBe(0);
    expect(sandbox.requests.length).toBe(before);
    expect(r.stderr).not.toContain('Checking');
    expect(r.store!.entries.get('acme/apiKey')).toBe(creds.apiKey);
  });

  it('writes to --config, creating its folder, and says so in the next steps', async () => {
    const dir = tempDir();
    const r = await runAdd(['acme', '--config', 'crm/tenants.json', '--url', sandbox.url, '--api-key-env', 'ACME_KEY', '--no-check'], { cwd: dir, env: secretsEnv() });
    expect(r.exitCode).toBe(0);
    const path = join(dir, 'crm', 'tenants.json');
    expect(existsSync(path)).toBe(true);
    expect(r.stderr).toContain(`tenants check acme --config ${path}`);
  });

  it.each([
    [['acme', '--url', 'http://x.example', '--api-key-stdin', '--admin-user', 'a', '--admin-password-stdin'], 'only one secret can come from stdin'],
    [['acme', '--url', 'http://x.example'], 'no credentials: give an API key'],
    [['acme', '--api-key-env', 'K'], 'missing --url (there is no terminal to ask on)'],
    [['--url', 'http://x.example'], 'missing the tenant id'],
    [['Acme Corp', '--url', 'http://x.example'], 'tenant id "Acme Corp" is not valid: expected lower-case letters, digits and dashes, e.g. "acme-corp"'],
    [['acme', '--url', 'crm.example.com', '--api-key-env', 'K'], '--url: The EspoCRM URL "crm.example.com" is not a valid absolute URL'],
    [['acme', '--url', 'http://x.example', '--admin-password-env', 'K'], 'an admin password needs --admin-user'],
    [['acme', '--url', 'http://x.example', '--api-key-env', 'UNSET'], '--api-key-env UNSET: the environment variable UNSET is not set'],
    [['acme', '--url', 'http://x.example', '--api-key-env', 'K', '--secrets', 'vault'], "argument 'vault' is invalid. Expected keychain, file:DIR or env"],
    [['acme', '--url', 'http://x.example', '--api-key-env', 'K', '--secrets', 'file:'], "argument 'file:' is invalid. Expected keychain, file:DIR or env"],
  ])('refuses %j: %s', async (args, message) => {
    const dir = tempDir();
    const r = await runAdd(args, { cwd: dir, env: { K: 'k' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(message);
    expect(existsSync(join(dir, 'tenants.json'))).toBe(false);
  });

  it('refuses to add to a tenants.json that is not valid, and says where', async () => {
    const dir = tempDir();
    const broken = '{ "tenants": { "damath": { "url": "https://d.example", "apiKey": "env:K", } } }';
    writeFileSync(join(dir, 'tenants.json'), broken);
    const r = await runAdd(['acme', '--url', sandbox.url, '--api-key-env', 'K', '--no-check'], { cwd: dir, env: { K: 'k' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('not valid JSON at line 1');
    expect(r.stderr).toContain('nothing was changed');
    expect(readFileSync(join(dir, 'tenants.json'), 'utf8')).toBe(broken);
  });
});

/** A terminal: answers are typed after each question appears; raw mode is recorded. */
function fakeTerminal() {
  const stdin = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (mode: boolean) => void };
  const rawModes: boolean[] = [];
  stdin.isTTY = true;
  stdin.setRawMode = (mode: boolean) => void rawModes.push(mode);
  return { stdin, rawModes };
}

describe('tenants add, interactive', () => {
  it('asks for each value on stderr, reads the secrets in raw mode (no echo) and adds the tenant', async () => {
    const dir = tempDir();
    const { stdin, rawModes } = fakeTerminal();
    const answers: Array<[RegExp, string]> = [
      [/Tenant id .*: $/, 'Bad Id\n'],
      [/is not valid: expected lower-case letters, digits and dashes, e.g. "bad-id"\n.*Tenant id .*: $/s, 'acme\n'],
      [/CRM URL .*: $/, `${sandbox.url}\n`],
      [/Name for people \[acme\]: $/, '\n'],
      [/API key .*input hidden; empty if none\): $/, `${creds.apiKey.slice(0, 3)}x\u007f${creds.apiKey.slice(3)}\r`],
      [/Admin user name.*: $/, 'admin\n'],
      [/Password of admin \(input hidden\): $/, `${creds.admin.password}\r`],
    ];
    let prompts = '';
    const stderr = new PassThrough();
    let next = 0;
    stderr.on('data', (c: Buffer) => {
      prompts += c.toString();
      const answer = answers[next];
      if (answer && answer[0].test(prompts)) {
        next++;
        prompts = '';
        setImmediate(() => stdin.write(answer[1]));
      }
    });
    let err = '';
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    let exitCode: number | undefined;
    const store = new MemoryStore();
    const program = new Command('espocrm-admin-mcp').exitOverride();
    registerTenantsCommands(program, { check: async () => 0, store, stdin, stdout: new PassThrough(), stderr, env: {}, cwd: dir, setExitCode: (c) => (exitCode = c) });
    await program.parseAsync(['tenants', 'add'], { from: 'user' });
    expect(next).toBe(answers.length);
    expect(err).toContain('all checks passed');
    expect(exitCode).toBe(0);
    expect(Object.fromEntries(store.entries)).toEqual({ 'acme/apiKey': creds.apiKey, 'acme/adminPassword': creds.admin.password });
    // Raw mode on for each hidden answer, off again after it.
    expect(rawModes).toEqual([true, false, true, false]);
    expect(err).not.toContain(creds.apiKey);
    expect(err).not.toContain(creds.admin.password);
    const config = await loadConfig({ cwd: dir, env: {}, dotenv: false });
    expect(config.tenants[0]).toMatchObject({ id: 'acme', name: 'acme', url: sandbox.url, apiKey: 'keychain', admin: { username: 'admin', password: 'keychain' } });
  });

  it('stops with "nothing was written" when the input ends mid-way', async () => {
    const dir = tempDir();
    const { stdin } = fakeTerminal();
    stdin.end('acme\n');
    const r = await runAdd([], { cwd: dir, stdin });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('the input ended before every question was answered; nothing was written');
    expect(existsSync(join(dir, 'tenants.json'))).toBe(false);
  });
});

/**
 * Against the real OS keychain, as test/secrets/keychain.test.ts: CI runs inside a D-Bus session with an
 * unlocked gnome-keyring, so there it must run; without a session bus it is skipped (the tests above use
 * --secrets env or an in-memory store).
 */
const keychainReachable = process.platform !== 'linux' || Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);

it.runIf(!keychainReachable && process.env.CI === 'true')('has a Secret Service to test `tenants add` against in CI', () => {
  throw new Error('CI=true but no D-Bus session bus: run the tests under dbus-run-session with an unlocked gnome-keyring, as .ci/run does');
});

describe.runIf(keychainReachable)('tenants add with the real OS keychain', () => {
  const id = `add${randomBytes(4).toString('hex')}`;
  const keychain = new KeychainStore();
  afterAll(async () => {
    await keychain.delete(`${id}/apiKey`);
    await keychain.delete(`${id}/adminPassword`);
  });

  it('stores both secrets under ID/apiKey and ID/adminPassword, where the server reads them', async () => {
    const dir = tempDir();
    const r = await runAdd([id, '--url', sandbox.url, '--api-key-stdin', '--admin-user', 'admin', '--admin-password-env', 'PW'], {
      cwd: dir,
      env: { PW: creds.admin.password },
      input: creds.apiKey,
      store: null,
    });
    expect(r.stderr).toContain('all checks passed');
    expect(r.exitCode).toBe(0);
    expect(await keychain.get(`${id}/apiKey`)).toBe(creds.apiKey);
    expect(await keychain.get(`${id}/adminPassword`)).toBe(creds.admin.password);
    const config = await loadConfig({ cwd: dir, env: {}, dotenv: false });
    const tenant = config.tenants[0]!;
    await expect(resolveSecret(tenant.admin!.password, { tenantId: id, field: 'adminPassword' })).resolves.toBe(creds.admin.password);
  });
});
