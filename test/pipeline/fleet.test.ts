/**
 * The fleet pipeline (src/pipeline/fleet.ts) on sandbox CRMs over loopback, with the real store: a job
 * whose steps are existing write tools' calls (create_custom_field, edit_layout), planned per tenant,
 * confirmed once for the whole plan, applied all-or-nothing per tenant. What is pinned: the policy
 * (read-only and excluded tools skip a tenant, with the reason), one token bound to every tenant's plan
 * (a tenant that changed refuses it and is named; a token applies once), one audit line and one
 * changeId (kind 'blueprint') per tenant, undo_change of that changeId through the MCP server, a
 * failing later step rolled back through the change records (the tenant as it was, the others
 * applied), a rollback that fails recorded as a partial change that undo_change finishes, and
 * cancellation (tenants not started are cancelled and untouched; the one in flight finishes).
 * Blueprint plans themselves (plan_blueprint, apply_blueprint): test/tools/blueprint.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, writesIn, type Harness } from '../helpers/harness.js';
import { confirmTokensOn } from '../../src/store/index.js';
import { runFleetTool, type FleetAccess, type FleetJob, type FleetStep, type TenantPlanned } from '../../src/pipeline/fleet.js';
import { annotationsFor, defineFleetTool, type ToolContext, type WriteToolDefinition } from '../../src/tools/define.js';
import { createCustomField } from '../../src/tools/create_custom_field.js';
import { editLayout } from '../../src/tools/edit_layout.js';
import { loadFieldContext, readLayout } from '../../src/reads/index.js';
import { LOCAL_PRINCIPAL } from '../../src/tenants/policy.js';
import { silentLogger } from '../../src/log/logger.js';
import type { ConfirmTokens } from '../../src/core/confirm.js';
import type { AuditEntry } from '../../src/store/types.js';

const small = { leads: 3, contacts: 0, accounts: 0 };
const CLEAN = ['a', 'b', 'c'];

let h: Harness;
let confirms: ConfirmTokens;

beforeAll(async () => {
  h = await startHarness(
    [...CLEAN, 'ro', 'noedit'].map((id) => ({ id, sandbox: small })),
    { tenantOverrides: { ro: { readOnly: true }, noedit: { tools: { exclude: ['edit_layout'] } } } },
  );
  confirms = await confirmTokensOn(h.audit);
});
afterAll(async () => {
  await h?.close();
});

function ctxOf(signal: AbortSignal = new AbortController().signal, progress: Array<string> = []): ToolContext {
  return {
    registry: h.registry,
    principal: LOCAL_PRINCIPAL,
    tenant: undefined as never,
    signal,
    logger: silentLogger(),
    server: { readOnly: false },
    history: h.audit,
    results: h.audit,
    health: h.audit,
    snapshots: h.audit,
    progress: async (_p, _t, message) => void (message && progress.push(message)),
  };
}

/** The fleet access the pipeline hands a fleet tool, for this context. */
async function fleetFor(name: string, ctx: ToolContext): Promise<FleetAccess> {
  let access: FleetAccess | undefined;
  const probe = defineFleetTool({
    name,
    title: name,
    description: name,
    kind: 'write',
    fleet: true,
    tenantScoped: false,
    input: {},
    output: {},
    annotations: annotationsFor('write'),
    run: async (_args, _ctx, fleet: FleetAccess) => {
      access = fleet;
      return { structured: {} };
    },
  });
  await runFleetTool(probe as never, {}, ctx, { store: h.audit, confirms });
  return access!;
}

const tool = (t: unknown) => t as WriteToolDefinition;

/** Steps: create an enum field, then place it on the detail and the list layouts. */
function stepsFor(field: string): FleetStep[] {
  return [
    { tool: tool(createCustomField), args: { entity: 'Lead', name: field, type: 'enum', label: 'Fleet tier', options: ['Gold', 'Silver'] }, text: `create Lead.${field}`, effects: ['field.create'] },
    { tool: tool(editLayout), args: { entity: 'Lead', layout: 'detail', operations: [{ op: 'add_field', field }] }, text: `place ${field} on detail`, effects: ['layout.edit'] },
    { tool: tool(editLayout), args: { entity: 'Lead', layout: 'list', operations: [{ op: 'add_field', field }] }, text: `place ${field} on list`, effects: ['layout.edit'] },
  ];
}

