import { z } from 'zod';
import { FIELD_TYPE_ALIASES, SUPPORTED_FIELD_TYPES } from './fieldTypes.js';

/**
 * What a model sends to create or update a field. The shapes are deliberately permissive about
 * values (numbers, strings): the type-aware rules in `rules.ts` give the precise messages.
 */

export const OPTION_STYLES = ['default', 'success', 'danger', 'warning', 'info', 'primary'] as const;

const typeList = Object.keys(SUPPORTED_FIELD_TYPES).join(', ');
const aliasList = Object.entries(FIELD_TYPE_ALIASES)
  .map(([a, t]) => `${a}→${t}`)
  .join(', ');

export const OptionInputSchema = z
  .union([
    z.string(),
    z.object({
      value: z.string().describe('The stored option value, e.g. "Transport".'),
      label: z.string().optional().describe('Display label, any language, e.g. "Transport routier".'),
      style: z.string().optional().describe(`Badge colour: ${OPTION_STYLES.join(', ')}.`),
    }),
  ])
  .describe('An option: its value as text, or {"value", "label"?, "style"?}.');

export type OptionInput = z.infer<typeof OptionInputSchema>;

const entity = z.string().min(1).describe('Entity type, e.g. "Lead", "Account", "Contact", "Opportunity" (as in EspoCRM).');

const common = {
  label: z.string().optional().describe('Label shown in the CRM; any language and characters, e.g. "Secteur d\'activité".'),
  required: z.boolean().optional().describe('A value is required when saving a record.'),
  maxLength: z.number().optional().describe('varchar and url: maximum length, 1-255 (default 100 for varchar); text, wysiwyg: any positive number.'),
  optionLabels: z
    .record(z.string(), z.string())
    .optional()
    .describe('Labels of options by value, e.g. {"transport": "Transport routier"}; for enum, multiEnum, checklist, array. Key "" labels the empty option.'),
  style: z
    .record(z.string(), z.string().nullable())
    .optional()
    .describe(`enum and multiEnum: badge colour by option value, e.g. {"Gold": "success"}; colours: ${OPTION_STYLES.join(', ')}.`),
  decimalPlaces: z.number().optional().describe('float: decimals shown (0-15).'),
  audited: z.boolean().optional().describe('Record changes of this field in the stream (audit log).'),
  readOnly: z.boolean().optional().describe('Users cannot edit the field (formulas and API still can).'),
  readOnlyAfterCreate: z.boolean().optional().describe('Editable on create only.'),
  isSorted: z.boolean().optional().describe('enum, multiEnum, checklist: show options sorted alphabetically.'),
  pattern: z.string().optional().describe('varchar, multiEnum, array: a regular expression the value must match (no slashes), or a named pattern such as "$digits".'),
  maxCount: z.number().optional().describe('multiEnum, checklist, array: maximum number of items (1 or more).'),
  params: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Other parameters of the type from EspoCRM\'s field type definition, e.g. {"copyToClipboard": true} for varchar, {"rows": 4} for text.'),
};

/** Create: the raw shape (for tool definitions) and the schema. */
export const fieldRequestShape = {
  entity,
  name: z
    .string()
    .min(1)
    .describe(
      'Field name in ASCII letters and digits, starting with a letter. Natural forms are converted: "secteur_transport", "Secteur Transport" and "secteur-transport" become "secteurTransport". On standard entity types EspoCRM stores it with a "c" prefix ("cSecteurTransport"); a name given as "cFoo" means the stored "cFoo".',
    ),
  type: z.string().min(1).describe(`Field type: ${typeList}. Also accepted: ${aliasList}.`),
  ...common,
  tooltip: z.string().optional().describe('Help text shown next to the field label.'),
  options: z
    .array(OptionInputSchema)
    .optional()
    .describe('enum, multiEnum, checklist (required), array (optional), varchar (suggestions): the options, e.g. ["Transport", "Industrie"] or [{"value": "transport", "label": "Transport routier"}]. For enum, a leading "" allows "no value".'),
  default: z
    .union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()])
    .optional()
    .describe(
      'Default value: one of the options (enum), a list of options (multiEnum, checklist, array), a number (int, float, currency), true/false (bool), or for date "today", "+3 days", "+1 week", "+2 months", "+1 year" and for datetime "now", "+2 hours", "+1 day".',
    ),
  min: z.number().optional().describe('int, float, currency: smallest allowed value.'),
  max: z.number().optional().describe('int, float, currency: largest allowed value.'),
};

export const FieldRequestSchema = z.object(fieldRequestShape);
export type FieldRequest = z.infer<typeof FieldRequestSchema>;

/** Update: the field is named by `name` (its stored name, or the name given at creation). */
export const fieldUpdateShape = {
  entity,
  name: z.string().min(1).describe('The field to change: its stored name ("cSecteur") or the name it was created with ("secteur").'),
  type: z.string().optional().describe('Not changeable; if given it must be the current type.'),
  ...common,
  tooltip: z.string().nullable().optional().describe('New help text; "" or null removes it.'),
  options: z.array(OptionInputSchema).optional().describe('Replaces the whole option list. Use addOptions/removeOptions to edit it instead.'),
  addOptions: z.array(OptionInputSchema).optional().describe('Options to append, e.g. ["Logistique"] or [{"value": "logistique", "label": "Logistique"}].'),
  removeOptions: z.array(z.string()).optional().describe('Option values to remove. Records holding them keep the old value.'),
  default: z
    .union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()])
    .optional()
    .describe('New default (same forms as on create); null removes it.'),
  min: z.number().nullable().optional().describe('int, float, currency: smallest allowed value; null removes the limit.'),
  max: z.number().nullable().optional().describe('int, float, currency: largest allowed value; null removes the limit.'),
};

export const FieldUpdateRequestSchema = z.object(fieldUpdateShape);
export type FieldUpdateRequest = z.infer<typeof FieldUpdateRequestSchema>;
