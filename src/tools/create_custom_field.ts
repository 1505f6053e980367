import { fenceUntrusted } from '../core/fence.js';
import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ApplyContext, type ToolContext } from './define.js';
import { dryRunArg, tenantArg, withoutKeys } from './args.js';
import { GUIDE_FIELD_TYPES_URI } from '../resources/uris.js';
import { layoutContextOf, loadFieldContext, readLabels, readLayout, specError, type FieldContext } from '../reads/index.js';
import { compareDefinition, fieldRequestShape, planFieldCreate, validateFieldRequest, type CreatePlan, type FieldDef, type FieldSpec } from '../core/fieldSpec/index.js';
import { diffLayouts, FIELD_LAYOUT_TARGETS, placementTargets, planPlacement, type LayoutContext, type Placement } from '../core/layout/index.js';
import { isRecord } from '../core/values.js';
import { fieldManager } from '../espo/api/index.js';
import { EspoError } from '../espo/errors.js';
import { mayStillComplete } from '../espo/outcome.js';
import { describeError, ToolError } from '../errors.js';
import { saveLayout } from '../pipeline/steps.js';
import { WriteFailure } from '../pipeline/failure.js';
import type { ChangeRecord } from '../store/types.js';

const TOOL = 'create_custom_field';

const LayoutTargetSchema = z.union([
  z.enum(FIELD_LAYOUT_TARGETS),
  z.object({
    layout: z.enum(FIELD_LAYOUT_TARGETS),
    panel: z.union([z.string().min(1), z.number().int().min(0)]).optional(),
    after: z.string().min(1).optional(),
    fullWidth: z.boolean().optional(),
    width: z.number().min(0).max(100).optional(),
  }),
], { error: () => `each addToLayouts item is one of ${FIELD_LAYOUT_TARGETS.join(', ')}, or an object {"layout": one of those, "panel"?, "after"?, "fullWidth"?, "width"?}` });

const LayoutOutcome = z.object({
  layout: z.string(),
  status: z.enum(['planned', 'added', 'already_there', 'failed', 'skipped']),
  change: z.string().describe('What was (or would be) done, in words.'),
  diff: z.string().optional().describe('Before/after of the layout, line by line ("-" removed, "+" added).'),
  error: z.string().optional(),
  changeId: z.string().optional().describe('Only when the field already existed: the change id of this layout edit.'),
});
type LayoutOutcomeT = z.infer<typeof LayoutOutcome>;

/** Places the field on each layout as it is now and validates the result; nothing is written. */
async function planPlacements(ctx: ToolContext, entity: string, field: string, targets: ReturnType<typeof placementTargets>, lctx: LayoutContext): Promise<Placement[]> {
  const out: Placement[] = [];
  for (const { layout, opts } of targets) {
    const before = await readLayout(ctx.tenant, entity, layout, ctx.signal);
    if (before === undefined) throw new ToolError(`${entity} has no ${layout} layout (EspoCRM answered 404), so the field cannot be placed on it.`, 'layout_not_found');
    out.push(planPlacement(layout, opts, before, field, lctx));
  }
  return out;
}

/** Writes one planned placement on the layout as it is now (re-placed if it changed since the plan). */
async function applyPlacement(ctx: ApplyContext, entity: string, field: string, p: Placement, lctx: LayoutContext): Promise<{ before: unknown; after: unknown; change: string; changed: boolean }> {
  const current = await readLayout(ctx.tenant, entity, p.layout, ctx.signal);
  if (current === undefined) throw new ToolError(`the ${p.layout} layout is gone (404)`, 'layout_not_found');
  const placed = planPlacement(p.layout, p.opts, current, field, lctx);
  if (!placed.changed) return { before: current, after: current, change: placed.change, changed: false };
  await saveLayout(ctx, entity, p.layout, placed.after);
  return { before: current, after: placed.after, change: placed.change, changed: true };
}

// Shown to the model: no internal document is cited here (the fact is in docs/espocrm.md, "Rebuild").
const REBUILD_NOTE = 'EspoCRM rebuilds the entity\'s metadata and database schema by itself when a field is created, so no rebuild call is needed.';

