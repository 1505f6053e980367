/**
 * The whole life of a custom field, for every type the field spec core creates: create (read back
 * from the sandbox's metadata), describe_entity, update (read back), delete (plan with the record
 * count and the layouts, then confirm), all through an MCP client against the sandbox over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { SUPPORTED_FIELD_TYPES } from '../../src/core/fieldSpec/index.js';
import { describeField, ok, writes } from './schema.helpers.js';

interface TypeCase {
  type: keyof typeof SUPPORTED_FIELD_TYPES;
  create: Record<string, unknown>;
  /** What the sandbox's metadata must hold after the create. */
  stored: Record<string, unknown>;
  update: Record<string, unknown>;
  /** What it must hold after the update. */
  updated: Record<string, unknown>;
  /** A value to put in two records, so the delete plan counts 2. */
  value: unknown;
  /** Records counted as holding a value (default 2); with a default, every record holds one. */
  count?: number;
  /** Records whose value differs from the default, for fields with a default. */
  otherThanDefault?: number;
  /** Where the field goes on create, when it goes somewhere. */
  layouts?: string[];
}

/** The harness's sandboxes hold 20 leads. */
const LEADS = 20;

const cases: TypeCase[] = [
  { type: 'varchar', create: { maxLength: 80 }, stored: { maxLength: 80 }, update: { maxLength: 120 }, updated: { maxLength: 120 }, value: 'Nord', layouts: ['detail', 'filters'] },
  { type: 'text', create: { params: { rows: 4 } }, stored: { rows: 4 }, update: { label: 'Notes longues', params: { rows: 6 } }, updated: { rows: 6 }, value: 'Une note' },
  { type: 'wysiwyg', create: { params: { height: 200 } }, stored: { height: 200 }, update: { required: true }, updated: { required: true }, value: '<p>Bonjour</p>', layouts: ['detail'] },
  { type: 'url', create: { maxLength: 200 }, stored: { maxLength: 200 }, update: { params: { strip: true } }, updated: { strip: true }, value: 'https://example.com' },
  { type: 'int', create: { min: 0, max: 100, default: 5 }, stored: { min: 0, max: 100, default: 5 }, update: { max: 200 }, updated: { max: 200, min: 0 }, value: 7, count: LEADS, otherThanDefault: 2, layouts: ['list', 'massUpdate'] },
  { type: 'float', create: { decimalPlaces: 2, min: 0 }, stored: { decimalPlaces: 2, min: 0 }, update: { max: 1000.5 }, updated: { max: 1000.5 }, value: 1.5 },
  { type: 'currency', create: { min: 0 }, stored: { min: 0 }, update: { max: 1000000 }, updated: { max: 1000000 }, value: 100, layouts: ['detail', 'list'] },
  { type: 'bool', create: { default: true }, stored: { default: true }, update: { audited: true }, updated: { audited: true, default: true }, value: false, count: LEADS - 2, otherThanDefault: 2, layouts: ['filters'] },
  { type: 'date', create: { default: 'today' }, stored: { default: 'javascript: return this.dateTime.getToday();' }, update: { required: true }, updated: { required: true }, value: '2024-03-01', layouts: ['detailSmall'] },
  { type: 'datetime', create: {}, stored: {}, update: { required: true }, updated: { required: true }, value: '2024-03-01 10:00:00' },
  {
    type: 'enum',
    create: { options: ['Nord', 'Sud', 'Est'], default: 'Nord', style: { Sud: 'success' } },
    stored: { options: ['Nord', 'Sud', 'Est'], default: 'Nord', style: { Sud: 'success' } },
    update: { addOptions: ['Ouest'], optionLabels: { Ouest: 'Ouest (côte)' } },
    updated: { options: ['Nord', 'Sud', 'Est', 'Ouest'] },
    value: 'Sud',
    count: LEADS,
    otherThanDefault: 2,
    layouts: ['detail', 'list', 'filters', 'massUpdate'],
  },
  {
    type: 'multiEnum',
    create: { options: ['Rouge', 'Vert', 'Bleu'], maxCount: 2 },
    stored: { options: ['Rouge', 'Vert', 'Bleu'], maxCount: 2, storeArrayValues: true },
    update: { removeOptions: ['Bleu'] },
    updated: { options: ['Rouge', 'Vert'] },
    value: ['Rouge'],
    layouts: ['detail'],
  },
  { type: 'checklist', create: { options: ['Appel', 'Devis'] }, stored: { options: ['Appel', 'Devis'] }, update: { options: ['Appel', 'Devis', 'Relance'] }, updated: { options: ['Appel', 'Devis', 'Relance'] }, value: ['Appel'] },
  { type: 'array', create: { maxCount: 3 }, stored: { maxCount: 3 }, update: { maxCount: 5 }, updated: { maxCount: 5 }, value: ['x'] },
];

