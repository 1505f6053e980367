import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerTenantsCommands } from '../../src/cli/tenants.js';
import { loadConfig } from '../../src/config/load.js';
import { KeychainStore } from '../../src/secrets/keychain.js';
import { resolveSecret } from '../../src/secrets/resolve.js';

/**
 * Against the real OS keychain: on Linux a Secret Service (gnome-keyring) over D-Bus. CI runs the
 * suite inside `dbus-run-session` with an unlocked gnome-keyring (see .ci/run), so there this must run;
 * locally, without a session bus, it is skipped. To run it like CI does:
 *   HOME=$(mktemp -d) dbus-run-session -- bash -c \
 *     'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; npx vitest run test/secrets'
 */
const reachable = process.platform !== 'linux' || Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
const inCi = process.env.CI === 'true';

// Unique per run, so parallel runs and leftovers never collide; everything created is deleted after.
const run = randomBytes(4).toString('hex');
const tenantId = `kt${run}`;
const created = new Set<string>();
const store = new KeychainStore();

it.runIf(!reachable && inCi)('has a Secret Service to test against in CI', () => {
  throw new Error(
    'CI=true but no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset): run the tests under dbus-run-session with ' +
      'gnome-keyring-daemon --unlock --components=secrets, as .ci/run does',
  );
});

describe.runIf(reachable)('KeychainStore on the real OS keychain', () => {
  afterAll(async () => {
    for (const account of created) await store.delete(account);
  });

  const account = (name: string) => {
    const a = `${tenantId}/${name}`;
    created.add(a);
    return a;
  };

  it('sets, gets, overwrites and deletes an entry', async () => {
    const a = account('apiKey');
    await store.set(a, 'first-value');
    expect(await store.get(a)).toBe('first-value');
    await store.set(a, 'second-value');
    expect(await store.get(a)).toBe('second-value');
    expect(await store.delete(a)).toBe(true);
    expect(await store.get(a)).toBeNull();
    expect(await store.delete(a)).toBe(false);
  });

  it('answers null for an entry that was never set', async () => {
    expect(await store.get(`${tenantId}/never-set-${run}`)).toBeNull();
  });

  it('keeps unicode and long values intact', async () => {
    const a = account('hmacSecret');
    const value = `Véro-✓-${'x'.repeat(500)}`;
    await store.set(a, value);
    expect(await store.get(a)).toBe(value);
  });

  it('is what resolveSecret reads for "keychain" and "keychain:ACCOUNT"', async () => {
    await store.set(account('adminPassword'), 'admin-pw-from-keychain');
    await expect(resolveSecret('keychain', { tenantId, field: 'adminPassword' })).resolves.toBe('admin-pw-from-keychain');
    await store.set(account('custom'), 'custom-value');
    await expect(resolveSecret(`keychain:${tenantId}/custom`, { tenantId, field: 'apiKey' })).resolves.toBe('custom-value');
    await expect(resolveSecret('keychain', { tenantId: `${tenantId}-none`, field: 'apiKey' })).rejects.toThrow(
      `set-secret ${tenantId}-none apiKey`,
    );
  });

  it('stores what `tenants set-secret` reads from stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-kc-'));
    writeFileSync(
      join(dir, 'tenants.json'),
      JSON.stringify({ tenants: { [tenantId]: { url: 'https://crm.example.com', apiKey: 'keychain' } } }),
    );
    account('apiKey');
    const stderr = new PassThrough();
    let errText = '';
    stderr.on('data', (c: Buffer) => (errText += c.toString()));
    let exitCode = -1;
    const program = new Command().exitOverride();
    registerTenantsCommands(program, {
      check: async () => 0,
      stdin: Readable.from(['piped-api-key\n']),
      stdout: new PassThrough(),
      stderr,
      env: {},
      cwd: dir,
      setExitCode: (code) => (exitCode = code),
    });
    await program.parseAsync(['tenants', 'set-secret', tenantId, 'apiKey'], { from: 'user' });
    expect(errText).not.toContain('error');
    expect(exitCode).toBe(0);
    expect(await store.get(`${tenantId}/apiKey`)).toBe('piped-api-key');
    expect(errText).toContain(`account "${tenantId}/apiKey"`);
    expect(errText).not.toContain('piped-api-key');
    await expect(resolveSecret('keychain', { tenantId, field: 'apiKey' })).resolves.toBe('piped-api-key');
  });

  it('imports a .env into tenants.json and the keychain with `tenants import-env`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espo-kc-'));
    const prefix = `${tenantId.toUpperCase()}_ESPO_`;
    writeFileSync(
      join(dir, '.env'),
      [`${prefix}BASE_URL=https://crm.example.com`, `${prefix}API_KEY=imported-key`, `${prefix}USERNAME=admin`, `${prefix}PASSWORD=imported-pw`].join('\n'),
    );
    account('apiKey');
    account('adminPassword');
    let exitCode = -1;
    const stderr = new PassThrough();
    let errText = '';
    stderr.on('data', (c: Buffer) => (errText += c.toString()));
    const program = new Command().exitOverride();
    registerTenantsCommands(program, { check: async () => 0, stderr, env: {}, cwd: dir, setExitCode: (c) => (exitCode = c) });
    await program.parseAsync(['tenants', 'import-env'], { from: 'user' });
    expect(errText).not.toContain('error');
    expect(exitCode).toBe(0);
    expect(readFileSync(join(dir, 'tenants.json'), 'utf8')).not.toContain('imported-');
    expect(errText).not.toContain('imported-');
    const config = await loadConfig({ env: {}, cwd: dir, dotenv: false });
    const tenant = config.tenants.find((t) => t.id === tenantId)!;
    expect(tenant).toMatchObject({ apiKey: 'keychain', admin: { username: 'admin', password: 'keychain' } });
    await expect(resolveSecret(tenant.apiKey!, { tenantId, field: 'apiKey', baseDir: config.baseDir })).resolves.toBe('imported-key');
    await expect(resolveSecret(tenant.admin!.password, { tenantId, field: 'adminPassword' })).resolves.toBe('imported-pw');
  });
});
