import { access, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parse as parseDotEnv } from 'dotenv';
import { ConfigError } from '../config/errors.js';
import { loadDotEnv, loadDotEnvBeside } from '../config/dotenv.js';
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
  conventionalEnvVar,
  describeSecretRef,
  parseSecretRef,
  secretFieldOf,
  tenantSecretRefs,
  type SecretField,
} from '../secrets/refs.js';
import type { SecretStore } from '../secrets/store.js';
import { isWritableRef, refForTarget, secretFilePath, secretsTargetBeside, whereSecretIs, writeSecret, type SecretsTarget } from '../secrets/write.js';
import { registerTenantsAdd } from './add.js';
import { registerTenantsRotate } from './rotate.js';
import { registerTenantsUsage } from './usage.js';
import { parseSecretsOption, SECRETS_OPTION_HELP, secretsFlag } from './secrets-option.js';
import { storeSecretsThenWrite } from './store-secrets.js';
import { commandRunner } from './run.js';

export interface TenantsCommandDeps {
  /** `tenants check [ID]`: runs the checks and returns the exit code (options absent unless given). */
  check: (tenantId: string | undefined, opts: { configPath?: string; all?: boolean; json?: boolean; everyMs?: number; concurrency?: number }) => Promise<number>;
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
  // Our errors (config, secrets, tool errors from check) are written for the user and hold no secret values.
  const run = commandRunner(io.stderr, { ...(deps.setExitCode ? { setExitCode: deps.setExitCode } : {}), render: errorText });
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
    .description("check that each tenant's CRM is reachable and its credentials work; each result is kept in the store")
    .argument('[id]', 'the tenant to check (default: all)')
    .option('--config <path>', CONFIG_HELP)
    .option('--all', 'check every tenant, in parallel (the default without an id)')
    .option('--json', 'print JSON on stdout (one line per round with --every) instead of a table on stderr')
    .option('--every <duration>', 'repeat on this schedule (e.g. 30s, 5m, 1h; at least 10s) until Ctrl-C, logging only changes of state')
    .option('--concurrency <n>', 'tenants checked at once (default 8)')
    .addHelpText('after', '\nExit code: 0 when every tenant checked is ok, 1 when one is degraded or unreachable (with --every: 0 once stopped).')
    .action((id: string | undefined, opts: { all?: boolean; json?: boolean; every?: string; concurrency?: string }, cmd: Command) =>
      run(async () => {
        const { parseDuration } = await import('./health.js');
        let concurrency: number | undefined;
        if (opts.concurrency !== undefined) {
          concurrency = Number(opts.concurrency);
          if (!/^\d+$/.test(opts.concurrency.trim()) || concurrency < 1 || concurrency > 64) {
            throw new ConfigError(`--concurrency "${opts.concurrency}": expected a whole number from 1 to 64`);
          }
        }
        if (id !== undefined && opts.all) throw new ConfigError(`pass a tenant id ("${id}") or --all, not both`);
        const everyMs = opts.every !== undefined ? parseDuration(opts.every, '--every', io.env) : undefined;
        return deps.check(id, {
          configPath: configOf(cmd),
          ...(opts.all ? { all: true } : {}),
          ...(opts.json ? { json: true } : {}),
          ...(everyMs !== undefined ? { everyMs } : {}),
          ...(concurrency !== undefined ? { concurrency } : {}),
        });
      }),
    );

  registerTenantsAdd(tenants, io, run);
  registerTenantsRotate(tenants, io, run);
  registerTenantsUsage(tenants, io, run);

  tenants
    .command('set-secret')
    .description(`store a tenant's secret where tenants.json refers to it (a file: or keychain reference), else in the OS keychain (service ${KEYCHAIN_SERVICE}, account ID/FIELD)`)
    .argument('<id>', 'the tenant id, e.g. damath')
    .argument('<field>', `which secret: ${SECRET_FIELDS.join(', ')}`)
    .option('--config <path>', CONFIG_HELP)
    .option('--account <account>', 'store under this keychain account instead of ID/FIELD (for "keychain:ACCOUNT" references)')
    .option('--secrets <where>', `${SECRETS_OPTION_HELP} (default: where tenants.json refers to, else keychain)`, parseSecretsOption)
    .addHelpText(
      'after',
      '\nThe value is read from stdin when it is piped, else from a prompt that does not echo:\n' +
        '  espocrm-admin-mcp tenants set-secret damath apiKey\n' +
        '  printf %s "$KEY" | espocrm-admin-mcp tenants set-secret damath apiKey --secrets file:./secrets\n' +
        'A tenant whose tenants.json reference is "file:PATH" or "keychain[:ACCOUNT]" gets the secret there; --secrets\n' +
        'stores it elsewhere (a tenant not written yet, or to move it) and prints the reference to write in tenants.json.',
    )
    .action((id: string, field: string, opts: { account?: string; secrets?: SecretsTarget }, cmd: Command) =>
      run(() => setSecret(io, id, field, configOf(cmd), opts)),
    );

