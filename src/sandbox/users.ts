/**
 * Users, roles and auth tokens of one sandbox. API users (type `api`) authenticate with an API key
 * or HMAC and are never admins; their record access comes from their roles.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { badRequest, conflict, forbidden } from './errors.js';
import { espoDateTime, newEntityId, randomSecret } from './ids.js';
import type { Json } from './types.js';

export type UserType = 'admin' | 'super-admin' | 'regular' | 'api' | 'system' | 'portal';
export type ApiAuthMethod = 'ApiKey' | 'Hmac';
export type AccessAction = 'read' | 'create' | 'edit' | 'delete' | 'stream';

export interface SandboxUser {
  id: string;
  userName: string;
  type: UserType;
  isActive: boolean;
  firstName: string | null;
  lastName: string | null;
  authMethod: ApiAuthMethod | null;
  /** kept only as a hash; the plain password is never stored */
  passwordHash: string | null;
  apiKey: string | null;
  secretKey: string | null;
  roleIds: string[];
  createdAt: string;
  modifiedAt: string;
  createdById: string | null;
}

export type ScopeAccess = { [action in AccessAction]?: string } | boolean;

export interface SandboxRole {
  id: string;
  name: string;
  data: Record<string, ScopeAccess>;
  fieldData: Record<string, Json>;
  permissions: Record<string, string>;
  createdAt: string;
  modifiedAt: string;
}

export interface AuthToken {
  token: string;
  userId: string;
  /** when the login asked for a token secret, the `auth-token-secret` cookie must match */
  secret: string | null;
  isActive: boolean;
  ipAddress: string;
  createdAt: string;
  lastAccess: string;
}

const permissionNames = [
  'assignmentPermission', 'userPermission', 'messagePermission', 'portalPermission', 'groupEmailAccountPermission', 'exportPermission',
  'massUpdatePermission', 'dataPrivacyPermission', 'followerManagementPermission', 'auditPermission', 'mentionPermission', 'userCalendarPermission',
];

const hashPassword = (password: string) => createHash('sha256').update(`sandbox:${password}`).digest('hex');

export const isAdminUser = (user: SandboxUser) => user.type === 'admin' || user.type === 'super-admin';

export class UserDirectory {
  private readonly users = new Map<string, SandboxUser>();
  private readonly roles = new Map<string, SandboxRole>();
  private readonly tokens = new Map<string, AuthToken>();

  addUser(input: { userName: string; type: UserType; password?: string; authMethod?: ApiAuthMethod; apiKey?: string; secretKey?: string; roleIds?: string[]; lastName?: string; createdById?: string | null }): SandboxUser {
    const now = espoDateTime();
    const user: SandboxUser = {
      id: newEntityId(),
      userName: input.userName,
      type: input.type,
      isActive: true,
      firstName: null,
      lastName: input.lastName ?? input.userName,
      authMethod: input.type === 'api' ? (input.authMethod ?? 'ApiKey') : null,
      passwordHash: input.password === undefined ? null : hashPassword(input.password),
      apiKey: input.type === 'api' ? (input.apiKey ?? randomSecret(16)) : null,
      secretKey: input.type === 'api' && input.authMethod === 'Hmac' ? (input.secretKey ?? randomSecret(16)) : null,
      roleIds: input.roleIds ?? [],
      createdAt: now,
      modifiedAt: now,
      createdById: input.createdById ?? null,
    };
    this.users.set(user.id, user);
    return user;
  }

  addRole(input: { name: string; data?: Record<string, ScopeAccess>; fieldData?: Record<string, Json>; permissions?: Record<string, string> }): SandboxRole {
    const now = espoDateTime();
    const permissions: Record<string, string> = {};
    for (const name of permissionNames) permissions[name] = input.permissions?.[name] ?? 'not-set';
    const role: SandboxRole = { id: newEntityId(), name: input.name, data: input.data ?? {}, fieldData: input.fieldData ?? {}, permissions, createdAt: now, modifiedAt: now };
    this.roles.set(role.id, role);
    return role;
  }

  user(id: string): SandboxUser | undefined {
    return this.users.get(id);
  }

  role(id: string): SandboxRole | undefined {
    return this.roles.get(id);
  }

  allUsers(): SandboxUser[] {
    return [...this.users.values()];
  }

  allRoles(): SandboxRole[] {
    return [...this.roles.values()];
  }

