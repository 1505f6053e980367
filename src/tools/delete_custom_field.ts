import { fenceUntrusted, untrusted } from '../core/fence.js';
import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ApplyContext, type ToolContext } from './define.js';
import { confirmArg, dryRunArg, tenantArg } from './args.js';
import {
  FIELD_LAYOUTS,
  baseNameOf,
  countFilled,
  existingField,
  fieldsInLayout,
  layoutContextOf,
  loadFieldContext,
  readLabels,
  readLayout,
  type FieldContext,
  type FieldLabels,
  type FilledCount,
} from '../reads/index.js';
import { checkEntity, type FieldDef } from '../core/fieldSpec/index.js';
import { applyLayoutOps, diffLayouts, formatIssues, introducedErrors } from '../core/layout/index.js';
import { fingerprint } from '../core/confirm.js';
import { isRecord } from '../core/values.js';
import { fieldManager } from '../espo/api/index.js';
import { mayStillComplete } from '../espo/outcome.js';
import { describeError, ToolError } from '../errors.js';
import { saveLayout } from '../pipeline/steps.js';
import { WriteFailure } from '../pipeline/failure.js';
import type { ChangeRecord } from '../store/types.js';

const TOOL = 'delete_custom_field';
const LINK_TYPES = ['link', 'linkOne', 'linkMultiple', 'linkParent'];

interface LayoutRemoval {
  layout: string;
  before: unknown;
  after?: unknown;
  change: string;
  diff?: string;
  /** Why the field cannot be taken out of this layout (blocks the delete). */
  blocker?: string;
}

/** The layouts that show the field, and each one without it (validated). */
async function planRemovals(ctx: ToolContext, fc: FieldContext, field: string): Promise<LayoutRemoval[]> {
  const lctx = layoutContextOf(fc);
  const out: LayoutRemoval[] = [];
  const read = await Promise.all(FIELD_LAYOUTS.map(async (l) => [l, await readLayout(ctx.tenant, fc.entity, l, ctx.signal)] as const));
  for (const [layout, before] of read) {
    if (before === undefined || !fieldsInLayout(layout, before).includes(field)) continue;
    // defaultSidePanel may hold the field as a special item (":name").
    const item = layout === 'defaultSidePanel' && JSON.stringify(before).includes(JSON.stringify(`:${field}`)) ? `:${field}` : field;
    try {
      const edited = applyLayoutOps(layout, before, [{ op: 'remove_field', field: item }], lctx);
      const errors = introducedErrors(layout, before, edited.layout, lctx);
      if (errors.length > 0) {
        out.push({ layout, before, change: `cannot remove "${field}"`, blocker: `without "${field}" the ${layout} layout would not be valid: ${formatIssues(errors)}` });
      } else {
        out.push({ layout, before, after: edited.layout, change: edited.changes.join('; '), diff: diffLayouts(layout, before, edited.layout).text });
      }
    } catch (err) {
      out.push({ layout, before, change: `cannot remove "${field}"`, blocker: `${layout}: ${describeError(err)}` });
    }
  }
  return out;
}

function confirmBinding(fc: FieldContext, stored: string, def: FieldDef, removals: LayoutRemoval[]) {
  return {
    args: { entity: fc.entity, field: stored },
    state: fingerprint({ definition: def, layouts: Object.fromEntries(removals.map((r) => [r.layout, r.before])) }),
  };
}

const LayoutOut = z.object({
  layout: z.string(),
  status: z.enum(['planned', 'removed', 'blocked', 'restored', 'not_restored']),
  change: z.string(),
  diff: z.string().optional(),
  error: z.string().optional(),
});

const CountOut = z.object({
  count: z.number().nullable().describe('Records holding a value; null when the CRM does not count for this entity.'),
  any: z.boolean(),
  condition: z.string(),
  otherThanDefault: z.number().nullable().optional().describe('Fields with a default (which fills every record): records whose value is not the default.'),
});

