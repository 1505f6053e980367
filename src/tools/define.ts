/**
 * How a tool is declared, in one file under `src/tools/`. Read tools supply a handler. Write tools
 * supply their steps (plan, apply, verify) and the write pipeline (src/pipeline/run.ts) runs them, in
 * this order and for every write tool: policy → confirm token (plan, then consume) → instance guard →
 * apply → verify → audit. Nothing here touches the SDK; `src/server.ts` registers both kinds.
 */
import type { z } from 'zod';
import type { Logger } from '../log/logger.js';
import type { Effect, Principal, ToolKind } from '../tenants/policy.js';
import type { TenantContext, TenantRegistry } from '../tenants/registry.js';
import type { ChangeHistory, ChangeRecord, Store } from '../store/types.js';
import type { WriteClient } from '../espo/writeAccess.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a handler (or a write tool's plan step) gets besides its arguments. It can read, never write. */
export interface ToolContext {
  registry: TenantRegistry;
  principal: Principal;
  /** The tenant named by the call (tenant-scoped tools only), already access-checked. */
  tenant: TenantContext;
  signal: AbortSignal;
  logger: Logger;
  /** Reports progress when the client asked for it; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  server: { readOnly: boolean };
  /** The changes this server recorded (read-only: only the write pipeline records). */
  history: ChangeHistory;
  /** Results kept for later pages (find_duplicates), shared by every process on the store. */
  results: Pick<Store, 'putResult' | 'getResult'>;
  /** Kept health checks (check_tenant, check_tenants record theirs); a no-op where there is no store. */
  health: Pick<Store, 'recordHealth' | 'healthHistory' | 'latestHealth'>;
  /** Kept snapshots of the tenants' customizations (snapshot_tenant keeps one; it writes no CRM); none where there is no store. */
  snapshots: Pick<Store, 'putSnapshot' | 'getSnapshot' | 'listSnapshots'>;
  /** The server's tools by name and kind (list_tenants, list_changes); the catalogue's when absent. */
  tools?: ReadonlyArray<{ name: string; kind: ToolKind }>;
}

/** What a write tool's apply and verify steps get: the context, and a client cleared for writes. */
export interface ApplyContext extends ToolContext {
  /** Handed over by the pipeline once the confirm token (if any) and the instance guard passed. */
  writer: WriteClient;
}

export interface ToolResult<O> {
  structured: O;
  /** Human-readable mirror; defaults to the JSON of `structured`. */
  text?: string;
}

interface ToolBase<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  /** Tenant-scoped tools get a `tenant` argument and a resolved `ctx.tenant`. */
  tenantScoped: boolean;
  input: I;
  /** Unknown argument names reach the handler (which must report them) instead of being refused by the schema. */
  looseInput?: boolean;
  output: O;
  annotations: ToolAnnotations;
}

export type Args<I extends z.ZodRawShape> = z.infer<z.ZodObject<I>>;
export type Output<O extends z.ZodRawShape> = z.infer<z.ZodObject<O>>;

/** A tool that only reads: a handler. */
export interface ReadToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> extends ToolBase<I, O> {
  kind: 'read';
  handler(args: Args<I>, ctx: ToolContext): Promise<ToolResult<Output<O>>>;
}

// ---------------------------------------------------------------------------------------------
// Write tools

/** One change a write made, as recorded for undo_change, with its line in the audit. */
export interface RecordedChange {
  change: ChangeRecord;
  summary: string;
}

/**
 * What a plan step found. `final`: nothing to write (the request changes nothing): the pipeline records
 * `outcome` and returns `result`. `write`: what to apply, and how to show it before applying.
 */
