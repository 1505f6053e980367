/** Field Manager, layouts and the `Admin` controller. */
import { badRequest, forbidden } from '../errors.js';
import { createField, deleteField, readField, resetField, updateField } from '../fieldManager.js';
import { currentUser, jsonBody, requireAdmin, type RequestContext, type RouteParams } from '../http/context.js';
import { json, raw, type Reply } from '../http/reply.js';
import { route, type Route } from '../http/router.js';

const param = (params: RouteParams, name: string) => params[name] ?? '';

function readLayout(ctx: RequestContext, params: RouteParams): Reply {
  const entityType = param(params, 'entity');
  const user = currentUser(ctx);
  const known = ctx.state.metadata.scope(entityType) !== undefined;
  if (known && ctx.state.metadata.scope(entityType)?.acl !== false && !ctx.state.users.canAccess(user, entityType, 'read')) throw forbidden('');
  return json(ctx.state.layouts.read(entityType, param(params, 'name')));
}

/** PUT stores the raw body as is (no validation) and echoes the stored text unquoted. */
function saveLayout(ctx: RequestContext, params: RouteParams): Reply {
  requireAdmin(ctx);
  const entityType = param(params, 'entity');
  if (!ctx.state.metadata.isCustomizable(entityType, 'layouts')) throw forbidden(`${entityType} is not customizable.`);
  return raw(ctx.state.layouts.save(entityType, param(params, 'name'), ctx.rawBody));
}

function resetLayout(ctx: RequestContext): Reply {
  requireAdmin(ctx);
  const body = jsonBody(ctx);
  const scope = typeof body.scope === 'string' ? body.scope : '';
  const name = typeof body.name === 'string' ? body.name : '';
  if (!scope || !name) throw badRequest('');
  if (!ctx.state.metadata.isCustomizable(scope, 'layouts')) throw forbidden(`${scope} is not customizable.`);
  return json(ctx.state.layouts.reset(scope, name));
}

function originalLayout(ctx: RequestContext): Reply {
  requireAdmin(ctx);
  const scope = ctx.query.get('scope') ?? '';
  const name = ctx.query.get('name') ?? '';
  if (!scope || !name) throw badRequest('');
  return json(ctx.state.layouts.read(scope, name));
}

function fieldRoute(action: (ctx: RequestContext, scope: string, name: string) => unknown): (ctx: RequestContext, params: RouteParams) => Reply {
  return (ctx, params) => {
    requireAdmin(ctx);
    return json(action(ctx, param(params, 'scope'), param(params, 'name')));
  };
}

const jobNames = ['AuthTokenControl', 'CheckEmailAccounts', 'CheckInboundEmails', 'Cleanup', 'ProcessMassEmail', 'ProcessWebhookQueue', 'SendEmailNotifications', 'SendEmailReminders', 'SendScheduledEmails', 'SubmitPopupReminders'];

function adminAction(handler: (ctx: RequestContext) => unknown): (ctx: RequestContext) => Reply {
  return (ctx) => {
    requireAdmin(ctx);
    return json(handler(ctx));
  };
}

export const adminRoutes: Route[] = [
  route('GET', 'Admin/fieldManager/:scope/:name', fieldRoute((ctx, scope, name) => readField(ctx.state, scope, name))),
  route('POST', 'Admin/fieldManager/:scope', fieldRoute((ctx, scope) => createField(ctx.state, scope, jsonBody(ctx)))),
  route('PUT', 'Admin/fieldManager/:scope/:name', fieldRoute((ctx, scope, name) => updateField(ctx.state, scope, name, jsonBody(ctx)))),
  route('PATCH', 'Admin/fieldManager/:scope/:name', fieldRoute((ctx, scope, name) => updateField(ctx.state, scope, name, jsonBody(ctx)))),
  route('DELETE', 'Admin/fieldManager/:scope/:name', fieldRoute((ctx, scope, name) => deleteField(ctx.state, scope, name))),
  route('POST', 'FieldManager/action/resetToDefault', adminAction((ctx) => resetField(ctx.state, jsonBody(ctx)))),

  route('POST', 'Layout/action/resetToDefault', resetLayout),
  route('GET', 'Layout/action/getOriginal', originalLayout),
  route('GET', ':entity/layout/:name', readLayout),
  route('PUT', ':entity/layout/:name', saveLayout),

  route('POST', 'Admin/rebuild', adminAction((ctx) => {
    ctx.state.counters.rebuilds += 1;
    return true;
  })),
  route('POST', 'Admin/clearCache', adminAction((ctx) => {
    ctx.state.counters.cacheClears += 1;
    ctx.state.appTimestamp = Math.max(ctx.state.appTimestamp + 1, Math.floor(Date.now() / 1000));
    ctx.state.settings.cacheTimestamp = ctx.state.appTimestamp;
    return true;
  })),
  route('GET', 'Admin/jobs', adminAction(() => [...jobNames])),
  route('GET', 'Admin/action/adminNotificationList', adminAction(() => [
    { id: 'cronIsNotConfigured', type: 'cronIsNotConfigured', message: 'Scheduled jobs are not running (the sandbox has no cron).' },
  ])),
  route('GET', 'Admin/action/cronMessage', adminAction(() => ({ message: 'The sandbox does not run scheduled jobs.', command: '' }))),
  route('GET', 'Admin/action/systemRequirementList', adminAction(() => ({ php: {}, database: {}, permission: {} }))),
];
