/**
 * A small route table over the path segments after `/api/v1/`. Patterns use `:name` for one
 * segment. Routes are tried in order, so specific ones go before the generic record routes.
 */
import { notFound, SandboxHttpError } from '../errors.js';
import type { Handler, RouteParams } from './context.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  method: Method;
  pattern: string;
  handler: Handler;
  /** anonymous access allowed (credentials, when sent, are still checked) */
  anonymous?: boolean;
}

export interface RouteMatch {
  route: Route;
  params: RouteParams;
}

export function route(method: Method, pattern: string, handler: Handler, options: { anonymous?: boolean } = {}): Route {
  return { method, pattern, handler, ...options };
}

export function matchRoute(routes: readonly Route[], method: string, segments: readonly string[]): RouteMatch | undefined {
  for (const candidate of routes) {
    if (candidate.method !== method) continue;
    const params = matchPattern(candidate.pattern, segments);
    if (params) return { route: candidate, params };
  }
  return undefined;
}

function matchPattern(pattern: string, segments: readonly string[]): RouteParams | undefined {
  const parts = pattern === '' ? [] : pattern.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: RouteParams = {};
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] as string;
    const segment = segments[i] as string;
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = segment;
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

const defaultActions: Record<string, Record<number, string>> = {
  GET: { 1: 'list', 2: 'read' },
  POST: { 1: 'create' },
  PUT: { 2: 'update' },
  PATCH: { 2: 'patch' },
  DELETE: { 2: 'delete' },
};

/**
 * The 404 for a request no route handles. EspoCRM's generic routes (`:controller`,
 * `:controller/:id`, `:controller/action/:action`) reach the controller, which then reports the
 * missing action, e.g. `Action GET 'read' does not exist in controller 'Admin'.`.
 */
export function unmatched(method: string, segments: readonly string[], isController: (name: string) => boolean): Error {
  const [controller, second, third] = segments;
  let action: string | undefined;
  if (segments.length === 3 && second === 'action') action = third;
  else action = defaultActions[method]?.[segments.length];
  if (!controller || action === undefined) return new SandboxHttpError(404);
  if (!isController(controller)) return notFound(`Controller '${controller}' does not exist.`);
  return notFound(`Action ${method} '${action}' does not exist in controller '${controller}'.`);
}
