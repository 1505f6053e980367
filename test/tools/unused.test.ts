/**
 * find_unused_fields through the MCP client against the sandbox: custom fields created with
 * create_custom_field, some filled on records, some placed on layouts; the counts use `maxSize=0`
 * with the per-type condition, and the verdicts follow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

type FieldOut = { name: string; type: string; count: number | null; any: boolean | null; condition: string | null; layouts: string[]; verdict: string; why: string; otherThanDefault?: number | null; label?: string };
type EntityOut = { entity: string; customFields: number; fields: FieldOut[] };

describe('find_unused_fields', () => {
  let h: Harness;
  const create = async (args: Record<string, unknown>) => {
    const res = await h.call('create_custom_field', { tenant: 'acme', ...args });
    expect(res.isError, res.text).toBe(false);
  };

  beforeAll(async () => {
    h = await startHarness([{ id: 'acme', sandbox: { leads: 60, contacts: 20, accounts: 10, seed: 42 } }]);
    await create({ entity: 'Lead', name: 'filled', type: 'varchar', label: 'Filled', addToLayouts: ['detail'] });
    await create({ entity: 'Lead', name: 'empty', type: 'int', label: 'Empty', addToLayouts: ['detail', 'list'] });
    await create({ entity: 'Lead', name: 'hidden', type: 'varchar', label: 'Hidden' });
    await create({ entity: 'Lead', name: 'flag', type: 'bool', label: 'Flag', addToLayouts: ['detail'] });
    await create({ entity: 'Lead', name: 'tags', type: 'multiEnum', label: 'Tags', options: ['a', 'b'], addToLayouts: ['filters'] });
    await create({ entity: 'Account', name: 'tier', type: 'enum', label: 'Tier', options: ['Gold', 'Silver'], default: 'Silver', addToLayouts: ['detail'] });
    const sb = h.sandboxes.acme!;
    const leads = sb.state.records.list('Lead', new URLSearchParams({ maxSize: '10', select: 'id' }), { isAdmin: true, noTotal: false }).list.map((r) => String(r.id));
    for (const id of leads.slice(0, 3)) sb.state.records.update('Lead', id, { cFilled: 'yes' });
    sb.state.records.update('Lead', leads[4]!, { cHidden: 'only here' });
    sb.state.records.update('Lead', leads[5]!, { cFlag: false });
    sb.state.records.update('Lead', leads[6]!, { cTags: ['a'] });
  }, 60_000);
  afterAll(async () => h?.close());

  it('finds the custom fields no record fills and those no layout shows, with progress', async () => {
    const sb = h.sandboxes.acme!;
    const mark = sb.requests.length;
    const progress: number[] = [];
    const res = await h.call('find_unused_fields', { tenant: 'acme' }, { onprogress: (p) => progress.push(p.progress) });
    expect(res.isError, res.text).toBe(false);
    const entities = res.structured.entities as EntityOut[];
    expect(entities.map((e) => e.entity)).toEqual(['Lead', 'Contact', 'Account']);
    const lead = Object.fromEntries(entities[0]!.fields.map((f) => [f.name, f]));
    expect(lead.cFilled).toMatchObject({ count: 3, any: true, verdict: 'in_use', layouts: ['detail'], label: 'Filled' });
    expect(lead.cEmpty).toMatchObject({ count: 0, verdict: 'unused', layouts: ['detail', 'list'], condition: 'cEmpty is set' });
    expect(lead.cHidden).toMatchObject({ count: 1, verdict: 'not_on_any_layout', layouts: [] });
    // A checkbox counts as used when true; false is its empty value.
    expect(lead.cFlag).toMatchObject({ count: 0, verdict: 'unused', condition: 'cFlag is true' });
    expect(lead.cTags).toMatchObject({ count: 1, verdict: 'in_use', layouts: ['filters'] });
    // Unused first.
    expect(entities[0]!.fields.map((f) => f.verdict)).toEqual(['unused', 'unused', 'not_on_any_layout', 'in_use', 'in_use']);
    // A default fills every record: the field is unused when no record holds another value.
    const tier = entities[2]!.fields.find((f) => f.name === 'cTier')!;
    expect(tier).toMatchObject({ otherThanDefault: 0, verdict: 'unused' });
    expect(tier.why).toMatch(/only the default/);
    expect(entities[1]).toMatchObject({ entity: 'Contact', customFields: 0, fields: [] });
    expect(res.structured.summary).toEqual({ fields: 6, unused: 3, notOnAnyLayout: 1, inUse: 2 });

    // Counts only: every record read is maxSize=0 (or maxSize=1 where the CRM does not count).
    const recordReads = sb.requests.slice(mark).filter((r) => r.method === 'GET' && ['Lead', 'Account', 'Contact'].includes(r.path));
    expect(recordReads.length).toBeGreaterThanOrEqual(6);
    for (const r of recordReads) expect(new URLSearchParams(r.query).get('maxSize')).toBe('0');
    expect(recordReads.some((r) => decodeURIComponent(r.query).includes('[type]=isTrue'))).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(2 * 8 + 6);
    expect(res.text).toMatch(/<untrusted-data-[0-9a-f]{16}>[\s\S]*cEmpty \(int, "Empty"\): unused[\s\S]*<\/untrusted-data-/);
  });

  it('"all" checks every customizable entity type that has custom fields', async () => {
    const res = await h.call('find_unused_fields', { tenant: 'acme', entities: 'all' });
    expect(res.isError, res.text).toBe(false);
    expect((res.structured.entities as EntityOut[]).map((e) => e.entity).sort()).toEqual(['Account', 'Lead']);
  });

  it('takes entity names as the model writes them, and refuses unknown ones', async () => {
    const res = await h.call('find_unused_fields', { tenant: 'acme', entities: ['account'] });
    expect(res.isError, res.text).toBe(false);
    expect((res.structured.entities as EntityOut[]).map((e) => e.entity)).toEqual(['Account']);
    const bad = await h.call('find_unused_fields', { tenant: 'acme', entities: ['Acount'] });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/Unknown entity type "Acount"\. Did you mean "Account"\?/);
  });
});
