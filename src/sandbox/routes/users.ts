/** `POST User` (API users with an API key or HMAC secret), `POST Role`, and reads of both: admin only. */
import { badRequest, notFound } from '../errors.js';
import { jsonBody, requireAdmin, type RequestContext, type RouteParams } from '../http/context.js';
import { json, type Reply } from '../http/reply.js';
import { route, type Route } from '../http/router.js';
import { roleRecord, userRecord } from './userViews.js';

function createUser(ctx: RequestContext): Reply {
  const admin = requireAdmin(ctx);
  const user = ctx.state.users.createFromRequest(jsonBody(ctx), admin);
  return json(userRecord(ctx.state, user, { detail: true, withSecrets: true }));
}

function listUsers(ctx: RequestContext): Reply {
  requireAdmin(ctx);
  const users = ctx.state.users.allUsers().map((u) => userRecord(ctx.state, u));
  return json({ total: users.length, list: users });
}

function readUser(ctx: RequestContext, params: RouteParams): Reply {
  requireAdmin(ctx);
  const user = ctx.state.users.user(params.id ?? '');
  if (!user) throw notFound(`Record ${params.id ?? ''} does not exist.`);
  return json(userRecord(ctx.state, user, { detail: true }));
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
  const roles = ctx.state.users.allRoles().map(roleRecord);
  return json({ total: roles.length, list: roles });
}

export const userRoutes: Route[] = [
  route('POST', 'User', createUser),
  route('GET', 'User', listUsers),
  route('GET', 'User/:id', readUser),
  route('POST', 'Role', createRole),
  route('GET', 'Role', listRoles),
];
