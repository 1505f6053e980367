import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ApplyContext, type ToolContext } from './define.js';
import { confirmArg, dryRunArg, tenantArg } from './args.js';
import { ToolError } from '../errors.js';
import type { AuditEntry, ChangeRecord } from '../store/types.js';
import { fingerprint } from '../core/confirm.js';
import { applyLayoutOps, diffLayouts, layoutFingerprint } from '../core/layout/index.js';
import { fieldManager } from '../espo/api/index.js';
import { countFilled, fieldsInLayout, loadFieldContext, readLayout, type FieldContext } from '../reads/index.js';
import { isRecord } from '../core/values.js';
import type { FieldDef } from '../core/fieldSpec/index.js';
import { saveLayout } from '../pipeline/steps.js';
import { currentInstance, sameInstance } from '../reads/instance.js';
import type { Effect } from '../tenants/policy.js';

const TOOL = 'undo_change';

/**
 * One step of an undo: a layout to put back, or a field to restore, delete or re-create. Each step
 * knows the state it expects to find (what the change left), so an undo never overwrites a later edit.
 */
type Step =
  | { kind: 'layout'; entity: string; layout: string; restore: unknown; expect: unknown; current: unknown; drifted: boolean }
  | { kind: 'layout_remove_field'; entity: string; layout: string; field: string; current: unknown; edited: unknown }
  | { kind: 'field_restore'; entity: string; field: string; body: Record<string, unknown>; current: Record<string, unknown> | undefined; drifted: boolean }
  | { kind: 'field_delete'; entity: string; field: string; filled: string }
  | { kind: 'field_recreate'; entity: string; field: string; body: Record<string, unknown>; exists: boolean };

interface Plan extends RevertPlan {
  entry: AuditEntry;
}

/**
 * How to revert one recorded change (any kind but 'undo'): the steps in order, and what blocks it. A
 * 'blueprint' change (apply_blueprint) is reverted step by step, in reverse order; the fleet pipeline
 * rolls a failed tenant back with the same plan.
 */
export interface RevertPlan {
  change: ChangeRecord;
  steps: Step[];
  destructive: boolean;
  blockers: string[];
  notes: string[];
}

/**
 * The state of the CRM as the undo will have left it so far (planning a composite change in reverse):
 * a layout by "entity/layout", a field definition by "entity.field" (null: gone).
 */
interface Overlay {
  layouts: Map<string, unknown>;
  fields: Map<string, Record<string, unknown> | null>;
}

const UNDOABLE_KINDS: ChangeRecord['kind'][] = ['layout', 'field_create', 'field_update', 'field_delete', 'blueprint'];

const FieldState = z.object({ definition: z.record(z.string(), z.unknown()).optional(), label: z.string().optional(), tooltip: z.string().optional(), optionLabels: z.record(z.string(), z.string()).optional(), createBody: z.record(z.string(), z.unknown()).optional() }).passthrough();

function sameJson(a: unknown, b: unknown): boolean {
  return fingerprint(a ?? null) === fingerprint(b ?? null);
}

