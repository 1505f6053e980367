import { resolveDateDefault } from './dateDefaults.js';
import { FieldSpecError } from './errors.js';
import type { SupportedFieldType } from './fieldTypes.js';
import { OPTION_STYLES } from './request.js';
import { isRecord, quoteList, show } from './suggest.js';
import type { FieldDef, FieldTypeDef, ParamDef } from './types.js';

/**
 * Type-aware rules over a field definition (the parameters without `type`). Used for a new field
 * (every rule runs) and for an update (only rules that involve a changed key run, so a legacy
 * definition that breaks a rule does not block an unrelated change).
 */

/** varchar/url columns: EspoCRM accepts up to 65535, but wide VARCHARs exhaust MySQL's 65535-byte row. */
export const VARCHAR_MAX_LENGTH = 255;
/** An enum value is stored in a VARCHAR(100) column unless the definition says otherwise. */
export const ENUM_VALUE_MAX_LENGTH = 100;
export const LABEL_MAX_LENGTH = 255;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

export const OPTION_TYPES: readonly string[] = ['enum', 'multiEnum', 'checklist', 'array'];
const LIST_TYPES: readonly string[] = ['multiEnum', 'checklist', 'array'];
const NUMBER_TYPES: readonly string[] = ['int', 'float', 'currency'];
/** Keys checked by the specific rules below rather than by their parameter definition. */
const SPECIFIC_KEYS = new Set(['default', 'options', 'style', 'maxLength', 'min', 'max', 'decimalPlaces', 'pattern', 'after', 'before', 'precision', 'scale']);

export interface RuleContext {
  type: SupportedFieldType;
  typeDef: FieldTypeDef;
  /** The entity's fields, to check `after`/`before` of date fields. */
  entityFields?: Record<string, FieldDef>;
  regExpPatternNames?: readonly string[];
  /** Keys set by the request (update), or 'all' for a new field: every rule runs. */
  touched: ReadonlySet<string> | 'all';
}

export interface RuleOutcome {
  /** The definition with values normalized (date defaults mapped). */
  def: Record<string, unknown>;
  errors: FieldSpecError[];
  notes: string[];
}

