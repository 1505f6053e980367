/**
 * The fleet pipeline (issue 19): one plan over many tenants, confirmed once, applied tenant by tenant
 * (plan_blueprint, apply_blueprint). Per tenant, in this order:
 *
 *   policy (the applying tool, then each step's effects) → plan (reads only) → one confirm token for
 *   the whole plan → instance guard → for each step: its tool's plan → effects → apply → verify →
 *   one audit line, with ONE changeId whose change (kind 'blueprint') holds the steps' own changes
 *
 * A step is a call of an existing write tool (create_custom_field, update_custom_field, edit_layout,
 * delete_custom_field): its plan, apply and verify run as the write pipeline runs them, so the fleet
 * writes nothing those tools would not. A tenant is all-or-nothing: when a step fails, the changes
 * its steps made are reverted through their change records (undo_change's revert, last first); what
 * a failed revert leaves is recorded as a partial change that undo_change can finish.
 *
 * The confirm token is bound to the subject (the blueprint's content), the tenant list and a
 * fingerprint of each tenant's plan: apply plans every tenant again and refuses the whole token,
 * naming the tenants, when one plan changed. Tenants run a few at a time; cancelling stops tenants not
 * started (reported "cancelled"), while a tenant in flight finishes (or rolls back) its own steps.
 */
import { setMaxListeners } from 'node:events';
import { z } from 'zod';
import { fingerprint, type ConfirmTokens } from '../core/confirm.js';
import { writeAccess } from '../espo/writeAccess.js';
import { describeError, ToolError } from '../errors.js';
import { describeFor } from '../secrets/callers.js';
import { callerId, decideEffects, decideTool, type Effect } from '../tenants/policy.js';
import type { TenantLimits } from '../tenants/limits.js';
import type { TenantContext } from '../tenants/registry.js';
import type { ChangeRecord, Store } from '../store/types.js';
import type { ApplyContext, FleetToolDefinition, ToolContext, ToolResult, WriteToolDefinition } from '../tools/define.js';
import { applyRevert, describeRevert, planRevert, readBackRevert } from '../tools/undo_change.js';
import { WriteFailure } from './failure.js';
import { instanceOf, recordLine, type RecordScope } from './record.js';
import { mapFleet } from '../reads/fleet.js';

export const DEFAULT_FLEET_CONCURRENCY = 8;
export const MAX_FLEET_CONCURRENCY = 32;

/** The `tenant` a whole-fleet confirm token is bound to (its tenants are in its arguments). */
const FLEET_TOKEN_TENANT = '*';

export interface FleetDeps {
  store: Store;
  confirms: ConfirmTokens;
  /** Tells resource subscribers that a resource changed. */
  changed?(uri: string): void;
  /** The per-tenant concurrency and rate limits (HTTP); each tenant's work counts as one call. */
  limits?: TenantLimits;
}

/** One write of a tenant's plan: a call of an existing write tool, without `tenant`. */
export interface FleetStep {
  tool: WriteToolDefinition;
  args: Record<string, unknown>;
  /** In words, for plans and reports. */
  text: string;
  /** What applying it does, for the policy (each effect judged as its own tool would be). */
  effects: Effect[];
}

/** What planning one tenant found (the pipeline decides "skipped" itself, from the policy). */
export type TenantPlanned =
  | { status: 'changes'; steps: FleetStep[]; notes?: string[] }
  | { status: 'in_sync'; notes?: string[] }
  | { status: 'conflict'; conflicts: string[]; notes?: string[] };

export interface FleetJob {
  /** The tool that applies the plan: the token is issued for it, its audit lines name it. */
  applyTool: string;
  /** What the plan is of (e.g. the blueprint's name and content hash): bound into the token. */
  subject: Record<string, unknown>;
  /** What the audit lines show as the call's arguments (small, no secrets). */
  auditArgs: Record<string, unknown>;
  /** In configuration order, access-checked. */
  tenants: TenantContext[];
  /** Tenants at once (default 8, at most 32). */
  concurrency?: number;
  /** Reads one tenant and plans it; never writes. A throw reports the tenant unreachable. */
  planTenant(ctx: ToolContext): Promise<TenantPlanned>;
}