export type WritePlan<P, O> =
  | { action: 'final'; outcome: 'unchanged'; summary: string; result: ToolResult<O> }
  | {
      action: 'write';
      /** What apply gets. */
      value: P;
      /** The audit summary of the plan (dry run or confirmation plan). */
      summary: string;
      /**
       * True: applying needs the confirm token this plan returns. Default: true for a destructive tool,
       * false for a write. The token binds the tenant, the tool, `binding.args` and `binding.state` (a
       * fingerprint of what the plan read).
       */
      confirm?: boolean;
      binding?: { args: Record<string, unknown>; state: string };
      /** Why this plan cannot be applied as things are (shown in the plan; no token is issued). */
      blocked?: string;
      /**
       * What applying would do beyond the tool's own effect (a field placed on layouts, each step of an
       * undo): the pipeline passes each through the policy before any token is issued or write made.
       */
      effects?: Effect[];
      /** The plan as shown to the caller (dry run, or the confirmation step with its token). */
      preview(token?: { token: string; expiresAt: string }): ToolResult<O>;
    };

/** What verify concluded; the pipeline records it (one audit line per change) and builds the result. */
export interface WriteVerdict<O> {
  /**
   * applied: done and verified; partial: done, but a check after it failed or part of it did not
   * happen; failed: nothing was done, and the result says why (rather than an error).
   */
  outcome: 'applied' | 'partial' | 'failed';
  summary: string;
  /** The changes made, each recorded with its own changeId (most writes make one). */
  changes: RecordedChange[];
  error?: string;
  /** The result, once the changeIds are known (same order as `changes`). */
  result(changeIds: string[]): ToolResult<O>;
}

/**
 * A write tool. It cannot write outside `apply`/`verify` (writes need the `WriteClient` only they get),
 * and never records an audit line itself: the pipeline does, for every call, refused ones included.
 * When apply fails after writing something, it throws a `WriteFailure` saying what it left.
 */
export interface WriteToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape, P = unknown, A = unknown>
  extends ToolBase<I, O> {
  kind: 'write' | 'destructive';
  /** How a refused confirm token is introduced in the error ("Not deleted", "Reset refused", ...). */
  refusal?: string;
  /** Reads and checks; never writes. Throws a ToolError for bad input. */
  plan(args: Args<I>, ctx: ToolContext): Promise<WritePlan<P, Output<O>>>;
  /** Makes the planned change. */
  apply(plan: P, ctx: ApplyContext): Promise<A>;
  /** Reads the change back and says what happened. */
  verify(plan: P, applied: A, ctx: ApplyContext): Promise<WriteVerdict<Output<O>>>;
}

/**
 * A tool over many tenants at once that plans or applies one change per tenant (plan_blueprint,
 * apply_blueprint). The fleet pipeline (src/pipeline/fleet.ts) runs it and hands `run` what it may do
 * across tenants (`F`: plan them, issue and check the whole plan's confirm token, apply each tenant
 * after its policy and instance guard, roll a failed tenant back, audit); `run` itself never writes.
 */
export interface FleetToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape, F = unknown> extends ToolBase<I, O> {
  kind: 'read' | 'write';
  fleet: true;
  run(args: Args<I>, ctx: ToolContext, fleet: F): Promise<ToolResult<Output<O>>>;
}

export type ToolDefinition = ReadToolDefinition | WriteToolDefinition | FleetToolDefinition;

/**
 * Annotation presets that follow from the tool's kind. Tools say where a repeat has no further effect
 * (`idempotent`), and where a 'write' overwrites existing state rather than only adding (`destructive`).
 * `openWorldHint` is false: every tool works on the configured tenants only, a closed set.
 */
export function annotationsFor(kind: ToolKind, opts: { idempotent?: boolean; destructive?: boolean } = {}): ToolAnnotations {
  return {
    readOnlyHint: kind === 'read',
    destructiveHint: kind === 'read' ? false : kind === 'destructive' || (opts.destructive ?? false),
    idempotentHint: kind === 'read' ? true : (opts.idempotent ?? false),
    openWorldHint: false,
  };
}

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(def: ReadToolDefinition<I, O>): ReadToolDefinition<I, O> {
  return def;
}

export function defineWriteTool<I extends z.ZodRawShape, O extends z.ZodRawShape, P, A>(def: WriteToolDefinition<I, O, P, A>): WriteToolDefinition<I, O, P, A> {
  return def;
}

export function defineFleetTool<I extends z.ZodRawShape, O extends z.ZodRawShape, F>(def: FleetToolDefinition<I, O, F>): FleetToolDefinition<I, O, F> {
  return def;
}
