/**
 * The credentials side of the EspoCRM client: which credential a request carries (API key, HMAC
 * signature, admin token), the admin session (single-flight password login, one re-login on 401,
 * logout), and the cool-down that keeps refused credentials from being retried into a lockout.
 */
import type { Logger } from 'pino';
import type { EspoAuthMode, EspoResponse } from './types.js';
import type { EspoUrl } from './url.js';
import { hmacAuthorization } from './hmac.js';
import { LazySecret } from './secret.js';
import { isRecord } from '../core/values.js';
import { deadlineTimer, raceAbort, type Attempt } from './attempt.js';
import type { EspoTransport } from './transport.js';
import {
  EspoAuthError,
  EspoError,
  EspoForbiddenError,
  EspoNotConfiguredError,
  type AuthKind,
  type RequestContext,
} from './errors.js';

const ADMIN_TYPES = new Set(['admin', 'super-admin']);

export interface SessionSettings {
  tenantId: string;
  url: EspoUrl;
  logger: Logger | undefined;
  apiKey: (() => Promise<string>) | undefined;
  hmacSecret: (() => Promise<string>) | undefined;
  admin: { username: string; password: () => Promise<string> } | undefined;
  /** How long a refused credential (password, API key) blocks further attempts. */
  authCooldownMs: number;
}

/** Authenticates the requests of one tenant and holds its admin token. */
export class EspoSession {
  private readonly tenantId: string;
  private readonly url: EspoUrl;
  private readonly logger: Logger | undefined;
  private readonly authCooldownMs: number;
  private readonly apiKey: LazySecret | undefined;
  private readonly hmacSecret: LazySecret | undefined;
  private readonly admin: { username: string; password: LazySecret } | undefined;

  private adminToken: string | undefined;
  private adminLogin: Promise<string> | undefined;
  /** Refused credentials: no new attempt before `until` (EspoCRM locks an IP out after 10 failures a minute). */
  private readonly refused = new Map<'password' | 'api', { error: EspoError; until: number }>();

  constructor(s: SessionSettings, private readonly transport: EspoTransport) {
    this.tenantId = s.tenantId;
    this.url = s.url;
    this.logger = s.logger;
    this.authCooldownMs = s.authCooldownMs;
    if (s.admin && s.admin.username.includes(':')) {
      throw new EspoNotConfiguredError({
        userMessage: `The admin user name of tenant "${s.tenantId}" contains ":", which EspoCRM's login header cannot carry. Use the user name as shown in EspoCRM.`,
      });
    }
    this.apiKey = s.apiKey ? new LazySecret(s.apiKey, s.tenantId, 'apiKey') : undefined;
    this.hmacSecret = s.hmacSecret ? new LazySecret(s.hmacSecret, s.tenantId, 'hmacSecret') : undefined;
    this.admin = s.admin
      ? { username: s.admin.username.trim(), password: new LazySecret(s.admin.password, s.tenantId, 'admin.password') }
      : undefined;
  }

  /** Which credentials are configured (not whether they work). */
  get credentials(): { apiKey: boolean; hmac: boolean; admin: boolean; adminUsername: string | undefined } {
    return { apiKey: this.apiKey !== undefined, hmac: this.apiKey !== undefined && this.hmacSecret !== undefined, admin: this.admin !== undefined, adminUsername: this.admin?.username };
  }

  /** Sends an attempt with the credential `mode` asks for (or the one the tenant has). */
  async dispatch(mode: EspoAuthMode, a: Attempt): Promise<EspoResponse> {
    if (mode === 'none') return this.transport.send(a, {}, this.ctx(a.method, a.path, 'none'), 'idempotent');
    if (mode === 'api' && this.apiKey) return this.apiRequest(a);
    if (this.admin) return this.adminRequest(a);
    throw new EspoNotConfiguredError({
      userMessage:
        mode === 'admin'
          ? `Tenant "${this.tenantId}" has no admin login configured, and ${a.method} ${a.path} needs one (EspoCRM never lets API users be admins). Add admin.username and admin.password to the tenant.`
          : `Tenant "${this.tenantId}" has no credentials configured. Add an apiKey and/or an admin login to the tenant.`,
    });
  }

  /** Destroys the admin session token on the server (if one is held) and forgets it. True when
   *  EspoCRM confirmed it. The next admin request logs in again. */
  async logout(): Promise<boolean> {
    const token = this.adminToken;
    if (!token) return false;
    this.adminToken = undefined;
    return this.destroyQuietly(token);
  }

