/**
 * The blueprint format as a zod schema (strict: an unknown key is refused, naming the keys allowed),
 * `parseBlueprint` with errors that say where, what was wrong and what is allowed, and the published
 * JSON Schema (`blueprintJsonSchema`, written to docs/blueprint.schema.json by
 * `npm run docs:blueprint-schema`). Pure.
 */
import { z } from 'zod';
import { CoreError } from '../errors.js';
import { SUPPORTED_FIELD_TYPES, resolveFieldType } from '../fieldSpec/fieldTypes.js';
import type { FieldTypeDef } from '../fieldSpec/types.js';
import { FIELD_LAYOUT_TARGETS } from '../layout/placement.js';
import { PANEL_LAYOUTS, type Blueprint } from './types.js';

/** Where the published schema lives (in the repository and the package), and its `$id`. */
export const BLUEPRINT_SCHEMA_PATH = 'docs/blueprint.schema.json';
export const BLUEPRINT_SCHEMA_ID = 'urn:espocrm-admin-mcp:blueprint';

/** The types a blueprint may create (the tenant's metadata is checked again when planning). */
const CREATABLE: Record<string, FieldTypeDef> = Object.fromEntries(Object.keys(SUPPORTED_FIELD_TYPES).map((t) => [t, {}]));

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const ENTITY_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

const fieldName = z
  .string()
  .regex(FIELD_NAME, { error: 'a field name is ASCII letters, digits and "_", starting with a letter (e.g. "secteur" or "cSecteur")' })
  .max(100);

const layoutName = z.enum(FIELD_LAYOUT_TARGETS, { error: `a layout is one of ${FIELD_LAYOUT_TARGETS.join(', ')}` });
const panelRef = z.union([z.string().trim().min(1), z.number().int().min(0)], { error: 'a panel is its label (text) or its 0-based index' });

const OptionSchema = z.union(
  [
    z.string().max(255),
    z.strictObject({
      value: z.string().max(255),
      label: z.string().max(255).optional(),
      style: z.string().optional(),
    }),
  ],
  { error: 'each option is a text, or an object {"value": "...", "label"?: "...", "style"?: "..."}' },
);

const LayoutTargetSchema = z
  .union(
    [
      layoutName,
      z.strictObject({
        layout: layoutName,
        panel: panelRef.optional().describe('Detail layouts: a panel label or 0-based index; default: the first panel.'),
        after: fieldName.optional().describe('A field already in the layout (stored name).'),
        fullWidth: z.boolean().optional(),
        width: z.number().min(0).max(100).optional().describe('List layouts: column width in percent.'),
      }),
    ],
    { error: `each layout is one of ${FIELD_LAYOUT_TARGETS.join(', ')}, or an object {"layout": one of those, "panel"?, "after"?, "fullWidth"?, "width"?}` },
  )
  .describe('A layout name, or a layout with where to place the field.');

const FieldBlueprintSchema = z
  .strictObject({
    name: fieldName.describe('As for create_custom_field: "secteur" is stored "cSecteur" where EspoCRM adds the prefix.'),
    type: z.string().min(1).describe('enum, multiEnum, varchar, text, int, float, currency, bool, date, datetime, url, wysiwyg, checklist, array.'),
    label: z.string().trim().min(1).max(255).optional().describe('Shown to users.'),
    tooltip: z.string().optional(),
    required: z.boolean().optional(),
    maxLength: z.number().int().optional(),
    options: z.array(OptionSchema).optional().describe('Options that must exist: missing ones are added to an existing field, others kept.'),
    optionLabels: z.record(z.string(), z.string()).optional().describe('Label by option value.'),
    style: z.record(z.string(), z.string().nullable()).optional().describe('Badge style by option value.'),
    default: z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    decimalPlaces: z.number().int().optional(),
    audited: z.boolean().optional(),
    readOnly: z.boolean().optional(),
    readOnlyAfterCreate: z.boolean().optional(),
    isSorted: z.boolean().optional(),
    pattern: z.string().optional(),
    maxCount: z.number().int().optional(),
    params: z.record(z.string(), z.unknown()).optional().describe('Other parameters of the type.'),
    layouts: z.array(LayoutTargetSchema).optional().describe('Layouts that must show the field.'),
  })
  .superRefine((f, ctx) => {
    const t = resolveFieldType(f.type, CREATABLE);
    if (!t.ok) ctx.addIssue({ code: 'custom', path: ['type'], message: t.error.message });
    const seen = new Set<string>();
    for (const [i, l] of (f.layouts ?? []).entries()) {
      const name = typeof l === 'string' ? l : l.layout;
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['layouts', i], message: `the ${name} layout is named twice; give each layout once` });
      seen.add(name);
    }
    const values = new Set<string>();
    for (const [i, o] of (f.options ?? []).entries()) {
      const v = typeof o === 'string' ? o : o.value;
      if (values.has(v)) ctx.addIssue({ code: 'custom', path: ['options', i], message: `the option "${v}" is given twice` });
      values.add(v);
    }
  })
  .describe('A custom field that must exist.');

