/**
 * The dashboard's HTTP routes, under one path prefix (`/dashboard`), for `serve --http` and the
 * `dashboard` command alike. Read-only pages (fleet, tenant) rendered on the server (no script), the
 * sign-in and sign-out forms, the stylesheet, and one action: "check now" (a round on one tenant or on
 * every tenant the caller sees). The Host check (DNS rebinding) is the server's, before this.
 *
 *   GET  /dashboard/                  fleet page (?q, health, drift, sort, dir, blueprint)
 *   GET  /dashboard/tenants/{id}      tenant page (?blueprint)
 *   POST /dashboard/check             "check now" (csrf, tenant?, blueprint?, back)
 *   GET  /dashboard/login, POST       sign-in with a bearer token (only when authentication is configured)
 *   POST /dashboard/logout            sign-out
 *   GET  /dashboard/assets/dashboard.css
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Authenticator } from '../http/auth.js';
import { CallerRate } from '../http/callerLimits.js';
import type { Logger } from '../log/logger.js';
import { callerId, LOCAL_PRINCIPAL, type Principal } from '../tenants/policy.js';
import type { TenantRegistry } from '../tenants/registry.js';
import type { Store } from '../store/types.js';
import { SERVER_VERSION } from '../version.js';
import { DashboardData } from './data.js';
import type { PageContext } from './model.js';
import { DASHBOARD_PATH, isDashboardPath } from './path.js';
import { Sessions } from './session.js';

export { DASHBOARD_PATH };
import { DASHBOARD_CSS, renderErrorPage, renderFleetPage, renderSignIn, renderTenantPage } from './views.js';
import type { ServerConfig } from '../config/types.js';

/** Failed sign-ins per remote address a minute; past them, every sign-in from it waits for the next minute. */
export const FAILED_SIGN_INS_PER_MINUTE = 10;
/** A "check now" waits this long for its round, then answers while the round finishes on its own. */
export const CHECK_WAIT_MS = 45_000;
/** "Check now" forms a caller may send a minute (each one reads every CRM it names). */
export const CHECKS_PER_MINUTE = 30;
const MAX_FORM_BYTES = 16 * 1024;

const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // No script at all; styles and forms from this origin only; never framed.
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on the page's own forms.
  'referrer-policy': 'same-origin',
};

export interface DashboardOptions {
  registry: TenantRegistry;
  store: Store;
  config: Pick<ServerConfig, 'blueprints' | 'baseDir'>;
  logger: Logger;
  auth: Authenticator;
  readOnly: boolean;
  /** Session cookies carry `Secure` (the server is not on loopback). */
  secureCookies: boolean;
  /** Origins a POST may come from besides the page's own (the `http` section's allowedOrigins, publicUrl's). */
  allowedOrigins?: readonly string[];
  /** Rounds on every tenant on this schedule; undefined: only "check now". */
  everyMs?: number;
  /** Start the schedule at once (the `dashboard` command) rather than at the first page view (`serve --http`). */
  startNow?: boolean;
  concurrency?: number;
  now?: () => Date;
}

type Caller = { principal: Principal; sid: string; signedIn: boolean };

export class DashboardHandler {
  readonly data: DashboardData;
  private readonly failures = new FailedSignIns(FAILED_SIGN_INS_PER_MINUTE);
  private readonly checks = new CallerRate(CHECKS_PER_MINUTE);
  /** Aborted on close: a round in flight stops starting tenants and cuts the checks it runs short. */
  private readonly closing = new AbortController();
  /** "Check now" rounds in flight (they outlive their answer when it came back before them). */
  private readonly pending = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<unknown> | undefined;
  private started = false;

