/**
 * Typed errors for EspoCRM calls, built from the status, `X-Status-Reason` and body (API.md §1.1),
 * or from a transport failure. `userMessage` says what happened and what to do about it; it never
 * holds a secret, a header or a raw body (at most a short excerpt of a JSON `message`).
 */

/** The credential a request carried: decides what a 401/403 means and how to fix it. */
export type AuthKind = 'apiKey' | 'hmac' | 'password' | 'token' | 'none';

/** What an error message may say about the request. Nothing here is secret. */
export interface RequestContext {
  tenantId: string;
  method: string;
  /** Path after the API base, without the query. */
  path: string;
  authKind: AuthKind;
  /** `https://crm.example.com`, for transport messages. */
  origin?: string;
  /** The admin user name (not secret), for login messages. */
  username?: string;
  /** How long a refused password blocks further attempts, for the message. */
  passwordCooldownMs?: number;
}

/** A `messageTranslation` from an EspoCRM error body (label, scope, data). */
export interface EspoMessageTranslation {
  label: string;
  scope: string | null;
  data: Record<string, unknown>;
}

interface EspoErrorInit {
  code: string;
  userMessage: string;
  retryable?: boolean;
  status?: number;
  reason?: string;
  context?: RequestContext;
  translation?: EspoMessageTranslation;
  cause?: unknown;
}

export class EspoError extends Error {
  /** A stable machine-readable code (`auth_refused`, `not_admin`, `duplicate`...). */
  readonly code: string;
  /** The HTTP status, or undefined when no response came. */
  readonly status: number | undefined;
  /** `X-Status-Reason`: undefined when absent, '' when present but empty. */
  readonly reason: string | undefined;
  /** What a user can act on. Also the `message`. */
  readonly userMessage: string;
  /** True when the same request may succeed later (network trouble, 502/503/504). */
  readonly retryable: boolean;
  readonly tenantId: string | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly translation: EspoMessageTranslation | undefined;

