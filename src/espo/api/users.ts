/**
 * Users, roles and credentials (issue 18: provisioning, rotation, usage). Every call runs as the admin
 * login unless said otherwise. EspoCRM facts (docs/espocrm.md, "Users, roles and credentials (lifecycle)"):
 * - `POST Role` takes `name`, `data` ({Lead: {create, read, edit, delete, stream}}) and the permissions.
 * - `POST User` with `type: "api"`, `authMethod` ("ApiKey" | "Hmac") and `rolesIds`: EspoCRM makes the
 *   API key (and the HMAC secret); `GET User/{id}` as admin reads them back.
 * - `POST UserSecurity/apiKey/generate {id}` as admin: a new key (and HMAC secret) for an API user; the
 *   old one stops working at once. Answers the user with the new `apiKey` (and `secretKey`).
 * - `PUT UserSecurity/password {currentPassword, password}` as the user whose password it is.
 */
import type { EspoClient } from '../client.js';
import type { WriteClient } from '../writeAccess.js';
import { callOptions, isRecord, segment, type CallOptions } from './common.js';
import { unexpected } from './app.js';

export type ScopeLevel = 'all' | 'team' | 'own' | 'no' | 'yes';
export type ScopeAccess = Partial<Record<'create' | 'read' | 'edit' | 'delete' | 'stream', ScopeLevel>>;

export interface RoleRecord {
  id: string;
  name: string;
  data: Record<string, ScopeAccess | boolean>;
  [key: string]: unknown;
}

export interface UserRecord {
  id: string;
  userName: string;
  type: string;
  isActive: boolean;
  authMethod?: string | null;
  rolesIds?: string[];
  /** Only in answers to admins: `POST User`, `GET User/{id}`, `UserSecurity/apiKey/generate`. */
  apiKey?: string | null;
  /** Hmac API users only, same answers. */
  secretKey?: string | null;
  [key: string]: unknown;
}

const admin = (opts: CallOptions | undefined) => ({ auth: 'admin' as const, ...callOptions(opts) });

function equalsWhere(attribute: string, value: string) {
  return { where: [{ type: 'equals', attribute, value }] };
}

function asRole(client: EspoClient, path: string, body: unknown): RoleRecord {
  if (!isRecord(body) || typeof body.id !== 'string' || typeof body.name !== 'string') throw unexpected(client, path, 'a role record');
  return { ...body, id: body.id, name: body.name, data: isRecord(body.data) ? (body.data as RoleRecord['data']) : {} };
}

function asUser(client: EspoClient, path: string, body: unknown): UserRecord {
  if (!isRecord(body) || typeof body.id !== 'string' || typeof body.userName !== 'string') throw unexpected(client, path, 'a user record');
  return {
    ...body,
    id: body.id,
    userName: body.userName,
    type: typeof body.type === 'string' ? body.type : 'regular',
    isActive: body.isActive !== false,
    rolesIds: Array.isArray(body.rolesIds) ? body.rolesIds.filter((r): r is string => typeof r === 'string') : [],
  };
}

function asList(client: EspoClient, path: string, body: unknown): { total: number; list: Record<string, unknown>[] } {
  if (!isRecord(body) || typeof body.total !== 'number' || !Array.isArray(body.list)) throw unexpected(client, path, 'a { total, list } answer');
  return { total: body.total, list: body.list.filter(isRecord) };
}

/** The roles named exactly `name` (EspoCRM does not make role names unique). */
export async function findRoles(client: EspoClient, name: string, opts?: CallOptions): Promise<RoleRecord[]> {
  const res = await client.request({ method: 'GET', path: 'Role', query: { ...equalsWhere('name', name), maxSize: 20 }, ...admin(opts) });
  return asList(client, 'Role', res.body).list.map((r) => asRole(client, 'Role', r));
}

