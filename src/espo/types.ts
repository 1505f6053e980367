/**
 * The EspoCRM client's public surface (implemented in `src/espo/client.ts`).
 *
 * Authentication per request:
 * - `auth: 'api'`: X-Api-Key (or X-Hmac-Authorization when an HMAC secret is configured);
 *   falls back to the admin login when the tenant has no API key.
 * - `auth: 'admin'`: `Espo-Authorization` with the admin token (from `GET App/user` after one
 *   password login), sent with `Espo-Authorization-By-Token: true`. On a 401 with the token: one
 *   password re-login, then one retry. A refused password is never retried (lockout: 10/min/IP).
 * - `auth: 'none'`: no credentials (e.g. `GET Settings` to test reachability without touching the lockout).
 */

import type { QueryParams } from './query.js';

export type EspoAuthMode = 'api' | 'admin' | 'none';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface EspoRequest {
  method: HttpMethod;
  /** Path after `/api/v1/`, e.g. `Metadata` or `Lead/layout/detail`. No leading slash needed. */
  path: string;
  /** Encoded PHP-style (`where[0][type]=equals`); nested objects and arrays allowed. */
  query?: QueryParams;
  /** JSON body (objects/arrays are JSON-encoded); `rawBody` sends a string as is. */
  body?: unknown;
  rawBody?: string;
  auth: EspoAuthMode;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Override the per-request timeout (ms); rebuilds need long ones. */
  timeoutMs?: number;
  /**
   * On success, `body` is the answer's text as received, not parsed: for a caller that parses it
   * later (find_duplicates keeps pages waiting as text, one string instead of thousands of objects).
   * Errors are read as usual.
   */
  responseText?: boolean;
}

export interface EspoResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON; the raw text otherwise; null for an empty body. */
  body: T;
  durationMs: number;
}
