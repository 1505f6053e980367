/**
 * Record routes: the router checks the scope and the user's access (admins: everything; API users:
 * their roles), then delegates to the record store. (Users and roles: see users.ts.)
 */
import { forbidden } from '../errors.js';
import { currentUser, headerValue, isAdmin, jsonBody, type RequestContext, type RouteParams } from '../http/context.js';
import { noSuchAction } from '../http/controllers.js';
import { json, type Reply } from '../http/reply.js';
import { route, type Route } from '../http/router.js';
import type { RecordActor } from '../state.js';
import type { RecordAttributes } from '../types.js';
import type { AccessAction } from '../users.js';

const denialReasons: Record<AccessAction, string> = {
  read: 'No read access.',
  create: 'No create access.',
  edit: 'No edit access.',
  delete: 'No delete access.',
  stream: 'No access.',
};

/** The entity type of a record route, known to the metadata, and the user allowed the action. */
function checkedEntity(ctx: RequestContext, params: RouteParams, action: AccessAction): string {
  const entityType = params.entity ?? '';
  const scope = ctx.state.metadata.scope(entityType);
  if (!scope || scope.entity !== true) throw noSuchAction(ctx.state, ctx.method, ctx.segments);
  if (!ctx.state.users.canAccess(currentUser(ctx), entityType, action)) throw forbidden(denialReasons[action]);
  return entityType;
}

const isTrue = (value: string | undefined) => value?.trim().toLowerCase() === 'true';

/** The writing user, for createdBy/modifiedBy. */
function actor(ctx: RequestContext): { user: RecordActor } {
  const user = currentUser(ctx);
  return { user: { id: user.id, name: [user.firstName, user.lastName].filter(Boolean).join(' ') || user.userName } };
}

function list(ctx: RequestContext, params: RouteParams): Reply {
  const entityType = checkedEntity(ctx, params, 'read');
  return json(ctx.state.records.list(entityType, ctx.query, { noTotal: isTrue(headerValue(ctx, 'x-no-total')), isAdmin: isAdmin(ctx) }));
}

function create(ctx: RequestContext, params: RouteParams): Reply {
  const entityType = checkedEntity(ctx, params, 'create');
  const header = headerValue(ctx, 'x-skip-duplicate-check');
  // undefined when the header is absent: then the store honours the legacy body flag
  const skipDuplicateCheck = header === undefined ? undefined : isTrue(header);
  const created = ctx.state.records.create(entityType, jsonBody(ctx), { skipDuplicateCheck, ...actor(ctx) });
  return json(withBooleanDefaults(ctx, entityType, created));
}

/**
 * EspoCRM answers a create with the new entity's values, which include the default of every
 * boolean attribute, stored or not (`targetListIsOptedOut`, the email/phone opt-out and invalid
 * flags): false unless the field says otherwise.
 */
function withBooleanDefaults(ctx: RequestContext, entityType: string, record: RecordAttributes): RecordAttributes {
  const out = { ...record };
  for (const [name, def] of Object.entries(ctx.state.metadata.entityDefs(entityType)?.fields ?? {})) {
    const attributes = def.type === 'bool' ? [name] : def.type === 'email' || def.type === 'phone' ? [`${name}IsOptedOut`, `${name}IsInvalid`] : [];
    for (const attribute of attributes) if (out[attribute] === undefined || out[attribute] === null) out[attribute] = typeof def.default === 'boolean' && def.type === 'bool' ? def.default : false;
  }
  return out;
}

function read(ctx: RequestContext, params: RouteParams): Reply {
  const entityType = checkedEntity(ctx, params, 'read');
  return json(ctx.state.records.read(entityType, params.id ?? '', { isAdmin: isAdmin(ctx) }));
}

function update(ctx: RequestContext, params: RouteParams): Reply {
  const entityType = checkedEntity(ctx, params, 'edit');
  return json(ctx.state.records.update(entityType, params.id ?? '', jsonBody(ctx), actor(ctx)));
}

function remove(ctx: RequestContext, params: RouteParams): Reply {
  const entityType = checkedEntity(ctx, params, 'delete');
  return json(ctx.state.records.delete(entityType, params.id ?? '', actor(ctx)));
}

/** `POST Action` (merge): needs edit access to the scope; a refusal is a bare Forbidden. */
function action(ctx: RequestContext): Reply {
  const body = jsonBody(ctx);
  const entityType = typeof body.entityType === 'string' ? body.entityType : undefined;
  const user = currentUser(ctx);
  if (entityType !== undefined && ctx.state.metadata.scope(entityType) && !ctx.state.users.canAccess(user, entityType, 'edit')) throw forbidden('');
  return json(ctx.state.records.action(body, actor(ctx)));
}

function massAction(ctx: RequestContext): Reply {
  const body = jsonBody(ctx);
  const entityType = typeof body.entityType === 'string' ? body.entityType : undefined;
  const needed: AccessAction = body.action === 'delete' ? 'delete' : 'edit';
  if (entityType !== undefined && ctx.state.metadata.scope(entityType) && !ctx.state.users.canAccess(currentUser(ctx), entityType, needed)) throw forbidden('');
  return json(ctx.state.records.massAction(body, actor(ctx)));
}

export const recordRoutes: Route[] = [
  route('POST', 'Action', action),
  route('POST', 'MassAction', massAction),
  route('GET', ':entity', list),
  route('POST', ':entity', create),
  route('GET', ':entity/:id', read),
  route('PUT', ':entity/:id', update),
  route('PATCH', ':entity/:id', update),
  route('DELETE', ':entity/:id', remove),
];
