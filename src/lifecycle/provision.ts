/**
 * Provisioning a tenant from its admin login alone (issue 18, `tenants add --provision`): check the
 * admin login and the instance (siteUrl), find or create a role that reads Lead, Contact and Account,
 * find or create an API user with that role, read its key as admin, check the new credentials live,
 * then let the caller store the secrets and write tenants.json (`commit`). A second run reuses the role
 * and the user. Nothing is left half-made: when a step after the first CRM write fails, what THIS run
 * created is deleted again (user, then role) and what it changed on a reused user is put back; reused
 * things are never deleted. Writes go through `withLifecycleWriter` (after the instance check).
 */
import type { TenantConfig } from '../config/types.js';
import { EspoClient } from '../espo/client.js';
import { getAppUser, users } from '../espo/api/index.js';
import type { RoleRecord, ScopeAccess, UserRecord } from '../espo/api/users.js';
import type { WriteClient } from '../espo/writeAccess.js';
import type { Logger } from '../log/logger.js';
import { describeError } from '../errors.js';
import { untrusted } from '../core/fence.js';
import { withLifecycleWriter } from '../pipeline/lifecycle.js';
import { InstanceGuard } from '../tenants/guard.js';

export const DEFAULT_ROLE_NAME = 'MCP API read CRM';
/** What the API user reads: the data tools (duplicates, usage, unused fields) work on these. */
export const READ_ENTITIES = ['Lead', 'Contact', 'Account'] as const;

/** The API user's name for a tenant: `mcp-api-<tenant id>`. */
export function apiUserNameFor(tenantId: string): string {
  return `mcp-api-${tenantId}`;
}

/** The role's `data`: read all, nothing else, on each entity (as in the recorded `role.create`). */
export function readRoleData(): Record<string, ScopeAccess> {
  const access: ScopeAccess = { create: 'no', read: 'all', edit: 'no', delete: 'no', stream: 'no' };
  return Object.fromEntries(READ_ENTITIES.map((e) => [e, { ...access }]));
}

/** The permissions the role is created with (none beyond reading). */
export const ROLE_PERMISSIONS = { assignmentPermission: 'no', userPermission: 'no' } as const;

/** True when the role grants at least "read all" on Lead, Contact and Account. */
export function grantsRead(role: Pick<RoleRecord, 'data'>): boolean {
  return READ_ENTITIES.every((e) => {
    const access = role.data?.[e];
    return typeof access === 'object' && access !== null && access.read === 'all';
  });
}

/** The first listed role that reads enough, or undefined (then one is created). */
export function pickRole(roles: readonly RoleRecord[]): RoleRecord | undefined {
  return roles.find(grantsRead);
}

export type UserPlan = { action: 'create' } | { action: 'reuse'; user: UserRecord; addRole: boolean };

/**
 * What to do about the API user: create it, or reuse the existing one of that name (adding the role
 * when it lacks it). An existing user that is not a usable API user of the right kind is a clear error.
 */
export function planUser(existing: UserRecord | undefined, want: { userName: string; authMethod: 'ApiKey' | 'Hmac'; roleId: string }): UserPlan {
  if (!existing) return { action: 'create' };
  const name = `"${want.userName}"`;
  if (existing.type !== 'api') {
    throw new ProvisionError(
      `a user named ${name} exists already and is not an API user (type ${untrusted(existing.type)}): rename it in EspoCRM, or choose another name with --api-user NAME`,
      'user_not_api',
    );
  }
  const method = existing.authMethod ?? 'ApiKey';
  if (method !== want.authMethod) {
    throw new ProvisionError(
      `the API user ${name} exists already with the authentication method ${untrusted(method)}, not ${want.authMethod}: ` +
        `${want.authMethod === 'Hmac' ? 'run without --hmac' : 'run with --hmac'} to reuse it, or choose another name with --api-user NAME`,
      'user_auth_method',
    );
  }
  if (!existing.isActive) {
    throw new ProvisionError(`the API user ${name} exists already but is not active: activate it in EspoCRM (Administration > API Users), or choose another name with --api-user NAME`, 'user_inactive');
  }
  return { action: 'reuse', user: existing, addRole: !(existing.rolesIds ?? []).includes(want.roleId) };
}

/** Undo steps, run newest first; says what it could and could not take back. */
export class Rollback {
  private readonly steps: Array<{ label: string; undo: () => Promise<unknown> }> = [];

  add(label: string, undo: () => Promise<unknown>): void {
    this.steps.push({ label, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  async run(): Promise<{ undone: string[]; failed: string[] }> {
    const undone: string[] = [];
    const failed: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.undo();
        undone.push(step.label);
      } catch (err) {
        failed.push(`${step.label} (${describeError(err)})`);
      }
    }
    return { undone, failed };
  }
}

export class ProvisionError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly undone: string[] = [],
    readonly notUndone: string[] = [],
  ) {
    super(message);
    this.name = 'ProvisionError';
  }
}