  private constructor(
    private readonly opts: DashboardOptions,
    private readonly sessions: Sessions,
  ) {
    this.data = new DashboardData({
      registry: opts.registry,
      store: opts.store,
      config: opts.config,
      logger: opts.logger,
      readOnly: opts.readOnly,
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  }

  static async create(opts: DashboardOptions): Promise<DashboardHandler> {
    // Shared by every process on the store: a session opened on one replica is valid on the others.
    const key = await opts.store.sharedKey('dashboard-session');
    const handler = new DashboardHandler(opts, new Sessions(new Uint8Array(key), { secure: opts.secureCookies, path: DASHBOARD_PATH }));
    if (opts.startNow) handler.startRounds();
    return handler;
  }

  /** Whether a path is the dashboard's. */
  static owns(pathname: string): boolean {
    return isDashboardPath(pathname);
  }

  /** The scheduled rounds: one now, then every `everyMs` (nothing without a schedule). */
  startRounds(): void {
    if (this.started) return;
    this.started = true;
    const every = this.opts.everyMs;
    if (every === undefined) return;
    const run = () => {
      if (this.round) return;
      this.round = this.data
        .refresh(this.opts.registry.visible(LOCAL_PRINCIPAL), { signal: this.closing.signal })
        .then((r) => this.opts.logger.info({ tenants: r.tenants, ok: r.ok }, 'dashboard round done'))
        .catch((err: unknown) => this.opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'dashboard round failed'))
        .finally(() => (this.round = undefined));
    };
    run();
    this.timer = setInterval(run, every);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.closing.abort(new Error('the server is shutting down'));
    await Promise.all([this.round, ...this.pending].map((r) => r?.catch(() => undefined)));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const path = url.pathname.slice(DASHBOARD_PATH.length);
    const method = req.method ?? 'GET';
    if (path === '' && (method === 'GET' || method === 'HEAD')) return redirect(res, `${DASHBOARD_PATH}/${url.search}`);
    if (path === '/assets/dashboard.css') {
      if (method !== 'GET' && method !== 'HEAD') return this.notAllowed(res, 'GET');
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
      return void res.end(method === 'HEAD' ? undefined : DASHBOARD_CSS);
    }
    if (method === 'POST' && !this.sameOrigin(req)) {
      this.opts.logger.warn({ origin: req.headers.origin, remote: req.socket.remoteAddress }, 'dashboard: refused a POST from another origin');
      return this.page(res, 403, renderErrorPage(403, 'Forbidden', 'This form was sent from another site. Open the dashboard and use its buttons.', undefined, DASHBOARD_PATH));
    }
    if (path === '/login') return this.login(req, res, url);
    const caller = await this.caller(req);
    if (!caller) {
      if (method === 'GET' || method === 'HEAD') {
        const next = `${url.pathname}${url.search}`;
        return redirect(res, `${DASHBOARD_PATH}/login?next=${encodeURIComponent(next)}`);
      }
      return this.page(res, 401, renderErrorPage(401, 'Signed out', 'Your session has ended. Sign in again, then repeat what you did.', undefined, DASHBOARD_PATH));
    }
    if (path === '/logout') {
      if (method !== 'POST') return this.notAllowed(res, 'POST');
      const form = await readForm(req);
      if (!form || !this.sessions.csrfValid(caller.sid, form.get('csrf') ?? undefined)) return this.csrfRefused(res, caller);
      res.writeHead(303, { location: `${DASHBOARD_PATH}/login`, 'set-cookie': this.sessions.cleared(), 'cache-control': 'no-store' });
      return void res.end();
    }
    if (path === '/check') {
      if (method !== 'POST') return this.notAllowed(res, 'POST');
      return this.check(req, res, caller);
    }
    if (method !== 'GET' && method !== 'HEAD') return this.notAllowed(res, 'GET');
    this.startRounds();
    const ctx = this.context(caller, url.searchParams);
    if (path === '/') {
      const view = await this.data.fleet(caller.principal, url.searchParams);
      return this.page(res, 200, renderFleetPage(view, ctx));
    }
    const m = /^\/tenants\/([^/]+)$/.exec(path);
    if (m) {
      let id: string;
      try {
        id = decodeURIComponent(m[1]!);
      } catch {
        id = '';
      }
      const view = id ? await this.data.tenant(caller.principal, id, url.searchParams.get('blueprint')) : undefined;
      // An unknown tenant and another caller's get the same answer.
      if (!view) return this.page(res, 404, renderErrorPage(404, 'No such tenant', 'There is no tenant with this id among the ones you may see.', ctx));
      return this.page(res, 200, renderTenantPage(view, ctx));
    }
    return this.page(res, 404, renderErrorPage(404, 'Not found', 'This page does not exist. The fleet page lists every tenant you may see.', ctx));
  }

  /** The caller: the local user without authentication; else a valid session, or a bearer header (scripts). */
  private async caller(req: IncomingMessage): Promise<Caller | undefined> {
    const { auth } = this.opts;
    if (!auth.required) return { principal: { ...LOCAL_PRINCIPAL, via: 'none' }, sid: 'local', signedIn: false };
    if (req.headers.authorization) {
      const outcome = await auth.authenticate(req.headers);
      // A bearer header is not sent by a browser on its own: no CSRF token is needed with it.
      return outcome.ok ? { principal: { ...outcome.principal, via: outcome.via }, sid: `bearer:${outcome.principal.name}`, signedIn: false } : undefined;
    }
    const session = await this.sessions.read(req.headers.cookie);
    if (!session) return undefined;
    const principal = auth.sessionPrincipal(session);
    return principal ? { principal, sid: session.sid, signedIn: true } : undefined;
  }

  private context(caller: Caller, params: URLSearchParams): PageContext {
    // A server started with a broken tenants.json has no tenant: every page says why, and the fix.
    const broken = this.opts.registry.config.configError;
    const notice = broken !== undefined ? `The configuration cannot be loaded, so no tenant is shown: ${broken}` : noticeOf(params);
    return {
      base: DASHBOARD_PATH,
      caller: { name: caller.principal.name, readOnly: caller.principal.readOnly === true },
      signedIn: caller.signedIn,
      csrf: this.sessions.csrf(caller.sid),
      now: (this.opts.now?.() ?? new Date()).toISOString(),
      ...(notice ? { notice } : {}),
      version: SERVER_VERSION,
    };
  }

  private async login(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const next = safeNext(url.searchParams.get('next'));
    const csrf = this.sessions.csrf('login');
    if (!this.opts.auth.required) return redirect(res, next);
    if (method === 'GET' || method === 'HEAD') return this.page(res, 200, renderSignIn({ base: DASHBOARD_PATH, version: SERVER_VERSION, csrf }));
    if (method !== 'POST') return this.notAllowed(res, 'GET, POST');
    const remote = req.socket.remoteAddress ?? 'unknown';
    const wait = this.failures.waitSeconds(remote);
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      return this.page(res, 429, renderSignIn({ base: DASHBOARD_PATH, version: SERVER_VERSION, csrf, error: `Too many failed sign-ins from this address. Wait ${wait} seconds, then try again.` }));
    }
    const form = await readForm(req);
    if (!form || !this.sessions.csrfValid('login', form.get('csrf') ?? undefined)) {
      return this.page(res, 403, renderSignIn({ base: DASHBOARD_PATH, version: SERVER_VERSION, csrf, error: 'The sign-in form had expired. Try again.' }));
    }
    const token = (form.get('token') ?? '').trim();
    const outcome = token && !/\s/.test(token) ? await this.opts.auth.authenticate({ authorization: `Bearer ${token}` }) : undefined;
    if (!outcome?.ok) {
      this.failures.count(remote);
      this.opts.logger.warn({ remote }, 'dashboard: sign-in refused');
      return this.page(res, 401, renderSignIn({ base: DASHBOARD_PATH, version: SERVER_VERSION, csrf, error: 'This token is not valid for this server. Paste the bearer token your MCP client uses for it (without "Bearer").' }));
    }
    const { cookie } = await this.sessions.open({ ...outcome.principal, via: outcome.via }, token);
    this.opts.logger.info({ principal: outcome.principal.name, via: outcome.via }, 'dashboard: signed in');
    res.writeHead(303, { location: next, 'set-cookie': cookie, 'cache-control': 'no-store' });
    res.end();
  }

