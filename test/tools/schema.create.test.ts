/**
 * create_custom_field end to end (MCP client -> server -> sandbox over HTTP): the main case (an enum
 * "Secteur" on Lead, on the detail and list layouts, then the same call again answering unchanged),
 * dry runs, name mapping, the conflict with a different definition, a partial failure injected in
 * the sandbox, and a sandbox behaving as EspoCRM 8.1 (no prefix, no Metadata?key=).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { describeField, fails, ok, writes } from './schema.helpers.js';
import { call } from '../sandbox/client.js';

type LayoutOut = { layout: string; status: string; change: string; diff?: string; error?: string; changeId?: string };

describe('create_custom_field', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme' }]);
  });
  afterAll(async () => h?.close());

  const secteur = {
    tenant: 'acme',
    entity: 'Lead',
    name: 'secteur',
    label: 'Secteur',
    type: 'enum',
    options: ['Transport', 'Logistique', 'Industrie', { value: 'Agro', label: 'Agroalimentaire' }],
    addToLayouts: ['detail', { layout: 'list', width: 12, after: 'status' }],
  };

  it('main case: creates the enum "Secteur" as cSecteur, places it on detail and list, verified in the CRM', async () => {
    const sb = h.sandboxes.acme!;
    const before = sb.requests.length;
    const { structured: s, text } = await ok(h, 'create_custom_field', secteur);
    expect(s.status).toBe('created');
    expect(s.field).toBe('cSecteur');
    expect(s.sentName).toBe('secteur');
    expect(s.verified).toBe(true);
    expect(typeof s.changeId).toBe('string');
    expect(String(s.rebuild)).toMatch(/no rebuild call is needed/);
    expect((s.notes as string[]).join(' ')).toMatch(/stored as "cSecteur"/);
    expect(text).toMatch(/Created enum field "cSecteur"/);

    // The sandbox got exactly one field create (with the base name) and two layout saves.
    const w = writes(sb, before);
    expect(w).toEqual(['POST Admin/fieldManager/Lead', 'PUT Lead/layout/detail', 'PUT Lead/layout/list']);
    expect(sb.state.metadata.fieldDef('Lead', 'cSecteur')).toMatchObject({ type: 'enum', options: ['Transport', 'Logistique', 'Industrie', 'Agro'], isCustom: true });
    expect(sb.state.i18n.label('Lead', 'cSecteur')).toBe('Secteur');
    expect(sb.state.i18n.options('Lead', 'cSecteur')).toMatchObject({ Agro: 'Agroalimentaire' });
    const list = sb.state.layouts.read('Lead', 'list') as Array<{ name: string; width?: number }>;
    expect(list.map((c) => c.name)).toEqual(['name', 'status', 'cSecteur', 'emailAddress', 'assignedUser', 'createdAt']);
    expect(list.find((c) => c.name === 'cSecteur')?.width).toBe(12);
    const detail = JSON.stringify(sb.state.layouts.read('Lead', 'detail'));
    expect(detail).toContain('"cSecteur"');

    const layouts = s.layouts as LayoutOut[];
    expect(layouts.map((l) => [l.layout, l.status])).toEqual([['detail', 'added'], ['list', 'added']]);
    expect(layouts[1]!.diff).toMatch(/\+ .*cSecteur/);

    // describe_entity shows it, with its option labels and layouts.
    const f = await describeField(h, 'acme', 'Lead', 'secteur');
    expect(f).toMatchObject({ name: 'cSecteur', type: 'enum', label: 'Secteur', custom: true, required: false });
    expect(f?.options).toContainEqual({ value: 'Agro', label: 'Agroalimentaire' });
    expect(f?.layouts).toEqual(expect.arrayContaining(['detail', 'list']));

    // The audit line holds the change record undo_change needs.
    const entry = (await h.audit.findChange(String(s.changeId)));
    expect(entry?.outcome).toBe('applied');
    expect(entry?.change).toMatchObject({ kind: 'field_create', entity: 'Lead', field: 'cSecteur', before: null, after: { label: 'Secteur', definition: { type: 'enum' } } });
    expect(entry?.change?.related?.map((r) => r.layout)).toEqual(['detail', 'list']);
    const related = entry!.change!.related!;
    expect(JSON.stringify(related[1]!.before)).not.toContain('cSecteur');
    expect(JSON.stringify(related[1]!.after)).toContain('cSecteur');
  });

  it('main case again: the same call answers unchanged and writes nothing', async () => {
    const sb = h.sandboxes.acme!;
    const before = sb.requests.length;
    const { structured: s, text } = await ok(h, 'create_custom_field', secteur);
    expect(s.status).toBe('unchanged');
    expect(s.field).toBe('cSecteur');
    expect(s.changeId).toBeUndefined();
    expect((s.layouts as LayoutOut[]).every((l) => l.status === 'already_there')).toBe(true);
    expect(text).toMatch(/Unchanged/);
    expect(writes(sb, before)).toEqual([]);
    expect((await h.audit.read()).at(-1)).toMatchObject({ tool: 'create_custom_field', outcome: 'unchanged' });
  });

  it('also answers unchanged when the stored name is given ("cSecteur" never becomes "cCSecteur")', async () => {
    const sb = h.sandboxes.acme!;
    const before = sb.requests.length;
    const { structured: s } = await ok(h, 'create_custom_field', { ...secteur, name: 'cSecteur', addToLayouts: undefined });
    expect(s.status).toBe('unchanged');
    expect(writes(sb, before)).toEqual([]);
    expect(sb.state.metadata.fieldDef('Lead', 'cCSecteur')).toBeUndefined();
  });

  it('refuses a different definition under the existing name and points to update_custom_field', async () => {
    const sb = h.sandboxes.acme!;
    const before = sb.requests.length;
    const msg = await fails(h, 'create_custom_field', { ...secteur, options: ['Transport', 'Autre'], addToLayouts: undefined });
    expect(msg).toMatch(/already has a custom field "cSecteur" with a different definition/);
    expect(msg).toMatch(/update_custom_field/);
    expect(writes(sb, before)).toEqual([]);
    expect((await h.audit.read()).at(-1)).toMatchObject({ tool: 'create_custom_field', outcome: 'refused' });
  });

  it('dry run: returns the body, the expected definition and the layout diffs without writing', async () => {
    const sb = h.sandboxes.acme!;
    const before = sb.requests.length;
    const { structured: s, text } = await ok(h, 'create_custom_field', {
      tenant: 'acme',
      entity: 'lead',
      name: 'secteur_transport',
      label: "Secteur d'activité",
      type: 'string',
      maxLength: 60,
      addToLayouts: [{ layout: 'detail', panel: 'Details', fullWidth: true }],
      dryRun: true,
    });
    expect(s.status).toBe('planned');
    expect(s.field).toBe('cSecteurTransport');
    expect(s.entity).toBe('Lead');
    expect(s.body).toEqual({ name: 'secteurTransport', type: 'varchar', label: "Secteur d'activité", maxLength: 60 });
    expect(s.definition).toEqual({ type: 'varchar', maxLength: 60 });
    const notes = (s.notes as string[]).join(' ');
    expect(notes).toMatch(/secteur_transport.*secteurTransport/);
    expect(notes).toMatch(/"string" is read as "varchar"/);
    expect((s.layouts as LayoutOut[])[0]).toMatchObject({ layout: 'detail', status: 'planned' });
    expect((s.layouts as LayoutOut[])[0]!.diff).toMatch(/\+ .*cSecteurTransport/);
    expect(text).toMatch(/PLAN \(dry run/);
    expect(writes(sb, before)).toEqual([]);
    expect(sb.state.metadata.fieldDef('Lead', 'cSecteurTransport')).toBeUndefined();
  });

  it('reports a partial failure: field created, detail saved, list refused by the CRM; says how to undo or finish', async () => {
    const sb = h.sandboxes.acme!;
    sb.faults.add({ method: 'PUT', path: 'Lead/layout/list', kind: 'status', status: 500 });
    try {
      const { structured: s, text } = await ok(h, 'create_custom_field', {
        tenant: 'acme',
        entity: 'Lead',
        name: 'budget',
        type: 'int',
        min: 0,
        addToLayouts: ['detail', 'list'],
      });
      expect(s.status).toBe('partial');
      expect(s.field).toBe('cBudget');
      expect(s.verified).toBe(true);
      const layouts = s.layouts as LayoutOut[];
      expect(layouts.map((l) => [l.layout, l.status])).toEqual([['detail', 'added'], ['list', 'failed']]);
      expect(layouts[1]!.error).toMatch(/500/);
      const undo = String(s.undo);
      expect(undo).toMatch(/Field created as "cBudget" on Lead; layouts detail saved; list failed/);
      expect(undo).toContain(`undo_change {"changeId": "${String(s.changeId)}"}`);
      expect(undo).toMatch(/delete_custom_field \{"entity": "Lead", "name": "cBudget"\}/);
      expect(text).toMatch(/^PARTIAL/);
      expect(sb.state.metadata.fieldDef('Lead', 'cBudget')).toMatchObject({ type: 'int', min: 0 });
      expect(JSON.stringify(sb.state.layouts.read('Lead', 'detail'))).toContain('cBudget');
      expect(JSON.stringify(sb.state.layouts.read('Lead', 'list'))).not.toContain('cBudget');
      const entry = (await h.audit.findChange(String(s.changeId)));
      expect(entry?.outcome).toBe('partial');
      expect(entry?.change?.kind).toBe('field_create');
      expect(entry?.change?.related?.map((r) => r.layout)).toEqual(['detail']);
    } finally {
      sb.faults.clear();
    }

    // Finishing: the same call again leaves the field alone and adds only the missing layout.
    const before = sb.requests.length;
    const { structured: again } = await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'budget', type: 'int', min: 0, addToLayouts: ['detail', 'list'] });
    expect(again.status).toBe('layouts_added');
    expect((again.layouts as LayoutOut[]).map((l) => [l.layout, l.status])).toEqual([['detail', 'already_there'], ['list', 'added']]);
    expect(writes(sb, before)).toEqual(['PUT Lead/layout/list']);
    const layoutChange = (await h.audit.findChange(String(again.changeId)));
    expect(layoutChange?.change).toMatchObject({ kind: 'layout', entity: 'Lead', layout: 'list' });
  });

  it('accepts any Unicode label and reports the name mapping', async () => {
    // Accents are not allowed in names: the tool suggests an ASCII name and keeps the wording for the label.
    const msg = await fails(h, 'create_custom_field', { tenant: 'acme', entity: 'Account', name: 'Nom du gérant', type: 'varchar' });
    expect(msg).toMatch(/"nomDuGerant"/);
    const { structured: m } = await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Account', name: 'nom_gerant', label: 'Nom du gérant (Müller & Søn)', type: 'varchar' });
    expect(m.field).toBe('cNomGerant');
    expect(h.sandboxes.acme!.state.i18n.label('Account', 'cNomGerant')).toBe('Nom du gérant (Müller & Søn)');
  });
});

describe('create_custom_field on EspoCRM 8.1 (no "c" prefix, no Metadata?key=)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'old', sandbox: { version: '8.1.0' } }]);
  });
  afterAll(async () => h?.close());

  it('stores the name unprefixed, verifies it through the whole metadata, and is idempotent', async () => {
    const sb = h.sandboxes.old!;
    const args = { tenant: 'old', entity: 'Lead', name: 'secteur', label: 'Secteur', type: 'enum', options: ['Transport', 'Logistique'], addToLayouts: ['detail', 'list'] };
    const { structured: s } = await ok(h, 'create_custom_field', args);
    expect(s.status).toBe('created');
    expect(s.field).toBe('secteur');
    expect(s.sentName).toBe('secteur');
    expect(s.verified).toBe(true);
    expect((s.notes as string[]).join(' ')).not.toMatch(/prefix/);
    expect(sb.state.metadata.fieldDef('Lead', 'secteur')).toMatchObject({ type: 'enum', isCustom: true });
    expect(sb.state.metadata.fieldDef('Lead', 'cSecteur')).toBeUndefined();
    // Metadata was read without relying on ?key= (8.1 ignores it and serves everything).
    const metadataReads = sb.requests.filter((r) => r.method === 'GET' && r.path === 'Metadata');
    expect(metadataReads.length).toBeGreaterThan(0);

    const before = sb.requests.length;
    const { structured: again } = await ok(h, 'create_custom_field', args);
    expect(again.status).toBe('unchanged');
    expect(writes(sb, before)).toEqual([]);

    const f = await describeField(h, 'old', 'Lead', 'secteur');
    expect(f).toMatchObject({ name: 'secteur', custom: true, label: 'Secteur' });
    const d = await ok(h, 'describe_entity', { tenant: 'old', entity: 'Lead', includeLayouts: false });
    expect(d.structured.version).toBe('8.1.0');
    expect(d.structured.customPrefix).toBe(false);
  });

  it('the 8.1 sandbox ignores Metadata?key= and has App/about', async () => {
    const sb = h.sandboxes.old!;
    const scopes = (await call(sb, 'Metadata?key=scopes', { auth: 'api' })).json as Record<string, unknown>;
    expect(Object.keys(scopes)).toEqual(expect.arrayContaining(['scopes', 'entityDefs', 'fields']));
    expect((await call(sb, 'App/about', { auth: 'api' })).json).toMatchObject({ version: '8.1.0' });
  });

  it('update and delete find the unprefixed field', async () => {
    const sb = h.sandboxes.old!;
    const { structured: u } = await ok(h, 'update_custom_field', { tenant: 'old', entity: 'Lead', name: 'secteur', addOptions: ['Industrie'] });
    expect(u.status).toBe('updated');
    expect(sb.state.metadata.fieldDef('Lead', 'secteur')?.options).toEqual(['Transport', 'Logistique', 'Industrie']);
    const { structured: plan } = await ok(h, 'delete_custom_field', { tenant: 'old', entity: 'Lead', name: 'secteur' });
    const { structured: del } = await ok(h, 'delete_custom_field', { tenant: 'old', entity: 'Lead', name: 'secteur', confirm: plan.confirmToken });
    expect(del.status).toBe('deleted');
    expect(sb.state.metadata.fieldDef('Lead', 'secteur')).toBeUndefined();
    expect((del.changeId as string).length).toBeGreaterThan(0);
    const entry = (await h.audit.findChange(String(del.changeId)));
    expect((entry?.change?.before as { createBody: { name: string } }).createBody.name).toBe('secteur');
  });
});

describe('create_custom_field on EspoCRM 8.0 (no App/about)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'older', sandbox: { version: '8.0.5' } }]);
  });
  afterAll(async () => h?.close());

  it('reads the version from App/user and creates the field unprefixed', async () => {
    const sb = h.sandboxes.older!;
    const { structured: s } = await ok(h, 'create_custom_field', { tenant: 'older', entity: 'Contact', name: 'region', type: 'varchar', maxLength: 40 });
    expect(s.field).toBe('region');
    expect(sb.state.metadata.fieldDef('Contact', 'region')).toMatchObject({ type: 'varchar', maxLength: 40, isCustom: true });
    expect((await call(sb, 'App/about', { auth: 'api' })).status).toBe(404);
  });
});
