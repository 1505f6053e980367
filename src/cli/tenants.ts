import { access, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseDotEnv } from 'dotenv';
import { ConfigError } from '../config/errors.js';
import { loadDotEnv } from '../config/dotenv.js';
import { planImportEnv } from '../config/import-env.js';
import { loadConfig, locateConfig, parseConfigText } from '../config/load.js';
import { didYouMean } from '../config/messages.js';
import { TENANT_ID } from '../config/schema.js';
import { validateTenantsFile } from '../config/validate.js';
import type { ServerConfig, TenantConfig } from '../config/types.js';
import { KeychainStore } from '../secrets/keychain.js';
import { readSecretInput, type SecretInput } from '../secrets/read-input.js';
import {
  KEYCHAIN_SERVICE,
  SECRET_FIELDS,
  describeSecretRef,
  keychainAccount,
  parseSecretRef,
  secretFieldOf,
  tenantSecretRefs,
  type SecretField,
} from '../secrets/refs.js';
import type { SecretStore } from '../secrets/store.js';
import { registerTenantsAdd } from './add.js';

export interface TenantsCommandDeps {
  /** `tenants check [ID]`: runs the checks and returns the exit code. */
  check: (tenantId: string | undefined, opts: { configPath?: string }) => Promise<number>;
  /** The rest default to the process's own; tests pass their own. */
  store?: SecretStore;
  stdin?: SecretInput;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  setExitCode?: (code: number) => void;
}