export type TenantPlanStatus = 'changes' | 'in_sync' | 'conflict' | 'skipped' | 'unreachable';

export interface TenantPlanRow {
  tenant: string;
  status: TenantPlanStatus;
  /** The steps, in words (status changes). */
  steps: string[];
  conflicts: string[];
  notes: string[];
  /** Why skipped or unreachable. */
  reason?: string;
}

export type TenantApplyStatus = 'applied' | 'unchanged' | 'failed' | 'skipped' | 'conflict' | 'unreachable' | 'cancelled';

export interface TenantApplyRow {
  tenant: string;
  status: TenantApplyStatus;
  /** applied: undo_change reverts the tenant's whole apply with it; failed: what a rollback that failed left. */
  changeId?: string;
  /** The steps done (applied), or done and then rolled back (failed). */
  steps: string[];
  conflicts?: string[];
  /** Why it failed, was skipped or not reached. */
  reason?: string;
  /** failed: whether the steps done were all reverted (the tenant is as it was). */
  rolledBack?: boolean;
  /** failed, rollback incomplete: what is still changed (undo_change with `changeId` reverts it). */
  left?: string[];
}

export interface FleetPlanResult {
  tenants: TenantPlanRow[];
  /** One token for the whole plan; none when no tenant has changes. */
  token?: { token: string; expiresAt: string };
}

/** What a fleet tool may do across tenants (handed to its `run` by the pipeline). */
export interface FleetAccess {
  plan(job: FleetJob): Promise<FleetPlanResult>;
  apply(job: FleetJob, confirm: string): Promise<TenantApplyRow[]>;
}

/** Runs a fleet tool: `run` gets planning and applying across tenants, with this call's caller and store. */
export function runFleetTool(tool: FleetToolDefinition, args: Record<string, unknown>, ctx: ToolContext, deps: FleetDeps): Promise<ToolResult<Record<string, unknown>>> {
  return tool.run(args as never, ctx, fleetAccess(tool.name, ctx, deps)) as Promise<ToolResult<Record<string, unknown>>>;
}

// ---------------------------------------------------------------------------------------------

/** A planned tenant as the pipeline keeps it between planning and applying (small: no CRM state). */
interface Planned {
  tenant: TenantContext;
  row: TenantPlanRow;
  steps: FleetStep[];
  /** Fingerprint of this tenant's plan: what the token binds. */
  print: string;
}

