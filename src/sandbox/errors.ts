/**
 * An error the sandbox answers with, shaped like EspoCRM's ErrorOutput: a status, an optional
 * `X-Status-Reason` (undefined = header absent, '' = header present but empty, as a bare Forbidden
 * gives) and an optional JSON body.
 */
export class SandboxHttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 500 | 503,
    readonly reason?: string,
    readonly body?: unknown,
  ) {
    super(reason ?? `HTTP ${status}`);
    this.name = 'SandboxHttpError';
  }
}

export const badRequest = (reason = '', body?: unknown) => new SandboxHttpError(400, reason, body);
export const forbidden = (reason = '') => new SandboxHttpError(403, reason);
export const notFound = (reason = '') => new SandboxHttpError(404, reason);
export const conflict = (reason: string, body?: unknown) => new SandboxHttpError(409, reason, body);
export const serverError = (reason?: string, body?: unknown) => new SandboxHttpError(500, reason, body);
