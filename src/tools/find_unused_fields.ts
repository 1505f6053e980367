import { z } from 'zod';
import { annotationsFor, defineTool, type ToolContext } from './define.js';
import { tenantArg } from './args.js';
import { FIELD_LAYOUTS, countFilled, fieldsInLayout, readLabels, readLayout, readScopes, type FilledCount } from '../reads/index.js';
import { cancelledError, countRecords, crmJson, loadEntity, mapLimit, tenantConcurrency, type EntityInfo } from '../reads/recordScan.js';
import { customizableEntities, type FieldDef } from '../core/fieldSpec/index.js';
import type { WhereItem } from '../espo/query.js';
import { fenceUntrusted } from '../core/fence.js';

const TOOL = 'find_unused_fields';
const DEFAULT_ENTITIES = ['Lead', 'Contact', 'Account'];

const Verdict = z.enum(['unused', 'not_on_any_layout', 'in_use']);
type VerdictT = z.infer<typeof Verdict>;

const FieldOut = z.object({
  name: z.string().describe('Stored field name, e.g. "cSecteur".'),
  type: z.string(),
  label: z.string().optional(),
  count: z.number().nullable().describe('Records holding a value; null when not counted (the CRM does not count this entity, or the type cannot be counted).'),
  any: z.boolean().nullable().describe('At least one record holds a value; null when the type cannot be counted.'),
  condition: z.string().nullable().describe('What was counted, e.g. "cSecteur is set".'),
  otherThanDefault: z.number().nullable().optional().describe('Fields with a default (which fills every record): records whose value is not the default.'),
  layouts: z.array(z.string()).describe('Layouts that show the field.'),
  verdict: Verdict.describe('unused: no record holds a value (or only the default); not_on_any_layout: values exist but no checked layout shows the field; in_use: both.'),
  why: z.string(),
});
type FieldOutT = z.infer<typeof FieldOut>;

const EntityOut = z.object({ entity: z.string(), customFields: z.number(), fields: z.array(FieldOut) });

/** The count of records using a field, for the types `countFilled` does not read as one attribute (docs/espocrm.md, "Finding unused fields"). */
function specialCondition(name: string, def: FieldDef): { where: WhereItem[]; condition: string } | null | undefined {
  const notEmpty = (a: string): WhereItem => ({ type: 'and', value: [{ type: 'isNotNull', attribute: a }, { type: 'notEquals', attribute: a, value: '' }] });
  switch (def.type) {
    case 'link':
    case 'linkParent':
      return { where: [{ type: 'isNotNull', attribute: `${name}Id` }], condition: `${name}Id is set` };
    case 'linkMultiple':
      return { where: [{ type: 'isLinked', attribute: name }], condition: `${name} is linked to a record` };
    case 'address':
      return {
        where: [{ type: 'or', value: ['Street', 'City', 'State', 'Country', 'PostalCode'].map((s) => notEmpty(`${name}${s}`)) }],
        condition: `any part of ${name} is not empty`,
      };
    case 'linkOne':
    case 'attachmentMultiple':
    case 'personName':
    case 'foreign':
      return null; // not counted: no attribute of its own to test
    default:
      return undefined; // countFilled knows it
  }
}

async function countField(ctx: ToolContext, entity: string, name: string, def: FieldDef, signal: AbortSignal): Promise<FilledCount | null> {
  const special = specialCondition(name, def);
  if (special === null) return null;
  if (special === undefined) return countFilled(ctx.tenant, entity, name, def, signal);
  const c = await countRecords(ctx.tenant, entity, special.where, signal);
  return { count: c.count, any: c.any, condition: special.condition };
}

function verdictOf(count: FilledCount | null, layouts: string[]): { verdict: VerdictT; why: string } {
  const shown = layouts.length ? `shown in ${layouts.join(', ')}` : 'on no layout';
  if (count) {
    if (!count.any) return { verdict: 'unused', why: `no record holds a value (${count.condition}); ${shown}` };
    if (count.otherThanDefault === 0) return { verdict: 'unused', why: `every record holds only the default value; ${shown}` };
  }
  const held = !count ? 'values not counted for this type' : count.count === null ? 'some records hold a value' : `${count.count} record(s) hold a value`;
  if (layouts.length === 0) return { verdict: 'not_on_any_layout', why: `${held}, but no layout shows the field` };
  return { verdict: 'in_use', why: `${held}; ${shown}` };
}

