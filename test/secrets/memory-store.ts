import type { SecretStore } from '../../src/secrets/store.js';

/** An in-memory stand-in for the OS keychain, for tests of code that only needs a SecretStore. */
export class MemoryStore implements SecretStore {
  readonly entries = new Map<string, string>();

  async get(account: string): Promise<string | null> {
    return this.entries.get(account) ?? null;
  }

  async set(account: string, value: string): Promise<void> {
    this.entries.set(account, value);
  }

  async delete(account: string): Promise<boolean> {
    return this.entries.delete(account);
  }
}