export interface ProvisionInput {
  tenantId: string;
  url: string;
  siteUrl?: string;
  admin: { username: string; password: string };
  /** An Hmac API user (key and secret) instead of an API-key one. */
  hmac?: boolean;
  roleName?: string;
  userName?: string;
}

export interface ProvisionedSecrets {
  apiKey: string;
  hmacSecret?: string;
  adminPassword: string;
}

export interface ProvisionDeps {
  /**
   * Stores the secrets and writes tenants.json; throws when it cannot (after taking back what it
   * stored). Runs last: a failure here deletes what this run created in the CRM.
   */
  commit(secrets: ProvisionedSecrets, made: ProvisionReport): Promise<void>;
  /** Each step, as it happens (no secrets). */
  progress?(line: string): void;
  logger?: Logger;
  signal?: AbortSignal;
  /** Connection settings of the clients (tests: short timeouts). */
  timeoutMs?: number;
}

export interface ProvisionReport {
  tenant: string;
  role: { id: string; name: string; status: 'created' | 'reused' };
  user: { id: string; userName: string; authMethod: 'ApiKey' | 'Hmac'; status: 'created' | 'reused' | 'reused, role added' };
  steps: string[];
}

/** Runs the provisioning; throws `ProvisionError` (what failed, what was taken back) when it did not complete. */
export async function provisionTenant(input: ProvisionInput, deps: ProvisionDeps): Promise<ProvisionReport> {
  const id = input.tenantId;
  const steps: string[] = [];
  const step = (line: string) => {
    steps.push(line);
    deps.progress?.(line);
  };
  const config: TenantConfig = {
    id,
    name: id,
    url: input.url,
    ...(input.siteUrl ? { siteUrl: input.siteUrl } : {}),
    readOnly: false,
    // The guard only needs to know there is an admin login; the password comes from `input`.
    admin: { username: input.admin.username, password: 'env:UNUSED' },
  };
  const client = newClient(input, deps, { admin: input.admin });
  const guard = new InstanceGuard(config, () => client);
  try {
    try {
      const me = await getAppUser(client, 'admin', { signal: deps.signal });
      step(`admin "${input.admin.username}" logged in (EspoCRM ${me.settings.version ?? 'version unknown'})`);
    } catch (err) {
      throw new ProvisionError(`Nothing was created: the admin login failed (${describeError(err)}).`, 'admin_login');
    }
    const g = await guard.check({ signal: deps.signal, fresh: true }).catch((err: unknown) => {
      throw new ProvisionError(`Nothing was created: the instance check failed (${describeError(err)}).`, 'instance_check');
    });
    if (!g.ok) {
      const hint = g.reported ? ` If it is the right CRM reached through another address, add --site-url ${g.reported}.` : '';
      throw new ProvisionError(`Nothing was created: ${g.message}.${hint}`, 'instance_mismatch');
    }
    step(`the CRM reports the expected siteUrl ${g.expected}`);
    return await withLifecycleWriter(client, guard, (writer) => provisionWith(writer, input, deps, step, steps), deps.signal);
  } finally {
    await client.logout().catch(() => false);
    await client.close().catch(() => undefined);
  }
}

