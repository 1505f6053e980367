/**
 * Fault injection per route: added latency, a 5xx answer, a connection reset, or a request that is
 * never answered (until the sandbox closes). Rules match the path after `/api/v1/`.
 */
export type FaultKind = 'latency' | 'status' | 'reset' | 'hang';

export interface FaultRule {
  method?: string;
  /** string: exact path after `/api/v1/` (no query); RegExp: tested against that path */
  path: string | RegExp;
  kind: FaultKind;
  /** latency in ms (kind 'latency') */
  ms?: number;
  /** status to answer with (kind 'status'), default 503 */
  status?: 500 | 502 | 503 | 504;
  /** how many requests the rule applies to; unlimited when absent */
  times?: number;
}

export class FaultInjector {
  private rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) throw new Error('FaultRule.times must be a positive integer');
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first rule matching the request, consuming one of its `times`. */
  take(method: string, path: string): FaultRule | undefined {
    const index = this.rules.findIndex((rule) => matches(rule, method, path));
    if (index < 0) return undefined;
    const rule = this.rules[index] as FaultRule;
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) this.rules.splice(index, 1);
    }
    return rule;
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (typeof rule.path === 'string') return rule.path.replace(/^\/+/, '') === path;
  rule.path.lastIndex = 0;
  return rule.path.test(path);
}
