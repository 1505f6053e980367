/**
 * The Claude Desktop bundle: manifest.json checked against what the server reads, validated by the
 * official `mcpb` CLI, then the bundle built by scripts/build-mcpb.mjs, unpacked and started the way
 * an MCPB host starts it (mcp_config with `${__dirname}` and `${user_config.*}` substituted).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropUnsubstitutedHostVariables, readOnlyFromEnv } from '../../src/cli/serve-env.js';
import { tenantsFromEnv } from '../../src/config/env-convention.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { allTools } from '../../src/tools/catalog.js';
import { readZip, writeZip } from '../../scripts/zip.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WIN = process.platform === 'win32';

type UserValue = string | number | boolean;
interface Manifest {
  manifest_version: string;
  name: string;
  version: string;
  description: string;
  author: { name: string };
  server: { type: string; entry_point: string; mcp_config: { command: string; args: string[]; env: Record<string, string> } };
  tools: Array<{ name: string; description?: string }>;
  user_config: Record<string, { type: string; title: string; description: string; sensitive?: boolean; required?: boolean; default?: UserValue }>;
  compatibility: { runtimes: { node: string } };
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')) as Manifest;
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; engines: { node: string } };

/**
 * What an MCPB host does with mcp_config (as @anthropic-ai/mcpb's getMcpConfigForManifest): defaults,
 * then the user's values, substituted as strings (booleans as "true"/"false"); a variable without a
 * value stays literal. `defaults: false` imitates a host that ignores defaults.
 */
function hostConfig(m: Manifest, dir: string, user: Record<string, UserValue>, opts: { defaults?: boolean } = {}) {
  const values: Record<string, string> = { __dirname: dir };
  for (const [key, option] of Object.entries(m.user_config)) if (opts.defaults !== false && option.default !== undefined) values[`user_config.${key}`] = String(option.default);
  for (const [key, value] of Object.entries(user)) values[`user_config.${key}`] = String(value);
  const sub = (s: string) => s.replace(/\$\{([^}]+)\}/g, (whole, name: string) => values[name] ?? whole);
  const c = m.server.mcp_config;
  return { command: c.command, args: c.args.map(sub), env: Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, sub(v)])) };
}

