/**
 * Typed errors for EspoCRM calls, built from the status, `X-Status-Reason` and body
 * (docs/espocrm.md, "Errors and status codes"), or from a transport failure. `userMessage` says
 * what happened and what to do about it; it never holds a secret, a header or a raw body (at most
 * a short excerpt of a JSON `message`).
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
// The mappings to these errors, exported here too (their callers import them from this module).

export type { ErrorResponse } from './errorFacts.js';
export { errorFromResponse } from './responseErrors.js';
export { isAdminRoute } from './refusalErrors.js';
export { deadlineError, errorFromTransport } from './transportErrors.js';
