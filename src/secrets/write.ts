/**
 * Writing secrets where a reference points (issue 18: `--secrets keychain|file:DIR|env`, provisioning,
 * rotation). `keychain` refs go to the OS keychain; `file:` refs to a file only its owner can read
 * (0600, in a 0700 folder when we make it), replaced in one step; `env:` refs cannot be written by this
 * process: the error says what to set instead. Messages never hold a secret value.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { SecretRef } from '../config/types.js';
import { SecretError } from './errors.js';
import { KeychainStore } from './keychain.js';
import { conventionalEnvVar, KEYCHAIN_SERVICE, keychainAccount, parseSecretRef, secretFieldOf } from './refs.js';
import type { SecretStore } from './store.js';

/** Where `--secrets` puts new secrets. `dir` of `file` is as typed (relative to tenants.json's folder). */
export type SecretsTarget = { kind: 'keychain' } | { kind: 'file'; dir: string } | { kind: 'env' };

export const SECRETS_TARGET_HELP = 'keychain (the OS keychain), file:DIR (one 0600 file per secret in DIR, for headless servers) or env (environment variables you set)';

/** Parses `--secrets`; undefined when the text is not one of the forms (the caller says what is allowed). */
export function parseSecretsTarget(text: string): SecretsTarget | undefined {
  if (text === 'keychain') return { kind: 'keychain' };
  if (text === 'env') return { kind: 'env' };
  if (text.startsWith('file:') && text.slice(5).trim() !== '' && text.slice(5).trim() === text.slice(5)) return { kind: 'file', dir: text.slice(5) };
  return undefined;
}

/**
 * `target` as tenants.json should name its folder: a relative DIR stays relative to the config's folder
 * (`baseDir`), and an absolute one inside that folder becomes relative, so tenants.json and its
 * secrets can move together; one outside it (or `~/...`) stays as typed.
 */
export function secretsTargetBeside(target: SecretsTarget, baseDir: string): SecretsTarget {
  if (target.kind !== 'file' || !isAbsolute(target.dir)) return target;
  const rel = relative(resolve(baseDir), resolve(target.dir));
  if (rel === '') return { kind: 'file', dir: '.' };
  if (rel.startsWith('..') || isAbsolute(rel)) return target;
  return { kind: 'file', dir: rel };
}

/** The reference tenants.json gets for a secret stored at `target`. */
export function refForTarget(target: SecretsTarget, tenantId: string, field: string, envName?: string): SecretRef {
  const f = secretFieldOf(field);
  switch (target.kind) {
    case 'keychain':
      return 'keychain';
    case 'env':
      return `env:${envName ?? conventionalEnvVar(tenantId, f)}`;
    case 'file':
      return `file:${join(target.dir, `${tenantId}.${f}`)}`;
  }
}

export interface WriteSecretContext {
  tenantId: string;
  field: string;
  /** Folder relative `file:` paths are resolved against (the config file's folder). */
  baseDir: string;
  /** The keychain; defaults to the OS keychain. */
  store?: SecretStore;
}

let defaultStore: KeychainStore | undefined;

/** The absolute path of a `file:` reference, as `resolveSecret` reads it. */
export function secretFilePath(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** True when this process can write where `ref` points (keychain or file). */
export function isWritableRef(ref: SecretRef): boolean {
  const parsed = parseSecretRef(ref);
  return parsed !== undefined && parsed.kind !== 'env';
}

/** Where a reference stores its secret, in words (never the value). */
export function whereSecretIs(ref: SecretRef, ctx: Pick<WriteSecretContext, 'tenantId' | 'field' | 'baseDir'>): string {
  const parsed = parseSecretRef(ref);
  if (!parsed) return 'an invalid reference';
  if (parsed.kind === 'env') return `the environment variable ${parsed.name}`;
  if (parsed.kind === 'keychain') return `the OS keychain (service ${KEYCHAIN_SERVICE}, account "${parsed.account ?? keychainAccount(ctx.tenantId, ctx.field)}")`;
  return `the file ${secretFilePath(parsed.path, ctx.baseDir)}`;
}

/** Stores `value` where `ref` points. Throws `SecretError` (with the fix) when it cannot. */
export async function writeSecret(ref: SecretRef, value: string, ctx: WriteSecretContext): Promise<void> {
  const field = secretFieldOf(ctx.field);
  const label = `tenant "${ctx.tenantId}" ${field}`;
  if (value === '') throw new SecretError(`${label}: refusing to store an empty secret`, { tenantId: ctx.tenantId, field });
  const parsed = parseSecretRef(ref);
  if (!parsed) throw new SecretError(`${label}: not a secret reference; expected "keychain", "keychain:ACCOUNT" or "file:PATH"`, { tenantId: ctx.tenantId, field });
  switch (parsed.kind) {
    case 'env':
      throw new SecretError(
        `${label} comes from the environment variable ${parsed.name}, which this command cannot write: set ${parsed.name} where the server runs ` +
          `(the MCP client's "env" block), or keep the secret in the keychain or a file instead (--secrets keychain or --secrets file:DIR)`,
        { tenantId: ctx.tenantId, field },
      );
    case 'keychain': {
      const store = ctx.store ?? (defaultStore ??= new KeychainStore());
      await store.set(parsed.account ?? keychainAccount(ctx.tenantId, field), value);
      return;
    }
    case 'file':
      await writeSecretFile(secretFilePath(parsed.path, ctx.baseDir), value, label, ctx.tenantId, field);
  }
}

/** Removes the secret `ref` points at; false when there was none. `env:` refs are left alone (false). */
export async function deleteSecret(ref: SecretRef, ctx: WriteSecretContext): Promise<boolean> {
  const parsed = parseSecretRef(ref);
  if (!parsed || parsed.kind === 'env') return false;
  if (parsed.kind === 'keychain') {
    const store = ctx.store ?? (defaultStore ??= new KeychainStore());
    return store.delete(parsed.account ?? keychainAccount(ctx.tenantId, secretFieldOf(ctx.field)));
  }
  try {
    await unlink(secretFilePath(parsed.path, ctx.baseDir));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new SecretError(`cannot remove ${secretFilePath(parsed.path, ctx.baseDir)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { tenantId: ctx.tenantId, field: ctx.field });
  }
}

/** Writes a 0600 file in one step (temp file + rename): a crash never leaves half a secret. */
async function writeSecretFile(path: string, value: string, label: string, tenantId: string, field: string): Promise<void> {
  const fail = (what: string, err: unknown) =>
    new SecretError(`${label}: cannot ${what} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { tenantId, field });
  const dir = dirname(path);
  try {
    const made = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (made !== undefined && process.platform !== 'win32') await chmod(dir, 0o700);
  } catch (err) {
    throw fail(`create the folder ${dir}`, err);
  }
  try {
    const info = await lstat(path);
    if (!info.isFile()) throw new SecretError(`${label}: ${path} exists and is not a regular file; remove it or choose another folder`, { tenantId, field });
  } catch (err) {
    if (err instanceof SecretError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(`read ${path}`, err);
  }
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${value}\n`, { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fail(`write ${path}`, err);
  }
}