/** The change this id names on this tenant, or a clear error listing the recent ones. */
async function findChange(ctx: ToolContext, changeId: string): Promise<{ entry: AuditEntry; change: ChangeRecord; notes: string[] }> {
  const entry = await ctx.history.findChange(changeId);
  if (!entry || entry.tenant !== ctx.tenant.id || !entry.change) {
    const recent = (await ctx.history.recentChanges(ctx.tenant.id, 5, UNDOABLE_KINDS)).map(
      (e) => `${e.changeId} (${e.tool}: ${e.summary ?? ''})`,
    );
    throw new ToolError(
      `No change "${changeId}" on tenant "${ctx.tenant.id}". ` +
        (recent.length ? `Recent changes on this tenant, newest first: ${recent.join('; ')}.` : 'This server has recorded no change on this tenant.'),
      'unknown_change',
    );
  }
  if (entry.change.kind === 'undo') {
    throw new ToolError(`"${changeId}" is itself an undo. To redo the original change, run its tool again with the same arguments.`, 'cannot_undo_undo');
  }
  if (entry.undoneBy) throw new ToolError(`Change "${changeId}" was already undone (by ${entry.undoneBy}).`, 'already_undone');
  // A before-state recorded on one CRM is never written to another one the tenant id points at now.
  const match = sameInstance(entry.instance, await currentInstance(ctx));
  if (match.same === false) {
    throw new ToolError(
      `Refused: change "${changeId}" cannot be undone on tenant "${ctx.tenant.id}": ${match.reason}. Its before-state belongs to that instance; ` +
        'writing it here would overwrite this CRM with another one\'s setup. Undo it where it was made (point a tenant at that instance), or make the change by hand here.',
      'other_instance',
    );
  }
  const notes: string[] = [];
  if (match.same === null) notes.push('This change was recorded before changes carried the identity of their instance: check that the tenant still points at the CRM it was made on.');
  if (match.note) notes.push(`Same instance: ${match.note}.`);
  return { entry, change: entry.change, notes };
}

/** Body for a field manager PUT that puts a definition back, clearing parameters the change added. */
function restoreBody(before: Record<string, unknown>, after: Record<string, unknown> | undefined, labels: z.infer<typeof FieldState>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...before };
  delete body.isCustom;
  for (const [k, v] of Object.entries(after ?? {})) {
    if (k in before || k === 'isCustom') continue;
    body[k] = Array.isArray(v) ? [] : typeof v === 'boolean' ? false : null;
  }
  if (labels.label !== undefined) body.label = labels.label;
  body.tooltipText = labels.tooltip ?? '';
  if (labels.optionLabels) body.translatedOptions = labels.optionLabels;
  return body;
}

/** A layout as the undo will find it: as the steps planned before leave it, else as the CRM serves it now. */
async function layoutNow(ctx: ToolContext, overlay: Overlay, entity: string, layout: string): Promise<unknown> {
  const key = `${entity}/${layout}`;
  if (overlay.layouts.has(key)) return overlay.layouts.get(key);
  return (await readLayout(ctx.tenant, entity, layout, ctx.signal)) ?? null;
}

/** A field's definition as the undo will find it (undefined: absent). */
async function fieldNow(ctx: ToolContext, overlay: Overlay, fc: FieldContext, field: string): Promise<Record<string, unknown> | undefined> {
  const key = `${fc.entity}.${field}`;
  if (overlay.fields.has(key)) return overlay.fields.get(key) ?? undefined;
  return fc.fields[field] as Record<string, unknown> | undefined;
}

async function layoutSteps(ctx: ToolContext, overlay: Overlay, entity: string, items: Array<{ layout: string; before: unknown; after: unknown }>): Promise<Step[]> {
  const steps: Step[] = [];
  for (const item of items) {
    const current = await layoutNow(ctx, overlay, entity, item.layout);
    steps.push({ kind: 'layout', entity, layout: item.layout, restore: item.before, expect: item.after, current, drifted: !sameJson(current, item.after) });
    overlay.layouts.set(`${entity}/${item.layout}`, item.before);
  }
  return steps;
}

