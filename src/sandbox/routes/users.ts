/**
 * Users, roles and the UserSecurity actions (docs/espocrm.md, "Users, roles and credentials
 * (lifecycle)"). `User` and `Role` are admin-only here: anyone else gets a bare Forbidden (403, empty
 * reason). `PUT UserSecurity/password` is the one route a non-admin may call, for its own password.
 */
import { badRequest, forbidden, notFound, serverError } from '../errors.js';
import { currentUser, jsonBody, requireAdmin, type RequestContext, type RouteParams } from '../http/context.js';
import { json, type Reply } from '../http/reply.js';
import { route, type Route } from '../http/router.js';
import { readListParams } from '../records/query.js';
import { buildSchema } from '../records/schema.js';
import { compileWhere } from '../records/where.js';
import type { SandboxState } from '../state.js';
import type { Json, RecordAttributes } from '../types.js';
import { passwordStrongEnough, type SandboxUser } from '../users.js';
import { roleRecord, userRecord } from './userViews.js';

/** Attributes a list row of these entity types always has, selected or not (EspoCRM's mandatory select). */
const mandatory: Record<'User' | 'Role', string[]> = { User: ['id', 'isActive', 'userName', 'type'], Role: ['id', 'name'] };
/** Never in a list row, whatever `select` asks for. */
const secretAttributes = new Set(['apiKey', 'secretKey', 'password', 'passwordHash']);

const minPasswordLength = (state: SandboxState) => {
  const value = state.settings.passwordStrengthLength;
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
};

/**
 * `GET User` / `GET Role`: `where` (checked against the entity's attributes, like record lists),
 * `offset`, `maxSize` (0: only the total), `select`, ordered by the collection's default.
 */
function listOf(ctx: RequestContext, entityType: 'User' | 'Role', rows: RecordAttributes[]): Reply {
  const params = readListParams(ctx.query);
  const defs = ctx.state.metadata.entityDefs(entityType);
  if (!defs) throw notFound(`Controller '${entityType}' does not exist.`);
  const schema = buildSchema(entityType, defs, false);
  const where = compileWhere(params.where, {
    schema,
    now: () => new Date(),
    hasRelation: (link) => defs.links?.[link] !== undefined,
    foreign: () => null,
  });
  const orderBy = entityType === 'User' ? 'userName' : 'name';
  const matching = rows.filter((row) => where(row)).sort((a, b) => String(a[orderBy] ?? '').localeCompare(String(b[orderBy] ?? '')));
  const page = params.maxSize === 0 ? [] : matching.slice(params.offset, params.offset + params.maxSize);
  const list = page.map((row) => {
    const out: Record<string, Json> = {};
    const wanted = params.select ? [...mandatory[entityType], ...params.select] : Object.keys(row);
    for (const name of wanted) if (name in row && !secretAttributes.has(name)) out[name] = row[name] as Json;
    return out;
  });
  return json({ total: matching.length, list });
}

function existingUser(ctx: RequestContext, id: string | undefined, reason: (id: string) => string): SandboxUser {
  const user = ctx.state.users.user(id ?? '');
  if (!user) throw notFound(reason(id ?? ''));
  return user;
}

function createUser(ctx: RequestContext): Reply {
  const admin = requireAdmin(ctx);
  const user = ctx.state.users.createFromRequest(jsonBody(ctx), admin);
  return json(userRecord(ctx.state, user, { detail: true, withSecrets: true }));
}

function listUsers(ctx: RequestContext): Reply {
  requireAdmin(ctx);
  return listOf(ctx, 'User', ctx.state.users.allUsers().map((u) => userRecord(ctx.state, u)));
}

/** As admin, an API user's record carries its `apiKey` (and `secretKey` for Hmac), as EspoCRM's User service adds them. */
function readUser(ctx: RequestContext, params: RouteParams): Reply {
  requireAdmin(ctx);
  const user = existingUser(ctx, params.id, (id) => `Record ${id} does not exist.`);
  return json(userRecord(ctx.state, user, { detail: true, withSecrets: true }));
}

function updateUser(ctx: RequestContext, params: RouteParams): Reply {
  const admin = requireAdmin(ctx);
  const user = existingUser(ctx, params.id, (id) => `Record ${id} not found.`);
  ctx.state.users.updateFromRequest(user, jsonBody(ctx), admin, minPasswordLength(ctx.state));
  return json(userRecord(ctx.state, user, { detail: true, withSecrets: true }));
}