export const createCustomField = defineWriteTool({
  name: TOOL,
  title: 'Create a custom field',
  description:
    'Create a custom field, optionally on layouts. Use it to add a field; checked first, read back after. The same ' +
    'definition again: "unchanged"; another under an existing name: refused (update_custom_field). dryRun: true shows the plan. ' +
    'Returns the stored name ("cSecteur": use it afterwards), layouts changed and a changeId (undo_change). No rebuild needed. ' +
    'Needs the admin login. Example: create_custom_field {"entity": "Lead", "name": "secteur", "type": "enum", "options": ' +
    `["Transport", "Industrie"]}. Types, parameters: resource ${GUIDE_FIELD_TYPES_URI}.`,
  kind: 'write',
  tenantScoped: true,
  looseInput: true,
  input: {
    tenant: tenantArg,
    ...fieldRequestShape,
    addToLayouts: z
      .array(LayoutTargetSchema)
      .max(FIELD_LAYOUT_TARGETS.length)
      .optional()
      .describe(
        'Names, or objects: panel (detail*: label or index), after (a field in it), width (list, percent). A layout already ' +
          'showing the field is left as is.',
      ),
    dryRun: dryRunArg,
  },
  output: {
    tenant: z.string(),
    entity: z.string(),
    status: z
      .enum(['planned', 'created', 'unchanged', 'layouts_added', 'partial'])
      .describe('planned: dry run. created: field created (and layouts saved). unchanged: the same field exists already. layouts_added: the field existed, only layouts were added. partial: the field was created but something after it failed (see problems and undo).'),
    field: z.string().describe('The stored field name, e.g. "cSecteur".'),
    requestedName: z.string(),
    sentName: z.string().describe('The name sent to EspoCRM (without the "c" it adds).'),
    type: z.string(),
    label: z.string(),
    definition: z.record(z.string(), z.unknown()).describe('The definition expected (planned) or read back from the CRM.'),
    body: z.record(z.string(), z.unknown()).optional().describe('The request body for POST Admin/fieldManager/{Entity}.'),
    verified: z.boolean().optional().describe('The CRM\'s metadata holds the expected definition and label.'),
    layouts: z.array(LayoutOutcome),
    notes: z.array(z.string()),
    problems: z.array(z.string()),
    rebuild: z.string(),
    changeId: z.string().optional().describe('Pass to undo_change to revert this change.'),
    undo: z.string().optional(),
  },
  annotations: annotationsFor('write', { idempotent: true }),
  refusal: 'Not created',
  async plan(args, ctx) {
    // A write plans on the CRM as it is now, not on a cached view (the CRM may have changed outside this server).
    if (args.dryRun !== true) ctx.tenant.metadata.invalidate();
    const fc = await loadFieldContext(ctx.tenant, args.entity, ctx.signal);
    const request = { ...withoutKeys(args, ['tenant', 'dryRun', 'addToLayouts']), entity: fc.entity };
    const validated = validateFieldRequest(request, fc.meta);
    if (!validated.ok) throw specError(validated.errors);
    const spec = validated.spec;
    const stored = spec.name.stored;
    const targets = placementTargets(args.addToLayouts);

    const currentLabel = spec.existing ? (await readLabels(ctx.tenant, fc.entity, ctx.signal)).of(stored).label : undefined;
    const plan = planFieldCreate(spec, currentLabel !== undefined ? { currentLabel } : {});
    if (plan.action === 'conflict') throw specError([plan.error]);

    const plannedDef: FieldDef = plan.action === 'create' ? { ...plan.expected, type: spec.type, isCustom: true } : spec.existing!;
    const placements = await planPlacements(ctx, fc.entity, stored, targets, layoutContextOf(fc, { [stored]: plannedDef }));
    const notes = [...fc.notes, ...spec.notes];
    const base: Base = {
      tenant: ctx.tenant.id,
      entity: fc.entity,
      field: stored,
      requestedName: spec.name.requested,
      sentName: spec.name.base,
      type: spec.type,
      label: spec.label,
    };
    const layoutsChanging = placements.filter((p) => p.changed);

    if (plan.action === 'unchanged' && layoutsChanging.length === 0 && args.dryRun !== true) {
      const structured = {
        ...base,
        status: 'unchanged' as const,
        definition: spec.existing as Record<string, unknown>,
        verified: true,
        layouts: placements.map((p): LayoutOutcomeT => ({ layout: p.layout, status: 'already_there', change: p.change })),
        notes,
        problems: [],
        rebuild: 'Nothing changed, so nothing to rebuild.',
      };
      return { action: 'final' as const, outcome: 'unchanged' as const, summary: `${fc.entity}.${stored} exists with this definition`, result: { structured, text: summaryText(structured) } };
    }
    const value: Creation = { fc, spec, plan, placements, base, notes };
    return {
      action: 'write' as const,
      value,
      summary: `plan: ${plan.action} ${fc.entity}.${stored}`,
      confirm: false,
      // Placing the field edits layouts: allowed where edit_layout is.
      effects: placements.some((p) => p.changed) ? ['layout.edit'] : [],
      preview: () => {
        const layouts = placements.map((p): LayoutOutcomeT => ({ layout: p.layout, status: p.changed ? 'planned' : 'already_there', change: p.change, ...(p.changed ? { diff: p.diff } : {}) }));
        const structured = {
          ...base,
          status: 'planned' as const,
          definition: plan.expected,
          ...(plan.action === 'create' ? { body: plan.body } : {}),
          layouts,
          notes: plan.action === 'unchanged' ? [...notes, `${fc.entity} already has "${stored}" with this definition: only the layouts would change.`] : notes,
          problems: [],
          rebuild: REBUILD_NOTE,
        };
        return { structured, text: summaryText(structured) };
      },
    };
  },
  async apply(c, ctx) {
    if (c.plan.action === 'unchanged') return addLayouts(ctx, c);
    return createField(ctx, c);
  },
  async verify(c, done, ctx) {
    return done.kind === 'layouts' ? layoutsVerdict(c, done) : verifyCreate(ctx, c, done);
  },
});