export const deleteCustomField = defineWriteTool({
  name: TOOL,
  title: 'Delete a custom field',
  description:
    'Delete a custom field (not a built-in one) and remove it from layouts. Use it when a field is not wanted any more. ' +
    'Destructive, two calls: without "confirm" it returns the plan (records with a value, layout changes) and a token; show it to ' +
    'the user, then the same entity and name with "confirm": <token> (refused if anything changed, or after 10 minutes). The data ' +
    'stays in the database. Returns the layouts changed and a changeId: undo_change re-creates the field with its data. Needs the ' +
    'admin login. Example: delete_custom_field {"entity": "Lead", "name": "cSecteur"}.',
  kind: 'destructive',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    entity: z.string().min(1).describe('Entity type, e.g. "Lead".'),
    name: z.string().min(1).describe('Stored ("cSecteur") or created-with ("secteur") name, not the label.'),
    confirm: confirmArg,
    dryRun: dryRunArg,
  },
  output: {
    tenant: z.string(),
    entity: z.string(),
    field: z.string(),
    status: z.enum(['planned', 'blocked', 'deleted', 'failed']).describe('planned: nothing deleted yet, confirm with the token. blocked: cannot be deleted as things are (see blockers).'),
    type: z.string(),
    label: z.string().optional(),
    records: CountOut.optional().describe('Records that hold a value in the field (at plan time).'),
    layouts: z.array(LayoutOut),
    blockers: z.array(z.string()),
    dataKept: z.string().describe('What happens to the stored values.'),
    confirmToken: z.string().optional().describe('Pass as "confirm" (with the same entity and name) to delete.'),
    expiresAt: z.string().optional(),
    definition: z.record(z.string(), z.unknown()),
    changeId: z.string().optional().describe('Pass to undo_change to re-create the field and restore the layouts.'),
    problems: z.array(z.string()),
    notes: z.array(z.string()),
  },
  // Idempotent: a field deleted once is gone; the same call again deletes nothing more.
  annotations: annotationsFor('destructive', { idempotent: true }),
  refusal: 'Not deleted',
  async plan(args, ctx) {
    // The confirm token is checked against the CRM as it is now, never against a cached view.
    if (args.confirm !== undefined && args.dryRun !== true) ctx.tenant.metadata.invalidate();
    const fc = await loadFieldContext(ctx.tenant, args.entity, ctx.signal);
    const entityProblems = checkEntity(fc.meta);
    if (entityProblems.length > 0) throw new ToolError(entityProblems[0]!.message, entityProblems[0]!.code);
    const { stored, def, notes: nameNotes } = existingField(fc, args.name);
    if (def.isCustom !== true) {
      throw new ToolError(
        `"${stored}" is a built-in field of ${fc.entity}, not a custom one: EspoCRM cannot delete it. To hide it, take it out of the layouts (edit_layout); to change it, use update_custom_field.`,
        'not_custom',
      );
    }
    if (LINK_TYPES.includes(String(def.type))) {
      throw new ToolError(`"${stored}" is a relationship (${def.type}); EspoCRM removes those through the Entity Manager (Administration > Entity Manager > ${fc.entity} > Relationships), not by deleting the field.`, 'link_field');
    }
    const notes = [...fc.notes, ...nameNotes];
    const labels = (await readLabels(ctx.tenant, fc.entity, ctx.signal)).of(stored);
    const removals = await planRemovals(ctx, fc, stored);
    const blockers = removals.flatMap((r) => (r.blocker ? [r.blocker] : []));
    const dataKept =
      'EspoCRM removes the field\'s definition and labels but keeps its database column and the values in it (a rebuild never drops columns): ' +
      're-creating a field with the same name (or undo_change) brings the values back; removing the data needs database access.';
    const base = { tenant: ctx.tenant.id, entity: fc.entity, field: stored, type: String(def.type), ...(labels.label ? { label: labels.label } : {}), definition: def as Record<string, unknown>, dataKept };
    const planning = args.confirm === undefined || args.dryRun === true;
    const records = planning && def.notStorable !== true ? await countFilled(ctx.tenant, fc.entity, stored, def, ctx.signal) : undefined;
    const value: Deletion = { fc, stored, def, labels, removals, notes, base, dataKept };
    return {
      action: 'write' as const,
      value,
      summary: `plan: delete ${fc.entity}.${stored}${records ? ` (${describeCount(records)})` : ''}`,
      confirm: true,
      binding: confirmBinding(fc, stored, def, removals),
      ...(blockers.length ? { blocked: blockers.join('; ') } : {}),
      preview: (token?: { token: string; expiresAt: string }) => {
        const layouts = removals.map((r) => ({ layout: r.layout, status: r.blocker ? ('blocked' as const) : ('planned' as const), change: r.change, ...(r.diff ? { diff: r.diff } : {}), ...(r.blocker ? { error: r.blocker } : {}) }));
        const structured = {
          ...base,
          status: blockers.length ? ('blocked' as const) : ('planned' as const),
          ...(records ? { records } : {}),
          layouts,
          blockers,
          ...(token ? { confirmToken: token.token, expiresAt: token.expiresAt } : {}),
          problems: [],
          notes,
        };
        return { structured, text: planText(structured) };
      },
    };
  },
  async apply(d, ctx) {
    const { fc, stored } = d;
    // Layouts first: once the field is gone, a layout naming it no longer validates.
    const done: LayoutRemoval[] = [];
    for (const r of d.removals) {
      try {
        await saveLayout(ctx, fc.entity, r.layout, r.after);
        done.push(r);
      } catch (err) {
        throw await rollback(ctx, fc, stored, done, `saving the ${r.layout} layout failed (${describeError(err)})`);
      }
    }
    try {
      await fieldManager.delete(ctx.writer, fc.entity, stored, { signal: ctx.signal });
    } catch (err) {
      // Not confirmed (timeout, 5xx): the field may be gone after all; look before putting the layouts back.
      const unsure = mayStillComplete(err);
      const gone = await ctx.tenant.metadata.fresh<FieldDef>(`entityDefs.${fc.entity}.fields.${stored}`, ctx.signal).then((def) => !isRecord(def), () => false);
      if (!gone) throw await rollback(ctx, fc, stored, done, `EspoCRM ${unsure ? 'did not confirm' : 'refused'} the delete (${describeError(err)})`, unsure);
      return { done, deleteError: err };
    }
    return { done };
  },
  async verify(d, { done, deleteError }, ctx) {
    const { fc, stored, def, labels } = d;
    const problems: string[] = deleteError ? [`EspoCRM answered the delete with an error (${describeError(deleteError)}), but the field is gone.`] : [];
    try {
      const still = await ctx.tenant.metadata.fresh<FieldDef>(`entityDefs.${fc.entity}.fields.${stored}`, ctx.signal);
      if (isRecord(still)) problems.push(`EspoCRM answered the delete, but "${stored}" is still in ${fc.entity}'s metadata.`);
    } catch (err) {
      problems.push(`The delete was sent, but reading the metadata back failed: ${describeError(err)}.`);
    }
    const recreate: Record<string, unknown> = { ...def, name: baseNameOf(fc, stored), label: labels.label ?? stored };
    delete recreate.isCustom;
    if (labels.tooltip) recreate.tooltipText = labels.tooltip;
    if (labels.optionLabels && Object.keys(labels.optionLabels).length > 0) recreate.translatedOptions = labels.optionLabels;
    const summary = `deleted ${fc.entity}.${stored}${done.length ? `, removed from ${done.map((r) => r.layout).join(', ')}` : ''}`;
    const change: ChangeRecord = {
      kind: 'field_delete',
      entity: fc.entity,
      field: stored,
      before: { definition: def, ...labels, createBody: recreate },
      after: null,
      related: done.map((r) => ({ layout: r.layout, before: r.before, after: r.after })),
    };
    return {
      outcome: problems.length ? ('partial' as const) : ('applied' as const),
      summary,
      changes: [{ summary, change }],
      result: ([changeId]: string[]) => {
        const structured = {
          ...d.base,
          status: 'deleted' as const,
          layouts: done.map((r) => ({ layout: r.layout, status: 'removed' as const, change: r.change, ...(r.diff ? { diff: r.diff } : {}) })),
          blockers: [],
          ...(changeId ? { changeId } : {}),
          problems,
          notes: [...d.notes, 'EspoCRM rebuilt the metadata by itself after the delete: no rebuild call is needed.'],
        };
        return {
          structured,
          text: [
            `Deleted "${stored}" from ${fc.entity}${done.length ? `; removed it from ${done.map((r) => r.layout).join(', ')}` : ''}.`,
            ...problems.map((p) => `problem: ${p}`),
            d.dataKept,
            `changeId: ${changeId} (undo_change re-creates the field and restores the layouts).`,
          ].join('\n'),
        };
      },
    };
  },
});

