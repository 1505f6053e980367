import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { tenantArg } from './args.js';
import { FIELD_LAYOUTS, existingField, fieldOptions, fieldsInLayout, loadFieldContext, readLabels, readLayout } from '../reads/index.js';
import { isUserError, ToolError } from '../errors.js';
import { fenceUntrusted } from '../core/fence.js';

const OptionOut = z.object({ value: z.string(), label: z.string().optional() });

const FieldOut = z.object({
  name: z.string().describe('The stored field name, as used in layouts, filters and the API (e.g. "cSecteur").'),
  type: z.string(),
  label: z.string().optional().describe('The label users see (in the admin user\'s language).'),
  custom: z.boolean().describe('Created through the Field Manager (isCustom); only these can be deleted.'),
  required: z.boolean(),
  readOnly: z.boolean().optional(),
  disabled: z.boolean().optional(),
  options: z.array(OptionOut).optional().describe('enum, multiEnum, checklist, array: the options with their labels.'),
  optionsFrom: z.string().optional().describe('The options are those of this field (optionsReference, e.g. "Account.industry"): change them there.'),
  default: z.unknown().optional(),
  maxLength: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  tooltip: z.string().optional(),
  layouts: z.array(z.string()).optional().describe('The layouts (of those checked) that show the field.'),
});

type FieldOutT = z.infer<typeof FieldOut>;

const OPTION_TYPES = ['enum', 'multiEnum', 'checklist', 'array', 'varchar'];

export const describeEntity = defineTool({
  name: 'describe_entity',
  title: 'Describe an entity type',
  description:
    "List an entity type's fields. Use it before creating, updating or deleting a field, to find its stored name (\"cSecteur\") " +
    'and avoid duplicates. Returns per field: name, type, label, custom, required, options, limits, the layouts showing it. ' +
    'Read-only; layouts need the admin login. Example: describe_entity {"entity": "Lead", "fields": ["secteur"]}.',
  kind: 'read',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    entity: z.string().min(1).describe('Entity type, e.g. "Lead".'),
    fields: z
      .array(z.string().min(1))
      .max(200)
      .optional()
      .describe('Only these: stored ("cSecteur") or created-with names. Default: all.'),
    customOnly: z.boolean().optional().describe('true: custom fields only.'),
    includeLayouts: z.boolean().optional().describe('Default true; false is faster.'),
  },
  output: {
    tenant: z.string(),
    entity: z.string(),
    version: z.string().optional().describe('The EspoCRM version of the tenant.'),
    customPrefix: z.boolean().describe('New custom fields on this entity get the "c" prefix.'),
    fields: z.array(FieldOut),
    layoutsChecked: z.array(z.string()).describe('Layouts read to fill each field\'s "layouts" (empty when includeLayouts is false).'),
    notes: z.array(z.string()),
  },
  annotations: annotationsFor('read'),
  async handler(args, ctx) {
    const fc = await loadFieldContext(ctx.tenant, args.entity, ctx.signal);
    const notes = [...fc.notes];
    let names = Object.keys(fc.fields);
    if (args.fields !== undefined) {
      const picked: string[] = [];
      const missing: string[] = [];
      for (const requested of args.fields) {
        try {
          const f = existingField(fc, requested);
          if (!picked.includes(f.stored)) picked.push(f.stored);
          notes.push(...f.notes);
        } catch (err) {
          if (!isUserError(err)) throw err;
          missing.push(err.message);
        }
      }
      if (picked.length === 0) throw new ToolError(missing.join(' '), 'field_not_found');
      notes.push(...missing);
      names = picked;
    }
    if (args.customOnly === true) names = names.filter((n) => fc.fields[n]?.isCustom === true);

    const labels = await readLabels(ctx.tenant, fc.entity, ctx.signal);
    const includeLayouts = args.includeLayouts !== false;
    const shownIn = new Map<string, string[]>();
    const layoutsChecked: string[] = [];
    if (includeLayouts) {
      const read = await Promise.all(FIELD_LAYOUTS.map(async (l) => [l, await readLayout(ctx.tenant, fc.entity, l, ctx.signal)] as const));
      for (const [layout, json] of read) {
        if (json === undefined) continue;
        layoutsChecked.push(layout);
        for (const f of fieldsInLayout(layout, json)) shownIn.set(f, [...(shownIn.get(f) ?? []), layout]);
      }
    }

    const fields: FieldOutT[] = await Promise.all(names.map(async (name) => {
      const def = fc.fields[name]!;
      const l = labels.of(name);
      const out: FieldOutT = { name, type: String(def.type), custom: def.isCustom === true, required: def.required === true };
      if (l.label !== undefined) out.label = l.label;
      if (def.readOnly === true) out.readOnly = true;
      if (def.disabled === true) out.disabled = true;
      const opts = OPTION_TYPES.includes(String(def.type)) ? await fieldOptions(ctx.tenant, def, l, ctx.signal) : undefined;
      if (opts) {
        out.options = opts.options.map((value) => {
          const label = opts.optionLabels?.[value === '' ? '_empty_' : value];
          return label !== undefined && label !== value ? { value, label } : { value };
        });
        if (opts.reference) out.optionsFrom = opts.reference;
      }
      if (def.default !== undefined && def.default !== null && def.default !== '') out.default = def.default;
      for (const k of ['maxLength', 'min', 'max'] as const) if (typeof def[k] === 'number') out[k] = def[k] as number;
      if (l.tooltip !== undefined && l.tooltip !== '') out.tooltip = l.tooltip;
      if (includeLayouts) out.layouts = shownIn.get(name) ?? [];
      return out;
    }));

    const { profile } = fc;
    const listing = fields.map((f) => {
      const opts = f.options ? ` [${f.optionsFrom ? `options of ${f.optionsFrom}: ` : ''}${f.options.map((o) => (o.label ? `${o.value}="${o.label}"` : o.value)).join(', ')}]` : '';
      const where = f.layouts ? ` layouts: ${f.layouts.length ? f.layouts.join(', ') : '(none)'}` : '';
      return `- ${f.name} (${f.type}${f.custom ? ', custom' : ''}${f.required ? ', required' : ''}) "${f.label ?? f.name}"${opts}${where}`;
    });
    const text = [
      `${fc.entity} on tenant ${ctx.tenant.id}${profile.version ? ` (EspoCRM ${profile.version})` : ''}: ${fields.length} field(s)` +
        `${fc.prefixEnabled ? '; new custom fields get the "c" prefix' : '; new custom fields get no prefix'}.`,
      // Labels and option values are typed in the CRM by third parties: fenced as data.
      fenceUntrusted(listing.join('\n'), `the fields of ${fc.entity} with their labels and option values`),
      ...notes.map((n) => `note: ${n}`),
    ].join('\n');
    return {
      structured: {
        tenant: ctx.tenant.id,
        entity: fc.entity,
        ...(profile.version ? { version: profile.version } : {}),
        customPrefix: fc.prefixEnabled,
        fields,
        layoutsChecked,
        notes,
      },
      text,
    };
  },
});