/** `GET Role/{id}`: the whole role, `data` included (a list answer may leave `data` out). */
export async function readRole(client: EspoClient, id: string, opts?: CallOptions): Promise<RoleRecord> {
  const path = `Role/${segment(id, 'id')}`;
  const res = await client.request({ method: 'GET', path, ...admin(opts) });
  return asRole(client, path, res.body);
}

export async function createRole(client: WriteClient, role: { name: string; data: Record<string, ScopeAccess>; permissions?: Record<string, string> }, opts?: CallOptions): Promise<RoleRecord> {
  const res = await client.request({ method: 'POST', path: 'Role', body: { name: role.name, ...(role.permissions ?? {}), data: role.data, fieldData: {} }, ...admin(opts) });
  return asRole(client, 'Role', res.body);
}

export async function deleteRole(client: WriteClient, id: string, opts?: CallOptions): Promise<boolean> {
  const res = await client.request({ method: 'DELETE', path: `Role/${segment(id, 'id')}`, ...admin(opts) });
  return res.body === true;
}

/** The user whose user name is `userName` (unique in EspoCRM), or undefined. */
export async function findUser(client: EspoClient, userName: string, opts?: CallOptions): Promise<UserRecord | undefined> {
  const res = await client.request({ method: 'GET', path: 'User', query: { ...equalsWhere('userName', userName), maxSize: 2 }, ...admin(opts) });
  const [first] = asList(client, 'User', res.body).list;
  return first ? asUser(client, 'User', first) : undefined;
}

/** `GET User/{id}` as admin: for API users, with `apiKey` (and `secretKey` for Hmac). */
export async function readUser(client: EspoClient, id: string, opts?: CallOptions): Promise<UserRecord> {
  const path = `User/${segment(id, 'id')}`;
  const res = await client.request({ method: 'GET', path, ...admin(opts) });
  return asUser(client, path, res.body);
}

export async function createApiUser(
  client: WriteClient,
  user: { userName: string; authMethod: 'ApiKey' | 'Hmac'; rolesIds: string[]; lastName?: string },
  opts?: CallOptions,
): Promise<UserRecord> {
  const body = { userName: user.userName, type: 'api', authMethod: user.authMethod, isActive: true, rolesIds: user.rolesIds, ...(user.lastName ? { lastName: user.lastName } : {}) };
  const res = await client.request({ method: 'POST', path: 'User', body, ...admin(opts) });
  return asUser(client, 'User', res.body);
}

/** `PUT User/{id}` with some attributes (e.g. `rolesIds`, `isActive`). */
export async function updateUser(client: WriteClient, id: string, attributes: Record<string, unknown>, opts?: CallOptions): Promise<UserRecord> {
  const path = `User/${segment(id, 'id')}`;
  const res = await client.request({ method: 'PUT', path, body: attributes, ...admin(opts) });
  return asUser(client, path, res.body);
}

export async function deleteUser(client: WriteClient, id: string, opts?: CallOptions): Promise<boolean> {
  const res = await client.request({ method: 'DELETE', path: `User/${segment(id, 'id')}`, ...admin(opts) });
  return res.body === true;
}

/** A new API key (and HMAC secret) for an API user; the old ones stop working at once. */
export async function generateApiKey(client: WriteClient, userId: string, opts?: CallOptions): Promise<UserRecord> {
  const res = await client.request({ method: 'POST', path: 'UserSecurity/apiKey/generate', body: { id: userId }, ...admin(opts) });
  return asUser(client, 'UserSecurity/apiKey/generate', res.body);
}

/**
 * Changes the admin login's own password (as that user, through its token). A wrong current password
 * is 403 `Wrong password.` (not a failed login), an empty new one 500, a weak one 403 `Password is weak.`.
 */
export async function changeOwnPassword(client: WriteClient, currentPassword: string, password: string, opts?: CallOptions): Promise<boolean> {
  const res = await client.request({ method: 'PUT', path: 'UserSecurity/password', body: { currentPassword, password }, ...admin(opts) });
  return res.body === true;
}