  private async check(req: IncomingMessage, res: ServerResponse, caller: Caller): Promise<void> {
    const form = await readForm(req);
    const fromBrowser = !req.headers.authorization;
    if (!form || (fromBrowser && !this.sessions.csrfValid(caller.sid, form.get('csrf') ?? undefined))) return this.csrfRefused(res, caller);
    const visible = this.opts.registry.visible(caller.principal);
    const tenantId = form.get('tenant');
    const targets = tenantId ? visible.filter((t) => t.id === tenantId) : visible;
    if (tenantId && targets.length === 0) {
      return this.page(res, 404, renderErrorPage(404, 'No such tenant', 'There is no tenant with this id among the ones you may see.', this.context(caller, new URLSearchParams())));
    }
    const blueprints = await this.data.blueprints();
    const asked = form.get('blueprint');
    const blueprint = asked && blueprints.includes(asked) ? asked : undefined;
    const back = safeNext(form.get('back'));
    this.opts.logger.info({ principal: caller.principal.name, tenants: targets.length, blueprint }, 'dashboard: check now');
    const admission = this.checks.admit(callerId(caller.principal), 1);
    if (!admission.ok) {
      res.setHeader('retry-after', String(admission.retryAfterSeconds));
      return this.page(
        res,
        429,
        renderErrorPage(429, 'Too many checks', `At most ${CHECKS_PER_MINUTE} "Check now" a minute: the CRMs are read each time. Wait ${admission.retryAfterSeconds} seconds, then try again.`, this.context(caller, new URLSearchParams())),
      );
    }
    const round = this.data.refresh(targets, { ...(blueprint ? { blueprint } : {}), signal: this.closing.signal });
    this.pending.add(round);
    void round.finally(() => this.pending.delete(round)).catch(() => undefined);
    const outcome = await Promise.race([round, new Promise<'later'>((r) => setTimeout(() => r('later'), CHECK_WAIT_MS).unref())]);
    round.catch((err: unknown) => this.opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'dashboard: check now failed'));
    const params = outcome === 'later' ? `checking=${targets.length}` : `checked=${outcome.tenants}&ok=${outcome.ok}`;
    redirect(res, `${back}${back.includes('?') ? '&' : '?'}${params}`);
  }

  /** A POST's Origin is the page's own (its Host, already checked), or an allowed one; none (not a browser) passes. */
  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const host = req.headers.host;
    if (host && (origin === `http://${host}` || origin === `https://${host}`)) return true;
    return (this.opts.allowedOrigins ?? []).includes(origin);
  }

  private csrfRefused(res: ServerResponse, caller: Caller): void {
    this.opts.logger.warn({ principal: caller.principal.name }, 'dashboard: refused a form without a valid CSRF token');
    this.page(res, 403, renderErrorPage(403, 'Form expired', 'This form is no longer valid (it was opened before a sign-in or a restart). Reload the page and try again.', this.context(caller, new URLSearchParams())));
  }

  private notAllowed(res: ServerResponse, allow: string): void {
    res.setHeader('allow', allow);
    this.page(res, 405, renderErrorPage(405, 'Method not allowed', `This address answers ${allow} only.`, undefined, DASHBOARD_PATH));
  }

  /** A page, gzipped when the browser takes it and it is worth it (a fleet page's charts compress tenfold). */
  private page(res: ServerResponse, status: number, html: string): void {
    const gzip = html.length > 4096 && /\bgzip\b/.test(String(res.req?.headers['accept-encoding'] ?? ''));
    const body = gzip ? gzipSync(html, { level: 6 }) : Buffer.from(html, 'utf8');
    res.writeHead(status, { ...PAGE_HEADERS, vary: 'Accept-Encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': body.length });
    res.end(res.req?.method === 'HEAD' ? undefined : body);
  }
}