/** Plans reverting one change that is not composite; `overlay` is updated with what its steps leave. */
async function planLeaf(ctx: ToolContext, change: ChangeRecord, overlay: Overlay, out: RevertPlan): Promise<void> {
  const { blockers, steps, notes } = out;
  const related = change.related ?? [];
  const fieldKey = `${change.entity}.${change.field}`;

  if (change.kind === 'layout') {
    steps.push(...(await layoutSteps(ctx, overlay, change.entity, [{ layout: change.layout!, before: change.before, after: change.after }, ...related])));
  } else if (change.kind === 'field_update') {
    const before = FieldState.parse(change.before ?? {});
    const after = FieldState.parse(change.after ?? {});
    const fc = await loadFieldContext(ctx.tenant, change.entity, ctx.signal);
    const current = await fieldNow(ctx, overlay, fc, change.field!);
    if (!current) blockers.push(`the field ${change.entity}.${change.field} no longer exists`);
    const expected = after.definition ?? {};
    const drifted = current !== undefined && Object.entries(expected).some(([k, v]) => k !== 'isCustom' && !sameJson(current[k], v));
    steps.push({ kind: 'field_restore', entity: change.entity, field: change.field!, body: restoreBody(before.definition ?? {}, after.definition, before), current, drifted });
    overlay.fields.set(fieldKey, { ...(current ?? {}), ...(before.definition ?? {}) });
  } else if (change.kind === 'field_create') {
    out.destructive = true;
    const fc = await loadFieldContext(ctx.tenant, change.entity, ctx.signal);
    const def = await fieldNow(ctx, overlay, fc, change.field!);
    if (!def) {
      blockers.push(`the field ${change.entity}.${change.field} no longer exists (deleted since)`);
    } else {
      const filled = await countFilled(ctx.tenant, change.entity, change.field!, def as FieldDef, ctx.signal);
      const count = filled.count === null ? (filled.any ? 'some records' : 'no record') : `${filled.count} record(s)`;
      const lctx = { entityType: change.entity, fields: fc.fields, links: fc.links, fieldTypes: fc.fieldTypes };
      // Layouts first: where the layout is still as the change left it, put the old one back; where it changed since, only take the field out.
      for (const r of related) {
        const current = await layoutNow(ctx, overlay, change.entity, r.layout);
        if (sameJson(current, r.after)) {
          steps.push({ kind: 'layout', entity: change.entity, layout: r.layout, restore: r.before, expect: r.after, current, drifted: false });
          overlay.layouts.set(`${change.entity}/${r.layout}`, r.before);
        } else if (fieldsInLayout(r.layout, current).includes(change.field!)) {
          const edited = applyLayoutOps(r.layout, current, [{ op: 'remove_field', field: change.field! }], lctx).layout;
          steps.push({ kind: 'layout_remove_field', entity: change.entity, layout: r.layout, field: change.field!, current, edited });
          overlay.layouts.set(`${change.entity}/${r.layout}`, edited);
        }
      }
      steps.push({ kind: 'field_delete', entity: change.entity, field: change.field!, filled: `${count} hold a value (${filled.condition})` });
      overlay.fields.set(fieldKey, null);
      notes.push('EspoCRM keeps the database column and its data after a field is deleted; creating the field again with the same name brings the values back.');
    }
  } else if (change.kind === 'field_delete') {
    const before = FieldState.parse(change.before ?? {});
    const fc = await loadFieldContext(ctx.tenant, change.entity, ctx.signal);
    const exists = (await fieldNow(ctx, overlay, fc, change.field!)) !== undefined;
    if (exists) blockers.push(`a field named ${change.field} exists again on ${change.entity}`);
    if (!before.createBody) blockers.push('the change record has no definition to re-create the field from');
    else steps.push({ kind: 'field_recreate', entity: change.entity, field: change.field!, body: before.createBody, exists });
    overlay.fields.set(fieldKey, before.definition ?? {});
    // Layouts can only be put back after the field exists again; their drift is checked now.
    steps.push(...(await layoutSteps(ctx, overlay, change.entity, related)));
    notes.push('EspoCRM kept the column when the field was deleted, so re-creating it brings the stored values back.');
  } else {
    blockers.push(`changes of kind "${change.kind}" cannot be undone`);
  }
}

/**
 * Plans reverting `change` on the tenant as it is now (never writes). A 'blueprint' change is
 * reverted step by step, last step first, each planned on the state the steps before it leave.
 */
