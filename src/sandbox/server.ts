/**
 * The request pipeline: base path, body, injected faults, authentication, routing, EspoCRM-style
 * output, request log. One listener per sandbox instance.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { authenticate } from './auth.js';
import { SandboxHttpError } from './errors.js';
import type { FaultInjector, FaultRule } from './faults.js';
import { headerValue, type RequestContext } from './http/context.js';
import { writeError, writeReply } from './http/reply.js';
import { noSuchAction } from './http/controllers.js';
import { matchRoute, type Route } from './http/router.js';
import { espoDateTime } from './ids.js';
import type { SandboxRequestLogEntry } from './requestLog.js';
import { adminRoutes } from './routes/admin.js';
import { appRoutes } from './routes/app.js';
import { metadataRoutes } from './routes/metadata.js';
import { recordRoutes } from './routes/records.js';
import { userRoutes } from './routes/users.js';
import type { SandboxState } from './state.js';

const apiBase = '/api/v1';

const routes: readonly Route[] = [...appRoutes, ...metadataRoutes, ...adminRoutes, ...userRoutes, ...recordRoutes];

export interface PipelineDeps {
  state: SandboxState;
  faults: FaultInjector;
  requests: SandboxRequestLogEntry[];
  /** responses held open by 'hang' faults, ended when the sandbox closes */
  hanging: Set<ServerResponse>;
}

export function createRequestListener(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      if (!res.headersSent) writeError(res, new SandboxHttpError(500), { challenge: false });
      else res.destroy(error instanceof Error ? error : undefined);
    });
  };
}

async function handle(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const resourcePath = url.pathname.startsWith(`${apiBase}/`) || url.pathname === apiBase ? url.pathname.slice(apiBase.length) || '/' : undefined;
  const path = (resourcePath ?? url.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  const entry: SandboxRequestLogEntry = { method, path, query: url.search.replace(/^\?/, ''), auth: 'none', status: 0, durationMs: 0, at: espoDateTime() };
  let logged = false;
  const finish = () => {
    if (logged) return;
    logged = true;
    entry.status = res.writableEnded ? res.statusCode : 0;
    const reason = res.getHeader('X-Status-Reason');
    if (reason !== undefined) entry.reason = String(reason);
    entry.durationMs = Math.round((performance.now() - started) * 10) / 10;
    deps.requests.push(entry);
  };
  res.on('finish', finish);
  res.on('close', finish);

  const rawBody = await readBody(req);
  const fault = deps.faults.take(method, path);
  if (fault) {
    entry.fault = fault.kind;
    if (await applyFault(deps, fault, req, res)) return;
  }
  if (resourcePath === undefined) {
    writeError(res, new SandboxHttpError(404), { challenge: false });
    return;
  }
  const ctx: RequestContext = {
    method,
    resourcePath,
    segments: path === '' ? [] : path.split('/').map(safeDecode),
    query: url.searchParams,
    headers: req.headers,
    rawBody,
    ip: req.socket.remoteAddress ?? '',
    state: deps.state,
    auth: undefined,
  };
  await dispatch(ctx, entry, res);
}

/** Injects a fault; true when the request is thereby finished (or never will be). */
async function applyFault(deps: PipelineDeps, fault: FaultRule, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'reset':
      req.socket.destroy();
      return true;
    case 'hang':
      deps.hanging.add(res);
      res.on('close', () => deps.hanging.delete(res));
      return true;
    case 'status':
      res.statusCode = fault.status ?? 503;
      res.setHeader('Content-Type', 'text/html; charset=UTF-8');
      res.end();
      return true;
    case 'latency':
      await sleep(fault.ms ?? 0);
      return false;
  }
}

/** Authentication, then the route (or EspoCRM's 404), written the way EspoCRM writes it. */
async function dispatch(ctx: RequestContext, entry: SandboxRequestLogEntry, res: ServerResponse): Promise<void> {
  const { state } = ctx;
  const match = matchRoute(routes, ctx.method, ctx.segments);
  let challenge = false;
  try {
    const auth = authenticate({ method: ctx.method, resourcePath: ctx.resourcePath, headers: ctx.headers, ip: ctx.ip }, state.users, state.authLog);
    if (auth) {
      ctx.auth = auth;
      entry.auth = auth.kind;
      entry.userName = auth.user.userName;
    } else if (!match?.route.anonymous) {
      challenge = wantsChallenge(ctx);
      throw new SandboxHttpError(401);
    }
    if (!match) throw noSuchAction(state, ctx.method, ctx.segments);
    const reply = await match.route.handler(ctx, match.params);
    if (auth?.setCookie) reply.headers = { ...reply.headers, 'Set-Cookie': auth.setCookie };
    writeReply(res, reply, state.appTimestamp);
  } catch (error) {
    // anything that is not an EspoCRM-style error is an uncaught exception: 500 without a reason
    writeError(res, error instanceof SandboxHttpError ? error : new SandboxHttpError(500), { challenge });
  }
}

/** `WWW-Authenticate` only for a request that is not a POST, has no Referer and is not XHR. */
function wantsChallenge(ctx: RequestContext): boolean {
  return ctx.method !== 'POST' && headerValue(ctx, 'referer') === undefined && headerValue(ctx, 'x-requested-with') !== 'XMLHttpRequest';
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
