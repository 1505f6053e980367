import { fenceUntrusted } from '../core/fence.js';
import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ApplyContext, type ToolContext } from './define.js';
import { dryRunArg, entityArg, layoutNameArg, tenantArg } from './args.js';
import { describeError, ToolError } from '../errors.js';
import { mayStillComplete } from '../espo/outcome.js';
import { WriteFailure } from '../pipeline/failure.js';
import type { ChangeRecord } from '../store/types.js';
import { assertLayoutsEditable, loadLayoutContext, readLayout, requireLayout, resolveEntity, sameLayout } from '../reads/index.js';
import { issueLines, LayoutIssueOut } from './layoutOutput.js';
import { layouts } from '../espo/api/index.js';
import { GUIDE_LAYOUT_OPERATIONS_URI } from '../resources/uris.js';
import {
  applyLayoutOps,
  assertValidLayout,
  diffLayouts,
  layoutFingerprint,
  LAYOUT_OPERATION_NAMES,
  LayoutValidationError,
  renderLayout,
  validateLayout,
  type LayoutContext,
  type LayoutIssue,
} from '../core/layout/index.js';
const TOOL = 'edit_layout';

export const editLayout = defineWriteTool({
  name: TOOL,
  title: 'Edit a layout',
  description:
    'Edit one layout with operations, in order, all-or-nothing. Use it to place, move or remove fields and panels. By layout: ' +
    'detail*, edit*: add_field, remove_field, move_field, add_panel, rename_panel, move_panel, remove_panel; list*, kanban: the 3 ' +
    'field ops, set_columns, set_width; filters, massUpdate, defaultSidePanel, relationships: the 3 field ops; any: replace (whole ' +
    'JSON; the only one for sidePanels*, bottomPanels*). Nothing invalid is saved. get_layout first; dryRun: true returns the diff ' +
    'and a baseFingerprint, then apply the same operations with it. Returns the diff and a changeId (undo_change). Needs the admin ' +
    'login. Example: edit_layout {"entity": "Lead", "layout": "detail", "operations": [{"op": "remove_field", "field": "website"}], ' +
    `"dryRun": true}. Arguments: resource ${GUIDE_LAYOUT_OPERATIONS_URI}.`,
  kind: 'write',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    entity: entityArg,
    layout: layoutNameArg,
    // Each operation's own arguments are checked by the layout core, which names a failing operation by
    // its index; declaring only `op` here keeps the definition small (the guide resource lists them).
    operations: z
      .array(z.looseObject({ op: z.enum(LAYOUT_OPERATION_NAMES) }))
      .min(1)
      .max(50)
      .describe('Applied in order, e.g. [{"op": "add_field", "field": "cTier", "panel": "Overview", "after": "status"}]. Field names, not labels; panels by label or 0-based index.'),
    dryRun: dryRunArg,
    baseFingerprint: z
      .string()
      .max(128)
      .optional()
      .describe('From the dry run; refused if the layout changed since.'),
  },
  output: {
    tenant: z.string(),
    entity: z.string(),
    layout: z.string(),
    outcome: z
      .enum(['applied', 'partial', 'dry_run', 'unchanged'])
      .describe('applied: saved and verified; partial: saved but the read-back differs or failed (see notes); dry_run: nothing saved; unchanged: the operations change nothing.'),
    changeId: z.string().optional().describe('For undo_change (applied and partial only).'),
    changes: z.array(z.string()).describe('What each operation did, in order.'),
    summary: z.array(z.string()).describe('The differences between the layout before and after.'),
    diff: z.string().describe('Before/after rendering: "- " lines removed, "+ " lines added.'),
    baseFingerprint: z.string().describe('Fingerprint of the layout the operations were applied to; pass it back when applying a dry run.'),
    fingerprint: z.string().describe('Fingerprint of the resulting layout (as read back after a save).'),
    layoutJson: z.unknown().describe('The resulting layout JSON (after a save: as EspoCRM serves it now).'),
    warnings: z.array(LayoutIssueOut).describe('Validation warnings of the resulting layout (errors block the save).'),
    verified: z.boolean().optional().describe('After a save: whether the layout read back equals the one sent.'),
    notes: z.array(z.string()),
  },
  // Destructive: remove_field, remove_panel and replace overwrite what the layout had (undo_change restores it).
  annotations: annotationsFor('write', { destructive: true }),
  plan: planEdit,
  apply: saveOrExplain,
  verify: verifyEdit,
});

