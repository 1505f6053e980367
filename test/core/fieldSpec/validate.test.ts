import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildCreateBody,
  compareDefinition,
  expectedDefinition,
  validateFieldRequest,
  type FieldMeta,
  type FieldSpec,
} from '../../../src/core/fieldSpec/index.js';
import { lead, metaFor } from '../../fixtures/fieldSpec/meta.js';
import { plainMarked } from '../../../src/core/fence.js';

function valid(req: Record<string, unknown>, meta: FieldMeta = lead()): FieldSpec {
  const r = validateFieldRequest(req, meta);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.spec;
}

interface Exchange {
  name: string;
  requestBody: Record<string, unknown> | null;
  responseBody: unknown;
}
const recorded = new Map<string, Exchange>(
  readFileSync(new URL('../../fixtures/recorded/exchanges.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Exchange)
    .map((e) => [e.name, e]),
);
const rec = (name: string): Exchange => {
  const e = recorded.get(name);
  if (!e) throw new Error(`no recorded exchange ${name}`);
  return e;
};

/** The fixture's Lead before the recorded custom fields were created. */
function freshLead(): FieldMeta {
  const m = lead();
  for (const f of ['cMcpNote', 'cMcpTier', 'cMcpTags']) delete m.entity.defs!.fields![f];
  return m;
}

describe('validateFieldRequest against the recorded EspoCRM 9.1.7 exchanges', () => {
  it('the recorded enum create: same body, and the stored metadata matches the expected definition', () => {
    const sent = rec('fieldManager.create.enum').requestBody!;
    const spec = valid({ entity: 'Lead', name: 'mcpTier', type: 'enum', label: 'MCP Tier', options: ['Gold', 'Silver', 'Bronze'], default: 'Silver', style: { Gold: 'success' }, isSorted: false, audited: true }, freshLead());
    expect(spec.name).toMatchObject({ base: 'mcpTier', stored: 'cMcpTier' });
    expect(buildCreateBody(spec)).toEqual(sent);
    const stored = rec('metadata.byKey.customField').responseBody;
    expect(compareDefinition(expectedDefinition(spec), stored)).toEqual({ equal: true, differences: [] });
  });

  it('the recorded multiEnum create: EspoCRM adds storeArrayValues, which is not compared', () => {
    const spec = valid({ entity: 'Lead', name: 'mcpTags', type: 'multiEnum', label: 'MCP Tags', options: ['alpha', 'beta', 'gamma'], default: [] }, freshLead());
    expect(buildCreateBody(spec)).toEqual(rec('fieldManager.create.multiEnum').requestBody);
    const response = rec('fieldManager.create.multiEnum').responseBody as Record<string, unknown>;
    expect(response.storeArrayValues).toBe(true);
    expect(compareDefinition(expectedDefinition(spec), response).equal).toBe(true);
  });

  it('the recorded varchar create: required false is "not set" in the stored definition', () => {
    const spec = valid({ entity: 'Lead', name: 'mcpNote', type: 'varchar', label: 'MCP Note', maxLength: 120, required: false }, freshLead());
    const body = buildCreateBody(spec);
    expect(body).toMatchObject({ name: 'mcpNote', type: 'varchar', label: 'MCP Note', maxLength: 120, required: false });
    expect(compareDefinition(expectedDefinition(spec), rec('fieldManager.create.varchar').responseBody).equal).toBe(true);
  });
});

describe('validateFieldRequest: valid requests per type', () => {
  it('enum with natural name, alias type, option objects and labels', () => {
    const spec = valid({
      entity: 'Lead',
      name: 'Secteur Transport',
      type: 'dropdown',
      label: " Secteur d'activité ",
      options: ['', { value: 'transport', label: 'Transport routier', style: 'info' }, ' industrie '],
      optionLabels: { industrie: 'Industrie', '': 'Aucun' },
      default: '',
      required: true,
      tooltip: '  Le secteur principal du prospect  ',
    });
    expect(spec).toMatchObject({
      entity: 'Lead',
      type: 'enum',
      label: "Secteur d'activité",
      tooltip: 'Le secteur principal du prospect',
      params: { options: ['', 'transport', 'industrie'], default: '', required: true, style: { transport: 'info' } },
      translatedOptions: { transport: 'Transport routier', industrie: 'Industrie', _empty_: 'Aucun' },
    });
    // Values echoed in notes are marked (fenced for a model); their plain rendering is what a person reads.
    expect(spec.notes.some((n) => n.includes('\uE000" industrie "\uE001'))).toBe(true);
    expect(spec.notes.map(plainMarked)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('type "dropdown" is read as "enum"'),
        expect.stringContaining('"secteurTransport"'),
        expect.stringContaining('stored as "cSecteurTransport"'),
        expect.stringContaining('option " industrie " is trimmed to "industrie"'),
      ]),
    );
    const body = buildCreateBody(spec);
    expect(body).toMatchObject({ name: 'secteurTransport', type: 'enum', tooltipText: 'Le secteur principal du prospect', tooltip: true });
    expect(expectedDefinition(spec)).toEqual({ type: 'enum', ...spec.params, tooltip: true });
  });

  it('varchar without maxLength gets EspoCRM\'s default 100, reported', () => {
    const spec = valid({ entity: 'Lead', name: 'ref', type: 'string' });
    expect(spec.params).toEqual({ maxLength: 100 });
    expect(spec.label).toBe('Ref');
    expect(spec.notes.join(' ')).toContain("maxLength is 100 (EspoCRM's default for varchar");
  });

  it('varchar with pattern, named pattern, suggestions and extra params', () => {
    expect(valid({ entity: 'Lead', name: 'siret', type: 'varchar', maxLength: 14, pattern: '[0-9]{14}', params: { copyToClipboard: true } }).params).toEqual({
      maxLength: 14,
      pattern: '[0-9]{14}',
      copyToClipboard: true,
    });
    expect(valid({ entity: 'Lead', name: 'code', type: 'varchar', pattern: '$digits' }).params.pattern).toBe('$digits');
    expect(valid({ entity: 'Lead', name: 'ville', type: 'varchar', options: ['Paris', 'Lyon'] }).params.options).toEqual(['Paris', 'Lyon']);
  });

  it('label may be any Unicode; without one it is made from the name', () => {
    expect(valid({ entity: 'Lead', name: 'muller', type: 'varchar', label: 'Müller — 株式会社' }).label).toBe('Müller — 株式会社');
  });

  it('int, float and currency ranges', () => {
    expect(valid({ entity: 'Lead', name: 'employees', type: 'integer', min: 0, max: 100000, default: 10 }).params).toEqual({ min: 0, max: 100000, default: 10 });
    expect(valid({ entity: 'Lead', name: 'ratio', type: 'decimal', min: 0, max: 1, default: 0.5, decimalPlaces: 2 }).params).toMatchObject({ decimalPlaces: 2 });
    expect(valid({ entity: 'Lead', name: 'budget', type: 'money', min: 0, params: { decimal: true, precision: 13, scale: 4 } }).params).toMatchObject({ decimal: true, precision: 13, scale: 4 });
  });

  it('bool with a default; text, wysiwyg, url', () => {
    expect(valid({ entity: 'Lead', name: 'optIn', type: 'checkbox', default: true }).params).toEqual({ default: true });
    expect(valid({ entity: 'Lead', name: 'notes2', type: 'textarea', params: { rows: 4 }, maxLength: 5000 }).params).toEqual({ rows: 4, maxLength: 5000 });
    expect(valid({ entity: 'Lead', name: 'bio', type: 'wysiwyg' }).type).toBe('wysiwyg');
    expect(valid({ entity: 'Lead', name: 'linkedin', type: 'website', maxLength: 255 }).type).toBe('url');
  });

  it('date and datetime defaults: friendly forms map to EspoCRM expressions, reported', () => {
    const cases: Array<[string, string, string]> = [
      ['date', 'today', 'javascript: return this.dateTime.getToday();'],
      ['date', '+3 days', "javascript: return this.dateTime.getDateShiftedFromToday(3, 'days');"],
      ['date', 'tomorrow', "javascript: return this.dateTime.getDateShiftedFromToday(1, 'days');"],
      ['date', 'in 1 week', "javascript: return this.dateTime.getDateShiftedFromToday(1, 'weeks');"],
      ['date', '+1 year', "javascript: return this.dateTime.getDateShiftedFromToday(1, 'year');"],
      ['date', "javascript: return this.dateTime.getDateShiftedFromToday(2, 'months');", "javascript: return this.dateTime.getDateShiftedFromToday(2, 'months');"],
      ['datetime', 'now', 'javascript: return this.dateTime.getNow(1);'],
      ['datetime', '+2 hours', "javascript: return this.dateTime.getDateTimeShiftedFromNow(2, 'hours', 15);"],
      ['datetime', '+1 week', "javascript: return this.dateTime.getDateTimeShiftedFromNow(1, 'week', 15);"],
    ];
    for (const [type, given, stored] of cases) {
      const spec = valid({ entity: 'Lead', name: 'quand', type, default: given });
      expect(spec.params.default).toBe(stored);
      if (given !== stored) expect(spec.notes.join(' ')).toContain(`default "${given}" is stored as "${stored}"`);
    }
    expect(valid({ entity: 'Lead', name: 'quand', type: 'date', default: '' }).params).toEqual({});
    expect(valid({ entity: 'Lead', name: 'quand', type: 'date', params: { after: 'convertedAt' } }).params).toEqual({ after: 'convertedAt' });
  });

  it('multiEnum, checklist and array defaults are lists of options', () => {
    expect(valid({ entity: 'Lead', name: 'langues', type: 'tags', options: ['fr', 'en', 'de'], default: ['fr'], maxCount: 2 }).params).toEqual({ options: ['fr', 'en', 'de'], default: ['fr'], maxCount: 2 });
    expect(valid({ entity: 'Lead', name: 'etapes', type: 'checklist', options: ['a', 'b'], optionLabels: { a: 'Étape A' } }).translatedOptions).toEqual({ a: 'Étape A' });
    expect(valid({ entity: 'Lead', name: 'mots', type: 'array' }).params).toEqual({});
    expect(valid({ entity: 'Lead', name: 'libre', type: 'multiEnum', params: { allowCustomOptions: true } }).params).toEqual({ allowCustomOptions: true });
  });

  it('a custom entity type: no prefix', () => {
    const spec = valid({ entity: 'CProject', name: 'phase', type: 'enum', options: ['a'] }, metaFor('CProject'));
    expect(spec.name).toMatchObject({ base: 'phase', stored: 'phase' });
  });

  it('EspoCRM 8.1 and customPrefixDisabled: no prefix', () => {
    expect(valid({ entity: 'Lead', name: 'phase', type: 'varchar' }, lead({ version: '8.1.0' })).name.stored).toBe('phase');
    expect(valid({ entity: 'Lead', name: 'phase', type: 'varchar' }, lead({ customPrefixDisabled: true })).name.stored).toBe('phase');
    expect(valid({ entity: 'Lead', name: 'phase', type: 'varchar' }, lead({ version: '8.2.0' })).name.stored).toBe('cPhase');
  });

  it('an existing custom field is carried in the spec for idempotency', () => {
    const spec = valid({ entity: 'Lead', name: 'cMcpTier', type: 'enum', options: ['Gold', 'Silver', 'Bronze'] });
    expect(spec.name.exists).toBe(true);
    expect(spec.existing).toMatchObject({ type: 'enum', isCustom: true });
  });

  it('an entity written in another case is reported', () => {
    expect(valid({ entity: 'lead', name: 'x1', type: 'bool' }).notes).toContain('entity "lead" is "Lead".');
  });
});
