import { z } from 'zod';

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