describe('manifest.json', () => {
  it('is an MCPB 0.3 manifest of this package, its version and its Node range', () => {
    expect(manifest.manifest_version).toBe('0.3');
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.description.length).toBeGreaterThan(20);
    expect(manifest.author.name).toBeTruthy();
    expect(manifest.server).toMatchObject({ type: 'node', entry_point: 'dist/cli.js', mcp_config: { command: 'node', args: ['${__dirname}/dist/cli.js', 'serve'] } });
    // The bundle ships no native build: its embedded store is Node's own SQLite (node:sqlite, 22.13+),
    // where the npm package on Node 20 builds better-sqlite3 at install.
    expect(manifest.compatibility.runtimes.node).toBe('>=22.13.0');
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it('marks the API key and the admin password sensitive, and nothing else', () => {
    const sensitive = Object.entries(manifest.user_config).filter(([, o]) => o.sensitive).map(([k]) => k);
    expect(sensitive.sort()).toEqual(['admin_password', 'api_key']);
    for (const [key, option] of Object.entries(manifest.user_config)) {
      expect(option.title && option.description, key).toBeTruthy();
      // Without a default, a host passes an unset field as the literal "${user_config.KEY}".
      if (!option.required) expect(option.default, key).toBeDefined();
    }
    expect(manifest.user_config.tenants_file!.type).toBe('file');
    expect(manifest.user_config.read_only!.type).toBe('boolean');
  });

  it('maps every user_config field into the environment the server reads, and references no unknown field', () => {
    const env = manifest.server.mcp_config.env;
    expect(env).toEqual({
      ESPOCRM_MCP_CONFIG: '${user_config.tenants_file}',
      ESPO_BASE_URL: '${user_config.crm_url}',
      ESPO_API_KEY: '${user_config.api_key}',
      ESPO_USERNAME: '${user_config.admin_username}',
      ESPO_PASSWORD: '${user_config.admin_password}',
      ESPOCRM_MCP_READ_ONLY: '${user_config.read_only}',
    });
    const referenced = Object.values(env).map((v) => /^\$\{user_config\.([^}]+)\}$/.exec(v)![1]);
    expect(referenced.sort()).toEqual(Object.keys(manifest.user_config).sort());
  });

  it('gives the server a "default" tenant from the quick-setup fields, with secrets as env: references', () => {
    const { env } = hostConfig(manifest, '/b', { crm_url: 'https://crm.example.com', api_key: 'k', admin_username: 'admin', admin_password: 'p', read_only: true });
    const config = tenantsFromEnv(env, '/tmp')!;
    expect(config.tenants).toEqual([
      expect.objectContaining({ id: 'default', url: 'https://crm.example.com', apiKey: 'env:ESPO_API_KEY', admin: { username: 'admin', password: 'env:ESPO_PASSWORD' } }),
    ]);
    expect(readOnlyFromEnv(env)).toBe(true);
    expect(readOnlyFromEnv(hostConfig(manifest, '/b', {}).env)).toBe(false);
  });

  it('lists only tools the server has', () => {
    const names = new Set(allTools().map((t) => t.name));
    expect(manifest.tools.filter((t) => !names.has(t.name))).toEqual([]);
    expect(new Set(manifest.tools.map((t) => t.name)).size).toBe(manifest.tools.length);
  });

  it('passes `mcpb validate` (the official CLI, fetched with npx)', async (ctx) => {
    const res = await run(WIN ? 'npx.cmd' : 'npx', ['--yes', '@anthropic-ai/mcpb@2.1.2', 'validate', path.join(ROOT, 'manifest.json')], {
      timeout: 120_000,
      shell: WIN,
    }).catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? String(err), failed: true }));
    // Offline outside CI: nothing to validate with. In CI the registry is there (npm ci needs it).
    if ('failed' in res && /ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|E404|network/i.test(res.stderr) && process.env.CI !== 'true') ctx.skip();
    expect(res.stdout + res.stderr).toContain('Manifest schema validation passes!');
    expect('failed' in res).toBe(false);
  }, 130_000);
});

describe('ESPOCRM_MCP_READ_ONLY and unsubstituted host variables', () => {
  it('reads true/false and their usual spellings, and refuses anything else', () => {
    for (const v of ['true', 'TRUE', '1', 'yes', 'on', ' true ']) expect(readOnlyFromEnv({ ESPOCRM_MCP_READ_ONLY: v }), v).toBe(true);
    for (const v of ['false', '0', 'no', 'off', '']) expect(readOnlyFromEnv({ ESPOCRM_MCP_READ_ONLY: v }), v).toBe(false);
    expect(readOnlyFromEnv({})).toBe(false);
    expect(() => readOnlyFromEnv({ ESPOCRM_MCP_READ_ONLY: 'ture' })).toThrow('ESPOCRM_MCP_READ_ONLY must be true or false');
  });

  it('drops the variables a host left as "${user_config.KEY}", and only those', () => {
    const env: NodeJS.ProcessEnv = { ESPOCRM_MCP_CONFIG: '${user_config.tenants_file}', ESPO_BASE_URL: 'https://crm.example.com', OTHER: 'a ${user_config.x} b' };
    expect(dropUnsubstitutedHostVariables(env)).toEqual(['ESPOCRM_MCP_CONFIG']);
    expect(env).toEqual({ ESPO_BASE_URL: 'https://crm.example.com', OTHER: 'a ${user_config.x} b' });
  });
});