  /** A user that may log in with a password: active, and not an API or system user. */
  passwordUser(userName: string): SandboxUser | undefined {
    return this.allUsers().find((u) => u.userName === userName && u.isActive && u.type !== 'api' && u.type !== 'system');
  }

  checkPassword(user: SandboxUser, password: string): boolean {
    if (user.passwordHash === null) return false;
    return safeEqual(user.passwordHash, hashPassword(password));
  }

  apiUser(apiKey: string, method: ApiAuthMethod): SandboxUser | undefined {
    return this.allUsers().find((u) => u.type === 'api' && u.isActive && u.authMethod === method && u.apiKey !== null && safeEqual(u.apiKey, apiKey));
  }

  /** `POST User`: validates like EspoCRM would for the fields the sandbox supports. */
  createFromRequest(body: Record<string, unknown>, createdBy: SandboxUser): SandboxUser {
    const userName = typeof body.userName === 'string' ? body.userName.trim() : '';
    if (!userName) throw validationFailure('userName', 'required');
    if (this.allUsers().some((u) => u.userName === userName)) {
      throw conflict('userNameExists', { messageTranslation: { label: 'userNameExists', scope: 'User', data: {} } });
    }
    const type = typeof body.type === 'string' ? body.type : 'regular';
    if (!['regular', 'admin', 'api', 'portal'].includes(type)) throw validationFailure('type', 'valid');
    const authMethod = body.authMethod === 'Hmac' ? 'Hmac' : 'ApiKey';
    if (type === 'api' && body.authMethod !== undefined && body.authMethod !== 'ApiKey' && body.authMethod !== 'Hmac') throw validationFailure('authMethod', 'valid');
    const roleIds = Array.isArray(body.rolesIds) ? body.rolesIds.filter((id): id is string => typeof id === 'string' && this.roles.has(id)) : [];
    return this.addUser({
      userName,
      type: type as UserType,
      ...(typeof body.password === 'string' && type !== 'api' ? { password: body.password } : {}),
      ...(type === 'api' ? { authMethod } : {}),
      roleIds,
      lastName: typeof body.lastName === 'string' && body.lastName ? body.lastName : userName,
      createdById: createdBy.id,
    });
  }

  /**
   * `PUT User/{id}` (docs/espocrm.md, "Users, roles and credentials (lifecycle)"): the attributes
   * the sandbox supports; unknown role ids are dropped; one's own `isActive` and `type` are ignored
   * (EspoCRM unsets them); a new `password` must pass the strength rule (403 `Password is weak.`);
   * switching an API user to Hmac makes a secret.
   */
  updateFromRequest(user: SandboxUser, body: Record<string, unknown>, actor: SandboxUser, minPasswordLength: number): SandboxUser {
    const self = user.id === actor.id;
    if (typeof body.userName === 'string' && body.userName.trim() !== user.userName) {
      const userName = body.userName.trim();
      if (!userName) throw validationFailure('userName', 'required');
      if (this.allUsers().some((u) => u.id !== user.id && u.userName === userName)) {
        throw conflict('userNameExists', { messageTranslation: { label: 'userNameExists', scope: 'User', data: {} } });
      }
    }
    if (body.password !== undefined && (typeof body.password !== 'string' || !passwordStrongEnough(body.password, minPasswordLength))) {
      throw forbidden('Password is weak.');
    }
    if (!self && body.type !== undefined && (typeof body.type !== 'string' || !['regular', 'admin', 'api', 'portal'].includes(body.type))) {
      throw forbidden("Can't change type.");
    }
    if (typeof body.userName === 'string' && body.userName.trim()) user.userName = body.userName.trim();
    if (body.firstName === null || typeof body.firstName === 'string') user.firstName = body.firstName || null;
    if (body.lastName === null || typeof body.lastName === 'string') user.lastName = body.lastName || null;
    if (!self && typeof body.isActive === 'boolean') user.isActive = body.isActive;
    if (!self && typeof body.type === 'string') user.type = body.type as UserType;
    if (Array.isArray(body.rolesIds)) user.roleIds = [...new Set(body.rolesIds.filter((id): id is string => typeof id === 'string' && this.roles.has(id)))];
    if (typeof body.password === 'string') user.passwordHash = hashPassword(body.password);
    if (user.type === 'api') {
      user.apiKey ??= randomSecret(16);
      if ((body.authMethod === 'ApiKey' || body.authMethod === 'Hmac') && body.authMethod !== user.authMethod) {
        user.authMethod = body.authMethod;
        user.secretKey = body.authMethod === 'Hmac' ? randomSecret(16) : null;
      }
      user.authMethod ??= 'ApiKey';
    }
    user.modifiedAt = espoDateTime();
    return user;
  }

