/**
 * plan_blueprint and apply_blueprint through an MCP client, on sandbox CRMs (issue 19): a read-only
 * tenant (skipped with the reason), one with a custom field of the same name and another type (a
 * conflict, never applied), clean ones. Plan writes nothing and returns one token; apply with it
 * creates the fields, the panel and the placements; a second plan is in sync; undo_change of a
 * tenant's changeId reverts its whole apply; a failure in a later step of one tenant rolls that tenant
 * back and leaves the others applied; a token whose plan changed (a CRM changed since) is refused,
 * naming the tenant; cancelling the call leaves the tenants not started untouched. The pipeline itself
 * (rollback failures, policy): test/pipeline/fleet.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, writesIn, type Harness } from '../helpers/harness.js';
import type { AuditEntry } from '../../src/store/types.js';

const small = { leads: 3, contacts: 0, accounts: 0 };

const BLUEPRINT = {
  name: 'transport-test',
  entities: {
    Lead: {
      panels: [{ layout: 'detail', label: 'Transport' }],
      fields: [
        { name: 'secteur', type: 'enum', label: 'Secteur', options: ['Transport', 'Logistique', 'Messagerie'], layouts: [{ layout: 'detail', panel: 'Transport' }, 'list'] },
        { name: 'flotte', type: 'int', label: 'Flotte', min: 0, layouts: ['detail'] },
      ],
    },
  },
};

type Row = { tenant: string; status: string; steps: string[]; conflicts: string[]; reason?: string; changeId?: string; rolledBack?: boolean };

let h: Harness;

beforeAll(async () => {
  h = await startHarness(
    ['ro', 'clash', 'clean', 'other'].map((id) => ({ id, sandbox: small })),
    { tenantOverrides: { ro: { readOnly: true } } },
  );
  const made = await h.call('create_custom_field', { tenant: 'clash', entity: 'Lead', name: 'secteur', type: 'varchar', label: 'Secteur (texte)' });
  expect(made.isError, made.text).toBe(false);
});
afterAll(async () => {
  await h?.close();
});

const rowsOf = (res: { structured: Record<string, unknown> }) => res.structured.tenants as Row[];
const statusOf = (res: { structured: Record<string, unknown> }) => Object.fromEntries(rowsOf(res).map((r) => [r.tenant, r.status]));
const fieldOf = (tenant: string, name: string) => h.sandboxes[tenant]!.state.metadata.fieldDef('Lead', name);
const layoutOf = (tenant: string, name: string) => h.sandboxes[tenant]!.state.layouts.read('Lead', name);

function marks(): Record<string, number> {
  return Object.fromEntries(Object.entries(h.sandboxes).map(([id, sb]) => [id, sb.requests.length]));
}
function writesSince(mark: Record<string, number>, id: string) {
  return writesIn(h.sandboxes[id]!.requests.slice(mark[id]));
}
async function linesSince(n: number, tool = 'apply_blueprint'): Promise<AuditEntry[]> {
  return (await h.audit.read()).slice(n).filter((e) => e.tool === tool);
}

describe('plan_blueprint and apply_blueprint', () => {
  const three = ['ro', 'clash', 'clean'];

  it('plans without writing: skipped (read-only, with the reason), conflict (same name, another type), changes with their steps; one token', async () => {
    const mark = marks();
    const res = await h.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: three });
    expect(res.isError, res.text).toBe(false);
    expect(statusOf(res)).toEqual({ ro: 'skipped', clash: 'conflict', clean: 'changes' });
    const [ro, clash, clean] = rowsOf(res);
    expect(ro!.reason).toMatch(/read-only/);
    expect(clash!.conflicts.join(' ')).toMatch(/cSecteur.*type varchar; the blueprint wants enum/);
    expect(clean!.steps).toEqual([
      'add the panel "Transport" to the Lead detail layout',
      'create Lead.cSecteur (enum)',
      'create Lead.cFlotte (int)',
      'place Lead.cSecteur on the detail layout (panel "Transport")',
      'place Lead.cSecteur on the list layout',
      'place Lead.cFlotte on the detail layout',
    ]);
    expect(res.structured.summary).toEqual({ total: 3, changes: 1, in_sync: 0, conflict: 1, skipped: 1, unreachable: 0 });
    expect(res.structured.confirmToken).toEqual(expect.any(String));
    expect(res.structured.blueprint).toMatchObject({ name: 'transport-test', origin: 'inline' });
    for (const id of three) expect(writesSince(mark, id), id).toEqual([]);
  });

  let cleanChange: string;

  it('applies with the token: the clean tenant gets the fields, the panel and the placements; the others are not touched; a second plan is in sync', async () => {
    const plan = await h.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: three });
    const mark = marks();
    const since = (await h.audit.read()).length;
    const res = await h.call('apply_blueprint', { blueprint: BLUEPRINT, tenants: three, confirm: plan.structured.confirmToken });
    expect(res.isError, res.text).toBe(false);
    expect(statusOf(res)).toEqual({ ro: 'skipped', clash: 'conflict', clean: 'applied' });
    const clean = rowsOf(res)[2]!;
    expect(clean.changeId).toMatch(/^chg_/);
    cleanChange = clean.changeId!;
    expect(writesSince(mark, 'ro')).toEqual([]);
    expect(writesSince(mark, 'clash')).toEqual([]);

    expect(fieldOf('clean', 'cSecteur')).toMatchObject({ type: 'enum', options: ['Transport', 'Logistique', 'Messagerie'] });
    expect(fieldOf('clean', 'cFlotte')).toMatchObject({ type: 'int', min: 0 });
    const detail = layoutOf('clean', 'detail') as Array<{ label?: string; customLabel?: string; rows: Array<Array<{ name: string } | false>> }>;
    const panel = detail.find((p) => (p.customLabel ?? p.label) === 'Transport');
    expect(JSON.stringify(panel?.rows)).toContain('"cSecteur"');
    expect(JSON.stringify(detail)).toContain('"cFlotte"');
    expect(JSON.stringify(layoutOf('clean', 'list'))).toContain('"cSecteur"');

    // One audit line per tenant; the clean one holds each step's own change.
    const lines = await linesSince(since);
    expect(lines.map((e) => [e.tenant, e.outcome])).toEqual(expect.arrayContaining([['ro', 'refused'], ['clash', 'refused'], ['clean', 'applied']]));
    expect(lines).toHaveLength(3);
    const applied = lines.find((e) => e.tenant === 'clean')!;
    expect(applied).toMatchObject({ changeId: cleanChange, principal: 'local', change: { kind: 'blueprint' } });
    expect(applied.change!.steps!.map((s) => s.kind)).toEqual(['layout', 'field_create', 'field_create', 'layout', 'layout', 'layout']);

    const again = await h.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: three });
    expect(statusOf(again)).toEqual({ ro: 'skipped', clash: 'conflict', clean: 'in_sync' });
    expect(again.structured.confirmToken).toBeUndefined();

    // The layouts the apply placed fields on are known as customized by this server, through its one change.
    const list = await h.call('get_layout', { tenant: 'clean', entity: 'Lead', layout: 'list' });
    expect(list.structured).toMatchObject({ customized: true });
    expect(list.structured.customizedNote).toContain(cleanChange);
    // rebuild checks the fields the apply made, found inside its one change.
    const rebuilt = await h.call('rebuild', { tenant: 'clean' });
    expect(rebuilt.isError, rebuilt.text).toBe(false);
    expect(JSON.stringify(rebuilt.structured)).toContain('Lead.cSecteur present');
  });

  it("undo_change of the tenant's changeId reverts its whole apply (it plans first: it deletes fields)", async () => {
    const planned = await h.call('undo_change', { tenant: 'clean', changeId: cleanChange });
    expect(planned.isError, planned.text).toBe(false);
    expect(planned.structured).toMatchObject({ outcome: 'planned', tool: 'apply_blueprint' });
    const done = await h.call('undo_change', { tenant: 'clean', changeId: cleanChange, confirm: planned.structured.confirmToken });
    expect(done.structured.outcome, done.text).toBe('applied');
    expect(fieldOf('clean', 'cSecteur')).toBeUndefined();
    expect(fieldOf('clean', 'cFlotte')).toBeUndefined();
    expect(JSON.stringify(layoutOf('clean', 'detail'))).not.toMatch(/Transport|cSecteur|cFlotte/);
    expect(JSON.stringify(layoutOf('clean', 'list'))).not.toContain('cSecteur');
    // Undone: no longer an edit that stands.
    expect((await h.call('get_layout', { tenant: 'clean', entity: 'Lead', layout: 'list' })).structured.customized).toBeNull();
    const plan = await h.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: ['clean'] });
    expect(statusOf(plan)).toEqual({ clean: 'changes' });
  });

  it('a failure in a later step of one tenant rolls that tenant back fully and leaves the others applied', async () => {
    const before = { detail: structuredClone(layoutOf('clean', 'detail')), list: structuredClone(layoutOf('clean', 'list')) };
    const plan = await h.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: ['clean', 'other'] });
    expect(statusOf(plan)).toEqual({ clean: 'changes', other: 'changes' });
    // clean's list layout cannot be saved: its 5th step fails after four were done.
    h.sandboxes.clean!.faults.add({ method: 'PUT', path: 'Lead/layout/list', kind: 'status', status: 503 });
    const progress: Array<{ progress: number; total?: number }> = [];
    const res = await h.call('apply_blueprint', { blueprint: BLUEPRINT, tenants: ['clean', 'other'], confirm: plan.structured.confirmToken }, { onprogress: (p) => progress.push(p) });
    h.sandboxes.clean!.faults.clear();
    expect(res.isError, res.text).toBe(false);
    expect(statusOf(res)).toEqual({ clean: 'failed', other: 'applied' });
    // Progress per tenant, planned again then applied, only ever increasing.
    expect(progress.map((p) => [p.progress, p.total])).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
    const clean = rowsOf(res)[0]!;
    expect(clean).toMatchObject({ rolledBack: true });
    expect(clean.changeId).toBeUndefined();
    expect(clean.reason).toMatch(/the step "place Lead.cSecteur on the list layout" failed/);
    expect(clean.steps).toHaveLength(4);
    expect(fieldOf('clean', 'cSecteur')).toBeUndefined();
    expect(fieldOf('clean', 'cFlotte')).toBeUndefined();
    expect(layoutOf('clean', 'detail')).toEqual(before.detail);
    expect(layoutOf('clean', 'list')).toEqual(before.list);
    expect(fieldOf('other', 'cSecteur')).toMatchObject({ type: 'enum' });
    expect(JSON.stringify(layoutOf('other', 'list'))).toContain('"cSecteur"');
  });

  it('refuses a token whose plan changed (a CRM changed after the plan), naming the tenant; nothing is written', async () => {
    const plan = await h.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: ['clean', 'other'] });
    expect(statusOf(plan)).toEqual({ clean: 'changes', other: 'in_sync' });
    // Someone creates one of the fields on clean in the meantime.
    const made = await h.call('create_custom_field', { tenant: 'clean', entity: 'Lead', name: 'flotte', type: 'int', label: 'Flotte', min: 0 });
    expect(made.isError, made.text).toBe(false);
    const mark = marks();
    const res = await h.call('apply_blueprint', { blueprint: BLUEPRINT, tenants: ['clean', 'other'], confirm: plan.structured.confirmToken });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/Refused, nothing was changed: the plan changed since the token was issued on "clean"/);
    expect(writesSince(mark, 'clean')).toEqual([]);
    expect(writesSince(mark, 'other')).toEqual([]);
    // Another blueprint, or other tenants, with this token: refused as well.
    const other = await h.call('apply_blueprint', { blueprint: { ...BLUEPRINT, name: 'changed' }, tenants: ['clean', 'other'], confirm: plan.structured.confirmToken });
    expect(other.text).toMatch(/arguments differ/);
  });

  it('cancelling the call: the tenant in flight finishes, the ones not started are left untouched', async () => {
    const plan = await h.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: ['clean', 'ro', 'clash'], concurrency: 1 });
    expect(statusOf(plan)).toEqual({ clean: 'changes', ro: 'skipped', clash: 'conflict' });
    // Drop the conflict so clash has changes too (the plan is made again after that).
    const del = await h.call('delete_custom_field', { tenant: 'clash', entity: 'Lead', name: 'cSecteur' });
    const deleted = await h.call('delete_custom_field', { tenant: 'clash', entity: 'Lead', name: 'cSecteur', confirm: del.structured.confirmToken });
    expect(deleted.isError, deleted.text).toBe(false);
    const fresh = await h.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: ['clean', 'clash'], concurrency: 1 });
    expect(statusOf(fresh)).toEqual({ clean: 'changes', clash: 'changes' });

    // Tenants go in configuration order (clash, then clean), one at a time; clash's layout saves are slow.
    h.sandboxes.clash!.faults.add({ method: 'PUT', path: /^Lead\/layout\//, kind: 'latency', ms: 250 });
    const mark = marks();
    const since = (await h.audit.read()).length;
    const abort = new AbortController();
    const watch = (async () => {
      for (;;) {
        if (writesSince(mark, 'clash').length > 0) return abort.abort();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await expect(h.call('apply_blueprint', { blueprint: BLUEPRINT, tenants: ['clean', 'clash'], confirm: fresh.structured.confirmToken, concurrency: 1 }, { signal: abort.signal })).rejects.toThrow();
    await watch;
    // The server goes on with the tenant in flight: wait for both lines.
    let lines: AuditEntry[] = [];
    for (let i = 0; i < 400 && lines.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      lines = await linesSince(since);
    }
    h.sandboxes.clash!.faults.clear();
    expect(lines.map((e) => [e.tenant, e.outcome])).toEqual([['clash', 'applied'], ['clean', 'refused']]);
    expect(lines[1]!.summary).toMatch(/cancelled before it started/);
    expect(writesSince(mark, 'clean')).toEqual([]);
    expect(fieldOf('clash', 'cSecteur')).toMatchObject({ type: 'enum' });
    expect(JSON.stringify(layoutOf('clash', 'list'))).toContain('"cSecteur"');
    expect(fieldOf('clean', 'cSecteur')).toBeUndefined();
  });

  it('no secret of any tenant in a result or in the audit', async () => {
    const res = await h.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: '*' });
    const audit = JSON.stringify(await h.audit.read());
    for (const sb of Object.values(h.sandboxes)) {
      for (const secret of [sb.credentials.apiKey, sb.credentials.admin.password]) {
        expect(res.text).not.toContain(secret);
        expect(JSON.stringify(res.structured)).not.toContain(secret);
        expect(audit).not.toContain(secret);
      }
    }
  });
});
