/** Argument schemas several tools share, so each rule is written (and shown to the model) once. */
import { z } from 'zod';
import { KNOWN_LAYOUT_NAMES } from '../core/layout/index.js';

/** The `tenant` argument every tenant tool takes. */
export const tenantArg = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .describe('Tenant id (list_tenants).');

export const dryRunArg = z
  .boolean()
  .optional()
  .describe('true: plan only, no write.');

export const confirmArg = z
  .string()
  .max(2000)
  .optional()
  .describe('Token from this tool\'s own plan; applies that plan.');

/** The layout names; their kinds and the operations each takes are in the layout-operations guide resource. */
export const layoutNameArg = z.enum(KNOWN_LAYOUT_NAMES as [string, ...string[]]).describe('The layout, e.g. detail, list, filters.');

export const entityArg = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .describe('Entity type, e.g. "Lead".');

/** The request without the tool's own keys (`tenant`, `dryRun`, ...), for the field spec core. */
export function withoutKeys(args: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([k, v]) => !keys.includes(k) && v !== undefined));
}