type Base = { tenant: string; entity: string; field: string; requestedName: string; sentName: string; type: string; label: string };

interface Creation {
  fc: FieldContext;
  spec: FieldSpec;
  plan: Exclude<CreatePlan, { action: 'conflict' }>;
  placements: Placement[];
  base: Base;
  notes: string[];
}

interface Created {
  kind: 'field';
  /** The name EspoCRM stored it under (as expected, or found after the create). */
  stored: string;
  actual: FieldDef | undefined;
  problems: string[];
  layouts: LayoutOutcomeT[];
  related: Array<{ layout: string; before: unknown; after: unknown }>;
}

interface LayoutsAdded {
  kind: 'layouts';
  layouts: LayoutOutcomeT[];
  changes: Array<{ layout: string; before: unknown; after: unknown }>;
  problems: string[];
}

/**
 * The create failed and the field is not there: say so (absent), or, when the CRM may still be at work
 * on it (timeout, 502/504) or the metadata could not be read, say how to check. Never re-sent blindly.
 */
function createFailed(entity: string, stored: string, err: unknown, state: 'absent' | 'pending' | 'unknown'): WriteFailure {
  const check = `describe_entity {"entity": "${entity}", "fields": ["${stored}"]}`;
  const message =
    state === 'absent'
      ? `Creating ${entity}.${stored} failed: ${describeError(err)} The field was not created (checked by reading ${entity}'s metadata back).`
      : `Creating ${entity}.${stored} was not confirmed: ${describeError(err)} ` +
        (state === 'pending'
          ? `Right after, the field was not in ${entity}'s metadata, but a create the CRM received may still complete. `
          : `${entity}'s metadata could not be read back to see whether the field exists. `) +
        `Check with ${check} before trying again. Calling create_custom_field again with the same arguments is safe: it answers ` +
        '"unchanged" when the field exists (EspoCRM also refuses a second field with the same name). If the field appears and is not wanted, delete_custom_field removes it.';
  return new WriteFailure(message, state === 'absent' ? 'create_failed' : 'create_not_confirmed', 'failed', `create ${entity}.${stored} ${state === 'absent' ? 'failed' : 'not confirmed'}`);
}

