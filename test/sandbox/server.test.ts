import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './client.js';

const started: Sandbox[] = [];
async function sandboxWith(opts: Parameters<typeof startSandbox>[0] = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, ...opts });
  started.push(sandbox);
  return sandbox;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

describe('sandbox server', () => {
  it('answers like EspoCRM: JSON headers, the API index, the version', async () => {
    const sandbox = await sandboxWith();
    const index = await call(sandbox, '');
    expect(index.text).toBe('"EspoCRM REST API"');
    expect(index.headers.get('content-type')).toBe('application/json');
    expect(index.headers.get('x-app-timestamp')).toMatch(/^\d+$/);
    expect(index.headers.get('cache-control')).toContain('no-store');
    expect((await call(sandbox, '', { auth: 'none' })).status).toBe(401);
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.apiUrl).toBe(`${sandbox.url}/api/v1`);
  });

  it('parses JSON bodies the EspoCRM way', async () => {
    const sandbox = await sandboxWith();
    // a scalar body is refused; invalid JSON is a 500 without a reason
    expect(await call(sandbox, 'Layout/action/resetToDefault', { method: 'POST', body: '"text"' })).toMatchObject({ status: 400, reason: 'Body is not a JSON object.' });
    expect(await call(sandbox, 'Layout/action/resetToDefault', { method: 'POST', body: '{"scope":' })).toMatchObject({ status: 500, reason: undefined, text: '' });
    // without the JSON content type the body is read as {}: missing parameters
    const noType = await call(sandbox, 'Layout/action/resetToDefault', { method: 'POST', body: '{"scope":"Lead","name":"list"}', headers: { 'Content-Type': 'text/plain' } });
    expect(noType.status).toBe(400);
  });

  it('runs several isolated instances, each with its own credentials, data and siteUrl', async () => {
    const a = await sandboxWith({ name: 'tenant-a', leads: 3 });
    const b = await sandboxWith({ name: 'tenant-b', leads: 5, siteUrl: 'https://b.example.test' });
    expect(a.url).not.toBe(b.url);
    expect(a.credentials.admin.password).not.toBe(b.credentials.admin.password);
    expect(a.credentials.apiKey).not.toBe(b.credentials.apiKey);

    await call(a, 'Admin/fieldManager/Lead', { method: 'POST', body: { name: 'onlyOnA', type: 'varchar' } });
    expect((await call(a, 'Metadata?key=entityDefs.Lead.fields.cOnlyOnA')).status).toBe(200);
    expect((await call(b, 'Metadata?key=entityDefs.Lead.fields.cOnlyOnA')).text).toBe('');
    expect(((await call(a, 'Lead?maxSize=0')).json as { total: number }).total).toBe(3);
    expect(((await call(b, 'Lead?maxSize=0')).json as { total: number }).total).toBe(5);
    expect(((await call(b, 'Settings')).json as { siteUrl: string }).siteUrl).toBe('https://b.example.test');
    expect(((await call(a, 'Settings')).json as { siteUrl: string }).siteUrl).toBe(a.url);
    // another instance's credentials do not work
    expect((await call(b, 'App/user', { auth: { apiKey: a.credentials.apiKey } })).status).toBe(401);
    expect(a.requests.some((r) => r.path === 'Admin/fieldManager/Lead')).toBe(true);
    expect(b.requests.some((r) => r.path === 'Admin/fieldManager/Lead')).toBe(false);
  });

  it('uses the credentials it is given', async () => {
    const sandbox = await sandboxWith({ admin: { username: 'boss', password: 'pw-1' }, apiKey: 'key-1', hmac: { apiKey: 'hkey', secret: 'hsecret' } });
    expect(sandbox.credentials).toEqual({ admin: { username: 'boss', password: 'pw-1' }, apiKey: 'key-1', hmac: { apiKey: 'hkey', secret: 'hsecret' } });
    expect(((await call(sandbox, 'App/user')).json as { user: { userName: string } }).user.userName).toBe('boss');
    expect((await call(sandbox, 'App/user', { auth: 'hmac' })).status).toBe(200);
  });

  it('logs each request with its auth kind, status and reason', async () => {
    const sandbox = await sandboxWith();
    await call(sandbox, 'Lead/layout/nope?x=1');
    const entry = sandbox.requests.at(-1);
    expect(entry).toMatchObject({ method: 'GET', path: 'Lead/layout/nope', query: 'x=1', auth: 'espo-password', status: 404, reason: 'Layout Lead:nope is not found.' });
    expect(typeof entry?.durationMs).toBe('number');
  });
});

describe('sandbox fault injection', () => {
  it('adds latency and then answers normally', async () => {
    const sandbox = await sandboxWith();
    sandbox.faults.add({ path: 'App/about', kind: 'latency', ms: 30 });
    const result = await call(sandbox, 'App/about');
    expect(result.status).toBe(200);
    expect(sandbox.requests.at(-1)).toMatchObject({ path: 'App/about', fault: 'latency', status: 200 });
  });

  it('answers with a 5xx for the given number of times, for the matching method only', async () => {
    const sandbox = await sandboxWith();
    sandbox.faults.add({ method: 'GET', path: /^Lead/, kind: 'status', status: 502, times: 2 });
    expect((await call(sandbox, 'Lead?maxSize=1')).status).toBe(502);
    expect((await call(sandbox, 'Lead', { method: 'POST', body: { lastName: 'Fault' } })).status).toBe(200);
    expect((await call(sandbox, 'Lead/layout/list')).status).toBe(502);
    expect((await call(sandbox, 'Lead?maxSize=1')).status).toBe(200);
  });

  it('resets the connection', async () => {
    const sandbox = await sandboxWith();
    sandbox.faults.add({ path: 'App/user', kind: 'reset', times: 1 });
    await expect(call(sandbox, 'App/user')).rejects.toThrow();
    expect((await call(sandbox, 'App/user')).status).toBe(200);
  });

  it('hangs until the sandbox closes, and clear() removes the rules', async () => {
    const sandbox = await sandboxWith();
    sandbox.faults.add({ path: 'Metadata', kind: 'hang' });
    sandbox.faults.add({ path: 'App/about', kind: 'status', status: 500 });
    const hanging = call(sandbox, 'Metadata').then(
      () => 'answered',
      () => 'failed',
    );
    const settled = await Promise.race([hanging, new Promise((resolve) => setTimeout(() => resolve('pending'), 100))]);
    expect(settled).toBe('pending');
    sandbox.faults.clear();
    expect((await call(sandbox, 'App/about')).status).toBe(200);
    await sandbox.close();
    expect(await hanging).toBe('failed');
  });
});
