/**
 * Errors a tool shows to the model. A `ToolError` is a user-input or state problem: its message says
 * what was wrong, what is allowed and how to fix it. It extends the cores' `CoreError`, so anything a
 * core refuses is shown the same way. Anything else thrown by a handler is unexpected: the model sees
 * a short public message with a reference, and the detail goes to the operator's log.
 */
import { CoreError } from './core/errors.js';

export class ToolError extends CoreError {
  constructor(message: string, code: string = 'invalid_request', details?: Record<string, unknown>) {
    super(message, code, details);
    this.name = 'ToolError';
  }
}

/** A problem with the caller's input or the CRM's state (shown as it is), as opposed to a failure. */
export function isUserError(err: unknown): err is CoreError {
  return err instanceof CoreError;
}

/** The error for an unknown *or* forbidden tenant: identical in both cases, so it leaks nothing. */
export function unknownTenantError(requested: string, visible: string[]): ToolError {
  const choices = visible.length ? visible.map((t) => `"${t}"`).join(', ') : '(none)';
  return new ToolError(
    `Unknown tenant "${requested}". Tenants you can use: ${choices}. Pass one of them as "tenant".`,
    'unknown_tenant',
  );
}

/** A short, safe description of any error for a result field (never secrets: typed errors carry safe messages). */
export function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'userMessage' in err && typeof (err as { userMessage: unknown }).userMessage === 'string') {
    return (err as { userMessage: string }).userMessage;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
