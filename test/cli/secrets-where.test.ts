/**
 * `--secrets keychain|file:DIR|env` on `tenants add`, `set-secret` and `import-env` (issue 18), the
 * `.env` beside tenants.json, and the hints of `tenants add` for a tenant not written yet. The CRM is
 * the sandbox over loopback; the keychain is an in-memory stand-in (the real one: add.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTenantsCommands } from '../../src/cli/tenants.js';
import { loadConfig } from '../../src/config/load.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { SecretError } from '../../src/secrets/errors.js';
import { resolveSecret } from '../../src/secrets/resolve.js';
import type { TenantConfig } from '../../src/config/types.js';
import { MemoryStore } from '../secrets/memory-store.js';

const CANARY = `CANARY-${randomBytes(4).toString('hex')}`;

async function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; store?: MemoryStore }) {
  let stderr = '';
  const err = new PassThrough();
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  let stdout = '';
  const out = new PassThrough();
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  const store = opts.store ?? new MemoryStore();
  let exitCode: number | undefined;
  const program = new Command('espocrm-admin-mcp').exitOverride().configureOutput({ writeOut: (s) => (stderr += s), writeErr: (s) => (stderr += s) });
  registerTenantsCommands(program, {
    check: async () => 0,
    store,
    stdin: Readable.from(opts.input === undefined ? [] : [opts.input]),
    stdout: out,
    stderr: err,
    env: opts.env ?? {},
    cwd: opts.cwd,
    setExitCode: (code) => (exitCode = code),
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    exitCode = e.exitCode;
  }
  return { exitCode, stderr, stdout, store };
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'espo-where-'));
const mode = (path: string) => statSync(path).mode & 0o777;

/** Every secret reference of a tenant resolved the way the server resolves them. */
async function resolved(tenant: TenantConfig, baseDir: string, env: NodeJS.ProcessEnv = {}, store?: MemoryStore) {
  const out: Record<string, string> = {};
  if (tenant.apiKey) out.apiKey = await resolveSecret(tenant.apiKey, { tenantId: tenant.id, field: 'apiKey', baseDir, env, ...(store ? { store } : {}) });
  if (tenant.admin) out.adminPassword = await resolveSecret(tenant.admin.password, { tenantId: tenant.id, field: 'adminPassword', baseDir, env, ...(store ? { store } : {}) });
  return out;
}

let sandbox: Sandbox;
let creds: Sandbox['credentials'];

beforeAll(async () => {
  sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, name: 'acme', lockout: false });
  creds = sandbox.credentials;
});
afterAll(async () => sandbox?.close());

