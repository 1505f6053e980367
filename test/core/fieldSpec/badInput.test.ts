import { describe, expect, it } from 'vitest';
import { fenceMarked, plainMarked } from '../../../src/core/fence.js';
import { FieldSpecError, formatFieldSpecErrors, planFieldCreate, validateFieldRequest, type FieldMeta } from '../../../src/core/fieldSpec/index.js';
import { lead, metaFor } from '../../fixtures/fieldSpec/meta.js';

/**
 * The bad-input catalogue: each request is refused with an error whose message says what was
 * wrong and how to fix it. `says` lists fragments the message must contain.
 */

/**
 * A message as logs and the CLI show it. CRM values inside messages are marked (src/core/fence.ts)
 * so a model reads them fenced; the expected texts below are the plain rendering.
 */
const msg = (err: { message: string }): string => plainMarked(err.message);
interface Bad {
  title: string;
  req: Record<string, unknown>;
  meta?: () => FieldMeta;
  code: FieldSpecError['code'];
  path?: string;
  says: Array<string | RegExp>;
}

const L = (over: Record<string, unknown>): Record<string, unknown> => ({ entity: 'Lead', name: 'secteur', type: 'varchar', ...over });

const catalogue: Bad[] = [
  // Types.
  { title: 'unknown type', req: L({ type: 'geolocation' }), code: 'unknown_type', path: 'type', says: ['Unknown field type "geolocation"', 'Types you can create: varchar', 'select→enum'] },
  { title: 'type typo', req: L({ type: 'varchr' }), code: 'unknown_type', says: ['Did you mean "varchar"?'] },
  { title: 'alias typo', req: L({ type: 'dropdwn' }), code: 'unknown_type', says: ['Did you mean "enum"?'] },
  { title: 'email type', req: L({ type: 'email' }), code: 'type_not_creatable', says: ['cannot be created as a custom field', '"emailAddress"', 'varchar field with a pattern'] },
  { title: 'phone type', req: L({ type: 'phone' }), code: 'type_not_creatable', says: ['"phoneNumber"', 'create a varchar field'] },
  { title: 'link type', req: L({ type: 'link' }), code: 'type_not_creatable', says: ['Entity Manager', 'Relationships'] },
  { title: 'linkMultiple type', req: L({ type: 'linkMultiple' }), code: 'type_not_creatable', says: ['Entity Manager'] },
  { title: 'personName type', req: L({ type: 'personName' }), code: 'type_not_creatable', says: ['separate varchar fields'] },
  { title: 'enumInt type', req: L({ type: 'enumInt' }), code: 'type_not_creatable', says: ['Create an enum with text options'] },
  { title: 'foreign type', req: L({ type: 'foreign' }), code: 'type_not_supported', says: ['not created by this tool', "Field Manager UI"] },
  { title: 'address type', req: L({ type: 'address' }), code: 'type_not_supported', says: ['not created by this tool', 'Field Manager UI'] },
  // Entities.
  { title: 'unknown entity', req: L({ entity: 'Leads' }), meta: () => metaFor('Leads'), code: 'unknown_entity', path: 'entity', says: ['Unknown entity type "Leads"', 'Did you mean "Lead"?', 'accept custom fields: Account, CProject, Contact, Lead, Opportunity'] },
  { title: 'non-customizable entity', req: L({ entity: 'AuthToken' }), meta: () => metaFor('AuthToken'), code: 'entity_not_customizable', says: ['"AuthToken" does not accept custom fields', 'not customizable', 'Entity types that accept custom fields'] },
  { title: 'entity closed to field edits', req: L({ entity: 'TargetListCategory' }), meta: () => metaFor('TargetListCategory'), code: 'entity_not_customizable', says: ['entityManager.fields is false'] },
  // Names.
  { title: 'reserved name', req: L({ name: 'deleted' }), code: 'name_reserved', path: 'name', says: ['"deleted" is reserved by EspoCRM', 'Choose a more specific name'] },
  { title: 'reserved name in other case', req: L({ name: 'VersionNumber' }), code: 'name_reserved', says: ['reserved'] },
  { title: 'double prefix', req: L({ name: 'cCMcpTier' }), code: 'invalid_name', says: ['prefix twice', 'Give "cMcpTier"'] },
  { title: 'too long', req: L({ name: 'x'.repeat(60) }), code: 'name_too_long', says: ['too long', '50 characters', 'shorter name'] },
  { title: 'starts with a digit', req: L({ name: '1abc' }), code: 'name_starts_with_digit', says: ['must start with a letter', '"abc1"'] },
  { title: 'punctuation in name', req: L({ name: 'chiffre.affaires' }), code: 'invalid_name', says: ['"."', 'only ASCII letters and digits', 'Use "chiffreAffaires"'] },
  { title: 'accented name', req: L({ name: "secteur_d'activité" }), code: 'name_not_ascii', says: ['"é"', 'Use the name "secteurDActivite"', '"label"'] },
  { title: 'built-in field name', req: L({ name: 'status', type: 'enum', options: ['a'] }), code: 'name_conflict', says: ['already has a built-in field "status"', 'Choose another name', 'update_custom_field'] },
  { title: 'built-in field of a custom entity', req: { entity: 'CProject', name: 'description', type: 'text' }, meta: () => metaFor('CProject'), code: 'name_conflict', says: ['built-in field "description"'] },
  { title: 'link attribute clash', req: { entity: 'CProject', name: 'assignedUserName', type: 'varchar' }, meta: () => metaFor('CProject'), code: 'name_conflict', says: ['relationship "assignedUser"', 'Choose another name'] },
  { title: 'currency attribute clash', req: { entity: 'CProject', name: 'legacy', type: 'currency' }, meta: () => metaFor('CProject'), code: 'name_conflict', says: ['legacyCurrency', 'already exist'] },
  // Options.
  { title: 'enum without options', req: L({ type: 'enum' }), code: 'options_required', path: 'options', says: ['enum fields need a non-empty "options" list', '"options": ["Transport"'] },
  { title: 'enum with empty options', req: L({ type: 'enum', options: [] }), code: 'options_required', says: ['non-empty'] },
  { title: 'checklist without options', req: L({ type: 'checklist' }), code: 'options_required', says: ['checklist fields need a non-empty "options" list'] },
  { title: 'duplicate options', req: L({ type: 'enum', options: ['A', 'B', 'A'] }), code: 'options_duplicate', says: ['unique', 'repeated: "A"', 'List each option once'] },
  { title: 'options differing by case', req: L({ type: 'multiEnum', options: ['Gold', 'gold'] }), code: 'options_duplicate', says: ['"Gold" and "gold"', 'compares them without case', 'Keep one spelling'] },
  { title: 'empty option not first', req: L({ type: 'enum', options: ['A', ''] }), code: 'options_invalid', says: ['only as the first option'] },
  { title: 'empty option in multiEnum', req: L({ type: 'multiEnum', options: ['', 'A'] }), code: 'options_invalid', says: ['cannot be empty texts'] },
  { title: 'enum option too long', req: L({ type: 'enum', options: ['x'.repeat(101)] }), code: 'options_invalid', says: ['100-character column', 'optionLabels'] },
  { title: 'default not among options', req: L({ type: 'enum', options: ['A', 'B'], default: 'C' }), code: 'default_invalid', path: 'default', says: ['Default "C" is not one of the options ("A", "B")', 'add it to "options"'] },
  { title: 'default differs by case', req: L({ type: 'enum', options: ['Gold'], default: 'gold' }), code: 'default_invalid', says: ['Did you mean "Gold"?', 'case-sensitive'] },
  { title: 'empty default without empty option', req: L({ type: 'enum', options: ['A'], default: '' }), code: 'default_invalid', says: ['start "options" with ""'] },
  { title: 'multiEnum default not a list', req: L({ type: 'multiEnum', options: ['a', 'b'], default: 'a' }), code: 'default_invalid', says: ['list of options', '["a"]'] },
  { title: 'multiEnum default with unknown value', req: L({ type: 'multiEnum', options: ['a', 'b'], default: ['a', 'z'] }), code: 'default_invalid', says: ['"z" are not among the options'] },
  { title: 'multiEnum default over maxCount', req: L({ type: 'multiEnum', options: ['a', 'b'], default: ['a', 'b'], maxCount: 1 }), code: 'default_invalid', says: ['"maxCount" is 1'] },
  { title: 'labels for unknown options', req: L({ type: 'enum', options: ['a'], optionLabels: { b: 'Bee' } }), code: 'option_label_invalid', path: 'optionLabels', says: ['options that do not exist: "b"', 'Label only existing options'] },
  { title: 'empty option label', req: L({ type: 'enum', options: [{ value: 'a', label: ' ' }] }), code: 'option_label_invalid', says: ['label of option "a" must be 1-255 characters'] },
  { title: 'two labels for one option', req: L({ type: 'enum', options: [{ value: 'a', label: 'A1' }], optionLabels: { a: 'A2' } }), code: 'patch_conflict', says: ['two different labels', 'Give it once'] },
  { title: 'option labels on varchar', req: L({ options: ['Paris'], optionLabels: { Paris: 'Paris (75)' } }), code: 'param_not_applicable', says: ['Option labels do not apply to varchar fields'] },
  { title: 'style for unknown option', req: L({ type: 'enum', options: ['a'], style: { b: 'success' } }), code: 'invalid_param', path: 'style', says: ['options that do not exist: "b"'] },
  { title: 'unknown style colour', req: L({ type: 'enum', options: ['a'], style: { a: 'green' } }), code: 'invalid_param', says: ['default, success, danger, warning, info, primary'] },
  // Numbers.
  { title: 'min above max', req: L({ type: 'int', min: 10, max: 1 }), code: 'range_invalid', path: 'min', says: ['"min" (10) is greater than "max" (1)', 'min <= max'] },
  { title: 'default outside range', req: L({ type: 'float', min: 0, max: 1, default: 2 }), code: 'default_invalid', says: ['outside the allowed range 0..1', 'within min and max'] },
  { title: 'int default with decimals', req: L({ type: 'int', default: 2.5 }), code: 'default_invalid', says: ['whole number', '2.5'] },
  { title: 'int max beyond the column', req: L({ type: 'int', max: 3e9 }), code: 'invalid_param', says: ['2147483647'] },
  { title: 'decimalPlaces too large', req: L({ type: 'float', decimalPlaces: 20 }), code: 'invalid_param', says: ['0 to 15'] },
  { title: 'currency precision without decimal', req: L({ type: 'currency', params: { precision: 10 } }), code: 'invalid_param', says: ['"decimal": true'] },
  // Texts, booleans, dates.
  { title: 'varchar maxLength above 255', req: L({ maxLength: 300 }), code: 'invalid_param', path: 'maxLength', says: ['from 1 to 255', 'use type "text"'] },
  { title: 'varchar maxLength zero', req: L({ maxLength: 0 }), code: 'invalid_param', says: ['from 1 to 255'] },
  { title: 'varchar default longer than maxLength', req: L({ maxLength: 3, default: 'abcd' }), code: 'default_invalid', says: ['4 characters long', 'raise maxLength'] },
  { title: 'invalid regular expression', req: L({ pattern: '([a-z' }), code: 'invalid_param', path: 'pattern', says: ['not a valid regular expression', 'without slashes'] },
  { title: 'unknown named pattern', req: L({ pattern: '$email' }), code: 'invalid_param', says: ['names no pattern of this CRM', '$digits'] },
  { title: 'bool default not boolean', req: L({ type: 'bool', default: 'yes' }), code: 'default_invalid', says: ['true or false', '"yes"'] },
  { title: 'bool required', req: L({ type: 'bool', required: true }), code: 'param_not_applicable', path: 'required', says: ['cannot be required', 'set "default" instead'] },
  { title: 'date default in words EspoCRM lacks', req: L({ type: 'date', default: 'next friday' }), code: 'default_invalid', says: ['not a default EspoCRM understands', '"today"', '"+3 days"'] },
  { title: 'date default as a fixed date', req: L({ type: 'date', default: '2025-01-01' }), code: 'default_invalid', says: ['fixed date', 'relative to the day the record is created'] },
  { title: 'date default shift not offered', req: L({ type: 'date', default: '+4 days' }), code: 'default_invalid', says: ['not one EspoCRM offers', '"+1 day"'] },
  { title: 'datetime default "today"', req: L({ type: 'datetime', default: 'today' }), code: 'default_invalid', says: ['does not fit datetime fields', '"now"'] },
  { title: 'date after a non-date field', req: L({ type: 'date', params: { after: 'status' } }), code: 'invalid_param', says: ['"after" names another date field', '"convertedAt"'] },
  // Parameters and shape.
  { title: 'parameter of another type', req: L({ type: 'int', maxLength: 10 }), code: 'param_not_applicable', path: 'maxLength', says: ['"maxLength" does not apply to int fields', 'Parameters of int: required, default, min, max'] },
  { title: 'parameter typo', req: L({ params: { maxlength: 10 } }), code: 'param_not_applicable', says: ['Did you mean "maxLength"?'] },
  { title: 'unknown top-level key', req: L({ colour: 'red' }), code: 'param_not_applicable', says: ['"colour" does not apply'] },
  { title: 'options on a number', req: L({ type: 'int', options: ['1'] }), code: 'param_not_applicable', says: ['Options apply to enum'] },
  { title: 'parameter not set by this tool', req: L({ type: 'enum', options: ['a'], params: { optionsReference: 'Account.industry' } }), code: 'param_not_supported', says: ["Field Manager UI"] },
  { title: 'parameter with a wrong value type', req: L({ audited: 'yes' }), code: 'invalid_request', path: 'audited', says: ['"audited": expected true or false, found "yes"'] },
  { title: 'parameter out of its range', req: L({ type: 'multiEnum', options: ['a'], maxCount: 0 }), code: 'invalid_param', says: ['"maxCount" must be at least 1'] },
  { title: 'envelope key inside params', req: L({ params: { label: 'x' } }), code: 'invalid_request', says: ['belongs at the top level'] },
  { title: 'missing name', req: { entity: 'Lead', type: 'varchar' }, code: 'invalid_request', path: 'name', says: ['"name"', 'required'] },
  { title: 'malformed option object', req: L({ type: 'enum', options: [{ label: 'x' }] }), code: 'invalid_request', says: ['each option must be a text, or an object', 'found {"label":"x"}'] },
  { title: 'request for another entity than the metadata', req: L({ entity: 'Account' }), code: 'invalid_request', path: 'entity', says: ['metadata given is for "Lead"'] },
  { title: 'empty label', req: L({ label: '   ' }), code: 'label_invalid', path: 'label', says: ['label is empty'] },
  { title: 'label too long', req: L({ label: 'é'.repeat(300) }), code: 'label_invalid', says: ['within 255'] },
];

