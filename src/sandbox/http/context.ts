/** The request as route handlers see it, with EspoCRM's body-parsing rules. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Authenticated } from '../auth.js';
import { badRequest, forbidden, SandboxHttpError } from '../errors.js';
import type { SandboxState } from '../state.js';
import { isAdminUser, type SandboxUser } from '../users.js';
import type { Reply } from './reply.js';

export interface RequestContext {
  method: string;
  /** path after the API base, with the leading slash: `/Lead/layout/detail` */
  resourcePath: string;
  /** decoded path segments after the API base */
  segments: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  ip: string;
  state: SandboxState;
  /** undefined when the route allows anonymous access and none was given */
  auth: Authenticated | undefined;
}

export type RouteParams = Record<string, string>;
export type Handler = (ctx: RequestContext, params: RouteParams) => Reply | Promise<Reply>;

export function headerValue(ctx: Pick<RequestContext, 'headers'>, name: string): string | undefined {
  const value = ctx.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The JSON body as EspoCRM's RequestWrapper reads it: only with a JSON content type (else `{}`), an
 * array wrapped as `{list}`, a scalar refused with 400, invalid JSON a 500 without a reason.
 */
export function jsonBody(ctx: RequestContext): Record<string, unknown> {
  const contentType = headerValue(ctx, 'content-type') ?? '';
  if (!/^application\/json\b/i.test(contentType.trim()) || ctx.rawBody.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(ctx.rawBody);
  } catch {
    throw new SandboxHttpError(500);
  }
  if (Array.isArray(parsed)) return { list: parsed };
  if (typeof parsed !== 'object' || parsed === null) throw badRequest('Body is not a JSON object.');
  return parsed as Record<string, unknown>;
}

/** The authenticated user (routes that reach a handler without auth are the anonymous ones). */
export function currentUser(ctx: RequestContext): SandboxUser {
  if (!ctx.auth) throw new SandboxHttpError(401);
  return ctx.auth.user;
}

export function isAdmin(ctx: RequestContext): boolean {
  return ctx.auth !== undefined && isAdminUser(ctx.auth.user);
}

/** Every admin-only controller refuses others with a bare Forbidden: 403 and an empty reason. */
export function requireAdmin(ctx: RequestContext): SandboxUser {
  const user = currentUser(ctx);
  if (!isAdminUser(user)) throw forbidden('');
  return user;
}
