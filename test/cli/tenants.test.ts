import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { registerTenantsCommands, type TenantsCommandDeps } from '../../src/cli/tenants.js';
import { loadConfig } from '../../src/config/load.js';
import { MemoryStore } from '../secrets/memory-store.js';

const CANARY = 'CANARY-9d2e61b0';

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

async function runCli(args: string[], opts: Partial<TenantsCommandDeps> & { cwd: string; input?: string }) {
  const stdout = sink();
  const stderr = sink();
  const store = (opts.store as MemoryStore | undefined) ?? new MemoryStore();
  let exitCode: number | undefined;
  let help = '';
  const check = opts.check ?? vi.fn(async () => 0);
  const program = new Command('espocrm-admin-mcp')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
  registerTenantsCommands(program, {
    check,
    store,
    stdin: Readable.from(opts.input === undefined ? [] : [opts.input]),
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: opts.env ?? {},
    cwd: opts.cwd,
    setExitCode: (code) => (exitCode = code),
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    exitCode = err.exitCode;
  }
  return { exitCode, stdout: stdout.text(), stderr: stderr.text(), help, store, check };
}

function tempDir(files: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'espo-cli-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

const tenantsJson = {
  tenants: {
    damath: {
      name: 'Damath Overseas',
      url: 'https://damath-crm.example.com',
      apiKey: 'env:DAMATH_ESPO_API_KEY',
      admin: { username: 'admin', password: 'keychain' },
    },
    'michele-care': { name: 'Michèle Care', url: 'https://mc.example.com', apiKey: 'file:secrets/mc', readOnly: true },
  },
};

describe('tenants list', () => {
  it('prints each tenant and where its secrets come from, never their values', async () => {
    const dir = tempDir({ 'tenants.json': tenantsJson });
    const r = await runCli(['tenants', 'list'], { cwd: dir, env: { DAMATH_ESPO_API_KEY: CANARY } });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+URL\s+READ-ONLY\s+ADMIN\s+SECRETS$/);
    expect(lines[1]).toMatch(/^damath\s+Damath Overseas\s+https:\/\/damath-crm\.example\.com\s+no\s+admin\s+apiKey: env DAMATH_ESPO_API_KEY; adminPassword: keychain damath\/adminPassword$/);
    expect(lines[2]).toMatch(/^michele-care\s+Michèle Care\s+https:\/\/mc\.example\.com\s+yes\s+-\s+apiKey: file secrets\/mc$/);
    expect(r.stderr).toContain(`tenants from ${join(dir, 'tenants.json')}`);
    expect(r.stdout + r.stderr).not.toContain(CANARY);
  });

  it('prints JSON with --json, from the environment convention when there is no tenants.json', async () => {
    const dir = tempDir();
    const env = { COACH_VERO_ESPO_BASE_URL: 'https://vero.example.com', COACH_VERO_ESPO_API_KEY: CANARY };
    const r = await runCli(['tenants', 'list', '--json'], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      source: 'environment',
      tenants: [
        {
          id: 'coach-vero',
          name: 'coach-vero',
          url: 'https://vero.example.com',
          readOnly: false,
          secrets: [{ field: 'apiKey', kind: 'env', where: 'env COACH_VERO_ESPO_API_KEY' }],
        },
      ],
    });
    expect(r.stdout).not.toContain(CANARY);
  });

  it('reads --config and reports a bad file on stderr with exit code 1', async () => {
    const dir = tempDir({ 'other.json': { tenants: { damath: { url: 'damath-crm', apiKey: CANARY } } } });
    const r = await runCli(['tenants', 'list', '--config', 'other.json'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: invalid configuration in');
    expect(r.stderr).toContain('tenants.damath.url: expected an http(s) URL, found "damath-crm"');
    expect(r.stderr).not.toContain(CANARY);
  });
});

describe('tenants check', () => {
  it('delegates to deps.check with the tenant and --config, and passes its exit code on', async () => {
    const check = vi.fn(async () => 3);
    const r = await runCli(['tenants', 'check', 'damath', '--config', 'x.json'], { cwd: tempDir(), check });
    expect(check).toHaveBeenCalledWith('damath', { configPath: 'x.json' });
    expect(r.exitCode).toBe(3);
    const all = await runCli(['tenants', 'check'], { cwd: tempDir(), check });
    expect(check).toHaveBeenLastCalledWith(undefined, { configPath: undefined });
    expect(all.exitCode).toBe(3);
  });
});

describe('tenants set-secret', () => {
  it('stores the piped value under ID/FIELD and prints the snippet to use', async () => {
    const dir = tempDir({ 'tenants.json': tenantsJson });
    const r = await runCli(['tenants', 'set-secret', 'damath', 'apiKey'], { cwd: dir, input: `${CANARY}\n` });
    expect(r.exitCode).toBe(0);
    expect(r.store.entries.get('damath/apiKey')).toBe(CANARY);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Stored apiKey of tenant "damath" in the OS keychain (service espocrm-admin-mcp, account "damath/apiKey")');
    expect(r.stderr).toContain('"apiKey": "keychain"');
    expect(r.stderr).not.toContain(CANARY);
  });

  it('says when tenants.json already refers to the entry, and shows the admin snippet otherwise', async () => {
    const dir = tempDir({ 'tenants.json': tenantsJson });
    const already = await runCli(['tenants', 'set-secret', 'damath', 'adminPassword'], { cwd: dir, input: 'pw' });
    expect(already.stderr).toContain('tenants.json already refers to it.');
    const custom = await runCli(['tenants', 'set-secret', 'damath', 'adminPassword', '--account', 'shared-admin'], { cwd: dir, input: 'pw' });
    expect(custom.store.entries.get('shared-admin')).toBe('pw');
    expect(custom.stderr).toContain('"admin": { "username": "admin", "password": "keychain:shared-admin" }');
  });

  it('works without any tenants.json', async () => {
    const r = await runCli(['tenants', 'set-secret', 'new-client', 'hmacSecret'], { cwd: tempDir(), input: 'h' });
    expect(r.exitCode).toBe(0);
    expect(r.store.entries.get('new-client/hmacSecret')).toBe('h');
  });

  it('refuses an unknown field, tenant or empty input, and stores nothing', async () => {
    const dir = tempDir({ 'tenants.json': tenantsJson });
    const field = await runCli(['tenants', 'set-secret', 'damath', 'apikey'], { cwd: dir, input: 'x' });
    expect(field.exitCode).toBe(1);
    expect(field.stderr).toContain('error: unknown secret field "apikey" — did you mean "apiKey"?');
    const tenant = await runCli(['tenants', 'set-secret', 'damat', 'apiKey'], { cwd: dir, input: 'x' });
    expect(tenant.exitCode).toBe(1);
    expect(tenant.stderr).toContain('no tenant "damat" in');
    expect(tenant.stderr).toContain('did you mean "damath"?');
    const empty = await runCli(['tenants', 'set-secret', 'damath', 'apiKey'], { cwd: dir, input: '' });
    expect(empty.exitCode).toBe(1);
    expect(empty.stderr).toContain('no value given');
    for (const r of [field, tenant, empty]) expect(r.store.entries.size).toBe(0);
  });

  it('still stores when tenants.json is invalid, with a warning', async () => {
    const dir = tempDir({ 'tenants.json': { tenants: { damath: { url: 'https://x.example.com', apiKey: CANARY } } } });
    const r = await runCli(['tenants', 'set-secret', 'damath', 'apiKey'], { cwd: dir, input: 'good' });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('warning: could not check tenant "damath"');
    expect(r.stderr).not.toContain(CANARY);
    expect(r.store.entries.get('damath/apiKey')).toBe('good');
  });
});

describe('tenants import-env', () => {
  const dotenv = [
    'ESPO_BASE_URL=https://crm.example.com',
    `ESPO_API_KEY=${CANARY}-1`,
    'DAMATH_ESPO_BASE_URL=https://damath.example.com',
    `DAMATH_ESPO_API_KEY=${CANARY}-2`,
    'DAMATH_ESPO_USERNAME=admin',
    `DAMATH_ESPO_PASSWORD=${CANARY}-3`,
    'COACH_VERO_ESPO_BASE_URL=https://vero.example.com',
    'COACH_VERO_ESPO_USERNAME=vero',
  ].join('\n');

  it('writes tenants.json with keychain references and stores the secrets', async () => {
    const dir = tempDir({ '.env': dotenv });
    const r = await runCli(['tenants', 'import-env'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect([...r.store.entries]).toEqual([
      ['default/apiKey', `${CANARY}-1`],
      ['damath/apiKey', `${CANARY}-2`],
      ['damath/adminPassword', `${CANARY}-3`],
    ]);
    const written = readFileSync(join(dir, 'tenants.json'), 'utf8');
    expect(written).not.toContain(CANARY);
    expect(JSON.parse(written).tenants).toEqual({
      default: { url: 'https://crm.example.com', apiKey: 'keychain' },
      'coach-vero': { url: 'https://vero.example.com', admin: { username: 'vero', password: 'keychain' } },
      damath: { url: 'https://damath.example.com', apiKey: 'keychain', admin: { username: 'admin', password: 'keychain' } },
    });
    const config = await loadConfig({ cwd: dir, env: {}, dotenv: false });
    expect(config.source).toBe(join(dir, 'tenants.json'));
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain(CANARY);
    expect(r.stderr).toContain('damath: https://damath.example.com, admin admin; apiKey (from DAMATH_ESPO_API_KEY) -> keychain damath/apiKey');
    expect(r.stderr).toContain('COACH_VERO_ESPO_PASSWORD is not set: run `espocrm-admin-mcp tenants set-secret coach-vero adminPassword`');
  });

  it('refuses to overwrite without --force, and overwrites with it', async () => {
    const dir = tempDir({ '.env': dotenv, 'tenants.json': '{"keep": true}' });
    const refused = await runCli(['tenants', 'import-env'], { cwd: dir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('already exists; pass --force to replace it');
    expect(readFileSync(join(dir, 'tenants.json'), 'utf8')).toBe('{"keep": true}');
    expect(refused.store.entries.size).toBe(0);
    const forced = await runCli(['tenants', 'import-env', '--force'], { cwd: dir });
    expect(forced.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'tenants.json'), 'utf8')).tenants.damath).toBeDefined();
  });

  it('reads --env-file and writes --out', async () => {
    const dir = tempDir({ 'prod.env': dotenv });
    const r = await runCli(['tenants', 'import-env', '--env-file', 'prod.env', '--out', 'conf.json'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(dir, 'conf.json'))).toBe(true);
    expect(existsSync(join(dir, 'tenants.json'))).toBe(false);
  });

  it('explains a missing .env, one without tenants, and a half-defined tenant', async () => {
    const missing = await runCli(['tenants', 'import-env'], { cwd: tempDir() });
    expect(missing.stderr).toContain('.env does not exist — pass the .env to import with --env-file');
    const none = await runCli(['tenants', 'import-env'], { cwd: tempDir({ '.env': 'OTHER=1' }) });
    expect(none.stderr).toContain('defines no tenant: expected ESPO_BASE_URL');
    const half = await runCli(['tenants', 'import-env'], { cwd: tempDir({ '.env': `ESPO_BASE_URL=https://x.example.com\nESPO_PASSWORD=${CANARY}` }) });
    expect(half.exitCode).toBe(1);
    expect(half.stderr).toContain('ESPO_PASSWORD is set but ESPO_USERNAME is not');
    expect(half.stderr).not.toContain(CANARY);
  });
});

describe('--help', () => {
  it.each([
    [['tenants', '--help'], ['list', 'check', 'set-secret', 'import-env']],
    [['tenants', 'list', '--help'], ['--config <path>', '--json', 'where their secrets come from']],
    [['tenants', 'check', '--help'], ['[id]', '--config <path>']],
    [['tenants', 'set-secret', '--help'], ['<id>', '<field>', 'apiKey, hmacSecret, adminPassword', '--account', 'stdin']],
    [['tenants', 'import-env', '--help'], ['--env-file <path>', '--out <path>', '--force', '--config <path>', 'COACH_VERO_ESPO_*']],
  ])('%j describes the command', async (args, expected) => {
    const r = await runCli(args, { cwd: tempDir() });
    expect(r.exitCode).toBe(0);
    for (const text of expected) expect(r.help).toContain(text);
  });
});
