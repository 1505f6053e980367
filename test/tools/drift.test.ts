/**
 * fleet_drift and compare_tenants through the MCP harness, on sandbox tenants: one in sync (the
 * transport blueprint's field created directly with create_custom_field), one drifted (no field), one
 * whose field lacks an option, one unreachable (a loopback port where nothing listens), one whose
 * policy excludes the schema reads; the drift and compare resources; nothing is ever written.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, writesIn, type Harness } from '../helpers/harness.js';
import { deadPort } from '../helpers/stack.js';


type Diff = { kind: string; entity: string; field?: string; layout?: string; expected?: unknown; actual?: unknown; summary: string };
type Row = { tenant: string; status: string; differences: Diff[]; reason?: string };

const transport = JSON.parse(await readFile(new URL('../../blueprints/transport.json', import.meta.url), 'utf8')) as {
  entities: { Lead: { fields: Array<{ name: string; type: string; label: string; options: string[]; layouts: string[] }> } };
};
const secteur = transport.entities.Lead.fields[0]!;

let h: Harness;
beforeAll(async () => {
  const down = `http://127.0.0.1:${await deadPort()}`;
  h = await startHarness([{ id: 'insync' }, { id: 'drifted' }, { id: 'partial' }, { id: 'down' }, { id: 'noschema' }], {
    tenantOverrides: { down: { url: down }, noschema: { tools: { exclude: ['describe_entity'] } } },
  });
  const create = async (tenant: string, options: string[]) => {
    const r = await h.call('create_custom_field', { tenant, entity: 'Lead', name: secteur.name, type: secteur.type, label: secteur.label, options, addToLayouts: secteur.layouts });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured.status).toBe('created');
  };
  await create('insync', secteur.options);
  await create('partial', secteur.options.filter((o) => o !== 'Logistique'));
});
afterAll(async () => h?.close());

const rows = (r: { structured: Record<string, unknown> }) => r.structured.tenants as Row[];

describe('fleet_drift', () => {
  it('says which tenants are in sync, drifted (with the differences), unreachable or skipped, and writes nothing', async () => {
    const marks = Object.fromEntries(Object.entries(h.sandboxes).map(([id, sb]) => [id, sb.requests.length]));
    const progress: number[] = [];
    const r = await h.call('fleet_drift', { blueprint: 'transport' }, { onprogress: (p) => progress.push(p.progress) });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured.blueprint).toBe('transport');
    const byTenant = Object.fromEntries(rows(r).map((x) => [x.tenant, x]));
    expect(rows(r).map((x) => [x.tenant, x.status])).toEqual([
      ['insync', 'in_sync'],
      ['drifted', 'drifted'],
      ['partial', 'drifted'],
      ['down', 'unreachable'],
      ['noschema', 'skipped'],
    ]);
    expect(r.structured.summary).toEqual({ total: 5, in_sync: 1, drifted: 2, unreachable: 1, skipped: 1 });
    expect(byTenant.insync!.differences).toEqual([]);
    // No field: the field and its two placements are missing, as data and in words.
    const d = byTenant.drifted!.differences;
    expect(d.map((x) => [x.kind, x.field, x.layout])).toEqual([
      ['field_missing', 'cSecteur', undefined],
      ['placement_missing', 'cSecteur', 'detail'],
      ['placement_missing', 'cSecteur', 'list'],
    ]);
    expect(d[0]).toMatchObject({ entity: 'Lead', expected: { type: 'enum', label: 'Secteur' } });
    expect(d[0]!.summary).toBe('Lead: no field cSecteur (enum)');
    // An option missing: only that.
    expect(byTenant.partial!.differences).toEqual([
      expect.objectContaining({ kind: 'options_missing', entity: 'Lead', field: 'cSecteur', expected: ['Logistique'], summary: 'Lead.cSecteur: option missing: "Logistique"' }),
    ]);
    expect(byTenant.down!.reason).toMatch(/^could not be read: /);
    expect(byTenant.down!.differences).toEqual([]);
    expect(byTenant.noschema!.reason).toMatch(/"describe_entity" is excluded for tenant "noschema"/);
    // The skipped tenant's CRM was not asked; nothing was written anywhere.
    expect(h.sandboxes.noschema!.requests.length).toBe(marks.noschema);
    for (const [id, sb] of Object.entries(h.sandboxes)) expect(writesIn(sb.requests.slice(marks[id])), id).toEqual([]);
    expect(progress.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(r.text).toMatch(/^Blueprint "transport" on 5 tenant\(s\): 1 in sync, 2 drifted, 1 unreachable, 1 skipped\./);
    expect(r.text).toContain('- partial: drifted (1 difference(s))\n  - Lead.cSecteur: option missing: "Logistique"');
    for (const sb of Object.values(h.sandboxes)) {
      expect(r.text).not.toContain(sb.credentials.apiKey);
      expect(r.text).not.toContain(sb.credentials.admin.password);
    }
  });

  it('takes the tenants named, a blueprint inline, and refuses what it cannot use with what to do', async () => {
    const r = await h.call('fleet_drift', { blueprint: 'transport', tenants: ['partial', 'insync'] });
    expect(rows(r).map((x) => [x.tenant, x.status])).toEqual([
      ['insync', 'in_sync'],
      ['partial', 'drifted'],
    ]);
    // Inline: a blueprint wanting a label the tenant does not have.
    const inline = { name: 'relabel', entities: { Lead: { fields: [{ ...secteur, label: 'Sector', layouts: ['detail'] }] } } };
    const r2 = await h.call('fleet_drift', { blueprint: inline, tenants: ['insync'] });
    expect(r2.isError, r2.text).toBe(false);
    expect(r2.structured.blueprint).toBe('relabel');
    const diff = rows(r2)[0]!.differences;
    expect(diff).toEqual([expect.objectContaining({ kind: 'label', field: 'cSecteur', expected: 'Sector', actual: 'Secteur' })]);
    // The CRM's current label is marked: quoted in the structured result, fenced in the text.
    expect(r2.text).toMatch(/label is <untrusted-data-[0-9a-f]+>"Secteur"<\/untrusted-data-[0-9a-f]+>, the blueprint wants "Sector"/);

    const unknown = await h.call('fleet_drift', { blueprint: 'transport', tenants: ['nope'] });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/nope/);
    const missing = await h.call('fleet_drift', { blueprint: 'no-such-blueprint' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/no blueprint named "no-such-blueprint".*Available: .*transport/s);
    const path = await h.call('fleet_drift', { blueprint: '../tenants' });
    expect(path.isError).toBe(true);
    expect(path.text).toMatch(/is a path/);
    const bad = await h.call('fleet_drift', { blueprint: { name: 'x', entities: { Lead: { fields: [{ name: 'a' }] } } } });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/type/);
  });

  it('shows only the tenants the caller sees; a hidden one named is refused like an unknown one', async () => {
    const scoped = await startHarness([{ id: 'mine' }, { id: 'theirs' }], { principal: { name: 'scoped', tenants: ['mine'] } });
    try {
      const r = await scoped.call('fleet_drift', { blueprint: 'transport' });
      expect(rows(r).map((x) => x.tenant)).toEqual(['mine']);
      const hidden = await scoped.call('fleet_drift', { blueprint: 'transport', tenants: ['theirs'] });
      const unknown = await scoped.call('fleet_drift', { blueprint: 'transport', tenants: ['nobody'] });
      expect(hidden.isError).toBe(true);
      expect(hidden.text.replace(/theirs/g, 'X')).toBe(unknown.text.replace(/nobody/g, 'X'));
      expect(scoped.sandboxes.theirs!.requests.filter((q) => q.path.startsWith('Metadata') || q.path.includes('layout'))).toEqual([]);
    } finally {
      await scoped.close();
    }
  });
});

describe('compare_tenants', () => {
  it('tenant against tenant: what one has that the other lacks, both ways; the same tenant twice is refused', async () => {
    const r = await h.call('compare_tenants', { tenant: 'drifted', against: { tenant: 'insync' } });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured).toMatchObject({ tenant: 'drifted', against: { kind: 'tenant', id: 'insync' }, same: false });
    const d = r.structured.differences as Diff[];
    expect(d.filter((x) => x.kind === 'field_missing').map((x) => `${x.entity}.${x.field}`)).toEqual(['Lead.cSecteur']);
    expect(d.some((x) => x.kind === 'layout_different' && x.entity === 'Lead' && x.layout === 'detail')).toBe(true);
    // Both sides are CRM data: the words are fenced as a whole.
    expect(r.text).toMatch(/<untrusted-data-[0-9a-f]+>Lead\.cSecteur \(enum\) is missing<\/untrusted-data-[0-9a-f]+>/);

    const back = await h.call('compare_tenants', { tenant: 'insync', against: { tenant: 'drifted' } });
    expect((back.structured.differences as Diff[]).filter((x) => x.kind === 'field_extra').map((x) => x.field)).toEqual(['cSecteur']);

    const partial = await h.call('compare_tenants', { tenant: 'partial', against: { tenant: 'insync' } });
    expect((partial.structured.differences as Diff[]).filter((x) => x.kind.startsWith('options'))).toEqual([
      expect.objectContaining({ kind: 'options_missing', field: 'cSecteur', expected: ['Logistique'] }),
    ]);

    // Some entities only: nothing differs on Account.
    const account = await h.call('compare_tenants', { tenant: 'drifted', against: { tenant: 'insync' }, entities: ['account'] });
    expect(account.isError, account.text).toBe(false);
    expect(account.structured).toMatchObject({ same: true, differences: [] });
    const onBlueprint = await h.call('compare_tenants', { tenant: 'drifted', against: { blueprint: 'transport' }, entities: ['Lead'] });
    expect(onBlueprint.isError).toBe(true);
    expect(onBlueprint.text).toMatch(/"entities" applies against a tenant only/);

    const self = await h.call('compare_tenants', { tenant: 'insync', against: { tenant: 'insync' } });
    expect(self.isError).toBe(true);
    expect(self.text).toMatch(/names the tenant being compared/);
    const noschema = await h.call('compare_tenants', { tenant: 'insync', against: { tenant: 'noschema' } });
    expect(noschema.isError).toBe(true);
    expect(noschema.text).toMatch(/Not compared: "describe_entity" is excluded for tenant "noschema"/);
    const down = await h.call('compare_tenants', { tenant: 'insync', against: { tenant: 'down' } });
    expect(down.isError).toBe(true);
  });

  it('against a blueprint: the differences are its plan on the tenant', async () => {
    const r = await h.call('compare_tenants', { tenant: 'partial', against: { blueprint: 'transport' } });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured).toMatchObject({ tenant: 'partial', against: { kind: 'blueprint', id: 'transport' }, same: false });
    expect((r.structured.differences as Diff[]).map((x) => x.kind)).toEqual(['options_missing']);
    const same = await h.call('compare_tenants', { tenant: 'insync', against: { blueprint: 'transport' } });
    expect(same.structured).toMatchObject({ same: true, differences: [] });
    expect(same.text).toMatch(/^Tenant "insync" matches blueprint "transport"/);
  });

  it('against a snapshot of the same tenant; another tenant\'s snapshot id is not found', async () => {
    const snap = await h.call('snapshot_tenant', { tenant: 'partial' });
    expect(snap.isError, snap.text).toBe(false);
    const snapshotId = snap.structured.snapshotId as string;
    const same = await h.call('compare_tenants', { tenant: 'partial', against: { snapshotId } });
    expect(same.isError, same.text).toBe(false);
    expect(same.structured).toMatchObject({ same: true, against: { kind: 'snapshot', id: snapshotId } });
    // A change after the snapshot shows.
    const upd = await h.call('update_custom_field', { tenant: 'partial', entity: 'Lead', name: 'cSecteur', addOptions: ['Logistique'] });
    expect(upd.isError, upd.text).toBe(false);
    const after = await h.call('compare_tenants', { tenant: 'partial', against: { snapshotId } });
    expect((after.structured.differences as Diff[]).map((x) => [x.kind, x.field])).toContainEqual(['options_extra', 'cSecteur']);
    const other = await h.call('compare_tenants', { tenant: 'insync', against: { snapshotId } });
    expect(other.isError).toBe(true);
    expect(other.text).toMatch(/No snapshot .* of tenant "insync": a snapshot is looked up for the tenant compared/);
  });
});

describe('drift and compare resources', () => {
  const read = async (uri: string) => JSON.parse(((await h.client.readResource({ uri })).contents[0] as { text: string }).text) as Record<string, unknown>;

  it('espocrm://fleet/drift/{blueprint}: every tenant the caller sees against a blueprint of the folder, fenced', async () => {
    const res = await read('espocrm://fleet/drift/transport');
    const tenants = res.tenants as Row[];
    expect(tenants.map((t) => t.tenant)).toEqual(['insync', 'drifted', 'partial', 'down', 'noschema']);
    expect(tenants.find((t) => t.tenant === 'drifted')!.status).toBe('drifted');
    expect(tenants.find((t) => t.tenant === 'down')!.status).toBe('unreachable');
    expect(res.summary).toMatchObject({ total: 5, drifted: expect.any(Number) });
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(expect.arrayContaining(['espocrm://fleet/drift/{blueprint}', 'espocrm://tenants/{tenant}/compare/{other}']));
  });

  it('espocrm://tenants/{tenant}/compare/{other}: the comparison of two tenants the caller sees', async () => {
    const res = await read('espocrm://tenants/drifted/compare/insync');
    expect(res).toMatchObject({ tenant: 'drifted', against: { kind: 'tenant', id: 'insync' }, same: false });
    const d = res.differences as Diff[];
    expect(d.some((x) => x.kind === 'field_missing' && x.field === 'cSecteur')).toBe(true);
    expect(String(d[0]!.summary)).toMatch(/^<untrusted-data-[0-9a-f]+>/);
    await expect(h.client.readResource({ uri: 'espocrm://tenants/drifted/compare/nobody' })).rejects.toThrow(/nobody/);
  });
});
