/**
 * `tenants add ID --provision`: the CLI side of provisioning (src/lifecycle/provision.ts). `tenants
 * add` collects the id, URL and admin login, then hands over here: the references tenants.json gets
 * (per `--secrets`), the store for the audit line (opened before anything is made), the core, and at
 * its end the secrets stored and tenants.json written (all or nothing, then the CRM side is taken back
 * too). The audit line never holds a secret.
 */
import { dirname } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { ConfigError } from '../config/errors.js';
import { parseConfigText } from '../config/load.js';
import { plainMarked } from '../core/fence.js';
import { provisionTenant, apiUserNameFor, ProvisionError, type ProvisionReport } from '../lifecycle/provision.js';
import { createLogger, silentLogger } from '../log/logger.js';
import { KEYCHAIN_SERVICE, keychainAccount } from '../secrets/refs.js';
import { refForTarget, secretFilePath, secretsTargetBeside, type SecretsTarget } from '../secrets/write.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { setTenantInText } from './add-file.js';
import type { AddIo } from './add.js';
import { secretsFlag } from './secrets-option.js';
import { storeSecretsThenWrite } from './store-secrets.js';

/** The flags only `--provision` takes, and those it contradicts; `ConfigError` when they do not fit. */
export function checkProvisionFlags(opts: { provision?: boolean; hmac?: boolean; apiUser?: string; apiKeyStdin?: boolean; apiKeyEnv?: string; apiKey?: boolean; check?: boolean; adminUser?: string }): void {
  const problems: string[] = [];
  if (!opts.provision) {
    if (opts.hmac) problems.push('--hmac applies to --provision only (the API user it creates)');
    if (opts.apiUser !== undefined) problems.push('--api-user applies to --provision only');
  } else {
    if (opts.apiKeyStdin || opts.apiKeyEnv !== undefined || opts.apiKey === false) problems.push('--provision makes the API user and reads its key: drop --api-key-stdin / --api-key-env / --no-api-key');
    if (opts.check === false) problems.push('--provision always checks live: drop --no-check');
    if (opts.apiUser !== undefined && !/^[A-Za-z0-9_.@-]{1,50}$/.test(opts.apiUser)) problems.push('--api-user: expected letters, digits and _ . @ - (at most 50), e.g. mcp-api');
  }
  if (problems.length) throw new ConfigError(problems);
}

export interface ProvisionArgs {
  id: string;
  name: string;
  url: string;
  siteUrl?: string;
  adminUser: string | undefined;
  adminPassword: string | undefined;
  hmac?: boolean;
  apiUser?: string;
  readOnly?: boolean;
  target: SecretsTarget;
  force: boolean;
  configPath: string;
  /** tenants.json as read (undefined: none yet). */
  existing: string | undefined;
  /** ` --config PATH` when not the default, for the next-step hint. */
  configFlag: string;
  /** Replaces tenants.json with `text` in one step. */
  writeConfig(text: string): Promise<void>;
}

const TOOL = 'tenants add --provision';