function jobFor(field: string, tenants: string[], opts: { concurrency?: number } = {}): FleetJob {
  return {
    applyTool: 'apply_blueprint',
    subject: { blueprint: 'fleet-test', field },
    auditArgs: { blueprint: 'fleet-test' },
    tenants: tenants.map((id) => h.registry.resolve(id, LOCAL_PRINCIPAL)),
    ...opts,
    async planTenant(ctx): Promise<TenantPlanned> {
      const fc = await loadFieldContext(ctx.tenant, 'Lead', ctx.signal);
      return fc.fields[field] ? { status: 'in_sync' } : { status: 'changes', steps: stepsFor(field) };
    },
  };
}

async function layouts(tenant: string): Promise<{ detail: unknown; list: unknown }> {
  const t = h.registry.resolve(tenant, LOCAL_PRINCIPAL);
  t.metadata.invalidate();
  return { detail: await readLayout(t, 'Lead', 'detail'), list: await readLayout(t, 'Lead', 'list') };
}

async function hasField(tenant: string, field: string): Promise<boolean> {
  const t = h.registry.resolve(tenant, LOCAL_PRINCIPAL);
  t.metadata.invalidate();
  return (await loadFieldContext(t, 'Lead')).fields[field] !== undefined;
}

async function lines(tool: string, since: number): Promise<AuditEntry[]> {
  return (await h.audit.read()).slice(since).filter((e) => e.tool === tool);
}

