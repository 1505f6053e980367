/** `GET Metadata` (filtered per user, `?key=` partial reads) and the admin-only `Metadata/action/get`. */
import { badRequest } from '../errors.js';
import { currentUser, isAdmin, requireAdmin, type RequestContext } from '../http/context.js';
import { emptyBody, json, raw, type Reply } from '../http/reply.js';
import { route, type Route } from '../http/router.js';
import type { JsonObject } from '../metadata/index.js';
import { valueAtPath } from '../metadataStore.js';
import type { Json } from '../types.js';

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What a user may see: admins get everything but the frontend-hidden paths; others also lose
 * `recordDefs`, `authenticationMethods`, `formula`, and the entity types (and links to them) they
 * cannot read.
 */
export function metadataView(ctx: RequestContext): JsonObject {
  const state = ctx.state;
  const view = structuredClone(state.metadata.all());
  const hidden = valueAtPath(view, 'app.metadata.frontendHiddenPathList');
  if (Array.isArray(hidden)) for (const path of hidden) if (Array.isArray(path)) deletePath(view, path.map(String));
  if (isAdmin(ctx)) return view;

  const user = currentUser(ctx);
  for (const key of ['recordDefs', 'authenticationMethods', 'formula']) delete view[key];
  const forbidden = new Set(
    state.metadata.entityTypes().filter((scope) => state.metadata.scope(scope)?.acl !== false && !state.users.canAccess(user, scope, 'read')),
  );
  for (const section of ['entityDefs', 'clientDefs']) {
    const part = view[section];
    if (isObject(part)) for (const scope of forbidden) delete part[scope];
  }
  const entityDefs = view.entityDefs;
  if (isObject(entityDefs)) {
    for (const defs of Object.values(entityDefs)) {
      const links = isObject(defs) ? defs.links : undefined;
      if (!isObject(links)) continue;
      for (const [name, link] of Object.entries(links)) if (isObject(link) && forbidden.has(String(link.entity))) delete links[name];
    }
  }
  return view;
}

function deletePath(root: JsonObject, path: string[]): void {
  const last = path[path.length - 1];
  if (last === undefined) return;
  const parent = path.length === 1 ? root : valueAtPath(root, path.slice(0, -1).join('.'));
  if (isObject(parent)) delete parent[last];
}

/** A PHP string is written raw, null as an empty body, anything else as JSON. */
function phpReturn(value: Json | undefined): Reply {
  if (value === undefined || value === null) return emptyBody();
  if (typeof value === 'string') return raw(value);
  return json(value);
}

function readMetadata(ctx: RequestContext): Reply {
  const view = metadataView(ctx);
  const key = ctx.query.get('key');
  // Before 8.2 EspoCRM ignores `key` and serves the whole metadata.
  if (key === null || key === '' || !ctx.state.versionAtLeast(8, 2)) return json(view);
  return phpReturn(valueAtPath(view, key));
}

function getRaw(ctx: RequestContext): Reply {
  requireAdmin(ctx);
  const key = ctx.query.get('key');
  if (key === null || key === '') throw badRequest();
  return raw(JSON.stringify(valueAtPath(ctx.state.metadata.all(), key) ?? null));
}

export const metadataRoutes: Route[] = [route('GET', 'Metadata', readMetadata), route('GET', 'Metadata/action/get', getRaw)];
