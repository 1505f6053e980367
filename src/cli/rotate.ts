/**
 * `tenants rotate ID --api-key | --admin-password`: the CLI side of credential rotation
 * (src/lifecycle/rotate.ts). Shows what it will do and asks on a terminal unless --yes; writes after
 * the instance check (withLifecycleWriter); records an audit line (no secrets) in the store; prints
 * where the new secret is stored, never the secret. A server running on the same tenants.json picks
 * the new secret up on its next refused request (src/espo/session.ts), without a restart.
 */
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { ConfigError } from '../config/errors.js';
import { loadConfig, loadDotEnv } from '../config/load.js';
import { didYouMean } from '../config/messages.js';
import { plainMarked } from '../core/fence.js';
import { describeError } from '../errors.js';
import { describeRotation, rotate, rotationBlockers, RotationError, type RotationReport, type RotationTarget } from '../lifecycle/rotate.js';
import { createLogger, silentLogger } from '../log/logger.js';
import { withLifecycleWriter } from '../pipeline/lifecycle.js';
import { parseSecretRef, tenantSecretRefs } from '../secrets/refs.js';
import { whereSecretIs } from '../secrets/write.js';
import { openStore } from '../store/index.js';
import { LOCAL_PRINCIPAL } from '../tenants/policy.js';
import { TenantRegistry } from '../tenants/registry.js';
import type { AddIo } from './add.js';
import { confirmOnTerminal } from './add-prompt.js';

export interface RotateOptions {
  apiKey?: boolean;
  adminPassword?: boolean;
  yes?: boolean;
  config?: string;
}

const WORDS: Record<RotationTarget, string> = { apiKey: 'API key', adminPassword: 'admin password' };

/** Adds `tenants rotate ID` to the `tenants` command. */
export function registerTenantsRotate(tenants: Command, io: AddIo, run: (action: () => Promise<number>) => Promise<void>): void {
  tenants
    .command('rotate')
    .description("replace a tenant's API key or admin password: made in the CRM, stored where tenants.json refers to it, checked; never printed")
    .argument('<id>', 'the tenant id, e.g. damath')
    .option('--api-key', 'a new API key (and HMAC secret) for the API user; the old one stops working at once')
    .option('--admin-password', 'a new generated password for the admin login')
    .option('--yes', 'do not ask for confirmation')
    .option('--config <path>', 'tenants.json to use (else $ESPOCRM_MCP_CONFIG, else ./tenants.json)')
    .addHelpText(
      'after',
      '\nThe secret must be stored in the keychain or a file (not env:). The new one is checked to work and the old\n' +
        'one to be refused (one failed login at most); a server running on the same tenants.json uses it without a restart.',
    )
    .action((id: string, opts: RotateOptions) => run(() => rotateTenant(io, id, opts)));
}

export async function rotateTenant(io: AddIo, id: string, opts: RotateOptions): Promise<number> {
  if (opts.apiKey === opts.adminPassword) throw new ConfigError('choose what to rotate: --api-key or --admin-password (one of them)');
  const what: RotationTarget = opts.apiKey ? 'apiKey' : 'adminPassword';
  loadDotEnv(io.cwd, io.env);
  const config = await loadConfig({ configPath: opts.config, env: io.env, cwd: io.cwd });
  const tenant = config.tenants.find((t) => t.id === id);
  if (!tenant) {
    const ids = config.tenants.map((t) => t.id);
    const guess = didYouMean(id, ids);
    throw new ConfigError(`no tenant "${id}" in ${config.source}${guess ? ` — did you mean "${guess}"?` : ''} (tenants: ${ids.join(', ')})`);
  }
  const blockers = rotationBlockers(tenant, what);
  if (blockers.length) throw new ConfigError(`cannot rotate the ${WORDS[what]} of tenant "${id}": ${blockers.join('; ')}`);

  const baseDir = config.baseDir ?? io.cwd;
  const refs = tenantSecretRefs(tenant).filter((r) => (what === 'apiKey' ? r.field !== 'adminPassword' : r.field === 'adminPassword'));
  const places = refs.map((r) => whereSecretIs(r.ref, { tenantId: id, field: r.field, baseDir })).join(' and ');
  io.stderr.write(`This will ${describeRotation(what, tenant)}.\nThe new secret goes to ${places}.\n`);
  if (opts.yes !== true && !(await confirmOnTerminal(io, 'Rotate now?', 'rotate'))) {
    io.stderr.write('Nothing was changed.\n');
    return 1;
  }

  const store = await openStore(config, { env: io.env, noImport: true });
  const logger = io.env.LOG_LEVEL ? createLogger({ level: io.env.LOG_LEVEL }) : silentLogger();
  const registry = new TenantRegistry(config, { env: io.env, baseDir, logger });
  const audit = (outcome: 'applied' | 'partial' | 'failed', summary: string, error?: string) =>
    store
      .append({ tenant: id, principal: principalName(), tool: 'tenants rotate', args: { what }, outcome, summary, ...(error ? { error } : {}) })
      .catch((err: unknown) => io.stderr.write(`warning: could not record the audit line (${describeError(err)})\n`));
  let report: RotationReport;
  try {
    const context = registry.resolve(id, LOCAL_PRINCIPAL);
    const keychain = refs.some((r) => parseSecretRef(r.ref)?.kind === 'keychain');
    report = await withLifecycleWriter(context.client(), context.guard, (writer) =>
      rotate({ tenant, writer, secrets: { ...context.secretScope, ...(keychain ? { store: io.store() } : {}) }, logger }, what),
    );
  } catch (err) {
    const message = plainMarked(describeError(err));
    const switched = err instanceof RotationError && err.switched;
    await audit(switched ? 'partial' : 'failed', `rotate the ${WORDS[what]} ${switched ? 'incomplete' : 'failed'}`, message);
    io.stderr.write(`error: ${message}\n`);
    await store.close().catch(() => undefined);
    return 1;
  } finally {
    await registry.close();
  }
  await audit(report.outcome, report.summary);
  await store.close().catch(() => undefined);

  io.stderr.write(`${report.outcome === 'applied' ? 'Rotated' : 'Rotated, with problems:'} the ${WORDS[what]} of tenant "${id}".\n`);
  io.stderr.write(`Stored in ${report.storedAt.join(' and ')}.\n`);
  io.stderr.write(
    `The new one works: ${report.newWorks ? 'yes' : 'NO'}; the old one is refused: ${report.oldRefused === null ? 'not checked' : report.oldRefused ? 'yes' : 'NO'}.\n`,
  );
  for (const p of report.problems) io.stderr.write(`problem: ${plainMarked(p)}\n`);
  io.stderr.write('A server running on this tenants.json uses the new secret from its next request; no restart needed.\n');
  return report.outcome === 'applied' ? 0 : 1;
}

/** Who ran the command, for the audit line. */
function principalName(): string {
  try {
    return `cli:${userInfo().username}@${hostname()}`;
  } catch {
    return 'cli';
  }
}