describe('fleet pipeline', () => {
  it('plans every tenant without writing: read-only and excluded tools are skipped with the reason, one token for the rest', async () => {
    const marks = Object.fromEntries(Object.entries(h.sandboxes).map(([id, sb]) => [id, sb.requests.length]));
    const progress: string[] = [];
    const fleet = await fleetFor('plan_blueprint', ctxOf(undefined, progress));
    const { tenants, token } = await fleet.plan(jobFor('cPlanOnly', [...CLEAN, 'ro', 'noedit']));
    expect(tenants.map((t) => [t.tenant, t.status])).toEqual([['a', 'changes'], ['b', 'changes'], ['c', 'changes'], ['ro', 'skipped'], ['noedit', 'skipped']]);
    expect(tenants[0]!.steps).toEqual(['create Lead.cPlanOnly', 'place cPlanOnly on detail', 'place cPlanOnly on list']);
    expect(tenants[3]!.reason).toMatch(/read-only/);
    expect(tenants[4]!.reason).toMatch(/edit a layout.*"edit_layout" is excluded for tenant "noedit"/);
    expect(token?.token).toBeTruthy();
    expect(progress).toHaveLength(5);
    for (const [id, sb] of Object.entries(h.sandboxes)) expect(writesIn(sb.requests.slice(marks[id])), id).toEqual([]);
    // The read-only tenant is not even read.
    expect(h.sandboxes.ro!.requests.slice(marks.ro)).toEqual([]);
  });

  it('applies each tenant all-or-nothing: a later step failing on one tenant rolls it back fully, the others are applied with one changeId each', async () => {
    const before = await layouts('b');
    const since = (await h.audit.read()).length;
    const plan = await (await fleetFor('plan_blueprint', ctxOf())).plan(jobFor('cFleetTier', CLEAN));
    // The last step of b (its list layout) fails.
    h.sandboxes.b!.faults.add({ method: 'PUT', path: 'Lead/layout/list', kind: 'status', status: 500 });
    const rows = await (await fleetFor('apply_blueprint', ctxOf())).apply(jobFor('cFleetTier', CLEAN), plan.token!.token);
    h.sandboxes.b!.faults.clear();

    expect(rows.map((r) => [r.tenant, r.status])).toEqual([['a', 'applied'], ['b', 'failed'], ['c', 'applied']]);
    const b = rows[1]!;
    expect(b.rolledBack).toBe(true);
    expect(b.changeId).toBeUndefined();
    expect(b.reason).toMatch(/place cFleetTier on list/);
    expect(b.reason).toMatch(/reverted: the tenant is as it was/);
    expect(await hasField('b', 'cFleetTier')).toBe(false);
    expect(await layouts('b')).toEqual(before);
    for (const id of ['a', 'c']) {
      expect(await hasField(id, 'cFleetTier'), id).toBe(true);
      const now = await layouts(id);
      expect(JSON.stringify(now.detail)).toContain('"cFleetTier"');
      expect(JSON.stringify(now.list)).toContain('"cFleetTier"');
    }

    // One line per tenant: a and c applied with a composite change of their steps' own records; b failed, nothing left.
    const applied = await lines('apply_blueprint', since);
    expect(applied.map((e) => [e.tenant, e.outcome])).toEqual(expect.arrayContaining([['a', 'applied'], ['b', 'failed'], ['c', 'applied']]));
    expect(applied).toHaveLength(3);
    const a = applied.find((e) => e.tenant === 'a')!;
    expect(a.changeId).toBe(rows[0]!.changeId);
    expect(a.change?.kind).toBe('blueprint');
    expect(a.change?.steps?.map((s) => [s.kind, s.field ?? s.layout])).toEqual([['field_create', 'cFleetTier'], ['layout', 'detail'], ['layout', 'list']]);
    expect(applied.find((e) => e.tenant === 'b')!.change).toBeUndefined();

    // A second plan: a and c are in sync, b still has changes.
    const again = await (await fleetFor('plan_blueprint', ctxOf())).plan(jobFor('cFleetTier', CLEAN));
    expect(again.tenants.map((t) => t.status)).toEqual(['in_sync', 'changes', 'in_sync']);

    // The token was spent.
    await expect((await fleetFor('apply_blueprint', ctxOf())).apply(jobFor('cFleetTier', CLEAN), plan.token!.token)).rejects.toThrow(/already used/);
  });

  it("undo_change of a tenant's changeId reverts its whole apply (through the MCP server): the field deleted, the layouts as before", async () => {
    const before = await layouts('a');
    const plan = await (await fleetFor('plan_blueprint', ctxOf())).plan(jobFor('cUndoMe', ['a']));
    const [row] = await (await fleetFor('apply_blueprint', ctxOf())).apply(jobFor('cUndoMe', ['a']), plan.token!.token);
    expect(row!.status).toBe('applied');
    const planned = await h.call('undo_change', { tenant: 'a', changeId: row!.changeId });
    expect(planned.isError, planned.text).toBe(false);
    // Undoing a creation deletes a field: confirmed with its own token.
    expect(planned.structured.outcome).toBe('planned');
    expect(planned.structured.steps).toHaveLength(3);
    const done = await h.call('undo_change', { tenant: 'a', changeId: row!.changeId, confirm: planned.structured.confirmToken });
    expect(done.isError, done.text).toBe(false);
    expect(done.structured.outcome).toBe('applied');
    expect(await hasField('a', 'cUndoMe')).toBe(false);
    expect(await layouts('a')).toEqual(before);
  });

  it('a rollback that fails is recorded as a partial change (what is left), which undo_change finishes', async () => {
    const beforeB = await layouts('b');
    const since = (await h.audit.read()).length;
    const plan = await (await fleetFor('plan_blueprint', ctxOf())).plan(jobFor('cStuck', ['b']));
    h.sandboxes.b!.faults.add({ method: 'PUT', path: 'Lead/layout/list', kind: 'status', status: 500 });
    h.sandboxes.b!.faults.add({ method: 'DELETE', path: 'Admin/fieldManager/Lead/cStuck', kind: 'status', status: 500 });
    const [row] = await (await fleetFor('apply_blueprint', ctxOf())).apply(jobFor('cStuck', ['b']), plan.token!.token);
    h.sandboxes.b!.faults.clear();
    expect(row!.status).toBe('failed');
    expect(row!.rolledBack).toBe(false);
    expect(row!.left).toEqual(['Lead.cStuck created']);
    expect(row!.reason).toMatch(/Rolling back failed/);
    expect(row!.changeId).toMatch(/^chg_/);
    const [line] = await lines('apply_blueprint', since);
    expect(line!.outcome).toBe('partial');
    // The detail placement was reverted; only the field creation is left.
    expect(line!.change?.steps?.map((s) => s.kind)).toEqual(['field_create']);

    const planned = await h.call('undo_change', { tenant: 'b', changeId: row!.changeId });
    expect(planned.isError, planned.text).toBe(false);
    const done = await h.call('undo_change', { tenant: 'b', changeId: row!.changeId, confirm: planned.structured.confirmToken });
    expect(done.structured.outcome, done.text).toBe('applied');
    expect(await hasField('b', 'cStuck')).toBe(false);
    expect(await layouts('b')).toEqual(beforeB);
  });

  it('refuses the whole token when a tenant changed since the plan, naming it; nothing is written anywhere', async () => {
    const plan = await (await fleetFor('plan_blueprint', ctxOf())).plan(jobFor('cStale', ['b', 'c']));
    // c changes outside the plan: the field appears by hand.
    const made = await h.call('create_custom_field', { tenant: 'c', entity: 'Lead', name: 'cStale', type: 'enum', options: ['Gold', 'Silver'] });
    expect(made.isError, made.text).toBe(false);
    const marks = { b: h.sandboxes.b!.requests.length, c: h.sandboxes.c!.requests.length };
    const since = (await h.audit.read()).length;
    await expect((await fleetFor('apply_blueprint', ctxOf())).apply(jobFor('cStale', ['b', 'c']), plan.token!.token)).rejects.toThrow(
      /the plan changed since the token was issued on "c" \(changes when planned, in_sync now\)/,
    );
    expect(writesIn(h.sandboxes.b!.requests.slice(marks.b))).toEqual([]);
    expect(writesIn(h.sandboxes.c!.requests.slice(marks.c))).toEqual([]);
    expect((await lines('apply_blueprint', since)).map((e) => [e.tenant, e.outcome])).toEqual([['b', 'refused'], ['c', 'refused']]);
    // Other tenants, or the same with another subject: refused before anything is read.
    await expect((await fleetFor('apply_blueprint', ctxOf())).apply(jobFor('cStale', ['b']), plan.token!.token)).rejects.toThrow(/arguments differ/);
  });

  it('cancellation: tenants not started are cancelled and untouched, the tenant in flight finishes its steps', async () => {
    const tenants = ['a', 'b', 'c'];
    const plan = await (await fleetFor('plan_blueprint', ctxOf())).plan(jobFor('cCancel', tenants, { concurrency: 1 }));
    // a's layout saves are slow, so the call is cancelled while a is in flight.
    h.sandboxes.a!.faults.add({ method: 'PUT', path: /^Lead\/layout\//, kind: 'latency', ms: 300 });
    const marks = { b: h.sandboxes.b!.requests.length, c: h.sandboxes.c!.requests.length, a: h.sandboxes.a!.requests.length };
    const abort = new AbortController();
    const started = (async () => {
      for (;;) {
        if (h.sandboxes.a!.requests.slice(marks.a).some((r) => r.method === 'POST' && r.path === 'Admin/fieldManager/Lead')) return abort.abort();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const rows = await (await fleetFor('apply_blueprint', ctxOf(abort.signal))).apply(jobFor('cCancel', tenants, { concurrency: 1 }), plan.token!.token);
    await started;
    h.sandboxes.a!.faults.clear();
    expect(rows.map((r) => [r.tenant, r.status])).toEqual([['a', 'applied'], ['b', 'cancelled'], ['c', 'cancelled']]);
    expect(rows[1]!.reason).toMatch(/cancelled before this tenant was started; nothing was written/);
    expect(await hasField('a', 'cCancel')).toBe(true);
    expect(JSON.stringify((await layouts('a')).list)).toContain('"cCancel"');
    expect(writesIn(h.sandboxes.b!.requests.slice(marks.b))).toEqual([]);
    expect(writesIn(h.sandboxes.c!.requests.slice(marks.c))).toEqual([]);
  });
});