/** Provisions and writes the tenant; returns the exit code (throws an error for the user otherwise). */
export async function provisionFromAdd(io: AddIo, a: ProvisionArgs): Promise<number> {
  if (a.adminUser === undefined || a.adminPassword === undefined) {
    throw new ConfigError('--provision needs the admin login: --admin-user NAME with --admin-password-env NAME or --admin-password-stdin');
  }
  const baseDir = dirname(a.configPath);
  const target = secretsTargetBeside(a.target, baseDir);
  const refs = {
    apiKey: refForTarget(target, a.id, 'apiKey'),
    hmacSecret: refForTarget(target, a.id, 'hmacSecret'),
    adminPassword: refForTarget(target, a.id, 'adminPassword'),
  };
  const entry: Record<string, unknown> = { name: a.name, url: a.url };
  if (a.siteUrl !== undefined) entry.siteUrl = a.siteUrl;
  entry.apiKey = refs.apiKey;
  if (a.hmac) entry.hmacSecret = refs.hmacSecret;
  entry.admin = { username: a.adminUser, password: refs.adminPassword };
  if (a.readOnly) entry.readOnly = true;
  const next = setTenantInText(a.existing, a.id, entry, { force: a.force, source: a.configPath });
  // The file must load exactly as the server will load it (and says which store the audit goes to).
  const config = parseConfigText(next.text, a.configPath);

  let store: Store;
  try {
    store = await openStore({ ...config, baseDir }, { env: io.env, noImport: true });
  } catch (err) {
    throw new ConfigError(`cannot open the store for the audit line (${err instanceof Error ? err.message : String(err)}); nothing was done`);
  }
  const userName = a.apiUser ?? apiUserNameFor(a.id);
  const args = { url: a.url, adminUser: a.adminUser, apiUser: userName, hmac: a.hmac === true, secrets: secretsFlag(target) };
  const audit = (outcome: 'applied' | 'failed', summary: string, error?: string) =>
    store
      .append({ tenant: a.id, principal: principalName(), tool: TOOL, args, outcome, summary, ...(error ? { error } : {}) })
      .catch((err: unknown) => io.stderr.write(`warning: could not record the audit line (${err instanceof Error ? err.message : String(err)})\n`));

  const logger = io.env.LOG_LEVEL ? createLogger({ level: io.env.LOG_LEVEL }) : silentLogger();
  io.stderr.write(`Provisioning ${a.url} as admin "${a.adminUser}" ...\n`);
  let report: ProvisionReport;
  try {
    report = await provisionTenant(
      { tenantId: a.id, url: a.url, ...(a.siteUrl ? { siteUrl: a.siteUrl } : {}), admin: { username: a.adminUser, password: a.adminPassword }, hmac: a.hmac === true, userName },
      {
        logger,
        progress: (line) => io.stderr.write(`  ${plainMarked(line)}\n`),
        commit: async (secrets) => {
          const items = [
            { tenantId: a.id, field: 'apiKey', ref: refs.apiKey, value: secrets.apiKey },
            ...(secrets.hmacSecret ? [{ tenantId: a.id, field: 'hmacSecret', ref: refs.hmacSecret, value: secrets.hmacSecret }] : []),
            { tenantId: a.id, field: 'adminPassword', ref: refs.adminPassword, value: secrets.adminPassword },
          ];
          await storeSecretsThenWrite(items, { baseDir, configPath: a.configPath, store: () => io.store() }, () => a.writeConfig(next.text));
        },
      },
    );
  } catch (err) {
    const message = plainMarked(err instanceof Error ? err.message : String(err));
    await audit('failed', `provisioning ${a.id} failed`, message);
    await store.close().catch(() => undefined);
    if (err instanceof ProvisionError) {
      io.stderr.write(`error: ${message}\n`);
      return 1;
    }
    throw err;
  }
  const summary = `provisioned: role "${report.role.name}" ${report.role.status} (${report.role.id}), API user "${report.user.userName}" ${report.user.status} (${report.user.id}, ${report.user.authMethod})`;
  await audit('applied', summary);
  await store.close().catch(() => undefined);

  const fields: Array<keyof typeof refs> = ['apiKey', ...(a.hmac ? (['hmacSecret'] as const) : []), 'adminPassword'];
  io.stderr.write(`${next.replaced ? 'Replaced' : 'Added'} tenant "${a.id}" (${a.name}) in ${a.configPath}.\n`);
  io.stderr.write(`Role "${report.role.name}": ${report.role.status}. API user "${report.user.userName}": ${report.user.status}.\n`);
  if (target.kind === 'keychain') {
    io.stderr.write(`Secrets are in the OS keychain (service ${KEYCHAIN_SERVICE}, ${fields.map((f) => `account ${keychainAccount(a.id, f)}`).join(', ')}).\n`);
  } else if (target.kind === 'file') {
    io.stderr.write(`Secrets are in files only you can read (0600): ${fields.map((f) => secretFilePath(refs[f].slice('file:'.length), baseDir)).join(', ')}.\n`);
  } else {
    const vars = fields.map((f) => refs[f].slice('env:'.length));
    io.stderr.write(
      `Secrets are read from the environment: set ${vars.join(', ')} where the server runs. The API key${a.hmac ? ' and HMAC secret are' : ' is'} shown in EspoCRM ` +
        `(Administration > API Users > ${report.user.userName}); this command never prints secrets.\n`,
    );
  }
  io.stderr.write(`Next: \`espocrm-admin-mcp tenants check ${a.id}${a.configFlag}\`, then point your MCP client at \`espocrm-admin-mcp serve${a.configFlag}\`.\n`);
  return 0;
}

/** Who ran the command, for the audit line. */
function principalName(): string {
  try {
    return `cli:${userInfo().username}@${hostname()}`;
  } catch {
    return 'cli';
  }
}