  private async apiRequest(a: Attempt): Promise<EspoResponse> {
    const kind: AuthKind = this.hmacSecret ? 'hmac' : 'apiKey';
    const ctx = this.ctx(a.method, a.path, kind);
    this.throwIfRefused('api');
    const key = await this.secret(this.apiKey!, a, ctx);
    const headers: Record<string, string> = this.hmacSecret
      ? { 'X-Hmac-Authorization': hmacAuthorization(key, await this.secret(this.hmacSecret, a, ctx), a.method, `/${a.path}`) }
      : { 'X-Api-Key': key };
    try {
      return await this.transport.send(a, headers, ctx, 'idempotent');
    } catch (err) {
      if (!(err instanceof EspoAuthError)) throw err;
      // The key may have been rotated by another process (`tenants rotate` while this server runs): read
      // it again, and when it changed, retry once with the new one (a 401 means the request was not run).
      this.apiKey!.forget();
      this.hmacSecret?.forget();
      const fresh = err.status === 401 ? await this.changedApiHeaders(a, ctx, headers).catch(() => undefined) : undefined;
      if (fresh) {
        this.logger?.info({ method: a.method, path: a.path }, 'API key refused; the stored key changed, retrying once with it');
        try {
          return await this.transport.send(a, fresh, ctx, 'idempotent');
        } catch (err2) {
          if (err2 instanceof EspoAuthError) {
            this.refuse('api', err2);
            this.apiKey!.forget();
            this.hmacSecret?.forget();
          }
          throw err2;
        }
      }
      // A refused key counts towards EspoCRM's lockout: pause it, and re-read it next time (it may be fixed).
      this.refuse('api', err);
      throw err;
    }
  }

  /** The API headers from the secrets as stored now, when they differ from `sent`; else undefined. */
  private async changedApiHeaders(a: Attempt, ctx: RequestContext, sent: Record<string, string>): Promise<Record<string, string> | undefined> {
    const key = await this.secret(this.apiKey!, a, ctx);
    const headers: Record<string, string> = this.hmacSecret
      ? { 'X-Hmac-Authorization': hmacAuthorization(key, await this.secret(this.hmacSecret, a, ctx), a.method, `/${a.path}`) }
      : { 'X-Api-Key': key };
    const same = Object.keys(headers).every((k) => headers[k] === sent[k]);
    return same ? undefined : headers;
  }

  /**
   * Forgets the secrets read so far and any refusal cool-down: the next request reads them from where
   * they are stored (after a rotation). The admin token is kept while EspoCRM accepts it.
   */
  forgetSecrets(): void {
    this.apiKey?.forget();
    this.hmacSecret?.forget();
    this.admin?.password.forget();
    this.refused.clear();
  }

  private async adminRequest(a: Attempt): Promise<EspoResponse> {
    const token = await this.getAdminToken(a.signal, a);
    try {
      return await this.transport.send(a, this.tokenHeaders(token), this.ctx(a.method, a.path, 'token'), 'idempotent');
    } catch (err) {
      if (!(err instanceof EspoAuthError) || err.status !== 401) throw err;
      // The token expired or was destroyed: one password re-login (shared by concurrent callers), one retry.
      this.logger?.debug({ method: a.method, path: a.path }, 'admin token refused; logging in again');
      if (this.adminToken === token) this.adminToken = undefined;
      const fresh = await this.getAdminToken(a.signal, a);
      try {
        return await this.transport.send(a, this.tokenHeaders(fresh), this.ctx(a.method, a.path, 'token'), 'idempotent');
      } catch (err2) {
        if (err2 instanceof EspoAuthError && this.adminToken === fresh) this.adminToken = undefined;
        throw err2;
      }
    }
  }

  /** A secret lookup (keychain, file) bounded by the request's signal. */
  private secret(secret: LazySecret, a: Attempt, ctx: RequestContext): Promise<string> {
    return raceAbort(secret.value(), a.signal, () => this.transport.abortError(a.signal, ctx, a.deadlineMs));
  }

  private tokenHeaders(token: string): Record<string, string> {
    return {
      'Espo-Authorization': base64(`${this.admin!.username}:${token}`),
      // Token-only: an unknown token is a plain 401 that does not count towards the login lockout.
      'Espo-Authorization-By-Token': 'true',
    };
  }

