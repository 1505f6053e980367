import { z } from 'zod';
import { EspoError, EspoNetworkError } from '../espo/errors.js';

/** The `tenant` argument every tenant tool takes. */
export const tenantArg = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .describe('Tenant id (from list_tenants), e.g. "damath". May be omitted when exactly one tenant is visible.');

/** A short, safe description of any error for a result field (never secrets: typed errors carry safe messages). */
export function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'userMessage' in err && typeof (err as { userMessage: unknown }).userMessage === 'string') {
    return (err as { userMessage: string }).userMessage;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Whether a write that failed may still complete in the CRM after the call gave up: it was sent and no
 * answer came (timeout, connection closed), or a proxy answered 502/504 while EspoCRM may still be at
 * work. A read-back right after then proves nothing yet: the user must be told to check again later.
 * (After EspoCRM's own 500 or 503 the request is over, and a read-back tells the state.)
 */
export function mayStillComplete(err: unknown): boolean {
  if (err instanceof EspoNetworkError) return err.phase !== 'connect' && err.phase !== 'dns';
  return err instanceof EspoError && (err.status === 502 || err.status === 504);
}
