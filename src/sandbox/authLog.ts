/**
 * Denied logins per remote IP, for EspoCRM's lockout: before a login attempt that is not
 * token-only, more than `maxFailed` denials from that IP within `windowMs` give 403.
 */
export interface LockoutPolicy {
  maxFailed: number;
  windowMs: number;
}

export class AuthFailureLog {
  private readonly denied = new Map<string, number[]>();

  constructor(
    private readonly policy: LockoutPolicy | false,
    private readonly now: () => number = Date.now,
  ) {}

  recordDenied(ip: string): void {
    if (this.policy === false) return;
    const list = this.recent(ip);
    list.push(this.now());
    this.denied.set(ip, list);
  }

  isLockedOut(ip: string): boolean {
    if (this.policy === false) return false;
    return this.recent(ip).length > this.policy.maxFailed;
  }

  deniedCount(ip: string): number {
    return this.recent(ip).length;
  }

  clear(): void {
    this.denied.clear();
  }

  private recent(ip: string): number[] {
    if (this.policy === false) return [];
    const since = this.now() - this.policy.windowMs;
    const list = (this.denied.get(ip) ?? []).filter((t) => t > since);
    this.denied.set(ip, list);
    return list;
  }
}
