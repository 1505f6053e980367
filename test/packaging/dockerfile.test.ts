/**
 * The Dockerfile cannot be built on these machines (no Docker engine), so this reads it: stages, the
 * non-root user, the health check, the HTTP command, and no secret in the image. The health-check
 * script itself runs here, against plain servers and against the real `serve --http`.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HEALTHCHECK = path.join(ROOT, 'scripts', 'healthcheck.mjs');

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Instructions in order, continuation lines joined, comments dropped; `stage` counts FROMs from 0. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  let stage = -1;
  return logical.map((line) => {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') stage++;
    return { op: op.toUpperCase(), args: args.replace(/\s+/g, ' '), stage };
  });
}

const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const stages = dockerfile.filter((i) => i.op === 'FROM').map((i) => /\bAS\s+(\S+)$/i.exec(i.args)?.[1]);
const last = stages.length - 1;
const runtime = dockerfile.filter((i) => i.stage === last);
const jsonArgs = (i: Instruction | undefined) => (i ? (JSON.parse(i.args.replace(/^--\S+\s+/g, '')) as string[]) : []);

describe('Dockerfile', () => {
  it('is multi-stage, every stage named, and COPY --from names an earlier stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.every((s) => s !== undefined)).toBe(true);
    for (const copy of dockerfile.filter((i) => i.op === 'COPY' && i.args.startsWith('--from='))) {
      const from = /^--from=(\S+)/.exec(copy.args)![1]!;
      expect(stages.slice(0, copy.stage)).toContain(from);
    }
  });

  it('installs production dependencies only in the runtime stage, without install scripts', () => {
    const runs = runtime.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && r.includes('--omit=dev') && r.includes('--ignore-scripts'))).toBe(true);
    expect(runs.some((r) => /npm (run )?build|tsc/.test(r))).toBe(false);
  });

  it('runs as a non-root user, set before the command', () => {
    const users = runtime.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1]!.args.split(':')[0]!;
    expect(['root', '0', '']).not.toContain(user);
    const index = (op: string) => runtime.findIndex((i) => i.op === op);
    expect(runtime.lastIndexOf(users[users.length - 1]!)).toBeLessThan(index('CMD'));
    expect(runtime.lastIndexOf(users[users.length - 1]!)).toBeGreaterThan(runtime.map((i) => i.op).lastIndexOf('RUN'));
  });

  it('serves HTTP on 0.0.0.0:3000, exposes 3000 and checks its health with the shipped script', () => {
    expect(jsonArgs(runtime.find((i) => i.op === 'ENTRYPOINT'))).toEqual(['node', 'dist/cli.js']);
    expect(jsonArgs(runtime.find((i) => i.op === 'CMD'))).toEqual(['serve', '--http', '--host', '0.0.0.0', '--port', '3000']);
    expect(runtime.find((i) => i.op === 'EXPOSE')?.args).toBe('3000');
    const health = runtime.find((i) => i.op === 'HEALTHCHECK');
    expect(health?.args).toMatch(/--interval=\S+ .*CMD \["node", "scripts\/healthcheck\.mjs"\]$/);
    expect(runtime.some((i) => i.op === 'COPY' && i.args === 'scripts/healthcheck.mjs ./scripts/healthcheck.mjs')).toBe(true);
    expect(readFileSync(HEALTHCHECK, 'utf8')).toContain("'http://127.0.0.1:3000/healthz'");
  });

  it('copies into the build stage every script `npm run build` runs, and ships what the package ships besides dist', () => {
    const build = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.build!;
    const scripts = [...build.matchAll(/\bscripts\/[\w.-]+\.mjs\b/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    const buildStage = dockerfile.filter((i) => i.stage === last - 1);
    const buildRun = buildStage.findIndex((i) => i.op === 'RUN' && /npm run build/.test(i.args));
    expect(buildRun).toBeGreaterThan(-1);
    for (const script of scripts) {
      expect(buildStage.slice(0, buildRun).some((i) => i.op === 'COPY' && i.args.split(' ')[0] === script), `${script} copied before the build`).toBe(true);
    }
    // The bundled blueprints are read from beside dist/ (src/config/blueprints.ts).
    expect(runtime.some((i) => i.op === 'COPY' && i.args === 'blueprints ./blueprints')).toBe(true);
  });

  it('bakes in no secret: no ENV or ARG named like one, no .env or tenants.json copied, and the context excludes them', () => {
    const vars = dockerfile
      .filter((i) => i.op === 'ENV' || i.op === 'ARG')
      .flatMap((i) => i.args.split(' ').map((pair) => pair.split('=')[0]!));
    expect(vars.length).toBeGreaterThan(0);
    expect(vars.filter((v) => /KEY|SECRET|PASSWORD|PASS|TOKEN|CREDENTIAL/i.test(v))).toEqual([]);
    const copies = dockerfile.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from=')).flatMap((i) => i.args.split(' ').slice(0, -1));
    for (const source of copies) {
      expect(source).not.toMatch(/(^|\/)(\.env|tenants\.json|secrets)/);
      expect(existsSync(path.join(ROOT, source)), `COPY source ${source}`).toBe(true);
    }
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', '.env.*', 'tenants.json', 'node_modules', 'dist', '.git']) expect(ignored).toContain(entry);
    for (const source of copies) expect(ignored).not.toContain(source);
  });
});

const run = promisify(execFile);

async function health(url: string): Promise<number> {
  try {
    await run(process.execPath, [HEALTHCHECK], { env: { ...process.env, HEALTHCHECK_URL: url }, timeout: 20_000 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

async function serving(status: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(status).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/healthz`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('scripts/healthcheck.mjs', () => {
  it('is healthy when the server answers below 500, unhealthy on 5xx or when nothing listens', async () => {
    for (const [status, expected] of [[200, 0], [404, 0], [403, 0], [503, 1], [500, 1]] as const) {
      const s = await serving(status);
      expect(await health(s.url), `status ${status}`).toBe(expected);
      await s.close();
    }
    const s = await serving(200);
    await s.close();
    expect(await health(s.url)).toBe(1);
  });

  it('is healthy against the real `serve --http`', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-health-'));
    await writeFile(path.join(dir, 'tenants.json'), JSON.stringify({ tenants: { acme: { url: 'http://127.0.0.1:9', apiKey: 'env:ACME_KEY' } } }));
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'serve', '--http', '--port', '0', '--config', 'tenants.json'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_STATE_HOME: dir, ACME_KEY: 'k' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
          const m = /"url":"(http:\/\/[^"]+)"/.exec(err);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve --http exited (${code}): ${err}`)));
      });
      expect(await health(new URL('/healthz', url).href)).toBe(0);
    } finally {
      child.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