interface Deletion {
  fc: FieldContext;
  stored: string;
  def: FieldDef;
  labels: FieldLabels;
  removals: LayoutRemoval[];
  notes: string[];
  base: { tenant: string; entity: string; field: string; type: string; label?: string; definition: Record<string, unknown>; dataKept: string };
  dataKept: string;
}

/** Puts back the layouts already edited, and returns the failure to throw (which the pipeline records). */
async function rollback(ctx: ApplyContext, fc: FieldContext, field: string, done: LayoutRemoval[], reason: string, unsure = false): Promise<WriteFailure> {
  const restored: string[] = [];
  const notRestored: string[] = [];
  for (const r of [...done].reverse()) {
    try {
      await saveLayout(ctx, fc.entity, r.layout, r.before);
      restored.push(r.layout);
    } catch (err) {
      notRestored.push(`${r.layout} (${describeError(err)})`);
    }
  }
  const message =
    `Not deleted: ${reason}. ` +
    (unsure
      ? `Right after, the field "${field}" was still on ${fc.entity}, but a delete the CRM received may still complete: check with describe_entity before trying again.`
      : `The field "${field}" is still on ${fc.entity}.`) +
    (restored.length ? ` Layouts put back as they were: ${restored.join(', ')}.` : '') +
    (notRestored.length ? ` Layouts that could NOT be put back (they no longer show the field): ${notRestored.join(', ')}; fix them with edit_layout.` : '');
  const summary = `delete ${fc.entity}.${field} failed`;
  const left: ChangeRecord | undefined = notRestored.length
    ? {
        kind: 'layout',
        entity: fc.entity,
        layout: done[0]!.layout,
        before: done[0]!.before,
        after: done[0]!.after,
        related: done.slice(1).map((r) => ({ layout: r.layout, before: r.before, after: r.after })),
      }
    : undefined;
  return new WriteFailure(message, 'delete_failed', notRestored.length ? 'partial' : 'failed', summary, left ? { summary, change: left } : undefined);
}