export async function planRevert(ctx: ToolContext, change: ChangeRecord, label: string): Promise<RevertPlan> {
  const out: RevertPlan = { change, steps: [], destructive: false, blockers: [], notes: [] };
  const overlay: Overlay = { layouts: new Map(), fields: new Map() };
  const leaves = change.kind === 'blueprint' ? [...(change.steps ?? [])].reverse() : [change];
  for (const leaf of leaves) {
    if (leaf.kind === 'blueprint' || leaf.kind === 'undo') out.blockers.push(`a step of kind "${leaf.kind}" cannot be undone`);
    else await planLeaf(ctx, leaf, overlay, out);
  }
  out.notes = [...new Set(out.notes)];

  for (const s of out.steps) {
    if (s.kind === 'layout' && s.drifted) {
      out.blockers.push(`the ${s.entity} ${s.layout} layout changed after ${label} (someone edited it since); restoring would overwrite that edit`);
    }
    if (s.kind === 'layout' && s.restore === null) {
      out.blockers.push(`the ${s.entity} ${s.layout} layout was broken (EspoCRM served nothing) before ${label}; restoring that state is refused`);
    }
    if (s.kind === 'field_restore' && s.drifted) {
      out.blockers.push(`the field ${s.entity}.${s.field} changed after ${label}; restoring would overwrite that change`);
    }
  }
  return out;
}

async function planUndo(ctx: ToolContext, changeId: string): Promise<Plan> {
  const { entry, change, notes } = await findChange(ctx, changeId);
  const plan = await planRevert(ctx, change, changeId);
  return { ...plan, entry, notes: [...notes, ...plan.notes] };
}

function effectOf(s: Step): Effect {
  switch (s.kind) {
    case 'layout':
    case 'layout_remove_field':
      return 'layout.edit';
    case 'field_restore':
      return 'field.update';
    case 'field_delete':
      return 'field.delete';
    case 'field_recreate':
      return 'field.create';
  }
}

function describeStep(s: Step): string {
  switch (s.kind) {
    case 'layout':
      return `put the ${s.entity} ${s.layout} layout back as it was:\n${diffLayouts(s.layout, s.current, s.restore).text}`;
    case 'layout_remove_field':
      return `take ${s.field} out of the ${s.entity} ${s.layout} layout (it changed since, so the rest of it is kept)`;
    case 'field_restore':
      return `put the definition of ${s.entity}.${s.field} back (${Object.keys(s.body).filter((k) => k !== 'type').join(', ')})`;
    case 'field_delete':
      return `delete the field ${s.entity}.${s.field}: ${s.filled}`;
    case 'field_recreate':
      return `create ${s.entity}.${s.field} again with its former definition (type ${String(s.body.type)})`;
  }
}

/** A fingerprint of what the plan read (a confirm token is bound to it). */
export function revertState(plan: RevertPlan): string {
  return fingerprint(plan.steps.map((s) => ('current' in s ? s.current ?? null : s.kind)));
}

async function applyStep(ctx: ApplyContext, s: Step): Promise<void> {
  const client = ctx.writer;
  switch (s.kind) {
    case 'layout':
      await saveLayout(ctx, s.entity, s.layout, s.restore);
      return;
    case 'layout_remove_field':
      await saveLayout(ctx, s.entity, s.layout, s.edited);
      return;
    case 'field_restore': {
      const { type } = s.current ?? {};
      await fieldManager.update(client, s.entity, s.field, { ...s.body, type: String(s.body.type ?? type) }, { signal: ctx.signal });
      return;
    }
    case 'field_delete':
      await fieldManager.delete(client, s.entity, s.field, { signal: ctx.signal });
      return;
    case 'field_recreate':
      await fieldManager.create(client, s.entity, s.body as { name: string; type: string }, { signal: ctx.signal });
      return;
  }
}

