import { fenceUntrusted } from '../core/fence.js';
import { z } from 'zod';
import { annotationsFor, defineWriteTool } from './define.js';
import { dryRunArg, tenantArg, withoutKeys } from './args.js';
import { GUIDE_FIELD_TYPES_URI } from '../resources/uris.js';
import { existingField, loadFieldContext, readLabels, specError, type FieldLabels } from '../reads/index.js';
import { compareDefinition, fieldUpdateShape, planFieldUpdate, type FieldDef, type FieldUpdatePlan } from '../core/fieldSpec/index.js';
import { fieldManager } from '../espo/api/index.js';
import { mayStillComplete } from '../espo/outcome.js';
import { describeError } from '../errors.js';
import { EspoError } from '../espo/errors.js';
import { WriteFailure } from '../pipeline/failure.js';

const TOOL = 'update_custom_field';

/** Diff keys that are labels (i18n), not definition parameters. */
const isLabelKey = (key: string): boolean => key === 'label' || key === 'tooltip' || key.startsWith('optionLabels.');

const DiffEntry = z.object({ key: z.string(), before: z.unknown().optional(), after: z.unknown().optional() });

export const updateCustomField = defineWriteTool({
  name: TOOL,
  title: 'Update a field',
  description:
    'Change an existing field, custom or built-in. Use it to edit a label, tooltip, required, limits, default, options and their ' +
    'labels, type parameters. Never creates; the type cannot change. Read-modify-write, then read back. dryRun: true shows the diff. ' +
    'Returns the diff, warnings about existing records (removed options, narrower limits) and a changeId (undo_change). Needs the ' +
    'admin login. Example: update_custom_field {"entity": "Lead", "name": "secteur", "addOptions": ["Agriculture"]}. Parameters: ' +
    `resource ${GUIDE_FIELD_TYPES_URI}.`,
  kind: 'write',
  tenantScoped: true,
  looseInput: true,
  input: { tenant: tenantArg, ...fieldUpdateShape, dryRun: dryRunArg },
  output: {
    tenant: z.string(),
    entity: z.string(),
    field: z.string().describe('The stored field name.'),
    status: z.enum(['planned', 'updated', 'unchanged', 'partial']).describe('partial: sent, but the read-back differs (see problems).'),
    diff: z.array(DiffEntry).describe('Each changed key with its value before and after.'),
    warnings: z.array(z.string()).describe('Consequences for existing records.'),
    body: z.record(z.string(), z.unknown()).optional().describe('The full definition sent to PUT Admin/fieldManager/{Entity}/{field}.'),
    definition: z.record(z.string(), z.unknown()).describe('The definition now (read back), or as planned.'),
    verified: z.boolean().optional(),
    notes: z.array(z.string()),
    problems: z.array(z.string()),
    changeId: z.string().optional().describe('Pass to undo_change to restore the previous definition.'),
  },
  // Destructive: it overwrites the current definition (removed options, narrower limits); undo_change restores it.
  annotations: annotationsFor('write', { idempotent: true, destructive: true }),
  refusal: 'Not updated',
  async plan(args, ctx) {
    // A write plans on the CRM as it is now, not on a cached view (the CRM may have changed outside this server).
    if (args.dryRun !== true) ctx.tenant.metadata.invalidate();
    const fc = await loadFieldContext(ctx.tenant, args.entity, ctx.signal);
    const { stored, def: current, notes: nameNotes } = existingField(fc, args.name);
    const labels = (await readLabels(ctx.tenant, fc.entity, ctx.signal)).of(stored);
    const patch = withoutKeys(args, ['tenant', 'dryRun']);
    const i18n = { ...(labels.optionLabels ? { optionLabels: labels.optionLabels } : {}), ...(labels.tooltip !== undefined ? { tooltip: labels.tooltip } : {}) };
    const planned = planFieldUpdate(current, labels.label, patch, fc.meta, i18n);
    if (!planned.ok) throw specError(planned.errors);
    const plan = planned.plan;
    const notes = [...fc.notes, ...nameNotes, ...plan.notes];
    if (current.isCustom !== true) notes.push(`"${stored}" is a built-in field: the change is kept as a customisation (EspoCRM can reset it to default).`);
    const base = { tenant: ctx.tenant.id, entity: fc.entity, field: stored };

    if (!plan.changed) {
      const structured = { ...base, status: 'unchanged' as const, diff: [], warnings: [], definition: current as Record<string, unknown>, verified: true, notes, problems: [] };
      return {
        action: 'final' as const,
        outcome: 'unchanged' as const,
        summary: `${fc.entity}.${stored}: nothing to change`,
        result: { structured, text: `Unchanged: ${fc.entity}.${stored} already is as asked; nothing was written.${notes.map((n) => `\nnote: ${n}`).join('')}` },
      };
    }
    const value: Update = { entity: fc.entity, stored, current, labels, plan, notes, base };
    return {
      action: 'write' as const,
      value,
      summary: `plan: update ${fc.entity}.${stored}`,
      confirm: false,
      preview: () => {
        const structured = { ...base, status: 'planned' as const, diff: plan.diff, warnings: plan.warnings, body: plan.body, definition: { ...current, ...plan.body }, notes, problems: [] };
        return { structured, text: text('PLAN (dry run, nothing written)', structured) };
      },
    };
  },
  async apply(u, ctx) {
    try {
      await fieldManager.update(ctx.writer, u.entity, u.stored, u.plan.body as { type: string }, { signal: ctx.signal });
    } catch (err) {
      if (!(err instanceof EspoError)) throw err;
      // Sent but refused or not confirmed: read back what the CRM holds now; never re-send blindly.
      const now = await ctx.tenant.metadata.fresh<FieldDef>(`entityDefs.${u.entity}.fields.${u.stored}`, ctx.signal).catch(() => undefined);
      const expected = Object.fromEntries(u.plan.diff.filter((d) => !isLabelKey(d.key)).map((d) => [d.key, d.after]));
      const checkable = now !== undefined && Object.keys(expected).length > 0; // labels are not in the metadata
      const applied = checkable && compareDefinition(expected, now).equal;
      if (!applied) {
        const pending = mayStillComplete(err);
        const state =
          !checkable
            ? 'Its state could not be confirmed: check it with describe_entity before trying again.'
            : pending
              ? `Right after, ${u.entity}.${u.stored} still had its former definition, but an update the CRM received may still complete: check with describe_entity before trying again.`
              : `${u.entity}.${u.stored} is unchanged (checked by reading it back).`;
        const message =
          `Updating ${u.entity}.${u.stored} ${pending ? 'was not confirmed' : 'failed'}: ${describeError(err)} ${state} ` +
          'Calling update_custom_field again with the same arguments is safe (it answers "unchanged" when the change is in place).';
        throw new WriteFailure(message, pending ? 'update_not_confirmed' : 'update_failed', 'failed', `update ${u.entity}.${u.stored} ${pending ? 'not confirmed' : 'failed'}`);
      }
    }
  },
  async verify(u, _applied, ctx) {
    // Read back: the changed definition keys from metadata, the labels from I18n.
    const { plan } = u;
    const problems: string[] = [];
    let after: FieldDef | undefined;
    let afterLabels: FieldLabels = {};
    try {
      after = await ctx.tenant.metadata.fresh<FieldDef>(`entityDefs.${u.entity}.fields.${u.stored}`, ctx.signal);
      afterLabels = (await readLabels(ctx.tenant, u.entity, ctx.signal)).of(u.stored);
      const expected = Object.fromEntries(plan.diff.filter((d) => !isLabelKey(d.key)).map((d) => [d.key, d.after]));
      const cmp = compareDefinition(expected, after);
      if (!cmp.equal) problems.push(`The stored definition differs from what was sent: ${cmp.differences.join('; ')}.`);
      const newLabel = plan.diff.find((d) => d.key === 'label')?.after;
      if (typeof newLabel === 'string' && afterLabels.label !== newLabel) problems.push(`The stored label is ${JSON.stringify(afterLabels.label ?? null)}, not "${newLabel}".`);
    } catch (err) {
      problems.push(`The update was sent, but reading it back failed: ${describeError(err)}.`);
    }
    const verified = problems.length === 0;
    const summary = `updated ${u.entity}.${u.stored}: ${plan.diff.map((d) => d.key).join(', ')}`;
    return {
      outcome: verified ? ('applied' as const) : ('partial' as const),
      summary,
      changes: [
        {
          summary,
          change: {
            kind: 'field_update' as const,
            entity: u.entity,
            field: u.stored,
            before: { definition: u.current, ...u.labels },
            after: { definition: after ?? plan.body, ...afterLabels },
          },
        },
      ],
      result: ([changeId]: string[]) => {
        const structured = {
          ...u.base,
          status: verified ? ('updated' as const) : ('partial' as const),
          diff: plan.diff,
          warnings: plan.warnings,
          body: plan.body,
          definition: (after ?? plan.body) as Record<string, unknown>,
          verified,
          notes: u.notes,
          problems,
          ...(changeId ? { changeId } : {}),
        };
        return { structured, text: text(verified ? `Updated ${u.entity}.${u.stored}; verified by reading it back` : `PARTIAL: ${u.entity}.${u.stored} was sent, but the read-back differs`, structured) };
      },
    };
  },
});

interface Update {
  entity: string;
  stored: string;
  current: FieldDef;
  labels: FieldLabels;
  plan: FieldUpdatePlan;
  notes: string[];
  base: { tenant: string; entity: string; field: string };
}

function text(head: string, s: { diff: Array<{ key: string; before?: unknown; after?: unknown }>; warnings: string[]; notes: string[]; problems: string[]; changeId?: string }): string {
  const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v));
  return [
    `${head}.`,
    // Labels and option values come from the CRM: fenced as data.
    ...(s.diff.length ? [fenceUntrusted(s.diff.map((d) => `${d.key}: ${show(d.before)} -> ${show(d.after)}`).join('\n'), 'the definition before and after')] : []),
    ...s.warnings.map((w) => `warning: ${w}`),
    ...s.problems.map((p) => `problem: ${p}`),
    ...s.notes.map((n) => `note: ${n}`),
    ...(s.changeId ? [`changeId: ${s.changeId} (undo_change restores the previous definition)`] : []),
    'EspoCRM rebuilds the entity by itself after a field update: no rebuild call is needed.',
  ].join('\n');
}