interface Io {
  store: () => SecretStore;
  stdin: SecretInput;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const CONFIG_HELP = 'tenants.json to use (else $ESPOCRM_MCP_CONFIG, else ./tenants.json, else the .env convention)';

/** Adds `tenants list | check [ID] | add [ID] | set-secret ID FIELD | import-env` to the CLI. Use `parseAsync`. */
export function registerTenantsCommands(program: Command, deps: TenantsCommandDeps): void {
  let store: SecretStore | undefined = deps.store;
  const io: Io = {
    store: () => (store ??= new KeychainStore()),
    stdin: deps.stdin ?? process.stdin,
    stdout: deps.stdout ?? process.stdout,
    stderr: deps.stderr ?? process.stderr,
    env: deps.env ?? process.env,
    cwd: deps.cwd ?? process.cwd(),
  };
  const setExitCode = deps.setExitCode ?? ((code: number) => void (process.exitCode = code));
  const run = async (action: () => Promise<number>): Promise<void> => {
    try {
      setExitCode(await action());
    } catch (err) {
      // Our errors (config, secrets, tool errors from check) are written for the user and hold no secret values.
      io.stderr.write(`error: ${errorText(err)}\n`);
      setExitCode(1);
    }
  };
  const configOf = (cmd: Command): string | undefined => {
    const opts = cmd.optsWithGlobals<{ config?: string }>();
    return opts.config;
  };

  const tenants = program
    .command('tenants')
    .description('list, check and set up the EspoCRM instances (tenants) this server administers');

  tenants
    .command('list')
    .description('list the configured tenants and where their secrets come from (never the secrets)')
    .option('--config <path>', CONFIG_HELP)
    .option('--json', 'print JSON instead of a table')
    .action((opts: { json?: boolean }, cmd: Command) => run(() => listTenants(io, configOf(cmd), opts.json === true)));

  tenants
    .command('check')
    .description("check that each tenant's CRM is reachable and its credentials work")
    .argument('[id]', 'the tenant to check (default: all)')
    .option('--config <path>', CONFIG_HELP)
    .action((id: string | undefined, _opts: unknown, cmd: Command) =>
      run(() => deps.check(id, { configPath: configOf(cmd) })),
    );

  registerTenantsAdd(tenants, io, run);

  tenants
    .command('set-secret')
    .description(`store a tenant's secret in the OS keychain (service ${KEYCHAIN_SERVICE}, account ID/FIELD)`)
    .argument('<id>', 'the tenant id, e.g. damath')
    .argument('<field>', `which secret: ${SECRET_FIELDS.join(', ')}`)
    .option('--config <path>', CONFIG_HELP)
    .option('--account <account>', 'store under this keychain account instead of ID/FIELD (for "keychain:ACCOUNT" references)')
    .addHelpText(
      'after',
      '\nThe value is read from stdin when it is piped, else from a prompt that does not echo:\n' +
        '  espocrm-admin-mcp tenants set-secret damath apiKey\n' +
        '  printf %s "$KEY" | espocrm-admin-mcp tenants set-secret damath apiKey\n' +
        'Then write "apiKey": "keychain" for that tenant in tenants.json.',
    )
    .action((id: string, field: string, opts: { account?: string }, cmd: Command) =>
      run(() => setSecret(io, id, field, configOf(cmd), opts.account)),
    );

  tenants
    .command('import-env')
    .description('turn a .env in the ESPO_* convention into a tenants.json whose secrets are in the OS keychain')
    .option('--env-file <path>', 'the .env file to read', '.env')
    .option('--out <path>', 'the tenants.json to write (default: --config, else tenants.json)')
    .option('--config <path>', 'same as --out')
    .option('--force', 'overwrite the output file if it exists')
    .addHelpText(
      'after',
      '\nRecognised variables: ESPO_BASE_URL, ESPO_API_KEY, ESPO_USERNAME, ESPO_PASSWORD, ESPO_HMAC_SECRET and\n' +
        'ESPO_SITE_URL form the tenant "default"; DAMATH_ESPO_* forms "damath", COACH_VERO_ESPO_* forms "coach-vero".\n' +
        'Secret values go to the OS keychain; the file holds "keychain" references only.',
    )
    .action((opts: { envFile: string; out?: string; force?: boolean }, cmd: Command) =>
      run(() => importEnv(io, opts.envFile, opts.out ?? configOf(cmd) ?? 'tenants.json', opts.force === true)),
    );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function listTenants(io: Io, configPath: string | undefined, json: boolean): Promise<number> {
  const config = await loadConfig({ configPath, env: io.env, cwd: io.cwd });
  const rows = config.tenants.map((t) => ({
    id: t.id,
    name: t.name,
    url: t.url,
    readOnly: t.readOnly,
    admin: t.admin?.username,
    secrets: tenantSecretRefs(t).map(({ field, ref }) => ({
      field,
      kind: parseSecretRef(ref)?.kind ?? 'invalid',
      where: describeSecretRef(ref, t.id, field),
    })),
  }));
  if (json) {
    io.stdout.write(`${JSON.stringify({ source: config.source, tenants: rows }, null, 2)}\n`);
    return 0;
  }
  io.stderr.write(`tenants from ${config.source}\n`);
  const table = [
    ['ID', 'NAME', 'URL', 'READ-ONLY', 'ADMIN', 'SECRETS'],
    ...rows.map((r) => [
      r.id,
      r.name,
      r.url,
      r.readOnly ? 'yes' : 'no',
      r.admin ?? '-',
      r.secrets.map((s) => `${s.field}: ${s.where}`).join('; ') || '-',
    ]),
  ];
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  for (const row of table) io.stdout.write(`${row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()}\n`);
  return 0;
}

async function setSecret(io: Io, id: string, rawField: string, configPath: string | undefined, account?: string): Promise<number> {
  const field = secretFieldOf(rawField);
  if (!(SECRET_FIELDS as readonly string[]).includes(field)) {
    const guess = didYouMean(rawField, SECRET_FIELDS);
    throw new ConfigError(`unknown secret field "${rawField}"${guess ? ` — did you mean "${guess}"?` : ''} (one of ${SECRET_FIELDS.join(', ')})`);
  }
  if (!TENANT_ID.test(id)) {
    throw new ConfigError(`tenant id "${id}" is not valid: expected lower-case letters, digits and dashes, e.g. "damath"`);
  }
  if (account !== undefined && (account.trim() !== account || account === '')) {
    throw new ConfigError('--account: expected an account name without surrounding spaces');
  }
  const tenant = await findConfiguredTenant(io, id, configPath);
  const target = account ?? keychainAccount(id, field);
  const value = await readSecretInput({
    stdin: io.stdin,
    prompt: io.stderr,
    message: `${field} for tenant "${id}" (input hidden): `,
  });
  await io.store().set(target, value);
  const ref = account === undefined ? 'keychain' : `keychain:${account}`;
  io.stderr.write(`Stored ${field} of tenant "${id}" in the OS keychain (service ${KEYCHAIN_SERVICE}, account "${target}").\n`);
  const current = tenant ? tenantSecretRefs(tenant).find((s) => s.field === field)?.ref : undefined;
  if (current === ref || (current === 'keychain' && target === keychainAccount(id, field))) {
    io.stderr.write('tenants.json already refers to it.\n');
  } else {
    io.stderr.write(`To use it, write this in tenant "${id}" of tenants.json:\n  ${snippet(field as SecretField, ref, tenant)}\n`);
  }
  return 0;
}

function snippet(field: SecretField, ref: string, tenant: TenantConfig | undefined): string {
  if (field === 'adminPassword') {
    return `"admin": { "username": ${JSON.stringify(tenant?.admin?.username ?? 'admin')}, "password": "${ref}" }`;
  }
  return `"${field}": "${ref}"`;
}

/**
 * The tenant as tenants.json configures it, when there is a tenants.json; an unknown id there is an
 * error. An unreadable or invalid file only warns: storing a secret may be part of fixing it.
 */
async function findConfiguredTenant(io: Io, id: string, configPath: string | undefined): Promise<TenantConfig | undefined> {
  loadDotEnv(io.cwd, io.env);
  const location = locateConfig({ configPath, env: io.env, cwd: io.cwd });
  let text: string;
  try {
    text = await readFile(location.path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !location.explicit) return undefined;
    throw new ConfigError(`cannot read the config file ${location.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let config: ServerConfig;
  try {
    config = parseConfigText(text, location.path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`warning: could not check tenant "${id}" against ${location.path}:\n${err.message}\n`);
    return undefined;
  }
  const tenant = config.tenants.find((t) => t.id === id);
  if (!tenant) {
    const ids = config.tenants.map((t) => t.id);
    const guess = didYouMean(id, ids);
    throw new ConfigError(
      `no tenant "${id}" in ${location.path}${guess ? ` — did you mean "${guess}"?` : ''} (tenants: ${ids.join(', ')}); ` +
        'add it to the file first',
    );
  }
  return tenant;
}

async function importEnv(io: Io, envFile: string, out: string, force: boolean): Promise<number> {
  const envPath = resolve(io.cwd, envFile);
  const outPath = resolve(io.cwd, out);
  let text: string;
  try {
    text = await readFile(envPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `${envPath} does not exist — pass the .env to import with --env-file` : `cannot read ${envPath} (${code ?? 'error'})`);
  }
  const plan = planImportEnv(parseDotEnv(text), { envFile: envPath });
  if (plan.tenants.length === 0) {
    throw new ConfigError(
      `${envPath} defines no tenant: expected ESPO_BASE_URL (tenant "default") or <PREFIX>_ESPO_BASE_URL (e.g. DAMATH_ESPO_BASE_URL)`,
    );
  }
  // The generated file must load exactly as the server will load it.
  validateTenantsFile(plan.file, { source: outPath, baseDir: resolve(outPath, '..') });
  if (!force && (await exists(outPath))) {
    throw new ConfigError(`${outPath} already exists; pass --force to replace it (or --out to write elsewhere)`);
  }
  // Secrets first: a tenants.json pointing at keychain entries that were never stored would fail later.
  const store = io.store();
  for (const s of plan.secrets) await store.set(s.account, s.value);
  try {
    await writeFile(outPath, `${JSON.stringify(plan.file, null, 2)}\n`, { flag: force ? 'w' : 'wx' });
  } catch (err) {
    throw new ConfigError(`cannot write ${outPath} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  io.stderr.write(`Wrote ${outPath} with ${plan.tenants.length} tenant(s) from ${envPath}:\n`);
  for (const t of plan.tenants) {
    const stored = plan.secrets.filter((s) => s.tenantId === t.id);
    const list = stored.map((s) => `${s.field} (from ${s.variable}) -> keychain ${s.account}`).join(', ');
    io.stderr.write(`  ${t.id}: ${t.url}${t.username ? `, admin ${t.username}` : ''}; ${list || 'no secrets'}\n`);
    if (t.username !== undefined && !t.secretVars.adminPassword) {
      io.stderr.write(`    ${t.prefix}PASSWORD is not set: run \`espocrm-admin-mcp tenants set-secret ${t.id} adminPassword\`\n`);
    }
  }
  io.stderr.write(
    `Secrets stored in the OS keychain (service ${KEYCHAIN_SERVICE}). Check with \`espocrm-admin-mcp tenants check --config ${out}\`; ` +
      'then the secrets can be removed from the .env file.\n',
  );
  return 0;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
