/** The command line parsed by commander: every command and its help. */
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { SERVER_VERSION } from '../version.js';
import { servesOnly } from './argv.js';
import { ACCEPTED_VERSIONS, DEFAULT_SANDBOX_VERSION, parseSandboxVersion, SAME_ON_EVERY_VERSION, VERSION_DIFFERENCES } from '../sandbox/versions.js';

function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    return n;
  };
}

function espoVersionOption(value: string): string {
  try {
    return parseSandboxVersion(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

/** The version-dependent behaviour of the sandbox, for `sandbox --help`. */
function sandboxVersionHelp(): string {
  return [
    '',
    'EspoCRM versions (--espo-version): the sandbox reports the version in App/user (and',
    'App/about) and emulates what differs between versions:',
    ...VERSION_DIFFERENCES.flatMap((d) => [`  since ${d.since}: ${d.change}`, `    before ${d.since}: ${d.before}`]),
    'Everything else behaves as EspoCRM 9.x on every version, including:',
    ...SAME_ON_EVERY_VERSION.map((line) => `  ${line}`),
    `Accepted: ${ACCEPTED_VERSIONS}.`,
    '',
  ].join('\n');
}

/** What commander hands the `serve` action. */
export interface ServeCommandOptions {
  config?: string;
  tenant?: string;
  readOnly: boolean;
  http: boolean;
  port?: number;
  host?: string;
  healthEvery?: string;
  dashboard: boolean;
}

/** The `serve` command and its options (the default command); `action` runs it. */
export function addServeCommand(program: Command, action: (opts: ServeCommandOptions) => Promise<void>): Command {
  return program
    .command('serve', { isDefault: true })
    .description('Serve MCP over stdio (the default), for Claude Desktop, Claude Code, VS Code, Cursor; or over HTTP with --http.')
    .option('--config <path>', 'tenants.json path (else $ESPOCRM_MCP_CONFIG, else ./tenants.json, else the .env convention)')
    .option('--tenant <id>', 'pin the server to one tenant: only it is visible')
    .option('--read-only', 'disable every write tool, whatever the tenants allow', false)
    .option('--http', 'serve Streamable HTTP (for chat hosts) instead of stdio; see docs/http.md', false)
    .option('--port <n>', 'HTTP port (with --http; 0 picks a free one; default 3000)', intOption('--port', 0, 65535))
    .option('--host <address>', 'HTTP address to bind (with --http; default 127.0.0.1)')
    .option('--health-every <duration>', 'check every tenant on this schedule (e.g. 5m; at least 10s), record the results in the store, log changes of state')
    .option('--no-dashboard', 'with --http: do not serve the dashboard at /dashboard')
    .action(action);
}

/** Every command, parsed by commander (what `cli.ts` runs unless the command line is a plain stdio `serve`). */
export async function runProgram(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('espocrm-admin-mcp')
    .description('MCP server that administers many EspoCRM instances (tenants) safely.')
    .version(SERVER_VERSION)
    .showHelpAfterError();

  addServeCommand(program, async (opts) => {
    if (!opts.http && (opts.port !== undefined || opts.host !== undefined)) {
      throw new InvalidArgumentError('--port and --host apply to --http only; add --http to serve over HTTP.');
    }
    if (!opts.http && !opts.dashboard) throw new InvalidArgumentError('--no-dashboard applies to --http only (over stdio there is no dashboard; `dashboard` serves one on its own).');
    let healthEveryMs: number | undefined;
    if (opts.healthEvery !== undefined) {
      const { parseDuration } = await import('./health.js');
      healthEveryMs = parseDuration(opts.healthEvery, '--health-every');
    }
    const { healthEvery: _healthEvery, ...rest } = opts;
    const { runServe, runServeHttp } = await import('./serve.js');
    if (opts.http) await runServeHttp({ ...rest, port: opts.port ?? 3000, host: opts.host ?? '127.0.0.1', ...(healthEveryMs !== undefined ? { healthEveryMs } : {}) });
    else await runServe({ ...rest, ...(healthEveryMs !== undefined ? { healthEveryMs } : {}) });
  });

  program
    .command('sandbox')
    .description('Run the built-in EspoCRM double on loopback and print its URL and credentials.')
    .option('--port <n>', 'port (0 picks a free one)', intOption('--port', 0, 65535), 8089)
    .option('--leads <n>', 'number of seeded leads', intOption('--leads', 0, 1_000_000), 200)
    .option('--seed <n>', 'seed of the data generator', intOption('--seed', 0, 2 ** 31 - 1), 1)
    .option('--host <host>', 'address to bind (loopback only is recommended)', '127.0.0.1')
    .option(
      '--espo-version <x.y.z>',
      'EspoCRM version to report and emulate, 8.0.x to 9.x (e.g. 8.0.5, 8.1.0, 8.4.2): before 8.1 no App/about; before 8.2 ' +
        'Metadata?key= returns the whole metadata and custom fields get no "c" prefix (see below)',
      espoVersionOption,
      DEFAULT_SANDBOX_VERSION,
    )
    .addHelpText('after', sandboxVersionHelp())
    .action(async (opts: { port: number; leads: number; seed: number; host: string; espoVersion: string }) => {
      const { runSandboxCli } = await import('../sandbox/main.js');
      await runSandboxCli({ port: opts.port, leads: opts.leads, seed: opts.seed, host: opts.host, version: opts.espoVersion });
    });

  program
    .command('demo')
    .description('Start two sandbox tenants and this server, connect an MCP client and walk through the main job.')
    .action(async () => {
      const { runDemo } = await import('../demo/run.js');
      process.exitCode = await runDemo({ cliPath: path.resolve(process.argv[1] ?? 'dist/cli.js') });
    });

  program
    .command('dashboard')
    .description('Serve the dashboard (every tenant\'s health, usage, drift and recent changes) on loopback; `serve --http` serves it at /dashboard too.')
    .option('--config <path>', 'tenants.json path (else $ESPOCRM_MCP_CONFIG, else ./tenants.json, else the .env convention)')
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', intOption('--port', 0, 65535), 3100)
    .option('--every <duration>', 'check every tenant (health, usage, drift) at start and on this schedule, e.g. 15m; "off": only "check now"', '15m')
    .action(async (opts: { config?: string; port: number; every: string }) => {
      let everyMs: number | undefined;
      if (opts.every !== 'off') {
        const { parseDuration } = await import('./health.js');
        everyMs = parseDuration(opts.every, '--every');
      }
      const { runDashboard } = await import('./serve.js');
      await runDashboard({ port: opts.port, ...(opts.config !== undefined ? { config: opts.config } : {}), ...(everyMs !== undefined ? { everyMs } : {}) });
    });

  // The other commands' modules import tools and cores: `serve` (what every MCP client spawns, often
  // with options only) does not load them; help and every other command do.
  if (!servesOnly(argv.slice(2))) {
    const { registerTenantsCommands } = await import('./tenants.js');
    const { runTenantCheck } = await import('./serve.js');
    registerTenantsCommands(program, { check: runTenantCheck });
    const { registerAuditCommands } = await import('./audit.js');
    registerAuditCommands(program);
    const { registerSnapshotCommands } = await import('./snapshot.js');
    registerSnapshotCommands(program);
    const { registerBlueprintCommands } = await import('./blueprint.js');
    registerBlueprintCommands(program);
    const { registerDriftCommand } = await import('./drift.js');
    registerDriftCommand(program);
  }

  await program.parseAsync(argv);
}
