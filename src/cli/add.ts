import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { loadDotEnv } from '../config/dotenv.js';
import { ConfigError } from '../config/errors.js';
import { locateConfig, parseConfigText } from '../config/load.js';
import { TENANT_ID } from '../config/schema.js';
import { normalizeEspoUrl } from '../espo/url.js';
import { createLogger, silentLogger } from '../log/logger.js';
import { SecretError } from '../secrets/errors.js';
import { readSecretInput, type SecretInput } from '../secrets/read-input.js';
import { KEYCHAIN_SERVICE, conventionalEnvVar, keychainAccount } from '../secrets/refs.js';
import type { SecretStore } from '../secrets/store.js';
import { setTenantInText } from './add-file.js';
import { Prompter } from './add-prompt.js';

/** What the `tenants` commands share (see `registerTenantsCommands`). */
export interface AddIo {
  store: () => SecretStore;
  stdin: SecretInput;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface AddOptions {
  config?: string;
  url?: string;
  name?: string;
  siteUrl?: string;
  apiKeyStdin?: boolean;
  apiKeyEnv?: string;
  /** False with --no-api-key. */
  apiKey?: boolean;
  adminUser?: string;
  adminPasswordStdin?: boolean;
  adminPasswordEnv?: string;
  readOnly?: boolean;
  secrets?: 'keychain' | 'env';
  /** False with --no-check. */
  check?: boolean;
  force?: boolean;
}

/** Adds `tenants add [ID]` to the `tenants` command. */
export function registerTenantsAdd(tenants: Command, io: AddIo, run: (action: () => Promise<number>) => Promise<void>): void {
  tenants
    .command('add')
    .description('add a CRM: asks for its URL, API key and admin login, checks them live, stores the secrets in the OS keychain and writes tenants.json')
    .argument('[id]', 'the tenant id, e.g. damath (asked when missing)')
    .option('--config <path>', 'the tenants.json to add to (else $ESPOCRM_MCP_CONFIG, else ./tenants.json); created when missing')
    .option('--url <url>', "the CRM's address, e.g. https://crm.example.com")
    .option('--name <name>', 'a name for people, e.g. "Damath Overseas" (default: the id)')
    .option('--site-url <url>', 'the siteUrl the CRM reports, when it differs from --url (e.g. behind a proxy)')
    .option('--api-key-stdin', "read the API user's key from stdin")
    .option('--api-key-env <NAME>', "read the API user's key from the environment variable NAME")
    .option('--no-api-key', 'no API user: the admin login does everything')
    .option('--admin-user <name>', 'the user name of an EspoCRM admin (type Admin, without 2FA)')
    .option('--admin-password-stdin', "read the admin's password from stdin")
    .option('--admin-password-env <NAME>', "read the admin's password from the environment variable NAME")
    .option('--read-only', 'no write tool may run on this tenant')
    .addOption(new Option('--secrets <where>', 'keychain: store the secrets in the OS keychain; env: write env: references instead').choices(['keychain', 'env']).default('keychain'))
    .option('--no-check', 'write without contacting the CRM first')
    .option('--force', 'replace a tenant that has the same id')
    .addHelpText(
      'after',
      '\nOn a terminal it asks for what the flags do not give (secrets without echo). For scripts:\n' +
        '  printf %s "$KEY" | espocrm-admin-mcp tenants add damath --url https://crm.damath.example \\\n' +
        '    --api-key-stdin --admin-user admin --admin-password-env DAMATH_ADMIN_PASSWORD\n' +
        'Nothing is stored or written unless every check passes (reachable, siteUrl, API key, admin login).',
    )
    .action((id: string | undefined, opts: AddOptions) => run(() => addTenant(io, id, opts)));
}

const SECRETS_HELP =
  'give an API key (--api-key-stdin or --api-key-env) and/or an admin login (--admin-user with --admin-password-env or --admin-password-stdin)';

/** `tenants add`: returns the exit code; throws `ConfigError`/`SecretError` with a message for the user. */
export async function addTenant(io: AddIo, idArg: string | undefined, opts: AddOptions): Promise<number> {
  const mode = opts.secrets ?? 'keychain';
  checkFlagCombinations(opts);
  const usesStdin = opts.apiKeyStdin === true || opts.adminPasswordStdin === true;
  const prompter = io.stdin.isTTY === true && !usesStdin ? new Prompter(io.stdin, io.stderr) : undefined;
  const missing = (what: string): never => {
    throw new ConfigError(`missing ${what} (there is no terminal to ask on)`);
  };
  try {
    const id = idArg ?? (prompter ? await prompter.ask('Tenant id (lower-case letters, digits and dashes, e.g. damath)', { check: idProblem }) : missing('the tenant id (the first argument)'));
    const badId = idProblem(id);
    if (badId) throw new ConfigError(badId);

    loadDotEnv(io.cwd, io.env);
    const location = locateConfig({ configPath: opts.config, env: io.env, cwd: io.cwd });
    const existing = await readExisting(location.path);
    // Refuse early, before asking for secrets: a broken file, or a tenant that exists already.
    if (existing !== undefined) {
      validateExisting(existing, location.path);
      setTenantInText(existing, id, {}, { force: opts.force === true, source: location.path });
    }

    const url = opts.url ?? (prompter ? await prompter.ask('CRM URL (the address you open EspoCRM at)', { check: urlProblem }) : missing('--url'));
    const badUrl = urlProblem(url);
    if (badUrl) throw new ConfigError(`--url: ${badUrl}`);
    if (opts.siteUrl !== undefined && urlProblem(opts.siteUrl)) throw new ConfigError(`--site-url: ${urlProblem(opts.siteUrl)}`);
    const name = opts.name ?? (prompter ? await prompter.ask('Name for people', { default: id }) : id);

    let apiKey: string | undefined;
    if (opts.apiKeyEnv !== undefined) apiKey = envValue(io.env, opts.apiKeyEnv, '--api-key-env');
    else if (opts.apiKeyStdin) apiKey = await readSecretInput({ stdin: io.stdin, prompt: io.stderr, message: 'API key (input hidden): ' });
    else if (opts.apiKey !== false && prompter) {
      apiKey = (await prompter.ask('API key of the API user, for record reads (input hidden; empty if none)', { hidden: true })) || undefined;
    }

    const adminUser = opts.adminUser ?? (prompter ? (await prompter.ask('Admin user name, for fields, layouts and rebuild (empty if none)')) || undefined : undefined);
    let adminPassword: string | undefined;
    if (adminUser !== undefined) {
      if (opts.adminPasswordEnv !== undefined) adminPassword = envValue(io.env, opts.adminPasswordEnv, '--admin-password-env');
      else if (opts.adminPasswordStdin) adminPassword = await readSecretInput({ stdin: io.stdin, prompt: io.stderr, message: `Password of ${adminUser} (input hidden): ` });
      else if (prompter) adminPassword = await prompter.ask(`Password of ${adminUser} (input hidden)`, { hidden: true, check: (a) => (a ? undefined : 'the password is needed') });
      else missing('the admin password (--admin-password-env NAME or --admin-password-stdin)');
    }
    prompter?.close();
    if (apiKey === undefined && adminUser === undefined) throw new ConfigError(`no credentials: ${SECRETS_HELP}`);

    const refs = {
      apiKey: mode === 'keychain' ? 'keychain' : `env:${opts.apiKeyEnv ?? conventionalEnvVar(id, 'apiKey')}`,
      adminPassword: mode === 'keychain' ? 'keychain' : `env:${opts.adminPasswordEnv ?? conventionalEnvVar(id, 'adminPassword')}`,
    };
    const entry: Record<string, unknown> = { name, url };
    if (opts.siteUrl !== undefined) entry.siteUrl = opts.siteUrl;
    if (apiKey !== undefined) entry.apiKey = refs.apiKey;
    if (adminUser !== undefined) entry.admin = { username: adminUser, password: refs.adminPassword };
    if (opts.readOnly) entry.readOnly = true;
    const next = setTenantInText(existing, id, entry, { force: opts.force === true, source: location.path });
    // The file must load exactly as the server will load it.
    parseConfigText(next.text, location.path);

    if (opts.check !== false) {
      io.stderr.write(`Checking ${url} ...\n`);
      // Loaded only here: the check pulls in the EspoCRM client and the tool layer.
      const { checkNewTenant } = await import('./add-check.js');
      const logger = io.env.LOG_LEVEL ? createLogger({ level: io.env.LOG_LEVEL }) : silentLogger();
      const checked = await checkNewTenant(
        { id, name, url, ...(opts.siteUrl ? { siteUrl: opts.siteUrl } : {}), ...(apiKey !== undefined ? { apiKey } : {}), ...(adminUser !== undefined ? { admin: { username: adminUser, password: adminPassword! } } : {}) },
        { logger, env: io.env, baseDir: dirname(location.path) },
      );
      io.stderr.write(`${checked.report}\n`);
      if (!checked.ok) {
        for (const hint of checked.hints) io.stderr.write(`- ${hint}\n`);
        io.stderr.write(`Nothing was stored or written: fix the above and run the command again.\n`);
        return 1;
      }
    }

    const stored: string[] = [];
    if (mode === 'keychain') {
      const store = io.store();
      const put = async (field: 'apiKey' | 'adminPassword', value: string) => {
        const account = keychainAccount(id, field);
        try {
          await store.set(account, value);
        } catch (err) {
          if (!(err instanceof SecretError)) throw err;
          const kept = stored.length ? ` (already stored: ${stored.join(', ')})` : '';
          throw new SecretError(`${err.message}; or rerun with --secrets env to write env: references instead. ${location.path} was not changed${kept}.`);
        }
        stored.push(account);
      };
      if (apiKey !== undefined) await put('apiKey', apiKey);
      if (adminPassword !== undefined) await put('adminPassword', adminPassword);
    }
    try {
      await writeAtomically(location.path, next.text, existing !== undefined);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const kept = stored.length ? `; the secrets are stored in the keychain already (${stored.join(', ')}): rerun with --force once it is writable` : '';
      throw new ConfigError(`cannot write ${location.path} (${code})${kept}`);
    }

    io.stderr.write(`${next.replaced ? 'Replaced' : 'Added'} tenant "${id}" (${name}) in ${location.path}.\n`);
    if (mode === 'keychain') {
      io.stderr.write(`Secrets are in the OS keychain (service ${KEYCHAIN_SERVICE}, ${stored.map((a) => `account ${a}`).join(', ')}).\n`);
    } else {
      const vars = [apiKey !== undefined ? refs.apiKey : undefined, adminUser !== undefined ? refs.adminPassword : undefined]
        .filter((r): r is string => r !== undefined)
        .map((r) => r.slice('env:'.length));
      io.stderr.write(`Secrets are read from the environment: set ${vars.join(' and ')} where the server runs (the MCP client's "env" block).\n`);
    }
    const configFlag = location.via === 'default' ? '' : ` --config ${location.path}`;
    io.stderr.write(`Next: \`espocrm-admin-mcp tenants check ${id}${configFlag}\`, then point your MCP client at \`espocrm-admin-mcp serve${configFlag}\`.\n`);
    return 0;
  } finally {
    prompter?.close();
  }
}

function checkFlagCombinations(opts: AddOptions): void {
  const problems: string[] = [];
  if (opts.apiKeyStdin && opts.adminPasswordStdin) problems.push('only one secret can come from stdin: pass the other with --api-key-env or --admin-password-env');
  if (opts.apiKeyStdin && opts.apiKeyEnv !== undefined) problems.push('--api-key-stdin and --api-key-env: choose one');
  if (opts.adminPasswordStdin && opts.adminPasswordEnv !== undefined) problems.push('--admin-password-stdin and --admin-password-env: choose one');
  if (opts.apiKey === false && (opts.apiKeyStdin || opts.apiKeyEnv !== undefined)) problems.push('--no-api-key contradicts --api-key-stdin / --api-key-env');
  if ((opts.adminPasswordStdin || opts.adminPasswordEnv !== undefined) && opts.adminUser === undefined) problems.push('an admin password needs --admin-user');
  if (problems.length) throw new ConfigError(problems);
}

function idProblem(id: string): string | undefined {
  if (TENANT_ID.test(id)) return undefined;
  const fixed = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return `tenant id "${id.slice(0, 64)}" is not valid: expected lower-case letters, digits and dashes${fixed && TENANT_ID.test(fixed) ? `, e.g. "${fixed}"` : ''}`;
}

function urlProblem(url: string): string | undefined {
  try {
    normalizeEspoUrl(url);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function envValue(env: NodeJS.ProcessEnv, name: string, flag: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`${flag} ${name}: the environment variable ${name} is ${value === undefined ? 'not set' : 'empty'}`);
  return value;
}

async function readExisting(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ConfigError(code === 'EISDIR' ? `${path} is a folder; expected the path of a tenants.json file` : `cannot read ${path} (${code ?? 'error'})`);
  }
}

function validateExisting(text: string, path: string): void {
  if (text.trim() === '') return;
  try {
    parseConfigText(text, path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(`${err.message}\nFix ${path} first; nothing was changed.`);
  }
}

/** Replaces the file in one step (a crash never leaves half a tenants.json), keeping its mode. */
async function writeAtomically(path: string, text: string, existed: boolean): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const mode = existed ? (await stat(path)).mode & 0o777 : 0o644;
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
