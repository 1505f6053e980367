import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { loadDotEnv, loadDotEnvBeside } from '../config/dotenv.js';
import { ConfigError } from '../config/errors.js';
import { locateConfig, parseConfigText } from '../config/load.js';
import { TENANT_ID } from '../config/schema.js';
import { normalizeEspoUrl } from '../espo/url.js';
import { createLogger, silentLogger } from '../log/logger.js';
import { SecretError } from '../secrets/errors.js';
import { readSecretInput, type SecretInput } from '../secrets/read-input.js';
import { KEYCHAIN_SERVICE, keychainAccount } from '../secrets/refs.js';
import type { SecretStore } from '../secrets/store.js';
import {
  parseSecretsTarget,
  refForTarget,
  secretFilePath,
  secretsTargetBeside,
  type SecretsTarget,
} from '../secrets/write.js';
import { setTenantInText } from './add-file.js';
import { Prompter } from './add-prompt.js';
import { parseSecretsOption, SECRETS_OPTION_HELP, secretsFlag } from './secrets-option.js';
import { storeSecretsThenWrite } from './store-secrets.js';

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
  /** `--secrets keychain|file:DIR|env` (default keychain). */
  secrets?: SecretsTarget;
  /** False with --no-check. */
  check?: boolean;
  force?: boolean;
  /** `--provision` (with `--hmac`, `--api-user`): make the API user from the admin login (src/cli/provision.ts). */
  provision?: boolean;
  hmac?: boolean;
  apiUser?: string;
}

/** Adds `tenants add [ID]` to the `tenants` command. */
export function registerTenantsAdd(tenants: Command, io: AddIo, run: (action: () => Promise<number>) => Promise<void>): void {
  tenants
    .command('add')
    .description('add a CRM: asks for its URL, API key and admin login, checks them live, stores the secrets (OS keychain, 0600 files or env) and writes tenants.json')
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
    .addOption(new Option('--secrets <where>', SECRETS_OPTION_HELP).argParser(parseSecretsOption).default({ kind: 'keychain' }, 'keychain'))
    .option('--no-check', 'write without contacting the CRM first')
    .option('--force', 'replace a tenant that has the same id')
    .option('--provision', 'no API key needed: create (or reuse) a read role and an API user with the admin login, and store its key')
    .option('--hmac', 'with --provision: the API user authenticates with HMAC (key and secret)')
    .option('--api-user <name>', 'with --provision: the API user\'s name (default mcp-api-ID)')
    .addHelpText(
      'after',
      '\nOn a terminal it asks for what the flags do not give (secrets without echo). For scripts:\n' +
        '  printf %s "$KEY" | espocrm-admin-mcp tenants add damath --url https://crm.damath.example \\\n' +
        '    --api-key-stdin --admin-user admin --admin-password-env DAMATH_ADMIN_PASSWORD\n' +
        'Nothing is stored or written unless every check passes (reachable, siteUrl, API key, admin login).\n' +
        'Without an OS keychain (headless servers, containers): --secrets file:./secrets keeps one 0600 file per\n' +
        'secret in ./secrets beside tenants.json; --secrets env writes env: references and prints what to set.',
    )
    .action((id: string | undefined, opts: AddOptions) => run(() => addTenant(io, id, opts)));
}

/** A secret `tenants add` stores, as typed (in memory only). */
interface NewSecret {
  field: 'apiKey' | 'adminPassword';
  value: string;
  /** The variable it came from (`--api-key-env NAME`): the `env:` reference reuses it. */
  envName?: string;
}

/** What would be written for one choice of `--secrets`: the references and the new tenants.json text. */
interface Planned {
  target: SecretsTarget;
  refs: Record<NewSecret['field'], string>;
  next: { text: string; replaced: boolean };
}

