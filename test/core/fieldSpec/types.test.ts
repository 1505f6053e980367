import { describe, expect, it } from 'vitest';
import {
  checkEntity,
  resolveEntityName,
  FIELD_TYPE_ALIASES,
  SUPPORTED_FIELD_TYPES,
  compareEspoVersions,
  espoFeatures,
  parseEspoVersion,
  resolveFieldType,
} from '../../../src/core/fieldSpec/index.js';
import { fieldTypes, metaFor, scopes } from '../../fixtures/fieldSpec/meta.js';

describe('resolveFieldType', () => {
  it('accepts every supported type as is, without notes', () => {
    for (const t of Object.keys(SUPPORTED_FIELD_TYPES)) {
      expect(resolveFieldType(t, fieldTypes)).toEqual({ ok: true, type: t, notes: [] });
    }
  });

  it.each([
    ['string', 'varchar'],
    ['number', 'int'],
    ['integer', 'int'],
    ['decimal', 'float'],
    ['boolean', 'bool'],
    ['checkbox', 'bool'],
    ['select', 'enum'],
    ['dropdown', 'enum'],
    ['picklist', 'enum'],
    ['multiselect', 'multiEnum'],
    ['multi-select', 'multiEnum'],
    ['tags', 'multiEnum'],
    ['textarea', 'text'],
    ['longtext', 'text'],
    ['money', 'currency'],
    ['datetime', 'datetime'],
    ['timestamp', 'datetime'],
    ['Multi Select', 'multiEnum'],
    ['VARCHAR', 'varchar'],
    ['multienum', 'multiEnum'],
  ])('%s -> %s, reported', (input, type) => {
    const r = resolveFieldType(input, fieldTypes);
    expect(r).toMatchObject({ ok: true, type });
    if (r.ok && input !== type) expect(r.notes[0]).toContain(`type "${input}" is read as "${type}"`);
  });

  it('every alias targets a supported type', () => {
    for (const target of Object.values(FIELD_TYPE_ALIASES)) expect(Object.keys(SUPPORTED_FIELD_TYPES)).toContain(target);
  });

  it('"number" is read as int and the note says so, although EspoCRM has its own number type', () => {
    const r = resolveFieldType('number', fieldTypes);
    expect(r).toMatchObject({ ok: true, type: 'int' });
    if (r.ok) expect(r.notes[1]).toContain('automatic numbering');
  });

  it('a supported type missing from the tenant metadata is unknown there', () => {
    const { wysiwyg: _omit, ...rest } = fieldTypes;
    const r = resolveFieldType('wysiwyg', rest);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('This CRM\'s metadata has no field type "wysiwyg"');
  });
});

describe('version', () => {
  it('parses the forms EspoCRM reports', () => {
    expect(parseEspoVersion('9.1.7')).toEqual({ major: 9, minor: 1, patch: 7, pre: '' });
    expect(parseEspoVersion('8.1.0')).toEqual({ major: 8, minor: 1, patch: 0, pre: '' });
    expect(parseEspoVersion('10.0.0-beta')).toEqual({ major: 10, minor: 0, patch: 0, pre: 'beta' });
    expect(parseEspoVersion(' v8.2 ')).toEqual({ major: 8, minor: 2, patch: 0, pre: '' });
    expect(parseEspoVersion('9.1.7+build.5')).toEqual({ major: 9, minor: 1, patch: 7, pre: '' });
    expect(parseEspoVersion('@@version')).toBeNull();
    expect(parseEspoVersion('')).toBeNull();
  });

  it('orders versions numerically, pre-releases first', () => {
    const c = (a: string, b: string): number => compareEspoVersions(parseEspoVersion(a)!, parseEspoVersion(b)!);
    expect(c('9.1.7', '10.0.0')).toBe(-1);
    expect(c('8.10.0', '8.2.0')).toBe(1);
    expect(c('10.0.0-beta', '10.0.0')).toBe(-1);
    expect(c('10.0.0-alpha', '10.0.0-beta')).toBe(-1);
    expect(c('9.1', '9.1.0')).toBe(0);
  });

  it.each([
    ['7.5.6', { customPrefix: false, metadataKey: false, updateNeedsType: true, appAbout: false }],
    ['8.1.0', { customPrefix: false, metadataKey: false, updateNeedsType: true, appAbout: true }],
    ['8.2.0', { customPrefix: true, metadataKey: true, updateNeedsType: true, appAbout: true }],
    ['9.1.7', { customPrefix: true, metadataKey: true, updateNeedsType: true, appAbout: true }],
    ['10.0.0-beta', { customPrefix: true, metadataKey: true, updateNeedsType: false, appAbout: true }],
    ['10.0.0', { customPrefix: true, metadataKey: true, updateNeedsType: false, appAbout: true }],
    ['11.2.3', { customPrefix: true, metadataKey: true, updateNeedsType: false, appAbout: true }],
  ])('features of %s', (v, features) => expect(espoFeatures(v)).toEqual(features));

  it('a missing or unreadable version gets the 9.x baseline', () => {
    const baseline = { customPrefix: true, metadataKey: true, updateNeedsType: true, appAbout: true };
    expect(espoFeatures(undefined)).toEqual(baseline);
    expect(espoFeatures('dev')).toEqual(baseline);
  });
});

describe('entity', () => {
  it('resolveEntityName: exact, case-insensitive, or an error with the closest name', () => {
    expect(resolveEntityName('Lead', scopes)).toEqual({ ok: true, name: 'Lead', notes: [] });
    expect(resolveEntityName('lead', scopes)).toEqual({ ok: true, name: 'Lead', notes: ['entity "lead" is "Lead".'] });
    const r = resolveEntityName('Contacts', scopes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('unknown_entity');
      expect(r.error.message).toContain('Did you mean "Contact"?');
      expect(r.error.message).toContain('Entity types that accept custom fields: Account, CProject, Contact, Lead, Opportunity.');
    }
    // "Home" is a scope but not an entity type.
    expect(resolveEntityName('Home', scopes).ok).toBe(false);
  });

  it('checkEntity: a known entity type without a scope is not customizable', () => {
    const m = metaFor('Lead');
    delete m.entity.scope;
    expect(checkEntity(m)[0]).toMatchObject({ code: 'entity_not_customizable' });
    expect(checkEntity(metaFor('Lead'))).toEqual([]);
  });
});