const PanelBlueprintSchema = z
  .strictObject({
    layout: z.enum(PANEL_LAYOUTS, { error: `a panel's layout is one of ${PANEL_LAYOUTS.join(', ')}` }),
    label: z.string().trim().min(1).max(255),
    after: panelRef.optional().describe('When added: after this panel; default: at the end.'),
  })
  .describe('A panel that must exist (matched by label, case-insensitive).');

const RemovalSchema = z
  .strictObject({
    fields: z.array(fieldName).optional().describe('Custom fields to delete.'),
    placements: z
      .array(z.strictObject({ layout: layoutName, field: fieldName }))
      .optional()
      .describe('Fields to take off a layout (the field stays).'),
  })
  .describe('Only what is written here is removed.');

const EntityBlueprintSchema = z
  .strictObject({
    fields: z.array(FieldBlueprintSchema).optional(),
    panels: z.array(PanelBlueprintSchema).optional(),
    remove: RemovalSchema.optional(),
  })
  .superRefine((e, ctx) => {
    const names = new Map<string, number>();
    for (const [i, f] of (e.fields ?? []).entries()) {
      const key = baseName(f.name);
      if (names.has(key)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `the field "${f.name}" is given twice in this entity` });
      names.set(key, i);
    }
    for (const [i, r] of (e.remove?.fields ?? []).entries()) {
      if (names.has(baseName(r))) {
        ctx.addIssue({ code: 'custom', path: ['remove', 'fields', i], message: `the field "${r}" is both ensured (fields) and removed (remove.fields); keep one` });
      }
    }
    const panels = new Set<string>();
    for (const [i, p] of (e.panels ?? []).entries()) {
      const key = `${p.layout}:${p.label.trim().toLowerCase()}`;
      if (panels.has(key)) ctx.addIssue({ code: 'custom', path: ['panels', i], message: `the panel "${p.label}" on ${p.layout} is given twice` });
      panels.add(key);
    }
  });

export const BlueprintSchema = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema of this file (for editors).'),
    name: z.string().trim().min(1).max(100).describe('What the blueprint is called.'),
    description: z.string().optional(),
    entities: z
      .record(
        z.string().regex(ENTITY_NAME, { error: 'an entity key is an entity type such as "Lead" or "Account" (letters and digits)' }),
        EntityBlueprintSchema,
      )
      .describe('By entity type ("Lead", "Account", ...).'),
  })
  .describe('A customization to apply to many EspoCRM tenants: ensured, never removed unless written under "remove".');

/** "cSecteur" and "secteur" name the same field in a blueprint (compared without the prefix, case-insensitively). */
function baseName(name: string): string {
  const n = /^c[A-Z]/.test(name) ? name.slice(1) : name;
  return n.replace(/_/g, '').toLowerCase();
}

// The inferred type must stay assignable to the hand-written one (types.ts), so the two agree.
type Inferred = z.infer<typeof BlueprintSchema>;
const agrees: Inferred extends Blueprint ? true : false = true;
void agrees;

/** The keys allowed where an unknown one was found, for the message. */
function allowedKeys(schema: unknown): string[] | undefined {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  return undefined;
}