describe('every supported field type: create, describe, update, delete', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme' }]);
  });
  afterAll(async () => h?.close());

  it('covers every type the field spec core creates', () => {
    expect(cases.map((c) => c.type).sort()).toEqual(Object.keys(SUPPORTED_FIELD_TYPES).sort());
  });

  for (const c of cases) {
    it(`${c.type}`, async () => {
      const sb = h.sandboxes.acme!;
      const name = `t_${c.type}`;
      const base = `t${c.type[0]!.toUpperCase()}${c.type.slice(1)}`;
      const stored = `c${base[0]!.toUpperCase()}${base.slice(1)}`;

      // Create, verified by the tool and in the sandbox.
      const created = await ok(h, 'create_custom_field', { tenant: 'acme', entity: 'Lead', name, type: c.type, ...c.create, ...(c.layouts ? { addToLayouts: c.layouts } : {}) });
      expect(created.structured).toMatchObject({ status: 'created', field: stored, type: c.type, verified: true });
      expect(sb.state.metadata.fieldDef('Lead', stored)).toMatchObject({ type: c.type, isCustom: true, ...c.stored });
      for (const l of c.layouts ?? []) expect(JSON.stringify(sb.state.layouts.read('Lead', l)), l).toContain(`"${stored}"`);

      // describe_entity shows it, and where.
      const info = await describeField(h, 'acme', 'Lead', stored);
      expect(info).toMatchObject({ name: stored, type: c.type, custom: true });
      expect(info?.layouts?.filter((l) => (c.layouts ?? []).includes(l)).sort()).toEqual([...(c.layouts ?? [])].sort());

      // Update: read-modify-write with the full definition (type included).
      const before = sb.requests.length;
      const updated = await ok(h, 'update_custom_field', { tenant: 'acme', entity: 'Lead', name, ...c.update });
      expect(updated.structured).toMatchObject({ status: 'updated', field: stored, verified: true });
      expect((updated.structured.diff as unknown[]).length).toBeGreaterThan(0);
      expect(sb.state.metadata.fieldDef('Lead', stored)).toMatchObject({ type: c.type, ...c.updated });
      expect(writes(sb, before)).toEqual([`PUT Admin/fieldManager/Lead/${stored}`]);
      const put = sb.requests.slice(before).find((r) => r.method === 'PUT');
      expect(put?.status).toBe(200);
      if (c.update.label) expect(sb.state.i18n.label('Lead', stored)).toBe(c.update.label);

      // The same update again: unchanged, no write (removing an option that is gone is reported instead).
      const mark = sb.requests.length;
      const again = await h.call('update_custom_field', { tenant: 'acme', entity: 'Lead', name, ...c.update });
      if (c.update.removeOptions) expect(again.text).toMatch(/Cannot remove "Bleu": it is not an option/);
      else expect(again.structured.status).toBe('unchanged');
      expect(writes(sb, mark)).toEqual([]);

      // Two records hold a value: the delete plan counts them.
      const ids = sb.state.records.list('Lead', new URLSearchParams('maxSize=2&orderBy=createdAt&order=asc'), { noTotal: false, isAdmin: true }).list.map((r) => String(r.id));
      for (const id of ids) sb.state.records.update('Lead', id, { [stored]: c.value });

      const planMark = sb.requests.length;
      const plan = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name });
      expect(plan.structured).toMatchObject({ status: 'planned', field: stored });
      const records = plan.structured.records as { count: number; otherThanDefault?: number };
      expect(records.count).toBe(c.count ?? 2);
      expect(records.otherThanDefault).toBe(c.otherThanDefault);
      expect(((plan.structured.layouts as Array<{ layout: string }>).map((l) => l.layout)).sort()).toEqual([...(c.layouts ?? [])].sort());
      expect(String(plan.structured.dataKept)).toMatch(/keeps its database column/);
      expect(writes(sb, planMark)).toEqual([]);
      const countQuery = sb.requests.slice(planMark).find((r) => r.method === 'GET' && r.path === 'Lead');
      expect(decodeURIComponent(countQuery?.query ?? '')).toContain('maxSize=0');

      const del = await ok(h, 'delete_custom_field', { tenant: 'acme', entity: 'Lead', name, confirm: plan.structured.confirmToken });
      expect(del.structured).toMatchObject({ status: 'deleted', field: stored });
      expect(sb.state.metadata.fieldDef('Lead', stored)).toBeUndefined();
      for (const l of c.layouts ?? []) expect(JSON.stringify(sb.state.layouts.read('Lead', l)), l).not.toContain(`"${stored}"`);
      const change = (await h.audit.findChange(String(del.structured.changeId)))?.change;
      expect(change).toMatchObject({ kind: 'field_delete', entity: 'Lead', field: stored, after: null });
      expect((change?.before as { definition: { type: string } }).definition.type).toBe(c.type);
      expect((change?.before as { createBody: Record<string, unknown> }).createBody).toMatchObject({ name: base, type: c.type });
      expect(change?.related?.map((r) => r.layout).sort()).toEqual([...(c.layouts ?? [])].sort());
    });
  }
});
