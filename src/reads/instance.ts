/**
 * Which instance a tenant points at now, and whether a recorded change was made on it. A tenant id can
 * be pointed at another CRM (a move to a new server, a staging copy): a before-state recorded on one
 * instance must never be written to another.
 */
import type { InstanceIdentity } from '../store/types.js';
import type { TenantContext } from '../tenants/registry.js';

export async function currentInstance(ctx: { tenant: TenantContext; signal?: AbortSignal }): Promise<InstanceIdentity> {
  const p = await ctx.tenant.profile.get(ctx.signal);
  return { ...(p.siteUrl ? { siteUrl: p.siteUrl } : {}), ...(p.version ? { version: p.version } : {}) };
}

/** siteUrls compare without a trailing slash and with a lower-case scheme and host. */
export function normalizeSiteUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
  } catch {
    return url.trim().replace(/\/+$/, '').toLowerCase();
  }
}

function versionParts(v: string): number[] {
  return v.split(/[.-]/).map((x) => Number.parseInt(x, 10)).filter((n) => Number.isFinite(n));
}

function compareVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface InstanceMatch {
  /** true: the same instance; false: another one (reason says why); null: unknown (a line recorded before instances were). */
  same: boolean | null;
  reason?: string;
  /** The same instance, upgraded since the change (a note, not a refusal). */
  note?: string;
}

/**
 * Whether `recorded` (where a change was made) is `current` (where the tenant points now). The siteUrl
 * is the identity; a version older now than at the change means another instance too (EspoCRM is not
 * downgraded in place: it is a restore or a copy), a newer one is the same instance upgraded.
 */
export function sameInstance(recorded: InstanceIdentity | undefined, current: InstanceIdentity): InstanceMatch {
  if (!recorded || (!recorded.siteUrl && !recorded.version)) return { same: null };
  if (recorded.siteUrl && current.siteUrl && normalizeSiteUrl(recorded.siteUrl) !== normalizeSiteUrl(current.siteUrl)) {
    return { same: false, reason: `it was made on the instance at ${recorded.siteUrl}, and the tenant now points at ${current.siteUrl}` };
  }
  if (recorded.version && current.version) {
    const d = compareVersions(current.version, recorded.version);
    if (d < 0) {
      return { same: false, reason: `it was made on EspoCRM ${recorded.version}, and the tenant's CRM is now ${current.version} (an older version: a restored backup or another copy)` };
    }
    if (d > 0) return { same: true, note: `the CRM was upgraded since the change (EspoCRM ${recorded.version} → ${current.version})` };
  }
  return { same: true };
}