  constructor(init: EspoErrorInit) {
    super(init.userMessage, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'EspoError';
    this.code = init.code;
    this.status = init.status;
    this.reason = init.reason;
    this.userMessage = init.userMessage;
    this.retryable = init.retryable ?? false;
    this.tenantId = init.context?.tenantId;
    this.method = init.context?.method;
    this.path = init.context?.path;
    this.translation = init.translation;
  }

  /** A log- and result-safe summary. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name, code: this.code, status: this.status, reason: this.reason, message: this.userMessage,
      retryable: this.retryable, tenantId: this.tenantId, method: this.method, path: this.path,
    };
  }
}

/** 401: the credential was refused (or 2FA is required). Never retried. */
export class EspoAuthError extends EspoError {
  readonly credential: AuthKind;
  constructor(init: EspoErrorInit & { credential: AuthKind }) {
    super(init);
    this.name = 'EspoAuthError';
    this.credential = init.credential;
  }
}

/** 403: not allowed (no admin rights, ACL, not customizable, login lockout, `maxSize` too large). */
export class EspoForbiddenError extends EspoError {
  constructor(init: EspoErrorInit) {
    super(init);
    this.name = 'EspoForbiddenError';
  }
}

export class EspoNotFoundError extends EspoError {
  constructor(init: EspoErrorInit) {
    super(init);
    this.name = 'EspoNotFoundError';
  }
}

export type ConflictKind = 'duplicate' | 'modified' | 'fieldAlreadyExists' | 'other';

/** 409: a duplicate record (with the records EspoCRM matched), a stale version, an existing field. */
export class EspoConflictError extends EspoError {
  readonly conflict: ConflictKind;
  /** For `duplicate`: the records EspoCRM found (up to 5, attributes only). */
  readonly duplicates: Record<string, unknown>[] | undefined;
  constructor(init: EspoErrorInit & { conflict: ConflictKind; duplicates?: Record<string, unknown>[] }) {
    super(init);
    this.name = 'EspoConflictError';
    this.conflict = init.conflict;
    this.duplicates = init.duplicates;
  }
}

/** 400: a bad request or a field validation failure (`field`, `validation` when EspoCRM names them). */
export class EspoValidationError extends EspoError {
  readonly entityType: string | undefined;
  readonly field: string | undefined;
  readonly validation: string | undefined;
  constructor(init: EspoErrorInit & { entityType?: string; field?: string; validation?: string }) {
    super(init);
    this.name = 'EspoValidationError';
    this.entityType = init.entityType;
    this.field = init.field;
    this.validation = init.validation;
  }
}

/** 500: EspoCRM's `Error` exception (reason set) or an uncaught failure (no reason). */
export class EspoServerError extends EspoError {
  constructor(init: EspoErrorInit) {
    super(init);
    this.name = 'EspoServerError';
  }
}

/** 503 (maintenance mode), or 502/504 from a proxy in front of EspoCRM. Retryable. */
export class EspoUnavailableError extends EspoError {
  constructor(init: EspoErrorInit) {
    super({ ...init, retryable: true });
    this.name = 'EspoUnavailableError';
  }
}

export type NetworkPhase = 'dns' | 'connect' | 'tls' | 'exchange' | 'headers' | 'body' | 'deadline';

/** No (complete) response: DNS, refused or reset connection, TLS, timeouts. */
export class EspoNetworkError extends EspoError {
  /** Where it failed. `connect`/`dns` failures happen before any byte of the request is sent. */
  readonly phase: NetworkPhase;
  /** The system or undici code (`ECONNREFUSED`, `UND_ERR_SOCKET`...). */
  readonly errorCode: string | undefined;
  constructor(init: EspoErrorInit & { phase: NetworkPhase; errorCode?: string }) {
    super(init);
    this.name = 'EspoNetworkError';
    this.phase = init.phase;
    this.errorCode = init.errorCode;
  }
}

/** A timeout; `phase` says which one: connect, headers (no answer), body (answer stalled), deadline
 *  (the request's overall `timeoutMs`). */
export class EspoTimeoutError extends EspoNetworkError {
  readonly timeoutMs: number | undefined;
  constructor(init: EspoErrorInit & { phase: 'connect' | 'headers' | 'body' | 'deadline'; errorCode?: string; timeoutMs?: number }) {
    super(init);
    this.name = 'EspoTimeoutError';
    this.timeoutMs = init.timeoutMs;
  }
}

/** The caller aborted (its AbortSignal fired). Named `AbortError` so generic cancel checks work. */
export class EspoCancelledError extends EspoError {
  constructor(context: RequestContext, cause?: unknown) {
    super({
      code: 'cancelled',
      userMessage: `The call to EspoCRM (${context.method} ${context.path}) of tenant "${context.tenantId}" was cancelled by the caller.`,
      context,
      cause,
    });
    this.name = 'AbortError';
  }
}

/** The tenant lacks the credential a route needs (no admin login, no credentials at all). */
export class EspoNotConfiguredError extends EspoError {
  constructor(init: Omit<EspoErrorInit, 'code'>) {
    super({ ...init, code: 'not_configured' });
    this.name = 'EspoNotConfiguredError';
  }
}

// ---------------------------------------------------------------------------------------------
// From an HTTP response

export interface ErrorResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Parsed JSON, raw text, or null. */
  body: unknown;
}

/** Admin-only routes: a bare 403 on them means "this user is not an admin". */
export function isAdminRoute(method: string, path: string): boolean {
  const p = path.replace(/^\/+/, '');
  if (/^(Admin|FieldManager|EntityManager|Layout)\//.test(p)) return true;
  if (p.startsWith('Metadata/action/')) return true;
  if (method !== 'GET' && /^[A-Za-z0-9_]+\/layout\//.test(p)) return true;
  if (method !== 'GET' && p === 'Settings') return true;
  return false;
}

export function errorFromResponse(res: ErrorResponse, ctx: RequestContext): EspoError {
  const { status } = res;
  const rawReason = res.headers['x-status-reason'];
  const reason = rawReason === undefined ? undefined : sanitize(rawReason, 300);
  const translation = messageTranslation(res.body);
  const bodyMessage = jsonMessage(res.body);
  const base = { status, reason, context: ctx, translation };
  const tenant = `tenant "${ctx.tenantId}"`;
  const request = `${ctx.method} ${ctx.path}`;

  if (status === 401) return authError(res, ctx, reason);

  if (status === 403) {
    if (ctx.authKind === 'password') {
      return new EspoForbiddenError({
        ...base,
        code: 'login_blocked',
        userMessage:
          `EspoCRM of ${tenant} refused the admin login with 403${reason ? ` (${reason})` : ''}. ` +
          'Most likely it locked this IP address out after too many failed logins (more than 10 within 60 s, ' +
          'counting every client behind the same IP): wait 60 s, and check the stored admin password before trying again. ' +
          "If it persists, this IP may be outside EspoCRM's IP whitelist (Administration > Authentication).",
      });
    }
    if (!reason && (ctx.authKind === 'apiKey' || ctx.authKind === 'hmac') && isAdminRoute(ctx.method, ctx.path)) {
      return new EspoForbiddenError({
        ...base,
        code: 'not_admin',
        userMessage:
          `EspoCRM of ${tenant} refused ${request} with 403: the API user is not an admin, and EspoCRM never lets API users be admins. ` +
          'Configure an admin login (admin.username and admin.password) for this tenant; admin routes use it.',
      });
    }
    if (!reason) {
      return new EspoForbiddenError({
        ...base,
        code: isAdminRoute(ctx.method, ctx.path) ? 'not_admin' : 'forbidden',
        userMessage: isAdminRoute(ctx.method, ctx.path)
          ? `EspoCRM of ${tenant} refused ${request} with 403: the user is not an admin. Admin routes need a user of type "admin" in EspoCRM.`
          : `EspoCRM of ${tenant} refused ${request} with 403 and gave no reason: the user's roles do not allow it` +
            (ctx.authKind === 'apiKey' || ctx.authKind === 'hmac' ? ', or EspoCRM locked this IP out after too many failed logins (then wait 60 s).' : '.'),
      });
    }
    return new EspoForbiddenError({
      ...base,
      code: 'forbidden',
      userMessage: `EspoCRM of ${tenant} refused ${request} with 403: ${reason}${/access\.?$/i.test(reason) ? " Check the roles of the user (Administration > Roles)." : ''}`,
    });
  }

  if (status === 404) {
    return new EspoNotFoundError({
      ...base,
      code: 'not_found',
      userMessage: reason
        ? `Not found in EspoCRM of ${tenant}: ${reason}`
        : `EspoCRM of ${tenant} has no such route or record (${request} answered 404).`,
    });
  }

  if (status === 409) return conflictError(res, base, tenant, reason, translation);

  if (status === 400) {
    const v = reason ? /Field validation failure; entityType: ([^,]+), field: ([^,]+), type: ([^.]+)\./.exec(reason) : null;
    if (v) {
      const [, entityType, field, validation] = v;
      return new EspoValidationError({
        ...base,
        code: 'validation_failed',
        entityType, field, validation,
        userMessage: `EspoCRM of ${tenant} rejected the value of field "${field}" on ${entityType}: ${describeValidation(validation ?? '')}.`,
      });
    }
    return new EspoValidationError({
      ...base,
      code: 'bad_request',
      userMessage: reason
        ? `EspoCRM of ${tenant} rejected ${request} as invalid (400): ${reason}`
        : `EspoCRM of ${tenant} rejected ${request} as invalid (400) without giving a reason${bodyMessage ? `: ${bodyMessage}` : ''}.`,
    });
  }

  if (status === 500) {
    return new EspoServerError({
      ...base,
      code: 'server_error',
      userMessage: reason
        ? `EspoCRM of ${tenant} failed on ${request} (500): ${reason}`
        : `EspoCRM of ${tenant} failed on ${request} with an internal error (500) and gave no reason${bodyMessage ? ` (${bodyMessage})` : ''}. ` +
          'Common causes: a field update without "type", an invalid JSON body. The EspoCRM log (data/logs) has the detail.',
    });
  }

  if (status === 503) {
    const why = reason || bodyMessage;
    return new EspoUnavailableError({
      ...base,
      code: 'unavailable',
      userMessage: `EspoCRM of ${tenant} is unavailable (503)${why ? `: ${why}` : ''}. In maintenance mode only admin users get in; otherwise try again later.`,
    });
  }

  if (status === 502 || status === 504) {
    return new EspoUnavailableError({
      ...base,
      code: 'gateway_error',
      userMessage: `A proxy in front of EspoCRM of ${tenant} answered ${status}: EspoCRM is down or did not answer in time. Try again later.`,
    });
  }

  if (status >= 300 && status < 400) {
    const location = safeLocation(res.headers.location, ctx.origin);
    return new EspoError({
      ...base,
      code: 'redirect',
      userMessage:
        `EspoCRM of ${tenant} redirected ${request} (${status})${location ? ` to ${location}` : ''}. ` +
        'Set the tenant URL to the address it redirects to (often https:// instead of http://, or with/without "www.").',
    });
  }

  return new EspoError({
    ...base,
    code: 'unexpected_status',
    retryable: status === 429,
    userMessage: `EspoCRM of ${tenant} answered ${request} with an unexpected status ${status}${reason ? `: ${reason}` : ''}.`,
  });
}

function authError(res: ErrorResponse, ctx: RequestContext, reason: string | undefined): EspoAuthError {
  const tenant = `tenant "${ctx.tenantId}"`;
  const base = { status: res.status, reason, context: ctx, credential: ctx.authKind };
  const user = ctx.username ? ` (user "${ctx.username}")` : '';
  const cooldown = Math.round((ctx.passwordCooldownMs ?? 60_000) / 1000);

  if (reason === 'second-step-required') {
    return new EspoAuthError({
      ...base,
      code: 'second_step_required',
      userMessage:
        `The admin user${user} of ${tenant} has two-factor authentication enabled, so an unattended password login cannot complete. ` +
        'Use a dedicated admin user without 2FA for this server (in EspoCRM: the user > Security).',
    });
  }
  switch (ctx.authKind) {
    case 'password':
      return new EspoAuthError({
        ...base,
        code: 'auth_refused',
        userMessage:
          `EspoCRM of ${tenant} refused the admin login${user}: wrong user name or password, or the user is inactive. ` +
          `Check admin.username in the tenant config and store the right password (\`espocrm-admin-mcp tenants set-secret ${ctx.tenantId} admin.password\`). ` +
          `No new password attempt is made for ${cooldown} s, to stay clear of EspoCRM's lockout (10 failed logins per minute per IP).`,
      });
    case 'apiKey':
      return new EspoAuthError({
        ...base,
        code: 'auth_refused',
        userMessage:
          `EspoCRM of ${tenant} refused the API key (401). Check that the API user exists, is active and uses the "API Key" authentication method, ` +
          `and store its key (\`espocrm-admin-mcp tenants set-secret ${ctx.tenantId} apiKey\`). Each refused key counts towards EspoCRM's failed-login lockout.`,
      });
    case 'hmac':
      return new EspoAuthError({
        ...base,
        code: 'auth_refused',
        userMessage:
          `EspoCRM of ${tenant} refused the HMAC-signed request (401). Check that the API user uses the "HMAC" authentication method and that ` +
          `both its API key and secret key are stored (\`tenants set-secret ${ctx.tenantId} apiKey\` / \`hmacSecret\`).`,
      });
    case 'token':
      return new EspoAuthError({
        ...base,
        code: 'token_refused',
        userMessage:
          `EspoCRM of ${tenant} refused the admin session token right after a fresh login${user}. ` +
          'Something on the server side invalidates new tokens (another client logging in as the same user with authTokenPreventConcurrent?). Use a dedicated admin user for this server.',
      });
    case 'none':
      return new EspoAuthError({
        ...base,
        code: 'auth_required',
        userMessage: `EspoCRM of ${tenant} requires authentication for ${ctx.method} ${ctx.path} (401).`,
      });
  }
}

function conflictError(
  res: ErrorResponse,
  base: { status: number; reason: string | undefined; context: RequestContext; translation: EspoMessageTranslation | undefined },
  tenant: string,
  reason: string | undefined,
  translation: EspoMessageTranslation | undefined,
): EspoConflictError {
  if (reason === 'duplicate') {
    const duplicates = Array.isArray(res.body) ? res.body.filter(isRecord) : [];
    const ids = duplicates.map((d) => (typeof d.id === 'string' ? sanitize(d.id, 40) : '?'));
    return new EspoConflictError({
      ...base,
      code: 'duplicate',
      conflict: 'duplicate',
      duplicates,
      userMessage:
        `EspoCRM of ${tenant} found ${duplicates.length} existing record(s) that look like duplicates (same name or email address)` +
        `${ids.length ? `: ${ids.join(', ')}` : ''}. Review or merge them, or create the record with the duplicate check skipped.`,
    });
  }
  if (reason === 'modified') {
    return new EspoConflictError({
      ...base,
      code: 'modified',
      conflict: 'modified',
      userMessage: `The record was changed in EspoCRM of ${tenant} since it was read (409). Read it again and reapply the change.`,
    });
  }
  if (translation?.label === 'fieldAlreadyExists') {
    const field = typeof translation.data.field === 'string' ? sanitize(translation.data.field, 60) : undefined;
    const entity = typeof translation.data.entityType === 'string' ? sanitize(translation.data.entityType, 60) : undefined;
    return new EspoConflictError({
      ...base,
      code: 'field_exists',
      conflict: 'fieldAlreadyExists',
      userMessage: `The field ${field ? `"${field}" ` : ''}already exists${entity ? ` in ${entity}` : ''} (EspoCRM of ${tenant}). Choose another name, or update the existing field.`,
    });
  }
  return new EspoConflictError({
    ...base,
    code: 'conflict',
    conflict: 'other',
    userMessage: `EspoCRM of ${tenant} reported a conflict (409)${reason ? `: ${reason}` : ''}.`,
  });
}

function describeValidation(type: string): string {
  switch (type) {
    case 'valid': return 'the value is not valid (e.g. not one of the allowed options, or a malformed phone number)';
    case 'required': return 'a value is required';
    case 'maxLength': return 'the value is too long';
    case 'emailAddress': return 'not a valid email address';
    case 'phoneNumber': return 'not a valid phone number';
    case 'max': return 'the value is above the maximum';
    case 'min': return 'the value is below the minimum';
    case 'pattern': return 'the value does not match the required pattern';
    case 'maxCount': return 'too many items';
    default: return `validation "${sanitize(type, 40)}" failed`;
  }
}

// ---------------------------------------------------------------------------------------------
// From a transport failure

/** Maps an undici / system error to a typed error. `timeoutMs` is the limit that applied, if known. */
export function errorFromTransport(err: unknown, ctx: RequestContext, timeouts: { connectMs?: number; headersMs?: number; bodyMs?: number } = {}): EspoNetworkError {
  const code = errorCode(err);
  const where = ctx.origin ? ` (${ctx.origin})` : '';
  const tenant = `tenant "${ctx.tenantId}"`;
  const base = { context: ctx, errorCode: code, cause: err };
  const secs = (ms: number | undefined) => (ms === undefined ? '' : ` within ${formatSeconds(ms)}`);

  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return new EspoTimeoutError({
        ...base, code: 'timeout', phase: 'connect', timeoutMs: timeouts.connectMs, retryable: true,
        userMessage: `Could not connect to EspoCRM of ${tenant}${where}${secs(timeouts.connectMs)}: the host does not answer. Check the URL, the network, and any firewall.`,
      });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new EspoTimeoutError({
        ...base, code: 'timeout', phase: 'headers', timeoutMs: timeouts.headersMs, retryable: true,
        userMessage: `EspoCRM of ${tenant}${where} accepted the connection but did not answer ${ctx.method} ${ctx.path}${secs(timeouts.headersMs)}. It may be overloaded or stuck; try again later.`,
      });
    case 'UND_ERR_BODY_TIMEOUT':
      return new EspoTimeoutError({
        ...base, code: 'timeout', phase: 'body', timeoutMs: timeouts.bodyMs, retryable: true,
        userMessage: `EspoCRM of ${tenant}${where} started answering ${ctx.method} ${ctx.path} but the answer stalled${timeouts.bodyMs === undefined ? '' : ` for ${formatSeconds(timeouts.bodyMs)}`}. Try again later.`,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new EspoNetworkError({
        ...base, code: 'dns', phase: 'dns', retryable: code === 'EAI_AGAIN',
        userMessage: `The host name of EspoCRM of ${tenant}${where} could not be resolved (DNS ${code}). Check the tenant URL.`,
      });
    case 'ECONNREFUSED':
      return new EspoNetworkError({
        ...base, code: 'connection_refused', phase: 'connect', retryable: true,
        userMessage: `The connection to EspoCRM of ${tenant}${where} was refused: nothing listens on that address and port. Check the URL (scheme and port) and that the web server runs.`,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new EspoNetworkError({
        ...base, code: 'unreachable', phase: 'connect', retryable: true,
        userMessage: `EspoCRM of ${tenant}${where} is unreachable from here (${code}). Check the network and the URL.`,
      });
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new EspoNetworkError({
        ...base, code: 'connection_reset', phase: 'exchange', retryable: true,
        userMessage: `The connection to EspoCRM of ${tenant}${where} was closed before ${ctx.method} ${ctx.path} got a complete answer (${code}). Try again.`,
      });
    default:
      if (code && TLS_CODES.test(code)) {
        return new EspoNetworkError({
          ...base, code: 'tls', phase: 'tls', retryable: false,
          userMessage: `The TLS certificate of EspoCRM of ${tenant}${where} could not be verified (${code}). Fix the certificate on the server, or check that the URL names the right host.`,
        });
      }
      return new EspoNetworkError({
        ...base, code: 'network', phase: 'exchange', retryable: true,
        userMessage: `The request ${ctx.method} ${ctx.path} to EspoCRM of ${tenant}${where} failed before an answer came${code ? ` (${code})` : ''}.`,
      });
  }
}

/** The request's overall deadline (`timeoutMs`) passed. */
export function deadlineError(ctx: RequestContext, timeoutMs: number): EspoTimeoutError {
  return new EspoTimeoutError({
    code: 'timeout', phase: 'deadline', timeoutMs, retryable: false, context: ctx,
    userMessage: `${ctx.method} ${ctx.path} on EspoCRM of tenant "${ctx.tenantId}" did not complete within ${formatSeconds(timeoutMs)}.`,
  });
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|ERR_TLS/;

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; isRecord(e) && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function messageTranslation(body: unknown): EspoMessageTranslation | undefined {
  if (!isRecord(body) || !isRecord(body.messageTranslation)) return undefined;
  const t = body.messageTranslation;
  if (typeof t.label !== 'string') return undefined;
  return {
    label: sanitize(t.label, 100),
    scope: typeof t.scope === 'string' ? sanitize(t.scope, 100) : null,
    data: isRecord(t.data) ? t.data : {},
  };
}

/** A short, single-line excerpt of a JSON body's `message`; nothing else of a body is ever shown. */
function jsonMessage(body: unknown): string | undefined {
  if (!isRecord(body) || typeof body.message !== 'string') return undefined;
  const m = sanitize(body.message, 200);
  return m === '' ? undefined : m;
}

function sanitize(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function safeLocation(location: string | undefined, origin: string | undefined): string | undefined {
  if (!location) return undefined;
  try {
    const u = new URL(location, origin);
    return sanitize(`${u.origin}${u.pathname}`, 200);
  } catch {
    return undefined;
  }
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