function fleetAccess(toolName: string, ctx: ToolContext, deps: FleetDeps): FleetAccess {
  // Every tenant in flight listens to the call's signal, with each of its requests: many listeners is expected here.
  setMaxListeners(0, ctx.signal);
  const scopeOf = (tenant: TenantContext, tool: string, args: Record<string, unknown>): RecordScope => ({
    store: deps.store,
    tenant,
    principal: ctx.principal,
    tool,
    args,
    ...(deps.changed ? { changed: deps.changed } : {}),
  });
  // A failure shown to the caller, and as the audit keeps it (read remotely: no secret's path or variable).
  const shown = (err: unknown) => describeFor(err, ctx.principal, ctx.logger, describeError);
  const audited = (err: unknown) => describeFor(err, { ...ctx.principal, via: ctx.principal.via ?? 'none' }, ctx.logger, describeError);
  // A line the store refuses does not stop the other tenants: it is logged, and a change not recorded is reported on its tenant.
  const record = async (scope: RecordScope, entry: Parameters<typeof recordLine>[1]): Promise<string | undefined> => {
    try {
      return await recordLine(scope, entry);
    } catch (err) {
      ctx.logger.error({ tool: scope.tool, tenant: scope.tenant.id, err: describeError(err) }, 'could not record an audit line');
      return undefined;
    }
  };
  const NOT_RECORDED = ' The change could not be recorded in the store (see the server log), so undo_change does not know it.';

  /** Policy, then the tenant's own plan (reads only). */
  const planOne = async (job: FleetJob, tenant: TenantContext): Promise<Planned> => {
    const base = { tenant: tenant.id, steps: [] as string[], conflicts: [] as string[], notes: [] as string[] };
    const finish = (row: TenantPlanRow, steps: FleetStep[] = []): Planned => ({
      tenant,
      row,
      steps,
      print: fingerprint({ status: row.status, steps: steps.map((s) => [s.tool.name, s.args]), conflicts: row.conflicts }),
    });
    const applyTool = { name: job.applyTool, kind: 'write' as const };
    const own = decideTool(applyTool, tenant.config, ctx.principal, ctx.server);
    if (!own.allowed) return finish({ ...base, status: 'skipped', reason: own.reason! });
    let planned: TenantPlanned;
    try {
      planned = await limited(tenant, ctx.signal, () => job.planTenant(tenantContext(ctx, tenant, ctx.signal)));
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      return finish({ ...base, status: 'unreachable', reason: shown(err) });
    }
    const notes = planned.notes ?? [];
    if (planned.status === 'conflict') return finish({ ...base, status: 'conflict', conflicts: planned.conflicts, notes });
    if (planned.status === 'in_sync' || planned.steps.length === 0) return finish({ ...base, status: 'in_sync', notes });
    const decision = decideEffects(planned.steps.flatMap((s) => s.effects), applyTool, tenant.config, ctx.principal, ctx.server);
    if (!decision.allowed) return finish({ ...base, status: 'skipped', notes, reason: decision.reason! }, []);
    return finish({ ...base, status: 'changes', steps: planned.steps.map((s) => s.text), notes }, planned.steps);
  };

  // A tenant this run finds cold is released once its part is done: memory bounded by the concurrency.
  const limited = <T>(tenant: TenantContext, signal: AbortSignal, fn: () => Promise<T>): Promise<T> =>
    tenant.using(() => (deps.limits ? deps.limits.run(tenant, signal, fn) : fn()), { transient: true });

  /**
   * Plans every tenant, a few at a time; throws when the call is cancelled (nothing was written).
   * Progress goes up to `total` (an apply counts its planning then its applying: 2 per tenant).
   */
  const planAll = async (job: FleetJob, total = job.tenants.length): Promise<Planned[]> => {
    let done = 0;
    return mapFleet(job.tenants, { concurrency: job.concurrency ?? DEFAULT_FLEET_CONCURRENCY, max: MAX_FLEET_CONCURRENCY }, async (tenant) => {
      if (ctx.signal.aborted) throw cancelled();
      const p = await planOne(job, tenant);
      done++;
      await ctx.progress(done, total, `${tenant.id}: planned (${p.row.status})`).catch(() => undefined);
      return p;
    });
  };

  const bindingOf = (job: FleetJob, state: string) => ({
    tenant: FLEET_TOKEN_TENANT,
    tool: job.applyTool,
    args: { ...job.subject, tenants: job.tenants.map((t) => t.id) },
    state,
    caller: callerId(ctx.principal),
  });
  const stateOf = (planned: Planned[]) => fingerprint(planned.map((p) => [p.tenant.id, p.print]));
  const keptKey = (token: string) => `fleetplan_${fingerprint(token)}`;

  return {
    async plan(job) {
      await deps.confirms.ready();
      const planned = await planAll(job);
      const rows = planned.map((p) => p.row);
      // Not one tenant could be read: one clear error rather than a plan of nothing.
      if (rows.length > 0 && rows.every((r) => r.status === 'unreachable')) {
        throw new ToolError(`No tenant could be read, so there is no plan: ${rows.map((r) => `"${r.tenant}": ${r.reason}`).join('; ')}. Nothing was written.`, 'unreachable');
      }
      let token: FleetPlanResult['token'];
      if (planned.some((p) => p.row.status === 'changes')) {
        token = deps.confirms.issue(bindingOf(job, stateOf(planned)));
        // Each tenant's fingerprint, kept as long as the token: a refused token names the tenants that changed.
        const prints = Object.fromEntries(planned.map((p) => [p.tenant.id, { print: p.print, status: p.row.status }]));
        await deps.store.putResult(keptKey(token.token), FLEET_TOKEN_TENANT, prints, Date.parse(token.expiresAt));
        for (const p of planned) {
          if (p.row.status !== 'changes') continue;
          await record(scopeOf(p.tenant, toolName, job.auditArgs), { outcome: 'planned', summary: `plan: ${p.steps.length} step(s): ${p.row.steps.join('; ')}` });
        }
      }
      return { tenants: rows, ...(token ? { token } : {}) };
    },

    async apply(job, confirm) {
      const refuse = async (message: string, code: string): Promise<never> => {
        for (const t of job.tenants) await record(scopeOf(t, toolName, job.auditArgs), { outcome: 'refused', summary: `${toolName} refused`, error: message });
        throw new ToolError(`Refused, nothing was changed: ${message}.`, code);
      };
      await deps.confirms.ready();
      // Every check that needs no CRM first (malformed, expired, spent, another caller or other arguments).
      const early = deps.confirms.verify(confirm, bindingOf(job, ''));
      if (!early.ok && early.reason !== 'state') return refuse(early.message, `confirm_${early.reason}`);

      const planned = await planAll(job, 2 * job.tenants.length);
      const check = deps.confirms.verify(confirm, bindingOf(job, stateOf(planned)));
      if (!check.ok) {
        if (check.reason !== 'state') return refuse(check.message, `confirm_${check.reason}`);
        const kept = (await deps.store.getResult(keptKey(confirm), FLEET_TOKEN_TENANT).catch(() => undefined)) as Record<string, { print: string; status: string }> | undefined;
        const changed = planned.filter((p) => kept?.[p.tenant.id]?.print !== p.print);
        const which = kept && changed.length
          ? changed.map((p) => `"${p.tenant.id}" (${kept[p.tenant.id]?.status ?? 'not planned'} when planned, ${p.row.status} now${p.row.reason ? `: ${p.row.reason}` : p.row.steps.length ? `: ${p.row.steps.join('; ')}` : ''})`).join(', ')
          : undefined;
        return refuse(
          `the plan changed since the token was issued${which ? ` on ${which}` : ''}: a tenant's CRM changed, so the whole plan must be made and reviewed again (plan_blueprint)`,
          'confirm_state',
        );
      }
      // One apply per token, across every process sharing the store.
      const used = await deps.confirms.consume(confirm);
      if (!used.ok) return refuse(used.message, `confirm_${used.reason}`);

      // Progress goes on from the planning: the value only ever increases.
      const total = 2 * planned.length;
      let done = planned.length;
      return mapFleet(planned, { concurrency: job.concurrency ?? DEFAULT_FLEET_CONCURRENCY, max: MAX_FLEET_CONCURRENCY }, async (p, i) => {
        let row: TenantApplyRow;
        if (ctx.signal.aborted) {
          row = { tenant: p.tenant.id, status: 'cancelled', steps: [], reason: 'the call was cancelled before this tenant was started; nothing was written to it' };
          await record(scopeOf(p.tenant, toolName, job.auditArgs), { outcome: 'refused', summary: `${toolName}: cancelled before it started`, error: row.reason! });
        } else {
          try {
            row = await limited(p.tenant, ctx.signal, () => applyPlanned(job, p));
          } catch (err) {
            // Only the wait for the tenant's limits sees the cancellation: nothing was started.
            if (!ctx.signal.aborted) throw err;
            row = { tenant: p.tenant.id, status: 'cancelled', steps: [], reason: 'the call was cancelled before this tenant was started; nothing was written to it' };
          }
        }
        planned[i] = undefined as never; // what was planned for this tenant is not kept beyond its report
        done++;
        await ctx.progress(done, total, `${row.tenant}: ${row.status}`).catch(() => undefined);
        return row;
      });
    },
  };

  /** One tenant, as planned: nothing (and a line saying why), or its steps all-or-nothing. */
  async function applyPlanned(job: FleetJob, p: Planned): Promise<TenantApplyRow> {
    const scope = scopeOf(p.tenant, toolName, job.auditArgs);
    const { row } = p;
    switch (row.status) {
      case 'in_sync':
        await record(scope, { outcome: 'unchanged', summary: `${toolName}: already in sync, nothing to do` });
        return { tenant: row.tenant, status: 'unchanged', steps: [] };
      case 'conflict':
        await record(scope, { outcome: 'refused', summary: `${toolName}: not applied (conflict)`, error: row.conflicts.join('; ') });
        return { tenant: row.tenant, status: 'conflict', steps: [], conflicts: row.conflicts, reason: 'the plan has conflicts on this tenant: nothing was written to it' };
      case 'skipped':
        await record(scope, { outcome: 'refused', summary: `${toolName}: skipped`, error: row.reason! });
        return { tenant: row.tenant, status: 'skipped', steps: [], reason: row.reason! };
      case 'unreachable':
        await record(scope, { outcome: 'failed', summary: `${toolName}: tenant unreachable`, error: row.reason! });
        return { tenant: row.tenant, status: 'unreachable', steps: [], reason: row.reason! };
      case 'changes':
        return applySteps(scope, p);
    }
  }

  /**
   * The steps of one tenant, in order, each through its own tool's plan, apply and verify. A tenant in
   * flight is not interrupted by the call's cancellation: its steps use a signal of their own.
   */
  async function applySteps(scope: RecordScope, p: Planned): Promise<TenantApplyRow> {
    const own = new AbortController().signal;
    const tctx = tenantContext(ctx, p.tenant, own);
    const changes: ChangeRecord[] = [];
    const done: string[] = [];
    let actx: ApplyContext | undefined;
    let current = 'the instance check';
    try {
      await p.tenant.guard.assertWritable(own);
      actx = { ...tctx, writer: writeAccess(p.tenant.client()) };
      for (const step of p.steps) {
        current = `the step "${step.text}"`;
        const args = argsFor(step, p.tenant.id);
        const plan = await step.tool.plan(args as never, tctx);
        if (plan.action === 'final') {
          done.push(`${step.text} (already so)`);
          continue;
        }
        if (plan.blocked !== undefined) throw new ToolError(`${step.text}: ${plan.blocked}`, 'blocked');
        const decision = decideEffects(plan.effects ?? [], step.tool, p.tenant.config, ctx.principal, ctx.server);
        if (!decision.allowed) throw new ToolError(`${step.text}: not allowed here: ${decision.reason}`, 'forbidden');
        let applied: unknown;
        try {
          applied = await step.tool.apply(plan.value, actx);
        } catch (err) {
          if (err instanceof WriteFailure && err.change) changes.push(err.change.change);
          throw err;
        }
        const verdict = await step.tool.verify(plan.value, applied, actx);
        changes.push(...verdict.changes.map((c) => c.change));
        // As after any recorded change: the next step plans on the CRM as it is now.
        p.tenant.metadata.invalidate();
        if (verdict.outcome !== 'applied') throw new ToolError(`${step.text}: ${verdict.error ?? verdict.summary}`, `step_${verdict.outcome}`);
        done.push(step.text);
      }
    } catch (err) {
      return rollBack(scope, tctx, actx, changes, done, err, current);
    }
    if (changes.length === 0) {
      await record(scope, { outcome: 'unchanged', summary: `${scope.tool}: every step was already in place` });
      return { tenant: p.tenant.id, status: 'unchanged', steps: done };
    }
    const instance = await instanceOf(p.tenant, own);
    const changeId = await record(scope, {
      outcome: 'applied',
      summary: `${scope.tool}: ${done.join('; ')}`,
      change: composite(changes),
      ...(instance ? { instance } : {}),
    });
    return { tenant: p.tenant.id, status: 'applied', ...(changeId ? { changeId } : { reason: NOT_RECORDED.trim() }), steps: done };
  }

  /**
   * A step failed: revert what the steps before it (and a partial write of this one) changed, last
   * first, each through its change record. Records one line: failed (the tenant is as it was), or
   * partial with what is left as a change undo_change can revert.
   */
  async function rollBack(scope: RecordScope, tctx: ToolContext, actx: ApplyContext | undefined, changes: ChangeRecord[], done: string[], err: unknown, where: string): Promise<TenantApplyRow> {
    const tenant = scope.tenant.id;
    const reason = `${where} failed: ${shown(err)}`;
    const left = [...changes];
    const problems: string[] = [];
    while (actx && left.length > 0) {
      const last = left[left.length - 1]!;
      scope.tenant.metadata.invalidate();
      try {
        const plan = await planRevert(tctx, last, 'this apply');
        if (plan.blockers.length) throw new Error(plan.blockers.join('; '));
        const reverted = await applyRevert(actx, plan, describeRevert(plan));
        if (reverted.problems.length) throw new Error(reverted.problems.join('; '));
        const off = await readBackRevert(tctx, plan);
        if (off.length) throw new Error(off.join('; '));
        left.pop();
      } catch (revertErr) {
        problems.push(`reverting "${changeText(last)}" failed: ${describeError(revertErr)}`);
        break;
      }
    }
    if (left.length === 0) {
      const rolled = changes.length ? ' Its steps done before were reverted: the tenant is as it was.' : ' Nothing had been written to it.';
      await record(scope, { outcome: 'failed', summary: `${scope.tool} failed${changes.length ? ', rolled back' : ''}`, error: `${where} failed: ${audited(err)}` });
      return { tenant, status: 'failed', steps: done, rolledBack: true, reason: `${reason}${rolled}` };
    }
    const instance = await instanceOf(scope.tenant);
    const leftText = left.map(changeText);
    const changeId = await record(scope, {
      outcome: 'partial',
      summary: `${scope.tool} failed and was not fully rolled back; left: ${leftText.join('; ')}`,
      error: `${where} failed: ${audited(err)}; ${problems.join('; ')}`,
      change: composite(left),
      ...(instance ? { instance } : {}),
    });
    return {
      tenant,
      status: 'failed',
      steps: done,
      rolledBack: false,
      left: leftText,
      ...(changeId ? { changeId } : {}),
      reason: `${reason} Rolling back failed (${problems.join('; ')}); still changed: ${leftText.join('; ')}.${changeId ? ` undo_change {"tenant": "${tenant}", "changeId": "${changeId}"} reverts what is left.` : NOT_RECORDED}`,
    };
  }
}

