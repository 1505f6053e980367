/**
 * The write pipeline: how every write tool runs, whatever it writes. In this order:
 *
 *   policy (server.ts, before this) → plan → confirm token (issue with the plan, or check and consume)
 *   → instance guard → apply → verify → audit
 *
 * A write tool supplies plan, apply and verify; it gets the `WriteClient` its writes need only here,
 * after the guard, and never writes an audit line itself. Every call leaves exactly one audit line
 * (refused, planned, dry run, unchanged, failed), plus one per change it made.
 */
import type { Store } from '../store/types.js';
import type { ConfirmTokens } from '../core/confirm.js';
import { writeAccess } from '../espo/writeAccess.js';
import { ToolError, describeError, isUserError } from '../errors.js';
import type { ApplyContext, ToolContext, ToolResult, WriteToolDefinition } from '../tools/define.js';
import { instanceOf, recordLine, type RecordScope } from './record.js';
import { callerId, decideEffects } from '../tenants/policy.js';
import { WriteFailure } from './failure.js';
import { describeFor } from '../secrets/callers.js';

export interface PipelineDeps {
  store: Store;
  confirms: ConfirmTokens;
  /** Tells resource subscribers that a resource changed. */
  changed?(uri: string): void;
  /** Observes each step as it starts (tests check the order with it). */
  onStep?(step: PipelineStep, tool: string): void;
}

export type PipelineStep = 'plan' | 'confirm' | 'guard' | 'apply' | 'verify' | 'audit';

export async function runWriteTool(
  tool: WriteToolDefinition,
  args: Record<string, unknown>,
  ctx: ToolContext,
  deps: PipelineDeps,
): Promise<ToolResult<Record<string, unknown>>> {
  const scope: RecordScope = { store: deps.store, tenant: ctx.tenant, principal: ctx.principal, tool: tool.name, args, ...(deps.changed ? { changed: deps.changed } : {}) };
  const step = (s: PipelineStep) => deps.onStep?.(s, tool.name);
  let recorded = false;
  const record = async (entry: Parameters<typeof recordLine>[1]) => {
    recorded = true;
    step('audit');
    return recordLine(scope, entry);
  };
  try {
    step('plan');
    const plan = await tool.plan(args as never, ctx);
    if (plan.action === 'final') {
      await record({ outcome: plan.outcome, summary: plan.summary });
      return plan.result;
    }
    // Effects, not only the tool's name: each step a composite call would take passes the policy.
    if (plan.effects && plan.effects.length > 0) {
      const decision = decideEffects(plan.effects, tool, ctx.tenant.config, ctx.principal, ctx.server);
      if (!decision.allowed) throw new ToolError(`"${tool.name}" is not allowed here: ${decision.reason}. Nothing was changed.`, 'forbidden');
    }
    const dryRun = args.dryRun === true;
    const confirm = typeof args.confirm === 'string' ? args.confirm : undefined;
    // A destructive tool confirms unless its plan says this change needs no confirmation.
    if (plan.confirm ?? tool.kind === 'destructive') {
      step('confirm');
      await deps.confirms.ready();
      // Bound to the caller too: a plan made with one token cannot be confirmed with another.
      const binding = { tenant: ctx.tenant.id, tool: tool.name, args: plan.binding?.args ?? {}, state: plan.binding?.state ?? '', caller: callerId(ctx.principal) };
      if (confirm === undefined || dryRun) {
        const token = plan.blocked === undefined ? deps.confirms.issue(binding) : undefined;
        await record({ outcome: 'planned', summary: plan.summary });
        return plan.preview(token);
      }
      const check = deps.confirms.verify(confirm, binding);
      if (!check.ok) throw new ToolError(`${tool.refusal ?? 'Refused'}: ${check.message}.`, `confirm_${check.reason}`);
      if (plan.blocked !== undefined) throw new ToolError(`${tool.refusal ?? 'Refused'}: ${plan.blocked}`, 'blocked');
      // One apply per token, across every process sharing the store (replicas behind a load balancer).
      const used = await deps.confirms.consume(confirm);
      if (!used.ok) throw new ToolError(`${tool.refusal ?? 'Refused'}: ${used.message}.`, `confirm_${used.reason}`);
    } else if (dryRun) {
      await record({ outcome: 'dry_run', summary: plan.summary });
      return plan.preview();
    }

    step('guard');
    await ctx.tenant.guard.assertWritable(ctx.signal);
    const applyCtx: ApplyContext = { ...ctx, writer: writeAccess(ctx.tenant.client()) };

    step('apply');
    const applied = await tool.apply(plan.value, applyCtx);
    step('verify');
    const verdict = await tool.verify(plan.value, applied, applyCtx);

    step('audit');
    recorded = true;
    const instance = await instanceOf(ctx.tenant, ctx.signal);
    const ids: string[] = [];
    for (const c of verdict.changes) {
      ids.push((await recordLine(scope, { outcome: verdict.outcome, summary: c.summary, change: c.change, ...(instance ? { instance } : {}), ...(verdict.error ? { error: verdict.error } : {}) }))!);
    }
    if (ids.length === 0) await recordLine(scope, { outcome: verdict.outcome, summary: verdict.summary, ...(verdict.error ? { error: verdict.error } : {}) });
    return verdict.result(ids);
  } catch (err) {
    if (!recorded) {
      try {
        if (err instanceof WriteFailure) {
          const instance = err.change ? await instanceOf(ctx.tenant) : undefined;
          await record({ outcome: err.outcome, summary: err.summary, error: err.message, ...(err.change ? { change: err.change.change } : {}), ...(instance ? { instance } : {}) });
        } else {
          const outcome = isUserError(err) ? 'refused' : 'failed';
          // The audit is read by remote callers too (list_changes): a secret's path or variable stays in the log.
          const remote = { ...ctx.principal, via: ctx.principal.via ?? ('none' as const) };
          await record({ outcome, summary: `${tool.name} ${outcome}`, error: describeFor(err, remote, ctx.logger, describeError) });
        }
      } catch (storeErr) {
        // The call's own error is what the caller needs; the store's goes to the operator.
        ctx.logger.error({ tool: tool.name, tenant: ctx.tenant.id, err: describeError(storeErr) }, 'could not record the audit line of a failed call');
      }
    }
    throw err;
  }
}
