/**
 * describe_entity (fields, labels, options, layouts, filters; metadata from the per-tenant cache,
 * refreshed by writes), update_custom_field details (dry run, labels, option labels, built-in
 * fields), and rebuild (steps, progress notifications, verification, dry run, failure).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { fails, ok, writes, type FieldInfo } from './schema.helpers.js';

describe('describe_entity', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme' }]);
  });
  afterAll(async () => h?.close());

  it('lists the fields with type, label, custom, required, options and layouts', async () => {
    const { structured: s, text } = await ok(h, 'describe_entity', { tenant: 'acme', entity: 'lead' });
    expect(s.entity).toBe('Lead');
    expect(s.version).toBe('9.1.7');
    expect(s.customPrefix).toBe(true);
    expect(s.layoutsChecked).toEqual(['detail', 'detailSmall', 'list', 'listSmall', 'filters', 'massUpdate', 'defaultSidePanel', 'kanban']);
    const fields = s.fields as FieldInfo[];
    const status = fields.find((f) => f.name === 'status')!;
    expect(status).toMatchObject({ type: 'enum', custom: false, default: 'New' });
    expect(status.options?.map((o) => o.value)).toEqual(['New', 'Assigned', 'In Process', 'Converted', 'Recycled', 'Dead']);
    expect(status.layouts).toEqual(expect.arrayContaining(['detail', 'list', 'filters', 'massUpdate']));
    expect(fields.find((f) => f.name === 'assignedUser')?.layouts).toContain('defaultSidePanel');
    expect(fields.every((f) => f.custom === false)).toBe(true);
    expect(text).toMatch(/- status \(enum\)/);
  });

  it('filters by field, custom only, and skips layouts on request', async () => {
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'taille', label: 'Taille', type: 'enum', options: ['', 'PME', 'ETI'], optionLabels: { '': '(aucune)', ETI: 'Entreprise de taille intermédiaire' }, required: true });
    const sb = h.sandboxes.acme!;
    const mark = sb.requests.length;
    const { structured: s } = await ok(h, 'describe_entity', { tenant: 'acme', entity: 'Lead', customOnly: true, includeLayouts: false });
    expect(s.layoutsChecked).toEqual([]);
    expect(sb.requests.slice(mark).some((r) => r.path.includes('/layout/'))).toBe(false);
    const fields = s.fields as FieldInfo[];
    expect(fields.map((f) => f.name)).toEqual(['cTaille']);
    expect(fields[0]).toMatchObject({ type: 'enum', label: 'Taille', custom: true, required: true });
    expect(fields[0]!.layouts).toBeUndefined();
    expect(fields[0]!.options).toEqual([{ value: '', label: '(aucune)' }, { value: 'PME' }, { value: 'ETI', label: 'Entreprise de taille intermédiaire' }]);

    const picked = await ok(h, 'describe_entity', { tenant: 'acme', entity: 'Lead', fields: ['taille', 'nope', 'status'] });
    expect((picked.structured.fields as FieldInfo[]).map((f) => f.name)).toEqual(['cTaille', 'status']);
    expect((picked.structured.notes as string[]).join(' ')).toMatch(/no field "nope"/);
    expect(await fails(h, 'describe_entity', { tenant: 'acme', entity: 'Lead', fields: ['nope'] })).toMatch(/no field "nope"/);
  });

  it('reads metadata from the cache, and sees changes made through the server at once', async () => {
    const sb = h.sandboxes.acme!;
    await ok(h, 'describe_entity', { tenant: 'acme', entity: 'Lead', includeLayouts: false });
    const mark = sb.requests.length;
    await ok(h, 'describe_entity', { tenant: 'acme', entity: 'Lead', includeLayouts: false });
    expect(sb.requests.slice(mark).filter((r) => r.path === 'Metadata')).toEqual([]);
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'fresh', type: 'bool' });
    const { structured } = await ok(h, 'describe_entity', { tenant: 'acme', entity: 'Lead', fields: ['fresh'], includeLayouts: false });
    expect((structured.fields as FieldInfo[])[0]).toMatchObject({ name: 'cFresh', type: 'bool' });
  });
});

describe('update_custom_field', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme' }]);
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'secteur', label: 'Secteur', type: 'enum', options: ['Transport', 'Industrie'], default: 'Transport', tooltip: 'Le secteur du prospect' });
  });
  afterAll(async () => h?.close());

  it('dry run shows the diff and the full body (type included) without writing', async () => {
    const sb = h.sandboxes.acme!;
    const mark = sb.requests.length;
    const { structured: s, text } = await ok(h, 'update_custom_field', { tenant: 'acme', entity: 'Lead', name: 'cSecteur', options: ['Transport', 'Industrie', 'Services'], dryRun: true });
    expect(s.status).toBe('planned');
    expect(s.diff).toEqual([{ key: 'options', before: ['Transport', 'Industrie'], after: ['Transport', 'Industrie', 'Services'] }]);
    expect(s.body).toMatchObject({ type: 'enum', options: ['Transport', 'Industrie', 'Services'], default: 'Transport' });
    expect(text).toMatch(/PLAN \(dry run/);
    expect(writes(sb, mark)).toEqual([]);
  });

  it('changes the label, option labels and tooltip, verified, with a change record for undo', async () => {
    const sb = h.sandboxes.acme!;
    const { structured: s } = await ok(h, 'update_custom_field', {
      tenant: 'acme',
      entity: 'Lead',
      name: 'secteur',
      label: "Secteur d'activité",
      addOptions: [{ value: 'Agro', label: 'Agroalimentaire' }],
      tooltip: 'Secteur principal',
    });
    expect(s.status).toBe('updated');
    expect(s.verified).toBe(true);
    const keys = (s.diff as Array<{ key: string }>).map((d) => d.key).sort();
    expect(keys).toEqual(['label', 'optionLabels.Agro', 'options', 'tooltip']);
    expect(sb.state.i18n.label('Lead', 'cSecteur')).toBe("Secteur d'activité");
    expect(sb.state.i18n.options('Lead', 'cSecteur')).toMatchObject({ Agro: 'Agroalimentaire' });
    expect(sb.state.i18n.tooltip('Lead', 'cSecteur')).toBe('Secteur principal');
    const change = (await h.audit.findChange(String(s.changeId)))!.change!;
    expect(change).toMatchObject({
      kind: 'field_update',
      entity: 'Lead',
      field: 'cSecteur',
      before: { label: 'Secteur', tooltip: 'Le secteur du prospect', definition: { options: ['Transport', 'Industrie'] } },
      after: { label: "Secteur d'activité", tooltip: 'Secteur principal', definition: { options: ['Transport', 'Industrie', 'Agro'] } },
    });
  });

  it('warns about records when options are removed', async () => {
    const { structured: s } = await ok(h, 'update_custom_field', { tenant: 'acme', entity: 'Lead', name: 'secteur', removeOptions: ['Industrie'] });
    expect((s.warnings as string[]).join(' ')).toMatch(/Options removed: "Industrie".*keep the old value/);
  });

  it('can change a built-in field, and says so', async () => {
    const sb = h.sandboxes.acme!;
    const { structured: s } = await ok(h, 'update_custom_field', { tenant: 'acme', entity: 'Lead', name: 'source', addOptions: ['Salon'] });
    expect(s.status).toBe('updated');
    expect((s.notes as string[]).join(' ')).toMatch(/built-in field/);
    expect(sb.state.metadata.fieldDef('Lead', 'source')?.options).toContain('Salon');
    expect(sb.state.metadata.fieldDef('Lead', 'source')?.isCustom).toBeUndefined();
  });
});

describe('rebuild', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme' }]);
  });
  afterAll(async () => h?.close());

  it('dry run explains the steps and runs nothing', async () => {
    const sb = h.sandboxes.acme!;
    const mark = sb.requests.length;
    const { structured: s } = await ok(h, 'rebuild', { tenant: 'acme', dryRun: true });
    expect(s.status).toBe('planned');
    expect((s.steps as Array<{ step: string; status: string }>).map((x) => `${x.step}:${x.status}`)).toEqual(['rebuild:planned', 'clearCache:planned', 'crmAnswers:planned', 'metadata:planned']);
    expect(writes(sb, mark)).toEqual([]);
    expect(sb.state.counters.rebuilds).toBe(0);
  });

  it('rebuilds, clears the cache, verifies the CRM and the recent changes, with progress', async () => {
    const sb = h.sandboxes.acme!;
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'secteur', type: 'enum', options: ['A', 'B'] });
    await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Account', name: 'gone', type: 'varchar' });
    const { structured: plan } = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Account', name: 'gone' });
    await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Account', name: 'gone', confirm: plan.confirmToken });

    const progress: Array<{ progress: number; total?: number }> = [];
    const res = await h.call('rebuild', { tenant: 'acme' }, { onprogress: (p) => progress.push(p) });
    expect(res.isError, res.text).toBe(false);
    const s = res.structured;
    expect(s.status).toBe('rebuilt');
    expect(s.healthy).toBe(true);
    expect(s.version).toBe('9.1.7');
    expect(typeof s.durationMs).toBe('number');
    expect((s.steps as Array<{ step: string; status: string }>).map((x) => `${x.step}:${x.status}`)).toEqual(['rebuild:ok', 'clearCache:ok', 'crmAnswers:ok', 'metadata:ok']);
    expect(s.checkedChanges).toEqual(expect.arrayContaining(['Lead.cSecteur present', 'Account.cGone absent']));
    expect(sb.state.counters).toMatchObject({ rebuilds: 1, cacheClears: 1 });
    expect(progress.map((p) => p.progress)).toEqual([0, 1, 2, 3, 4]);
    expect(progress.every((p) => p.total === 4)).toBe(true);
    expect((await h.audit.read()).at(-1)).toMatchObject({ tool: 'rebuild', outcome: 'applied' });
  });

  it('reloads metadata: a change made in the CRM directly shows after the rebuild', async () => {
    const sb = h.sandboxes.acme!;
    await ok(h, 'describe_entity', { tenant: 'acme', entity: 'Contact', includeLayouts: false });
    sb.state.metadata.setFieldDef('Contact', 'cOutside', { type: 'varchar', isCustom: true });
    const cached = await ok(h, 'describe_entity', { tenant: 'acme', entity: 'Contact', includeLayouts: false });
    expect((cached.structured.fields as FieldInfo[]).some((f) => f.name === 'cOutside')).toBe(false);
    await ok(h, 'rebuild', { tenant: 'acme', clearCache: false });
    expect(sb.state.counters.cacheClears).toBe(1);
    const after = await ok(h, 'describe_entity', { tenant: 'acme', entity: 'Contact', includeLayouts: false });
    expect((after.structured.fields as FieldInfo[]).some((f) => f.name === 'cOutside')).toBe(true);
  });

  it('reports a failed rebuild as an error and stops there', async () => {
    const sb = h.sandboxes.acme!;
    sb.faults.add({ method: 'POST', path: 'Admin/rebuild', kind: 'status', status: 500, times: 1 });
    const mark = sb.requests.length;
    const message = await fails(h, 'rebuild', { tenant: 'acme' });
    expect(message).toMatch(/The rebuild of tenant "acme" failed/);
    expect(writes(sb, mark)).toEqual(['POST Admin/rebuild']);
    expect((await h.audit.read()).at(-1)).toMatchObject({ tool: 'rebuild', outcome: 'failed' });
  });
});