/** POST the field, find it in the metadata (under the name EspoCRM gave it), then place it on the layouts. */
async function createField(ctx: ApplyContext, c: Creation): Promise<Created> {
  const { fc, spec } = c;
  const body = c.plan.action === 'create' ? c.plan.body : {};
  const problems: string[] = [];
  let stored = spec.name.stored;
  try {
    await fieldManager.create(ctx.writer, fc.entity, body as { name: string; type: string }, { signal: ctx.signal });
  } catch (err) {
    if (!(err instanceof EspoError)) throw err;
    // A timeout or a late 500 may hide a field that was created after all: look before saying nothing happened.
    const look = await ctx.tenant.metadata.fresh<FieldDef>(`entityDefs.${fc.entity}.fields.${stored}`, ctx.signal).then((def) => ({ def }), () => undefined);
    if (!isRecord(look?.def)) throw createFailed(fc.entity, stored, err, look === undefined ? 'unknown' : mayStillComplete(err) ? 'pending' : 'absent');
    problems.push(`EspoCRM answered the create with an error (${describeError(err)}), but the field exists.`);
  }

  let actual: FieldDef | undefined;
  try {
    const fields = (await ctx.tenant.metadata.fresh<Record<string, FieldDef>>(`entityDefs.${fc.entity}.fields`, ctx.signal)) ?? {};
    actual = isRecord(fields[stored]) ? fields[stored] : undefined;
    if (actual === undefined) {
      // The version guess may have been wrong: find the one custom field that was not there before.
      const added = Object.keys(fields).filter((f) => fc.fields[f] === undefined && fields[f]?.isCustom === true);
      if (added.length === 1) {
        problems.push(`EspoCRM stored the field as "${added[0]}", not "${stored}" as expected; use "${added[0]}".`);
        stored = added[0]!;
        actual = fields[stored];
      }
    }
    if (actual === undefined) problems.push(`EspoCRM accepted the create, but no field "${stored}" is in ${fc.entity}'s metadata afterwards.`);
  } catch (err) {
    problems.push(`The field was sent, but reading it back failed: ${describeError(err)}.`);
  }

  const layouts: LayoutOutcomeT[] = [];
  const related: Created['related'] = [];
  const lctx = layoutContextOf(fc, { [stored]: actual ?? { ...(c.plan.action === 'create' ? c.plan.expected : {}), type: spec.type, isCustom: true } });
  for (const p of c.placements) {
    if (actual === undefined) {
      layouts.push({ layout: p.layout, status: 'skipped', change: `not placed: the field "${stored}" is not in the metadata` });
      continue;
    }
    if (!p.changed) {
      layouts.push({ layout: p.layout, status: 'already_there', change: p.change });
      continue;
    }
    try {
      const done = await applyPlacement(ctx, fc.entity, stored, p, lctx);
      if (done.changed) related.push({ layout: p.layout, before: done.before, after: done.after });
      layouts.push({ layout: p.layout, status: done.changed ? 'added' : 'already_there', change: done.change, ...(done.changed ? { diff: diffLayouts(p.layout, done.before, done.after).text } : {}) });
    } catch (err) {
      const reason = describeError(err);
      problems.push(`The ${p.layout} layout was not saved: ${reason}.`);
      layouts.push({ layout: p.layout, status: 'failed', change: `"${stored}" not added to ${p.layout}`, error: reason });
    }
  }
  return { kind: 'field', stored, actual, problems, layouts, related };
}

