/**
 * The policy judges effects, not tool names (issue 17, item 3): excluding delete_custom_field on a tenant
 * also forbids deleting a field through undo_change; a composite call (a field created and placed on
 * layouts) passes each of its effects through the policy. Refused before any token or write.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, writesIn, type Harness } from '../helpers/harness.js';
import { decideEffects, EFFECTS, LOCAL_PRINCIPAL, type Effect } from '../../src/tenants/policy.js';
import type { TenantConfig } from '../../src/config/types.js';

const tenant = (tools?: TenantConfig['tools'], readOnly = false): TenantConfig => ({ id: 'acme', name: 'Acme', url: 'http://127.0.0.1:1', readOnly, ...(tools ? { tools } : {}) });
const undo = { name: 'undo_change', kind: 'destructive' as const };

describe('decideEffects', () => {
  it('allows an effect where its owner tool is allowed, refuses it where excluded or not included, with the reason', () => {
    expect(decideEffects(['field.delete'], undo, tenant(), LOCAL_PRINCIPAL, { readOnly: false })).toEqual({ allowed: true });
    const excluded = decideEffects(['layout.edit', 'field.delete'], undo, tenant({ exclude: ['delete_custom_field'] }), LOCAL_PRINCIPAL, { readOnly: false });
    expect(excluded.allowed).toBe(false);
    expect(excluded.reason).toMatch(/would delete a field.*"delete_custom_field" is excluded for tenant "acme"/);
    const notIncluded = decideEffects(['layout.edit'], { name: 'create_custom_field', kind: 'write' }, tenant({ include: ['create_custom_field'] }), LOCAL_PRINCIPAL, { readOnly: false });
    expect(notIncluded.reason).toMatch(/would edit a layout.*"edit_layout" is not in the tools allowed/);
  });

  it("never skips the tool's own decision, and a tool's own effect is judged once, as itself", () => {
    expect(decideEffects([], undo, tenant({ exclude: ['undo_change'] }), LOCAL_PRINCIPAL, { readOnly: false }).allowed).toBe(false);
    expect(decideEffects(['field.delete'], { name: 'delete_custom_field', kind: 'destructive' }, tenant({ include: ['delete_custom_field'] }), LOCAL_PRINCIPAL, { readOnly: false })).toEqual({ allowed: true });
    expect(decideEffects(['field.create'], undo, tenant(), { name: 'ro', tenants: '*', readOnly: true }, { readOnly: false }).allowed).toBe(false);
    expect(decideEffects(['field.create'], undo, tenant(), LOCAL_PRINCIPAL, { readOnly: true }).allowed).toBe(false);
  });

  it('names an owner tool for every effect', () => {
    for (const [effect, owner] of Object.entries(EFFECTS) as Array<[Effect, (typeof EFFECTS)[Effect]]>) {
      expect(owner.tool, effect).toMatch(/^[a-z_]+$/);
      expect(decideEffects([effect], undo, tenant({ exclude: [owner.tool] }), LOCAL_PRINCIPAL, { readOnly: false }).allowed, effect).toBe(false);
    }
  });
});

describe('effects through a running server', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('undo_change cannot delete a field where delete_custom_field is excluded: refused at plan and dry run, nothing written', async () => {
    h = await startHarness([{ id: 'acme', sandbox: { leads: 2, contacts: 0, accounts: 0 } }], { tenantOverrides: { acme: { tools: { exclude: ['delete_custom_field'] } } } });
    const created = await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone', label: 'Zone', type: 'varchar' });
    expect(created.isError, created.text).toBe(false);
    const sb = h.sandboxes.acme!;
    const mark = sb.requests.length;
    for (const args of [{}, { dryRun: true }]) {
      const res = await h.call('undo_change', { tenant: 'acme', changeId: created.structured.changeId, ...args });
      expect(res.isError).toBe(true);
      expect(res.text).toMatch(/would delete a field.*delete_custom_field.*excluded/);
      expect(res.structured.confirmToken).toBeUndefined();
    }
    expect(writesIn(sb.requests.slice(mark))).toEqual([]);
    expect(sb.state.metadata.fieldDef('Lead', 'cZone')).toBeDefined();
    const refused = (await h.audit.read()).filter((e) => e.tool === 'undo_change');
    expect(refused.map((e) => e.outcome)).toEqual(['refused', 'refused']);
  });

  it('undo of a field deletion re-creates a field: refused where create_custom_field is excluded', async () => {
    h = await startHarness([{ id: 'acme', sandbox: { leads: 2, contacts: 0, accounts: 0 } }], { tenantOverrides: { acme: { tools: { exclude: ['create_custom_field'] } } } });
    // The field exists already (made by hand in the CRM); this server deletes it, then is asked to undo.
    h.sandboxes.acme!.state.metadata.setFieldDef('Lead', 'cZone', { type: 'varchar', isCustom: true, maxLength: 100 });
    const plan = await h.call('delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'cZone' });
    expect(plan.isError, plan.text).toBe(false);
    const del = await h.call('delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'cZone', confirm: plan.structured.confirmToken });
    expect(del.isError, del.text).toBe(false);
    expect(h.sandboxes.acme!.state.metadata.fieldDef('Lead', 'cZone')).toBeUndefined();
    const res = await h.call('undo_change', { tenant: 'acme', changeId: del.structured.changeId, dryRun: true });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/would create a field.*create_custom_field.*excluded/);
  });

  it('a field placed on layouts needs edit_layout allowed; without placement it is created', async () => {
    h = await startHarness([{ id: 'acme', sandbox: { leads: 2, contacts: 0, accounts: 0 } }], { tenantOverrides: { acme: { tools: { include: ['create_custom_field', 'describe_entity', 'undo_change'] } } } });
    const sb = h.sandboxes.acme!;
    const mark = sb.requests.length;
    const placed = await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone', label: 'Zone', type: 'varchar', addToLayouts: ['detail'] });
    expect(placed.isError).toBe(true);
    expect(placed.text).toMatch(/would edit a layout.*"edit_layout" is not in the tools allowed for tenant "acme"/);
    expect(writesIn(sb.requests.slice(mark))).toEqual([]);
    const plain = await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'zone', label: 'Zone', type: 'varchar' });
    expect(plain.isError, plain.text).toBe(false);
  });
});