  tenants
    .command('import-env')
    .description('turn a .env in the ESPO_* convention into a tenants.json whose secrets are in the OS keychain (or --secrets file:DIR / env)')
    .option('--env-file <path>', 'the .env file to read', '.env')
    .option('--out <path>', 'the tenants.json to write (default: --config, else tenants.json)')
    .option('--config <path>', 'same as --out')
    .option('--force', 'overwrite the output file if it exists')
    .addOption(new Option('--secrets <where>', SECRETS_OPTION_HELP).argParser(parseSecretsOption).default({ kind: 'keychain' }, 'keychain'))
    .addHelpText(
      'after',
      '\nRecognised variables: ESPO_BASE_URL, ESPO_API_KEY, ESPO_USERNAME, ESPO_PASSWORD, ESPO_HMAC_SECRET and\n' +
        'ESPO_SITE_URL form the tenant "default"; DAMATH_ESPO_* forms "damath", COACH_VERO_ESPO_* forms "coach-vero".\n' +
        'Secret values go to the OS keychain (or 0600 files with --secrets file:DIR); the file holds references only.\n' +
        'With --secrets env nothing is stored: tenants.json refers to the variables, read from a .env beside it.',
    )
    .action((opts: { envFile: string; out?: string; force?: boolean; secrets: SecretsTarget }, cmd: Command) =>
      run(() => importEnv(io, opts.envFile, opts.out ?? configOf(cmd) ?? 'tenants.json', opts.force === true, opts.secrets)),
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

async function setSecret(io: Io, id: string, rawField: string, configPath: string | undefined, opts: { account?: string; secrets?: SecretsTarget }): Promise<number> {
  const field = secretFieldOf(rawField);
  const { account, secrets } = opts;
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
  if (account !== undefined && secrets !== undefined && secrets.kind !== 'keychain') {
    throw new ConfigError(`--account names a keychain account: use it with --secrets keychain, not ${secretsFlag(secrets)}`);
  }
  const { tenant, configFile } = await findConfiguredTenant(io, id, configPath);
  const baseDir = dirname(configFile);
  const current = tenant ? tenantSecretRefs(tenant).find((s) => s.field === field)?.ref : undefined;
  if (secrets?.kind === 'env') {
    const name = current?.startsWith('env:') ? current.slice(4) : conventionalEnvVar(id, field);
    throw new ConfigError(
      `--secrets env: this command cannot set environment variables. Set ${name} to the ${field} of tenant "${id}" where the server runs ` +
        `(the MCP client's "env" block, the shell, or a .env file beside ${configFile}) and write in tenant "${id}" of tenants.json:\n  ` +
        snippet(field as SecretField, `env:${name}`, tenant),
    );
  }
  // Where it goes: --secrets or --account when given; else where tenants.json refers to, when this
  // command can write there; else the keychain.
  let ref: string;
  if (secrets?.kind === 'file') ref = refForTarget(secretsTargetBeside(secrets, baseDir), id, field);
  else if (secrets !== undefined || account !== undefined) ref = account === undefined ? 'keychain' : `keychain:${account}`;
  else ref = current !== undefined && isWritableRef(current) ? current : 'keychain';
  const value = await readSecretInput({
    stdin: io.stdin,
    prompt: io.stderr,
    message: `${field} for tenant "${id}" (input hidden): `,
  });
  const where = { tenantId: id, field, baseDir };
  await writeSecret(ref, value, { ...where, ...(parseSecretRef(ref)?.kind === 'keychain' ? { store: io.store() } : {}) });
  io.stderr.write(`Stored ${field} of tenant "${id}" in ${whereSecretIs(ref, where)}.\n`);
  if (current !== undefined && sameplace(current, ref, where)) {
    io.stderr.write('tenants.json already refers to it.\n');
  } else {
    io.stderr.write(`To use it, write this in tenant "${id}" of tenants.json:\n  ${snippet(field as SecretField, ref, tenant)}\n`);
  }
  return 0;
}

/** True when two references name the same secret (`keychain` and `keychain:ID/FIELD`, two spellings of a file). */
function sameplace(a: string, b: string, ctx: { tenantId: string; field: string; baseDir: string }): boolean {
  return whereSecretIs(a, ctx) === whereSecretIs(b, ctx);
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
async function findConfiguredTenant(io: Io, id: string, configPath: string | undefined): Promise<{ tenant: TenantConfig | undefined; configFile: string }> {
  loadDotEnv(io.cwd, io.env);
  const location = locateConfig({ configPath, env: io.env, cwd: io.cwd });
  loadDotEnvBeside(location.path, io.cwd, io.env);
  const none = { tenant: undefined, configFile: location.path };
  let text: string;
  try {
    text = await readFile(location.path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !location.explicit) return none;
    throw new ConfigError(`cannot read the config file ${location.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let config: ServerConfig;
  try {
    config = parseConfigText(text, location.path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`warning: could not check tenant "${id}" against ${location.path}:\n${err.message}\n`);
    return none;
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
  return { tenant, configFile: location.path };
}

async function importEnv(io: Io, envFile: string, out: string, force: boolean, chosen: SecretsTarget = { kind: 'keychain' }): Promise<number> {
  const envPath = resolve(io.cwd, envFile);
  const outPath = resolve(io.cwd, out);
  const baseDir = dirname(outPath);
  let text: string;
  try {
    text = await readFile(envPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `${envPath} does not exist — pass the .env to import with --env-file` : `cannot read ${envPath} (${code ?? 'error'})`);
  }
  const target = secretsTargetBeside(chosen, baseDir);
  const where =
    target.kind === 'keychain'
      ? undefined
      : target.kind === 'file'
        ? `files only their owner can read (0600) in ${target.dir}, relative to this file's folder`
        : 'environment variables (a .env file beside this file is read too)';
  const plan = planImportEnv(parseDotEnv(text), {
    envFile: envPath,
    refFor: (tenantId, field, variable) => refForTarget(target, tenantId, field, variable),
    ...(where ? { where } : {}),
  });
  if (plan.tenants.length === 0) {
    throw new ConfigError(
      `${envPath} defines no tenant: expected ESPO_BASE_URL (tenant "default") or <PREFIX>_ESPO_BASE_URL (e.g. DAMATH_ESPO_BASE_URL)`,
    );
  }
  // The generated file must load exactly as the server will load it.
  validateTenantsFile(plan.file, { source: outPath, baseDir });
  if (!force && (await exists(outPath))) {
    throw new ConfigError(`${outPath} already exists; pass --force to replace it (or --out to write elsewhere)`);
  }
  // Secrets first (a tenants.json pointing at secrets never stored would fail later), all or nothing.
  await storeSecretsThenWrite(
    plan.secrets.map((x) => ({ tenantId: x.tenantId, field: x.field, ref: x.ref, value: x.value })),
    { baseDir, configPath: outPath, store: () => io.store() },
    () => writeFile(outPath, `${JSON.stringify(plan.file, null, 2)}\n`, { flag: force ? 'w' : 'wx' }),
  );
  const configFlag = out === 'tenants.json' ? '' : ` --config ${out}`;
  io.stderr.write(`Wrote ${outPath} with ${plan.tenants.length} tenant(s) from ${envPath}:\n`);
  for (const t of plan.tenants) {
    const stored = plan.secrets.filter((x) => x.tenantId === t.id);
    const place = (x: (typeof stored)[number]) =>
      target.kind === 'keychain' ? `keychain ${x.account}` : target.kind === 'file' ? x.ref.slice('file:'.length) : x.ref;
    const list = stored.map((x) => `${x.field} (from ${x.variable}) -> ${place(x)}`).join(', ');
    io.stderr.write(`  ${t.id}: ${t.url}${t.username ? `, admin ${t.username}` : ''}; ${list || 'no secrets'}\n`);
    if (t.username !== undefined && !t.secretVars.adminPassword) {
      io.stderr.write(
        target.kind === 'env'
          ? `    ${t.prefix}PASSWORD is not set: set it where the server runs\n`
          : `    ${t.prefix}PASSWORD is not set: run \`espocrm-admin-mcp tenants set-secret ${t.id} adminPassword${configFlag}\`\n`,
      );
    }
  }
  const check = `Check with \`espocrm-admin-mcp tenants check --config ${out}\``;
  if (target.kind === 'env') {
    const beside = envPath === resolve(baseDir, '.env');
    io.stderr.write(
      `Nothing was stored: tenants.json refers to the variables. ${
        beside
          ? `The server reads them from ${envPath} beside it (keep that file readable by you only: chmod 600).`
          : `Set them where the server runs (the MCP client's "env" block), or put them in a .env file beside ${outPath}.`
      } ${check}.\n`,
    );
  } else {
    const place = target.kind === 'keychain' ? `the OS keychain (service ${KEYCHAIN_SERVICE})` : `0600 files in ${secretFilePath(target.dir, baseDir)}`;
    io.stderr.write(`Secrets stored in ${place}. ${check}; then the secrets can be removed from the .env file.\n`);
  }
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