  /** The admin token: cached, else one shared password login (never while a refusal cools down). */
  private async getAdminToken(signal: AbortSignal, a: Attempt): Promise<string> {
    if (this.adminToken) return this.adminToken;
    this.throwIfRefused('password');
    if (!this.adminLogin) {
      const login = this.passwordLogin(a.deadlineMs);
      this.adminLogin = login;
      login.then(
        () => { if (this.adminLogin === login) this.adminLogin = undefined; },
        () => { if (this.adminLogin === login) this.adminLogin = undefined; },
      );
    }
    return raceAbort(this.adminLogin, signal, () => this.transport.abortError(signal, this.ctx(a.method, a.path, 'password'), a.deadlineMs));
  }

  /**
   * `GET App/user` with `Espo-Authorization: base64(user:password)`. Never with
   * `Espo-Authorization-Create-Token-Secret` (that binds the token to a cookie). Not bound to one
   * caller's signal: concurrent callers share it.
   */
  private async passwordLogin(deadlineMs: number): Promise<string> {
    const admin = this.admin!;
    const ctx: RequestContext = { ...this.ctx('GET', 'App/user', 'password'), username: admin.username, passwordCooldownMs: this.authCooldownMs };
    // Read where it is stored before each login (logins are rare): a password rotated by another
    // process (`tenants rotate`) is used without a restart.
    admin.password.forget();
    const password = await admin.password.value();
    const controller = new AbortController();
    const timer = deadlineTimer(controller, Math.max(deadlineMs, this.transport.timeouts.headersMs));
    let res: EspoResponse;
    try {
      res = await this.transport.send(
        { ...this.transport.bareAttempt('GET', 'App/user', undefined, controller.signal), deadlineMs },
        { 'Espo-Authorization': base64(`${admin.username}:${password}`) },
        ctx,
        // A password is never retried once it may have reached EspoCRM (lockout: 10 failures/min/IP).
        'beforeSendOnly',
      );
    } catch (err) {
      if (err instanceof EspoAuthError || err instanceof EspoForbiddenError) {
        this.refuse('password', err);
        if (err instanceof EspoAuthError && err.code === 'auth_refused') admin.password.forget();
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return this.acceptLogin(res, ctx);
  }

  /** The token of a successful login answer, kept; a user who is not an admin is refused. */
  private acceptLogin(res: EspoResponse, ctx: RequestContext): string {
    const admin = this.admin!;
    const body = isRecord(res.body) ? res.body : {};
    const user = isRecord(body.user) ? body.user : {};
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : undefined;
    const type = typeof user.type === 'string' ? user.type : undefined;
    if (type === undefined || !ADMIN_TYPES.has(type)) {
      const err = new EspoForbiddenError({
        code: 'not_admin',
        status: res.status,
        context: ctx,
        userMessage:
          `The user "${admin.username}" of tenant "${this.tenantId}" logged in, but is not an admin (type "${type ?? 'unknown'}"). ` +
          'Schema and layout work needs a user of type "admin"; configure an admin login for this tenant.',
      });
      this.refuse('password', err);
      if (token) void this.destroyQuietly(token);
      throw err;
    }
    if (!token) {
      throw new EspoError({
        code: 'no_token',
        status: res.status,
        context: ctx,
        userMessage: `EspoCRM of tenant "${this.tenantId}" accepted the admin login but returned no session token. Check that the URL reaches EspoCRM directly (no proxy rewriting the Espo-Authorization header).`,
      });
    }
    this.adminToken = token;
    this.logger?.debug({ username: admin.username }, 'admin login succeeded');
    return token;
  }

  private async destroyQuietly(token: string): Promise<boolean> {
    const controller = new AbortController();
    const timer = deadlineTimer(controller, this.transport.timeouts.headersMs);
    try {
      const res = await this.transport.send(
        this.transport.bareAttempt('POST', 'App/destroyAuthToken', { token }, controller.signal),
        this.tokenHeaders(token),
        this.ctx('POST', 'App/destroyAuthToken', 'token'),
        'beforeSendOnly',
      );
      return res.body === true;
    } catch {
      return false; // best effort: an idle token expires on the server anyway
    } finally {
      clearTimeout(timer);
    }
  }

  private throwIfRefused(which: 'password' | 'api'): void {
    const r = this.refused.get(which);
    if (!r) return;
    if (Date.now() < r.until) throw r.error;
    this.refused.delete(which);
  }

  private refuse(which: 'password' | 'api', error: EspoError): void {
    this.refused.set(which, { error, until: Date.now() + this.authCooldownMs });
  }

  private ctx(method: string, path: string, authKind: AuthKind): RequestContext {
    return { tenantId: this.tenantId, method, path, authKind, origin: this.url.origin, username: this.admin?.username, passwordCooldownMs: this.authCooldownMs };
  }
}

function base64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}
