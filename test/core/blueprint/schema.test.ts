import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BLUEPRINT_SCHEMA_PATH, blueprintJsonSchema, blueprintJsonSchemaText, parseBlueprint } from '../../../src/core/blueprint/index.js';
import { CoreError } from '../../../src/core/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function problemsOf(value: unknown): string {
  try {
    parseBlueprint(value, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(CoreError);
    expect((err as CoreError).code).toBe('invalid_blueprint');
    return (err as CoreError).message;
  }
  throw new Error('expected the blueprint to be refused');
}

const minimal = { name: 'x', entities: { Lead: { fields: [{ name: 'secteur', type: 'enum', options: ['A'] }] } } };

describe('parseBlueprint', () => {
  it('reads the shipped transport blueprint', async () => {
    const text = await readFile(path.join(root, 'blueprints/transport.json'), 'utf8');
    const bp = parseBlueprint(text, 'blueprints/transport.json');
    expect(bp.name).toBe('transport');
    const field = bp.entities['Lead']?.fields?.[0];
    expect(field).toMatchObject({ name: 'secteur', type: 'enum', label: 'Secteur', layouts: ['detail', 'list'] });
    expect(field?.options).toContain('Transport routier');
    expect(bp.$schema).toBe('../docs/blueprint.schema.json');
  });

  it('takes a parsed object as well as JSON text', () => {
    expect(parseBlueprint(minimal, 'inline').entities['Lead']?.fields?.[0]?.name).toBe('secteur');
    expect(parseBlueprint(JSON.stringify(minimal), 'inline').name).toBe('x');
  });

  it('refuses text that is not JSON, naming the source', () => {
    expect(() => parseBlueprint('{"name": ', 'blueprints/bad.json')).toThrow(/blueprints\/bad\.json is not valid JSON/);
    expect(problemsOf([1, 2])).toMatch(/expected a JSON object/);
    expect(problemsOf(null)).toMatch(/found null/);
  });

  it('refuses an unknown key with its path and the keys allowed', () => {
    const msg = problemsOf({ ...minimal, entities: { Lead: { fields: [{ name: 'secteur', type: 'enum', options: ['A'], lable: 'Secteur' }] } } });
    expect(msg).toContain('entities.Lead.fields[0]: unknown key "lable"');
    expect(msg).toMatch(/allowed: name, type, label,/);
    expect(problemsOf({ ...minimal, extra: 1 })).toMatch(/\(top level\): unknown key "extra"; allowed: \$schema, name, description, entities/);
    expect(problemsOf({ name: 'x', entities: { Lead: { feilds: [] } } })).toMatch(/entities\.Lead: unknown key "feilds"; allowed: fields, panels, remove/);
  });

  it('says what is missing and what type was expected', () => {
    expect(problemsOf({ entities: {} })).toMatch(/name: is required/);
    expect(problemsOf({ name: 'x', entities: { Lead: { fields: [{ name: 'a', type: 'enum', required: 'yes' }] } } })).toMatch(
      /entities\.Lead\.fields\[0\]\.required: expected true or false, found "yes"/,
    );
  });

  it('refuses an unknown layout, listing the layouts allowed', () => {
    const msg = problemsOf({ name: 'x', entities: { Lead: { fields: [{ name: 'a', type: 'varchar', layouts: ['sidebar'] }] } } });
    expect(msg).toMatch(/entities\.Lead\.fields\[0\]\.layouts\[0\]/);
    expect(msg).toMatch(/detail, detailSmall, list, filters, massUpdate/);
  });

  it('refuses an unknown field type, naming the types', () => {
    expect(problemsOf({ name: 'x', entities: { Lead: { fields: [{ name: 'a', type: 'sparkle' }] } } })).toMatch(/Unknown field type "sparkle".*enum/s);
  });

  it('accepts type aliases as create_custom_field does', () => {
    expect(parseBlueprint({ name: 'x', entities: { Lead: { fields: [{ name: 'a', type: 'select', options: ['A'] }] } } }, 't').entities['Lead']?.fields?.[0]?.type).toBe('select');
  });

  it('refuses duplicates: a field twice (with or without the c prefix), a layout twice, an option twice, a field ensured and removed', () => {
    expect(problemsOf({ name: 'x', entities: { Lead: { fields: [{ name: 'secteur', type: 'enum' }, { name: 'cSecteur', type: 'enum' }] } } })).toMatch(
      /fields\[1\]\.name: the field "cSecteur" is given twice/,
    );
    expect(problemsOf({ name: 'x', entities: { Lead: { fields: [{ name: 'a', type: 'varchar', layouts: ['list', { layout: 'list' }] }] } } })).toMatch(/list layout is named twice/);
    expect(problemsOf({ name: 'x', entities: { Lead: { fields: [{ name: 'a', type: 'enum', options: ['A', { value: 'A' }] }] } } })).toMatch(/option "A" is given twice/);
    expect(problemsOf({ name: 'x', entities: { Lead: { fields: [{ name: 'a', type: 'varchar' }], remove: { fields: ['cA'] } } } })).toMatch(/both ensured/);
  });

  it('refuses bad names: entity keys and field names', () => {
    expect(problemsOf({ name: 'x', entities: { '../Lead': {} } })).toMatch(/entity key is an entity type/);
    expect(problemsOf({ name: 'x', entities: { Lead: { fields: [{ name: 'mon champ', type: 'varchar' }] } } })).toMatch(/ASCII letters, digits/);
  });

  it('lists every problem at once', () => {
    const msg = problemsOf({ name: '', entities: { Lead: { fields: [{ type: 'enum' }], panels: [{ layout: 'list', label: 'P' }] } } });
    expect(msg).toMatch(/3 problems/);
    expect(msg).toMatch(/panels\[0\]\.layout: a panel's layout is one of detail, detailSmall/);
  });

  it('accepts panels and removals', () => {
    const bp = parseBlueprint(
      {
        name: 'x',
        entities: {
          Account: {
            panels: [{ layout: 'detail', label: 'Transport', after: 0 }],
            fields: [{ name: 'flotte', type: 'int', min: 0, layouts: [{ layout: 'detail', panel: 'Transport' }] }],
            remove: { fields: ['ancien'], placements: [{ layout: 'list', field: 'website' }] },
          },
        },
      },
      't',
    );
    expect(bp.entities['Account']?.remove?.placements).toEqual([{ layout: 'list', field: 'website' }]);
  });
});

describe('the published JSON Schema', () => {
  it(`${BLUEPRINT_SCHEMA_PATH} is up to date (npm run docs:blueprint-schema)`, async () => {
    const current = await readFile(path.join(root, BLUEPRINT_SCHEMA_PATH), 'utf8');
    expect(current, `${BLUEPRINT_SCHEMA_PATH} is stale: run npm run docs:blueprint-schema`).toBe(blueprintJsonSchemaText());
  });

  it('is strict at every level and requires name and entities', () => {
    const schema = blueprintJsonSchema();
    expect(schema['required']).toEqual(['name', 'entities']);
    expect(schema['additionalProperties']).toBe(false);
    expect(JSON.stringify(schema)).toContain('"enum":["detail","detailSmall","list","filters","massUpdate"]');
  });
});