/** Reads back what the revert should have left: each field's and each layout's final state. */
export async function readBackRevert(ctx: ToolContext, plan: RevertPlan): Promise<string[]> {
  const problems: string[] = [];
  const { change } = plan;
  // In undo order; the last change to touch a field decides what it must be now.
  const leaves = change.kind === 'blueprint' ? [...(change.steps ?? [])].reverse() : [change];
  const lastByField = new Map<string, ChangeRecord>();
  for (const leaf of leaves) if (leaf.field) lastByField.set(`${leaf.entity}.${leaf.field}`, leaf);
  for (const leaf of lastByField.values()) {
    const def = await ctx.tenant.metadata.fresh<Record<string, unknown>>(`entityDefs.${leaf.entity}.fields.${leaf.field}`, ctx.signal);
    if (leaf.kind === 'field_create' && def !== undefined) problems.push(`${leaf.entity}.${leaf.field} still exists`);
    if (leaf.kind === 'field_delete' && def === undefined) problems.push(`${leaf.entity}.${leaf.field} was not re-created`);
    if (leaf.kind === 'field_update' && isRecord(def)) {
      const before = FieldState.parse(leaf.before ?? {}).definition ?? {};
      const off = Object.entries(before).filter(([k, v]) => k !== 'isCustom' && !sameJson(def[k], v)).map(([k]) => k);
      if (off.length) problems.push(`${leaf.entity}.${leaf.field} differs from its former definition on ${off.join(', ')}`);
    }
  }
  const lastByLayout = new Map<string, Extract<Step, { kind: 'layout' }>>();
  for (const s of plan.steps) if (s.kind === 'layout') lastByLayout.set(`${s.entity}/${s.layout}`, s);
  for (const s of lastByLayout.values()) {
    const now = await readLayout(ctx.tenant, s.entity, s.layout, ctx.signal);
    if (layoutFingerprint(now ?? null) !== layoutFingerprint(s.restore)) problems.push(`the ${s.entity} ${s.layout} layout does not read back as restored`);
  }
  return problems;
}

/** Applies the steps in order; stops at the first that fails. */
export async function applyRevert(ctx: ApplyContext, plan: RevertPlan, stepsText: string[] = plan.steps.map(describeStep)): Promise<{ done: string[]; problems: string[] }> {
  const done: string[] = [];
  const problems: string[] = [];
  for (const [i, step] of plan.steps.entries()) {
    try {
      await applyStep(ctx, step);
      done.push(stepsText[i]!);
    } catch (err) {
      problems.push(`step ${i + 1} failed (${stepsText[i]!.split('\n')[0]}): ${err instanceof Error ? err.message : String(err)}`);
      break;
    }
  }
  return { done, problems };
}

/** The steps of a revert plan in words (layouts with their diff). */
export function describeRevert(plan: RevertPlan): string[] {
  return plan.steps.map(describeStep);
}

