/**
 * `blueprint plan FILE|NAME --tenants a,b|all [--json]` and `blueprint apply FILE|NAME --tenants
 * a,b|all [--yes] [--json]` (issue 19): plan_blueprint and apply_blueprint from a shell, through the
 * same fleet pipeline the server runs them in (policy, one token for the whole plan, instance guard,
 * all-or-nothing per tenant, audit in the store with principal "local"). `apply` plans first, shows
 * the plan and asks on a terminal unless --yes. Human text goes to stderr; --json prints the result
 * on stdout. Ctrl-C during an apply stops tenants not started; a tenant in flight finishes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readBlueprintFile } from '../config/blueprints.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig, loadDotEnv } from '../config/load.js';
import { plainMarked, plainMarkedDeep } from '../core/fence.js';
import { createLogger, silentLogger } from '../log/logger.js';
import { runFleetTool } from '../pipeline/fleet.js';
import { confirmTokensOn, openStore } from '../store/index.js';
import { LOCAL_PRINCIPAL } from '../tenants/policy.js';
import { TenantRegistry } from '../tenants/registry.js';
import type { FleetToolDefinition, ToolContext } from '../tools/define.js';
import { applyBlueprintTool } from '../tools/apply_blueprint.js';
import { planBlueprintTool } from '../tools/plan_blueprint.js';
import { confirmOnTerminal } from './add-prompt.js';
import type { SecretInput } from '../secrets/read-input.js';
import { commandRunner } from './run.js';

export interface BlueprintIo {
  stdin: SecretInput & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

interface BlueprintOptions {
  tenants?: string;
  json?: boolean;
  yes?: boolean;
  concurrency?: string;
  config?: string;
}

const CONFIG_HELP = 'tenants.json to use (else $ESPOCRM_MCP_CONFIG, else ./tenants.json, else the .env convention)';

export function registerBlueprintCommands(program: Command, deps: Partial<BlueprintIo> & { setExitCode?: (code: number) => void } = {}): void {
  const io: BlueprintIo = {
    stdin: deps.stdin ?? process.stdin,
    stdout: deps.stdout ?? process.stdout,
    stderr: deps.stderr ?? process.stderr,
    env: deps.env ?? process.env,
    cwd: deps.cwd ?? process.cwd(),
  };
  const run = commandRunner(io.stderr, deps.setExitCode ? { setExitCode: deps.setExitCode } : {});
  const blueprint = program.command('blueprint').description('plan or apply a blueprint (custom fields, options, placements, panels) on many tenants');
  const common = (cmd: Command) =>
    cmd
      .argument('<blueprint>', 'a blueprint file (path to a .json), or a name from the blueprints folder (e.g. transport)')
      .requiredOption('--tenants <ids>', 'comma-separated tenant ids, or "all"')
      .option('--json', 'print the result as JSON on stdout')
      .option('--concurrency <n>', 'tenants at once, 1 to 32 (default 8)')
      .option('--config <path>', CONFIG_HELP);
  common(blueprint.command('plan').description('show what applying the blueprint would change on each tenant; writes nothing')).action(
    (ref: string, opts: BlueprintOptions) => run(() => blueprintCommand(io, 'plan', ref, opts)),
  );
  common(blueprint.command('apply').description('plan, show the plan, ask (unless --yes), then apply it: each tenant all-or-nothing, one changeId per tenant for undo_change'))
    .option('--yes', 'do not ask for confirmation')
    .addHelpText('after', '\nConflicting, read-only and unreachable tenants are not applied. Ctrl-C stops the tenants not started yet.\nExit code 1 when a tenant failed, was in conflict, unreachable or cancelled.')
    .action((ref: string, opts: BlueprintOptions) => run(() => blueprintCommand(io, 'apply', ref, opts)));
}

function parseTenants(raw: string | undefined): '*' | string[] {
  const list = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new ConfigError('--tenants: give tenant ids separated by commas (e.g. --tenants acme,damath), or --tenants all');
  if (list.length === 1 && list[0] === 'all') return '*';
  if (list.includes('all')) throw new ConfigError('--tenants: "all" stands alone (--tenants all), not among ids');
  return list;
}

function parseConcurrency(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new ConfigError(`--concurrency: expected a whole number from 1 to 32 (got "${raw}")`);
  return n;
}

/** A path (has a slash, ends in .json, or is a file here) is read as a file; anything else is a name from the blueprints folder. */
function isFile(ref: string, cwd: string): boolean {
  return /[/\\]/.test(ref) || /\.json$/i.test(ref) || existsSync(path.resolve(cwd, ref));
}