async function provisionWith(writer: WriteClient, input: ProvisionInput, deps: ProvisionDeps, step: (l: string) => void, steps: string[]): Promise<ProvisionReport> {
  const opts = { signal: deps.signal };
  const roleName = input.roleName ?? DEFAULT_ROLE_NAME;
  const userName = input.userName ?? apiUserNameFor(input.tenantId);
  const authMethod = input.hmac ? ('Hmac' as const) : ('ApiKey' as const);
  const rollback = new Rollback();
  let current = 'finding the role';
  try {
    // Each candidate read whole: EspoCRM's list answer is not recorded to carry `data`, so the role's
    // access is judged on what GET Role/{id} says (there are rarely more than one of that name).
    const listed = await users.findRoles(writer, roleName, opts);
    const roles: RoleRecord[] = [];
    for (const r of listed.slice(0, 10)) roles.push(await users.readRole(writer, r.id, opts));
    let role = pickRole(roles);
    let roleStatus: 'created' | 'reused' = 'reused';
    if (role) {
      step(`role "${roleName}" reused (${role.id})`);
    } else {
      current = 'creating the role';
      role = await users.createRole(writer, { name: roleName, data: readRoleData(), permissions: { ...ROLE_PERMISSIONS } }, opts);
      const roleId = role.id;
      rollback.add(`role "${roleName}" deleted`, () => users.deleteRole(writer, roleId, opts));
      roleStatus = 'created';
      const other = roles.length ? ` (${roles.length} role(s) of that name do not read all of ${READ_ENTITIES.join(', ')})` : '';
      step(`role "${roleName}" created (${role.id})${other}`);
    }

    current = 'finding the API user';
    const plan = planUser(await users.findUser(writer, userName, opts), { userName, authMethod, roleId: role.id });
    let user: UserRecord;
    let userStatus: ProvisionReport['user']['status'];
    if (plan.action === 'create') {
      current = 'creating the API user';
      user = await users.createApiUser(writer, { userName, authMethod, rolesIds: [role.id] }, opts);
      const userId = user.id;
      rollback.add(`API user "${userName}" deleted`, () => users.deleteUser(writer, userId, opts));
      userStatus = 'created';
      step(`API user "${userName}" created (${user.id}, ${authMethod})`);
    } else {
      user = plan.user;
      userStatus = 'reused';
      if (plan.addRole) {
        current = 'giving the reused API user the role';
        const before = [...(plan.user.rolesIds ?? [])];
        const userId = plan.user.id;
        await users.updateUser(writer, userId, { rolesIds: [...before, role.id] }, opts);
        rollback.add(`roles of API user "${userName}" put back`, () => users.updateUser(writer, userId, { rolesIds: before }, opts));
        userStatus = 'reused, role added';
      }
      step(`API user "${userName}" reused (${user.id})${plan.addRole ? `, role "${roleName}" added` : ''}`);
    }

    current = "reading the API user's key";
    const full = await users.readUser(writer, user.id, opts);
    const apiKey = full.apiKey ?? undefined;
    const hmacSecret = input.hmac ? (full.secretKey ?? undefined) : undefined;
    if (!apiKey || (input.hmac && !hmacSecret)) {
      throw new Error(`EspoCRM answered the user without ${apiKey ? 'its HMAC secret' : 'its API key'} (an admin should see it)`);
    }
    step(`read the API user's key${input.hmac ? ' and HMAC secret' : ''}`);

    current = 'checking the new API user live';
    await checkApiUser(input, deps, { apiKey, ...(hmacSecret ? { hmacSecret } : {}) }, user.id);
    step(`the API user authenticates and reads ${READ_ENTITIES.join(', ')}`);

    const report: ProvisionReport = {
      tenant: input.tenantId,
      role: { id: role.id, name: roleName, status: roleStatus },
      user: { id: user.id, userName, authMethod, status: userStatus },
      steps,
    };
    current = 'storing the secrets and writing tenants.json';
    await deps.commit({ apiKey, ...(hmacSecret ? { hmacSecret } : {}), adminPassword: input.admin.password }, report);
    return report;
  } catch (err) {
    const taken = await rollback.run();
    const reason = err instanceof ProvisionError ? err.message : describeError(err);
    const back = taken.undone.length ? ` Taken back: ${taken.undone.join(', ')}.` : '';
    const left = taken.failed.length ? ` NOT taken back (remove by hand in EspoCRM, Administration > Roles / API Users): ${taken.failed.join(', ')}.` : '';
    const nothing = taken.undone.length === 0 && taken.failed.length === 0 ? ' Nothing was created in the CRM.' : '';
    throw new ProvisionError(
      `Provisioning failed while ${current}: ${reason}${reason.endsWith('.') ? '' : '.'}${nothing}${back}${left}`,
      err instanceof ProvisionError ? err.code : 'provision_failed',
      taken.undone,
      taken.failed,
    );
  }
}

/** The new API user as the server will use it: authenticates (itself), and lists each entity. */
async function checkApiUser(input: ProvisionInput, deps: ProvisionDeps, creds: { apiKey: string; hmacSecret?: string }, userId: string): Promise<void> {
  const client = newClient(input, deps, creds);
  try {
    const me = await getAppUser(client, 'api', { signal: deps.signal });
    if (me.user.id !== userId) throw new Error(`the key authenticates another user (${untrusted(me.user.userName)})`);
    for (const entity of READ_ENTITIES) {
      await client.request({ method: 'GET', path: entity, query: { maxSize: 1, select: 'id' }, auth: 'api', signal: deps.signal });
    }
  } finally {
    await client.close().catch(() => undefined);
  }
}

function newClient(input: ProvisionInput, deps: ProvisionDeps, creds: { apiKey?: string; hmacSecret?: string; admin?: { username: string; password: string } }): EspoClient {
  return new EspoClient({
    tenantId: input.tenantId,
    url: input.url,
    ...(creds.apiKey !== undefined ? { apiKey: async () => creds.apiKey! } : {}),
    ...(creds.hmacSecret !== undefined ? { hmacSecret: async () => creds.hmacSecret! } : {}),
    ...(creds.admin ? { admin: { username: creds.admin.username, password: async () => creds.admin!.password } } : {}),
    connections: 2,
    ...(deps.timeoutMs ? { timeouts: { headersMs: deps.timeoutMs, bodyMs: deps.timeoutMs, requestMs: deps.timeoutMs } } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
}
