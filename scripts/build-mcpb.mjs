#!/usr/bin/env node
/**
 * Builds the Claude Desktop bundle (MCPB, a zip with manifest.json at its root):
 *
 *   node scripts/build-mcpb.mjs [--skip-build] [--out DIR] [--packer auto|mcpb|zip] [--host-only]
 *
 * 1. `npm run build` (unless --skip-build), then stages into DIR/mcpb (default build/mcpb): manifest.json,
 *    dist/ (without source maps and type declarations), package.json, README.md, LICENSE,
 *    tenants.example.json, the bundled blueprints, and the production node_modules (`npm ci --omit=dev --ignore-scripts`).
 * 2. Adds @napi-rs/keyring's native package for macOS, Windows and Linux (x64 and arm64), each checked
 *    against package-lock.json's integrity, so "keychain" references work whichever machine built the
 *    bundle (--host-only skips this).
 * 3. Writes the manifest's `tools` from the built tool catalogue (keeping hand-written descriptions).
 * 4. Packs DIR/espocrm-admin-mcp.mcpb with the official CLI (`npx @anthropic-ai/mcpb pack`, which also
 *    validates the manifest) or, when it cannot be fetched or with --packer zip, with scripts/zip.mjs.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readPackageTarball } from './tar.mjs';
import { writeZip } from './zip.mjs';

const MCPB_CLI = '@anthropic-ai/mcpb@2.1.2';
const BUNDLE_NAME = 'espocrm-admin-mcp.mcpb';
// Claude Desktop runs on macOS and Windows; Linux for other MCPB hosts.
const KEYRING_PLATFORMS = ['darwin-arm64', 'darwin-x64', 'win32-x64-msvc', 'win32-arm64-msvc', 'linux-x64-gnu', 'linux-arm64-gnu'];
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WIN = process.platform === 'win32';

function parseArgs(argv) {
  const opts = { build: true, out: join(ROOT, 'build'), packer: 'auto', hostOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--skip-build') opts.build = false;
    else if (arg === '--host-only') opts.hostOnly = true;
    else if (arg === '--out') opts.out = resolve(argv[++i] ?? fail('--out needs a folder'));
    else if (arg === '--packer') opts.packer = argv[++i] ?? fail('--packer needs auto, mcpb or zip');
    else if (arg === '--help' || arg === '-h') {
      say('usage: node scripts/build-mcpb.mjs [--skip-build] [--out DIR] [--packer auto|mcpb|zip] [--host-only]');
      process.exit(0);
    } else fail(`unknown argument ${arg}`);
  }
  if (!['auto', 'mcpb', 'zip'].includes(opts.packer)) fail(`--packer must be auto, mcpb or zip, not ${opts.packer}`);
  return opts;
}

function fail(message) {
  console.error(`build-mcpb: ${message}`);
  process.exit(1);
}

const say = (line) => process.stdout.write(`${line}\n`);
const warn = (line) => process.stderr.write(`build-mcpb: ${line}\n`);

function step(message) {
  say(`== ${message}`);
}

// Under `npm run`, npm_* variables describe this repository (local prefix, package, lifecycle): keep
// them away from the npm that installs into the staging folder.
const CHILD_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_(lifecycle_|package_|command$|config_local_prefix$)/i.test(key)),
);

/** Runs npm/npx (a .cmd on Windows, hence the shell there); exits on a non-zero exit unless allowed. */
function run(command, args, opts = {}) {
  const res = spawnSync(command, args, { cwd: opts.cwd ?? ROOT, env: CHILD_ENV, stdio: opts.capture ? 'pipe' : 'inherit', encoding: 'utf8', shell: WIN });
  if (opts.allowFailure) return res;
  if (res.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${res.status ?? res.signal})${opts.capture ? `:\n${res.stderr}` : ''}`);
  return res;
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

function stage(opts, pkg, manifest) {
  const dir = join(opts.out, 'mcpb');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Source maps point at src/, which is not shipped; declarations are for embedding, not for running.
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true, filter: (src) => !/\.(map|d\.ts)$/.test(src) });
  for (const file of ['README.md', 'LICENSE', 'tenants.example.json', 'package-lock.json']) cpSync(join(ROOT, file), join(dir, file));
  // The bundled blueprints ("transport"), read from beside dist/ when the user's folder has none.
  cpSync(join(ROOT, 'blueprints'), join(dir, 'blueprints'), { recursive: true, filter: (src) => statSync(src).isDirectory() || src.endsWith('.json') });
  // package.json keeps "type": "module" and the dependencies (the dev ones too: `npm ci` checks them
  // against the lockfile); its scripts have no business in the bundle.
  const { scripts: _scripts, ...bundlePkg } = pkg;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(bundlePkg, null, 2)}\n`);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