function deleteUser(ctx: RequestContext, params: RouteParams): Reply {
  const admin = requireAdmin(ctx);
  const user = existingUser(ctx, params.id, (id) => `Record ${id} not found.`);
  if (user.id === admin.id) throw forbidden("Can't delete own user.");
  ctx.state.users.removeUser(user.id);
  return json(true);
}

function createRole(ctx: RequestContext): Reply {
  requireAdmin(ctx);
  const body = jsonBody(ctx);
  const name = typeof body.name === 'string' ? body.name.trim() : '';
  if (!name) {
    throw badRequest('Field validation failure; entityType: Role, field: name, type: required.', {
      messageTranslation: { label: 'validationFailure', scope: null, data: { field: 'name', type: 'required' } },
    });
  }
  const permissions: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (key.endsWith('Permission') && typeof value === 'string') permissions[key] = value;
  const role = ctx.state.users.addRole({
    name,
    data: typeof body.data === 'object' && body.data !== null ? (structuredClone(body.data) as never) : {},
    fieldData: typeof body.fieldData === 'object' && body.fieldData !== null ? (structuredClone(body.fieldData) as never) : {},
    permissions,
  });
  return json(roleRecord(role));
}

function listRoles(ctx: RequestContext): Reply {
  requireAdmin(ctx);
  return listOf(ctx, 'Role', ctx.state.users.allRoles().map(roleRecord));
}

function readRole(ctx: RequestContext, params: RouteParams): Reply {
  requireAdmin(ctx);
  const role = ctx.state.users.role(params.id ?? '');
  if (!role) throw notFound(`Record ${params.id ?? ''} does not exist.`);
  return json(roleRecord(role));
}

function deleteRole(ctx: RequestContext, params: RouteParams): Reply {
  requireAdmin(ctx);
  if (!ctx.state.users.removeRole(params.id ?? '')) throw notFound(`Record ${params.id ?? ''} not found.`);
  return json(true);
}

/**
 * `POST UserSecurity/apiKey/generate {id}` (PostApiKeyGenerate + ApiService): admin only (403, empty
 * reason), no id 400, an unknown user 404 and a user that is not an API user 403 (both without a
 * reason); answers the user with the new `apiKey` (and `secretKey` for Hmac).
 */
function generateApiKey(ctx: RequestContext): Reply {
  requireAdmin(ctx);
  const body = jsonBody(ctx);
  const id = typeof body.id === 'string' ? body.id : '';
  if (!id) throw badRequest('');
  const user = ctx.state.users.user(id);
  if (!user) throw notFound('');
  if (user.type !== 'api') throw forbidden('');
  ctx.state.users.regenerateApiKey(user);
  return json(userRecord(ctx.state, user, { detail: true, withSecrets: true }));
}

/**
 * `PUT UserSecurity/password {currentPassword, password}` (PutPassword + Password\Service), for the
 * authenticated user, in EspoCRM's order: both must be strings (400), an empty new password is
 * EspoCRM's `Error` (500 `Password can't be empty.`), a wrong current one 403 `Wrong password.` (an
 * API user has no password, so it always gets this), a password under `passwordStrengthLength`
 * 403 `Password is weak.`. A wrong current password is not a failed login: it is not counted toward
 * the lockout. Answers `true`; the user's auth tokens stay valid.
 */
function changeOwnPassword(ctx: RequestContext): Reply {
  const user = currentUser(ctx);
  const body = jsonBody(ctx);
  const { password, currentPassword } = body;
  if (typeof password !== 'string' || typeof currentPassword !== 'string') throw badRequest('No `password` or `currentPassword`.');
  if (password === '' || password === '0') throw serverError("Password can't be empty.");
  if (!ctx.state.users.checkPassword(user, currentPassword)) throw forbidden('Wrong password.');
  if (!passwordStrongEnough(password, minPasswordLength(ctx.state))) throw forbidden('Password is weak.');
  ctx.state.users.setPassword(user, password);
  return json(true);
}

export const userRoutes: Route[] = [
  route('POST', 'UserSecurity/apiKey/generate', generateApiKey),
  route('PUT', 'UserSecurity/password', changeOwnPassword),
  route('POST', 'User', createUser),
  route('GET', 'User', listUsers),
  route('GET', 'User/:id', readUser),
  route('PUT', 'User/:id', updateUser),
  route('DELETE', 'User/:id', deleteUser),
  route('POST', 'Role', createRole),
  route('GET', 'Role', listRoles),
  route('GET', 'Role/:id', readRole),
  route('DELETE', 'Role/:id', deleteRole),
];
