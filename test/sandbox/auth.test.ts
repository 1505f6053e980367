import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { adminToken, call, hmacHeader } from './client.js';

describe('sandbox authentication', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ leads: 3, contacts: 0, accounts: 0, lockout: false });
  });
  afterAll(() => sandbox.close());

  it('creates a new token on every password login and accepts it as a token login', async () => {
    const first = await call(sandbox, 'App/user');
    const second = await call(sandbox, 'App/user');
    const body = first.json as { token: string; user: { token: string; type: string; userName: string }; settings: { version: string; siteUrl: string } };
    expect(first.status).toBe(200);
    expect(Object.keys(body)).toEqual(['user', 'acl', 'preferences', 'token', 'settings', 'language', 'appParams']);
    expect(body.user.type).toBe('admin');
    expect(body.user.token).toBe(body.token);
    expect(body.settings).toMatchObject({ version: '9.1.7', siteUrl: sandbox.url });
    expect((second.json as { token: string }).token).not.toBe(body.token);

    const byToken = await call(sandbox, 'App/user', { auth: { token: body.token } });
    expect(byToken.status).toBe(200);
    expect((byToken.json as { token: string }).token).toBe(body.token);
    const kinds = sandbox.requests.slice(-3).map((r) => r.auth);
    expect(kinds).toEqual(['espo-password', 'espo-password', 'espo-token']);
  });

  it('answers 401 with an empty body and no reason, challenging only plain anonymous GETs', async () => {
    const anonymous = await call(sandbox, 'App/user', { auth: 'none' });
    expect(anonymous).toMatchObject({ status: 401, reason: undefined, text: '' });
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm=""');
    expect(anonymous.headers.get('content-type')).toBe('text/html; charset=UTF-8');

    const post = await call(sandbox, 'App/destroyAuthToken', { auth: 'none', method: 'POST', body: {} });
    expect(post.status).toBe(401);
    expect(post.headers.get('www-authenticate')).toBeNull();
    const xhr = await call(sandbox, 'Lead', { auth: 'none', headers: { 'X-Requested-With': 'XMLHttpRequest' } });
    expect(xhr.headers.get('www-authenticate')).toBeNull();
    const wrong = await call(sandbox, 'App/user', { auth: { basic: `${sandbox.credentials.admin.username}:wrong` } });
    expect(wrong).toMatchObject({ status: 401, reason: undefined, text: '' });
    expect(wrong.headers.get('www-authenticate')).toBeNull();
  });

  it('rejects an Espo-Authorization value without a colon with 400', async () => {
    const result = await call(sandbox, 'App/user', { auth: { espo: Buffer.from('no-colon-here').toString('base64') } });
    expect(result).toMatchObject({ status: 400, reason: 'Auth: Bad authorization string provided.' });
  });

  it('accepts Basic with the password only (a token as Basic password is refused)', async () => {
    const token = await adminToken(sandbox);
    const ok = await call(sandbox, 'App/user', { auth: 'basic' });
    expect(ok.status).toBe(200);
    expect((ok.json as { token: unknown }).token).toBeNull();
    const withToken = await call(sandbox, 'App/user', { auth: { basic: `${sandbox.credentials.admin.username}:${token}` } });
    expect(withToken.status).toBe(401);
  });

  it('binds a token to a secret cookie when asked to (the token-secret trap)', async () => {
    const { username, password } = sandbox.credentials.admin;
    const login = await call(sandbox, 'App/user', {
      auth: { espo: Buffer.from(`${username}:${password}`).toString('base64') },
      headers: { 'Espo-Authorization-Create-Token-Secret': 'true' },
    });
    const token = (login.json as { token: string }).token;
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^auth-token-secret=[0-9a-f]+;/);
    expect((await call(sandbox, 'App/user', { auth: { token } })).status).toBe(401);
    const withCookie = await call(sandbox, 'App/user', { auth: { token }, headers: { Cookie: cookie.split(';')[0] as string } });
    expect(withCookie.status).toBe(200);
  });

  it('destroys a token with App/destroyAuthToken', async () => {
    const token = await adminToken(sandbox);
    const destroyed = await call(sandbox, 'App/destroyAuthToken', { method: 'POST', auth: { token }, body: { token } });
    expect(destroyed.json).toBe(true);
    expect((await call(sandbox, 'App/user', { auth: { token } })).status).toBe(401);
    const again = await call(sandbox, 'App/destroyAuthToken', { method: 'POST', body: { token } });
    expect(again.json).toBe(false);
  });

  it('authenticates API users by key and by HMAC (hex and legacy raw), never with the query in the signature', async () => {
    const { hmac } = sandbox.credentials;
    expect((await call(sandbox, 'App/user', { auth: 'api' })).status).toBe(200);
    expect((await call(sandbox, 'Lead?maxSize=1', { auth: 'hmac' })).status).toBe(200);
    const raw = hmacHeader(hmac.apiKey, hmac.secret, 'GET', '/App/user', 'raw');
    expect((await call(sandbox, 'App/user', { auth: 'none', headers: { 'X-Hmac-Authorization': raw } })).status).toBe(200);
    const withQuery = hmacHeader(hmac.apiKey, hmac.secret, 'GET', '/Lead?maxSize=1');
    expect((await call(sandbox, 'Lead?maxSize=1', { auth: 'none', headers: { 'X-Hmac-Authorization': withQuery } })).status).toBe(401);
    const badSecret = hmacHeader(hmac.apiKey, 'wrong', 'GET', '/App/user');
    expect((await call(sandbox, 'App/user', { auth: 'none', headers: { 'X-Hmac-Authorization': badSecret } })).status).toBe(401);
    const wrongMethod = hmacHeader(hmac.apiKey, hmac.secret, 'POST', '/App/user');
    expect((await call(sandbox, 'App/user', { auth: 'none', headers: { 'X-Hmac-Authorization': wrongMethod } })).status).toBe(401);
    expect((await call(sandbox, 'App/user', { auth: { apiKey: 'nope' } })).status).toBe(401);
  });

  it('never lets API users be admins: 403 with an empty reason on every admin route', async () => {
    const adminCalls: [string, string, unknown?][] = [
      ['GET', 'Admin/fieldManager/Lead/status'],
      ['POST', 'Admin/fieldManager/Lead', { name: 'x1', type: 'varchar' }],
      ['DELETE', 'Admin/fieldManager/Lead/status'],
      ['POST', 'Admin/rebuild'],
      ['POST', 'Admin/clearCache'],
      ['PUT', 'Lead/layout/list', [{ name: 'name' }]],
      ['POST', 'Layout/action/resetToDefault', { scope: 'Lead', name: 'list' }],
      ['GET', 'Metadata/action/get?key=entityDefs.Lead'],
      ['POST', 'User', { userName: 'x', type: 'api' }],
    ];
    for (const auth of ['api', 'hmac'] as const) {
      for (const [method, path, body] of adminCalls) {
        const result = await call(sandbox, path, { method, auth, body });
        expect({ path, status: result.status, reason: result.reason }).toEqual({ path, status: 403, reason: '' });
      }
    }
  });

  it('gives API users the access of their role: read Lead/Contact/Account, no create, nothing else', async () => {
    expect((await call(sandbox, 'Lead?maxSize=2', { auth: 'api' })).status).toBe(200);
    expect((await call(sandbox, 'Lead/layout/detail', { auth: 'api' })).status).toBe(200);
    expect(await call(sandbox, 'Lead', { method: 'POST', auth: 'api', body: { lastName: 'X' } })).toMatchObject({ status: 403, reason: 'No create access.' });
    expect(await call(sandbox, 'Opportunity?maxSize=2', { auth: 'api' })).toMatchObject({ status: 403, reason: 'No read access.' });
    const merge = await call(sandbox, 'Action', { method: 'POST', auth: 'api', body: { entityType: 'Lead', action: 'merge', id: 'x', data: { sourceIdList: ['y'], attributes: {} } } });
    expect(merge).toMatchObject({ status: 403, reason: '' });
  });

  it('lets an admin create API users with POST User, with a role from POST Role', async () => {
    const role = await call(sandbox, 'Role', { method: 'POST', body: { name: 'read contacts', data: { Contact: { create: 'no', read: 'all', edit: 'no', delete: 'no', stream: 'no' } } } });
    const roleId = (role.json as { id: string }).id;
    const created = await call(sandbox, 'User', { method: 'POST', body: { userName: 'hmac-user', type: 'api', authMethod: 'Hmac', isActive: true, rolesIds: [roleId] } });
    const user = created.json as { apiKey: string; secretKey: string; type: string; rolesIds: string[] };
    expect(user).toMatchObject({ type: 'api', rolesIds: [roleId] });
    const header = hmacHeader(user.apiKey, user.secretKey, 'GET', '/Contact');
    expect((await call(sandbox, 'Contact', { auth: 'none', headers: { 'X-Hmac-Authorization': header } })).status).toBe(200);
    const lead = hmacHeader(user.apiKey, user.secretKey, 'GET', '/Lead');
    expect(await call(sandbox, 'Lead', { auth: 'none', headers: { 'X-Hmac-Authorization': lead } })).toMatchObject({ status: 403, reason: 'No read access.' });
  });

  it('keeps secrets out of the request log', async () => {
    const { admin, apiKey, hmac } = sandbox.credentials;
    const logged = JSON.stringify(sandbox.requests);
    for (const secret of [admin.password, apiKey, hmac.apiKey, hmac.secret]) expect(logged).not.toContain(secret);
  });
});