/** Adds the keyring's native package of each platform the bundle may run on, checked against the lockfile. */
function addKeyringBinaries(dir) {
  const lock = readJson(join(ROOT, 'package-lock.json'));
  const tmp = join(tmpdir(), `espocrm-mcpb-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  try {
    for (const platform of KEYRING_PLATFORMS) {
      const name = `@napi-rs/keyring-${platform}`;
      const target = join(dir, 'node_modules', name);
      if (existsSync(target)) continue;
      const locked = lock.packages?.[`node_modules/${name}`];
      if (!locked?.version || !locked.integrity) fail(`${name} is not in package-lock.json; update the lockfile`);
      const res = run('npm', ['pack', `${name}@${locked.version}`, '--pack-destination', tmp, '--json', '--silent'], { capture: true });
      const [{ filename }] = JSON.parse(res.stdout);
      const tgz = readFileSync(join(tmp, filename));
      const [algorithm, expected] = locked.integrity.split('-', 2);
      const actual = createHash(algorithm).update(tgz).digest('base64');
      if (actual !== expected) fail(`${name}@${locked.version}: the tarball does not match package-lock.json's integrity`);
      for (const file of readPackageTarball(tgz)) {
        const path = join(target, ...file.path.split('/'));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.data, { mode: file.mode || 0o644 });
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The manifest's static tool list, from the built catalogue; hand-written descriptions win. */
async function toolsFromCatalog(dir, manifest) {
  const { allTools } = await import(pathToFileURL(join(dir, 'dist', 'tools', 'catalog.js')).href);
  const written = new Map((manifest.tools ?? []).map((t) => [t.name, t.description]));
  const tools = allTools().map((t) => ({ name: t.name, description: written.get(t.name) ?? `${t.title}: ${t.description.split(/(?<=\.)\s/)[0]}` }));
  const names = new Set(tools.map((t) => t.name));
  const missing = tools.filter((t) => !written.has(t.name)).map((t) => t.name);
  const stale = [...written.keys()].filter((n) => !names.has(n));
  if (missing.length || stale.length) {
    warn(`manifest.json's "tools" is out of date (add: ${missing.join(', ') || '-'}; remove: ${stale.join(', ') || '-'}); the bundle uses the catalogue`);
  }
  return tools;
}

/** What `mcpb validate` checks first, for when the official CLI cannot be fetched. */
function checkManifest(dir, manifest) {
  const problems = [];
  if (manifest.manifest_version !== '0.3') problems.push('manifest_version must be "0.3"');
  for (const key of ['name', 'version', 'description']) if (typeof manifest[key] !== 'string' || !manifest[key]) problems.push(`${key} is missing`);
  if (typeof manifest.author?.name !== 'string') problems.push('author.name is missing');
  const server = manifest.server ?? {};
  if (server.type !== 'node') problems.push('server.type must be "node"');
  if (typeof server.mcp_config?.command !== 'string') problems.push('server.mcp_config.command is missing');
  if (!server.entry_point || !existsSync(join(dir, server.entry_point))) problems.push(`server.entry_point ${server.entry_point} is not in the bundle`);
  for (const [key, option] of Object.entries(manifest.user_config ?? {})) {
    if (!option.type || !option.title || !option.description) problems.push(`user_config.${key} needs type, title and description`);
  }
  if (problems.length) fail(`manifest.json is not valid:\n  ${problems.join('\n  ')}`);
}

function listFiles(dir) {
  const out = [];
  const walk = (current) => {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      const rel = relative(dir, path).split(sep).join('/');
      const info = lstatSync(path);
      // Symlinks (node_modules/.bin) do not survive a zip portably; nothing at run time needs them.
      if (info.isSymbolicLink() || rel === 'node_modules/.bin' || rel === 'node_modules/.cache' || rel === 'package-lock.json') continue;
      if (info.isDirectory()) walk(path);
      else if (info.isFile() && !rel.endsWith('.map')) out.push({ name: rel, path, mode: info.mode & 0o777 });
    }
  };
  walk(dir);
  return out;
}

function mcpbAvailable() {
  const res = run('npx', ['--yes', MCPB_CLI, '--version'], { capture: true, allowFailure: true });
  return res.status === 0;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const pkg = readJson(join(ROOT, 'package.json'));
  const manifest = readJson(join(ROOT, 'manifest.json'));
  if (manifest.version !== pkg.version) fail(`manifest.json version ${manifest.version} differs from package.json version ${pkg.version}`);

  if (opts.build) {
    step('npm run build');
    run('npm', ['run', 'build']);
  }
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) fail('dist/cli.js is missing: run `npm run build` first (or drop --skip-build)');

  step(`stage ${relative(ROOT, join(opts.out, 'mcpb')) || '.'}`);
  const dir = stage(opts, pkg, manifest);
  step('npm ci --omit=dev (production dependencies, as package-lock.json pins them)');
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir });
  if (!opts.hostOnly) {
    step(`add the OS keychain module for ${KEYRING_PLATFORMS.join(', ')}`);
    addKeyringBinaries(dir);
  }
  const staged = { ...manifest, tools: await toolsFromCatalog(dir, manifest) };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(staged, null, 2)}\n`);
  checkManifest(dir, staged);

  const output = join(opts.out, BUNDLE_NAME);
  rmSync(output, { force: true });
  const useMcpb = opts.packer === 'mcpb' || (opts.packer === 'auto' && mcpbAvailable());
  if (opts.packer === 'auto' && !useMcpb) warn(`${MCPB_CLI} could not be fetched; packing with the built-in zip writer`);
  if (useMcpb) {
    step(`npx ${MCPB_CLI} pack`);
    run('npx', ['--yes', MCPB_CLI, 'pack', dir, output]);
  } else {
    step('zip');
    const files = listFiles(dir).map((f) => ({ name: f.name, data: readFileSync(f.path), mode: f.mode }));
    writeFileSync(output, writeZip(files));
  }
  const size = statSync(output).size;
  say(`Wrote ${output} (${(size / 2 ** 20).toFixed(1)} MiB). Install it by opening it with Claude Desktop (Settings > Extensions).`);
}

main().catch((err) => fail(err instanceof Error ? err.stack ?? err.message : String(err)));
