import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { SecretRef } from '../config/types.js';
import { SecretError } from './errors.js';
import { KeychainStore } from './keychain.js';
import { conventionalEnvVar, KEYCHAIN_SERVICE, keychainAccount, parseSecretRef, secretFieldOf } from './refs.js';
import type { SecretStore } from './store.js';

export interface ResolveSecretContext {
  tenantId: string;
  /** `apiKey`, `hmacSecret` or `adminPassword` (`admin.password` is accepted too). */
  field: string;
  /** Where `env:` references look; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Folder relative `file:` paths are resolved against (the config file's folder); defaults to the cwd. */
  baseDir?: string;
  /** Where `keychain` references look; defaults to the OS keychain. */
  store?: SecretStore;
  /** What the secret is, for messages, when it is not a tenant's (e.g. "the store's database URL"). */
  label?: string;
}

let defaultStore: KeychainStore | undefined;

/** Resolves a reference to the secret it names. Throws `SecretError`, whose message never holds a secret. */
export async function resolveSecret(ref: SecretRef, ctx: ResolveSecretContext): Promise<string> {
  const field = secretFieldOf(ctx.field);
  const where = ctx.label ?? `tenant "${ctx.tenantId}" ${field}`;
  const fail = (message: string) => new SecretError(`${where}: ${message}`, { tenantId: ctx.tenantId, field });
  const parsed = parseSecretRef(ref);
  if (!parsed) {
    // Never echo the value: an invalid reference is most likely a pasted secret.
    throw fail(
      `not a secret reference; write "env:NAME", "keychain", "keychain:ACCOUNT" or "file:PATH" ` +
        `(e.g. "env:${conventionalEnvVar(ctx.tenantId, field)}")`,
    );
  }
  switch (parsed.kind) {
    case 'env': {
      const value = (ctx.env ?? process.env)[parsed.name];
      if (value === undefined || value === '') {
        throw fail(
          `the environment variable ${parsed.name} is ${value === undefined ? 'not set' : 'empty'} — set it in ` +
            `the MCP client's "env" block, in the shell, or in a .env file in the working directory`,
        );
      }
      return value;
    }
    case 'keychain': {
      const account = parsed.account ?? keychainAccount(ctx.tenantId, field);
      let store: SecretStore | undefined = ctx.store;
      if (!store) store = defaultStore ??= new KeychainStore();
      let value: string | null;
      try {
        value = await store.get(account);
      } catch (err) {
        if (err instanceof SecretError) throw fail(err.message);
        throw err;
      }
      if (value === null || value === '') {
        const setCommand = parsed.account
          ? `espocrm-admin-mcp tenants set-secret ${ctx.tenantId} ${field} --account ${parsed.account}`
          : `espocrm-admin-mcp tenants set-secret ${ctx.tenantId} ${field}`;
        throw fail(
          `no value in the OS keychain for account "${account}" (service ${KEYCHAIN_SERVICE}) — store it with ` +
            `\`${setCommand}\``,
        );
      }
      return value;
    }
    case 'file':
      return readSecretFile(expandPath(parsed.path, ctx.baseDir), fail);
  }
}

function expandPath(path: string, baseDir: string | undefined): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
}

async function readSecretFile(path: string, fail: (m: string) => SecretError): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? `the file ${path} does not exist` : `cannot read ${path} (${code ?? 'error'})`);
  }
  if (!info.isFile()) throw fail(`${path} is not a regular file`);
  // Windows has no POSIX modes; elsewhere a secret file others can read is refused, as ssh does.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(3, '0');
    throw fail(`${path} is readable by other users (mode ${mode}) — run \`chmod 600 ${path}\``);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw fail(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw fail(`the file ${path} is empty`);
  return value;
}
