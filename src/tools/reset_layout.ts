import { fenceUntrusted } from '../core/fence.js';
import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ApplyContext, type ToolContext } from './define.js';
import { confirmArg, entityArg, layoutNameArg, tenantArg } from './args.js';
import { describeError } from '../errors.js';
import { mayStillComplete } from '../espo/outcome.js';
import { WriteFailure } from '../pipeline/failure.js';
import { assertLayoutsEditable, customizationOf, readLayout, resolveEntity, sameLayout } from '../reads/index.js';
import { layouts } from '../espo/api/index.js';
import { diffLayouts, layoutFingerprint, renderLayout } from '../core/layout/index.js';
import type { ChangeRecord } from '../store/types.js';

const TOOL = 'reset_layout';

/** EspoCRM's reset of bottomPanelsDetail also drops the custom relationships layout (docs/espocrm.md, "Layouts"). */
const ALSO_RESET: Record<string, string[]> = { bottomPanelsDetail: ['relationships'] };

export const resetLayout = defineWriteTool({
  name: TOOL,
  title: 'Reset a layout to the default',
  description:
    "Drop a layout's customisation so EspoCRM serves its default. Use it to undo admin-UI customisations or repair a malformed " +
    'layout. Destructive, two calls: without "confirm" it returns the plan and a token; the same arguments with "confirm": <token> ' +
    'apply it (refused if the layout changed). Returns the layout now in effect and a changeId (undo_change restores). Needs the ' +
    'admin login. Example: reset_layout {"entity": "Lead", "layout": "list"}.',
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
  refusal: 'Reset refused',
  plan: planReset,
  apply: applyReset,
  verify: verifyReset,
});

type Args = { entity: string; layout: string; confirm?: string | undefined };

interface Reset {
  entity: string;
  name: string;
  where: string;
  current: unknown;
  state: string;
  also: string[];
  alsoNote: string[];
  notes: string[];
  customNote: string;
}

/** The layout as served, or null for EspoCRM's 404 (no layout, or one stored malformed). */
async function served(ctx: ToolContext, entity: string, name: string): Promise<unknown> {
  return (await readLayout(ctx.tenant, entity, name, ctx.signal)) ?? null;
}

async function planReset(args: Args, ctx: ToolContext) {
  const { name: entity, scope, notes } = await resolveEntity(ctx.tenant, args.entity, ctx.signal);
  const name = args.layout;
  const where = `${entity} ${name} layout on tenant "${ctx.tenant.id}"`;
  assertLayoutsEditable(entity, scope);
  const current = await served(ctx, entity, name);
  const state = layoutFingerprint(current);
  const custom = await customizationOf(ctx.history, ctx.tenant.id, entity, name);
  const also = ALSO_RESET[name] ?? [];
  const alsoNote = also.map((l) => `EspoCRM's reset of ${name} also resets the ${l} layout of ${entity}.`);
  const currentText = current === null ? '(EspoCRM serves no layout: missing, or saved malformed)' : renderLayout(name, current);
  const value: Reset = { entity, name, where, current, state, also, alsoNote, notes, customNote: custom.note };
  return {
    action: 'write' as const,
    value,
    summary: `${where}: reset planned`,
    confirm: true,
    // Bound to the resolved entity, so "lead" in the plan and "Lead" in the apply are the same call.
    binding: { args: { entity, layout: name }, state },
    preview: (token?: { token: string; expiresAt: string }) => {
      const planNotes = [
        `After the reset EspoCRM serves its default ${name} layout for ${entity}; if this layout is not customised, nothing changes.`,
        'undo_change with the changeId of the reset restores the layout dropped here.',
        ...alsoNote,
        ...notes,
      ];
      return {
        structured: {
          tenant: ctx.tenant.id, entity, layout: name, outcome: 'planned' as const, dropped: current, rendering: currentText,
          fingerprint: state, ...(token ? { confirmToken: token.token, expiresAt: token.expiresAt } : {}), customizedNote: custom.note, notes: planNotes,
        },
        text: [
          `Plan: reset the ${where} to EspoCRM's default. Nothing has changed yet.`,
          `Layout that will be dropped (customised: ${custom.customized ? 'yes' : 'unknown'}, ${custom.note}):`,
          fenceUntrusted(currentText, 'the layout that will be dropped (panel labels and notes included)'),
          ...planNotes,
          ...(token ? [`To apply, call reset_layout again with the same arguments and "confirm": "${token.token}" (valid until ${token.expiresAt}).`] : []),
        ].join('\n'),
      };
    },
  };
}

async function applyReset(r: Reset, ctx: ApplyContext): Promise<Array<{ layout: string; before: unknown }>> {
  const relatedBefore = await Promise.all(r.also.map(async (l) => ({ layout: l, before: await served(ctx, r.entity, l) })));
  try {
    await layouts.resetToDefault(ctx.writer, r.entity, r.name, { signal: ctx.signal });
  } catch (err) {
    const now = await served(ctx, r.entity, r.name).catch(() => undefined);
    const unchanged = now !== undefined && sameLayout(now, r.current);
    const state = !unchanged
      ? 'Check it with get_layout.'
      : mayStillComplete(err)
        ? 'Right after, the layout was unchanged, but a reset the CRM received may still complete: check it with get_layout before trying again (the plan above shows the layout a reset drops).'
        : 'The layout is unchanged (checked by reading it back).';
    throw new WriteFailure(
      `Resetting the ${r.where} failed: ${describeError(err)} ${state} To try again, plan again (the confirm token is spent).`,
      'reset_failed',
      'failed',
      `${r.where}: reset failed`,
    );
  }
  return relatedBefore;
}

async function verifyReset(r: Reset, relatedBefore: Array<{ layout: string; before: unknown }>, ctx: ApplyContext) {
  const { entity, name, current } = r;
  const after = await served(ctx, entity, name);
  const related = await Promise.all(relatedBefore.map(async (x) => ({ ...x, after: await served(ctx, entity, x.layout) })));
  const change: ChangeRecord = {
    kind: 'layout', entity, layout: name, before: current, after, customizedBefore: true,
    ...(related.length ? { related } : {}),
  };
  const summary = `${r.where}: reset to the default`;
  const diff = diffLayouts(name, current, after);
  const inEffectText = after === null ? '(EspoCRM serves no default for this layout)' : renderLayout(name, after);
  const appliedNotes = [
    ...(sameLayout(current, after) ? [`The layout served is the same as before: it was not customised, or its customisation equalled the default.`] : []),
    ...r.alsoNote,
    ...r.notes,
  ];
  return {
    outcome: 'applied' as const,
    summary,
    changes: [{ summary, change }],
    result: ([changeId]: string[]) => ({
      structured: {
        tenant: ctx.tenant.id, entity, layout: name, outcome: 'applied' as const, dropped: current, inEffect: after, rendering: inEffectText,
        diff: diff.text, fingerprint: r.state, ...(changeId ? { changeId } : {}), customizedNote: r.customNote, notes: appliedNotes,
      },
      text: [
        `Reset the ${r.where} to EspoCRM's default (changeId ${changeId}; undo_change restores the dropped layout).`,
        'Layout now in effect, and the diff (- dropped, + now):',
        fenceUntrusted(`${inEffectText}\n\n${diff.text}`, 'the layout now in effect and the diff (panel labels and notes included)'),
        ...appliedNotes,
      ].join('\n'),
    }),
  };
}
