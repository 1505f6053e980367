/**
 * The npm package as users get it: `npm pack` the built tree, install the tarball into an empty folder
 * (dependencies come from the registry, hence the long timeout), then run the installed
 * `espocrm-admin-mcp` — `--help`, and an MCP session over stdio against a sandbox CRM — and import
 * the package's `exports` as an embedding project would, types included.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WIN = process.platform === 'win32';
const INSTALL_TIMEOUT_MS = 200_000;

// npm settings worth passing on (where the cache and registry are); the other npm_* variables of an
// enclosing `npm test` describe this repository (local prefix, package, lifecycle) and must not leak.
const NPM_KEEP = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_cafile', 'npm_config_userconfig', 'npm_config_globalconfig']);

/**
 * The environment of the npm and server processes: this test's Node first on PATH, so the installed
 * bin's `#!/usr/bin/env node` runs on the Node under test (20 or 24 in CI).
 */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && (!key.toLowerCase().startsWith('npm_') || NPM_KEEP.has(key.toLowerCase()))) env[key] = value;
  }
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

function npm(args: string[], cwd: string) {
  return run(WIN ? 'npm.cmd' : 'npm', args, { cwd, env: childEnv(), timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 2 ** 20, shell: WIN });
}

interface PackResult {
  filename: string;
  version: string;
  files: Array<{ path: string; mode: number }>;
}

let dir: string;
let app: string;
let packed: PackResult;
let sandbox: Sandbox;
let pkg: { version: string };

const bin = () => path.join(app, 'node_modules', '.bin', WIN ? 'espocrm-admin-mcp.cmd' : 'espocrm-admin-mcp');

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-pack-'));
  // --ignore-scripts: `npm test` has just built dist/; prepack's rebuild would rewrite the files other
  // tests are running at this moment.
  const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  packed = (JSON.parse(stdout) as PackResult[])[0]!;
  app = path.join(dir, 'app');
  await mkdir(app);
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-install-probe', private: true, type: 'module' }));
  await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, packed.filename)], app);
  sandbox = await startSandbox({ leads: 5, contacts: 0, accounts: 0, name: 'acme' });
}, INSTALL_TIMEOUT_MS + 40_000);

afterAll(async () => {
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the npm package, packed and installed', () => {
  it('holds the built server, its declarations and the docs, and no sources, tests or source maps', () => {
    const paths = packed.files.map((f) => f.path);
    expect(packed.version).toBe(pkg.version);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json', 'README.md', 'LICENSE', 'tenants.example.json',
        'dist/cli.js', 'dist/server.js', 'dist/server.d.ts', 'dist/sandbox/index.js', 'dist/sandbox/index.d.ts',
      ]),
    );
    expect(paths.filter((p) => /^(src|test|bench|scripts|\.ci)\//.test(p) || p.endsWith('.map') || /(^|\/)(\.env|tenants\.json)$/.test(p))).toEqual([]);
  });

  it('installs the command, executable, with its shebang', async () => {
    expect(existsSync(bin())).toBe(true);
    const cli = path.join(app, 'node_modules', 'espocrm-admin-mcp', 'dist', 'cli.js');
    expect((await readFile(cli, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
    if (!WIN) expect(statSync(cli).mode & 0o111).not.toBe(0);
  });

  it('`espocrm-admin-mcp --help` exits 0 and lists serve, sandbox and tenants', async () => {
    const { stdout } = await run(bin(), ['--help'], { env: childEnv(), cwd: dir, shell: WIN });
    expect(stdout).toMatch(/^Usage: espocrm-admin-mcp/);
    for (const command of ['serve', 'sandbox', 'demo', 'tenants']) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    const version = await run(bin(), ['--version'], { env: childEnv(), cwd: dir, shell: WIN });
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('serves MCP over stdio from the installed copy: handshake, tools/list, check_tenant', async () => {
    const config = path.join(dir, 'tenants.json');
    await writeFile(
      config,
      JSON.stringify({
        tenants: { acme: { name: 'Acme', url: sandbox.url, apiKey: 'env:ACME_ESPO_API_KEY', admin: { username: 'admin', password: 'env:ACME_ESPO_PASSWORD' } } },
      }),
    );
    const transport = new StdioClientTransport({
      command: bin(),
      args: ['serve', '--config', config],
      env: {
        PATH: childEnv().PATH!,
        HOME: dir,
        XDG_STATE_HOME: dir,
        ACME_ESPO_API_KEY: sandbox.credentials.apiKey,
        ACME_ESPO_PASSWORD: sandbox.credentials.admin.password,
      },
      cwd: dir,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    // The installed package serves a 2025-era client (SDK v1) on stdio; test/e2e/stdio.test.ts covers 2026-07-28.
    const client = new Client({ name: 'pack-test', version: '1.0.0' });
    try {
      await client.connect(transport);
      expect(client.getServerVersion()).toMatchObject({ name: 'espocrm-admin-mcp', version: pkg.version });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['list_tenants', 'check_tenant']));
      const res = await client.callTool({ name: 'check_tenant', arguments: { tenant: 'acme' } });
      expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
      expect(res.structuredContent).toMatchObject({ tenant: 'acme', ok: true, version: '9.1.7', admin: { status: 'ok' }, apiKey: { status: 'ok' } });
    } finally {
      await client.close();
    }
    expect(stderr).not.toContain(sandbox.credentials.admin.password);
  });

  it('exports the server and the sandbox to embedding projects, and nothing else', async () => {
    const probe = path.join(app, 'probe.mjs');
    await writeFile(
      probe,
      [
        "import { buildServer, SERVER_NAME } from 'espocrm-admin-mcp';",
        "import { startSandbox } from 'espocrm-admin-mcp/sandbox';",
        'const sb = await startSandbox({ leads: 1, contacts: 0, accounts: 0 });',
        "const app = await (await fetch(`${sb.apiUrl}/App/user`, { headers: { 'X-Api-Key': sb.credentials.apiKey } })).json();",
        'await sb.close();',
        "const hidden = await import('espocrm-admin-mcp/dist/cli.js').then(() => 'importable', (e) => e.code);",
        'console.log(JSON.stringify({ buildServer: typeof buildServer, name: SERVER_NAME, version: app.settings.version, hidden }));',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, [probe], { cwd: app, env: childEnv() });
    expect(JSON.parse(stdout)).toEqual({ buildServer: 'function', name: 'espocrm-admin-mcp', version: '9.1.7', hidden: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });

  it('ships type declarations that TypeScript finds through the exports', async () => {
    await writeFile(
      path.join(app, 'probe.ts'),
      [
        "import { buildServer, type ServerOptions } from 'espocrm-admin-mcp';",
        "import { startSandbox, type Sandbox, type SandboxOptions } from 'espocrm-admin-mcp/sandbox';",
        'export const build: (opts: ServerOptions) => unknown = buildServer;',
        'export const start: (opts: SandboxOptions) => Promise<Sandbox> = startSandbox;',
        '// @ts-expect-error only "." and "./sandbox" are exported',
        "export const hidden = import('espocrm-admin-mcp/dist/cli.js');",
      ].join('\n'),
    );
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['probe.ts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', path.join(app, 'tsconfig.json')], { cwd: app, env: childEnv() }).catch(
      (err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? String(err), failed: true }),
    );
    expect(result.stdout).toBe('');
    expect('failed' in result).toBe(false);
  });
});
