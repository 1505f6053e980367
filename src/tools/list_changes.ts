import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { ToolError } from '../errors.js';
import { newFence } from '../core/fence.js';
import { OUTCOMES, parseChangesCursor, readChanges, type ChangeRow } from '../reads/changes.js';
import { expectedSiteUrl } from '../tenants/guard.js';

const DEFAULT_LIMIT = 50;

const time = (what: string) =>
  z
    .string()
    .trim()
    .max(40)
    .refine((v) => Number.isFinite(Date.parse(v)), { error: `${what}: expected a date or an ISO 8601 time, e.g. "2026-12-01" or "2026-12-01T09:30:00Z"` })
    .optional()
    .describe(`${what === 'since' ? 'Lines at or after' : 'Lines at or before'} this date or ISO time.`);

const Row = z.object({
  changeId: z.string().optional().describe('Present on lines that changed a CRM: pass it to undo_change.'),
  tenant: z.string(),
  time: z.string(),
  caller: z.string().describe('Who called (token name, JWT subject, or "local" on stdio).'),
  auth: z.string().optional().describe('How an HTTP caller authenticated: token, jwt or none.'),
  tool: z.string(),
  outcome: z.enum(OUTCOMES as [string, ...string[]]),
  summary: z.string().optional(),
  error: z.string().optional(),
  kind: z.string().optional(),
  entity: z.string().optional(),
  target: z.string().optional().describe('The layout or field changed.'),
  args: z.record(z.string(), z.unknown()).describe('The arguments, secrets removed, long values truncated with their hash.'),
  instance: z.object({ siteUrl: z.string().optional(), version: z.string().optional() }).optional().describe('The CRM the change was made on.'),
  undoneBy: z.string().optional(),
  otherInstance: z.literal(true).optional().describe('Made on another CRM than the one the tenant points at now: undo_change refuses it.'),
  undo: z.object({ tool: z.literal('undo_change'), arguments: z.object({ tenant: z.string(), changeId: z.string() }) }).optional(),
});

function line(r: ChangeRow, wrap: (s: string) => string): string {
  const what = [r.kind, r.entity, r.target].filter(Boolean).join(' ');
  return (
    `- ${r.time} ${r.tenant} ${r.tool} ${r.outcome} by ${r.caller}${r.auth ? ` (${r.auth})` : ''}${r.changeId ? ` ${r.changeId}` : ''}${what ? ` [${what}]` : ''}` +
    `${r.summary ? `: ${wrap(r.summary)}` : ''}${r.error ? ` error: ${wrap(r.error)}` : ''}${r.undoneBy ? ` (undone by ${r.undoneBy})` : ''}${r.otherInstance ? ' (made on another instance)' : ''}`
  );
}

export const listChanges = defineTool({
  name: 'list_changes',
  title: 'List recorded changes',
  description:
    "The audit trail of your tenants. Use it to see who changed what and when, or to find a changeId to undo. Returns lines " +
    '(also refused, planned and failed calls) newest first, by pages, each undoable change with its undo_change call. Filters: ' +
    'tenant, time, tool, caller, outcome. Calls no CRM. Example: list_changes {"tenant": "damath", "since": "2026-12-01", "changesOnly": true}.',
  kind: 'read',
  tenantScoped: false,
  input: {
    tenant: z.string().trim().max(100).optional().describe('One tenant id; all of yours when absent.'),
    since: time('since'),
    until: time('until'),
    tool: z.string().trim().max(64).optional().describe('Only calls of this tool, e.g. "edit_layout".'),
    caller: z.string().trim().max(200).optional().describe('Only calls by this caller.'),
    outcome: z.enum(OUTCOMES as [string, ...string[]]).optional().describe('Only lines with this result.'),
    changesOnly: z.boolean().optional().describe('Only lines that changed a CRM (with a changeId).'),
    limit: z.number().int().min(1).max(200).optional().describe(`Lines per page (default ${DEFAULT_LIMIT}).`),
    cursor: z.string().max(20).optional().describe('nextCursor of the previous page (the other arguments must stay the same).'),
  },
  output: {
    changes: z.array(Row),
    count: z.number().int(),
    nextCursor: z.string().optional().describe('Pass as "cursor" (with the same filters) for older lines.'),
  },
  annotations: annotationsFor('read'),
  async handler(args, ctx) {
    const tenants = args.tenant !== undefined ? [ctx.registry.resolve(args.tenant, ctx.principal).id] : ctx.registry.visible(ctx.principal).map((t) => t.id);
    if (args.tool !== undefined) {
      const names = (ctx.tools ?? (await import('./catalog.js')).allTools()).map((t) => t.name);
      if (!names.includes(args.tool)) throw new ToolError(`"${args.tool}" is not a tool of this server: pass one of ${names.join(', ')}.`, 'invalid_argument');
    }
    if (args.since !== undefined && args.until !== undefined && Date.parse(args.since) > Date.parse(args.until)) {
      throw new ToolError('"since" is after "until": swap them, or leave one out.', 'invalid_argument');
    }
    let before: number | undefined;
    if (args.cursor !== undefined) {
      before = parseChangesCursor(args.cursor);
      if (before === undefined) throw new ToolError('The cursor is not one list_changes gave: pass "nextCursor" of the previous page as it was, or no cursor to start over.', 'invalid_cursor');
    }
    const { rows, nextCursor } = await readChanges(
      ctx.history,
      tenants,
      {
        ...(args.since ? { since: new Date(Date.parse(args.since)).toISOString() } : {}),
        ...(args.until ? { until: new Date(Date.parse(args.until)).toISOString() } : {}),
        ...(args.tool ? { tool: args.tool } : {}),
        ...(args.caller ? { caller: args.caller } : {}),
        ...(args.outcome ? { outcome: args.outcome as ChangeRow['outcome'] } : {}),
        ...(args.changesOnly ? { changesOnly: true } : {}),
      },
      { limit: args.limit ?? DEFAULT_LIMIT, ...(before !== undefined ? { before } : {}) },
      (id) => {
        const t = ctx.registry.visible(ctx.principal).find((v) => v.id === id);
        return t ? expectedSiteUrl(t.config) : undefined;
      },
    );
    // Summaries and errors may quote CRM text (labels, options, CRM error messages): fenced.
    const fence = newFence();
    const body = rows.map((r) => line(r, (s) => fence.wrap(s)));
    const text = rows.length
      ? [
          `${rows.length} line(s), newest first${nextCursor ? `; more with "cursor": "${nextCursor}"` : ''}.`,
          ...(rows.some((r) => r.summary || r.error) ? [fence.notice('summaries and errors (they may quote CRM labels and messages)')] : []),
          ...body,
        ].join('\n')
      : 'No recorded line matches.';
    return { structured: { changes: rows, count: rows.length, ...(nextCursor ? { nextCursor } : {}) }, text };
  },
});