type Args = { entity: string; layout: string; operations: unknown[]; dryRun?: boolean | undefined; baseFingerprint?: string | undefined };
type Base = { tenant: string; entity: string; layout: string; changes: string[]; baseFingerprint: string; warnings: z.infer<typeof LayoutIssueOut>[] };

interface Edit {
  entity: string;
  name: string;
  where: string;
  before: unknown;
  after: unknown;
  base: Base;
  planned: { summary: string[]; text: string };
  notes: string[];
}

async function planEdit(args: Args, ctx: ToolContext) {
  const { name: entity, scope, notes } = await resolveEntity(ctx.tenant, args.entity, ctx.signal);
  const name = args.layout;
  const where = `${entity} ${name} layout on tenant "${ctx.tenant.id}"`;
  assertLayoutsEditable(entity, scope);
  const [before, layoutCtx] = await Promise.all([requireLayout(ctx.tenant, entity, name, ctx.signal), loadLayoutContext(ctx.tenant, entity, ctx.signal)]);
  const baseFingerprint = layoutFingerprint(before);

  if (args.baseFingerprint !== undefined && args.baseFingerprint !== baseFingerprint) {
    throw new ToolError(
      `The ${where} changed since your dry run (its fingerprint is now ${baseFingerprint}), so nothing was saved. ` +
        `Here is the current layout; plan again (a new dry run) on it:\n${renderLayout(name, before)}`,
      'stale_plan',
    );
  }

  const edit = applyLayoutOps(name, before, args.operations, layoutCtx);
  const warnings = validateResult(name, before, edit.layout, layoutCtx);
  const base = { tenant: ctx.tenant.id, entity, layout: name, changes: edit.changes, baseFingerprint, warnings };

  if (sameLayout(before, edit.layout)) {
    return {
      action: 'final' as const,
      outcome: 'unchanged' as const,
      summary: `${where}: the operations change nothing`,
      result: {
        structured: { ...base, outcome: 'unchanged' as const, summary: [], diff: '(no change)', fingerprint: baseFingerprint, layoutJson: before, notes },
        text: [`The operations leave the ${where} as it is; nothing was saved.`, ...edit.changes.map((c, i) => `  ${i}: ${c}`), ...notes].join('\n'),
      },
    };
  }

  const planned = diffLayouts(name, before, edit.layout);
  const value: Edit = { entity, name, where, before, after: edit.layout, base, planned, notes };
  return {
    action: 'write' as const,
    value,
    summary: `${where}: ${planned.summary.join('; ')}`,
    confirm: false,
    preview: () => ({
      structured: {
        ...base, outcome: 'dry_run' as const, summary: planned.summary, diff: planned.text,
        fingerprint: layoutFingerprint(edit.layout), layoutJson: edit.layout, notes,
      },
      text: report(`Dry run, nothing saved: the ${where} would change as follows.`, edit.changes, planned.text, warnings, [
        `To apply: call edit_layout again with the same operations, "dryRun": false and "baseFingerprint": "${baseFingerprint}".`,
        ...notes,
      ]),
    }),
  };
}

/** After the save: read the layout back; what EspoCRM serves now is what is recorded. */
async function verifyEdit(e: Edit, _applied: void, ctx: ApplyContext) {
  const change = (after: unknown) => ({ kind: 'layout' as const, entity: e.entity, layout: e.name, before: e.before, after });
  let readBack: unknown;
  try {
    readBack = (await readLayout(ctx.tenant, e.entity, e.name, ctx.signal)) ?? null;
  } catch (err) {
    const problem = `the layout was saved but could not be read back to verify it (${describeError(err)})`;
    return partial(e, e.planned, e.after, problem, `${e.where}: saved, not verified`, change(e.after));
  }
  if (!sameLayout(readBack, e.after)) {
    const problem =
      'the layout EspoCRM serves after the save differs from the one sent (a layout set assigned to the admin user or a team ' +
      'can override it, or something changed it at the same time)';
    return partial(e, diffLayouts(e.name, e.before, readBack), readBack, problem, `${e.where}: saved, read-back differs`, change(readBack));
  }
  const summary = `${e.where}: ${e.planned.summary.join('; ')}`;
  return {
    outcome: 'applied' as const,
    summary,
    changes: [{ summary, change: change(readBack) }],
    result: ([changeId]: string[]) => ({
      structured: {
        ...e.base, outcome: 'applied' as const, ...(changeId ? { changeId } : {}), summary: e.planned.summary, diff: e.planned.text,
        fingerprint: layoutFingerprint(readBack), layoutJson: readBack, verified: true, notes: e.notes,
      },
      text: report(`Saved the ${e.where} and verified it by reading it back (changeId ${changeId}; undo_change reverts it).`, e.base.changes, e.planned.text, e.base.warnings, e.notes),
    }),
  };
}

