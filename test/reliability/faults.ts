/**
 * Fault scenarios for the fault suite: what is injected into the sandbox (every request, the first one,
 * or the call's first write), and how each outcome is judged from the tool result and the request log.
 */
import type { FaultRule, Sandbox, SandboxRequestLogEntry } from '../../src/sandbox/index.js';
import type { AuditEntry } from '../../src/store/types.js';
import { LOCAL_PRINCIPAL } from '../../src/tenants/policy.js';
import { WRITE_METHODS, type CallResult, type Harness } from '../helpers/harness.js';

export const FAULT_KINDS = ['latency', 'http500', 'http502', 'http503', 'http504', 'reset', 'hang', 'lockout'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * all: every request of the call (the CRM is down, slow or locking us out).
 * first: only the call's first request (a blip: a GET is retried, nothing else is).
 * write, lastWrite: the first (last) write request the call makes when nothing fails.
 * lateWrite: the first write is answered after the client's timeout, and applied then (it happened after all).
 */
export type Scope = 'all' | 'first' | 'write' | 'lastWrite' | 'lateWrite';

export interface Scenario {
  scope: Scope;
  kind: FaultKind;
}

/**
 * The tenant timeout the fault suite runs with; latency below it, late writes well beyond it: undici
 * checks its headers timeout on a coarse timer (about every 0.5 s), so it fires up to a second late.
 */
export const TIMEOUT_MS = 300;
export const LATENCY_MS = 40;
export const LATE_WRITE_MS = 2_500;

export function scenariosFor(writes: boolean): Scenario[] {
  const out: Scenario[] = FAULT_KINDS.map((kind) => ({ scope: 'all' as const, kind }));
  for (const kind of ['http500', 'http502', 'http503', 'http504', 'reset', 'hang'] as const) out.push({ scope: 'first', kind });
  if (writes) {
    for (const kind of ['http500', 'http502', 'http503', 'http504', 'reset', 'hang'] as const) out.push({ scope: 'write', kind });
    for (const kind of ['http500', 'reset', 'hang'] as const) out.push({ scope: 'lastWrite', kind });
    out.push({ scope: 'lateWrite', kind: 'latency' });
  }
  return out;
}

export const scenarioName = (s: Scenario): string => `${s.scope}:${s.kind}`;

function rule(kind: FaultKind, extra: Partial<FaultRule>): FaultRule {
  const base = { path: /.*/, ...extra };
  switch (kind) {
    case 'latency':
      return { ...base, kind: 'latency', ms: LATENCY_MS };
    case 'http500':
      return { ...base, kind: 'status', status: 500 };
    case 'http502':
      return { ...base, kind: 'status', status: 502 };
    case 'http503':
      return { ...base, kind: 'status', status: 503 };
    case 'http504':
      return { ...base, kind: 'status', status: 504 };
    case 'reset':
      return { ...base, kind: 'reset' };
    case 'hang':
      return { ...base, kind: 'hang' };
    case 'lockout':
      throw new Error('the lockout is not a fault rule');
  }
}

/** A write request of a call, as a fault target (names made unique per call are wildcards). */
export interface WriteTarget {
  method: string;
  path: RegExp;
}

export function writeTarget(entry: SandboxRequestLogEntry): WriteTarget {
  const segments = entry.path.split('/').map((seg) => (/rel/i.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return { method: entry.method, path: new RegExp(`^${segments.join('/')}$`) };
}

export interface Injected {
  /** Ends the fault and waits until the sandbox has logged every request of the call. */
  stop(): Promise<void>;
  /** Puts the tenant back as it was for the next scenario (after the call's requests were read). */
  restore(): Promise<void>;
}

/** Puts the sandbox in the state the scenario needs. */
export async function inject(h: Harness, tenant: string, s: Scenario, target?: WriteTarget): Promise<Injected> {
  const sb = h.sandboxes[tenant]!;
  const ctx = h.registry.resolve(tenant, LOCAL_PRINCIPAL);
  if (s.kind === 'lockout') {
    // EspoCRM locks an IP out after too many failed logins; the next password login meets it.
    await ctx.client().logout();
    for (let i = 0; i < 12; i++) for (const ip of ['127.0.0.1', '::ffff:127.0.0.1']) sb.state.authLog.recordDenied(ip);
    return {
      stop: () => quiet(sb),
      async restore() {
        sb.state.authLog.clear();
        await ctx.close(); // a fresh client: the refused login cools down 60 s in the old one
        // Log in again now, so that the next scenario's first request is the tool's own, not the login.
        await ctx.client().request({ method: 'GET', path: 'App/user', auth: 'admin' });
      },
    };
  }
  if (s.scope === 'all') sb.faults.add(rule(s.kind, {}));
  else if (s.scope === 'first') sb.faults.add(rule(s.kind, { times: 1 }));
  else {
    if (!target) throw new Error(`${scenarioName(s)} needs the write to target`);
    if (s.scope === 'lateWrite') sb.faults.add({ ...target, kind: 'latency', ms: LATE_WRITE_MS, times: 1 });
    else sb.faults.add(rule(s.kind, { ...target, times: 1 }));
  }
  return {
    async stop() {
      sb.faults.clear();
      // A hung, reset or late request may still be in flight: let the sandbox finish (and log) it.
      if (s.scope === 'lateWrite') await new Promise((r) => setTimeout(r, LATE_WRITE_MS));
      await quiet(sb);
    },
    restore: async () => undefined,
  };
}

/** Waits until the sandbox's request log stops growing (closed connections are logged a moment later). */
async function quiet(sb: Sandbox): Promise<void> {
  let last = -1;
  for (let i = 0; i < 40 && sb.requests.length !== last; i++) {
    last = sb.requests.length;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** When the client gives up on a call that has its own long deadline (rebuild: 5 min). */
export const CANCEL_AFTER_MS = 4 * TIMEOUT_MS;

export interface Judged {
  outcome: 'success' | 'error' | 'cancelled';
  faulted: number;
  requests: number;
  writes: number;
  problems: string[];
}

const KIND_MESSAGE: Record<FaultKind, RegExp> = {
  latency: /./,
  http500: /\b500\b/,
  http502: /\b502\b/,
  http503: /\b503\b/,
  http504: /\b504\b/,
  reset: /closed before|connection/i,
  hang: /did not answer|did not complete|stalled|timed out/i,
  lockout: /locked|lockout|403/i,
};

/** What a failed write must say: the state it left, or that it cannot be known and how to check. */
const STATE_WORDS = /safe|unchanged|not (been )?(saved|deleted|created|updated|reset)|nothing (was|is known)|still (on|there|exists)|could not be confirmed|may (still|have|not)|check (it )?with|before (trying|calling) again|put back|undo_change/i;

export function judge(tool: string, s: Scenario, res: CallResult, log: SandboxRequestLogEntry[]): Judged {
  const problems: string[] = [];
  // The check tools and fleet_drift report a failing CRM in their answer (a report, not an error).
  const fleet = res.structured.summary as { ok?: number; total?: number } | undefined;
  // fleet_drift too: a tenant it could not read is a row "unreachable" with the reason.
  const unreadable = tool === 'fleet_drift' && ((res.structured.summary as { unreachable?: number } | undefined)?.unreachable ?? 0) > 0;
  const checkFailed = (tool === 'check_tenant' && res.structured.ok === false) || (tool === 'check_tenants' && fleet !== undefined && fleet.ok !== fleet.total) || unreadable;
  const outcome: Judged['outcome'] = res.isError || checkFailed ? 'error' : 'success';
  const text = res.text;
  const faultedEntries = log.filter((r) => r.fault !== undefined);
  if (text.trim() === '') problems.push('empty result');
  if (/Unexpected error in/.test(text)) problems.push(`an unexpected error instead of a clear one: ${text.slice(0, 300)}`);

  // list_tenants answers from the config, list_changes from the store: neither calls a CRM.
  const needsCrm = tool !== 'list_tenants' && tool !== 'list_changes';
  if (!needsCrm) {
    if (outcome !== 'success' || log.length > 0) problems.push(`${tool} must answer without calling the CRM`);
  } else if (s.kind === 'latency' && s.scope === 'all') {
    if (outcome !== 'success') problems.push(`a slow CRM (${LATENCY_MS} ms a request) must still work: ${text.slice(0, 300)}`);
  } else if (s.scope === 'all') {
    if (outcome !== 'error') problems.push(`must fail when every request fails: ${text.slice(0, 300)}`);
    else if (!KIND_MESSAGE[s.kind].test(text)) problems.push(`the error does not say what happened (${s.kind}): ${text.slice(0, 400)}`);
  } else if (s.scope === 'first') {
    const first = faultedEntries[0];
    const retryable = s.kind !== 'http500';
    if (first && first.method === 'GET' && retryable && outcome !== 'success') {
      problems.push(`a ${s.kind} on one GET must be retried and the call succeed: ${text.slice(0, 300)}`);
    }
    if (outcome === 'error' && !KIND_MESSAGE[s.kind].test(text)) problems.push(`the error does not say what happened (${s.kind}): ${text.slice(0, 400)}`);
  } else if (outcome === 'error' && faultedEntries.some((r) => WRITE_METHODS.has(r.method)) && !STATE_WORDS.test(text)) {
    problems.push(`a failed write must say what state it left and how to check or undo: ${text.slice(0, 500)}`);
  }
  problems.push(...blindResends(log));
  return { outcome, faulted: faultedEntries.length, requests: log.length, writes: log.filter((r) => WRITE_METHODS.has(r.method)).length, problems };
}

/** A call the client cancelled: the server stops, records the failure, and re-sends nothing. */
export function judgeCancelled(tool: string, audit: AuditEntry[], log: SandboxRequestLogEntry[]): Judged {
  const problems = blindResends(log);
  const line = audit.find((e) => e.tool === tool);
  if (!line || line.outcome !== 'failed' || !/cancel/i.test(line.error ?? '')) problems.push(`no audit line says the cancelled ${tool} failed: ${JSON.stringify(line)}`);
  return { outcome: 'cancelled', faulted: log.filter((r) => r.fault !== undefined).length, requests: log.length, writes: log.filter((r) => WRITE_METHODS.has(r.method)).length, problems };
}

/** Never a blind re-send: a write that failed is not sent again within the call. */
function blindResends(log: SandboxRequestLogEntry[]): string[] {
  const out: string[] = [];
  log.forEach((r, i) => {
    if (!WRITE_METHODS.has(r.method) || (r.status !== 0 && r.status < 500)) return;
    const again = log.slice(i + 1).find((q) => q.method === r.method && q.path === r.path);
    if (again) out.push(`${r.method} ${r.path} failed (${r.status || 'no answer'}) and was sent again`);
  });
  return out;
}

