/**
 * The tool policy through a running server (issue 17, "Tests that pin the security cores"): a tenant's
 * `tools.include` and the server-wide read-only decide what is offered, what runs, and what the
 * tenant's policy says (list_tenants, the tenant resource); a refused call writes nothing. The pure
 * decisions: test/tenants/policy.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, writesIn, type Harness } from '../helpers/harness.js';
import { allTools, writeTools } from '../../src/tools/catalog.js';

const small = { leads: 2, contacts: 0, accounts: 0 };
const WRITE_TOOLS = writeTools().map((t) => t.name);
const READ_TOOLS = allTools()
  .filter((t) => t.kind === 'read')
  .map((t) => t.name);

async function offered(h: Harness): Promise<string[]> {
  return (await h.client.listTools()).tools.map((t) => t.name);
}

async function tenantPolicy(h: Harness, id: string): Promise<unknown> {
  const res = await h.client.readResource({ uri: `espocrm://tenants/${id}` });
  return (JSON.parse((res.contents[0] as { text: string }).text) as { policy: unknown }).policy;
}

async function listed(h: Harness): Promise<Record<string, { readOnly: boolean; writeTools: string[] }>> {
  const res = await h.call('list_tenants', {});
  expect(res.isError, res.text).toBe(false);
  const tenants = res.structured.tenants as Array<{ id: string; readOnly: boolean; writeTools: string[] }>;
  return Object.fromEntries(tenants.map((t) => [t.id, { readOnly: t.readOnly, writeTools: t.writeTools }]));
}

describe('tools.include on a running server', () => {
  let h: Harness;
  beforeAll(async () => {
    // acme allows two tools; beta has no list, so every tool stays offered for it.
    h = await startHarness(
      [
        { id: 'acme', sandbox: small },
        { id: 'beta', sandbox: small },
      ],
      { tenantOverrides: { acme: { tools: { include: ['describe_entity', 'create_custom_field'] } } } },
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it("says which write tools each tenant allows: the listed ones on acme, all of them on beta", async () => {
    expect(WRITE_TOOLS).toContain('edit_layout');
    expect(await listed(h)).toEqual({
      acme: { readOnly: false, writeTools: ['create_custom_field'] },
      beta: { readOnly: false, writeTools: WRITE_TOOLS },
    });
    expect(await tenantPolicy(h, 'acme')).toEqual({ readOnly: false, writeTools: ['create_custom_field'] });
    expect(await tenantPolicy(h, 'beta')).toEqual({ readOnly: false, writeTools: WRITE_TOOLS });
    // Offered while one visible tenant allows them.
    expect(await offered(h)).toEqual(allTools().map((t) => t.name));
  });

  it('runs the listed tools on acme and refuses the others, read tools included, writing nothing', async () => {
    const sb = h.sandboxes.acme!;
    const mark = sb.requests.length;
    const reason = '(tools.include in tenants.json): describe_entity, create_custom_field.';
    const read = await h.call('get_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail' });
    expect(read.isError).toBe(true);
    expect(read.text).toContain(`"get_layout" is not allowed: "get_layout" is not in the tools allowed for tenant "acme" ${reason}`);
    const write = await h.call('edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail', operations: [{ op: 'remove_field', field: 'website' }] });
    expect(write.isError).toBe(true);
    expect(write.text).toContain(`"edit_layout" is not allowed: "edit_layout" is not in the tools allowed for tenant "acme" ${reason}`);
    expect(write.structured.changeId).toBeUndefined();
    // Refused before the CRM is asked anything.
    expect(sb.requests.slice(mark)).toEqual([]);

    const described = await h.call('describe_entity', { tenant: 'acme', entity: 'Lead' });
    expect(described.isError, described.text).toBe(false);
    const created = await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone', label: 'Zone', type: 'varchar' });
    expect(created.isError, created.text).toBe(false);
    expect(sb.state.metadata.fieldDef('Lead', 'cZone')).toBeDefined();
  });

  it('leaves beta, which has no list, free', async () => {
    const read = await h.call('get_layout', { tenant: 'beta', entity: 'Lead', layout: 'detail' });
    expect(read.isError, read.text).toBe(false);
    const plan = await h.call('edit_layout', { tenant: 'beta', entity: 'Lead', layout: 'detail', operations: [{ op: 'remove_field', field: 'website' }], dryRun: true });
    expect(plan.isError, plan.text).toBe(false);
    expect(plan.structured.outcome).toBe('dry_run');
  });
});

describe('tools.include with only read tools', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme', sandbox: small }], { tenantOverrides: { acme: { tools: { include: ['describe_entity', 'get_layout'] } } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('offers no write tool at all, and says so', async () => {
    expect(await offered(h)).toEqual(READ_TOOLS);
    expect(await listed(h)).toEqual({ acme: { readOnly: false, writeTools: [] } });
    await expect(h.call('edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail', operations: [{ op: 'remove_field', field: 'website' }] })).rejects.toThrow(
      'Tool edit_layout not found',
    );
    expect(writesIn(h.sandboxes.acme!.requests)).toEqual([]);
  });
});

describe('the server-wide read-only on a running server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(
      [
        { id: 'acme', sandbox: small },
        { id: 'beta', sandbox: small },
      ],
      { readOnly: true },
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it('offers the read tools only, on every tenant, and every tenant says it is read-only', async () => {
    expect(await offered(h)).toEqual(READ_TOOLS);
    expect(await listed(h)).toEqual({ acme: { readOnly: true, writeTools: [] }, beta: { readOnly: true, writeTools: [] } });
    expect(await tenantPolicy(h, 'acme')).toEqual({ readOnly: true, writeTools: [] });
  });

  it('runs reads, and no write or destructive tool can be called, even as a dry run, on any tenant', async () => {
    const read = await h.call('get_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail' });
    expect(read.isError, read.text).toBe(false);
    const calls: Array<[string, Record<string, unknown>]> = [
      ['edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'detail', operations: [{ op: 'remove_field', field: 'website' }], dryRun: true }],
      ['create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone', label: 'Zone', type: 'varchar' }],
      ['delete_custom_field', { tenant: 'beta', entity: 'Lead', name: 'cZone' }],
      ['reset_layout', { tenant: 'beta', entity: 'Lead', layout: 'detail' }],
    ];
    // Not registered at all: the protocol answers that the tool does not exist.
    for (const [name, args] of calls) await expect(h.call(name, args), name).rejects.toThrow(`Tool ${name} not found`);
    for (const sb of Object.values(h.sandboxes)) expect(writesIn(sb.requests)).toEqual([]);
  });
});