describe('sandbox login lockout', () => {
  it('answers 403 with an empty reason once more than maxFailed logins failed within the window', async () => {
    const sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, lockout: { maxFailed: 2, windowMs: 60_000 } });
    try {
      const token = await adminToken(sandbox);
      const wrong = { basic: `${sandbox.credentials.admin.username}:wrong` };
      for (let i = 0; i < 3; i += 1) expect((await call(sandbox, 'App/user', { auth: wrong })).status).toBe(401);
      // failed token-only requests neither count nor are locked out
      expect((await call(sandbox, 'App/user', { auth: { token: 'not-a-token' } })).status).toBe(401);
      expect((await call(sandbox, 'App/user', { auth: { token } })).status).toBe(200);
      // every other login is refused before its credentials are looked at, good ones included
      expect(await call(sandbox, 'App/user', { auth: 'admin' })).toMatchObject({ status: 403, reason: '', text: '' });
      expect((await call(sandbox, 'App/user', { auth: 'api' })).status).toBe(403);
      // unauthenticated endpoints stay reachable
      expect((await call(sandbox, 'Settings', { auth: 'none' })).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it('clears once the window has passed', async () => {
    const sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, lockout: { maxFailed: 1, windowMs: 1_000 } });
    try {
      const wrong = { basic: `${sandbox.credentials.admin.username}:wrong` };
      await call(sandbox, 'App/user', { auth: wrong });
      await call(sandbox, 'App/user', { auth: wrong });
      expect((await call(sandbox, 'App/user', { auth: 'admin' })).status).toBe(403);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await call(sandbox, 'App/user', { auth: 'admin' })).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it('can be switched off', async () => {
    const sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, lockout: false });
    try {
      for (let i = 0; i < 15; i += 1) await call(sandbox, 'App/user', { auth: { apiKey: 'wrong' } });
      expect((await call(sandbox, 'App/user', { auth: 'admin' })).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});
