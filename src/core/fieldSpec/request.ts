import { z } from 'zod';
import { SUPPORTED_FIELD_TYPES } from './fieldTypes.js';

/**
 * What a model sends to create or update a field. The shapes are deliberately permissive about
 * values (numbers, strings): the type-aware rules in `rules.ts` give the precise messages.
 */

export const OPTION_STYLES = ['default', 'success', 'danger', 'warning', 'info', 'primary'] as const;

const typeList = Object.keys(SUPPORTED_FIELD_TYPES).join(', ');

// Descriptions hold the rules that prevent a wrong call, tersely (every conversation pays for them);
// which parameter fits which type, with examples, is the field-types guide resource.
export const OptionInputSchema = z
  .union([
    z.string(),
    z.object({
      value: z.string(),
      label: z.string().optional(),
      style: z.string().optional(),
    }),
  ]);

export type OptionInput = z.infer<typeof OptionInputSchema>;

const entity = z.string().min(1).describe('Entity type, e.g. "Lead".');

const common = {
  label: z.string().optional().describe('Shown to users; any language.'),
  required: z.boolean().optional().describe('A value is required.'),
  maxLength: z.number().optional().describe('varchar, url: 1-255.'),
  optionLabels: z.record(z.string(), z.string()).optional().describe('By option value; key "" labels the empty option.'),
  style: z
    .record(z.string(), z.string().nullable())
    .optional()
    .describe(`Badge colour by option value (also an option's style): ${OPTION_STYLES.join('|')}.`),
  decimalPlaces: z.number().optional().describe('float: 0-15.'),
  audited: z.boolean().optional().describe('Log changes in the stream.'),
  readOnly: z.boolean().optional().describe('Users cannot edit it.'),
  readOnlyAfterCreate: z.boolean().optional().describe('Editable on create only.'),
  isSorted: z.boolean().optional().describe('Options shown sorted.'),
  pattern: z.string().optional().describe('A regex without slashes, or e.g. "$digits".'),
  maxCount: z.number().optional().describe('Most items allowed.'),
  params: z.record(z.string(), z.unknown()).optional().describe('Other parameters of the type.'),
};

/** One instance for create and update, so its forms are written once. */
const defaultValue = z
  .union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()])
  .optional()
  .describe(
    'enum: an option; multiEnum, checklist, array: options; int, float, currency: a number; bool: true/false; date: "today", ' +
      '"+3 days"; datetime: "now", "+2 hours"; null: none.',
  );

/** Create: the raw shape (for tool definitions) and the schema. */
export const fieldRequestShape = {
  entity,
  name: z
    .string()
    .min(1)
    .describe(
      'ASCII letters, digits; "secteur_transport" becomes "secteurTransport", stored as "cSecteurTransport" on standard ' +
        'entities; "cFoo" means stored "cFoo". Not the label.',
    ),
  type: z.string().min(1).describe(`${typeList}; aliases such as select, checkbox, number are mapped.`),
  ...common,
  tooltip: z.string().optional().describe('Help text.'),
  options: z
    .array(OptionInputSchema)
    .optional()
    .describe('enum, multiEnum, checklist (required), array, varchar (suggestions). A leading "" in an enum allows no value.'),
  default: defaultValue,
  min: z.number().optional().describe('Smallest value.'),
  max: z.number().optional().describe('Largest value.'),
};

export const FieldRequestSchema = z.object(fieldRequestShape);
export type FieldRequest = z.infer<typeof FieldRequestSchema>;

/** Update: the field is named by `name` (its stored name, or the name given at creation). */
export const fieldUpdateShape = {
  entity,
  name: z.string().min(1).describe('Stored ("cSecteur") or created-with ("secteur") field name.'),
  type: z.string().optional().describe('Cannot change; if given, the current type.'),
  ...common,
  tooltip: z.string().nullable().optional().describe('"" or null removes it.'),
  options: z.array(OptionInputSchema).optional().describe('Replaces the whole list; addOptions/removeOptions edit it.'),
  addOptions: z.array(OptionInputSchema).optional().describe('Options to append.'),
  removeOptions: z.array(z.string()).optional().describe('Values to remove; records holding them keep them.'),
  default: defaultValue,
  min: z.number().nullable().optional().describe('null removes it.'),
  max: z.number().nullable().optional().describe('null removes it.'),
};

export const FieldUpdateRequestSchema = z.object(fieldUpdateShape);
export type FieldUpdateRequest = z.infer<typeof FieldUpdateRequestSchema>;