describe.runIf(process.platform !== 'win32')('tenants add --secrets file:DIR', () => {
  it('checks live, writes one 0600 file per secret in a 0700 folder beside tenants.json, with references relative to it', async () => {
    const cwd = tempDir();
    const env = { K: creds.apiKey, P: creds.admin.password };
    // The config is not in the working directory: a relative DIR is beside tenants.json, not in cwd.
    const r = await runCli(
      ['tenants', 'add', 'acme', '--config', 'conf/tenants.json', '--url', sandbox.url, '--api-key-env', 'K', '--admin-user', 'admin', '--admin-password-env', 'P', '--secrets', 'file:./secrets'],
      { cwd, env },
    );
    expect(r.stderr).toContain('all checks passed');
    expect(r.exitCode).toBe(0);
    const conf = join(cwd, 'conf');
    expect(existsSync(join(cwd, 'secrets'))).toBe(false);
    expect(mode(join(conf, 'secrets'))).toBe(0o700);
    expect(mode(join(conf, 'secrets', 'acme.apiKey'))).toBe(0o600);
    expect(mode(join(conf, 'secrets', 'acme.adminPassword'))).toBe(0o600);
    const text = readFileSync(join(conf, 'tenants.json'), 'utf8');
    expect(JSON.parse(text).tenants.acme).toEqual({
      name: 'acme',
      url: sandbox.url,
      apiKey: 'file:secrets/acme.apiKey',
      admin: { username: 'admin', password: 'file:secrets/acme.adminPassword' },
    });
    expect(r.store.entries.size).toBe(0);
    expect(r.stderr).toContain(`Secrets are in files only you can read (0600): ${join(conf, 'secrets', 'acme.apiKey')}, ${join(conf, 'secrets', 'acme.adminPassword')}`);
    expect(r.stderr).toContain('move the two together');
    for (const secret of [creds.apiKey, creds.admin.password]) expect(r.stderr + text).not.toContain(secret);

    // The server loads and resolves them; and again once the folder has moved elsewhere.
    const config = await loadConfig({ configPath: join(conf, 'tenants.json'), cwd, env: {}, dotenv: false });
    expect(await resolved(config.tenants[0]!, config.baseDir!)).toEqual({ apiKey: creds.apiKey, adminPassword: creds.admin.password });
    const moved = join(tempDir(), 'moved');
    renameSync(conf, moved);
    const again = await loadConfig({ configPath: join(moved, 'tenants.json'), cwd, env: {}, dotenv: false });
    expect(await resolved(again.tenants[0]!, again.baseDir!)).toEqual({ apiKey: creds.apiKey, adminPassword: creds.admin.password });
  });

  it('an absolute DIR inside the config folder is written relative to it; one outside stays absolute', async () => {
    const cwd = tempDir();
    const inside = await runCli(['tenants', 'add', 'acme', '--url', sandbox.url, '--api-key-env', 'K', '--no-check', '--secrets', `file:${join(cwd, 'keys')}`], {
      cwd,
      env: { K: CANARY },
    });
    expect(inside.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'tenants.json'), 'utf8')).tenants.acme.apiKey).toBe('file:keys/acme.apiKey');
    const outside = tempDir();
    const r = await runCli(['tenants', 'add', 'beta', '--url', sandbox.url, '--api-key-env', 'K', '--no-check', '--secrets', `file:${outside}`], { cwd, env: { K: CANARY } });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'tenants.json'), 'utf8')).tenants.beta.apiKey).toBe(`file:${join(outside, 'beta.apiKey')}`);
    expect(readFileSync(join(outside, 'beta.apiKey'), 'utf8')).toBe(`${CANARY}\n`);
    expect(r.stderr).not.toContain('move the two together');
  });

  it('never stores half: when the second secret cannot be written, the first file is removed and tenants.json is not written', async () => {
    const cwd = tempDir();
    // A folder where the admin password's file should go: it cannot be written.
    mkdirSync(join(cwd, 'secrets', 'acme.adminPassword'), { recursive: true });
    const r = await runCli(['tenants', 'add', 'acme', '--url', sandbox.url, '--api-key-env', 'K', '--admin-user', 'admin', '--admin-password-env', 'P', '--no-check', '--secrets', 'file:secrets'], {
      cwd,
      env: { K: CANARY, P: `${CANARY}-pw` },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('exists and is not a regular file');
    expect(r.stderr).toContain(`Nothing was stored and ${join(cwd, 'tenants.json')} was not changed`);
    expect(existsSync(join(cwd, 'secrets', 'acme.apiKey'))).toBe(false);
    expect(existsSync(join(cwd, 'tenants.json'))).toBe(false);
    expect(r.stderr).not.toContain(CANARY);
  });
});