/** `tenants add`: returns the exit code; throws `ConfigError`/`SecretError` with a message for the user. */
export async function addTenant(io: AddIo, idArg: string | undefined, opts: AddOptions): Promise<number> {
  checkFlagCombinations(opts);
  if (opts.provision || opts.hmac || opts.apiUser !== undefined) (await import('./provision.js')).checkProvisionFlags(opts);
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
    loadDotEnvBeside(location.path, io.cwd, io.env);
    const baseDir = dirname(location.path);
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
    else if (opts.apiKey !== false && !opts.provision && prompter) {
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
    if (opts.provision) {
      const { provisionFromAdd } = await import('./provision.js');
      prompter?.close();
      return await provisionFromAdd(io, {
        id, name, url, ...(opts.siteUrl !== undefined ? { siteUrl: opts.siteUrl } : {}), adminUser, adminPassword, hmac: opts.hmac, apiUser: opts.apiUser, readOnly: opts.readOnly,
        target: opts.secrets ?? { kind: 'keychain' }, force: opts.force === true, configPath: location.path, existing,
        configFlag: location.via === 'default' ? '' : ` --config ${location.path}`,
        writeConfig: (text) => writeAtomically(location.path, text, existing !== undefined),
      });
    }
    if (apiKey === undefined && adminUser === undefined) throw new ConfigError(`no credentials: ${SECRETS_HELP}`);

    const secrets: NewSecret[] = [];
    if (apiKey !== undefined) secrets.push({ field: 'apiKey', value: apiKey, ...(opts.apiKeyEnv !== undefined ? { envName: opts.apiKeyEnv } : {}) });
    if (adminPassword !== undefined) {
      secrets.push({ field: 'adminPassword', value: adminPassword, ...(opts.adminPasswordEnv !== undefined ? { envName: opts.adminPasswordEnv } : {}) });
    }
    // What tenants.json gets for a choice of store; the file must load exactly as the server will load it.
    const plan = (chosen: SecretsTarget): Planned => {
      const target = secretsTargetBeside(chosen, baseDir);
      const refs = {
        apiKey: refForTarget(target, id, 'apiKey', opts.apiKeyEnv),
        adminPassword: refForTarget(target, id, 'adminPassword', opts.adminPasswordEnv),
      };
      const entry: Record<string, unknown> = { name, url };
      if (opts.siteUrl !== undefined) entry.siteUrl = opts.siteUrl;
      if (apiKey !== undefined) entry.apiKey = refs.apiKey;
      if (adminUser !== undefined) entry.admin = { username: adminUser, password: refs.adminPassword };
      if (opts.readOnly) entry.readOnly = true;
      const next = setTenantInText(existing, id, entry, { force: opts.force === true, source: location.path });
      parseConfigText(next.text, location.path);
      return { target, refs, next };
    };
    let planned = plan(opts.secrets ?? { kind: 'keychain' });

    const configFlag = location.via === 'default' ? '' : ` --config ${location.path}`;
    if (opts.check !== false) {
      io.stderr.write(`Checking ${url} ...\n`);
      // Loaded only here: the check pulls in the EspoCRM client and the tool layer.
      const { checkNewTenant } = await import('./add-check.js');
      const logger = io.env.LOG_LEVEL ? createLogger({ level: io.env.LOG_LEVEL }) : silentLogger();
      const checked = await checkNewTenant(
        { id, name, url, ...(opts.siteUrl ? { siteUrl: opts.siteUrl } : {}), ...(apiKey !== undefined ? { apiKey } : {}), ...(adminUser !== undefined ? { admin: { username: adminUser, password: adminPassword! } } : {}) },
        { logger, env: io.env, baseDir, rerun: `espocrm-admin-mcp tenants add ${id}${configFlag}` },
      );
      io.stderr.write(`${checked.report}\n`);
      if (!checked.ok) {
        for (const hint of checked.hints) io.stderr.write(`- ${hint}\n`);
        io.stderr.write(`Nothing was stored or written: fix the above and run the command again.\n`);
        return 1;
      }
    }

    const ctx = { baseDir, configPath: location.path, store: () => io.store() };
    for (;;) {
      try {
        const items = secrets.map((x) => ({ tenantId: id, field: x.field, ref: planned.refs[x.field], value: x.value }));
        await storeSecretsThenWrite(items, ctx, () => writeAtomically(location.path, planned.next.text, existing !== undefined));
        break;
      } catch (err) {
        if (!(err instanceof SecretError)) throw err;
        if (!prompter) throw new SecretError(`${err.message}\n${rerunAdvice(planned, secrets, id, location.path)}`, { tenantId: id });
        // On a terminal the answers are kept: choose another store and go on.
        planned = plan(await askOtherStore(prompter, io.stderr, err, planned.target, baseDir));
      }
    }

    const { next, target, refs } = planned;
    io.stderr.write(`${next.replaced ? 'Replaced' : 'Added'} tenant "${id}" (${name}) in ${location.path}.\n`);
    if (target.kind === 'keychain') {
      io.stderr.write(`Secrets are in the OS keychain (service ${KEYCHAIN_SERVICE}, ${secrets.map((x) => `account ${keychainAccount(id, x.field)}`).join(', ')}).\n`);
    } else if (target.kind === 'file') {
      const files = secrets.map((x) => secretFilePath(refs[x.field].slice('file:'.length), baseDir));
      io.stderr.write(
        `Secrets are in files only you can read (0600): ${files.join(', ')}. tenants.json refers to them as ${secrets.map((x) => refs[x.field]).join(', ')}` +
          `${target.dir === secretFilePath(target.dir, baseDir) ? '' : ', relative to its folder: move the two together'}.\n`,
      );
    } else {
      const vars = secrets.map((x) => refs[x.field].slice('env:'.length));
      io.stderr.write(
        `Secrets are read from the environment: set ${vars.join(' and ')} where the server runs (the MCP client's "env" block, ` +
          `or a .env file beside ${location.path}).\n`,
      );
    }
    io.stderr.write(`Next: \`espocrm-admin-mcp tenants check ${id}${configFlag}\`, then point your MCP client at \`espocrm-admin-mcp serve${configFlag}\`.\n`);
    return 0;
  } finally {
    prompter?.close();
  }
}