function describeCount(c: FilledCount): string {
  const n = c.count === null ? (c.any ? 'some records' : 'no record') : `${c.count} record(s)`;
  return `${n} hold a value`;
}

function planText(s: {
  status: string;
  entity: string;
  field: string;
  type: string;
  label?: string;
  records?: FilledCount;
  layouts: Array<{ layout: string; status: string; change: string; diff?: string; error?: string }>;
  blockers: string[];
  dataKept: string;
  confirmToken?: string;
  expiresAt?: string;
  notes: string[];
}): string {
  const lines = [
    s.status === 'blocked'
      ? `BLOCKED: "${s.field}" (${s.type}) cannot be deleted from ${s.entity} as things are.`
      : `PLAN (nothing deleted yet): delete custom field "${s.field}" (${s.type}${s.label ? `, "${untrusted(s.label)}"` : ''}) from ${s.entity}.`,
  ];
  if (s.records) {
    const c = s.records;
    lines.push(`Records: ${describeCount(c)} (${c.condition})${c.otherThanDefault !== undefined ? `; ${c.otherThanDefault ?? 'unknown'} with a value other than the default` : ''}.`);
  }
  if (s.layouts.length === 0) lines.push('Layouts: none of the checked layouts shows the field.');
  for (const l of s.layouts) {
    lines.push(`layout ${l.layout}: ${l.change}${l.error ? ` (${l.error})` : ''}`);
    if (l.diff) lines.push(fenceUntrusted(l.diff, `the ${l.layout} layout before and after (panel labels included)`));
  }
  for (const b of s.blockers) lines.push(`blocker: ${b}`);
  lines.push(s.dataKept);
  for (const n of s.notes) lines.push(`note: ${n}`);
  if (s.confirmToken) lines.push(`To delete, call delete_custom_field again with the same entity and name and "confirm": "${s.confirmToken}" (valid until ${s.expiresAt}).`);
  return lines.join('\n');
}
