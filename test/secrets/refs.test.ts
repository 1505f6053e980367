import { describe, expect, it } from 'vitest';
import { conventionalEnvVar, describeSecretRef, isSecretRef, keychainAccount, parseSecretRef } from '../../src/secrets/refs.js';

describe('secret references', () => {
  it('recognises the four forms', () => {
    expect(parseSecretRef('env:DAMATH_ESPO_API_KEY')).toEqual({ kind: 'env', name: 'DAMATH_ESPO_API_KEY' });
    expect(parseSecretRef('keychain')).toEqual({ kind: 'keychain' });
    expect(parseSecretRef('keychain:damath/api')).toEqual({ kind: 'keychain', account: 'damath/api' });
    expect(parseSecretRef('file:secrets/key')).toEqual({ kind: 'file', path: 'secrets/key' });
  });

  it('rejects anything else', () => {
    for (const s of ['', 'sk-123', 'env:', 'env:1ABC', 'env:A-B', 'keychain:', 'keychain: x', 'file:', 'file:  ', 'KEYCHAIN', 'Env:X']) {
      expect(isSecretRef(s), s).toBe(false);
    }
    expect(isSecretRef(42)).toBe(false);
    expect(isSecretRef('env:_X1')).toBe(true);
  });

  it('names accounts and conventional variables', () => {
    expect(keychainAccount('damath', 'apiKey')).toBe('damath/apiKey');
    expect(keychainAccount('damath', 'admin.password')).toBe('damath/adminPassword');
    expect(conventionalEnvVar('coach-vero', 'adminPassword')).toBe('COACH_VERO_ESPO_PASSWORD');
    expect(conventionalEnvVar('default', 'hmacSecret')).toBe('ESPO_HMAC_SECRET');
    expect(describeSecretRef('keychain', 'damath', 'apiKey')).toBe('keychain damath/apiKey');
    expect(describeSecretRef('env:X', 'damath', 'apiKey')).toBe('env X');
  });
});