/** The changes of one tenant's apply as one change (kind 'blueprint'), undone step by step in reverse. */
function composite(steps: ChangeRecord[]): ChangeRecord {
  const entities = [...new Set(steps.map((s) => s.entity))];
  return { kind: 'blueprint', entity: entities.join(', '), before: null, after: null, steps };
}

/** A change record in words, for reports. */
function changeText(c: ChangeRecord): string {
  switch (c.kind) {
    case 'layout':
      return `the ${c.entity} ${c.layout} layout edited`;
    case 'field_create':
      return `${c.entity}.${c.field} created${c.related?.length ? ` (on ${c.related.map((r) => r.layout).join(', ')})` : ''}`;
    case 'field_update':
      return `${c.entity}.${c.field} updated`;
    case 'field_delete':
      return `${c.entity}.${c.field} deleted`;
    default:
      return `${c.kind} on ${c.entity}`;
  }
}

/** The context of one tenant inside a fleet call: the call's, with this tenant (and its own signal). */
function tenantContext(ctx: ToolContext, tenant: TenantContext, signal: AbortSignal): ToolContext {
  return { ...ctx, tenant, signal, logger: ctx.logger.child({ tenant: tenant.id }), progress: async () => undefined };
}

const inputSchemas = new WeakMap<WriteToolDefinition, z.ZodObject>();

/** A step's arguments as the server would hand them to its tool (checked by the tool's own input schema). */
function argsFor(step: FleetStep, tenant: string): Record<string, unknown> {
  let schema = inputSchemas.get(step.tool);
  if (!schema) {
    schema = step.tool.looseInput ? z.looseObject(step.tool.input) : z.strictObject(step.tool.input);
    inputSchemas.set(step.tool, schema);
  }
  const parsed = schema.safeParse({ ...step.args, tenant });
  if (!parsed.success) {
    throw new ToolError(`${step.text}: the step's arguments for ${step.tool.name} are not valid (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')})`, 'invalid_step');
  }
  return parsed.data as Record<string, unknown>;
}

function cancelled(): ToolError {
  return new ToolError('Cancelled while planning the tenants; nothing was written.', 'cancelled');
}