/**
 * The only gate before a save: EspoCRM stores anything, and a malformed layout breaks the entity's
 * screens. When the current layout already fails validation, say so, since the caller's operations
 * did not cause that.
 */
function validateResult(name: string, before: unknown, next: unknown, layoutCtx: LayoutContext): LayoutIssue[] {
  try {
    return assertValidLayout(name, next, layoutCtx);
  } catch (err) {
    const already = validateLayout(name, before, layoutCtx).filter((i) => i.severity === 'error');
    if (!(err instanceof LayoutValidationError) || already.length === 0) throw err;
    throw new ToolError(
      `${err.message}. The current layout already has ${already.length} of these error(s) (get_layout lists them): fix them in the ` +
        'same call (remove_field, or replace the layout) or start from the default with reset_layout.',
      err.code,
      err.details,
    );
  }
}

/**
 * PUT the layout. When the save fails, read the layout again to tell the user what state it is in:
 * unchanged (the usual case), or saved after all (then the flow goes on as a success).
 */
async function saveOrExplain(e: Edit, ctx: ApplyContext): Promise<void> {
  try {
    await layouts.put(ctx.writer, e.entity, e.name, e.after, { signal: ctx.signal });
    return;
  } catch (err) {
    const now = await readLayout(ctx.tenant, e.entity, e.name, ctx.signal).catch(() => null);
    if (now !== null && now !== undefined && sameLayout(now, e.after)) return;
    const state =
      now !== null && now !== undefined && sameLayout(now, e.before)
        ? mayStillComplete(err)
          ? `Right after, the layout was unchanged, but a save the CRM received may still complete: check it with get_layout before trying again.`
          : `The ${e.where} is unchanged (checked by reading it back).`
        : `Its state could not be confirmed: check it with get_layout before trying again.`;
    throw new WriteFailure(`Saving the ${e.where} failed: ${describeError(err)} ${state}`, 'save_failed', 'failed', `${e.where}: save failed`);
  }
}

function partial(e: Edit, diff: { summary: string[]; text: string }, after: unknown, problem: string, summary: string, change: ChangeRecord) {
  return {
    outcome: 'partial' as const,
    summary,
    error: problem,
    changes: [{ summary, change }],
    result: ([changeId]: string[]) => {
      const advice = `Check it with get_layout; undo_change with changeId ${changeId} restores the layout as it was before.`;
      return {
        structured: {
          ...e.base, outcome: 'partial' as const, ...(changeId ? { changeId } : {}), summary: diff.summary, diff: diff.text,
          fingerprint: layoutFingerprint(after), layoutJson: after, verified: false, notes: [problem, advice, ...e.notes],
        },
        text: report(`WARNING: the ${e.where} was saved, but ${problem}. ${advice}`, e.base.changes, diff.text, e.base.warnings, e.notes),
      };
    },
  };
}

function report(head: string, changes: string[], diff: string, warnings: z.infer<typeof LayoutIssueOut>[], tail: string[]): string {
  return [
    head,
    'Operations:',
    ...changes.map((c, i) => `  ${i}: ${c}`),
    'Diff (- before, + after):',
    // Panel labels and notes are typed in the CRM: the rendering is fenced as data.
    fenceUntrusted(diff, 'the layout before and after (panel labels and notes included)'),
    ...(warnings.length ? [`Warnings (${warnings.length}):`, ...issueLines(warnings)] : []),
    ...tail,
  ].join('\n');
}
