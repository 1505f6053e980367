import { z } from 'zod';
import { annotationsFor, defineFleetTool } from './define.js';
import { ToolError } from '../errors.js';
import type { FleetAccess, TenantApplyRow } from '../pipeline/fleet.js';
import { APPLY_TOOL, BlueprintOut, blueprintArg, blueprintOf, blueprintOut, concurrencyArg, countBy, fleetJob, fleetTenants, tenantsArg } from './plan_blueprint.js';

const ApplyRow = z.object({
  tenant: z.string(),
  status: z.enum(['applied', 'unchanged', 'failed', 'skipped', 'conflict', 'unreachable', 'cancelled']),
  changeId: z.string().optional().describe('applied: undo_change reverts this tenant\'s whole apply; failed: what a failed rollback left.'),
  steps: z.array(z.string()).describe('Steps done (failed: done, then rolled back).'),
  conflicts: z.array(z.string()).optional(),
  reason: z.string().optional(),
  rolledBack: z.boolean().optional().describe('failed: the tenant is as it was.'),
  left: z.array(z.string()).optional().describe('failed, not rolled back: what is still changed.'),
});

const STATUSES = ['applied', 'unchanged', 'failed', 'skipped', 'conflict', 'unreachable', 'cancelled'] as const;

export function applyText(name: string, rows: TenantApplyRow[]): string {
  const counts = countBy(rows, STATUSES);
  const lines = [`Blueprint "${name}" on ${rows.length} tenant(s): ${STATUSES.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(', ')}.`];
  for (const r of rows) {
    lines.push(`- ${r.tenant}: ${r.status}${r.changeId ? ` [changeId ${r.changeId}]` : ''}${r.reason ? ` (${r.reason})` : ''}`);
    for (const s of r.steps) lines.push(`    ${r.status === 'failed' ? (r.rolledBack ? '(rolled back) ' : '(done) ') : ''}${s}`);
    for (const l of r.left ?? []) lines.push(`    still changed: ${l}`);
    for (const c of r.conflicts ?? []) lines.push(`    conflict: ${c}`);
  }
  if (rows.some((r) => r.status === 'applied')) lines.push('undo_change {"tenant", "changeId"} reverts one tenant\'s apply as a whole.');
  return lines.join('\n');
}

export const applyBlueprintTool = defineFleetTool({
  name: APPLY_TOOL,
  title: 'Apply a blueprint to tenants',
  description:
    'Apply the plan plan_blueprint made, with its confirm token. Use it once the user approved that plan: same blueprint and ' +
    'tenants; refused if a tenant\'s plan changed since. Tenants a few at a time, each all-or-nothing (a failing step reverts that ' +
    'tenant\'s steps); conflicting and skipped tenants are not applied. Returns per tenant applied (one changeId for undo_change), ' +
    'unchanged, failed, skipped, conflict or cancelled. Example: apply_blueprint {"blueprint": "transport", "tenants": "*", "confirm": "<token>"}.',
  kind: 'write',
  fleet: true,
  tenantScoped: false,
  input: {
    blueprint: blueprintArg,
    tenants: tenantsArg,
    confirm: z.string().min(1).max(2000).describe('The token plan_blueprint returned.'),
    concurrency: concurrencyArg,
  },
  output: {
    blueprint: BlueprintOut,
    tenants: z.array(ApplyRow),
    summary: z.record(z.string(), z.number().int()).describe('Tenants per status, and the total.'),
  },
  // Destructive: a blueprint may remove fields or placements when it says so.
  annotations: annotationsFor('write', { destructive: true }),
  async run(args, ctx, fleet: FleetAccess) {
    const bp = await blueprintOf(ctx, args.blueprint);
    const tenants = fleetTenants(ctx, args.tenants);
    if (tenants.length === 0) throw new ToolError('No tenant to apply to: you see no tenant.', 'no_tenant');
    const rows = await fleet.apply(fleetJob(ctx, bp, tenants, args.concurrency), args.confirm);
    return {
      structured: { blueprint: blueprintOut(bp), tenants: rows, summary: countBy(rows, STATUSES) },
      text: applyText(bp.name, rows),
    };
  },
});
