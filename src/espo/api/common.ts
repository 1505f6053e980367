import type { EspoAuthMode } from '../types.js';

/** Options every API call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Options of calls that may run as the API user or the admin. */
export interface AuthCallOptions extends CallOptions {
  auth?: EspoAuthMode;
}

/** One URL path segment (entity type, field, layout name, record id), percent-encoded. */
export function segment(value: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${what} must be a non-empty string.`);
  return encodeURIComponent(value);
}

export { isRecord } from '../../core/values.js';

export function callOptions(opts: CallOptions | undefined): CallOptions {
  return { signal: opts?.signal, timeoutMs: opts?.timeoutMs };
}