  /** `DELETE User/{id}`: gone for good in the sandbox (EspoCRM soft-deletes), with its tokens. */
  removeUser(id: string): boolean {
    if (!this.users.delete(id)) return false;
    for (const token of this.tokens.values()) if (token.userId === id) token.isActive = false;
    return true;
  }

  /** `DELETE Role/{id}`: the role is gone and no user holds it any more. */
  removeRole(id: string): boolean {
    if (!this.roles.delete(id)) return false;
    for (const user of this.users.values()) user.roleIds = user.roleIds.filter((r) => r !== id);
    return true;
  }

  /** `POST UserSecurity/apiKey/generate`: a new API key (and HMAC secret); the old ones stop working at once. */
  regenerateApiKey(user: SandboxUser): SandboxUser {
    user.apiKey = randomSecret(16);
    if (user.authMethod === 'Hmac') user.secretKey = randomSecret(16);
    user.modifiedAt = espoDateTime();
    return user;
  }

  /** Sets a user's password (the caller checked the rules). Auth tokens already issued stay valid. */
  setPassword(user: SandboxUser, password: string): void {
    user.passwordHash = hashPassword(password);
    user.modifiedAt = espoDateTime();
  }

  /**
   * The access level of a user to a scope action: 'all' for admins, else the most permissive level
   * any of its roles grants ('no' when none does).
   */
  access(user: SandboxUser, scope: string, action: AccessAction): string {
    if (isAdminUser(user)) return action === 'create' ? 'yes' : 'all';
    const rank = ['no', 'own', 'team', 'all', 'yes'];
    let best = 'no';
    for (const roleId of user.roleIds) {
      const entry = this.roles.get(roleId)?.data[scope];
      const level = entry === true ? 'all' : entry === false || entry === undefined ? 'no' : (entry[action] ?? 'no');
      if (rank.indexOf(level) > rank.indexOf(best)) best = level;
    }
    return best;
  }

  canAccess(user: SandboxUser, scope: string, action: AccessAction): boolean {
    return this.access(user, scope, action) !== 'no';
  }

  createToken(user: SandboxUser, ipAddress: string, withSecret: boolean): AuthToken {
    const now = espoDateTime();
    const token: AuthToken = { token: randomSecret(16), userId: user.id, secret: withSecret ? randomSecret(16) : null, isActive: true, ipAddress, createdAt: now, lastAccess: now };
    this.tokens.set(token.token, token);
    return token;
  }

  /** An active token of the named user, honouring its secret cookie when it has one. */
  activeToken(userName: string, tokenValue: string, secretCookie: string | undefined): AuthToken | undefined {
    const token = this.tokens.get(tokenValue);
    if (!token || !token.isActive) return undefined;
    const user = this.users.get(token.userId);
    if (!user || !user.isActive || user.userName !== userName) return undefined;
    if (token.secret !== null && (secretCookie === undefined || !safeEqual(token.secret, secretCookie))) return undefined;
    token.lastAccess = espoDateTime();
    return token;
  }

  /** `POST App/destroyAuthToken`: true when an active token of that user was deactivated. */
  destroyToken(tokenValue: string, user: SandboxUser): boolean {
    const token = this.tokens.get(tokenValue);
    if (!token || !token.isActive || token.userId !== user.id) return false;
    token.isActive = false;
    return true;
  }

  activeTokenCount(userId?: string): number {
    return [...this.tokens.values()].filter((t) => t.isActive && (userId === undefined || t.userId === userId)).length;
  }
}

/**
 * EspoCRM's password Checker with the sandbox's settings: `passwordStrengthLength` (unset or 0 = no
 * minimum, EspoCRM's default); the letter, number and case rules are not modelled.
 */
export function passwordStrongEnough(password: string, minLength: number): boolean {
  return !(minLength > 0 && [...password].length < minLength);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function validationFailure(field: string, type: string) {
  return badRequest(`Field validation failure; entityType: User, field: ${field}, type: ${type}.`, {
    messageTranslation: { label: 'validationFailure', scope: null, data: { field, type } },
  });
}