export const undoChange = defineWriteTool({
  name: TOOL,
  title: 'Undo a change',
  description:
    'Revert a change of edit_layout, reset_layout, create/update/delete_custom_field or apply_blueprint (one tenant, all its steps) by its changeId. Use it when the user ' +
    'wants a change taken back: it restores the recorded before-state, and refuses if the thing changed again since. Undoing a ' +
    'creation deletes the field: it plans first and needs the confirm token; dryRun shows any plan. merge_duplicates cannot be ' +
    'undone. Returns the steps done and a changeId. Needs the admin login. Example: undo_change {"changeId": "chg_m1x2y3_ab12cd34"}.',
  kind: 'destructive',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    changeId: z.string().regex(/^chg_[a-z0-9]+_[a-f0-9]{8}$/, 'a changeId looks like "chg_m1x2y3_ab12cd34"').describe('Returned by a write tool.'),
    dryRun: dryRunArg,
    confirm: confirmArg,
  },
  output: {
    tenant: z.string(),
    undoes: z.string().describe('The change being undone.'),
    tool: z.string().describe('The tool that made it.'),
    outcome: z.enum(['planned', 'dry_run', 'applied', 'partial']),
    steps: z.array(z.string()).describe('What the undo does (or did), in order.'),
    notes: z.array(z.string()),
    changeId: z.string().optional().describe('The id of this undo in the audit log.'),
    confirmToken: z.string().optional().describe('Pass as "confirm" to apply a planned destructive undo.'),
    expiresAt: z.string().optional(),
    problems: z.array(z.string()).optional(),
  },
  // Idempotent: an undone change cannot be undone again, so a repeat changes nothing.
  annotations: annotationsFor('destructive', { idempotent: true }),
  refusal: 'Undo refused',
  async plan(args, ctx) {
    const plan = await planUndo(ctx, args.changeId);
    const base = { tenant: ctx.tenant.id, undoes: args.changeId, tool: plan.entry.tool, notes: plan.notes };
    const stepsText = plan.steps.map(describeStep);
    if (plan.blockers.length) {
      throw new ToolError(`Cannot undo ${args.changeId}: ${plan.blockers.join('; ')}. Nothing was changed.`, 'undo_blocked');
    }
    const value: Undo = { changeId: args.changeId, plan, base, stepsText };
    return {
      action: 'write' as const,
      value,
      summary: `undo ${args.changeId} planned`,
      // Undoing a field creation deletes a field: that needs the confirm token of its plan.
      confirm: plan.destructive && args.dryRun !== true,
      // Each step is judged by the policy as its own tool would be (an undo that deletes a field is a
      // field deletion: refused where delete_custom_field is excluded).
      effects: plan.steps.map(effectOf),
      binding: { args: { changeId: args.changeId }, state: revertState(plan) },
      preview: (token?: { token: string; expiresAt: string }) => {
        if (!token) {
          return {
            structured: { ...base, outcome: 'dry_run' as const, steps: stepsText },
            text: `Dry run: undoing ${args.changeId} (${plan.entry.tool}) would:\n- ${stepsText.join('\n- ')}`,
          };
        }
        return {
          structured: { ...base, outcome: 'planned' as const, steps: stepsText, confirmToken: token.token, expiresAt: token.expiresAt },
          text:
            `Undoing ${args.changeId} (${plan.entry.tool}) deletes data and cannot itself be undone here. It would:\n- ${stepsText.join('\n- ')}\n` +
            `To apply, call undo_change again with the same changeId and "confirm": "${token.token}" (valid until ${token.expiresAt}).`,
        };
      },
    };
  },
  async apply(u, ctx) {
    return applyRevert(ctx, u.plan, u.stepsText);
  },
  async verify(u, { done, problems: failed }, ctx) {
    const { plan, changeId: undoes } = u;
    const problems = failed.length ? failed : await readBackRevert(ctx, plan);
    const change: ChangeRecord = {
      kind: 'undo',
      entity: plan.change.entity,
      ...(plan.change.layout ? { layout: plan.change.layout } : {}),
      ...(plan.change.field ? { field: plan.change.field } : {}),
      before: plan.change.after,
      after: plan.change.before,
      undoes,
    };
    const outcome = problems.length ? ('partial' as const) : ('applied' as const);
    const summary = `undo ${undoes} (${plan.entry.tool})${problems.length ? `: ${problems.join('; ')}` : ''}`;
    return {
      outcome,
      summary,
      changes: [{ summary, change }],
      ...(problems.length ? { error: problems.join('; ') } : {}),
      result: ([changeId]: string[]) => {
        const text = problems.length
          ? `Undo of ${undoes} is incomplete. Done:\n- ${done.join('\n- ') || '(nothing)'}\nProblems:\n- ${problems.join('\n- ')}`
          : `Undid ${undoes} (${plan.entry.tool}):\n- ${done.join('\n- ')}`;
        return { structured: { ...u.base, outcome, steps: done, ...(changeId ? { changeId } : {}), ...(problems.length ? { problems } : {}) }, text };
      },
    };
  },
});

interface Undo {
  changeId: string;
  plan: Plan;
  base: { tenant: string; undoes: string; tool: string; notes: string[] };
  stepsText: string[];
}
