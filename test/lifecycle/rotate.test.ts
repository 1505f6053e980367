/**
 * The rotation core: what blocks a rotation (pure), the staging slot, the generated password, and the
 * core against a sandbox when the store cannot take the new secret (nothing changes in the CRM).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantConfig } from '../../src/config/types.js';
import { EspoClient } from '../../src/espo/client.js';
import type { WriteClient } from '../../src/espo/writeAccess.js';
import { generatePassword, rotateAdminPassword, rotateApiKey, rotationBlockers, RotationError, stagingRef } from '../../src/lifecycle/rotate.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const tenant = (over: Partial<TenantConfig> = {}): TenantConfig => ({
  id: 'acme',
  name: 'Acme',
  url: 'https://crm.acme.example',
  readOnly: false,
  apiKey: 'keychain',
  admin: { username: 'admin', password: 'file:secrets/acme.adminPassword' },
  ...over,
});

describe('rotationBlockers', () => {
  it('none for keychain and file references', () => {
    expect(rotationBlockers(tenant(), 'apiKey')).toEqual([]);
    expect(rotationBlockers(tenant(), 'adminPassword')).toEqual([]);
  });

  it('an env: reference says it cannot be written, what to set, and how to move it', () => {
    const [b] = rotationBlockers(tenant({ apiKey: 'env:ACME_KEY' }), 'apiKey');
    expect(b).toMatch(/environment variable ACME_KEY, which this server cannot write/);
    expect(b).toMatch(/tenants set-secret acme apiKey/);
    expect(b).toMatch(/set ACME_KEY where the server runs/);
    expect(rotationBlockers(tenant({ apiKey: 'env:ACME_KEY' }), 'adminPassword')).toEqual([]);
    expect(rotationBlockers(tenant({ admin: { username: 'admin', password: 'env:ACME_PW' } }), 'adminPassword')[0]).toMatch(/"admin.password": "keychain"/);
    expect(rotationBlockers(tenant({ hmacSecret: 'env:ACME_HMAC' }), 'apiKey')[0]).toMatch(/hmacSecret comes from the environment variable ACME_HMAC/);
  });

  it('a missing API key or admin login blocks', () => {
    const { apiKey: _a, ...noKey } = tenant();
    expect(rotationBlockers(noKey, 'apiKey')).toEqual(['tenant "acme" has no API key to rotate (no "apiKey" in tenants.json)']);
    const { admin: _b, ...noAdmin } = tenant();
    expect(rotationBlockers(noAdmin, 'apiKey')[0]).toMatch(/no admin login: EspoCRM makes a new API key only for an admin/);
    expect(rotationBlockers(noAdmin, 'adminPassword')).toEqual(['tenant "acme" has no admin login to rotate']);
  });
});

describe('stagingRef', () => {
  it('is the keychain account or the file with ".next"', () => {
    expect(stagingRef('keychain', 'acme', 'adminPassword')).toBe('keychain:acme/adminPassword.next');
    expect(stagingRef('keychain:shared-admin', 'acme', 'adminPassword')).toBe('keychain:shared-admin.next');
    expect(stagingRef('file:secrets/acme.adminPassword', 'acme', 'adminPassword')).toBe('file:secrets/acme.adminPassword.next');
    expect(() => stagingRef('env:X', 'acme', 'adminPassword')).toThrow(/only keychain and file/);
  });
});

describe('generatePassword', () => {
  it('24 characters of a safe alphabet, every class twice, never the same twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9\-_.!@#%+=]{24}$/);
      expect(p.match(/[A-Z]/g)!.length).toBeGreaterThanOrEqual(2);
      expect(p.match(/[a-z]/g)!.length).toBeGreaterThanOrEqual(2);
      expect(p.match(/[0-9]/g)!.length).toBeGreaterThanOrEqual(2);
      expect(p.match(/[-_.!@#%+=]/g)!.length).toBeGreaterThanOrEqual(2);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
    expect(generatePassword(32)).toHaveLength(32);
    expect(() => generatePassword(8)).toThrow(RangeError);
  });
});

describe('rotation when the store cannot take the new secret', () => {
  let sb: Sandbox;
  let dir: string;
  beforeAll(async () => {
    sb = await startSandbox({ leads: 1, contacts: 0, accounts: 0, name: 'acme' });
    dir = mkdtempSync(join(tmpdir(), 'rotate-core-'));
  });
  afterAll(async () => sb?.close());

  it('refuses before touching the CRM: the old key and password stay stored and valid', async () => {
    const keyFile = join(dir, 'acme.apiKey');
    const pwFile = join(dir, 'acme.adminPassword');
    writeFileSync(keyFile, sb.credentials.apiKey, { mode: 0o600 });
    writeFileSync(pwFile, sb.credentials.admin.password, { mode: 0o600 });
    // The staging slots are taken by folders: no secret file can be written there (even as root).
    mkdirSync(`${keyFile}.next`);
    mkdirSync(`${pwFile}.next`);
    {
      const config = tenant({ url: sb.url, apiKey: `file:${keyFile}`, admin: { username: 'admin', password: `file:${pwFile}` } });
      const client = new EspoClient({ tenantId: 'acme', url: sb.url, apiKey: async () => sb.credentials.apiKey, admin: { username: 'admin', password: async () => sb.credentials.admin.password } });
      const env = { tenant: config, writer: client as WriteClient, secrets: { env: {}, baseDir: dir } };
      const before = sb.requests.length;
      for (const run of [rotateApiKey, rotateAdminPassword]) {
        const err = await run(env).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RotationError);
        expect((err as RotationError).switched).toBe(false);
        expect((err as Error).message).toMatch(/^Not rotated: the new (apiKey|adminPassword) could not be stored .*Nothing was changed in the CRM/);
      }
      expect(sb.requests.slice(before)).toEqual([]);
      expect(readFileSync(keyFile, 'utf8')).toBe(sb.credentials.apiKey);
      expect(readFileSync(pwFile, 'utf8')).toBe(sb.credentials.admin.password);
      await client.close();
    }
  });
});
