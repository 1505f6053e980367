import { describe, expect, it } from 'vitest';
import {
  FieldSpecError,
  MAX_FIELD_NAME_SNAKE_LENGTH,
  checkFieldName,
  findExistingField,
  labelFromName,
  resolveFieldName,
  toSnakeCase,
  type NameContext,
} from '../../../src/core/fieldSpec/index.js';

const std: NameContext = { entityIsCustom: false, prefixEnabled: true, existingFields: ['status', 'cMcpNote', 'legacyCode', 'cCMcpNote'], existingLinks: ['campaign', 'assignedUser'] };
const custom: NameContext = { entityIsCustom: true, prefixEnabled: true, existingFields: ['name', 'description'], existingLinks: ['assignedUser', 'account'] };
const old: NameContext = { entityIsCustom: false, prefixEnabled: false, existingFields: ['status'], existingLinks: [] };

function failure(input: string, ctx: NameContext): FieldSpecError {
  const r = checkFieldName(input, ctx);
  if (r.ok) throw new Error(`expected "${input}" to be refused, got ${JSON.stringify(r.name)}`);
  expect(r.errors.length).toBeGreaterThan(0);
  return r.errors[0]!;
}

describe('toSnakeCase (EspoCRM Util::toUnderScore)', () => {
  it.each([
    ['cMyField', 'c_my_field'],
    ['cSecteurTransport', 'c_secteur_transport'],
    ['c1abc', 'c1abc'],
    ['aBC', 'a_b_c'],
    ['Upper', 'upper'],
  ])('%s -> %s', (name, snake) => expect(toSnakeCase(name)).toBe(snake));
});

describe('resolveFieldName: natural input', () => {
  it.each([
    ['secteur_transport', 'secteurTransport', 'cSecteurTransport'],
    ['Secteur Transport', 'secteurTransport', 'cSecteurTransport'],
    ['secteur-transport', 'secteurTransport', 'cSecteurTransport'],
    ['  secteur__transport  ', 'secteurTransport', 'cSecteurTransport'],
    ['secteurTransport', 'secteurTransport', 'cSecteurTransport'],
    ['VAT number', 'vatNumber', 'cVatNumber'],
    ['client VAT', 'clientVat', 'cClientVat'],
    ['Upper', 'upper', 'cUpper'],
    ['tier2', 'tier2', 'cTier2'],
    ['cargo', 'cargo', 'cCargo'],
    ['ccTld', 'ccTld', 'cCcTld'],
  ])('%j -> base %s, stored %s', (input, base, stored) => {
    const r = resolveFieldName(input, std);
    expect(r).toMatchObject({ requested: input, base, stored, exists: false });
    expect(r.notes.join(' ')).toContain(`stored as "${stored}"`);
  });

  it('reports the camelCase mapping', () => {
    const r = resolveFieldName('secteur_transport', std);
    expect(r.notes[0]).toBe('name "secteur_transport" is written "secteurTransport" (field names are camelCase ASCII letters and digits).');
  });

  it('a name given with the prefix refers to that stored name and is sent without it', () => {
    const r = resolveFieldName('cFoo', std);
    expect(r).toMatchObject({ base: 'foo', stored: 'cFoo', exists: false });
    expect(r.notes.join(' ')).toContain('would create "cCFoo"');
  });

  it('an existing prefixed field is that field, never cC...', () => {
    expect(resolveFieldName('cMcpNote', std)).toMatchObject({ base: 'mcpNote', stored: 'cMcpNote', exists: true });
    expect(resolveFieldName('mcpNote', std)).toMatchObject({ base: 'mcpNote', stored: 'cMcpNote', exists: true });
    expect(resolveFieldName('mcp_note', std)).toMatchObject({ stored: 'cMcpNote', exists: true });
  });

  it('an existing unprefixed field (from before 8.2) is that field', () => {
    expect(resolveFieldName('legacyCode', std)).toMatchObject({ base: 'legacyCode', stored: 'legacyCode', exists: true });
  });

  it('an existing accidental double-prefixed field can still be named', () => {
    expect(resolveFieldName('cCMcpNote', std)).toMatchObject({ stored: 'cCMcpNote', exists: true });
  });

  it('custom entity types get no prefix, even for a name starting with c', () => {
    expect(resolveFieldName('secteur_transport', custom)).toMatchObject({ base: 'secteurTransport', stored: 'secteurTransport' });
    expect(resolveFieldName('cFoo', custom)).toMatchObject({ base: 'cFoo', stored: 'cFoo' });
  });

  it('before 8.2 or with customPrefixDisabled there is no prefix', () => {
    expect(resolveFieldName('secteur_transport', old)).toMatchObject({ base: 'secteurTransport', stored: 'secteurTransport', notes: [expect.stringContaining('secteurTransport')] });
  });
});