describe('tenants add: a store that fails half-way', () => {
  /** The keychain stand-in refusing one account, as a locked or full keychain would. */
  class FailingStore extends MemoryStore {
    constructor(private readonly refused: string) {
      super();
    }
    override async set(account: string, value: string): Promise<void> {
      if (account === this.refused) throw new SecretError(`the keychain refused to store "${account}"`);
      return super.set(account, value);
    }
  }

  it('takes back what this run stored and puts back a value that was there before', async () => {
    const cwd = tempDir();
    const store = new FailingStore('acme/adminPassword');
    store.entries.set('acme/apiKey', 'the-old-key');
    const r = await runCli(['tenants', 'add', 'acme', '--url', sandbox.url, '--api-key-env', 'K', '--admin-user', 'admin', '--admin-password-env', 'P', '--no-check'], {
      cwd,
      env: { K: CANARY, P: `${CANARY}-pw` },
      store,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('the keychain refused to store "acme/adminPassword". Nothing was stored');
    expect(Object.fromEntries(store.entries)).toEqual({ 'acme/apiKey': 'the-old-key' });
    expect(existsSync(join(cwd, 'tenants.json'))).toBe(false);
  });
});

describe('tenants add: hints for a tenant not written yet', () => {
  it('a refused admin password says to rerun tenants add (not set-secret) and warns about the lockout', async () => {
    const cwd = tempDir();
    const wrong = `wrong-${randomBytes(4).toString('hex')}`;
    const r = await runCli(['tenants', 'add', 'acme', '--url', sandbox.url, '--api-key-env', 'K', '--admin-user', 'admin', '--admin-password-env', 'P'], {
      cwd,
      env: { K: creds.apiKey, P: wrong },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/FAIL admin login: EspoCRM of tenant "acme" refused the admin login \(user "admin"\): wrong user name or password/);
    expect(r.stderr).not.toContain('set-secret');
    expect(r.stderr).toContain('The tenant is not written yet: rerun `espocrm-admin-mcp tenants add acme` with the right user name and password');
    expect(r.stderr).toContain('more than 10 failed logins a minute per IP');
    expect(r.stderr).not.toContain(wrong);
    expect(existsSync(join(cwd, 'tenants.json'))).toBe(false);
  });

  it('a refused API key says the same, with --config when one was given', async () => {
    const cwd = tempDir();
    const r = await runCli(['tenants', 'add', 'acme', '--config', 'c/tenants.json', '--url', sandbox.url, '--api-key-env', 'K'], { cwd, env: { K: 'not-the-key' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/FAIL API key: EspoCRM of tenant "acme" refused the API key \(401\)/);
    expect(r.stderr).not.toContain('set-secret');
    expect(r.stderr).toContain(`rerun \`espocrm-admin-mcp tenants add acme --config ${join(cwd, 'c', 'tenants.json')}\` with the right key`);
    expect(r.stderr).toContain("counts towards EspoCRM's lockout");
  });
});

const TENANTS = {
  tenants: {
    damath: { url: 'https://damath.example.com', apiKey: 'file:keys/damath.apiKey', admin: { username: 'admin', password: 'keychain' } },
    vero: { url: 'https://vero.example.com', apiKey: 'env:VERO_KEY' },
  },
};

describe.runIf(process.platform !== 'win32')('tenants set-secret --secrets', () => {
  const withConfig = () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tenants.json'), JSON.stringify(TENANTS, null, 2));
    return dir;
  };

  it('writes where a file: reference points by default (0600), and says tenants.json refers to it', async () => {
    const dir = withConfig();
    const r = await runCli(['tenants', 'set-secret', 'damath', 'apiKey'], { cwd: dir, input: CANARY });
    expect(r.exitCode).toBe(0);
    const file = join(dir, 'keys', 'damath.apiKey');
    expect(mode(file)).toBe(0o600);
    expect(mode(join(dir, 'keys'))).toBe(0o700);
    expect(r.store.entries.size).toBe(0);
    expect(r.stderr).toContain(`Stored apiKey of tenant "damath" in the file ${file}.`);
    expect(r.stderr).toContain('tenants.json already refers to it.');
    expect(r.stderr).not.toContain(CANARY);
    const config = await loadConfig({ cwd: dir, env: {}, dotenv: false });
    await expect(resolveSecret(config.tenants[0]!.apiKey!, { tenantId: 'damath', field: 'apiKey', baseDir: config.baseDir! })).resolves.toBe(CANARY);
  });

  it('--secrets file:DIR moves a keychain secret to a file and prints the reference to write', async () => {
    const dir = withConfig();
    const r = await runCli(['tenants', 'set-secret', 'damath', 'adminPassword', '--secrets', 'file:./secrets'], { cwd: dir, input: CANARY });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'secrets', 'damath.adminPassword'), 'utf8')).toBe(`${CANARY}\n`);
    expect(r.store.entries.size).toBe(0);
    expect(r.stderr).toContain('"admin": { "username": "admin", "password": "file:secrets/damath.adminPassword" }');
  });

  it('--secrets keychain overrides a file: reference', async () => {
    const dir = withConfig();
    const r = await runCli(['tenants', 'set-secret', 'damath', 'apiKey', '--secrets', 'keychain'], { cwd: dir, input: CANARY });
    expect(r.exitCode).toBe(0);
    expect(r.store.entries.get('damath/apiKey')).toBe(CANARY);
    expect(existsSync(join(dir, 'keys'))).toBe(false);
    expect(r.stderr).toContain('"apiKey": "keychain"');
  });

  it('--secrets env is refused before reading anything, saying what to set', async () => {
    const dir = withConfig();
    const r = await runCli(['tenants', 'set-secret', 'vero', 'apiKey', '--secrets', 'env'], { cwd: dir, input: CANARY });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('--secrets env: this command cannot set environment variables. Set VERO_KEY to the apiKey of tenant "vero" where the server runs');
    expect(r.stderr).toContain('"apiKey": "env:VERO_KEY"');
    const fresh = await runCli(['tenants', 'set-secret', 'damath', 'adminPassword', '--secrets', 'env'], { cwd: dir, input: CANARY });
    expect(fresh.stderr).toContain('Set DAMATH_ESPO_PASSWORD to the adminPassword');
    for (const x of [r, fresh]) {
      expect(x.store.entries.size).toBe(0);
      expect(x.stderr).not.toContain(CANARY);
    }
  });

  it('refuses --account with a store other than the keychain, and a --secrets that is none of the forms', async () => {
    const dir = withConfig();
    const r = await runCli(['tenants', 'set-secret', 'damath', 'apiKey', '--account', 'x', '--secrets', 'file:keys'], { cwd: dir, input: CANARY });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('--account names a keychain account: use it with --secrets keychain, not --secrets file:keys');
    const bad = await runCli(['tenants', 'set-secret', 'damath', 'apiKey', '--secrets', 'vault'], { cwd: dir, input: CANARY });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("argument 'vault' is invalid. Expected keychain, file:DIR or env");
    expect(existsSync(join(dir, 'keys'))).toBe(false);
  });
});

describe('tenants import-env --secrets', () => {
  const dotenv = [
    'DAMATH_ESPO_BASE_URL=https://damath.example.com',
    `DAMATH_ESPO_API_KEY=${CANARY}-key`,
    'DAMATH_ESPO_USERNAME=admin',
    `DAMATH_ESPO_PASSWORD=${CANARY}-pw`,
  ].join('\n');

  it.runIf(process.platform !== 'win32')('file:DIR: 0600 files beside the output, file: references that load and resolve', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), dotenv);
    const r = await runCli(['tenants', 'import-env', '--out', 'conf/tenants.json', '--secrets', 'file:secrets'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.store.entries.size).toBe(0);
    const conf = join(dir, 'conf');
    expect(mode(join(conf, 'secrets', 'damath.apiKey'))).toBe(0o600);
    const written = readFileSync(join(conf, 'tenants.json'), 'utf8');
    expect(written).not.toContain(CANARY);
    expect(JSON.parse(written).tenants.damath).toEqual({
      url: 'https://damath.example.com',
      apiKey: 'file:secrets/damath.apiKey',
      admin: { username: 'admin', password: 'file:secrets/damath.adminPassword' },
    });
    expect(r.stderr).toContain('apiKey (from DAMATH_ESPO_API_KEY) -> secrets/damath.apiKey');
    expect(r.stderr).toContain(`Secrets stored in 0600 files in ${join(conf, 'secrets')}`);
    expect(r.stderr).not.toContain(CANARY);
    const config = await loadConfig({ configPath: join(conf, 'tenants.json'), cwd: dir, env: {}, dotenv: false });
    expect(await resolved(config.tenants[0]!, config.baseDir!)).toEqual({ apiKey: `${CANARY}-key`, adminPassword: `${CANARY}-pw` });
  });

  it('env: stores nothing, refers to the variables, which the server reads from the .env beside tenants.json', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), dotenv);
    const r = await runCli(['tenants', 'import-env', '--secrets', 'env'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.store.entries.size).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'tenants.json'), 'utf8')).tenants.damath).toMatchObject({
      apiKey: 'env:DAMATH_ESPO_API_KEY',
      admin: { username: 'admin', password: 'env:DAMATH_ESPO_PASSWORD' },
    });
    expect(r.stderr).toContain(`The server reads them from ${join(dir, '.env')} beside it`);
    // Served from another working directory, as a desktop client starts it.
    const env: NodeJS.ProcessEnv = {};
    const config = await loadConfig({ configPath: join(dir, 'tenants.json'), cwd: tempDir(), env });
    expect(await resolved(config.tenants[0]!, config.baseDir!, env)).toEqual({ apiKey: `${CANARY}-key`, adminPassword: `${CANARY}-pw` });
  });

  it('keychain (the default): all or nothing when the keychain refuses one', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), dotenv);
    const store = new (class extends MemoryStore {
      override async set(account: string, value: string): Promise<void> {
        if (account === 'damath/adminPassword') throw new SecretError('no OS keychain reachable');
        return super.set(account, value);
      }
    })();
    const r = await runCli(['tenants', 'import-env'], { cwd: dir, store });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no OS keychain reachable. Nothing was stored');
    expect(store.entries.size).toBe(0);
    expect(existsSync(join(dir, 'tenants.json'))).toBe(false);
  });
});

