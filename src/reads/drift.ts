/**
 * Drift of tenants against a blueprint (fleet_drift, the drift resource, `drift`): each tenant's
 * customization read (readCustomization, scoped to the blueprint's entities), planned against the
 * blueprint (planBlueprint), and judged: in sync when the plan has nothing to do, drifted otherwise
 * (its steps and conflicts are the differences), unreachable when it could not be read. Tenants are
 * read a few at a time (mapFleet); a tenant's state is dropped once its differences are built, so
 * what is held at once is bounded by the concurrency, not by the number of tenants.
 */
import { describeError } from '../errors.js';
import type { Blueprint, BlueprintPlan } from '../core/blueprint/index.js';
import type { ChangeHistory } from '../store/types.js';
import { driftStatusOf, planDifferences, type DriftDifference, type DriftStatus } from '../core/blueprint/drift.js';
import { planBlueprint } from '../core/blueprint/plan.js';
import { decideTool, type Principal } from '../tenants/policy.js';
import type { TenantContext } from '../tenants/registry.js';
import { readCustomization } from './customizationState.js';
import { mapFleet, type FleetReadOptions } from './fleet.js';

export interface TenantDrift {
  tenant: string;
  status: DriftStatus;
  differences: DriftDifference[];
  /** Why the tenant was skipped or could not be read (our words; CRM text marked). */
  reason?: string;
  /** Notes of the plan (the name "secteur" stored as "cSecteur"...). */
  notes?: string[];
}

/** A tenant left out of the comparison, with the reason (e.g. its policy does not allow the tool). */
export type DriftSkip = (tenant: TenantContext) => string | undefined;

export interface DriftOptions extends FleetReadOptions<TenantDrift> {
  /** How a failure is described for the caller (describeFor in the tools: a secret problem as this caller may see it). */
  describe?: (err: unknown) => string;
  /** Tenants to leave out, with the reason. */
  skip?: DriftSkip;
  /** The recorded history (marks the layouts this server customised, as plan_blueprint reads them). */
  history?: ChangeHistory;
  /** Each tenant's read is abandoned after this long (default 60 s). */
  timeoutMs?: number;
}

export const DEFAULT_DRIFT_TIMEOUT_MS = 60_000;

/**
 * Why `principal` may not read this tenant's schema through `tool` (fleet_drift, compare_tenants, the
 * resources): the tool itself, and describe_entity (the schema read), must be allowed on the tenant.
 */
export function schemaReadRefusal(tenant: TenantContext, tool: string, principal: Principal, server: { readOnly: boolean }): string | undefined {
  for (const name of [tool, 'describe_entity']) {
    const d = decideTool({ name, kind: 'read' }, tenant.config, principal, server);
    if (!d.allowed) return d.reason;
  }
  return undefined;
}

/** The entities a blueprint touches: all a plan needs read. */
export function blueprintEntities(blueprint: Blueprint): string[] {
  return Object.keys(blueprint.entities);
}

/**
 * The layouts a plan of the blueprint consults: those its fields are placed on, its panels are on, and
 * its removals take placements off (planBlueprint reads no other; a layout not read is a conflict only
 * when the blueprint targets it). The transport blueprint needs 2 layouts per entity, not the 5 a
 * snapshot reads: the fleet bench's reads fall by about a third.
 */
export function blueprintLayouts(blueprint: Blueprint): string[] {
  const out = new Set<string>();
  for (const e of Object.values(blueprint.entities)) {
    for (const f of e.fields ?? []) for (const t of f.layouts ?? []) out.add(typeof t === 'string' ? t : t.layout);
    for (const p of e.panels ?? []) out.add(p.layout);
    for (const r of e.remove?.placements ?? []) out.add(r.layout);
  }
  return [...out];
}

/**
 * The tenant's customization read for the blueprint (its entities and the layouts it targets, metadata
 * read again, the recorded history when given), and the blueprint planned on it: the plan
 * plan_blueprint makes. Throws when the tenant cannot be read.
 */
export async function planAgainst(tenant: TenantContext, blueprint: Blueprint, opts: { signal?: AbortSignal; history?: ChangeHistory }): Promise<BlueprintPlan> {
  const state = await readCustomization(tenant, opts.signal, {
    entities: blueprintEntities(blueprint),
    layouts: blueprintLayouts(blueprint),
    fresh: true,
    ...(opts.history ? { history: opts.history } : {}),
  });
  return planBlueprint(blueprint, state, { tenant: tenant.id });
}

/** One tenant against the blueprint. Never throws (a failure is the tenant's status). */
export async function driftOfTenant(tenant: TenantContext, blueprint: Blueprint, opts: Omit<DriftOptions, 'onResult' | 'concurrency'> = {}): Promise<TenantDrift> {
  const skipped = opts.skip?.(tenant);
  if (skipped !== undefined) return { tenant: tenant.id, status: 'skipped', differences: [], reason: skipped };
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_DRIFT_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const plan = await planAgainst(tenant, blueprint, { signal, ...(opts.history ? { history: opts.history } : {}) });
    return {
      tenant: tenant.id,
      status: driftStatusOf(plan),
      differences: planDifferences(plan),
      ...(plan.notes.length ? { notes: plan.notes } : {}),
    };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    const why = timeout.aborted ? `the read did not finish within ${Math.round((opts.timeoutMs ?? DEFAULT_DRIFT_TIMEOUT_MS) / 1000)} s` : (opts.describe ?? describeError)(err);
    return { tenant: tenant.id, status: 'unreachable', differences: [], reason: `could not be read: ${why}` };
  }
}

/** Every tenant given against the blueprint, `concurrency` at a time, in the order given. */
export async function driftFleet(tenants: readonly TenantContext[], blueprint: Blueprint, opts: DriftOptions = {}): Promise<TenantDrift[]> {
  const { onResult, concurrency, ...one } = opts;
  return mapFleet(tenants, { ...(concurrency !== undefined ? { concurrency } : {}), ...(opts.signal ? { signal: opts.signal } : {}), ...(onResult ? { onResult } : {}) }, (t) =>
    // A tenant found cold is released once read: what the run holds is bounded by its concurrency.
    t.using(() => driftOfTenant(t, blueprint, one), { transient: true }),
  );
}
