import { EspoError, EspoNetworkError } from './errors.js';

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