describe('.env beside tenants.json', () => {
  it('is read after the working directory\'s, never overriding what is set; tenants list and the env: references use it', async () => {
    const confDir = tempDir();
    const cwd = tempDir();
    writeFileSync(join(confDir, 'tenants.json'), JSON.stringify({ tenants: { vero: { url: 'https://vero.example.com', apiKey: 'env:VERO_KEY', admin: { username: 'a', password: 'env:VERO_PW' } } } }));
    writeFileSync(join(confDir, '.env'), `VERO_KEY=${CANARY}-beside\nVERO_PW=${CANARY}-pw-beside\nSHELL_SET=from-beside\n`);
    writeFileSync(join(cwd, '.env'), `VERO_PW=${CANARY}-pw-cwd\n`);
    const env: NodeJS.ProcessEnv = { SHELL_SET: 'from-shell' };
    const config = await loadConfig({ configPath: join(confDir, 'tenants.json'), cwd, env });
    expect(env.SHELL_SET).toBe('from-shell');
    expect(await resolved(config.tenants[0]!, config.baseDir!, env)).toEqual({ apiKey: `${CANARY}-beside`, adminPassword: `${CANARY}-pw-cwd` });

    // tenants list --config from elsewhere: loads (it needs no secret), and prints no value.
    const listed = await runCli(['tenants', 'list', '--config', join(confDir, 'tenants.json')], { cwd, env: {} });
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toContain('env VERO_KEY');
    expect(listed.stdout + listed.stderr).not.toContain(CANARY);
  });

  it('tenants add finds --api-key-env variables in the .env beside --config', async () => {
    const confDir = tempDir();
    writeFileSync(join(confDir, '.env'), `ACME_KEY=${creds.apiKey}\n`);
    const r = await runCli(['tenants', 'add', 'acme', '--config', join(confDir, 'tenants.json'), '--url', sandbox.url, '--api-key-env', 'ACME_KEY', '--secrets', 'env'], {
      cwd: tempDir(),
      env: {},
    });
    expect(r.stderr).toMatch(/ok {3}API key: API user "sandbox-api" authenticated/);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`or a .env file beside ${join(confDir, 'tenants.json')}`);
  });
});