describe('bad-input catalogue', () => {
  it('has at least 35 distinct cases', () => {
    expect(new Set(catalogue.map((c) => c.title)).size).toBe(catalogue.length);
    expect(catalogue.length).toBeGreaterThanOrEqual(35);
  });

  it.each(catalogue.map((c) => [c.title, c] as const))('%s', (_title, c) => {
    const r = validateFieldRequest(c.req, (c.meta ?? lead)());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const hit = r.errors.find((e) => e.code === c.code);
    expect(hit, `errors: ${formatFieldSpecErrors(r.errors)}`).toBeDefined();
    expect(hit).toBeInstanceOf(FieldSpecError);
    if (c.path !== undefined) expect(hit!.path).toBe(c.path);
    const text = msg(hit!);
    for (const s of c.says) {
      if (typeof s === 'string') expect(text).toContain(s);
      else expect(text).toMatch(s);
    }
  });
});

describe('collecting errors', () => {
  it('reports every problem of a request, not only the first', () => {
    const r = validateFieldRequest(
      { entity: 'Lead', name: 'deleted', type: 'enum', label: ' ', options: ['a', 'a', ''], default: 'z', optionLabels: { q: 'Q' }, min: 3 },
      lead(),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.code).sort()).toEqual(
      ['name_reserved', 'label_invalid', 'option_label_invalid', 'param_not_applicable', 'options_invalid', 'options_duplicate', 'default_invalid'].sort(),
    );
    expect(formatFieldSpecErrors(r.errors)).toMatch(/^7 problems:\n1\. /);
  });

  it('a different definition under an existing name points to update_custom_field', () => {
    const r = validateFieldRequest({ entity: 'Lead', name: 'mcp_tier', type: 'enum', options: ['Gold', 'Silver'], default: 'Gold' }, lead());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const plan = planFieldCreate(r.spec);
    expect(plan.action).toBe('conflict');
    if (plan.action !== 'conflict') return;
    expect(plan.error.code).toBe('definition_conflict');
    const text = msg(plan.error);
    expect(text).toContain('Lead already has a custom field "cMcpTier" with a different definition');
    expect(text).toContain('options: expected ["Gold","Silver"], found ["Gold","Silver","Bronze"]');
    expect(text).toContain('default: expected "Gold", found "Silver"');
    expect(text).toContain('call update_custom_field with entity "Lead" and name "cMcpTier"');
  });

  it('marks the CRM values of a message, so a model reads them fenced', () => {
    const r = validateFieldRequest(L({ type: 'enum', options: ['A', 'B'], default: 'C' }), lead());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const raw = r.errors.find((e) => e.code === 'default_invalid')!.message;
    expect(raw).toContain('(\uE000"A"\uE001, \uE000"B"\uE001)');
    expect(fenceMarked(raw)).toMatch(/\(<(untrusted-data-[0-9a-f]{16})>"A"<\/\1>, <\1>"B"<\/\1>\)/);
    // The stored definition found in the CRM is marked too.
    const existing = validateFieldRequest({ entity: 'Lead', name: 'mcp_tier', type: 'enum', options: ['Gold', 'Silver'], default: 'Gold' }, lead());
    if (!existing.ok) throw new Error('expected a valid request');
    const conflict = planFieldCreate(existing.spec);
    if (conflict.action !== 'conflict') throw new Error('expected a conflict');
    expect(conflict.error.message).toContain('default: expected "Gold", found \uE000"Silver"\uE001');
  });

  it('a type given as the wrong kind of value is a request error', () => {
    const r = validateFieldRequest({ entity: 'Lead', name: 'x', type: 3 }, lead());
    expect(r).toMatchObject({ ok: false, errors: [{ code: 'invalid_request', path: 'type' }] });
    expect(validateFieldRequest(null, lead()).ok).toBe(false);
  });
});
