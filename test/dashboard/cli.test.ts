/**
 * `espocrm-admin-mcp dashboard` through the built CLI (needs `npm run build`): serves on loopback, a
 * round at start fills the pages (health, usage, drift) from the CRMs into the store, no sign-in
 * without `http` authentication, a sign-in with it, nothing on stdout, a clean stop on SIGTERM; and
 * `serve --http` serves the same dashboard at /dashboard (none with --no-dashboard).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { CLI, runCli, startSandboxes, tenantsJson } from '../helpers/stack.js';
import { Browserish, csrfOf, dashRequest, rowTenants } from '../helpers/dashboard.js';

const TOKEN = 'dashboard-cli-token-0123456789';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

let dir: string;
let sandboxes: Record<string, Sandbox>;
let env: Record<string, string>;
let json: Record<string, unknown>;
const runs: Run[] = [];

function run(args: string[], extraEnv: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_STATE_HOME: dir, LOG_LEVEL: 'info', ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const r = { child, stdout: () => stdout, stderr: () => stderr, exit };
  runs.push(r);
  return r;
}

async function until<T>(what: () => T | undefined | Promise<T | undefined>, r: Run, label: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await what();
    if (v !== undefined && v !== false) return v as T;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`timed out waiting for ${label}; stderr:\n${r.stderr()}`);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dashboard-cli-'));
  sandboxes = await startSandboxes([{ id: 'alpha' }, { id: 'beta' }]);
  const t = tenantsJson([{ id: 'alpha', name: 'Alpha' }, { id: 'beta', name: 'Beta' }], sandboxes);
  json = t.json;
  env = t.env;
  await writeFile(path.join(dir, 'tenants.json'), JSON.stringify(json));
}, 60_000);

afterAll(async () => {
  for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  await Promise.all(Object.values(sandboxes ?? {}).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('dashboard command', () => {
  it('serves on loopback without sign-in, fills the pages with a round at start, stops on SIGTERM', async () => {
    const r = run(['dashboard', '--port', '0', '--every', '1h']);
    const url = await until(() => /dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboard\/)/.exec(r.stderr())?.[1], r, 'the URL line');
    const origin = new URL(url).origin;
    // The round at start: both tenants checked, their usage read.
    const page = await until(async () => {
      const res = await dashRequest(url);
      return (res.body.match(/health-ok/g) ?? []).length >= 2 && /\b9\.1\.7\b/.test(res.body) ? res : undefined;
    }, r, 'both tenants checked');
    expect(page.status).toBe(200);
    expect(rowTenants(page.body)).toEqual(['alpha', 'beta']);
    // No sign-in: the forms still carry a CSRF token, and "check now" works from the page's origin.
    const b = new Browserish(origin);
    const res = await b.post('/dashboard/check', { csrf: csrfOf(page.body), tenant: 'alpha', back: '/dashboard/' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard/?checked=1&ok=1');
    const forged = await b.post('/dashboard/check', { csrf: 'forged', tenant: 'alpha' });
    expect(forged.status).toBe(403);
    // DNS rebinding: another Host is refused.
    expect((await dashRequest(url, { headers: { host: 'evil.example' } })).status).toBe(403);
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    expect(r.stdout()).toBe('');
    for (const s of Object.values(env)) expect(r.stderr()).not.toContain(s);
  });

  it('asks for a sign-in when the http section configures tokens', async () => {
    const authDir = path.join(dir, 'auth');
    await import('node:fs/promises').then((fs) => fs.mkdir(authDir));
    await writeFile(path.join(authDir, 'tenants.json'), JSON.stringify({ ...json, http: { tokens: [{ name: 'ops', token: 'env:DASH_TOKEN', tenants: ['beta'] }] } }));
    const r = run(['dashboard', '--port', '0', '--every', 'off', '--config', path.join(authDir, 'tenants.json')], { DASH_TOKEN: TOKEN });
    const url = await until(() => /dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboard\/)/.exec(r.stderr())?.[1], r, 'the URL line');
    const first = await dashRequest(url);
    expect(first.status).toBe(303);
    expect(first.headers.location).toMatch(/^\/dashboard\/login/);
    const b = new Browserish(new URL(url).origin);
    expect((await b.signIn(TOKEN)).status).toBe(303);
    const page = await b.get('/dashboard/');
    expect(rowTenants(page.body)).toEqual(['beta']);
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
  });

  it('refuses a bad --every with the fix', async () => {
    const res = await runCli(['dashboard', '--every', 'soon'], { cwd: dir, env });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/--every/);
  });
});

describe('serve --http', () => {
  it('serves the dashboard at /dashboard, and none with --no-dashboard', async () => {
    const r = run(['serve', '--http', '--port', '0']);
    const mcpUrl = await until(() => /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"/.exec(r.stderr())?.[1], r, 'the MCP URL');
    const origin = new URL(mcpUrl).origin;
    const page = await dashRequest(`${origin}/dashboard/`);
    expect(page.status).toBe(200);
    expect(rowTenants(page.body)).toEqual(['alpha', 'beta']);
    // The first page view starts the rounds (every 15 min): both tenants get checked.
    await until(async () => ((await dashRequest(`${origin}/dashboard/`)).body.match(/health-ok/g) ?? []).length >= 2 || undefined, r, 'the first round');
    r.child.kill('SIGTERM');
    await r.exit;

    const off = run(['serve', '--http', '--port', '0', '--no-dashboard']);
    const offUrl = await until(() => /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"/.exec(off.stderr())?.[1], off, 'the MCP URL');
    expect((await dashRequest(`${new URL(offUrl).origin}/dashboard/`)).status).toBe(404);
    off.child.kill('SIGTERM');
    await off.exit;
  });

  it('says on every page when the configuration cannot be loaded (and shows no secret of it)', async () => {
    const canary = 'CANARY-dash-cfg-7f3e9a';
    await writeFile(path.join(dir, 'broken.json'), JSON.stringify({ tenants: { damath: { url: 'https://d.example', apiKey: canary, readonly: true } } }));
    const r = run(['serve', '--http', '--port', '0', '--config', 'broken.json']);
    const mcpUrl = await until(() => /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"/.exec(r.stderr())?.[1], r, 'the MCP URL');
    const page = await dashRequest(`${new URL(mcpUrl).origin}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/role="status"[^>]*>The configuration cannot be loaded, so no tenant is shown: [^<]*broken\.json/);
    expect(page.body).toMatch(/a literal secret is not allowed here/);
    expect(page.body).not.toContain(canary);
    expect(rowTenants(page.body)).toEqual([]);
    r.child.kill('SIGTERM');
    await r.exit;
  });

  it('refuses --no-dashboard over stdio', async () => {
    const res = await runCli(['serve', '--no-dashboard'], { cwd: dir, env });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/--no-dashboard applies to --http only/);
  });
});
