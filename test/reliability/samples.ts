/**
 * Valid sample arguments for every tool in the catalogue, for the fault, fuzz, lockout and canary
 * suites. `args` prepares what a call needs (a field to delete, a plan to confirm, a change to undo)
 * through the tools themselves, with no fault injected, and returns fresh arguments; `base` is the
 * same call without preparation, the seed that fuzzing mutates. A tool added to the catalogue without
 * an entry here fails `samples.test.ts`.
 */
import type { Harness } from '../helpers/harness.js';

/** What preparing a call needs: calling tools, and the sandboxes (in-process harness or spawned server). */
export type SampleHost = Pick<Harness, 'call' | 'sandboxes'>;

export interface ToolSample {
  /** The call may write to the CRM. */
  writes: boolean;
  /** Tenant-independent arguments of a plain valid call (no tenant, no preparation). */
  base: Record<string, unknown>;
  /** Fresh valid arguments for one call on `tenant`, after preparing the CRM through `h` (no fault active). */
  args(h: SampleHost, tenant: string): Promise<Record<string, unknown>>;
}

let serial = 0;
/** A name no earlier call used, so each create is a real create. */
export const uniqueName = (prefix: string): string => `${prefix}${Date.now().toString(36)}${(serial++).toString(36)}`;

async function must(h: SampleHost, tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await h.call(tool, args);
  if (res.isError) throw new Error(`preparing with ${tool} failed: ${res.text}`);
  return res.structured;
}

/** The Lead list layout back to its default in the sandbox, so "remove createdAt" always changes it. */
function defaultLeadList(h: SampleHost, tenant: string): void {
  h.sandboxes[tenant]!.state.layouts.reset('Lead', 'list');
}

const LIST_EDIT = { entity: 'Lead', layout: 'list', operations: [{ op: 'remove_field', field: 'createdAt' }] };

const updatable = new WeakMap<SampleHost, Set<string>>();

/** The custom field Lead.cRelUpd, created once per tenant (update_custom_field changes it, find_unused_fields counts it). */
async function ensureField(h: SampleHost, tenant: string): Promise<void> {
  const done = updatable.get(h) ?? new Set<string>();
  updatable.set(h, done);
  if (done.has(tenant)) return;
  const res = await h.call('create_custom_field', { tenant, entity: 'Lead', name: 'relUpd', type: 'varchar', label: 'Rel upd', maxLength: 30 });
  if (res.isError) throw new Error(`preparing Lead.cRelUpd failed: ${res.text}`);
  done.add(tenant);
}

/** A tool's plain sample call on one tenant (no preparation): the tenant as the tool takes it. */
export function plainArgs(tool: string, tenant: string): Record<string, unknown> {
  if (tool === 'list_tenants') return {};
  if (tool === 'check_tenants') return { ...SAMPLES[tool]!.base, tenants: [tenant] };
  if (tool === 'plan_blueprint' || tool === 'apply_blueprint' || tool === 'fleet_drift') return { ...SAMPLES[tool]!.base, tenants: [tenant] };
  return { tenant, ...SAMPLES[tool]!.base };
}

