import { FieldSpecError } from './errors.js';
import { closestMatch, isRecord } from './suggest.js';
import type { FieldTypeDef } from './types.js';

/** The types this tool creates and validates in depth, with what each is for (shown to the model). */
export const SUPPORTED_FIELD_TYPES = {
  varchar: 'single line of text, up to 255 characters',
  text: 'multi-line plain text',
  wysiwyg: 'rich text (HTML)',
  url: 'a web address',
  int: 'whole number',
  float: 'decimal number',
  currency: 'amount of money with a currency',
  bool: 'checkbox (true/false)',
  date: 'date',
  datetime: 'date and time',
  enum: 'single choice from a list of options',
  multiEnum: 'several choices from a list of options',
  checklist: 'checkboxes, one per option',
  array: 'list of short texts, free or from options',
} as const;

export type SupportedFieldType = keyof typeof SUPPORTED_FIELD_TYPES;

/** Natural type names a model may use; keys are lower case without spaces, dashes or underscores. */
export const FIELD_TYPE_ALIASES: Readonly<Record<string, SupportedFieldType>> = {
  string: 'varchar',
  number: 'int',
  integer: 'int',
  decimal: 'float',
  double: 'float',
  boolean: 'bool',
  checkbox: 'bool',
  select: 'enum',
  dropdown: 'enum',
  picklist: 'enum',
  multiselect: 'multiEnum',
  tags: 'multiEnum',
  textarea: 'text',
  longtext: 'text',
  money: 'currency',
  timestamp: 'datetime',
  richtext: 'wysiwyg',
  html: 'wysiwyg',
  website: 'url',
  list: 'array',
};

/** What to do instead, for types EspoCRM's Field Manager refuses or this tool does not create. */
const INSTEAD: Readonly<Record<string, string>> = {
  email:
    'Records keep their email addresses in the built-in "emailAddress" field, which already holds several addresses per record (one primary). For a separate address, create a varchar field with a pattern, e.g. {"type": "varchar", "pattern": "[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+"}.',
  phone:
    'Records keep their phone numbers in the built-in "phoneNumber" field, which already holds several numbers per record, each with a type (Mobile, Office...). For a separate number, create a varchar field.',
  link: 'A relationship is created with EspoCRM\'s Entity Manager (Administration > Entity Manager > the entity > Relationships), which creates the link field itself. To keep a plain reference, create a varchar field.',
  personName: 'A person name (salutation, first, last) only comes with entity templates. Create separate varchar fields instead.',
  password: 'Do not keep secrets in CRM fields. For a non-secret code, create a varchar field.',
  map: 'A map displays an address field and comes with it. Create an address through EspoCRM\'s Field Manager UI.',
  foreign:
    'A foreign field shows a field of a related record and needs that link and field: create it in EspoCRM\'s Field Manager UI (Administration > Entity Manager > the entity > Fields).',
  enumInt: 'Create an enum with text options ("1", "2", "3"), or an int with min and max.',
  enumFloat: 'Create an enum with text options, or a float with min and max.',
  jsonArray: 'Create an array (a list of texts) or a text field.',
  jsonObject: 'Create a text field.',
  arrayInt: 'Create an array or a multiEnum.',
  colorpicker: 'Create a varchar field.',
  datetimeOptional: 'Create a datetime or a date field.',
  rangeInt: 'Create two int fields (from, to).',
  rangeFloat: 'Create two float fields (from, to).',
  rangeCurrency: 'Create two currency fields (from, to).',
  currencyConverted: 'EspoCRM adds the converted amount to each currency field by itself: create a currency field.',
  duration: 'Create an int field (for example minutes).',
};
const RELATION_TYPES = ['link', 'linkOne', 'linkMultiple', 'linkParent'];

function normalizeTypeKey(input: string): string {
  return input.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

function supportedList(): string {
  return Object.entries(SUPPORTED_FIELD_TYPES)
    .map(([t, what]) => `${t} (${what})`)
    .join(', ');
}

function aliasList(): string {
  return Object.entries(FIELD_TYPE_ALIASES)
    .map(([a, t]) => `${a}→${t}`)
    .join(', ');
}

export type TypeResolution = { ok: true; type: SupportedFieldType; notes: string[] } | { ok: false; error: FieldSpecError };

/**
 * Maps a requested type to a canonical type of the tenant: aliases ("string", "select"...) and
 * case ("multienum") are resolved and reported; types that EspoCRM's UI refuses (`notCreatable`) or
 * this tool does not create are refused with what to use instead.
 */
export function resolveFieldType(input: string, fieldTypes: Record<string, FieldTypeDef>): TypeResolution {
  const key = normalizeTypeKey(input);
  const notes: string[] = [];
  const supported = Object.keys(SUPPORTED_FIELD_TYPES) as SupportedFieldType[];
  let target: string | undefined = FIELD_TYPE_ALIASES[key];
  if (target !== undefined) {
    if (input !== target) notes.push(`type "${input}" is read as "${target}" (${SUPPORTED_FIELD_TYPES[target as SupportedFieldType]}).`);
    if (key === 'number') notes.push('EspoCRM\'s own "number" type (automatic numbering) is not created by this tool; create it in EspoCRM\'s Field Manager UI.');
  } else {
    const known = [...new Set([...supported, ...Object.keys(fieldTypes)])];
    target = known.find((t) => t === input) ?? known.find((t) => t.toLowerCase() === key);
    if (target !== undefined && target !== input) notes.push(`type "${input}" is read as "${target}".`);
  }
  if (target === undefined) {
    const guess = closestMatch(key, [...supported, ...Object.keys(FIELD_TYPE_ALIASES)]);
    const hint = guess === undefined ? '' : ` Did you mean "${FIELD_TYPE_ALIASES[guess] ?? guess}"?`;
    return {
      ok: false,
      error: new FieldSpecError(
        'unknown_type',
        `Unknown field type "${input}".${hint} Types you can create: ${supportedList()}. Also accepted: ${aliasList()}.`,
        'type',
      ),
    };
  }
  const def = fieldTypes[target];
  const advice = RELATION_TYPES.includes(target) ? INSTEAD['link'] : INSTEAD[target];
  if (def !== undefined && isRecord(def) && def.notCreatable === true) {
    return {
      ok: false,
      error: new FieldSpecError(
        'type_not_creatable',
        `Type "${target}" cannot be created as a custom field: EspoCRM's Field Manager does not offer it. ${advice ?? `Use one of: ${supportedList()}.`}`,
        'type',
      ),
    };
  }
  if (!(supported as string[]).includes(target)) {
    if (def === undefined) {
      return {
        ok: false,
        error: new FieldSpecError('unknown_type', `Unknown field type "${input}". Types you can create: ${supportedList()}.`, 'type'),
      };
    }
    return {
      ok: false,
      error: new FieldSpecError(
        'type_not_supported',
        `Type "${target}" is not created by this tool. ${advice ?? `Create it in EspoCRM's Field Manager UI, or use one of: ${supportedList()}.`}`,
        'type',
      ),
    };
  }
  if (def === undefined || !isRecord(def)) {
    return {
      ok: false,
      error: new FieldSpecError(
        'unknown_type',
        `This CRM's metadata has no field type "${target}", so it cannot be created here. Types it offers: ${supported.filter((t) => fieldTypes[t] !== undefined).join(', ')}.`,
        'type',
      ),
    };
  }
  return { ok: true, type: target as SupportedFieldType, notes };
}