/** Failed sign-ins per address in the current minute (a guesser gets ten tries a minute; a success costs nothing). */
export class FailedSignIns {
  private readonly windows = new Map<string, { minute: number; failures: number }>();
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `who` may try again (0: now). */
  waitSeconds(who: string): number {
    const minute = Math.floor(this.now() / 60_000);
    const w = this.windows.get(who);
    if (!w || w.minute !== minute || w.failures < this.perMinute) return 0;
    return Math.max(1, Math.ceil(((minute + 1) * 60_000 - this.now()) / 1000));
  }

  count(who: string): void {
    const minute = Math.floor(this.now() / 60_000);
    const w = this.windows.get(who);
    if (w && w.minute === minute) w.failures += 1;
    else {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(who, { minute, failures: 1 });
    }
  }
}

/** A notice from the numbers a "check now" redirect carries (never text from the URL). */
export function noticeOf(params: URLSearchParams): string | undefined {
  const n = (name: string) => {
    const v = params.get(name);
    return v !== null && /^\d{1,6}$/.test(v) ? Number(v) : undefined;
  };
  const checked = n('checked');
  if (checked !== undefined) {
    const ok = n('ok') ?? 0;
    return `Checked ${checked} tenant${checked === 1 ? '' : 's'}: ${ok} ok${checked - ok > 0 ? `, ${checked - ok} not ok` : ''}.`;
  }
  const checking = n('checking');
  if (checking !== undefined) return `Checking ${checking} tenant${checking === 1 ? '' : 's'}: still running, reload in a minute.`;
  return undefined;
}

/** Where to go after a form: a path of the dashboard only (no other site, no scheme-relative URL). */
export function safeNext(value: string | null): string {
  const fallback = `${DASHBOARD_PATH}/`;
  if (!value || value.length > 2000) return fallback;
  if (!value.startsWith(`${DASHBOARD_PATH}/`) || value.includes('\\') || hasControl(value) || value.startsWith('//')) return fallback;
  try {
    const u = new URL(value, 'http://placeholder');
    if (u.origin !== 'http://placeholder' || !DashboardHandler.owns(u.pathname)) return fallback;
    // The notice of a previous "check now" is not carried over.
    for (const k of ['checked', 'ok', 'checking']) u.searchParams.delete(k);
    return `${u.pathname}${u.search}`;
  } catch {
    return fallback;
  }
}

function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20 || value.charCodeAt(i) === 0x7f) return true;
  return false;
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

/** An urlencoded form body, at most 16 KB; undefined when it is not one. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
