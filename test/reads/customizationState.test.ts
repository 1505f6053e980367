import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { readCustomization } from '../../src/reads/customizationState.js';
import { LOCAL_PRINCIPAL } from '../../src/tenants/policy.js';
import type { Sandbox } from '../../src/sandbox/index.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness([{ id: 'acme' }, { id: 'old', sandbox: { version: '8.1.0' } }]);
  for (const tenant of ['acme', 'old']) {
    const created = await h.call('create_custom_field', {
      tenant,
      entity: 'Lead',
      name: 'secteur',
      type: 'enum',
      label: 'Secteur',
      options: ['Transport', 'Logistique'],
      optionLabels: { Transport: 'Transport routier' },
      addToLayouts: ['detail'],
    });
    expect(created.isError, created.text).toBe(false);
    const edited = await h.call('edit_layout', { tenant, entity: 'Lead', layout: 'list', operations: [{ op: 'remove_field', field: 'emailAddress' }] });
    expect(edited.isError, edited.text).toBe(false);
  }
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const tenant = (id: string) => h.registry.resolve(id, LOCAL_PRINCIPAL);

/** The layout exactly as the sandbox serves it to an admin. */
async function servedText(sb: Sandbox, entity: string, layout: string): Promise<string> {
  const auth = Buffer.from(`${sb.credentials.admin.username}:${sb.credentials.admin.password}`).toString('base64');
  const res = await fetch(`${sb.apiUrl}/${entity}/layout/${layout}`, { headers: { Authorization: `Basic ${auth}` } });
  expect(res.status).toBe(200);
  return res.text();
}