/** `fields.{type}.params` as a map, ignoring malformed entries. */
export function paramDefs(typeDef: FieldTypeDef): Map<string, ParamDef> {
  const map = new Map<string, ParamDef>();
  for (const p of Array.isArray(typeDef.params) ? typeDef.params : []) {
    if (isRecord(p) && typeof p.name === 'string') map.set(p.name, p as ParamDef);
  }
  return map;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function checkByParamDef(key: string, value: unknown, pd: ParamDef): FieldSpecError | undefined {
  const bad = (what: string): FieldSpecError => new FieldSpecError('invalid_param', `"${key}" must be ${what} (found ${show(value)}).`, key);
  switch (pd.type) {
    case 'bool':
      return typeof value === 'boolean' ? undefined : bad('true or false');
    case 'int': {
      if (!isInt(value)) return bad('a whole number');
      const lo = typeof pd.min === 'number' ? pd.min : undefined;
      const hi = typeof pd.max === 'number' ? pd.max : undefined;
      if ((lo !== undefined && value < lo) || (hi !== undefined && value > hi)) {
        return bad(lo !== undefined && hi !== undefined ? `between ${lo} and ${hi}` : lo !== undefined ? `at least ${lo}` : `at most ${hi}`);
      }
      return undefined;
    }
    case 'float':
      return isNum(value) ? undefined : bad('a number');
    case 'varchar':
    case 'text':
    case 'wysiwyg':
      return typeof value === 'string' ? undefined : bad('a text');
    case 'enum':
    case 'enumInt':
      return Array.isArray(pd.options) && !pd.options.includes(value) ? bad(`one of ${pd.options.map((o) => JSON.stringify(o)).join(', ')}`) : undefined;
    case 'multiEnum':
    case 'array':
    case 'checklist':
      return isStringArray(value) ? undefined : bad('a list of texts');
    case 'jsonObject':
      return isRecord(value) ? undefined : bad('an object');
    default:
      return undefined;
  }
}

/** Problems of an option list: empty values, duplicates (exact or by case), length. */
function checkOptionValues(type: string, options: string[]): FieldSpecError[] {
  const errors: FieldSpecError[] = [];
  const emptyAt = options.flatMap((o, i) => (o === '' ? [i] : []));
  const allowedEmpty = type === 'enum' ? [0] : [];
  if (emptyAt.some((i) => !allowedEmpty.includes(i))) {
    errors.push(
      new FieldSpecError(
        'options_invalid',
        type === 'enum'
          ? 'An empty option ("") is allowed only as the first option of an enum, where it means "no value". Remove the other empty options.'
          : `Options of ${type} fields cannot be empty texts. Remove the "" entries.`,
        'options',
      ),
    );
  }
  const seen = new Map<string, string>();
  const exact = new Set<string>();
  const byCase: string[] = [];
  for (const o of options) {
    const k = o.toLowerCase();
    const prev = seen.get(k);
    if (prev === undefined) seen.set(k, o);
    else if (prev === o) exact.add(o);
    else byCase.push(`"${prev}" and "${o}"`);
  }
  if (exact.size > 0) {
    errors.push(new FieldSpecError('options_duplicate', `Options must be unique; repeated: ${quoteList([...exact])}. List each option once.`, 'options'));
  }
  if (byCase.length > 0) {
    errors.push(
      new FieldSpecError(
        'options_duplicate',
        `Options differ only by upper/lower case: ${byCase.join(', ')}. EspoCRM stores option values as exact texts, but the database compares them without case, so filters and reports would mix them. Keep one spelling.`,
        'options',
      ),
    );
  }
  if (type === 'enum') {
    const long = options.filter((o) => o.length > ENUM_VALUE_MAX_LENGTH);
    if (long.length > 0) {
      errors.push(
        new FieldSpecError(
          'options_invalid',
          `Enum option values are stored in a ${ENUM_VALUE_MAX_LENGTH}-character column; too long: ${quoteList(long.map((o) => `${o.slice(0, 30)}...`))}. Use short values and put long wording in "optionLabels".`,
          'options',
        ),
      );
    }
  }
  return errors;
}

/**
 * Applies the rules of `ctx.type` to `def`. `def.options` is a plain string list here (option
 * objects are split into values, labels and styles before).
 */
export function applyTypeRules(input: Record<string, unknown>, ctx: RuleContext): RuleOutcome {
  const def: Record<string, unknown> = { ...input };
  const errors: FieldSpecError[] = [];
  const notes: string[] = [];
  const { type } = ctx;
  const pds = paramDefs(ctx.typeDef);
  const t = ctx.touched;
  const touched = (...keys: string[]): boolean => t === 'all' || keys.some((k) => t.has(k));
  const present = (k: string): boolean => def[k] !== undefined && def[k] !== null;

  // Generic checks from the type's own parameter definitions.
  for (const [key, value] of Object.entries(def)) {
    if (SPECIFIC_KEYS.has(key) || value === null || value === undefined || !touched(key)) continue;
    const pd = pds.get(key);
    const err = pd ? checkByParamDef(key, value, pd) : undefined;
    if (err) errors.push(err);
  }

  // Lengths.
  if (present('maxLength') && touched('maxLength')) {
    const v = def.maxLength;
    const pdMax = pds.get('maxLength')?.max;
    const cap = type === 'varchar' || type === 'url' ? Math.min(VARCHAR_MAX_LENGTH, typeof pdMax === 'number' ? pdMax : VARCHAR_MAX_LENGTH) : typeof pdMax === 'number' ? pdMax : undefined;
    if (!isInt(v) || v < 1 || (cap !== undefined && v > cap)) {
      const range = cap !== undefined ? `a whole number from 1 to ${cap}` : 'a whole number of at least 1';
      const hint = type === 'varchar' || type === 'url' ? ' For longer texts use type "text".' : '';
      errors.push(new FieldSpecError('invalid_param', `"maxLength" of ${type} fields must be ${range} (found ${show(v)}).${hint}`, 'maxLength'));
    }
  }

  // Pattern.
  if (present('pattern') && touched('pattern')) {
    const p = def.pattern;
    if (typeof p !== 'string') {
      errors.push(new FieldSpecError('invalid_param', `"pattern" must be a text (found ${show(p)}).`, 'pattern'));
    } else if (p.startsWith('$')) {
      const names = ctx.regExpPatternNames;
      if (names !== undefined && !names.includes(p.slice(1))) {
        errors.push(new FieldSpecError('invalid_param', `"pattern" ${JSON.stringify(p)} names no pattern of this CRM. Named patterns: ${names.map((n) => `$${n}`).join(', ')}; or give a regular expression.`, 'pattern'));
      }
    } else if (p !== '') {
      try {
        new RegExp(p);
      } catch (e) {
        errors.push(new FieldSpecError('invalid_param', `"pattern" is not a valid regular expression (${(e as Error).message}). Give it without slashes, e.g. "[A-Z]{2}[0-9]{4}".`, 'pattern'));
      }
    }
  }

  // Numbers.
  if (NUMBER_TYPES.includes(type)) {
    const whole = type === 'int';
    const what = whole ? `a whole number from ${INT_MIN} to ${INT_MAX}` : 'a number';
    const okNum = (v: unknown): v is number => (whole ? isInt(v) && v >= INT_MIN && v <= INT_MAX : isNum(v));
    for (const k of ['min', 'max', 'default'] as const) {
      if (present(k) && touched(k) && !okNum(def[k])) {
        errors.push(new FieldSpecError(k === 'default' ? 'default_invalid' : 'invalid_param', `"${k}" of ${type} fields must be ${what} (found ${show(def[k])}).`, k));
      }
    }
    const min = okNum(def.min) ? def.min : undefined;
    const max = okNum(def.max) ? def.max : undefined;
    if (min !== undefined && max !== undefined && min > max && touched('min', 'max')) {
      errors.push(new FieldSpecError('range_invalid', `"min" (${min}) is greater than "max" (${max}). Swap them or change one so that min <= max.`, 'min'));
    }
    const d = okNum(def.default) ? def.default : undefined;
    if (d !== undefined && touched('default', 'min', 'max') && ((min !== undefined && d < min) || (max !== undefined && d > max))) {
      errors.push(
        new FieldSpecError('default_invalid', `Default ${d} is outside the allowed range ${min ?? '-∞'}..${max ?? '+∞'}. Choose a default within min and max.`, 'default'),
      );
    }
    if (present('decimalPlaces') && touched('decimalPlaces') && !(isInt(def.decimalPlaces) && def.decimalPlaces >= 0 && def.decimalPlaces <= 15)) {
      errors.push(new FieldSpecError('invalid_param', `"decimalPlaces" must be a whole number from 0 to 15 (found ${show(def.decimalPlaces)}).`, 'decimalPlaces'));
    }
    if (type === 'currency' && touched('precision', 'scale', 'decimal')) {
      const { precision, scale } = def;
      if ((present('precision') || present('scale')) && def.decimal !== true) {
        errors.push(new FieldSpecError('invalid_param', '"precision" and "scale" apply only to a decimal currency: add "decimal": true, or leave them out.', present('precision') ? 'precision' : 'scale'));
      }
      if (present('precision') && !(isInt(precision) && precision >= 1 && precision <= 65)) {
        errors.push(new FieldSpecError('invalid_param', `"precision" (total digits) must be a whole number from 1 to 65 (found ${show(precision)}).`, 'precision'));
      }
      if (present('scale') && !(isInt(scale) && scale >= 0 && scale <= 30 && (!isInt(precision) || scale <= precision))) {
        errors.push(new FieldSpecError('invalid_param', `"scale" (digits after the point) must be a whole number from 0 to 30 and at most "precision" (found ${show(scale)}).`, 'scale'));
      }
    }
  }

  // Texts.
  if ((type === 'varchar' || type === 'url' || type === 'text' || type === 'wysiwyg') && present('default') && touched('default', 'maxLength')) {
    const d = def.default;
    if (typeof d !== 'string') {
      errors.push(new FieldSpecError('default_invalid', `Default of ${type} fields must be a text (found ${show(d)}).`, 'default'));
    } else if (isInt(def.maxLength) && d.length > def.maxLength) {
      errors.push(new FieldSpecError('default_invalid', `Default is ${d.length} characters long, more than "maxLength" ${def.maxLength}. Shorten it or raise maxLength.`, 'default'));
    }
  }

  // Bool.
  if (type === 'bool' && present('default') && touched('default') && typeof def.default !== 'boolean') {
    errors.push(new FieldSpecError('default_invalid', `Default of a bool field must be true or false (found ${show(def.default)}).`, 'default'));
  }

  // Dates.
  if (type === 'date' || type === 'datetime') {
    if (present('default') && touched('default')) {
      const d = def.default;
      const allowedRaw = pds.get('default')?.options;
      const allowed = Array.isArray(allowedRaw) ? allowedRaw.filter((o): o is string => typeof o === 'string') : undefined;
      if (typeof d !== 'string') {
        errors.push(new FieldSpecError('default_invalid', `Default of ${type} fields must be a text such as ${type === 'date' ? '"today" or "+3 days"' : '"now" or "+2 hours"'} (found ${show(d)}).`, 'default'));
      } else {
        const r = resolveDateDefault(type, d, allowed);
        if ('error' in r) errors.push(r.error);
        else {
          def.default = r.value === '' ? null : r.value;
          if (r.note) notes.push(r.note);
        }
      }
    }
    for (const k of ['after', 'before'] as const) {
      if (!present(k) || !touched(k)) continue;
      const v = def[k];
      const fields = ctx.entityFields;
      const dateFields = fields ? Object.keys(fields).filter((f) => ['date', 'datetime', 'datetimeOptional'].includes(String(fields[f]?.type))) : undefined;
      if (typeof v !== 'string' || (dateFields !== undefined && v !== '' && !dateFields.includes(v))) {
        errors.push(
          new FieldSpecError('invalid_param', `"${k}" names another date field of the entity that this one must come ${k}${dateFields ? `; date fields: ${quoteList(dateFields)}` : ''} (found ${show(v)}).`, k),
        );
      }
    }
  }

  // Options.
  if (OPTION_TYPES.includes(type) || (type === 'varchar' && present('options'))) {
    const opts = def.options;
    const hasOpts = Array.isArray(opts) && opts.length > 0;
    const needsOptions = type === 'enum' || type === 'checklist' || (type === 'multiEnum' && def.allowCustomOptions !== true);
    if (touched('options', 'allowCustomOptions') && needsOptions && !hasOpts) {
      errors.push(
        new FieldSpecError(
          'options_required',
          `${type} fields need a non-empty "options" list, e.g. "options": ["Transport", "Industrie", "Services"]${type === 'enum' ? ' (start with "" to allow no value)' : ''}.`,
          'options',
        ),
      );
    }
    const options = isStringArray(opts) ? opts : [];
    if (opts !== undefined && opts !== null && !isStringArray(opts)) {
      errors.push(new FieldSpecError('options_invalid', `"options" must be a list of texts (found ${show(opts)}).`, 'options'));
    } else if (touched('options')) {
      errors.push(...checkOptionValues(type, options));
    }

    if (type !== 'varchar' && present('default') && touched('default', 'options')) {
      const d = def.default;
      const listed = (v: string): boolean => options.includes(v);
      if (type === 'enum') {
        if (typeof d !== 'string') {
          errors.push(new FieldSpecError('default_invalid', `Default of an enum must be one of its options as a text (found ${show(d)}).`, 'default'));
        } else if (d === '' && !listed(d)) {
          errors.push(
            new FieldSpecError('default_invalid', 'Default "" (no value) needs an empty option: start "options" with "", or leave "default" out.', 'default'),
          );
        } else if (!listed(d)) {
          const ci = options.find((o) => o.toLowerCase() === d.toLowerCase());
          errors.push(
            new FieldSpecError(
              'default_invalid',
              `Default "${d}" is not one of the options (${quoteList(options)}).${ci !== undefined ? ` Did you mean "${ci}"? Values are case-sensitive.` : ' Use one of them, or add it to "options".'}`,
              'default',
            ),
          );
        }
      } else if (LIST_TYPES.includes(type)) {
        if (!isStringArray(d)) {
          errors.push(new FieldSpecError('default_invalid', `Default of ${type} fields is a list of options, e.g. ["${options[0] ?? 'A'}"] (found ${show(d)}).`, 'default'));
        } else {
          const missing = options.length > 0 ? d.filter((v) => !listed(v)) : [];
          if (missing.length > 0) {
            errors.push(new FieldSpecError('default_invalid', `Default values ${quoteList(missing)} are not among the options (${quoteList(options)}). Use options only.`, 'default'));
          }
          if (new Set(d).size !== d.length) errors.push(new FieldSpecError('default_invalid', 'Default lists an option twice; list each once.', 'default'));
          if (isInt(def.maxCount) && d.length > def.maxCount) {
            errors.push(new FieldSpecError('default_invalid', `Default has ${d.length} items but "maxCount" is ${def.maxCount}.`, 'default'));
          }
        }
      }
    }

    if (present('style') && touched('style', 'options')) {
      const style = def.style;
      if (!isRecord(style)) {
        errors.push(new FieldSpecError('invalid_param', `"style" maps option values to colours, e.g. {"Gold": "success"} (found ${show(style)}).`, 'style'));
      } else {
        const unknownKeys = Object.keys(style).filter((k) => !options.includes(k));
        if (unknownKeys.length > 0) {
          errors.push(new FieldSpecError('invalid_param', `"style" names options that do not exist: ${quoteList(unknownKeys)}. Options: ${quoteList(options)}.`, 'style'));
        }
        const badColours = Object.entries(style).filter(([, c]) => c !== null && !(OPTION_STYLES as readonly unknown[]).includes(c));
        if (badColours.length > 0) {
          errors.push(
            new FieldSpecError('invalid_param', `"style" colours must be one of ${OPTION_STYLES.join(', ')}; found ${badColours.map(([k, c]) => `${k}: ${show(c)}`).join(', ')}.`, 'style'),
          );
        }
      }
    }
  }
  return { def, errors, notes };
}

/** Option labels (`translatedOptions`): keys must be options, labels non-empty text. */
export function checkOptionLabels(labels: Record<string, string>, options: readonly string[]): FieldSpecError[] {
  const errors: FieldSpecError[] = [];
  const unknown = Object.keys(labels).filter((k) => !options.includes(k));
  if (unknown.length > 0) {
    errors.push(
      new FieldSpecError(
        'option_label_invalid',
        `Labels are given for options that do not exist: ${quoteList(unknown)}. Options: ${quoteList([...options])}. Label only existing options, or add them to the options.`,
        'optionLabels',
      ),
    );
  }
  const empty = Object.entries(labels).filter(([, l]) => l.trim() === '' || l.length > LABEL_MAX_LENGTH);
  if (empty.length > 0) {
    errors.push(
      new FieldSpecError('option_label_invalid', `Option labels must be 1-${LABEL_MAX_LENGTH} characters; check the labels of ${quoteList(empty.map(([k]) => k))}.`, 'optionLabels'),
    );
  }
  return errors;
}
