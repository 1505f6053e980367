/**
 * The sandbox's Role, User and UserSecurity routes (docs/espocrm.md, "Users, roles and credentials
 * (lifecycle)"), driven through the project's client functions (src/espo/api/users.ts) over HTTP,
 * with raw calls where the exact status and X-Status-Reason matter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EspoClient } from '../../src/espo/client.js';
import { EspoAuthError, EspoError, EspoForbiddenError, EspoNotFoundError, EspoServerError } from '../../src/espo/errors.js';
import { writeAccess, type WriteClient } from '../../src/espo/writeAccess.js';
import { users } from '../../src/espo/api/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, hmacHeader } from './client.js';

let sb: Sandbox;
let client: WriteClient;
const clients: EspoClient[] = [];

async function errorOf(p: Promise<unknown>): Promise<EspoError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EspoError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

function adminClient(sandbox: Sandbox, password = sandbox.credentials.admin.password, username = sandbox.credentials.admin.username): WriteClient {
  const c = new EspoClient({ tenantId: `t${clients.length}`, url: sandbox.apiUrl, admin: { username, password: async () => password } });
  clients.push(c);
  return writeAccess(c);
}

const readCrm = { Lead: { create: 'no', read: 'all', edit: 'no', delete: 'no', stream: 'no' } } as const;

beforeAll(async () => {
  sb = await startSandbox({ leads: 3, contacts: 1, accounts: 1, seed: 3 });
  client = adminClient(sb);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await sb.close();
});

describe('Role', () => {
  it('creates, finds by name (equals), reads, deletes; a second delete is 404', async () => {
    const role = await users.createRole(client, { name: 'Lifecycle role', data: readCrm });
    expect(role).toMatchObject({ name: 'Lifecycle role', data: readCrm });
    await users.createRole(client, { name: 'Other role', data: {} });
    const found = await users.findRoles(client, 'Lifecycle role');
    expect(found.map((r) => r.id)).toEqual([role.id]);
    expect(await users.findRoles(client, 'lifecycle ROLE')).toHaveLength(1); // MySQL's case-insensitive collation
    expect(await users.findRoles(client, 'No such role')).toEqual([]);

    expect(await users.deleteRole(client, role.id)).toBe(true);
    expect(await users.findRoles(client, 'Lifecycle role')).toEqual([]);
    const again = await errorOf(users.deleteRole(client, role.id));
    expect(again).toBeInstanceOf(EspoNotFoundError);
    expect(again.reason).toBe(`Record ${role.id} not found.`);
  });

  it('deleting a role takes it away from its users (and their access)', async () => {
    const role = await users.createRole(client, { name: 'Temp read', data: readCrm });
    const api = await users.createApiUser(client, { userName: 'temp-reader', authMethod: 'ApiKey', rolesIds: [role.id] });
    const key = (await users.readUser(client, api.id)).apiKey as string;
    expect((await call(sb, 'Lead?maxSize=1', { auth: { apiKey: key } })).status).toBe(200);
    await users.deleteRole(client, role.id);
    expect((await users.readUser(client, api.id)).rolesIds).toEqual([]);
    expect((await call(sb, 'Lead?maxSize=1', { auth: { apiKey: key } })).status).toBe(403);
    await users.deleteUser(client, api.id);
  });

  it('lists honour maxSize 0 (only the total), offset and select; unknown attributes and types are 400', async () => {
    const all = await call(sb, 'Role');
    const total = (all.json as { total: number }).total;
    expect(total).toBeGreaterThanOrEqual(2);
    expect(await call(sb, 'Role?maxSize=0').then((r) => r.json)).toEqual({ total, list: [] });
    const second = await call(sb, 'Role?maxSize=1&offset=1&select=name');
    expect(second.json).toEqual({ total, list: [{ id: expect.any(String), name: expect.any(String) }] });
    const bad = await call(sb, 'Role?where[0][type]=equals&where[0][attribute]=nope&where[0][value]=x');
    expect([bad.status, bad.reason]).toEqual([400, "Not existing attribute 'nope' in where."]);
    const badType = await call(sb, 'Role?where[0][type]=sounds&where[0][attribute]=name&where[0][value]=x');
    expect([badType.status, badType.reason]).toEqual([400, "Unknown where item type 'sounds'."]);
  });
});

describe('User', () => {
  it('an API user (ApiKey): created, found by userName, read back with its key (admin only), the key works', async () => {
    const role = await users.createRole(client, { name: 'Api read', data: readCrm });
    const created = await users.createApiUser(client, { userName: 'life-api', authMethod: 'ApiKey', rolesIds: [role.id, 'unknownrole00000'] });
    expect(created).toMatchObject({ userName: 'life-api', type: 'api', authMethod: 'ApiKey', rolesIds: [role.id] });
    expect(typeof created.apiKey).toBe('string');

    const found = await users.findUser(client, 'life-api');
    expect(found?.id).toBe(created.id);
    expect(found).not.toHaveProperty('apiKey');
    expect(await users.findUser(client, 'nobody-here')).toBeUndefined();

    const read = await users.readUser(client, created.id);
    expect(read.apiKey).toBe(created.apiKey);
    expect(read).not.toHaveProperty('secretKey');
    expect((await call(sb, 'Lead?maxSize=1', { auth: { apiKey: read.apiKey as string } })).status).toBe(200);
  });

  it('an Hmac API user is read back with its secretKey, which signs requests', async () => {
    const created = await users.createApiUser(client, { userName: 'life-hmac', authMethod: 'Hmac', rolesIds: [] });
    const read = await users.readUser(client, created.id);
    expect(read.secretKey).toBe(created.secretKey);
    const header = hmacHeader(read.apiKey as string, read.secretKey as string, 'GET', '/App/user');
    expect((await call(sb, 'App/user', { auth: 'none', headers: { 'X-Hmac-Authorization': header } })).status).toBe(200);
  });

  it('lists filter by type (equals, in), isActive (isTrue/isFalse), count with maxSize 0, select; never carry secrets', async () => {
    const r = await users.createRole(client, { name: 'List role', data: {} });
    const a = await users.createApiUser(client, { userName: 'list-a', authMethod: 'ApiKey', rolesIds: [r.id] });
    await users.createApiUser(client, { userName: 'list-b', authMethod: 'Hmac', rolesIds: [] });
    await users.updateUser(client, a.id, { isActive: false });
    const count = async (query: string) => ((await call(sb, `User?maxSize=0&${query}`)).json as { total: number; list: unknown[] });
    const state = sb.state.users.allUsers();
    const expected = (pred: (u: (typeof state)[number]) => boolean) => sb.state.users.allUsers().filter(pred).length;

    const apiActive = await count('where[0][type]=isTrue&where[0][attribute]=isActive&where[1][type]=equals&where[1][attribute]=type&where[1][value]=api');
    expect(apiActive).toEqual({ total: expected((u) => u.isActive && u.type === 'api'), list: [] });
    const inactive = await count('where[0][type]=isFalse&where[0][attribute]=isActive');
    expect(inactive.total).toBe(expected((u) => !u.isActive));
    expect(inactive.total).toBeGreaterThanOrEqual(1);
    const adminsOrApi = await count('where[0][type]=in&where[0][attribute]=type&where[0][value][]=admin&where[0][value][]=api');
    expect(adminsOrApi.total).toBe(expected((u) => u.type === 'admin' || u.type === 'api'));

    const rows = await call(sb, 'User?select=userName,apiKey,secretKey,password&maxSize=200');
    expect(rows.text).not.toMatch(/apiKey|secretKey|password/);
    expect(rows.text).not.toContain(sb.credentials.apiKey);
    const first = (rows.json as { list: Record<string, unknown>[] }).list[0]!;
    expect(Object.keys(first).sort()).toEqual(['id', 'isActive', 'type', 'userName']);
    const paged = await call(sb, 'User?maxSize=1&offset=1');
    expect((paged.json as { list: unknown[] }).list).toHaveLength(1);
  });

  it('PUT User: roles (unknown ids dropped), isActive, lastName; an inactive API user is refused', async () => {
    const role = await users.createRole(client, { name: 'Put role', data: readCrm });
    const u = await users.createApiUser(client, { userName: 'put-api', authMethod: 'ApiKey', rolesIds: [] });
    const updated = await users.updateUser(client, u.id, { rolesIds: [role.id, 'nope0000000000000'], lastName: 'Renamed' });
    expect(updated).toMatchObject({ rolesIds: [role.id], lastName: 'Renamed', isActive: true });
    expect((await call(sb, 'Lead?maxSize=1', { auth: { apiKey: u.apiKey as string } })).status).toBe(200);
    expect(await users.updateUser(client, u.id, { isActive: false })).toMatchObject({ isActive: false });
    expect((await call(sb, 'Lead?maxSize=1', { auth: { apiKey: u.apiKey as string } })).status).toBe(401);
    const missing = await errorOf(users.updateUser(client, 'nouser0000000000', { lastName: 'x' }));
    expect([missing.status, missing.reason]).toEqual([404, 'Record nouser0000000000 not found.']);
  });

  it('DELETE User: true, the key stops working, a second delete 404; an admin cannot delete itself (403)', async () => {
    const u = await users.createApiUser(client, { userName: 'del-api', authMethod: 'ApiKey', rolesIds: [] });
    expect(await users.deleteUser(client, u.id)).toBe(true);
    expect((await call(sb, 'App/user', { auth: { apiKey: u.apiKey as string } })).status).toBe(401);
    expect(await users.findUser(client, 'del-api')).toBeUndefined();
    expect((await errorOf(users.deleteUser(client, u.id))).status).toBe(404);
    const self = await errorOf(users.deleteUser(client, sb.state.admin.id));
    expect(self).toBeInstanceOf(EspoForbiddenError);
    expect(self.reason).toBe("Can't delete own user.");
    expect(sb.state.users.user(sb.state.admin.id)).toBeDefined();
  });

  it('every User and Role route is admin-only: 403 with an empty reason for API users and regular users', async () => {
    const regular = sb.state.users.addUser({ userName: 'plain-user', type: 'regular', password: 'plain-pass-1' });
    const asRegular = { basic: 'plain-user:plain-pass-1' } as const;
    const target = sb.state.apiUser.id;
    const cases: [string, string, unknown?][] = [
      ['GET', 'User'], ['GET', `User/${target}`], ['PUT', `User/${target}`, { lastName: 'x' }], ['DELETE', `User/${target}`],
      ['POST', 'User', { userName: 'x', type: 'api' }], ['GET', 'Role'], ['POST', 'Role', { name: 'x' }], ['DELETE', `Role/${sb.state.apiUser.roleIds[0]}`],
      ['POST', 'UserSecurity/apiKey/generate', { id: target }],
    ];
    for (const auth of ['api', 'hmac', asRegular] as const) {
      for (const [method, path, body] of cases) {
        const res = await call(sb, path, { method, auth, ...(body !== undefined ? { body } : {}) });
        expect([method, path, res.status, res.reason, res.text]).toEqual([method, path, 403, '', '']);
      }
    }
    expect(sb.state.users.user(target)?.lastName).not.toBe('x');
    expect((await call(sb, 'App/user', { auth: 'api' })).status).toBe(200);
    sb.state.users.removeUser(regular.id);
  });
});

describe('UserSecurity/apiKey/generate', () => {
  it('ApiKey user: a new key answered and read back; the old key is refused at once', async () => {
    const u = await users.createApiUser(client, { userName: 'rot-api', authMethod: 'ApiKey', rolesIds: [] });
    const old = u.apiKey as string;
    const rotated = await users.generateApiKey(client, u.id);
    expect(rotated.id).toBe(u.id);
    expect(typeof rotated.apiKey).toBe('string');
    expect(rotated.apiKey).not.toBe(old);
    expect(rotated).not.toHaveProperty('secretKey');
    expect((await users.readUser(client, u.id)).apiKey).toBe(rotated.apiKey);
    expect((await call(sb, 'App/user', { auth: { apiKey: old } })).status).toBe(401);
    expect((await call(sb, 'App/user', { auth: { apiKey: rotated.apiKey as string } })).status).toBe(200);
  });

  it('Hmac user: a new key and a new secret; the old pair is refused', async () => {
    const u = await users.createApiUser(client, { userName: 'rot-hmac', authMethod: 'Hmac', rolesIds: [] });
    const rotated = await users.generateApiKey(client, u.id);
    expect(rotated.apiKey).not.toBe(u.apiKey);
    expect(typeof rotated.secretKey).toBe('string');
    expect(rotated.secretKey).not.toBe(u.secretKey);
    const sign = (k: unknown, s: unknown) => ({ 'X-Hmac-Authorization': hmacHeader(k as string, s as string, 'GET', '/App/user') });
    expect((await call(sb, 'App/user', { auth: 'none', headers: sign(u.apiKey, u.secretKey) })).status).toBe(401);
    expect((await call(sb, 'App/user', { auth: 'none', headers: sign(rotated.apiKey, rotated.secretKey) })).status).toBe(200);
  });

  it('an unknown user is 404, a user that is not an API user 403, no id 400 (empty reasons)', async () => {
    const unknown = await errorOf(users.generateApiKey(client, 'nouser0000000000'));
    expect([unknown.constructor, unknown.status, unknown.reason]).toEqual([EspoNotFoundError, 404, '']);
    const notApi = await errorOf(users.generateApiKey(client, sb.state.admin.id));
    expect([notApi.constructor, notApi.status, notApi.reason]).toEqual([EspoForbiddenError, 403, '']);
    const noId = await call(sb, 'UserSecurity/apiKey/generate', { method: 'POST', body: {} });
    expect([noId.status, noId.reason]).toEqual([400, '']);
    const wrongMethod = await call(sb, 'UserSecurity/apiKey/generate', { method: 'GET' });
    expect(wrongMethod.status).toBe(404);
  });
});

describe('UserSecurity/password', () => {
  it('changes the own password (token session): true; the old password is refused, the new one logs in, the token stays valid', async () => {
    const sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, admin: { username: 'boss', password: 'old-pass-1' } });
    try {
      const me = adminClient(sandbox, 'old-pass-1', 'boss');
      expect(await users.changeOwnPassword(me, 'old-pass-1', 'new-pass-2')).toBe(true);
      // the client keeps its token: still valid after the change (the sandbox's assumption)
      expect((await users.findUser(me, 'boss'))?.type).toBe('admin');
      const oldLogin = await errorOf(users.findUser(adminClient(sandbox, 'old-pass-1', 'boss'), 'boss'));
      expect(oldLogin).toBeInstanceOf(EspoAuthError);
      expect((await users.findUser(adminClient(sandbox, 'new-pass-2', 'boss'), 'boss'))?.userName).toBe('boss');
    } finally {
      await sandbox.close();
    }
  });

  it('a wrong current password is 403 "Wrong password." and is not counted toward the lockout', async () => {
    const sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, lockout: { maxFailed: 2, windowMs: 60_000 } });
    try {
      const me = adminClient(sandbox);
      for (let i = 0; i < 4; i++) {
        const wrong = await errorOf(users.changeOwnPassword(me, 'not-the-password', 'whatever-9'));
        expect([wrong.constructor, wrong.status, wrong.reason]).toEqual([EspoForbiddenError, 403, 'Wrong password.']);
      }
      expect(sandbox.state.authLog.deniedCount('127.0.0.1')).toBe(0);
      // a fresh password login still works, and the password did not change
      expect((await call(sandbox, 'App/user')).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });

  it('an empty new password is EspoCRM\'s Error (500), a short one under passwordStrengthLength 403 "Password is weak.", missing fields 400', async () => {
    const sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0 });
    try {
      const me = adminClient(sandbox);
      const current = sandbox.credentials.admin.password;
      const empty = await errorOf(users.changeOwnPassword(me, current, ''));
      expect([empty.constructor, empty.status, empty.reason]).toEqual([EspoServerError, 500, "Password can't be empty."]);
      sandbox.state.settings.passwordStrengthLength = 10;
      const weak = await errorOf(users.changeOwnPassword(me, current, 'short-1'));
      expect([weak.status, weak.reason]).toEqual([403, 'Password is weak.']);
      const missing = await call(sandbox, 'UserSecurity/password', { method: 'PUT', body: { password: 'long-enough-1' } });
      expect([missing.status, missing.reason]).toEqual([400, 'No `password` or `currentPassword`.']);
      // nothing changed: the original password still logs in
      expect((await call(sandbox, 'App/user')).status).toBe(200);
      expect(await users.changeOwnPassword(me, current, 'long-enough-1')).toBe(true);
      expect((await call(sandbox, 'App/user')).status).toBe(401);
    } finally {
      await sandbox.close();
    }
  });

  it('API users are refused (403): they have no password', async () => {
    for (const auth of ['api', 'hmac'] as const) {
      const res = await call(sb, 'UserSecurity/password', { method: 'PUT', auth, body: { currentPassword: 'x', password: 'new-pass-3' } });
      expect([res.status, res.reason]).toEqual([403, 'Wrong password.']);
    }
    const anonymous = await call(sb, 'UserSecurity/password', { method: 'PUT', auth: 'none', body: { currentPassword: 'x', password: 'y' } });
    expect(anonymous.status).toBe(401);
  });
});
