import { z } from 'zod';
import { annotationsFor, defineFleetTool, type ToolContext } from './define.js';
import { ToolError } from '../errors.js';
import { fingerprint } from '../core/confirm.js';
import type { Blueprint, PlanConflict, PlanStep } from '../core/blueprint/index.js';
import { planBlueprint } from '../core/blueprint/plan.js';
import { loadBlueprint, type LoadedBlueprint } from '../config/blueprints.js';
import { readCustomization } from '../reads/customizationState.js';
import type { TenantContext } from '../tenants/registry.js';
import type { FleetAccess, FleetJob, FleetStep, TenantPlanned, TenantPlanRow } from '../pipeline/fleet.js';
import { DEFAULT_FLEET_CONCURRENCY, MAX_FLEET_CONCURRENCY } from '../pipeline/fleet.js';
import { createCustomField } from './create_custom_field.js';
import { updateCustomField } from './update_custom_field.js';
import { deleteCustomField } from './delete_custom_field.js';
import { editLayout } from './edit_layout.js';
import type { WriteToolDefinition } from './define.js';

export const APPLY_TOOL = 'apply_blueprint';

// ---------------------------------------------------------------------------------------------
// Shared by plan_blueprint and apply_blueprint: arguments, the blueprint, the tenants, the job.

export const blueprintArg = z
  .union([z.string().min(1).max(100), z.record(z.string(), z.unknown())])
  .describe('A name from the blueprints folder (e.g. "transport"), or the blueprint itself (format: docs/blueprints.md).');

export const tenantsArg = z
  .union([z.literal('*'), z.array(z.string().min(1).max(64)).min(1).max(500)])
  .describe('Tenant ids, or "*" for all of yours.');

export const concurrencyArg = z.number().int().min(1).max(MAX_FLEET_CONCURRENCY).optional().describe(`Tenants at once (default ${DEFAULT_FLEET_CONCURRENCY}).`);

/** The tenants a call names ("*": every visible one), each access-checked, in configuration order. */
export function fleetTenants(ctx: ToolContext, tenants: '*' | string[]): TenantContext[] {
  const visible = ctx.registry.visible(ctx.principal);
  if (tenants === '*') return visible;
  // Unknown and forbidden tenants are refused alike (registry.resolve).
  const named = new Set(tenants.map((id) => ctx.registry.resolve(id, ctx.principal).id));
  return visible.filter((t) => named.has(t.id));
}

export async function blueprintOf(ctx: ToolContext, ref: unknown): Promise<LoadedBlueprint & { hash: string }> {
  const loaded = await loadBlueprint(ref, ctx.registry.config);
  return { ...loaded, hash: fingerprint(loaded.blueprint) };
}

/** A plan step as the call of the write tool that makes it (the same plan, apply and verify). */
export function stepCall(step: PlanStep): FleetStep {
  const tool = (t: unknown) => t as WriteToolDefinition;
  const layoutEdit = (layout: string, op: Record<string, unknown>, text: string): FleetStep => ({
    tool: tool(editLayout),
    args: { entity: step.entity, layout, operations: [op] },
    text,
    effects: ['layout.edit'],
  });
  const defined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  switch (step.kind) {
    case 'add_panel':
      return layoutEdit(step.layout, defined({ op: 'add_panel', label: step.label, after: step.after }), `add the panel "${step.label}" to the ${step.entity} ${step.layout} layout`);
    case 'create_field':
      return {
        tool: tool(createCustomField),
        args: { entity: step.entity, ...step.spec },
        text: `create ${step.entity}.${step.field} (${step.spec.type})`,
        effects: ['field.create'],
      };
    case 'add_options':
      return {
        tool: tool(updateCustomField),
        args: { entity: step.entity, name: step.field, addOptions: step.options },
        text: `add option(s) ${step.options.map((o) => JSON.stringify(typeof o === 'string' ? o : o.value)).join(', ')} to ${step.entity}.${step.field}`,
        effects: ['field.update'],
      };
    case 'update_field':
      return {
        tool: tool(updateCustomField),
        args: { entity: step.entity, name: step.field, ...step.set },
        text: `set ${Object.keys(step.set).join(', ')} of ${step.entity}.${step.field}`,
        effects: ['field.update'],
      };
    case 'place_field':
      return layoutEdit(
        step.layout,
        defined({ op: 'add_field', field: step.field, panel: step.panel, after: step.after, fullWidth: step.fullWidth, width: step.width }),
        `place ${step.entity}.${step.field} on the ${step.layout} layout${step.panel !== undefined ? ` (panel ${JSON.stringify(step.panel)})` : ''}${step.after ? ` after ${step.after}` : ''}`,
      );
    case 'unplace_field':
      return layoutEdit(step.layout, { op: 'remove_field', field: step.field }, `take ${step.entity}.${step.field} off the ${step.layout} layout`);
    case 'delete_field':
      return {
        tool: tool(deleteCustomField),
        args: { entity: step.entity, name: step.field },
        text: `delete ${step.entity}.${step.field} (the blueprint removes it)`,
        effects: ['field.delete', 'layout.edit'],
      };
  }
}

export function conflictText(c: PlanConflict): string {
  return `${c.entity}${c.field ? `.${c.field}` : ''}${c.layout ? ` (${c.layout} layout)` : ''}: ${c.reason}`;
}

