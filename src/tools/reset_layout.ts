import { fenceUntrusted } from '../core/fence.js';
import { z } from 'zod';
import { annotationsFor, defineTool, type ToolContext } from './define.js';
import { describeError, mayStillComplete, tenantArg } from './common.js';
import { confirmArg, guardWrite, recordWrite, resolveEntity } from './write.js';
import { ToolError } from '../errors.js';
import { layouts } from '../espo/api/index.js';
import { diffLayouts, layoutFingerprint, renderLayout } from '../core/layout/index.js';
import type { AuditOutcome, ChangeRecord } from '../audit/log.js';
import { assertLayoutsEditable, customizationOf, entityArg, fetchLayout, layoutNameArg, sameLayout } from './layoutSupport.js';

const TOOL = 'reset_layout';

/** EspoCRM's reset of bottomPanelsDetail also drops the custom relationships layout (API.md §9.1). */
const ALSO_RESET: Record<string, string[]> = { bottomPanelsDetail: ['relationships'] };

export const resetLayout = defineTool({
  name: TOOL,
  title: 'Reset a layout to the default',
  description:
    "Drop the customisation of one layout of an entity, so EspoCRM serves its default layout again. Destructive for the " +
    'customisation, so it works in two steps: call it without "confirm" to get the plan (the layout that will be dropped, ' +
    'rendered) and a confirm token; then call it again with the same arguments and "confirm": <token> to apply. The token ' +
    'is refused if the layout changed in between. Also the way to repair a layout EspoCRM no longer serves (saved malformed). ' +
    'Needs the tenant\'s admin login. Returns a changeId: undo_change restores the dropped layout. ' +
    'Example: reset_layout {"tenant": "damath", "entity": "Lead", "layout": "detail"}, then the same with "confirm": "<token>".',
  kind: 'destructive',
  tenantScoped: true,
  input: { tenant: tenantArg, entity: entityArg, layout: layoutNameArg, confirm: confirmArg },
  output: {
    tenant: z.string(),
    entity: z.string(),
    layout: z.string(),
    outcome: z.enum(['planned', 'applied']).describe('planned: nothing changed yet, confirm to apply; applied: the layout was reset.'),
    dropped: z.unknown().describe('The layout the reset drops (plan) or dropped (applied); null when EspoCRM served none (404).'),
    inEffect: z.unknown().optional().describe('Applied: the layout EspoCRM serves now (its default); null when it serves none.'),
    rendering: z.string().describe('Plan: the layout that will be dropped; applied: the layout now in effect.'),
    diff: z.string().optional().describe('Applied: dropped layout versus the one now in effect.'),
    fingerprint: z.string().describe('Fingerprint of the layout the plan was made on.'),
    confirmToken: z.string().optional().describe('Plan: pass it as "confirm", with the same arguments, to apply.'),
    expiresAt: z.string().optional(),
    changeId: z.string().optional().describe('Applied: for undo_change, which restores the dropped layout.'),
    customizedNote: z.string(),
    notes: z.array(z.string()),
  },
  // Idempotent: once reset, resetting again changes nothing.
  annotations: annotationsFor('destructive', { idempotent: true }),
  async handler(args, ctx) {
    let recorded = false;
    const audit = (outcome: AuditOutcome, summary: string, extra: { change?: ChangeRecord; error?: string } = {}) => {
      recorded = true;
      return recordWrite(ctx, { tool: TOOL, args, outcome, summary, ...extra });
    };
    try {
      return await resetFlow(args, ctx, audit);
    } catch (err) {
      if (!recorded) audit(err instanceof ToolError ? 'refused' : 'failed', `reset of ${args.entity} ${args.layout} not made`, { error: describeError(err) });
      throw err;
    }
  },
});

type Args = { entity: string; layout: string; confirm?: string | undefined };
type Audit = (outcome: AuditOutcome, summary: string, extra?: { change?: ChangeRecord; error?: string }) => string | undefined;

/** The layout as served, or null for EspoCRM's 404 (no layout, or one stored malformed). */
async function served(ctx: ToolContext, entity: string, name: string): Promise<unknown> {
  const r = await fetchLayout(ctx, entity, name);
  return r.found ? r.json : null;
}

