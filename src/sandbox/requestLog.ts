/** One entry per request the sandbox received, for test assertions. Never holds secrets. */
import type { AuthKind } from './auth.js';
import type { FaultKind } from './faults.js';

export interface SandboxRequestLogEntry {
  method: string;
  /** path after `/api/v1/`, without the query string */
  path: string;
  /** the query string without the leading `?` ('' when none) */
  query: string;
  /** how the request authenticated; 'none' when it carried no valid credentials */
  auth: AuthKind | 'none';
  /** the authenticated user's name, when there is one */
  userName?: string;
  status: number;
  /** `X-Status-Reason`: undefined = header absent, '' = present but empty */
  reason?: string;
  durationMs: number;
  /** the fault injected into this request, if any */
  fault?: FaultKind;
  at: string;
}