/** Reads one tenant's customization (as it is now) and plans the blueprint on it; never writes. */
export function planTenantWith(blueprint: Blueprint): (ctx: ToolContext) => Promise<TenantPlanned> {
  return async (ctx) => {
    // Fresh: a plan (and the apply's plan again) is made on the CRM as it is now. Whether a layout is customized does not change a plan: no history read.
    const state = await readCustomization(ctx.tenant, ctx.signal, { entities: Object.keys(blueprint.entities), fresh: true });
    const plan = planBlueprint(blueprint, state, { tenant: ctx.tenant.id });
    if (plan.conflicts.length > 0) return { status: 'conflict', conflicts: plan.conflicts.map(conflictText), notes: plan.notes };
    if (plan.steps.length === 0) return { status: 'in_sync', notes: plan.notes };
    return { status: 'changes', steps: plan.steps.map(stepCall), notes: plan.notes };
  };
}

export function fleetJob(ctx: ToolContext, bp: LoadedBlueprint & { hash: string }, tenants: TenantContext[], concurrency: number | undefined): FleetJob {
  return {
    applyTool: APPLY_TOOL,
    subject: { blueprint: bp.name, hash: bp.hash },
    auditArgs: { blueprint: bp.name, origin: bp.origin, hash: bp.hash },
    tenants,
    ...(concurrency !== undefined ? { concurrency } : {}),
    planTenant: planTenantWith(bp.blueprint),
  };
}

export function blueprintOut(bp: LoadedBlueprint & { hash: string }) {
  return { name: bp.name, origin: bp.origin, hash: bp.hash };
}

export const BlueprintOut = z.object({
  name: z.string(),
  origin: z.enum(['folder', 'bundled', 'inline', 'file']),
  hash: z.string().describe('Fingerprint of its content: the token is bound to it.'),
});

const PlanRow = z.object({
  tenant: z.string(),
  status: z.enum(['changes', 'in_sync', 'conflict', 'skipped', 'unreachable']),
  steps: z.array(z.string()).describe('What applying would do, in order.'),
  conflicts: z.array(z.string()).describe('Why it cannot be applied here (never applied).'),
  notes: z.array(z.string()),
  reason: z.string().optional().describe('Why skipped or unreachable.'),
});

export function countBy<T extends { status: string }>(rows: readonly T[], statuses: readonly string[]): Record<string, number> {
  return Object.fromEntries([['total', rows.length], ...statuses.map((s) => [s, rows.filter((r) => r.status === s).length])]);
}

export function planText(name: string, rows: TenantPlanRow[], token?: { token: string; expiresAt: string }): string {
  const lines = [`Plan of blueprint "${name}" on ${rows.length} tenant(s); nothing was written.`];
  for (const r of rows) {
    lines.push(`- ${r.tenant}: ${r.status}${r.reason ? ` (${r.reason})` : ''}`);
    for (const s of r.steps) lines.push(`    ${s}`);
    for (const c of r.conflicts) lines.push(`    conflict: ${c}`);
  }
  lines.push(
    token
      ? `To apply, call apply_blueprint with the same blueprint and tenants and "confirm": "${token.token}" (valid until ${token.expiresAt}). Tenants with conflicts or skipped are not applied.`
      : 'No tenant has anything to apply: no confirm token.',
  );
  return lines.join('\n');
}

export const planBlueprintTool = defineFleetTool({
  name: 'plan_blueprint',
  title: 'Plan a blueprint on tenants',
  description:
    'Show what applying a blueprint (custom fields, options, placements, panels) would change on each tenant; writes nothing. ' +
    'Use it before apply_blueprint. Per tenant: changes (the steps), in_sync, conflict (e.g. a field of the same name and another ' +
    'type), skipped (read-only, a tool not allowed) or unreachable. Returns one confirm token for the whole plan. Example: ' +
    'plan_blueprint {"blueprint": "transport", "tenants": "*"}.',
  kind: 'read',
  fleet: true,
  tenantScoped: false,
  input: { blueprint: blueprintArg, tenants: tenantsArg, concurrency: concurrencyArg },
  output: {
    blueprint: BlueprintOut,
    tenants: z.array(PlanRow),
    summary: z.record(z.string(), z.number().int()).describe('Tenants per status, and the total.'),
    confirmToken: z.string().optional().describe('Pass as "confirm" to apply_blueprint with the same blueprint and tenants.'),
    expiresAt: z.string().optional(),
  },
  annotations: annotationsFor('read'),
  async run(args, ctx, fleet: FleetAccess) {
    const bp = await blueprintOf(ctx, args.blueprint);
    const tenants = fleetTenants(ctx, args.tenants);
    if (tenants.length === 0) throw new ToolError('No tenant to plan on: you see no tenant.', 'no_tenant');
    const { tenants: rows, token } = await fleet.plan(fleetJob(ctx, bp, tenants, args.concurrency));
    return {
      structured: {
        blueprint: blueprintOut(bp),
        tenants: rows,
        summary: countBy(rows, ['changes', 'in_sync', 'conflict', 'skipped', 'unreachable']),
        ...(token ? { confirmToken: token.token, expiresAt: token.expiresAt } : {}),
      },
      text: planText(bp.name, rows, token),
    };
  },
});

