/**
 * `espocrm-admin-mcp sandbox --espo-version X`, the built binary (needs `npm run build`, as the other CLI
 * tests do): starting a sandbox that reports and emulates X, refusing garbage with the accepted versions,
 * and documenting the differences in its help. The parsing of X itself: test/sandbox/versions.test.ts.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/stack.js';

const childEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' });

/** Runs `node dist/cli.js ...args` to its end. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Starts `sandbox --espo-version X`, checks the running sandbox with `probe`, then stops it with SIGTERM; returns its stdout. */
async function withSandbox(version: string, probe: (apiUrl: string, auth: string, stdout: string) => Promise<void>): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--leads', '0', '--espo-version', version], {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (stdout.includes('Press Ctrl+C to stop.')) resolve();
    });
    void exited.then((code) => reject(new Error(`the sandbox exited (${code}): ${stderr}`)));
  });
  try {
    await ready;
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
    const user = /admin user +(\S+)/.exec(stdout)![1]!;
    const password = /admin password +(\S+)/.exec(stdout)![1]!;
    await probe(`${url}/api/v1`, Buffer.from(`${user}:${password}`).toString('base64'), stdout);
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  return stdout;
}

const get = async (apiUrl: string, auth: string, path: string) => {
  const res = await fetch(`${apiUrl}/${path}`, { headers: { 'Espo-Authorization': auth } });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
};

const reportedVersion = async (apiUrl: string, auth: string) => ((await get(apiUrl, auth, 'App/user')).json as { settings: { version: string } }).settings.version;

describe('espocrm-admin-mcp sandbox --espo-version (built binary)', () => {
  it('8.1: reports 8.1.0, has App/about, ignores Metadata?key= and prints what it emulates', async () => {
    const stdout = await withSandbox('8.1', async (api, auth, out) => {
      expect(out).toContain('reports EspoCRM 8.1.0');
      expect(out).toMatch(/As EspoCRM 8\.1\.0:\n {2}GET App\/about answers .*\(since 8\.1\)\n {2}GET Metadata\?key= ignores the key/);
      expect(await reportedVersion(api, auth)).toBe('8.1.0');
      expect((await get(api, auth, 'App/about')).json).toMatchObject({ version: '8.1.0' });
      expect(Object.keys((await get(api, auth, 'Metadata?key=scopes')).json!)).toEqual(expect.arrayContaining(['scopes', 'entityDefs']));
    });
    expect(stdout).toContain('Sandbox stopped.');
  });

  it('8.0.5: no App/about', async () => {
    await withSandbox('8.0.5', async (api, auth) => {
      expect(await reportedVersion(api, auth)).toBe('8.0.5');
      expect((await get(api, auth, 'App/about')).status).toBe(404);
    });
  });

  it('9.1.7: Metadata?key= returns just that path', async () => {
    const stdout = await withSandbox('9.1.7', async (api, auth) => {
      expect((await get(api, auth, 'App/about')).json).toMatchObject({ version: '9.1.7' });
      expect(Object.keys((await get(api, auth, 'Metadata?key=scopes')).json!)).toContain('Lead');
    });
    expect(stdout).toContain('"c" prefix');
  });

  it('refuses garbage and unemulated versions with the accepted list, starting nothing', async () => {
    for (const bad of ['banana', '7.5.3', '10.0.0']) {
      const res = await run(['sandbox', '--port', '0', '--espo-version', bad]);
      expect(res.code, bad).toBe(1);
      expect(res.stderr).toContain(`option '--espo-version <x.y.z>' argument '${bad}' is invalid.`);
      expect(res.stderr).toContain('Accepted: 8.0.x, 8.1.x, 8.2.x to 8.4.x, 9.x');
      expect(res.stdout).toBe('');
    }
  });

  it('documents the option and the emulated differences in its help', async () => {
    const res = await run(['sandbox', '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('--espo-version <x.y.z>');
    expect(res.stdout).toContain('(default: "9.1.7")');
    expect(res.stdout).toContain('since 8.1: GET App/about answers { text, version }\n    before 8.1: GET App/about is a 404');
    expect(res.stdout).toContain('since 8.2: GET Metadata?key=a.b returns just that path\n    before 8.2: GET Metadata?key= ignores the key');
    expect(res.stdout).toMatch(/since 8\.2: custom fields of standard entity types are stored with the "c" prefix/);
    expect(res.stdout).toMatch(/HMAC signatures are accepted both as hex/);
  });
});