describe('readCustomization', () => {
  it('reads the custom fields with their definition and labels, and the layouts as served (EspoCRM 9: the c prefix)', async () => {
    const state = await readCustomization(tenant('acme'), undefined, { entities: ['lead'], history: h.audit });
    expect(state.tenant).toBe('acme');
    expect(state.prefixCustom).toBe(true);
    expect(state.entities).toEqual(['Lead']);
    expect(Date.parse(state.readAt)).not.toBeNaN();
    expect(state.languages).toEqual(['en_US']);

    const secteur = state.fields.find((f) => f.name === 'cSecteur');
    expect(secteur).toMatchObject({ entity: 'Lead', type: 'enum', isCustom: true, labels: { en_US: 'Secteur' } });
    expect(secteur?.definition['options']).toEqual(['Transport', 'Logistique']);
    expect(secteur?.optionLabels?.['en_US']?.['Transport']).toBe('Transport routier');
    // Only custom fields are kept; every field's type is in entityInfo.
    expect(state.fields.every((f) => f.isCustom)).toBe(true);
    expect(state.fields.some((f) => f.name === 'firstName')).toBe(false);
    expect(state.entityInfo?.['Lead']).toMatchObject({ customizable: true, isCustom: false, layoutsEditable: true });
    expect(state.entityInfo?.['Lead']?.fields['firstName']).toBe('varchar');
    expect(state.entityInfo?.['Lead']?.fields['cSecteur']).toBe('enum');

    // Every placement layout is read; one this server edited (edit_layout) is marked customised. A
    // placement by create_custom_field is recorded with the field, not as a layout change, so the
    // history does not mark it (the layout is kept all the same).
    expect(state.layouts.map((l) => l.layout).sort()).toEqual(['detail', 'detailSmall', 'filters', 'list', 'massUpdate']);
    const byName = Object.fromEntries(state.layouts.map((l) => [l.layout, l]));
    expect(byName['list']?.customized).toBe(true);
    expect(byName['detailSmall']?.customized).toBe(false);
    const sb = h.sandboxes['acme']!;
    for (const l of state.layouts) expect(l.json, l.layout).toBe(await servedText(sb, 'Lead', l.layout));
    expect(byName['detail']?.json).toContain('cSecteur');
    expect(byName['list']?.json).not.toContain('emailAddress');
  });

  it('before EspoCRM 8.2 the field has no c prefix', async () => {
    const state = await readCustomization(tenant('old'), undefined, { entities: ['Lead'], history: h.audit });
    expect(state.version).toBe('8.1.0');
    expect(state.prefixCustom).toBe(false);
    const secteur = state.fields.find((f) => f.entity === 'Lead' && f.type === 'enum');
    expect(secteur?.name).toBe('secteur');
    expect(state.fields.some((f) => f.name === 'cSecteur')).toBe(false);
    expect(state.layouts.find((l) => l.layout === 'detail')?.json).toContain('"secteur"');
  });

  it('reads every customizable entity by default, and notes what it could not read', async () => {
    const state = await readCustomization(tenant('acme'), undefined, { layouts: ['detail', 'nosuchlayout'], labels: false });
    expect(state.entities).toEqual(expect.arrayContaining(['Account', 'Contact', 'Lead']));
    expect(state.languages).toEqual([]);
    expect(state.fields.find((f) => f.name === 'cSecteur')?.labels).toEqual({});
    expect(state.layouts.every((l) => l.layout === 'detail')).toBe(true);
    expect(state.notes?.join(' ')).toMatch(/Lead\.nosuchlayout/);
    // Without the history, nothing is known customised, and the state says so.
    expect(state.layouts.every((l) => !l.customized)).toBe(true);
    expect(state.notes?.join(' ')).toMatch(/no recorded history/);
  });

  it('an unknown entity is a note, not a failure', async () => {
    const state = await readCustomization(tenant('acme'), undefined, { entities: ['Lead', 'Spaceship'], layouts: [] });
    expect(state.entities).toEqual(['Lead']);
    expect(state.notes?.join(' ')).toMatch(/"Spaceship" is not in this CRM's metadata/);
  });

  it('reads each layout once, and nothing is written', async () => {
    const sb = h.sandboxes['acme']!;
    const mark = sb.requests.length;
    const state = await readCustomization(tenant('acme'), undefined, { labels: false });
    const reads = sb.requests.slice(mark);
    expect(reads.filter((r) => r.method !== 'GET')).toEqual([]);
    const layoutPaths = reads.filter((r) => /\/layout\//.test(r.path)).map((r) => r.path);
    expect(new Set(layoutPaths).size).toBe(layoutPaths.length);
    expect(layoutPaths.length).toBe(state.entities!.length * 5);
  });

  it('stops when the signal is aborted', async () => {
    const ctrl = new AbortController();
    ctrl.abort(new Error('stop'));
    await expect(readCustomization(tenant('acme'), ctrl.signal, { entities: ['Lead'] })).rejects.toThrow();
    const sb = h.sandboxes['acme']!;
    const mark = sb.requests.length;
    const ctrl2 = new AbortController();
    const p = readCustomization(tenant('acme'), ctrl2.signal, { labels: false });
    ctrl2.abort(new Error('stop'));
    await expect(p).rejects.toThrow();
    const layoutReads = sb.requests.slice(mark).filter((r) => /\/layout\//.test(r.path)).length;
    const all = (await readCustomization(tenant('acme'), undefined, { labels: false })).layouts.length;
    expect(layoutReads).toBeLessThan(all);
  });
});

describe('the transport blueprint planned on what readCustomization reads', () => {
  it.each(['acme', 'old'])('%s: plans the missing options and the list placement; once they are made, the plan is empty', async (id) => {
    const { readFileSync } = await import('node:fs');
    const { parseBlueprint } = await import('../../src/core/blueprint/schema.js');
    const { planBlueprint } = await import('../../src/core/blueprint/plan.js');
    const transport = parseBlueprint(readFileSync(new URL('../../blueprints/transport.json', import.meta.url), 'utf8'), 'transport.json');
    const field = id === 'acme' ? 'cSecteur' : 'secteur';

    const before = planBlueprint(transport, await readCustomization(tenant(id), undefined, { entities: ['Lead'] }));
    expect(before.conflicts).toEqual([]);
    // The empty option can only come first: the whole list is set, the current options kept.
    const options = ['', 'Transport', 'Logistique', 'Transport routier', 'Messagerie', 'Déménagement'];
    expect(before.steps).toEqual([
      { kind: 'update_field', entity: 'Lead', field, set: { options }, before: { options: ['Transport', 'Logistique'] } },
      { kind: 'place_field', entity: 'Lead', field, layout: 'list' },
    ]);

    // Made with the tools a blueprint's steps map to.
    const added = await h.call('update_custom_field', { tenant: id, entity: 'Lead', name: field, options });
    expect(added.isError, added.text).toBe(false);
    const placed = await h.call('edit_layout', { tenant: id, entity: 'Lead', layout: 'list', operations: [{ op: 'add_field', field }] });
    expect(placed.isError, placed.text).toBe(false);

    const after = planBlueprint(transport, await readCustomization(tenant(id), undefined, { entities: ['Lead'], fresh: true }));
    expect(after).toMatchObject({ steps: [], conflicts: [] });
  });
});