async function resetFlow(args: Args, ctx: ToolContext, audit: Audit) {
  const { name: entity, scope, notes } = await resolveEntity(ctx, args.entity);
  const name = args.layout;
  const where = `${entity} ${name} layout on tenant "${ctx.tenant.id}"`;
  assertLayoutsEditable(entity, scope);
  const current = await served(ctx, entity, name);
  const state = layoutFingerprint(current);
  // Bound to the resolved entity, so "lead" in the plan and "Lead" in the apply are the same call.
  const binding = { tenant: ctx.tenant.id, tool: TOOL, args: { entity, layout: name }, state };
  const custom = customizationOf(ctx, entity, name);
  const also = ALSO_RESET[name] ?? [];
  const alsoNote = also.map((l) => `EspoCRM's reset of ${name} also resets the ${l} layout of ${entity}.`);
  const currentText = current === null ? '(EspoCRM serves no layout: missing, or saved malformed)' : renderLayout(name, current);

  if (args.confirm === undefined) {
    const { token, expiresAt } = ctx.confirms.issue(binding);
    audit('planned', `${where}: reset planned`);
    const planNotes = [
      `After the reset EspoCRM serves its default ${name} layout for ${entity}; if this layout is not customised, nothing changes.`,
      'undo_change with the changeId of the reset restores the layout dropped here.',
      ...alsoNote,
      ...notes,
    ];
    return {
      structured: {
        tenant: ctx.tenant.id, entity, layout: name, outcome: 'planned' as const, dropped: current, rendering: currentText,
        fingerprint: state, confirmToken: token, expiresAt, customizedNote: custom.note, notes: planNotes,
      },
      text: [
        `Plan: reset the ${where} to EspoCRM's default. Nothing has changed yet.`,
        `Layout that will be dropped (customised: ${custom.customized ? 'yes' : 'unknown'}, ${custom.note}):`,
        fenceUntrusted(currentText, 'the layout that will be dropped (panel labels and notes included)'),
        ...planNotes,
        `To apply, call reset_layout again with the same arguments and "confirm": "${token}" (valid until ${expiresAt}).`,
      ].join('\n'),
    };
  }

  const check = ctx.confirms.verify(args.confirm, binding);
  if (!check.ok) throw new ToolError(`Reset refused: ${check.message}.`, `confirm_${check.reason}`);
  ctx.confirms.consume(args.confirm);
  await guardWrite(ctx);

  const relatedBefore = await Promise.all(also.map(async (l) => ({ layout: l, before: await served(ctx, entity, l) })));
  try {
    await layouts.resetToDefault(ctx.tenant.client(), entity, name, { signal: ctx.signal });
  } catch (err) {
    const now = await served(ctx, entity, name).catch(() => undefined);
    const unchanged = now !== undefined && sameLayout(now, current);
    audit('failed', `${where}: reset failed`, { error: describeError(err) });
    const state = !unchanged
      ? 'Check it with get_layout.'
      : mayStillComplete(err)
        ? 'Right after, the layout was unchanged, but a reset the CRM received may still complete: check it with get_layout before trying again (the plan above shows the layout a reset drops).'
        : 'The layout is unchanged (checked by reading it back).';
    throw new ToolError(`Resetting the ${where} failed: ${describeError(err)} ${state} To try again, plan again (the confirm token is spent).`, 'reset_failed');
  }
  const after = await served(ctx, entity, name);
  const related = await Promise.all(relatedBefore.map(async (r) => ({ ...r, after: await served(ctx, entity, r.layout) })));
  const change: ChangeRecord = {
    kind: 'layout', entity, layout: name, before: current, after, customizedBefore: true,
    ...(related.length ? { related } : {}),
  };
  const changeId = audit('applied', `${where}: reset to the default`, { change });
  const diff = diffLayouts(name, current, after);
  const inEffectText = after === null ? '(EspoCRM serves no default for this layout)' : renderLayout(name, after);
  const appliedNotes = [
    ...(sameLayout(current, after) ? [`The layout served is the same as before: it was not customised, or its customisation equalled the default.`] : []),
    ...alsoNote,
    ...notes,
  ];
  return {
    structured: {
      tenant: ctx.tenant.id, entity, layout: name, outcome: 'applied' as const, dropped: current, inEffect: after, rendering: inEffectText,
      diff: diff.text, fingerprint: state, ...(changeId ? { changeId } : {}), customizedNote: custom.note, notes: appliedNotes,
    },
    text: [
      `Reset the ${where} to EspoCRM's default (changeId ${changeId}; undo_change restores the dropped layout).`,
      'Layout now in effect, and the diff (- dropped, + now):',
      fenceUntrusted(`${inEffectText}\n\n${diff.text}`, 'the layout now in effect and the diff (panel labels and notes included)'),
      ...appliedNotes,
    ].join('\n'),
  };
}
