import type { AsyncEntry as AsyncEntryType, EntryOptions } from '@napi-rs/keyring';
import { SecretError } from './errors.js';
import { KEYCHAIN_SERVICE } from './refs.js';
import type { SecretStore } from './store.js';

type KeyringModule = typeof import('@napi-rs/keyring');

// Pin Linux to the Secret Service: the default silently falls back to the kernel keyutils store,
// which is in memory and lost on reboot. Other platforms ignore the option.
const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

const HEADLESS_HINT =
  'on a headless Linux server use env: or file: references instead, or start a Secret Service ' +
  '(e.g. `gnome-keyring-daemon --unlock --components=secrets` inside a D-Bus session)';

let keyringModule: Promise<KeyringModule> | undefined;

// Loaded on first use, so configurations that only use env: and file: never load the native module.
function loadKeyring(): Promise<KeyringModule> {
  keyringModule ??= import('@napi-rs/keyring').catch((err: unknown) => {
    keyringModule = undefined;
    throw new SecretError(
      `the OS keychain module (@napi-rs/keyring) could not be loaded on this platform (${reasonOf(err)}): ${HEADLESS_HINT}`,
    );
  });
  return keyringModule;
}

function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.slice(0, 200);
}

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service) through
 * `@napi-rs/keyring`. Every entry is stored under one service name; the account is `TENANT/FIELD`
 * or an explicit one. An unreachable keychain is a `SecretError` that says what to do instead.
 */
export class KeychainStore implements SecretStore {
  readonly service: string;

  constructor(opts: { service?: string } = {}) {
    this.service = opts.service ?? KEYCHAIN_SERVICE;
  }

  async get(account: string): Promise<string | null> {
    return this.run(account, 'read', (e) => e.getPassword());
  }

  async set(account: string, value: string): Promise<void> {
    await this.run(account, 'store', (e) => e.setPassword(value));
  }

  async delete(account: string): Promise<boolean> {
    return this.run(account, 'delete', (e) => e.deletePassword());
  }

  private async run<T>(account: string, verb: string, op: (entry: AsyncEntryType) => Promise<T>): Promise<T> {
    const { AsyncEntry } = await loadKeyring();
    try {
      // The constructor itself throws when no D-Bus session is reachable.
      return await op(new AsyncEntry(this.service, account, ENTRY_OPTIONS));
    } catch (err) {
      throw new SecretError(
        `no OS keychain reachable (or it is locked) to ${verb} "${account}" in service ${this.service}: ` +
          `${reasonOf(err)} — ${HEADLESS_HINT}`,
      );
    }
  }
}
