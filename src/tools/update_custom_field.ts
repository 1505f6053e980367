import { fenceUntrusted } from '../core/fence.js';
import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { tenantArg } from './common.js';
import { dryRunArg, guardWrite, recordWrite } from './write.js';
import { alreadyRecorded, auditedWrite, existingField, loadFieldContext, readLabels, readMetaFresh, specError, withoutKeys } from './fieldSupport.js';
import { compareDefinition, fieldUpdateShape, planFieldUpdate, type FieldDef } from '../core/fieldSpec/index.js';
import { fieldManager } from '../espo/api/index.js';
import { describeError, mayStillComplete } from './common.js';
import { ToolError } from '../errors.js';
import { EspoError } from '../espo/errors.js';

const TOOL = 'update_custom_field';

/** Diff keys that are labels (i18n), not definition parameters. */
const isLabelKey = (key: string): boolean => key === 'label' || key === 'tooltip' || key.startsWith('optionLabels.');

const DiffEntry = z.object({ key: z.string(), before: z.unknown().optional(), after: z.unknown().optional() });

export const updateCustomField = defineTool({
  name: TOOL,
  title: 'Update a field',
  description:
    'Change an existing field of an entity type on a tenant\'s EspoCRM. Use it to rename a label, add or remove options, or change ' +
    'required, limits or the default of a custom or built-in field: label, tooltip, required, limits (maxLength, min, max), default, ' +
    'options (enum, multiEnum, checklist, array) and their labels, and other parameters of its type. The field is named by its stored ' +
    'name ("cSecteur") or the name it was created with ("secteur"); a name that does not exist is refused (this tool never creates). ' +
    'EspoCRM replaces the whole definition on update, so the current definition is read, the change applied and the whole sent back ' +
    '(read-modify-write), then read back and compared. "options" replaces the list; "addOptions"/"removeOptions" edit it. The type cannot ' +
    'change. Returns the diff (before/after per key), warnings about existing records (removed options, narrower limits) and a changeId for ' +
    'undo_change; the same call again answers "unchanged" (idempotent). Use dryRun: true to see the diff first. Needs the tenant\'s admin login. ' +
    'Example: update_custom_field {"tenant": "damath", "entity": "Lead", "name": "secteur", "addOptions": ["Agriculture"], "label": "Secteur d\'activité"}.',
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
  async handler(args, ctx) {
    return auditedWrite(ctx, TOOL, args, async () => {
      // A write plans on the CRM as it is now, not on a cached view (the CRM may have changed outside this server).
      if (args.dryRun !== true) ctx.tenant.metadata.invalidate();
      const fc = await loadFieldContext(ctx, args.entity);
      const { stored, def: current, notes: nameNotes } = existingField(fc, args.name);
      const labels = (await readLabels(ctx, fc.entity)).of(stored);
      const patch = withoutKeys(args, ['tenant', 'dryRun']);
      const i18n = { ...(labels.optionLabels ? { optionLabels: labels.optionLabels } : {}), ...(labels.tooltip !== undefined ? { tooltip: labels.tooltip } : {}) };
      const planned = planFieldUpdate(current, labels.label, patch, fc.meta, i18n);
      if (!planned.ok) throw specError(planned.errors);
      const plan = planned.plan;
      const notes = [...fc.notes, ...nameNotes, ...plan.notes];
      if (current.isCustom !== true) notes.push(`"${stored}" is a built-in field: the change is kept as a customisation (EspoCRM can reset it to default).`);
      const base = { tenant: ctx.tenant.id, entity: fc.entity, field: stored };

      if (!plan.changed) {
        recordWrite(ctx, { tool: TOOL, args, outcome: 'unchanged', summary: `${fc.entity}.${stored}: nothing to change` });
        const structured = { ...base, status: 'unchanged' as const, diff: [], warnings: [], definition: current as Record<string, unknown>, verified: true, notes, problems: [] };
        return { structured, text: `Unchanged: ${fc.entity}.${stored} already is as asked; nothing was written.${notes.map((n) => `\nnote: ${n}`).join('')}` };
      }
      if (args.dryRun === true) {
        recordWrite(ctx, { tool: TOOL, args, outcome: 'dry_run', summary: `plan: update ${fc.entity}.${stored}` });
        const structured = { ...base, status: 'planned' as const, diff: plan.diff, warnings: plan.warnings, body: plan.body, definition: { ...current, ...plan.body }, notes, problems: [] };
        return { structured, text: text('PLAN (dry run, nothing written)', structured) };
      }

      await guardWrite(ctx);
      try {
        await fieldManager.update(ctx.tenant.client(), fc.entity, stored, plan.body as { type: string }, { signal: ctx.signal });
      } catch (err) {
        if (!(err instanceof EspoError)) throw err;
        // Sent but refused or not confirmed: read back what the CRM holds now; never re-send blindly.
        const now = await readMetaFresh<FieldDef>(ctx, `entityDefs.${fc.entity}.fields.${stored}`).catch(() => undefined);
        const expected = Object.fromEntries(plan.diff.filter((d) => !isLabelKey(d.key)).map((d) => [d.key, d.after]));
        const checkable = now !== undefined && Object.keys(expected).length > 0; // labels are not in the metadata
        const applied = checkable && compareDefinition(expected, now).equal;
        if (!applied) {
          const pending = mayStillComplete(err);
          const state =
            !checkable
              ? 'Its state could not be confirmed: check it with describe_entity before trying again.'
              : pending
                ? `Right after, ${fc.entity}.${stored} still had its former definition, but an update the CRM received may still complete: check with describe_entity before trying again.`
                : `${fc.entity}.${stored} is unchanged (checked by reading it back).`;
          const message =
            `Updating ${fc.entity}.${stored} ${pending ? 'was not confirmed' : 'failed'}: ${describeError(err)} ${state} ` +
            'Calling update_custom_field again with the same arguments is safe (it answers "unchanged" when the change is in place).';
          recordWrite(ctx, { tool: TOOL, args, outcome: 'failed', summary: `update ${fc.entity}.${stored} ${pending ? 'not confirmed' : 'failed'}`, error: message });
          throw alreadyRecorded(new ToolError(message, pending ? 'update_not_confirmed' : 'update_failed'));
        }
      }

      // Read back: the changed definition keys from metadata, the labels from I18n.
      const problems: string[] = [];
      let after: FieldDef | undefined;
      let afterLabels: ReturnType<Awaited<ReturnType<typeof readLabels>>['of']> = {};
      try {
        after = await readMetaFresh<FieldDef>(ctx, `entityDefs.${fc.entity}.fields.${stored}`);
        afterLabels = (await readLabels(ctx, fc.entity)).of(stored);
        const expected = Object.fromEntries(plan.diff.filter((d) => !isLabelKey(d.key)).map((d) => [d.key, d.after]));
        const cmp = compareDefinition(expected, after);
        if (!cmp.equal) problems.push(`The stored definition differs from what was sent: ${cmp.differences.join('; ')}.`);
        const newLabel = plan.diff.find((d) => d.key === 'label')?.after;
        if (typeof newLabel === 'string' && afterLabels.label !== newLabel) problems.push(`The stored label is ${JSON.stringify(afterLabels.label ?? null)}, not "${newLabel}".`);
      } catch (err) {
        problems.push(`The update was sent, but reading it back failed: ${describeError(err)}.`);
      }
      const verified = problems.length === 0;
      const changeId = recordWrite(ctx, {
        tool: TOOL,
        args,
        outcome: verified ? 'applied' : 'partial',
        summary: `updated ${fc.entity}.${stored}: ${plan.diff.map((d) => d.key).join(', ')}`,
        change: {
          kind: 'field_update',
          entity: fc.entity,
          field: stored,
          before: { definition: current, ...labels },
          after: { definition: after ?? plan.body, ...afterLabels },
        },
      });
      const structured = {
        ...base,
        status: verified ? ('updated' as const) : ('partial' as const),
        diff: plan.diff,
        warnings: plan.warnings,
        body: plan.body,
        definition: (after ?? plan.body) as Record<string, unknown>,
        verified,
        notes,
        problems,
        ...(changeId ? { changeId } : {}),
      };
      return { structured, text: text(verified ? `Updated ${fc.entity}.${stored}; verified by reading it back` : `PARTIAL: ${fc.entity}.${stored} was sent, but the read-back differs`, structured) };
    });
  },
});

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