const SECRETS_HELP =
  'give an API key (--api-key-stdin or --api-key-env) and/or an admin login (--admin-user with --admin-password-env or --admin-password-stdin)';

/** The folder `--secrets file:DIR` suggests: `secrets/` beside tenants.json. */
const SUGGESTED_DIR = 'secrets';

/** Without a terminal: the two other stores, as the flags to rerun with. */
function rerunAdvice(planned: Planned, secrets: NewSecret[], id: string, configPath: string): string {
  const vars = secrets.map((x) => refForTarget({ kind: 'env' }, id, x.field, x.envName).slice('env:'.length));
  const fileOption = planned.target.kind === 'file' ? '' : `--secrets file:./${SUGGESTED_DIR} to keep them in 0600 files in ${secretFilePath(SUGGESTED_DIR, dirname(configPath))} (for machines without a keychain), or `;
  return `Rerun the same command with ${fileOption}--secrets env to write env: references instead (then set ${vars.join(' and ')} where the server runs).`;
}

/** On a terminal, after the chosen store failed: says so and asks for another (file:DIR or env); the answers stay. */
async function askOtherStore(prompter: Prompter, out: NodeJS.WritableStream, err: SecretError, failed: SecretsTarget, baseDir: string): Promise<SecretsTarget> {
  const what = failed.kind === 'keychain' ? 'The OS keychain is unreachable' : `The secrets could not be written with ${secretsFlag(failed)}`;
  out.write(
    `\n${what}: ${err.message}\n` +
      'Your answers are kept. Store the secrets elsewhere instead:\n' +
      `  file:DIR  one file per secret that only you can read (0600) in DIR; a relative DIR is beside tenants.json ` +
      `(file:${SUGGESTED_DIR} is ${secretFilePath(SUGGESTED_DIR, baseDir)}); for machines without a keychain\n` +
      '  env       tenants.json refers to environment variables that you set where the server runs\n',
  );
  const answer = await prompter.ask('Where should the secrets go? (file:DIR or env)', {
    default: failed.kind === 'file' ? 'env' : `file:${SUGGESTED_DIR}`,
    check: (a) => {
      const t = parseSecretsTarget(a);
      if (!t) return 'expected file:DIR (e.g. file:secrets) or env';
      if (t.kind === 'keychain') return 'the keychain is what failed: choose file:DIR or env';
      return undefined;
    },
  });
  return parseSecretsTarget(answer)!;
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
