/**
 * The provisioning core: its pure decisions (which role to reuse, what to do about an existing user,
 * the rollback), and the whole run against a sandbox CRM over loopback: fresh, rerun, and failures at
 * each later step leaving no user or role behind (and never deleting reused ones).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  apiUserNameFor,
  DEFAULT_ROLE_NAME,
  grantsRead,
  pickRole,
  planUser,
  provisionTenant,
  ProvisionError,
  readRoleData,
  Rollback,
  type ProvisionedSecrets,
} from '../../src/lifecycle/provision.js';
import type { RoleRecord, UserRecord } from '../../src/espo/api/users.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const role = (id: string, data: RoleRecord['data']): RoleRecord => ({ id, name: DEFAULT_ROLE_NAME, data });
const user = (over: Partial<UserRecord>): UserRecord => ({ id: 'u1', userName: 'mcp-api-acme', type: 'api', isActive: true, authMethod: 'ApiKey', rolesIds: [], ...over });

describe('provisioning decisions (pure)', () => {
  it('a role reads enough only with read "all" on Lead, Contact and Account', () => {
    expect(grantsRead({ data: readRoleData() })).toBe(true);
    expect(readRoleData().Lead).toEqual({ create: 'no', read: 'all', edit: 'no', delete: 'no', stream: 'no' });
    expect(grantsRead({ data: { ...readRoleData(), Account: { read: 'own' } } })).toBe(false);
    const { Contact: _c, ...noContact } = readRoleData();
    expect(grantsRead({ data: noContact })).toBe(false);
    expect(grantsRead({ data: { Lead: true, Contact: { read: 'all' }, Account: { read: 'all' } } })).toBe(false);
  });

  it('picks the first role of the name that reads enough, else none', () => {
    const weak = role('r1', { Lead: { read: 'team' } });
    const good = role('r2', readRoleData());
    expect(pickRole([weak, good])?.id).toBe('r2');
    expect(pickRole([weak])).toBeUndefined();
    expect(pickRole([])).toBeUndefined();
  });

  it('creates a missing user, reuses a matching API user (adding the role when missing), refuses the rest clearly', () => {
    const want = { userName: 'mcp-api-acme', authMethod: 'ApiKey' as const, roleId: 'r1' };
    expect(planUser(undefined, want)).toEqual({ action: 'create' });
    expect(planUser(user({ rolesIds: ['r1'] }), want)).toMatchObject({ action: 'reuse', addRole: false });
    expect(planUser(user({ rolesIds: ['other'] }), want)).toMatchObject({ action: 'reuse', addRole: true });
    expect(planUser(user({ authMethod: null }), want)).toMatchObject({ action: 'reuse' });
    expect(() => planUser(user({ type: 'regular' }), want)).toThrow(/exists already and is not an API user .*--api-user NAME/);
    expect(() => planUser(user({ authMethod: 'Hmac' }), want)).toThrow(/authentication method .*Hmac.*run with --hmac|run without --hmac/);
    expect(() => planUser(user({}), { ...want, authMethod: 'Hmac' })).toThrow(/run without --hmac/);
    expect(() => planUser(user({ isActive: false }), want)).toThrow(/not active/);
  });

  it('names the API user after the tenant', () => {
    expect(apiUserNameFor('coach-vero')).toBe('mcp-api-coach-vero');
  });

  it('rolls back newest first, goes on past a failing step and says what it could not take back', async () => {
    const order: string[] = [];
    const r = new Rollback();
    r.add('role deleted', async () => void order.push('role'));
    r.add('user deleted', async () => {
      order.push('user');
      throw new Error('boom');
    });
    r.add('roles put back', async () => void order.push('roles'));
    const result = await r.run();
    expect(order).toEqual(['roles', 'user', 'role']);
    expect(result.undone).toEqual(['roles put back', 'role deleted']);
    expect(result.failed).toEqual(['user deleted (boom)']);
    expect(await r.run()).toEqual({ undone: [], failed: [] });
  });
});

describe('provisionTenant against a sandbox', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ leads: 2, contacts: 1, accounts: 1, name: 'acme', lockout: false });
  });
  afterAll(async () => sb?.close());
  beforeEach(() => {
    sb.faults.clear();
    for (const u of sb.state.users.allUsers()) if (u.userName.startsWith('mcp-api-')) sb.state.users.removeUser(u.id);
    for (const r of sb.state.users.allRoles()) if (r.name === DEFAULT_ROLE_NAME) sb.state.users.removeRole(r.id);
  });

  const input = (over: Partial<Parameters<typeof provisionTenant>[0]> = {}) => ({ tenantId: 'acme', url: sb.url, admin: sb.credentials.admin, ...over });
  const made = () => ({
    users: sb.state.users.allUsers().filter((u) => u.userName.startsWith('mcp-api-')),
    roles: sb.state.users.allRoles().filter((r) => r.name === DEFAULT_ROLE_NAME),
  });

  it('creates a read role and an API user, hands over its key, and a rerun reuses both', async () => {
    let stored: ProvisionedSecrets | undefined;
    const first = await provisionTenant(input(), { commit: async (s) => void (stored = s) });
    expect(first.role.status).toBe('created');
    expect(first.user).toMatchObject({ userName: 'mcp-api-acme', authMethod: 'ApiKey', status: 'created' });
    const { users, roles } = made();
    expect(users).toHaveLength(1);
    expect(roles).toHaveLength(1);
    expect(users[0]!.type).toBe('api');
    expect(users[0]!.roleIds).toEqual([roles[0]!.id]);
    expect(roles[0]!.data).toEqual(readRoleData());
    expect(roles[0]!.permissions).toMatchObject({ assignmentPermission: 'no', userPermission: 'no' });
    expect(stored).toEqual({ apiKey: users[0]!.apiKey, adminPassword: sb.credentials.admin.password });

    const second = await provisionTenant(input(), { commit: async () => undefined });
    expect(second.role).toEqual({ ...first.role, status: 'reused' });
    expect(second.user).toMatchObject({ id: first.user.id, status: 'reused' });
    expect(made().users).toHaveLength(1);
    expect(made().roles).toHaveLength(1);
  });

  it('makes an Hmac user with --hmac and hands over its secret', async () => {
    let stored: ProvisionedSecrets | undefined;
    const r = await provisionTenant(input({ hmac: true }), { commit: async (s) => void (stored = s) });
    expect(r.user.authMethod).toBe('Hmac');
    const u = made().users[0]!;
    expect(stored).toMatchObject({ apiKey: u.apiKey, hmacSecret: u.secretKey });
  });

  it('a failing commit (secrets or tenants.json) deletes the user and role this run created', async () => {
    const err = await provisionTenant(input(), {
      commit: async () => {
        throw new Error('disk full');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect((err as Error).message).toMatch(/while storing the secrets and writing tenants.json: disk full\. Taken back: API user "mcp-api-acme" deleted, role "MCP API read CRM" deleted\./);
    expect(made()).toEqual({ users: [], roles: [] });
  });

  it('a failing user creation deletes the role just made', async () => {
    sb.faults.add({ method: 'POST', path: 'User', kind: 'status', status: 500, times: 1 });
    const err = await provisionTenant(input(), { commit: async () => undefined }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/while creating the API user: .*Taken back: role "MCP API read CRM" deleted/s);
    expect(made()).toEqual({ users: [], roles: [] });
  });

  it('a failing live check takes everything back; reused role and user are kept, an added role is removed again', async () => {
    const keptRole = sb.state.users.addRole({ name: DEFAULT_ROLE_NAME, data: readRoleData() });
    const keptUser = sb.state.users.addUser({ userName: 'mcp-api-acme', type: 'api', authMethod: 'ApiKey', roleIds: [] });
    // The API user cannot read Contact (GET Contact refused more times than the client retries).
    sb.faults.add({ method: 'GET', path: 'Contact', kind: 'status', status: 503, times: 10 });
    const err = await provisionTenant(input(), { commit: async () => undefined }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/while checking the new API user live: .*Taken back: roles of API user "mcp-api-acme" put back\./s);
    expect((err as Error).message).not.toMatch(/deleted/);
    expect(sb.state.users.user(keptUser.id)?.roleIds).toEqual([]);
    expect(sb.state.users.role(keptRole.id)).toBeDefined();
  });

  it('an existing regular user of that name is a clear error; the role made on the way is deleted', async () => {
    sb.state.users.addUser({ userName: 'mcp-api-acme', type: 'regular', password: 'x' });
    const err = await provisionTenant(input(), { commit: async () => undefined }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/a user named "mcp-api-acme" exists already and is not an API user .*Taken back: role .* deleted/s);
    expect(made().roles).toEqual([]);
  });

  it('checks the admin login and the instance before making anything', async () => {
    const before = sb.requests.length;
    const wrong = await provisionTenant(input({ admin: { username: 'admin', password: 'wrong' } }), { commit: async () => undefined }).catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(/^Nothing was created: the admin login failed/);
    const elsewhere = await provisionTenant(input({ siteUrl: 'https://crm.other.example' }), { commit: async () => undefined }).catch((e: unknown) => e);
    expect((elsewhere as Error).message).toMatch(/^Nothing was created: the CRM reports siteUrl .*--site-url/);
    expect(sb.requests.slice(before).filter((r) => r.method !== 'GET' && r.path !== 'App/destroyAuthToken')).toEqual([]);
  });
});
