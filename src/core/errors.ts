/**
 * The error base of the pure cores (layout, field spec, dedupe): a problem with the input or the state
 * the core was given, never a crash. Its message says what was wrong, what is allowed and how to fix
 * it, so it can be shown as it is. The cores know nothing of tools or MCP: the server maps a
 * `CoreError` to a tool error (src/errors.ts, where `ToolError` extends it).
 */
export class CoreError extends Error {
  constructor(
    message: string,
    readonly code: string = 'invalid_request',
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CoreError';
  }
}
