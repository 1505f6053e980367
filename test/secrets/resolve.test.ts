import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretError } from '../../src/secrets/errors.js';
import { resolveSecret } from '../../src/secrets/resolve.js';
import { MemoryStore } from './memory-store.js';

const CANARY = 'sk-CANARY-b71c03e2';

async function secretError(promise: Promise<string>): Promise<SecretError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a SecretError');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SecretError);
  return err as SecretError;
}

describe('env: references', () => {
  it('resolve to the variable', async () => {
    await expect(resolveSecret('env:DAMATH_ESPO_API_KEY', { tenantId: 'damath', field: 'apiKey', env: { DAMATH_ESPO_API_KEY: CANARY } })).resolves.toBe(CANARY);
  });

  it('say which variable is missing or empty', async () => {
    const missing = await secretError(resolveSecret('env:DAMATH_ESPO_API_KEY', { tenantId: 'damath', field: 'apiKey', env: {} }));
    expect(missing.message).toContain('tenant "damath" apiKey: the environment variable DAMATH_ESPO_API_KEY is not set');
    expect(missing.tenantId).toBe('damath');
    expect(missing.field).toBe('apiKey');
    const empty = await secretError(resolveSecret('env:X', { tenantId: 'damath', field: 'admin.password', env: { X: '' } }));
    expect(empty.message).toContain('tenant "damath" adminPassword: the environment variable X is empty');
  });
});

describe('file: references', () => {
  const dir = mkdtempSync(join(tmpdir(), 'espo-secret-'));

  it('read a 0600 file relative to baseDir and drop one trailing newline', async () => {
    mkdirSync(join(dir, 'secrets'), { recursive: true });
    const path = join(dir, 'secrets', 'key');
    writeFileSync(path, `${CANARY}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    await expect(resolveSecret('file:secrets/key', { tenantId: 'd', field: 'apiKey', baseDir: dir })).resolves.toBe(CANARY);
    await expect(resolveSecret(`file:${path}`, { tenantId: 'd', field: 'apiKey', baseDir: '/nowhere' })).resolves.toBe(CANARY);
  });

  it('accept 0400', async () => {
    const path = join(dir, 'ro');
    writeFileSync(path, 'value\r\n');
    chmodSync(path, 0o400);
    await expect(resolveSecret('file:ro', { tenantId: 'd', field: 'apiKey', baseDir: dir })).resolves.toBe('value');
  });

  it.skipIf(process.platform === 'win32')('refuse a file others can read and say how to fix it', async () => {
    const path = join(dir, 'open');
    writeFileSync(path, CANARY);
    chmodSync(path, 0o644);
    const err = await secretError(resolveSecret('file:open', { tenantId: 'd', field: 'apiKey', baseDir: dir }));
    expect(err.message).toContain('(mode 644)');
    expect(err.message).toContain(`chmod 600 ${path}`);
    expect(err.message).not.toContain(CANARY);
    chmodSync(path, 0o640);
    await expect(resolveSecret('file:open', { tenantId: 'd', field: 'apiKey', baseDir: dir })).rejects.toThrow('(mode 640)');
  });

  it('say when the file is missing or empty', async () => {
    const missing = await secretError(resolveSecret('file:nope', { tenantId: 'd', field: 'apiKey', baseDir: dir }));
    expect(missing.message).toContain(`the file ${join(dir, 'nope')} does not exist`);
    const path = join(dir, 'empty');
    writeFileSync(path, '\n', { mode: 0o600 });
    chmodSync(path, 0o600);
    await expect(resolveSecret('file:empty', { tenantId: 'd', field: 'apiKey', baseDir: dir })).rejects.toThrow('is empty');
  });
});

describe('keychain references', () => {
  it('read TENANT/FIELD, or the named account', async () => {
    const store = new MemoryStore();
    await store.set('damath/adminPassword', 'pw-1');
    await store.set('shared-admin', 'pw-2');
    await expect(resolveSecret('keychain', { tenantId: 'damath', field: 'adminPassword', store })).resolves.toBe('pw-1');
    await expect(resolveSecret('keychain', { tenantId: 'damath', field: 'admin.password', store })).resolves.toBe('pw-1');
    await expect(resolveSecret('keychain:shared-admin', { tenantId: 'damath', field: 'adminPassword', store })).resolves.toBe('pw-2');
  });

  it('say how to store a missing entry', async () => {
    const store = new MemoryStore();
    const err = await secretError(resolveSecret('keychain', { tenantId: 'damath', field: 'apiKey', store }));
    expect(err.message).toContain('no value in the OS keychain for account "damath/apiKey" (service espocrm-admin-mcp)');
    expect(err.message).toContain('`espocrm-admin-mcp tenants set-secret damath apiKey`');
    const named = await secretError(resolveSecret('keychain:acct', { tenantId: 'damath', field: 'apiKey', store }));
    expect(named.message).toContain('set-secret damath apiKey --account acct');
  });

  it('pass on an unreachable keychain as a SecretError naming the tenant', async () => {
    const store = new MemoryStore();
    store.get = async () => {
      throw new SecretError('no OS keychain reachable (test)');
    };
    const err = await secretError(resolveSecret('keychain', { tenantId: 'damath', field: 'apiKey', store }));
    expect(err.message).toBe('tenant "damath" apiKey: no OS keychain reachable (test)');
  });
});

it('refuses something that is not a reference without repeating it', async () => {
  const err = await secretError(resolveSecret(CANARY, { tenantId: 'coach-vero', field: 'apiKey', env: {} }));
  expect(err.message).toContain('not a secret reference');
  expect(err.message).toContain('env:COACH_VERO_ESPO_API_KEY');
  expect(err.message).not.toContain(CANARY);
});
