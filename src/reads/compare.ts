/**
 * compare_tenants and the compare resource: how a tenant's customization differs from another
 * tenant's, from one of its snapshots, or from a blueprint. The tenant is the "actual" side; what it
 * is compared against is the "expected" side (a difference's `expected` is the other tenant's, the
 * snapshot's or the blueprint's value). Against a blueprint, the differences are its plan on the
 * tenant (drift.ts). Nothing here writes.
 */
import type { Blueprint, Difference, TenantCustomization } from '../core/blueprint/index.js';
import { plainMarked, untrusted } from '../core/fence.js';
import { planDifferences, type DriftDifference } from '../core/blueprint/drift.js';
import { diffCustomization } from '../core/blueprint/plan.js';
import { isRecord } from '../core/values.js';
import type { ChangeHistory, Snapshot } from '../store/types.js';
import type { TenantContext } from '../tenants/registry.js';
import { readCustomization } from './customizationState.js';
import { planAgainst } from './drift.js';

export type CompareAgainst =
  | { kind: 'tenant'; tenant: TenantContext }
  | { kind: 'snapshot'; snapshot: Snapshot }
  | { kind: 'blueprint'; name: string; blueprint: Blueprint };

export interface CompareResult {
  tenant: string;
  against: { kind: 'tenant' | 'snapshot' | 'blueprint'; id: string; at?: string };
  same: boolean;
  differences: DriftDifference[];
  notes?: string[];
}

export interface CompareOptions {
  signal?: AbortSignal;
  history?: ChangeHistory;
  /** Only these entity types (tenant against tenant; default: every customizable one of either). */
  entities?: readonly string[];
}

/** The snapshot's data as a customization state; a CoreError-free check that it has the expected shape. */
function snapshotState(s: Snapshot): TenantCustomization {
  const d = s.data;
  if (!isRecord(d) || !Array.isArray(d.fields) || !Array.isArray(d.layouts)) {
    throw new Error(`snapshot ${s.id} holds no customization state (no fields and layouts): it cannot be compared`);
  }
  return d as unknown as TenantCustomization;
}

/**
 * Against another tenant or a snapshot, both sides are CRM data (field names, types, labels, options of
 * either CRM): each summary is marked as a whole, so a model reads it fenced.
 */
function fromCrm(differences: Difference[]): DriftDifference[] {
  return differences.map((d) => ({ ...d, summary: untrusted(plainMarked(d.summary)) }));
}

/** Compares `tenant` (as it is now) with what `against` names. Throws when a tenant cannot be read. */
export async function compareTenant(tenant: TenantContext, against: CompareAgainst, opts: CompareOptions = {}): Promise<CompareResult> {
  const read = (t: TenantContext, entities?: readonly string[]) =>
    readCustomization(t, opts.signal, { ...(entities ? { entities } : {}), fresh: true, ...(opts.history ? { history: opts.history } : {}) });
  const notesOf = (...states: TenantCustomization[]) => states.flatMap((s) => (s.notes ?? []).map((n) => `${s.tenant}: ${n}`));
  switch (against.kind) {
    case 'tenant': {
      // Each side's customizable entities (or those asked): an entity only one has (a custom entity) shows as its fields and layouts missing or extra.
      const [a, b] = await Promise.all([read(tenant, opts.entities), read(against.tenant, opts.entities)]);
      const differences = fromCrm(diffCustomization(b, a));
      const notes = notesOf(a, b);
      return { tenant: tenant.id, against: { kind: 'tenant', id: against.tenant.id }, same: differences.length === 0, differences, ...(notes.length ? { notes } : {}) };
    }
    case 'snapshot': {
      const expected = snapshotState(against.snapshot);
      const actual = await read(tenant, expected.entities);
      const differences = fromCrm(diffCustomization(expected, actual));
      const notes = notesOf(actual);
      return {
        tenant: tenant.id,
        against: { kind: 'snapshot', id: against.snapshot.id, at: against.snapshot.ts },
        same: differences.length === 0,
        differences,
        ...(notes.length ? { notes } : {}),
      };
    }
    case 'blueprint': {
      const plan = await planAgainst(tenant, against.blueprint, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.history ? { history: opts.history } : {}) });
      const differences = planDifferences(plan);
      return { tenant: tenant.id, against: { kind: 'blueprint', id: against.name }, same: differences.length === 0, differences, ...(plan.notes.length ? { notes: plan.notes } : {}) };
    }
  }
}

/** At most this many differences in the text (all are in the structured result). */
const TEXT_DIFFERENCES = 30;

export function compareText(r: CompareResult): string {
  const what = r.against.kind === 'tenant' ? `tenant "${r.against.id}"` : r.against.kind === 'snapshot' ? `its snapshot ${r.against.id}${r.against.at ? ` (${r.against.at})` : ''}` : `blueprint "${r.against.id}"`;
  if (r.same) return `Tenant "${r.tenant}" matches ${what}: no difference in what was compared.${r.notes?.length ? `\nNotes:\n${r.notes.map((n) => `- ${n}`).join('\n')}` : ''}`;
  return [
    `Tenant "${r.tenant}" against ${what}: ${r.differences.length} difference(s) (expected: ${r.against.kind === 'blueprint' ? 'the blueprint' : r.against.kind === 'snapshot' ? 'the snapshot' : `"${r.against.id}"`}; actual: "${r.tenant}").`,
    ...r.differences.slice(0, TEXT_DIFFERENCES).map((d) => `- ${d.summary}`),
    ...(r.differences.length > TEXT_DIFFERENCES ? [`- and ${r.differences.length - TEXT_DIFFERENCES} more (see the structured result)`] : []),
    ...(r.notes?.length ? ['Notes:', ...r.notes.map((n) => `- ${n}`)] : []),
  ].join('\n');
}
