import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * undo_change through an MCP client against sandboxes over HTTP: every kind of change this server makes
 * is reverted to its recorded before-state, and an undo never overwrites a later edit.
 */
let h: Harness;
const layoutJson = async (entity: string, layout: string) => {
  const r = await h.call('get_layout', { tenant: 'acme', entity, layout });
  expect(r.isError, r.text).toBe(false);
  return JSON.stringify(r.structured.layoutJson);
};
const fieldDef = (name: string) => h.sandboxes.acme!.state.metadata.entityDefs('Lead')?.fields[name];
const writes = (tenant = 'acme') => h.sandboxes[tenant]!.requests.filter((r) => r.method !== 'GET').length;

beforeAll(async () => {
  h = await startHarness([{ id: 'acme' }, { id: 'globex' }]);
});
afterAll(async () => h?.close());

describe('undo_change', () => {
  it('restores an edited layout byte for byte, then refuses a second undo', async () => {
    const original = await layoutJson('Lead', 'list');
    const edit = await h.call('edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'list', operations: [{ op: 'remove_field', field: 'status' }] });
    expect(edit.isError, edit.text).toBe(false);
    expect(await layoutJson('Lead', 'list')).not.toBe(original);
    const dry = await h.call('undo_change', { tenant: 'acme', changeId: edit.structured.changeId, dryRun: true });
    expect(dry.structured.outcome).toBe('dry_run');
    expect(await layoutJson('Lead', 'list')).not.toBe(original);
    const undo = await h.call('undo_change', { tenant: 'acme', changeId: edit.structured.changeId });
    expect(undo.isError, undo.text).toBe(false);
    expect(undo.structured.outcome).toBe('applied');
    expect(await layoutJson('Lead', 'list')).toBe(original);
    const again = await h.call('undo_change', { tenant: 'acme', changeId: edit.structured.changeId });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('already undone');
  });

  it('refuses to undo a layout edit that a later edit built on, and writes nothing', async () => {
    const first = await h.call('edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'filters', operations: [{ op: 'remove_field', field: 'teams' }] });
    const second = await h.call('edit_layout', { tenant: 'acme', entity: 'Lead', layout: 'filters', operations: [{ op: 'remove_field', field: 'createdAt' }] });
    expect(first.isError || second.isError).toBe(false);
    const before = writes();
    const undo = await h.call('undo_change', { tenant: 'acme', changeId: first.structured.changeId });
    expect(undo.isError).toBe(true);
    expect(undo.text).toMatch(/changed after/);
    expect(writes()).toBe(before);
    // undoing in reverse order works
    expect((await h.call('undo_change', { tenant: 'acme', changeId: second.structured.changeId })).isError).toBe(false);
    expect((await h.call('undo_change', { tenant: 'acme', changeId: first.structured.changeId })).isError).toBe(false);
  });

  it('undoes a field creation (plan, confirm): field deleted and layouts put back', async () => {
    const detail = await layoutJson('Lead', 'detail');
    const list = await layoutJson('Lead', 'list');
    const created = await h.call('create_custom_field', {
      tenant: 'acme', entity: 'Lead', name: 'secteur', type: 'enum', label: 'Secteur',
      options: ['Transport', 'Logistique'], addToLayouts: ['detail', 'list'],
    });
    expect(created.isError, created.text).toBe(false);
    expect(fieldDef('cSecteur')).toBeDefined();
    const plan = await h.call('undo_change', { tenant: 'acme', changeId: created.structured.changeId });
    expect(plan.isError, plan.text).toBe(false);
    expect(plan.structured.outcome).toBe('planned');
    expect(fieldDef('cSecteur')).toBeDefined();
    const tampered = await h.call('undo_change', { tenant: 'acme', changeId: created.structured.changeId, confirm: `${plan.structured.confirmToken}x` });
    expect(tampered.isError).toBe(true);
    const applied = await h.call('undo_change', { tenant: 'acme', changeId: created.structured.changeId, confirm: plan.structured.confirmToken });
    expect(applied.isError, applied.text).toBe(false);
    expect(fieldDef('cSecteur')).toBeUndefined();
    expect(await layoutJson('Lead', 'detail')).toBe(detail);
    expect(await layoutJson('Lead', 'list')).toBe(list);
  });

  it('undoes a field update: the former definition and label come back', async () => {
    const created = await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'palier', type: 'enum', label: 'Palier', options: ['A', 'B'] });
    expect(created.isError, created.text).toBe(false);
    const before = structuredClone(fieldDef('cPalier'));
    const updated = await h.call('update_custom_field', { tenant: 'acme', entity: 'Lead', name: 'cPalier', addOptions: ['C'], label: 'Palier client' });
    expect(updated.isError, updated.text).toBe(false);
    expect(fieldDef('cPalier')?.options).toEqual(['A', 'B', 'C']);
    const undo = await h.call('undo_change', { tenant: 'acme', changeId: updated.structured.changeId });
    expect(undo.isError, undo.text).toBe(false);
    expect(fieldDef('cPalier')?.options).toEqual(before?.options);
    const described = await h.call('describe_entity', { tenant: 'acme', entity: 'Lead', fields: ['cPalier'] });
    expect(described.text).toContain('Palier');
    expect(described.text).not.toContain('Palier client');
  });

  it('undoes a field deletion: the field is re-created and its layouts restored', async () => {
    const created = await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'region', type: 'varchar', label: 'Région', maxLength: 80, addToLayouts: ['detail'] });
    expect(created.isError, created.text).toBe(false);
    const withField = await layoutJson('Lead', 'detail');
    const plan = await h.call('delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'cRegion' });
    const deleted = await h.call('delete_custom_field', { tenant: 'acme', entity: 'Lead', name: 'cRegion', confirm: plan.structured.confirmToken });
    expect(deleted.isError, deleted.text).toBe(false);
    expect(fieldDef('cRegion')).toBeUndefined();
    const undo = await h.call('undo_change', { tenant: 'acme', changeId: deleted.structured.changeId });
    expect(undo.isError, undo.text).toBe(false);
    expect(fieldDef('cRegion')).toMatchObject({ type: 'varchar', maxLength: 80 });
    expect(await layoutJson('Lead', 'detail')).toBe(withField);
  });

  it('undoes a layout reset: the customised layout comes back', async () => {
    const edit = await h.call('edit_layout', { tenant: 'acme', entity: 'Contact', layout: 'massUpdate', operations: [{ op: 'remove_field', field: 'teams' }] });
    expect(edit.isError, edit.text).toBe(false);
    const customised = await layoutJson('Contact', 'massUpdate');
    const plan = await h.call('reset_layout', { tenant: 'acme', entity: 'Contact', layout: 'massUpdate' });
    const reset = await h.call('reset_layout', { tenant: 'acme', entity: 'Contact', layout: 'massUpdate', confirm: plan.structured.confirmToken });
    expect(reset.isError, reset.text).toBe(false);
    expect(await layoutJson('Contact', 'massUpdate')).not.toBe(customised);
    const undo = await h.call('undo_change', { tenant: 'acme', changeId: reset.structured.changeId });
    expect(undo.isError, undo.text).toBe(false);
    expect(await layoutJson('Contact', 'massUpdate')).toBe(customised);
  });

  it("an unknown change id and another tenant's change id get the same kind of answer, and no write", async () => {
    const edit = await h.call('edit_layout', { tenant: 'globex', entity: 'Lead', layout: 'massUpdate', operations: [{ op: 'remove_field', field: 'teams' }] });
    expect(edit.isError, edit.text).toBe(false);
    const before = writes();
    const foreign = await h.call('undo_change', { tenant: 'acme', changeId: edit.structured.changeId });
    expect(foreign.isError).toBe(true);
    expect(foreign.text).toContain(`No change "${edit.structured.changeId}" on tenant "acme"`);
    const unknown = await h.call('undo_change', { tenant: 'acme', changeId: 'chg_abc_0123abcd' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('No change "chg_abc_0123abcd" on tenant "acme"');
    const malformed = await h.call('undo_change', { tenant: 'acme', changeId: '../../etc/passwd' });
    expect(malformed.isError).toBe(true);
    expect(writes()).toBe(before);
  });
});
