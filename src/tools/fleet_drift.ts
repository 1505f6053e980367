import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { blueprintArg, fleetTenants, tenantsArg } from './plan_blueprint.js';
import { loadBlueprint } from '../config/blueprints.js';
import { driftSummary, type DriftDifference } from '../core/blueprint/drift.js';
import { describeError } from '../errors.js';
import { driftFleet, schemaReadRefusal, type TenantDrift } from '../reads/drift.js';
import { DEFAULT_READ_CONCURRENCY, MAX_READ_CONCURRENCY } from '../reads/fleet.js';
import { describeFor } from '../secrets/callers.js';

export const DifferenceSchema = z.object({
  kind: z.string().describe('field_missing, options_missing, label, field_definition, placement_missing, panel_missing, field_extra, placement_extra, conflict...'),
  entity: z.string(),
  field: z.string().optional(),
  layout: z.string().optional(),
  key: z.string().optional(),
  lang: z.string().optional(),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
  summary: z.string(),
});

const Row = z.object({
  tenant: z.string(),
  status: z.enum(['in_sync', 'drifted', 'unreachable', 'skipped']),
  differences: z.array(DifferenceSchema),
  reason: z.string().optional(),
  notes: z.array(z.string()).optional(),
});

/** At most this many differences per tenant in the text (all of them are in the structured result). */
const TEXT_DIFFERENCES = 10;

export function driftText(rows: readonly TenantDrift[], blueprint: string): string {
  const s = driftSummary(rows);
  const shown = (d: DriftDifference[]) => [...d.slice(0, TEXT_DIFFERENCES).map((x) => `  - ${x.summary}`), ...(d.length > TEXT_DIFFERENCES ? [`  - and ${d.length - TEXT_DIFFERENCES} more`] : [])];
  return [
    `Blueprint "${blueprint}" on ${s.total} tenant(s): ${s.in_sync} in sync, ${s.drifted} drifted, ${s.unreachable} unreachable, ${s.skipped} skipped.`,
    ...rows.flatMap((r) =>
      r.status === 'in_sync'
        ? [`- ${r.tenant}: in sync`]
        : r.status === 'drifted'
          ? [`- ${r.tenant}: drifted (${r.differences.length} difference(s))`, ...shown(r.differences)]
          : [`- ${r.tenant}: ${r.status}${r.reason ? `: ${r.reason}` : ''}`],
    ),
    ...(s.drifted > 0 ? ['plan_blueprint shows what applying the blueprint would change; apply_blueprint brings them in line.'] : []),
  ].join('\n');
}

export const fleetDrift = defineTool({
  name: 'fleet_drift',
  title: 'Drift from a blueprint',
  description:
    'Which tenants differ from a blueprint (a standard setup), nothing written. Use it to find the tenants to bring in line, or on a schedule. ' +
    'Returns per tenant: in_sync, drifted (differences: what is missing or different, and conflicts, in words and as data), unreachable, ' +
    'or skipped (its policy does not allow schema reads), with the reason. Example: fleet_drift {"blueprint": "transport"}.',
  kind: 'read',
  tenantScoped: false,
  input: {
    blueprint: blueprintArg,
    tenants: tenantsArg.optional().describe('Tenant ids, or "*" (the default): all of yours.'),
    concurrency: z.number().int().min(1).max(MAX_READ_CONCURRENCY).optional().describe(`Tenants read at once (default ${DEFAULT_READ_CONCURRENCY}).`),
  },
  output: {
    blueprint: z.string(),
    tenants: z.array(Row),
    summary: z.object({ total: z.number().int(), in_sync: z.number().int(), drifted: z.number().int(), unreachable: z.number().int(), skipped: z.number().int() }),
  },
  annotations: annotationsFor('read'),
  async handler(args, ctx) {
    const targets = fleetTenants(ctx, args.tenants ?? '*');
    const loaded = await loadBlueprint(args.blueprint, ctx.registry.config);
    const rows = await driftFleet(targets, loaded.blueprint, {
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      signal: ctx.signal,
      skip: (t) => schemaReadRefusal(t, 'fleet_drift', ctx.principal, ctx.server),
      describe: (err) => describeFor(err, ctx.principal, ctx.logger, describeError),
      onResult: (r, done, total) => ctx.progress(done, total, `${r.tenant}: ${r.status}`).catch(() => undefined),
    });
    return {
      structured: { blueprint: loaded.name, tenants: rows, summary: driftSummary(rows) },
      text: driftText(rows, loaded.name),
    };
  },
});
