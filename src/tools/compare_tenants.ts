import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { entityArg, tenantArg } from './args.js';
import { DifferenceSchema } from './fleet_drift.js';
import { blueprintArg } from './plan_blueprint.js';
import { loadBlueprint } from '../config/blueprints.js';
import { schemaReadRefusal } from '../reads/drift.js';
import { ToolError } from '../errors.js';
import { compareTenant, compareText, type CompareAgainst } from '../reads/compare.js';

export const compareTenants = defineTool({
  name: 'compare_tenants',
  title: 'Compare a tenant',
  description:
    "How a tenant's customization (custom fields, options, labels, customized layouts) differs from another tenant's, from one of its own " +
    'snapshots (the id is looked up for this tenant only), or from a blueprint. Use it before copying a setup or a restore. Returns the ' +
    'differences (expected: the other side). Reads only. Example: compare_tenants {"tenant": "acme", "against": {"tenant": "globex"}}.',
  kind: 'read',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    against: z
      .union([
        z.strictObject({ tenant: z.string().min(1).max(64) }),
        z.strictObject({ snapshotId: z.string().min(1).max(100) }),
        z.strictObject({ blueprint: blueprintArg }),
      ])
      .describe('{"tenant": id}, {"snapshotId": id} (a snapshot of this tenant), or {"blueprint": name or object}.'),
    entities: z.array(entityArg).min(1).max(50).optional().describe('Against a tenant: only these entity types (default: every customizable one).'),
  },
  output: {
    tenant: z.string(),
    against: z.object({ kind: z.enum(['tenant', 'snapshot', 'blueprint']), id: z.string(), at: z.string().optional() }),
    same: z.boolean(),
    differences: z.array(DifferenceSchema),
    notes: z.array(z.string()).optional(),
  },
  annotations: annotationsFor('read'),
  async handler(args, ctx) {
    const a = args.against as { tenant?: string; snapshotId?: string; blueprint?: unknown };
    let against: CompareAgainst;
    if (a.tenant !== undefined) {
      const other = ctx.registry.resolve(a.tenant, ctx.principal);
      if (other.id === ctx.tenant.id) throw new ToolError(`"against" names the tenant being compared ("${other.id}"); name another tenant, a snapshot of it, or a blueprint.`);
      const refused = schemaReadRefusal(other, 'compare_tenants', ctx.principal, ctx.server);
      if (refused !== undefined) throw new ToolError(`Not compared: ${refused}.`, 'forbidden');
      against = { kind: 'tenant', tenant: other };
    } else if (a.snapshotId !== undefined) {
      const snap = await ctx.snapshots.getSnapshot(a.snapshotId, ctx.tenant.id);
      if (!snap) {
        throw new ToolError(
          `No snapshot "${a.snapshotId}" of tenant "${ctx.tenant.id}": a snapshot is looked up for the tenant compared. ` +
            `The resource espocrm://tenants/${ctx.tenant.id}/snapshots lists them; snapshot_tenant takes one.`,
          'snapshot_not_found',
        );
      }
      against = { kind: 'snapshot', snapshot: snap };
    } else {
      const loaded = await loadBlueprint(a.blueprint, ctx.registry.config);
      against = { kind: 'blueprint', name: loaded.name, blueprint: loaded.blueprint };
    }
    const refused = schemaReadRefusal(ctx.tenant, 'compare_tenants', ctx.principal, ctx.server);
    if (refused !== undefined) throw new ToolError(`Not compared: ${refused}.`, 'forbidden');
    if (args.entities !== undefined && against.kind !== 'tenant') {
      throw new ToolError('"entities" applies against a tenant only: a snapshot is compared over the entities it holds, a blueprint over the entities it names. Leave "entities" out.');
    }
    const result = await compareTenant(ctx.tenant, against, { signal: ctx.signal, history: ctx.history, ...(args.entities ? { entities: args.entities } : {}) });
    return { structured: result, text: compareText(result) };
  },
});
