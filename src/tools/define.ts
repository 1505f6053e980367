import type { z } from 'zod';
import type { Logger } from '../log/logger.js';
import type { Principal, ToolKind } from '../tenants/policy.js';
import type { TenantContext, TenantRegistry } from '../tenants/registry.js';
import type { AuditLog } from '../audit/log.js';
import type { ConfirmTokens } from '../core/confirm.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a handler gets besides its arguments. */
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
  audit: AuditLog;
  confirms: ConfirmTokens;
  /** Tells resource subscribers that a resource changed (set by the server; `recordWrite` calls it). */
  changed?(uri: string): void;
}

export interface ToolResult<O> {
  structured: O;
  /** Human-readable mirror; defaults to the JSON of `structured`. */
  text?: string;
}

/**
 * A tool, declared in one file under `src/tools/`. The server module turns it into an SDK
 * registration; nothing here touches the SDK.
 */
export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  kind: ToolKind;
  /** Tenant-scoped tools get a `tenant` argument and a resolved `ctx.tenant`. */
  tenantScoped: boolean;
  input: I;
  /** Unknown argument names reach the handler (which must report them) instead of being refused by the schema. */
  looseInput?: boolean;
  output: O;
  annotations: ToolAnnotations;
  handler(args: z.infer<z.ZodObject<I>>, ctx: ToolContext): Promise<ToolResult<z.infer<z.ZodObject<O>>>>;
}

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

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(def: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return def;
}