/** Compares the stored definition and label with the request; records the field creation (applied or partial). */
async function verifyCreate(ctx: ApplyContext, c: Creation, done: Created) {
  const { fc, spec, base, notes } = c;
  const { stored, actual, layouts, related } = done;
  const problems = [...done.problems];
  const expected = c.plan.action === 'create' ? c.plan.expected : {};
  let verified = false;
  if (actual !== undefined) {
    try {
      const cmp = compareDefinition(expected, actual);
      const label = (await readLabels(ctx.tenant, fc.entity, ctx.signal)).of(stored).label;
      if (!cmp.equal) problems.push(`The stored definition differs from the request: ${cmp.differences.join('; ')}.`);
      if (label !== spec.label) problems.push(`The stored label is ${JSON.stringify(label ?? null)}, not "${spec.label}".`);
      verified = cmp.equal && label === spec.label;
    } catch (err) {
      problems.push(`The field was created, but reading its label back failed: ${describeError(err)}.`);
    }
  } else {
    throw new WriteFailure(
      `${problems.join(' ')} Nothing is known to have been created; check with describe_entity {"entity": "${fc.entity}"}.`,
      'create_not_verified',
      'failed',
      `create ${fc.entity}.${stored} not verified`,
    );
  }
  const failedLayouts = layouts.filter((l) => l.status === 'failed' || l.status === 'skipped');
  const partial = !verified || failedLayouts.length > 0;
  const summary = `created ${fc.entity}.${stored}${related.length ? `, added to ${related.map((r) => r.layout).join(', ')}` : ''}${partial ? ` (partial: ${problems.join(' ')})` : ''}`;
  const change: ChangeRecord = { kind: 'field_create', entity: fc.entity, field: stored, before: null, after: { definition: actual, label: spec.label }, related };
  return {
    outcome: partial ? ('partial' as const) : ('applied' as const),
    summary,
    changes: [{ summary, change }],
    result: ([changeId]: string[]) => {
      const saved = layouts.filter((l) => l.status === 'added').map((l) => l.layout);
      const undo = partial
        ? `Field created as "${stored}" on ${fc.entity}${saved.length ? `; layouts ${saved.join(', ')} saved` : ''}${failedLayouts.length ? `; ${failedLayouts.map((l) => `${l.layout} failed: ${l.error ?? l.change}`).join('; ')}` : ''}. ` +
          `To revert everything: undo_change {"changeId": "${changeId}"} (deletes the field and restores the saved layouts; it plans first), or delete_custom_field {"entity": "${fc.entity}", "name": "${stored}"}. ` +
          `To finish instead: call create_custom_field again with the same arguments; the field answers unchanged and only the missing layouts are added.`
        : `undo_change {"changeId": "${changeId}"} deletes the field again (it plans first and asks for confirmation) and restores the layouts.`;
      const structured = {
        ...base,
        field: stored,
        status: partial ? ('partial' as const) : ('created' as const),
        definition: actual as Record<string, unknown>,
        body: c.plan.action === 'create' ? c.plan.body : {},
        verified,
        layouts,
        notes,
        problems,
        rebuild: REBUILD_NOTE,
        ...(changeId ? { changeId } : {}),
        undo,
      };
      return { structured, text: summaryText(structured) };
    },
  };
}

/** The field exists as asked; only layouts need it. Each layout edit is its own change (kind 'layout'). */
async function addLayouts(ctx: ApplyContext, c: Creation): Promise<LayoutsAdded> {
  const { fc } = c;
  const stored = c.spec.name.stored;
  const lctx = layoutContextOf(fc);
  const layouts: LayoutOutcomeT[] = [];
  const changes: LayoutsAdded['changes'] = [];
  const problems: string[] = [];
  for (const p of c.placements) {
    if (!p.changed) {
      layouts.push({ layout: p.layout, status: 'already_there', change: p.change });
      continue;
    }
    try {
      const done = await applyPlacement(ctx, fc.entity, stored, p, lctx);
      if (done.changed) changes.push({ layout: p.layout, before: done.before, after: done.after });
      layouts.push({
        layout: p.layout,
        status: done.changed ? 'added' : 'already_there',
        change: done.change,
        ...(done.changed ? { diff: diffLayouts(p.layout, done.before, done.after).text } : {}),
      });
    } catch (err) {
      const reason = describeError(err);
      problems.push(`The ${p.layout} layout was not saved: ${reason}.`);
      layouts.push({ layout: p.layout, status: 'failed', change: `"${stored}" not added to ${p.layout}`, error: reason });
    }
  }
  return { kind: 'layouts', layouts, changes, problems };
}