export const SAMPLES: Record<string, ToolSample> = {
  list_tenants: { writes: false, base: {}, args: async () => ({}) },
  list_changes: { writes: false, base: {}, args: async () => ({ changesOnly: true }) },
  check_tenant: { writes: false, base: {}, args: async (_h, tenant) => ({ tenant }) },
  check_tenants: { writes: false, base: {}, args: async (_h, tenant) => ({ tenants: [tenant] }) },
  tenant_usage: { writes: false, base: { months: 2 }, args: async (_h, tenant) => ({ tenant, months: 2 }) },
  // The plan only: a rotation under injected faults would leave the suites' tenants with unknown credentials.
  rotate_credentials: { writes: false, base: { what: 'apiKey' }, args: async (_h, tenant) => ({ tenant, what: 'apiKey' }) },
  get_layout: { writes: false, base: { entity: 'Lead', layout: 'detail' }, args: async (_h, tenant) => ({ tenant, entity: 'Lead', layout: 'detail' }) },
  describe_entity: { writes: false, base: { entity: 'Lead' }, args: async (_h, tenant) => ({ tenant, entity: 'Lead' }) },
  edit_layout: {
    writes: true,
    base: LIST_EDIT,
    args: async (h, tenant) => {
      defaultLeadList(h, tenant);
      return { tenant, ...LIST_EDIT };
    },
  },
  reset_layout: {
    writes: true,
    base: { entity: 'Lead', layout: 'detail' },
    args: async (h, tenant) => {
      const plan = await must(h, 'reset_layout', { tenant, entity: 'Lead', layout: 'detail' });
      return { tenant, entity: 'Lead', layout: 'detail', confirm: plan.confirmToken };
    },
  },
  create_custom_field: {
    writes: true,
    base: { entity: 'Lead', name: 'relBase', type: 'varchar', label: 'Rel base' },
    args: async (_h, tenant) => {
      const name = uniqueName('rel');
      return { tenant, entity: 'Lead', name, type: 'varchar', label: `Rel ${name}`, addToLayouts: ['detail'] };
    },
  },
  update_custom_field: {
    writes: true,
    base: { entity: 'Lead', name: 'relUpd', maxLength: 42 },
    args: async (h, tenant) => {
      await ensureField(h, tenant);
      return { tenant, entity: 'Lead', name: 'relUpd', maxLength: 31 + (serial++ % 200) };
    },
  },
  delete_custom_field: {
    writes: true,
    base: { entity: 'Lead', name: 'relDelBase' },
    args: async (h, tenant) => {
      const name = uniqueName('relDel');
      const created = await must(h, 'create_custom_field', { tenant, entity: 'Lead', name, type: 'varchar', label: 'Rel del', addToLayouts: ['list', 'detail'] });
      const plan = await must(h, 'delete_custom_field', { tenant, entity: 'Lead', name: created.field });
      return { tenant, entity: 'Lead', name: created.field, confirm: plan.confirmToken };
    },
  },
  rebuild: { writes: true, base: {}, args: async (_h, tenant) => ({ tenant }) },
  find_duplicates: { writes: false, base: { entities: ['Lead'] }, args: async (_h, tenant) => ({ tenant, entities: ['Lead'] }) },
  find_unused_fields: {
    writes: false,
    base: { entities: ['Lead'] },
    args: async (h, tenant) => {
      await ensureField(h, tenant);
      return { tenant, entities: ['Lead'] };
    },
  },
  merge_duplicates: {
    writes: true,
    base: { entity: 'Lead', keepId: '6a62b1c2d3e4f5a60', mergeIds: ['6b01a2b3c4d5e6f70'] },
    args: async (h, tenant) => {
      // Two fresh look-alike leads, put straight into the sandbox, so each call merges real duplicates.
      const records = h.sandboxes[tenant]!.state.records;
      const name = uniqueName('Dup');
      const make = (email: string) => records.create('Lead', { firstName: 'Ana', lastName: name, emailAddress: email }, { skipDuplicateCheck: true }).id as string;
      const keepId = make(`${name.toLowerCase()}@example.com`);
      const mergeId = make(`${name.toLowerCase()}@example.org`);
      const base = { tenant, entity: 'Lead', keepId, mergeIds: [mergeId] };
      const plan = await must(h, 'merge_duplicates', base);
      return { ...base, confirm: plan.confirmToken };
    },
  },
  snapshot_tenant: { writes: false, base: {}, args: async (_h, tenant) => ({ tenant }) },
  restore_snapshot: {
    writes: true,
    base: { snapshotId: 'snap_m1x2y3_0123456789ab' },
    args: async (h, tenant) => {
      // A snapshot with the default Lead list, then an edit of it, so the restore has a step to confirm.
      defaultLeadList(h, tenant);
      const snap = await must(h, 'snapshot_tenant', { tenant });
      await must(h, 'edit_layout', { tenant, ...LIST_EDIT });
      const plan = await must(h, 'restore_snapshot', { tenant, snapshotId: snap.snapshotId });
      return { tenant, snapshotId: snap.snapshotId, confirm: plan.confirmToken };
    },
  },
  // Fleet tools take tenants, not a tenant: the plan of the bundled transport blueprint, and its apply
  // (a field of a new name each time, so every apply writes: create, then detail and list placements).
  plan_blueprint: { writes: false, base: { blueprint: 'transport', tenants: ['acme'] }, args: async (_h, tenant) => ({ blueprint: 'transport', tenants: [tenant] }) },
  apply_blueprint: {
    writes: true,
    base: { blueprint: 'transport', tenants: ['acme'], confirm: 'eyJ2IjoxfQ.c2ln' },
    args: async (h, tenant) => {
      const blueprint = { name: 'sample', entities: { Lead: { fields: [{ name: uniqueName('bp'), type: 'varchar', label: 'Sample', layouts: ['detail', 'list'] }] } } };
      const plan = await must(h, 'plan_blueprint', { blueprint, tenants: [tenant] });
      return { blueprint, tenants: [tenant], confirm: plan.confirmToken };
    },
  },
  // Drift and compare read only: the transport blueprint against the tenant (fleet_drift takes tenants).
  fleet_drift: { writes: false, base: { blueprint: 'transport', tenants: ['acme'] }, args: async (_h, tenant) => ({ blueprint: 'transport', tenants: [tenant] }) },
  compare_tenants: { writes: false, base: { against: { blueprint: 'transport' } }, args: async (_h, tenant) => ({ tenant, against: { blueprint: 'transport' } }) },
  undo_change: {
    writes: true,
    base: { changeId: 'chg_m1x2y3z4_ab12cd34' },
    args: async (h, tenant) => {
      defaultLeadList(h, tenant);
      const edit = await must(h, 'edit_layout', { tenant, ...LIST_EDIT });
      return { tenant, changeId: edit.changeId };
    },
  },
};