/** The schema found at a path of the blueprint (for the allowed keys of an unknown key). */
function schemaAt(path: readonly PropertyKey[]): string[] | undefined {
  const p = path.filter((k) => typeof k !== 'number');
  if (p.length === 0) return allowedKeys(BlueprintSchema);
  if (p.length === 2 && p[0] === 'entities') return ['fields', 'panels', 'remove'];
  if (p.length === 3 && p[0] === 'entities' && p[2] === 'fields') return allowedKeys(FieldBlueprintSchema);
  if (p.length === 4 && p[0] === 'entities' && p[2] === 'fields' && p[3] === 'layouts') return ['layout', 'panel', 'after', 'fullWidth', 'width'];
  if (p.length === 4 && p[0] === 'entities' && p[2] === 'fields' && p[3] === 'options') return ['value', 'label', 'style'];
  if (p.length === 3 && p[0] === 'entities' && p[2] === 'panels') return ['layout', 'label', 'after'];
  if (p.length === 3 && p[0] === 'entities' && p[2] === 'remove') return ['fields', 'placements'];
  if (p.length === 4 && p[0] === 'entities' && p[2] === 'remove' && p[3] === 'placements') return ['layout', 'field'];
  return undefined;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** A JSON-pointer-like path for messages: entities.Lead.fields[0].type. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out === '' ? '(top level)' : out;
}

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  const where = formatPath(issue.path);
  const found = valueAt(input, issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = schemaAt(issue.path);
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${allowed ? `; allowed: ${allowed.join(', ')}` : ''}.`;
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues.map((i) => i.message).join('; ');
    return `${where}: the key ${show(issue.path[issue.path.length - 1])} is not allowed: ${inner}.`;
  }
  if (issue.code === 'invalid_type') {
    if (found === undefined) return `${where}: is required (${issue.expected}).`;
    const expected = issue.expected === 'boolean' ? 'true or false' : issue.expected === 'record' ? 'an object' : issue.expected;
    return `${where}: expected ${expected}, found ${show(found)}.`;
  }
  if (issue.code === 'invalid_union' || issue.code === 'invalid_value' || issue.code === 'invalid_format') {
    return `${where}: ${issue.message} (found ${show(found)}).`;
  }
  return `${where}: ${issue.message}${found !== undefined && typeof found !== 'object' ? ` (found ${show(found)})` : ''}.`;
}

/**
 * A blueprint from JSON text or a parsed value, checked against the format. `source` names where it
 * came from ("blueprints/transport.json", "the inline blueprint") in the error. Throws a CoreError
 * (`invalid_blueprint`) listing every problem: the path, what was wrong, what is allowed.
 */
export function parseBlueprint(json: unknown, source: string): Blueprint {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new CoreError(`${source} is not valid JSON: ${(err as Error).message}. A blueprint is a JSON object; see docs/blueprints.md.`, 'invalid_blueprint');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CoreError(
      `${source} is not a blueprint: expected a JSON object {"name": "...", "entities": {"Lead": {"fields": [...]}}}, found ${show(value)}. See docs/blueprints.md.`,
      'invalid_blueprint',
    );
  }
  const parsed = BlueprintSchema.safeParse(value);
  if (parsed.success) return parsed.data as Blueprint;
  const problems = parsed.error.issues.map((i) => issueMessage(i, value));
  const shown = problems.slice(0, 20);
  const more = problems.length > shown.length ? `\n- ... and ${problems.length - shown.length} more` : '';
  throw new CoreError(
    `${source} is not a valid blueprint (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n- ${shown.join('\n- ')}${more}\nThe format: docs/blueprints.md; the JSON Schema: ${BLUEPRINT_SCHEMA_PATH}.`,
    'invalid_blueprint',
    { problems },
  );
}

/** The published JSON Schema of a blueprint (draft 2020-12). */
export function blueprintJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(BlueprintSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $schema: schema['$schema'], $id: BLUEPRINT_SCHEMA_ID, title: 'espocrm-admin-mcp blueprint', ...schema };
}

/** The JSON Schema as the file holds it (2-space indentation, final newline). */
export function blueprintJsonSchemaText(): string {
  return `${JSON.stringify(blueprintJsonSchema(), null, 2)}\n`;
}