describe('resolveFieldName: refusals', () => {
  it('non-ASCII letters are refused with an ASCII suggestion, and the label keeps the accents', () => {
    const e = failure('secteur_activité', std);
    expect(e.code).toBe('name_not_ascii');
    expect(e.message).toContain('"é"');
    expect(e.message).toContain('Use the name "secteurActivite"');
    expect(e.message).toContain('"label"');
    expect(failure('Müller Straße', std).message).toContain('"mullerStrasse"');
  });

  it('a name with no ASCII form gets a generic suggestion', () => {
    expect(failure('поле', std).message).toContain('Use an ASCII name');
  });

  it('punctuation is refused with a cleaned suggestion', () => {
    const e = failure('R&D budget', std);
    expect(e.code).toBe('invalid_name');
    expect(e.message).toContain('"&"');
    expect(e.message).toContain('Use "rDBudget"');
  });

  it('a leading digit is refused with the number moved to the end', () => {
    const e = failure('2024 budget', std);
    expect(e.code).toBe('name_starts_with_digit');
    expect(e.message).toContain('"budget2024"');
  });

  it('an empty name is refused', () => {
    expect(failure('   ', std).code).toBe('invalid_name');
    expect(failure('_-_', std).message).toContain('has no letters');
  });

  it('the snake_case form of the stored name is limited to 50 characters', () => {
    // c + 48 letters: "c_" + 48 = 50 characters: allowed; one more is refused.
    const ok = 'a'.repeat(48);
    expect(toSnakeCase(resolveFieldName(ok, std).stored)).toHaveLength(MAX_FIELD_NAME_SNAKE_LENGTH);
    const e = failure('a'.repeat(49), std);
    expect(e.code).toBe('name_too_long');
    expect(e.message).toContain('51');
    expect(e.message).toContain('"c_aaaa');
    expect(e.message).toContain('Use a shorter name');
    // Capitals count twice: 25 "aB" pairs are 75 characters in snake_case.
    expect(failure('aB'.repeat(20), std).code).toBe('name_too_long');
  });

  it('reserved names are refused case-insensitively, with or without the prefix', () => {
    for (const n of ['deleted', 'Deleted', 'DELETED', 'versionNumber', 'assignedUsers']) {
      const e = failure(n, std);
      expect(e.code).toBe('name_reserved');
      expect(e.message).toContain('reserved by EspoCRM');
    }
    expect(failure('id', custom).code).toBe('name_reserved');
  });

  it('a prefix written twice is refused', () => {
    const e = failure('cCFoo', std);
    expect(e.code).toBe('invalid_name');
    expect(e.message).toContain('Give "cFoo"');
  });

  it('link names and link attributes are refused', () => {
    expect(failure('account', custom)).toMatchObject({ code: 'name_conflict', message: expect.stringContaining('relationship (link) named "account"') });
    for (const n of ['accountId', 'accountName', 'assignedUserIds', 'accountType']) {
      const e = failure(n, custom);
      expect(e.code).toBe('name_conflict');
      expect(e.message).toContain('relationship');
    }
    // With the prefix the stored name no longer clashes with the link attribute.
    expect(resolveFieldName('campaignId', std).stored).toBe('cCampaignId');
  });

  it('resolveFieldName throws the FieldSpecError', () => {
    expect(() => resolveFieldName('bad&name', std)).toThrow(FieldSpecError);
  });
});

describe('findExistingField', () => {
  it('finds stored names, natural names and prefixed forms', () => {
    expect(findExistingField('cMcpNote', std)).toEqual({ ok: true, stored: 'cMcpNote', notes: [] });
    expect(findExistingField('mcp_note', std)).toMatchObject({ ok: true, stored: 'cMcpNote' });
    expect(findExistingField('status', std)).toMatchObject({ ok: true, stored: 'status' });
  });

  it('a missing field is an error with a suggestion, never a new name', () => {
    const r = findExistingField('cMcpNot', { ...std, entity: 'Lead' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('field_not_found');
      expect(r.error.message).toContain('Lead has no field "cMcpNot"');
      expect(r.error.message).toContain('Did you mean "cMcpNote"?');
      expect(r.error.message).toContain('describe_entity');
    }
  });
});

describe('labelFromName', () => {
  it.each([
    ['secteurTransport', 'Secteur Transport'],
    ['tier2', 'Tier 2'],
    ['vatNumber', 'Vat Number'],
  ])('%s -> %s', (base, label) => expect(labelFromName(base)).toBe(label));
});