describe('scripts/zip.mjs (the packer used when the mcpb CLI cannot be fetched)', () => {
  const entries = [
    { name: 'manifest.json', data: '{"name":"x"}' },
    { name: 'dist/cli.js', data: `#!/usr/bin/env node\n${'console.log(1);\n'.repeat(200)}`, mode: 0o755 },
    { name: 'node_modules/é/bin.node', data: Buffer.from([0, 1, 2, 3, 255]) },
  ];

  it('writes a zip it reads back byte for byte, with modes, and the same bytes every time', () => {
    const zip = writeZip(entries);
    const back = readZip(zip);
    expect(back.map((e) => e.name)).toEqual(['dist/cli.js', 'manifest.json', 'node_modules/é/bin.node']);
    for (const e of entries) expect(back.find((b) => b.name === e.name)!.data.equals(Buffer.from(e.data))).toBe(true);
    expect(back.find((b) => b.name === 'dist/cli.js')!.mode).toBe(0o755);
    expect(back.find((b) => b.name === 'manifest.json')!.mode).toBe(0o644);
    expect(writeZip([...entries].reverse()).equals(zip)).toBe(true);
  });

  it('refuses unsafe names and detects corruption', () => {
    expect(() => writeZip([{ name: '../evil', data: 'x' }])).toThrow('unsafe zip entry name');
    expect(() => writeZip([{ name: '/abs', data: 'x' }])).toThrow('unsafe zip entry name');
    const zip = writeZip(entries);
    const corrupt = Buffer.from(zip);
    corrupt[50] = corrupt[50]! ^ 0xff; // inside the first entry's compressed data
    expect(() => readZip(corrupt)).toThrow(/corrupt zip|invalid|incorrect/i);
    expect(() => readZip(Buffer.from('not a zip'))).toThrow('not a zip archive');
  });
});

/**
 * The Node that runs the bundle: this one when the manifest allows it (22.13+, with node:sqlite), else
 * the Node 24 CI installs (NODE24_DIR); outside CI without one, the run tests are skipped.
 */
function nodeForBundle(): string | undefined {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 13)) return process.execPath;
  const dir = process.env.NODE24_DIR;
  if (dir) return path.join(dir, process.platform === 'win32' ? 'node.exe' : 'node');
  if (process.env.CI === 'true') throw new Error('CI must provide NODE24_DIR (a Node the bundle allows, >= 22.13) to run the bundle');
  return undefined;
}
const bundleNode = nodeForBundle() ?? process.execPath;
const canRunBundle = nodeForBundle() !== undefined;

