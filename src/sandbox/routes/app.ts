/** `/`, `App/*`, `Settings` and `I18n`. */
import { badRequest, notFound } from '../errors.js';
import { currentUser, isAdmin, jsonBody, requireAdmin, type RequestContext } from '../http/context.js';
import { json, type Reply } from '../http/reply.js';
import { route, type Route } from '../http/router.js';
import { globalSettings, settingsFor } from '../settings.js';
import type { Json } from '../types.js';
import { aclView, preferencesView, userRecord } from './userViews.js';

const aboutText = [
  '## EspoCRM sandbox',
  '',
  'A loopback test double of the EspoCRM REST API, part of espocrm-admin-mcp.',
  'It imitates the behaviour of EspoCRM (https://www.espocrm.com); it contains no EspoCRM code.',
  '',
].join('\n');

function appUser(ctx: RequestContext): Reply {
  const user = currentUser(ctx);
  const state = ctx.state;
  const token = ctx.auth?.token?.token ?? null;
  const userView = userRecord(state, user);
  if (token !== null) userView.token = token;
  userView.ipAddress = ctx.ip;
  const reply = json({
    user: userView,
    acl: aclView(state, user),
    preferences: preferencesView(user),
    token,
    settings: settingsFor(state.settings, isAdmin(ctx)),
    language: 'en_US',
    appParams: { maxUploadSize: 50, isRestrictedMode: false, passwordChangeForNonAdminDisabled: false, timeZoneList: ['UTC'], templateEntityTypeList: [] },
  });
  if (ctx.auth?.setCookie) reply.headers = { 'Set-Cookie': ctx.auth.setCookie };
  return reply;
}

function destroyAuthToken(ctx: RequestContext): Reply {
  const body = jsonBody(ctx);
  if (typeof body.token !== 'string' || body.token === '') throw badRequest('No `token`.');
  return json(ctx.state.users.destroyToken(body.token, currentUser(ctx)));
}

function readSettings(ctx: RequestContext): Reply {
  if (!ctx.auth) return json(globalSettings(ctx.state.settings));
  return json(settingsFor(ctx.state.settings, isAdmin(ctx)));
}

function updateSettings(ctx: RequestContext): Reply {
  requireAdmin(ctx);
  const body = jsonBody(ctx);
  for (const [key, value] of Object.entries(body)) {
    if (key === 'version') continue;
    ctx.state.settings[key] = structuredClone(value) as Json;
  }
  return json(settingsFor(ctx.state.settings, true));
}

export const appRoutes: Route[] = [
  route('GET', '', () => json('EspoCRM REST API')),
  route('GET', 'App/user', appUser),
  route('GET', 'App/about', (ctx) => {
    if (!ctx.state.versionAtLeast(8, 1)) throw notFound(); // the route exists since 8.1
    return json({ text: aboutText, version: ctx.state.version });
  }),
  route('POST', 'App/destroyAuthToken', destroyAuthToken),
  route('GET', 'Settings', readSettings, { anonymous: true }),
  route('PUT', 'Settings', updateSettings),
  route('PATCH', 'Settings', updateSettings),
  route('GET', 'I18n', (ctx) => json(ctx.state.i18n.all()), { anonymous: true }),
];
