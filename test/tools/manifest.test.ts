/**
 * The build's tool manifest (dist/tools/tool-manifest.json, scripts/gen-tool-manifest.mjs) against the
 * sources: the same tools in the same order, each listed exactly as the server lists it from its
 * definition, with the module that exports it. And the built server's laziness: over stdio it answers
 * tools/list without importing a single tool module, and imports only the one a call needs.
 * Needs `npm run build` (e2e tier).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTools } from '../../src/tools/catalog.js';
import { listedTool } from '../../src/tools/listing.js';
import { metaOf, type ToolManifest } from '../../src/tools/entries.js';
import { SERVER_VERSION } from '../../src/version.js';
import { CLI } from '../helpers/stack.js';

const DIST_TOOLS = fileURLToPath(new URL('../../dist/tools/', import.meta.url));

describe('dist/tools/tool-manifest.json', () => {
  let manifest: ToolManifest;
  beforeAll(async () => {
    manifest = JSON.parse(await readFile(path.join(DIST_TOOLS, 'tool-manifest.json'), 'utf8')) as ToolManifest;
  });

  it('lists every tool of the sources, in order, as the server lists it from the definition', () => {
    expect(manifest.version).toBe(SERVER_VERSION);
    const defs = allTools();
    expect(manifest.tools.map((t) => t.name)).toEqual(defs.map((d) => d.name));
    for (const [i, def] of defs.entries()) {
      const entry = manifest.tools[i]!;
      expect({ name: entry.name, kind: entry.kind, tenantScoped: entry.tenantScoped, fleet: entry.fleet }, def.name).toEqual(metaOf(def));
      expect(entry.listed, `${def.name}: the manifest is stale (npm run build)`).toEqual(JSON.parse(JSON.stringify(listedTool(def))));
    }
  });

  it('names, for each tool, a built module that exports it', async () => {
    for (const entry of manifest.tools) {
      const mod = (await import(pathToFileURL(path.join(DIST_TOOLS, entry.module)).href)) as Record<string, { name?: string }>;
      expect(mod[entry.exportName]?.name, `${entry.module} ${entry.exportName}`).toBe(entry.name);
    }
  });
});

describe('the built server loads tools lazily', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lazy-tools-'));
    await writeFile(path.join(dir, 'tenants.json'), JSON.stringify({ tenants: { a: { url: 'http://127.0.0.1:9', apiKey: 'env:K' } } }));
    // A module hook that reports every module the server loads, on stderr.
    await writeFile(path.join(dir, 'hooks.mjs'), "export async function load(url, context, next) { process.stderr.write(`LOAD ${url}\\n`); return next(url, context); }\n");
    await writeFile(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('answers tools/list without importing a tool module, then imports only the called tool', async () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' } };
    const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, CLI, 'serve', '--config', 'tenants.json'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_STATE_HOME: dir, K: 'k', LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const answered = async (id: number) => {
      for (let i = 0; i < 200 && !stdout.split('\n').some((l) => l.includes(`"id":${id}`)); i++) await new Promise((r) => setTimeout(r, 50));
      return stdout.split('\n').find((l) => l.includes(`"id":${id}`));
    };
    const toolModules = () => [...stderr.matchAll(/LOAD (\S*\/dist\/tools\/(\w+)\.js)/g)].map((m) => m[2]!).filter((n) => !['entries', 'listing', 'define', 'args'].includes(n));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } })}\n`);
    const list = await answered(1);
    expect(JSON.parse(list!).result.tools).toHaveLength(allTools().length);
    expect(toolModules()).toEqual([]);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_tenants', arguments: {}, _meta: meta } })}\n`);
    const call = JSON.parse((await answered(2))!);
    expect(call.result.structuredContent.tenants.map((t: { id: string }) => t.id)).toEqual(['a']);
    expect(toolModules()).toEqual(['list_tenants']);
    child.stdin.end();
    await new Promise((r) => child.on('close', r));
  });
});
