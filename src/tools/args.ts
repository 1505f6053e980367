/** Argument schemas several tools share, so each rule is written (and shown to the model) once. */
import { z } from 'zod';
import { KNOWN_LAYOUT_NAMES } from '../core/layout/index.js';

/** The `tenant` argument every tenant tool takes. */
export const tenantArg = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .describe('Tenant id (from list_tenants), e.g. "damath". May be omitted when exactly one tenant is visible.');

export const dryRunArg = z
  .boolean()
  .optional()
  .describe('true: return the plan (what would change, as a diff) without writing anything. Default false.');

export const confirmArg = z
  .string()
  .max(2000)
  .optional()
  .describe('The confirm token returned by this tool\'s own plan (call without it first). With it, the planned change is applied.');

export const layoutNameArg = z
  .enum(KNOWN_LAYOUT_NAMES as [string, ...string[]])
  .describe(
    'The layout: detail / detailSmall (record view and quick view: panels with rows of fields), list / listSmall (list columns), ' +
      'filters and massUpdate (lists of field names), defaultSidePanel, sidePanels* and bottomPanels* (panels keyed by name), ' +
      'relationships (relationship panels), kanban, listDashlet, detailConvert, edit / editSmall.',
  );

export const entityArg = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .describe('The entity type, e.g. "Lead", "Contact", "Account" or a custom one like "CProject" (case-insensitive).');

/** The request without the tool's own keys (`tenant`, `dryRun`, ...), for the field spec core. */
export function withoutKeys(args: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([k, v]) => !keys.includes(k) && v !== undefined));
}