describe('the bundle built by scripts/build-mcpb.mjs', () => {
  let dir: string;
  let bundleDir: string;
  let files: Map<string, Buffer>;
  let sandbox: Sandbox;
  let buildLog: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcpb-'));
    // --skip-build: `npm test` has just built dist/ (rebuilding would rewrite files other tests run).
    const res = await run(process.execPath, [path.join(ROOT, 'scripts', 'build-mcpb.mjs'), '--skip-build', '--out', dir], {
      cwd: ROOT,
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` },
      timeout: 300_000,
      maxBuffer: 64 * 2 ** 20,
    });
    buildLog = res.stdout + res.stderr;
    const entries = readZip(await readFile(path.join(dir, 'espocrm-admin-mcp.mcpb')));
    files = new Map(entries.map((e) => [e.name, e.data]));
    bundleDir = path.join(dir, 'unpacked');
    for (const e of entries) {
      const target = path.join(bundleDir, ...e.name.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, e.data);
    }
    sandbox = await startSandbox({ leads: 5, contacts: 0, accounts: 0, name: 'bundle' });
  }, 320_000);

  afterAll(async () => {
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds the manifest, the built server and its production dependencies only', () => {
    const staged = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Manifest;
    expect(staged.tools.map((t) => t.name)).toEqual(allTools().map((t) => t.name));
    expect({ ...staged, tools: [] }).toEqual({ ...manifest, tools: [] });
    expect(JSON.parse(files.get('package.json')!.toString('utf8'))).toMatchObject({ name: pkg.name, version: pkg.version, type: 'module' });
    for (const f of ['dist/cli.js', 'dist/server.js', 'dist/tools/tool-manifest.json', 'blueprints/transport.json', 'README.md', 'LICENSE', 'node_modules/@modelcontextprotocol/server/package.json', 'node_modules/@modelcontextprotocol/node/package.json', 'node_modules/zod/package.json']) {
      expect(files.has(f), f).toBe(true);
    }
    const names = [...files.keys()];
    expect(names.filter((n) => /^node_modules\/(vitest|typescript|eslint|fast-check|@types)\//.test(n))).toEqual([]);
    expect(names.filter((n) => n.endsWith('.map') || n.startsWith('src/') || n.startsWith('test/'))).toEqual([]);
    expect(buildLog).toMatch(/Wrote .*espocrm-admin-mcp\.mcpb/);
  });

  it("carries the OS keychain module's native binary for macOS, Windows and Linux", () => {
    for (const platform of ['darwin-arm64', 'darwin-x64', 'win32-x64-msvc', 'win32-arm64-msvc', 'linux-x64-gnu', 'linux-arm64-gnu']) {
      const binary = [...files.keys()].find((n) => n.startsWith(`node_modules/@napi-rs/keyring-${platform}/`) && n.endsWith('.node'));
      expect(binary, platform).toBeDefined();
      expect(files.get(binary!)!.length).toBeGreaterThan(100_000);
    }
  });

  async function connect(user: Record<string, UserValue>, opts: { defaults?: boolean } = {}) {
    const cfg = hostConfig(manifest, bundleDir, user, opts);
    // Claude Desktop runs `node` from its own runtime; here, a Node the manifest allows (see bundleNode).
    const transport = new StdioClientTransport({
      command: cfg.command === 'node' ? bundleNode : cfg.command,
      args: cfg.args,
      env: { ...cfg.env, PATH: process.env.PATH ?? '', HOME: dir, XDG_STATE_HOME: dir },
      cwd: dir,
      stderr: 'pipe',
    });
    // A desktop host of today speaks the 2025 protocol (SDK v1 client): the bundle must serve it.
    const client = new Client({ name: 'mcpb-host', version: '1.0.0' });
    await client.connect(transport);
    return client;
  }

  const quickSetup = () => ({
    crm_url: sandbox.url,
    api_key: sandbox.credentials.apiKey,
    admin_username: sandbox.credentials.admin.username,
    admin_password: sandbox.credentials.admin.password,
  });

  it.skipIf(!canRunBundle)('runs from the unpacked bundle with the quick-setup fields, read-only when asked', async () => {
    const readOnly = await connect({ ...quickSetup(), read_only: true });
    try {
      const names = (await readOnly.listTools()).tools.map((t) => t.name);
      expect(names).toContain('check_tenant');
      expect(names).not.toContain('rebuild');
      const res = await readOnly.callTool({ name: 'check_tenant', arguments: { tenant: 'default' } });
      expect(res.structuredContent).toMatchObject({ tenant: 'default', ok: true, version: '9.1.7' });
    } finally {
      await readOnly.close();
    }
    // A host that ignores defaults leaves "${user_config.tenants_file}" literal: still the quick setup.
    const writable = await connect({ ...quickSetup(), read_only: false }, { defaults: false });
    try {
      expect((await writable.listTools()).tools.map((t) => t.name)).toContain('rebuild');
    } finally {
      await writable.close();
    }
  });

  it.skipIf(!canRunBundle)('uses the chosen tenants.json instead of the quick-setup fields', async () => {
    const keyFile = path.join(dir, 'acme.key');
    await writeFile(keyFile, sandbox.credentials.apiKey);
    await chmod(keyFile, 0o600);
    const tenantsFile = path.join(dir, 'tenants.json');
    await writeFile(tenantsFile, JSON.stringify({ tenants: { acme: { url: sandbox.url, apiKey: 'file:acme.key' } } }));
    const client = await connect({ tenants_file: tenantsFile, crm_url: 'http://127.0.0.1:9' });
    try {
      const res = await client.callTool({ name: 'list_tenants', arguments: {} });
      expect(JSON.stringify(res.structuredContent)).toContain('"acme"');
      expect(JSON.stringify(res.structuredContent)).not.toContain('"default"');
      const check = await client.callTool({ name: 'check_tenant', arguments: { tenant: 'acme' } });
      expect(check.structuredContent).toMatchObject({ ok: true, apiKey: { status: 'ok' } });
    } finally {
      await client.close();
    }
  });
});