async function blueprintCommand(io: BlueprintIo, action: 'plan' | 'apply', ref: string, opts: BlueprintOptions): Promise<number> {
  const tenants = parseTenants(opts.tenants);
  const concurrency = parseConcurrency(opts.concurrency);
  loadDotEnv(io.cwd, io.env);
  const config = await loadConfig({ configPath: opts.config, env: io.env, cwd: io.cwd });
  // A file is read here and handed over inline; a name is found in the blueprints folder by the tool.
  const bp = isFile(ref, io.cwd) ? (await readBlueprintFile(ref, io.cwd)).blueprint : ref;
  const logger = io.env.LOG_LEVEL ? createLogger({ level: io.env.LOG_LEVEL }) : silentLogger();
  const registry = new TenantRegistry(config, { env: io.env, baseDir: config.baseDir ?? io.cwd, logger });
  const store = await openStore(config, { env: io.env, log: logger, noImport: true });
  const confirms = await confirmTokensOn(store);
  const abort = new AbortController();
  const ctx: ToolContext = {
    registry,
    principal: LOCAL_PRINCIPAL,
    tenant: undefined as never,
    signal: abort.signal,
    logger,
    server: { readOnly: false },
    history: store,
    results: store,
    health: store,
    snapshots: store,
    progress: async (_done, _total, message) => {
      if (message) io.stderr.write(`  ${plainMarked(message)}\n`);
    },
  };
  const call = (tool: FleetToolDefinition, args: Record<string, unknown>) => runFleetTool(tool, args, ctx, { store, confirms });
  const args = { blueprint: bp, tenants, ...(concurrency !== undefined ? { concurrency } : {}) };
  try {
    io.stderr.write(`Planning on ${tenants === '*' ? 'every tenant' : tenants.join(', ')}...\n`);
    const plan = await call(planBlueprintTool as unknown as FleetToolDefinition, args);
    const planned = plainMarkedDeep(plan.structured) as { tenants: Array<{ status: string }>; confirmToken?: string };
    const planFailed = planned.tenants.some((t) => t.status === 'conflict' || t.status === 'unreachable');
    if (action === 'plan') {
      if (opts.json) io.stdout.write(`${JSON.stringify(planned, null, 2)}\n`);
      else io.stderr.write(`${plainMarked(plan.text ?? '')}\n`);
      return planFailed ? 1 : 0;
    }
    io.stderr.write(`${plainMarked(withoutTokenLine(plan.text ?? ''))}\n`);
    if (planned.confirmToken === undefined) {
      if (opts.json) io.stdout.write(`${JSON.stringify({ plan: planned, applied: null }, null, 2)}\n`);
      io.stderr.write('Nothing to apply.\n');
      return planFailed ? 1 : 0;
    }
    if (opts.yes !== true && !(await confirmOnTerminal(io, 'Apply this plan now?', 'apply'))) {
      io.stderr.write('Nothing was changed.\n');
      return 1;
    }
    // Ctrl-C: tenants not started are cancelled; the ones in flight finish (or roll back) their steps.
    const onSigint = () => {
      io.stderr.write('\nCancelling: tenants not started yet are left as they are; the ones in progress finish.\n');
      abort.abort();
    };
    process.once('SIGINT', onSigint);
    let applied;
    try {
      applied = await call(applyBlueprintTool as unknown as FleetToolDefinition, { ...args, confirm: planned.confirmToken });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const report = plainMarkedDeep(applied.structured) as { tenants: Array<{ status: string }> };
    if (opts.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    io.stderr.write(`${plainMarked(applied.text ?? '')}\n`);
    return report.tenants.every((t) => ['applied', 'unchanged', 'skipped'].includes(t.status)) ? 0 : 1;
  } finally {
    await registry.close();
    await store.close().catch(() => undefined);
  }
}

/** The plan's text without the line telling a model how to confirm (the CLI asks instead). */
function withoutTokenLine(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('To apply, call apply_blueprint'))
    .join('\n');
}