function layoutsVerdict(c: Creation, done: LayoutsAdded) {
  const { fc } = c;
  const stored = c.spec.name.stored;
  const changes = done.changes.map((l) => ({
    summary: `added ${fc.entity}.${stored} to the ${l.layout} layout`,
    change: { kind: 'layout' as const, entity: fc.entity, layout: l.layout, before: l.before, after: l.after },
  }));
  const { problems } = done;
  return {
    outcome: problems.length === 0 ? ('applied' as const) : changes.length ? ('partial' as const) : ('failed' as const),
    summary: problems.length ? `adding ${fc.entity}.${stored} to layouts failed` : `added ${fc.entity}.${stored} to layouts`,
    changes,
    ...(problems.length ? { error: problems.join(' ') } : {}),
    result: (changeIds: string[]) => {
      const idOf = new Map(done.changes.map((l, i) => [l.layout, changeIds[i]]));
      const layouts = done.layouts.map((l) => (idOf.get(l.layout) ? { ...l, changeId: idOf.get(l.layout)! } : l));
      const firstChange = changeIds[0];
      const structured = {
        ...c.base,
        status: problems.length > 0 && firstChange === undefined ? ('partial' as const) : ('layouts_added' as const),
        definition: c.spec.existing as Record<string, unknown>,
        verified: true,
        layouts,
        notes: [...c.notes, `${fc.entity} already has "${stored}" with this definition; only layouts were changed.`],
        problems,
        rebuild: 'Layout saves need no rebuild.',
        ...(firstChange ? { changeId: firstChange } : {}),
        ...(firstChange ? { undo: `Each layout edit has its own changeId (see layouts); undo_change reverts one.` } : {}),
      };
      return { structured, text: summaryText(structured) };
    },
  };
}

function summaryText(s: {
  status: string;
  entity: string;
  field: string;
  type: string;
  label: string;
  layouts: LayoutOutcomeT[];
  notes: string[];
  problems: string[];
  rebuild: string;
  changeId?: string;
  undo?: string;
  body?: Record<string, unknown>;
}): string {
  const head: Record<string, string> = {
    planned: `PLAN (dry run, nothing written): create ${s.type} field "${s.field}" ("${s.label}") on ${s.entity}.`,
    created: `Created ${s.type} field "${s.field}" ("${s.label}") on ${s.entity}; verified by reading it back.`,
    unchanged: `Unchanged: ${s.entity} already has "${s.field}" with this definition; nothing was written.`,
    layouts_added: `${s.entity} already has "${s.field}" with this definition; only layouts were changed.`,
    partial: `PARTIAL: field "${s.field}" was created on ${s.entity}, but not everything succeeded.`,
  };
  const lines = [head[s.status] ?? s.status];
  if (s.status === 'planned' && s.body) lines.push(`POST Admin/fieldManager/${s.entity} ${JSON.stringify(s.body)}`);
  for (const l of s.layouts) {
    lines.push(`layout ${l.layout}: ${l.status} (${l.change})${l.error ? `: ${l.error}` : ''}${l.changeId ? ` [changeId ${l.changeId}]` : ''}`);
    if (l.diff && l.status !== 'already_there') lines.push(fenceUntrusted(l.diff, `the ${l.layout} layout before and after (panel labels included)`));
  }
  for (const p of s.problems) lines.push(`problem: ${p}`);
  for (const n of s.notes) lines.push(`note: ${n}`);
  lines.push(s.rebuild);
  if (s.changeId) lines.push(`changeId: ${s.changeId}`);
  if (s.undo) lines.push(`undo: ${s.undo}`);
  return lines.join('\n');
}
