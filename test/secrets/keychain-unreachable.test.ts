import { afterEach, expect, it } from 'vitest';
import { SecretError } from '../../src/secrets/errors.js';
import { KeychainStore } from '../../src/secrets/keychain.js';
import { resolveSecret } from '../../src/secrets/resolve.js';

const saved = process.env.DBUS_SESSION_BUS_ADDRESS;

afterEach(() => {
  if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
});

// Without a session bus the Secret Service is unreachable; pinning the store makes that an error
// instead of a silent fallback to the in-memory kernel keyring.
it.runIf(process.platform === 'linux')('says clearly that no OS keychain is reachable, and what to do instead', async () => {
  delete process.env.DBUS_SESSION_BUS_ADDRESS;
  const store = new KeychainStore();
  const err = await store.set('unreachable-test/apiKey', 'value-that-must-not-be-stored').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SecretError);
  expect((err as Error).message).toContain('no OS keychain reachable');
  expect((err as Error).message).toContain('on a headless Linux server use env: or file: references');
  expect((err as Error).message).not.toContain('value-that-must-not-be-stored');
  await expect(store.get('unreachable-test/apiKey')).rejects.toThrow('no OS keychain reachable');
  await expect(resolveSecret('keychain', { tenantId: 'damath', field: 'apiKey', store })).rejects.toThrow(
    /^tenant "damath" apiKey: no OS keychain reachable/,
  );
});
