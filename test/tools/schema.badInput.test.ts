/**
 * Bad input to the schema tools: each request gives a clear tool error (its key words asserted), and
 * the sandbox's request log shows no write (no POST, PUT, PATCH or DELETE) for any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { fails, ok, writes } from './schema.helpers.js';

type Case = [label: string, tool: string, args: Record<string, unknown>, expected: RegExp[]];

const lead = (extra: Record<string, unknown>): Record<string, unknown> => ({ tenant: 'acme', entity: 'Lead', ...extra });
const create = (label: string, args: Record<string, unknown>, ...expected: RegExp[]): Case => [label, 'create_custom_field', lead(args), expected];
const update = (label: string, args: Record<string, unknown>, ...expected: RegExp[]): Case => [label, 'update_custom_field', lead(args), expected];
const remove = (label: string, args: Record<string, unknown>, ...expected: RegExp[]): Case => [label, 'delete_custom_field', lead(args), expected];

const cases: Case[] = [
  // Types.
  create('unknown type', { name: 'couleur', type: 'colour' }, /Unknown field type "colour"/, /Types you can create: varchar/),
  create('notCreatable type (email)', { name: 'mail2', type: 'email' }, /Type "email" cannot be created as a custom field/, /emailAddress/),
  create('relationship type (link)', { name: 'partner', type: 'link' }, /cannot be created as a custom field/, /Entity Manager/),
  create('type the tool does not create (number)', { name: 'numero', type: 'autoincrement' }, /not created by this tool/),
  // Options and defaults.
  create('enum with empty options', { name: 'secteur', type: 'enum', options: [] }, /options/i),
  create('enum without options', { name: 'secteur', type: 'enum' }, /options/i, /enum/),
  create('checklist without options', { name: 'etapes', type: 'checklist' }, /options/i),
  create('default not among the options', { name: 'secteur', type: 'enum', options: ['Transport', 'Industrie'], default: 'Agriculture' }, /Agriculture/, /Transport/),
  create('duplicate options', { name: 'secteur', type: 'enum', options: ['Transport', 'Transport'] }, /unique/, /Transport/),
  create('options that differ only by case', { name: 'secteur', type: 'multiEnum', options: ['Nord', 'nord'] }, /upper\/lower case/),
  create('multiEnum default outside the options', { name: 'tags2', type: 'multiEnum', options: ['A', 'B'], default: ['C'] }, /"C"/),
  create('option labels on a varchar', { name: 'ville', type: 'varchar', optionLabels: { a: 'A' } }, /Option labels do not apply to varchar/),
  create('unknown badge colour', { name: 'secteur', type: 'enum', options: ['A'], style: { A: 'pink' } }, /pink/, /success/),
  // Numbers and lengths.
  create('min above max', { name: 'effectif', type: 'int', min: 10, max: 5 }, /min/, /max/),
  create('varchar maxLength above 255', { name: 'ville', type: 'varchar', maxLength: 300 }, /maxLength/, /255/),
  create('decimalPlaces out of range', { name: 'taux', type: 'float', decimalPlaces: 20 }, /decimalPlaces/),
  create('parameter of another type (min on varchar)', { name: 'ville', type: 'varchar', min: 1 }, /"min" does not apply to varchar/),
  create('typo in params (maxlength)', { name: 'ville', type: 'varchar', params: { maxlength: 10 } }, /maxlength/, /maxLength/),
  create('required bool', { name: 'actif', type: 'bool', required: true }, /cannot be required/),
  create('fixed date as default', { name: 'echeance', type: 'date', default: '2024-01-01' }, /fixed date/),
  create('unknown named pattern', { name: 'code', type: 'varchar', pattern: '$nope' }, /\$nope/),
  create('empty label', { name: 'ville', type: 'varchar', label: '   ' }, /label is empty/),
  // Names.
  create('reserved name', { name: 'deleted', type: 'varchar' }, /reserved/),
  create('double prefix', { name: 'cCSecteur', type: 'varchar' }, /prefix twice/, /cSecteur/),
  create('name starting with a digit', { name: '2emeContact', type: 'varchar' }, /starts with a digit/),
  create('name with accents', { name: 'activité', type: 'varchar' }, /ASCII/, /"activite"/),
  create('name with a symbol', { name: 'prix$ht', type: 'varchar' }, /only ASCII letters and digits/),
  create('name too long', { name: 'ceciEstUnNomDeChampBeaucoupTropLongPourEspoCrmVraiment', type: 'varchar' }, /too long/, /50/),
  create('name of a built-in field', { name: 'status', type: 'varchar' }, /built-in field "status"/),
  create('label too long', { name: 'ville', type: 'varchar', label: 'L'.repeat(300) }, /label is 300 characters/, /255/),
  // Entity and tenant.
  ['wrong entity', 'create_custom_field', { tenant: 'acme', entity: 'Leed', name: 'x1', type: 'varchar' }, [/Unknown entity type "Leed"/, /Did you mean "Lead"/]],
  ['entity that refuses custom fields', 'create_custom_field', { tenant: 'acme', entity: 'Role', name: 'x1', type: 'varchar' }, [/does not accept custom fields/]],
  ['unknown tenant', 'create_custom_field', { tenant: 'nope', entity: 'Lead', name: 'x1', type: 'varchar' }, [/Unknown tenant "nope"/, /"acme"/]],
  // addToLayouts.
  create('layout that is not offered', { name: 'ville', type: 'varchar', addToLayouts: ['sidePanelsDetail'] }, /addToLayouts item is one of detail, detailSmall, list, filters, massUpdate/),
  create('unknown panel', { name: 'ville', type: 'varchar', addToLayouts: [{ layout: 'detail', panel: 'Nope' }] }, /no panel is called "Nope"/, /Overview/),
  create('width on a detail layout', { name: 'ville', type: 'varchar', addToLayouts: [{ layout: 'detail', width: 20 }] }, /width/, /list/),
  create('after a field that is not in the layout', { name: 'ville', type: 'varchar', addToLayouts: [{ layout: 'list', after: 'website' }] }, /"website"/, /not in the layout/),
  create('read-only field on massUpdate', { name: 'ville', type: 'varchar', readOnly: true, addToLayouts: ['massUpdate'] }, /read-only/),
  create('the same layout twice', { name: 'ville', type: 'varchar', addToLayouts: ['list', 'list'] }, /twice/),
  // Update.
  update('update of a missing field', { name: 'nope', label: 'X' }, /no field "nope"/, /describe_entity/),
  update('type change', { name: 'cZone', type: 'int' }, /type cannot be changed/),
  update('options and addOptions together', { name: 'cZone', options: ['A'], addOptions: ['B'] }, /either "options"/),
  update('removing an option that does not exist', { name: 'cZone', removeOptions: ['Atlantis'] }, /Cannot remove "Atlantis"/),
  update('removing the default option without a new default', { name: 'cZone', removeOptions: ['Nord'] }, /default/, /Nord/),
  update('empty option list', { name: 'cZone', options: [] }, /options/i),
  // Delete.
  remove('delete of a built-in field', { name: 'status' }, /built-in field/, /cannot delete/),
  remove('delete of a missing field', { name: 'nope' }, /no field "nope"/),
  remove('malformed confirm token', { name: 'cZone', confirm: 'abc' }, /Not deleted/, /malformed/),
  remove('tampered confirm token', { name: 'cZone', confirm: 'eyJ2IjoxfQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, /Not deleted/, /not one this server issued/),
  // describe_entity and rebuild.
  ['describe an unknown entity', 'describe_entity', { tenant: 'acme', entity: 'Leads2' }, [/Unknown entity type "Leads2"/]],
  ['rebuild an unknown tenant', 'rebuild', { tenant: 'nope' }, [/Unknown tenant "nope"/]],
];

describe('schema tools: bad input gives a clear error and no write', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme' }]);
    // A field for the update/delete cases: an enum with a default.
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone', type: 'enum', options: ['Nord', 'Sud'], default: 'Nord', addToLayouts: ['detail'] });
  });
  afterAll(async () => h?.close());

  it(`has at least 30 distinct invalid requests (${cases.length})`, () => {
    expect(new Set(cases.map((c) => c[0])).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const [label, tool, args, expected] of cases) {
    it(label, async () => {
      const sb = h.sandboxes.acme!;
      const mark = sb.requests.length;
      const message = await fails(h, tool, args);
      if (process.env.SHOW_MESSAGES) console.log(`${label}: ${message}`);
      for (const re of expected) expect(message).toMatch(re);
      expect(message).not.toMatch(/Unexpected error/);
      expect(writes(sb, mark)).toEqual([]);
    });
  }

  it('a confirm token goes stale when the field changes after the plan', async () => {
    const sb = h.sandboxes.acme!;
    const plan = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone' });
    const token = String(plan.structured.confirmToken);
    // Someone changes the field in the CRM directly, outside this server.
    sb.state.metadata.setFieldDef('Lead', 'cZone', { ...sb.state.metadata.fieldDef('Lead', 'cZone')!, options: ['Nord', 'Sud', 'Est'] });
    const mark = sb.requests.length;
    const message = await fails(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone', confirm: token });
    expect(message).toMatch(/Not deleted: the CRM changed since the plan was made/);
    expect(writes(sb, mark)).toEqual([]);
    expect(sb.state.metadata.fieldDef('Lead', 'cZone')).toBeDefined();
    expect((await h.audit.read()).at(-1)).toMatchObject({ tool: 'delete_custom_field', outcome: 'refused' });
  });

  it('a confirm token for one field does not delete another, and a layout change also makes it stale', async () => {
    const sb = h.sandboxes.acme!;
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'other', type: 'varchar' });
    const plan = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone' });
    const token = String(plan.structured.confirmToken);
    const mark = sb.requests.length;
    expect(await fails(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'other', confirm: token })).toMatch(/arguments differ/);
    // The detail layout that shows the field is edited in the CRM after the plan.
    const detail = sb.state.layouts.read('Lead', 'detail') as Array<{ rows: unknown[][] }>;
    detail[0]!.rows.push([{ name: 'title' }, false]);
    sb.state.layouts.save('Lead', 'detail', JSON.stringify(detail.map((p, i) => (i === 0 ? { ...p, rows: p.rows.filter((r, j) => j !== 2) } : p))));
    expect(await fails(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone', confirm: token })).toMatch(/changed since the plan/);
    expect(writes(sb, mark)).toEqual([]);
  });

  it('refused calls are audited as refused, with the reason', async () => {
    // Calls stopped before the handler (unknown tenant, schema errors) and reads leave no audit line.
    const notHandled = new Set(['unknown tenant', 'rebuild an unknown tenant', 'describe an unknown entity', 'layout that is not offered']);
    const refused = (await h.audit.read()).filter((e) => e.outcome === 'refused');
    expect(refused.length).toBeGreaterThanOrEqual(cases.filter((c) => !notHandled.has(c[0])).length);
    expect(refused.every((e) => typeof e.error === 'string' && e.error.length > 0 && e.tenant === 'acme')).toBe(true);
  });
});
