/**
 * Drift (fleet_drift, the drift resource, `drift`): a tenant's plan against a blueprint, read as the
 * differences between what the blueprint asks and what the tenant has. A tenant is in sync when its
 * plan has no step and no conflict. Each step and each conflict is one difference, in words (`summary`)
 * and as data. Values the tenant holds (`actual`: its current label, default...) are CRM data: marked
 * with `untrusted()` in the words. Pure.
 */
import { untrusted } from '../fence.js';
import { optionValueOf } from './plan.js';
import type { BlueprintPlan, Difference, DifferenceKind, PlanConflict, PlanStep } from './types.js';

export type DriftStatus = 'in_sync' | 'drifted' | 'unreachable' | 'skipped';

/** One difference of a drifted tenant: a plan step (what applying would do) or a conflict (what blocks it). */
export interface DriftDifference extends Omit<Difference, 'kind'> {
  kind: DifferenceKind | 'conflict';
}

const quoted = (v: unknown): string => JSON.stringify(v === undefined ? null : v);

/** A key of update_field's `set` as a difference: the label has its own kind, the rest are definition parameters. */
function updateDifferences(step: Extract<PlanStep, { kind: 'update_field' }>): DriftDifference[] {
  return Object.entries(step.set).map(([key, expected]) => {
    const actual = step.before[key];
    const where = `${step.entity}.${step.field}`;
    return {
      kind: key === 'label' ? 'label' : 'field_definition',
      entity: step.entity,
      field: step.field,
      ...(key === 'label' ? {} : { key }),
      expected,
      ...(actual !== undefined ? { actual } : {}),
      summary: `${where}: ${key} is ${actual === undefined ? 'not set' : untrusted(quoted(actual))}, the blueprint wants ${quoted(expected)}`,
    };
  });
}

/** The difference a plan step stands for. */
export function stepDifferences(step: PlanStep): DriftDifference[] {
  switch (step.kind) {
    case 'add_panel':
      return [{ kind: 'panel_missing', entity: step.entity, layout: step.layout, expected: step.label, summary: `${step.entity} ${step.layout} layout: no panel "${step.label}"` }];
    case 'create_field': {
      const { name: _name, ...spec } = step.spec;
      return [{ kind: 'field_missing', entity: step.entity, field: step.field, expected: spec, summary: `${step.entity}: no field ${step.field} (${step.spec.type})` }];
    }
    case 'add_options': {
      const values = step.options.map(optionValueOf);
      return [
        {
          kind: 'options_missing',
          entity: step.entity,
          field: step.field,
          expected: values,
          summary: `${step.entity}.${step.field}: option${values.length === 1 ? '' : 's'} missing: ${values.map(quoted).join(', ')}`,
        },
      ];
    }
    case 'update_field':
      return updateDifferences(step);
    case 'place_field':
      return [{ kind: 'placement_missing', entity: step.entity, field: step.field, layout: step.layout, summary: `${step.entity}.${step.field} is not on the ${step.layout} layout` }];
    case 'delete_field':
      return [{ kind: 'field_extra', entity: step.entity, field: step.field, summary: `${step.entity}.${step.field} exists; the blueprint removes it` }];
    case 'unplace_field':
      return [{ kind: 'placement_extra', entity: step.entity, field: step.field, layout: step.layout, summary: `${step.entity}.${step.field} is on the ${step.layout} layout; the blueprint takes it off` }];
  }
}

/** A conflict as a difference (its reason is the planner's words, CRM values already marked). */
export function conflictDifference(c: PlanConflict): DriftDifference {
  return {
    kind: 'conflict',
    entity: c.entity,
    ...(c.field !== undefined ? { field: c.field } : {}),
    ...(c.layout !== undefined ? { layout: c.layout } : {}),
    summary: `${c.entity}${c.field !== undefined ? `.${c.field}` : ''}${c.layout !== undefined ? ` (${c.layout})` : ''}: ${c.reason}`,
  };
}

/** Every difference of a plan: conflicts first (they block applying), then the steps in order. */
export function planDifferences(plan: Pick<BlueprintPlan, 'steps' | 'conflicts'>): DriftDifference[] {
  return [...plan.conflicts.map(conflictDifference), ...plan.steps.flatMap(stepDifferences)];
}

/** In sync when the plan has nothing to do and nothing in the way. */
export function driftStatusOf(plan: Pick<BlueprintPlan, 'steps' | 'conflicts'>): 'in_sync' | 'drifted' {
  return plan.steps.length === 0 && plan.conflicts.length === 0 ? 'in_sync' : 'drifted';
}

/** How many tenants are in each status. */
export function driftSummary(rows: ReadonlyArray<{ status: DriftStatus }>): Record<DriftStatus, number> & { total: number } {
  const n = (s: DriftStatus) => rows.filter((r) => r.status === s).length;
  return { total: rows.length, in_sync: n('in_sync'), drifted: n('drifted'), unreachable: n('unreachable'), skipped: n('skipped') };
}
