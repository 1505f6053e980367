/**
 * Errors a tool shows to the model. A `ToolError` is a user-input or state problem: its message says
 * what was wrong, what is allowed and how to fix it. Anything else thrown by a handler is unexpected:
 * the model sees a short public message with a reference, and the detail goes to the operator's log.
 */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly code: string = 'invalid_request',
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

/** The error for an unknown *or* forbidden tenant: identical in both cases, so it leaks nothing. */
export function unknownTenantError(requested: string, visible: string[]): ToolError {
  const choices = visible.length ? visible.map((t) => `"${t}"`).join(', ') : '(none)';
  return new ToolError(
    `Unknown tenant "${requested}". Tenants you can use: ${choices}. Pass one of them as "tenant".`,
    'unknown_tenant',
  );
}