export const findUnusedFields = defineTool({
  name: TOOL,
  title: 'Find unused custom fields',
  description:
    `Find custom fields no record fills, and those on no layout (${FIELD_LAYOUTS.join(', ')}). Use it before delete_custom_field ` +
    'or edit_layout. Counts values per field (and against its default). Read-only. Returns a verdict per field: unused, ' +
    'not_on_any_layout or in_use, with why. Example: find_unused_fields {"entities": ["Lead"]}.',
  kind: 'read',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    entities: z
      .union([z.literal('all'), z.array(z.string().min(1).max(100)).min(1).max(50)])
      .optional()
      .describe('Or "all": every one with custom fields. Default: Lead, Contact, Account.'),
  },
  output: {
    tenant: z.string(),
    entities: z.array(EntityOut),
    summary: z.object({ fields: z.number(), unused: z.number(), notOnAnyLayout: z.number(), inUse: z.number() }),
    layoutsChecked: z.array(z.string()),
    durationMs: z.number(),
    notes: z.array(z.string()),
  },
  annotations: annotationsFor('read'),
  async handler(args, ctx) {
    const started = performance.now();
    const scopes = await readScopes(ctx.tenant, ctx.signal);
    const notes: string[] = [];
    let infos: EntityInfo[];
    if (args.entities === 'all') {
      const all = await mapLimit(customizableEntities(scopes), tenantConcurrency(ctx.tenant), ctx.signal, (e) => loadEntity(ctx.tenant, e, scopes, ctx.signal));
      infos = all.filter((i) => Object.values(i.fields).some((d) => d.isCustom === true));
    } else {
      const names = args.entities ?? DEFAULT_ENTITIES.filter((e) => scopes[e]?.entity === true);
      infos = [];
      for (const n of new Set(names)) {
        const info = await loadEntity(ctx.tenant, n, scopes, ctx.signal);
        notes.push(...info.notes);
        if (!infos.some((i) => i.name === info.name)) infos.push(info);
      }
    }

    type Task = { kind: 'layout'; entity: string; layout: string } | { kind: 'count'; entity: string; field: string; def: FieldDef };
    const tasks: Task[] = [];
    const custom = new Map<string, Array<[string, FieldDef]>>();
    for (const info of infos) {
      const fields = Object.entries(info.fields).filter(([, d]) => d.isCustom === true && d.notStorable !== true);
      custom.set(info.name, fields);
      if (fields.length === 0) continue;
      for (const layout of FIELD_LAYOUTS) tasks.push({ kind: 'layout', entity: info.name, layout });
      for (const [field, def] of fields) tasks.push({ kind: 'count', entity: info.name, field, def });
    }

    let done = 0;
    const shownIn = new Map<string, string[]>();
    const counts = new Map<string, FilledCount | null>();
    try {
      await mapLimit(tasks, tenantConcurrency(ctx.tenant), ctx.signal, async (t, _i, signal) => {
        if (t.kind === 'layout') {
          for (const f of fieldsInLayout(t.layout, await readLayout(ctx.tenant, t.entity, t.layout, signal))) {
            const key = `${t.entity}.${f}`;
            shownIn.set(key, [...(shownIn.get(key) ?? []), t.layout]);
          }
        } else {
          counts.set(`${t.entity}.${t.field}`, await countField(ctx, t.entity, t.field, t.def, signal));
        }
        await ctx.progress(++done, tasks.length, `${t.entity}: ${t.kind === 'layout' ? `layout ${t.layout}` : `field ${t.field}`}`).catch(() => undefined);
      });
    } catch (err) {
      if (ctx.signal.aborted) throw cancelledError(TOOL, `after ${done} of ${tasks.length} checks`);
      throw err;
    }

    const labelled = infos.filter((i) => (custom.get(i.name) ?? []).length > 0);
    const labelsOf = new Map(await mapLimit(labelled, tenantConcurrency(ctx.tenant), ctx.signal, async (i) => [i.name, await readLabels(ctx.tenant, i.name, ctx.signal)] as const));
    const entities: Array<z.infer<typeof EntityOut>> = [];
    const summary = { fields: 0, unused: 0, notOnAnyLayout: 0, inUse: 0 };
    for (const info of infos) {
      const fields = custom.get(info.name) ?? [];
      if (fields.length === 0) notes.push(`${info.name} has no custom field.`);
      const labels = labelsOf.get(info.name);
      const out: FieldOutT[] = fields.map(([name, def]) => {
        const count = counts.get(`${info.name}.${name}`) ?? null;
        const order = (l: string) => FIELD_LAYOUTS.indexOf(l as (typeof FIELD_LAYOUTS)[number]);
        const layouts = [...new Set(shownIn.get(`${info.name}.${name}`) ?? [])].sort((a, b) => order(a) - order(b));
        const label = labels?.of(name).label;
        return {
          name,
          type: def.type,
          ...(label ? { label } : {}),
          count: count ? count.count : null,
          any: count ? count.any : null,
          condition: count ? count.condition : null,
          ...(count && count.otherThanDefault !== undefined ? { otherThanDefault: count.otherThanDefault } : {}),
          layouts,
          ...verdictOf(count, layouts),
        };
      });
      // Unused first, then not on a layout: what to act on comes first.
      const rank: Record<VerdictT, number> = { unused: 0, not_on_any_layout: 1, in_use: 2 };
      out.sort((a, b) => rank[a.verdict] - rank[b.verdict] || a.name.localeCompare(b.name));
      for (const f of out) {
        summary.fields++;
        if (f.verdict === 'unused') summary.unused++;
        else if (f.verdict === 'not_on_any_layout') summary.notOnAnyLayout++;
        else summary.inUse++;
      }
      entities.push({ entity: info.name, customFields: out.length, fields: out });
    }
    if (args.entities === 'all' && infos.length === 0) notes.push('No customizable entity type has custom fields.');
    const structured = {
      tenant: ctx.tenant.id,
      entities,
      summary,
      layoutsChecked: [...FIELD_LAYOUTS],
      durationMs: Math.round(performance.now() - started),
      notes,
    };
    return { structured, text: renderText(structured) };
  },
});

function renderText(s: { tenant: string; entities: Array<z.infer<typeof EntityOut>>; summary: { fields: number; unused: number; notOnAnyLayout: number; inUse: number }; notes: string[] }): string {
  const lines = [`${s.summary.fields} custom field(s) checked on tenant "${s.tenant}": ${s.summary.unused} unused, ${s.summary.notOnAnyLayout} on no layout, ${s.summary.inUse} in use.`];
  const listing: string[] = [];
  for (const e of s.entities) {
    if (e.fields.length === 0) continue;
    listing.push(`${e.entity}:`);
    for (const f of e.fields) listing.push(`  ${f.name} (${f.type}${f.label !== undefined ? `, ${crmJson(f.label)}` : ''}): ${f.verdict}, ${f.why}`);
  }
  if (listing.length) lines.push(fenceUntrusted(listing.join('\n'), 'the custom fields with their labels (as JSON) and verdicts'));
  for (const n of s.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}
