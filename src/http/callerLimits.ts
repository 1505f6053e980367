/**
 * The per-caller rate of requests not tied to a tenant (lists, list_tenants, list_changes, initialize,
 * discovery, pings): those reach no CRM, so the per-tenant limits never see them, yet each costs the
 * server a request (a batch of 100 `tools/list` was 1.2 s of CPU and 6.2 MB of answer). Counted per
 * caller (how it authenticated and its name), per process, over a sliding minute estimated from two
 * fixed windows: constant memory per caller however high the rate.
 *
 * Also what a POST body holds, for the transport: its JSON-RPC messages, which of them a tenant's
 * limits count, and the protocol version a batch was sent under.
 */
import type { TenantRegistry } from '../tenants/registry.js';
import type { Principal } from '../tenants/policy.js';
import { oneVar } from '../resources/uris.js';

const WINDOW_MS = 60_000;
/** Past this many callers tracked, those idle for two windows are forgotten. */
const SWEEP_AT = 10_000;

interface CallerWindow {
  start: number;
  current: number;
  previous: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class CallerRate {
  private readonly windows = new Map<string, CallerWindow>();
  private readonly now: () => number;

  constructor(
    readonly ratePerMinute: number,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Admits `count` messages of `caller` (all or none), or says in how many seconds they would be. */
  admit(caller: string, count: number): Admission {
    if (count <= 0) return { ok: true };
    const now = this.now();
    const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    let w = this.windows.get(caller);
    if (!w) {
      if (this.windows.size >= SWEEP_AT) this.sweep(start);
      w = { start, current: 0, previous: 0 };
      this.windows.set(caller, w);
    } else if (w.start !== start) {
      w.previous = w.start === start - WINDOW_MS ? w.current : 0;
      w.current = 0;
      w.start = start;
    }
    const elapsed = (now - start) / WINDOW_MS;
    const rate = this.ratePerMinute;
    if (w.current + w.previous * (1 - elapsed) + count <= rate) {
      w.current += count;
      return { ok: true };
    }
    // When the estimate leaves room: later in this window as the previous one fades, else in the next.
    let at: number;
    if (w.current + count <= rate && w.previous > 0) at = start + (1 - (rate - count - w.current) / w.previous) * WINDOW_MS;
    else at = start + WINDOW_MS + Math.max(0, 1 - (rate - count) / Math.max(1, w.current)) * WINDOW_MS;
    if (count > rate) at = now + WINDOW_MS; // never fits in a minute: a minute, then the same answer
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((at - now) / 1000)) };
  }

  /** Callers tracked, for tests. */
  get size(): number {
    return this.windows.size;
  }

  private sweep(start: number): void {
    for (const [caller, w] of this.windows) if (w.start < start - WINDOW_MS) this.windows.delete(caller);
  }
}

// ---------------------------------------------------------------------------------------------
// What a POST body holds

/** The first protocol version without JSON-RPC batches. */
export const BATCHES_REMOVED_IN = '2025-06-18';
const VERSION = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The protocol version a batch was sent under: the MCP-Protocol-Version header, else the version an
 * `initialize` inside it asks for; undefined when neither names one (2025-03-26 is then assumed, as
 * the specification says).
 */
export function batchProtocolVersion(header: string | string[] | undefined, messages: readonly unknown[]): string | undefined {
  const named = (Array.isArray(header) ? header[0] : header)?.trim();
  if (named) return named;
  for (const m of messages) {
    if (isObject(m) && m.method === 'initialize' && isObject(m.params) && typeof m.params.protocolVersion === 'string') return m.params.protocolVersion;
  }
  return undefined;
}

/** Whether a protocol version has no batches (2025-06-18 and later; unknown spellings are left to the SDK). */
export function batchesRemoved(version: string | undefined): version is string {
  return version !== undefined && VERSION.test(version) && version >= BATCHES_REMOVED_IN;
}

const TENANT_URI = /^espocrm:\/\/tenants\/([^/?#]+)/i;

/**
 * Whether a message is counted by a tenant's limits rather than the caller's: a call of a tenant tool,
 * or a read of a tenant resource, naming a tenant the caller may use (the tenant resolved as the
 * server resolves it). Anything else, an unknown tenant included, is the caller's.
 */
export function tiedToTenant(message: unknown, ctx: { registry: TenantRegistry; principal: Principal; tenantTools: ReadonlySet<string> }): boolean {
  if (!isObject(message) || !isObject(message.params)) return false;
  const params = message.params;
  let named: string | undefined;
  if (message.method === 'tools/call') {
    if (typeof params.name !== 'string' || !ctx.tenantTools.has(params.name)) return false;
    const args = params.arguments;
    named = isObject(args) && typeof args.tenant === 'string' ? args.tenant : undefined;
  } else if (message.method === 'resources/read') {
    const match = typeof params.uri === 'string' ? TENANT_URI.exec(params.uri) : null;
    if (!match) return false;
    named = oneVar(match[1]);
    if (named === undefined || named === '') return false;
  } else {
    return false;
  }
  try {
    ctx.registry.resolve(named, ctx.principal);
    return true;
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
