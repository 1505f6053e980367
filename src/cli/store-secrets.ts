import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/errors.js';
import { SecretError } from '../secrets/errors.js';
import { keychainAccount, parseSecretRef } from '../secrets/refs.js';
import type { SecretStore } from '../secrets/store.js';
import { deleteSecret, secretFilePath, writeSecret } from '../secrets/write.js';

/** One secret to store where `ref` points (keychain or file; `env:` refs are skipped: nothing to store). */
export interface SecretToStore {
  tenantId: string;
  field: string;
  ref: string;
  /** The value; never printed. */
  value: string;
}

export interface StoreSecretsContext {
  /** Folder relative `file:` references are resolved against (tenants.json's folder). */
  baseDir: string;
  /** The OS keychain (or a test's stand-in); only asked for when a reference is a keychain one. */
  store: () => SecretStore;
  /** The config file `thenWrite` writes, for messages. */
  configPath: string;
}

/**
 * Stores every secret, then runs `thenWrite` (tenants.json). All or nothing: when a secret or the file
 * cannot be written, what this run stored is taken back (a value that was there before is put back)
 * and the error is rethrown, saying that nothing was stored and the file was not changed.
 */
export async function storeSecretsThenWrite(secrets: readonly SecretToStore[], ctx: StoreSecretsContext, thenWrite: () => Promise<void>): Promise<void> {
  const done: Array<{ item: SecretToStore; previous: string | null | undefined }> = [];
  const where = (item: SecretToStore) => {
    const keychain = parseSecretRef(item.ref)?.kind === 'keychain';
    return { tenantId: item.tenantId, field: item.field, baseDir: ctx.baseDir, ...(keychain ? { store: ctx.store() } : {}) };
  };
  try {
    for (const item of secrets) {
      if (parseSecretRef(item.ref)?.kind === 'env') continue;
      const previous = await previousValue(item.ref, where(item));
      await writeSecret(item.ref, item.value, where(item));
      done.push({ item, previous });
    }
    try {
      await thenWrite();
    } catch (err) {
      throw new ConfigError(`cannot write ${ctx.configPath} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } catch (err) {
    const left: string[] = [];
    for (const { item, previous } of done.reverse()) {
      try {
        if (typeof previous === 'string') await writeSecret(item.ref, previous, where(item));
        else await deleteSecret(item.ref, where(item));
      } catch {
        left.push(`${item.tenantId} ${item.field}`);
      }
    }
    const kept = left.length ? ` (could not take back ${left.join(', ')}: remove ${left.length > 1 ? 'them' : 'it'} by hand)` : '';
    if (err instanceof SecretError) {
      throw new SecretError(`${err.message.replace(/\.$/, '')}. Nothing was stored and ${ctx.configPath} was not changed${kept}.`, {
        ...(err.tenantId !== undefined ? { tenantId: err.tenantId } : {}),
        ...(err.field !== undefined ? { field: err.field } : {}),
      });
    }
    if (err instanceof ConfigError) throw new ConfigError(`${err.message}; nothing was stored${kept}`);
    throw err;
  }
}

/** What a secret's place held before (to put it back): null when nothing, undefined when it cannot be told. */
async function previousValue(ref: string, ctx: { tenantId: string; field: string; baseDir: string; store?: SecretStore }): Promise<string | null | undefined> {
  const parsed = parseSecretRef(ref);
  try {
    if (parsed?.kind === 'keychain') return (await ctx.store?.get(parsed.account ?? keychainAccount(ctx.tenantId, ctx.field))) ?? null;
    if (parsed?.kind === 'file') {
      const value = (await readFile(secretFilePath(parsed.path, ctx.baseDir), 'utf8')).replace(/\r?\n$/, '');
      return value === '' ? null : value;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
  }
  return undefined;
}
