/**
 * What a plain stdio `serve` (what an MCP client spawns) loads before it answers: not commander, not
 * dotenv (no .env), not pino (the start line is written once the waiting requests are answered), not
 * SQLite (the embedded store opens on its first use). Then each of them when it is needed: the start
 * line at the default level, the store when a call reads it. Checked on the built server with a module
 * hook that reports, on stderr and in the process's own order, every module loaded, every require, and
 * every answer written to stdout. Needs `npm run build` (e2e tier).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/stack.js';

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' } };

describe('the start path of a plain stdio serve', () => {
  let dir: string;
  let register: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'start-path-'));
    await writeFile(path.join(dir, 'tenants.json'), JSON.stringify({ tenants: { a: { url: 'http://127.0.0.1:9', apiKey: 'env:K' } } }));
    await writeFile(path.join(dir, 'hooks.mjs'), "export async function load(url, context, next) { process.stderr.write(`LOAD ${url}\\n`); return next(url, context); }\n");
    register = path.join(dir, 'register.mjs');
    await writeFile(
      register,
      [
        "import Module, { register } from 'node:module';",
        "import { writeSync } from 'node:fs';",
        `register(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});`,
        // require() (pino, dotenv, better-sqlite3 are CommonJS) and stdout writes, in the process's order.
        'const load = Module._load;',
        "Module._load = function (request, parent, isMain) { if (!request.startsWith('node:') && !Module.builtinModules.includes(request)) writeSync(2, `REQUIRE ${request}\\n`); return load.apply(this, arguments); };",
        'const write = process.stdout.write.bind(process.stdout);',
        "process.stdout.write = (chunk, ...rest) => { writeSync(2, `STDOUT ${String(chunk).slice(0, 40)}\\n`); return write(chunk, ...rest); };",
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('answers before loading commander, dotenv, pino or SQLite, then loads each when needed', async () => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(register).href, CLI, 'serve', '--config', 'tenants.json'], {
      cwd: dir,
      // The default log level (info): the start line is written, but after the first answers.
      env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_STATE_HOME: dir, K: 'k' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(ok()).toBe(true);
    };
    const answer = async (id: number) => {
      await until(() => stdout.split('\n').some((l) => l.includes(`"id":${id}`)));
      return JSON.parse(stdout.split('\n').find((l) => l.includes(`"id":${id}`))!) as { result: { tools?: unknown[]; structuredContent?: Record<string, unknown> } };
    };
    const store = path.join(dir, 'espocrm-admin-mcp', 'store.sqlite');
    const send = (id: number, method: string, params: Record<string, unknown>) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: META } })}\n`);

    send(1, 'tools/list', {});
    expect((await answer(1)).result.tools!.length).toBeGreaterThan(10);
    // What the process had loaded when it wrote the answer.
    const firstAnswer = stderr.indexOf('\nSTDOUT ');
    expect(firstAnswer).toBeGreaterThan(0);
    const before = stderr.slice(0, firstAnswer);
    expect(before).toContain('LOAD ');
    expect(before).toMatch(/LOAD \S*\/dist\/cli\/serve\.js/);
    for (const loaded of [/commander/, /REQUIRE dotenv/, /REQUIRE pino/, /REQUIRE better-sqlite3/, /node:sqlite/, /\/dist\/cli\/program\.js/]) expect(before).not.toMatch(loaded);
    expect(existsSync(store)).toBe(false);

    // The start line at the default level: pino loaded after the answer.
    await until(() => stderr.includes('"msg":"serving MCP over stdio"'));
    expect(stderr.slice(firstAnswer)).toMatch(/REQUIRE pino/);

    // A call that reads the store opens it (SQLite on Node 20; node:sqlite from 22.13).
    send(2, 'tools/call', { name: 'list_changes', arguments: { tenant: 'a' } });
    const changes = await answer(2);
    expect(changes.result.structuredContent).toBeDefined();
    expect(existsSync(store)).toBe(true);
    child.stdin.end();
    await new Promise((r) => child.on('close', r));
    // Nothing but protocol messages on stdout.
    expect(stdout.split('\n').filter((l) => l.trim() !== '').map((l) => (JSON.parse(l) as { jsonrpc: string }).jsonrpc)).toEqual(['2.0', '2.0']);
  });
});
