import type { TenantConfig } from '../config/types.js';
import type { EspoClient } from '../espo/client.js';
import { ToolError } from '../errors.js';

/** Compare two site URLs the way a person would: scheme, host, port and path, ignoring case and trailing slashes. */
export function sameSiteUrl(a: string, b: string): boolean {
  return canonicalSiteUrl(a) === canonicalSiteUrl(b);
}

export function canonicalSiteUrl(raw: string): string {
  try {
    const u = new URL(raw.trim());
    const path = u.pathname.replace(/\/api\/v1\/?$/, '').replace(/\/+$/, '');
    return `${u.protocol}//${u.host}${path}`.toLowerCase();
  } catch {
    return raw.trim().replace(/\/+$/, '').toLowerCase();
  }
}

/** The siteUrl we expect the CRM to report: config `siteUrl`, else the configured URL without `/api/v1`. */
export function expectedSiteUrl(config: TenantConfig): string {
  return canonicalSiteUrl(config.siteUrl ?? config.url);
}

export interface GuardResult {
  ok: boolean;
  expected: string;
  reported?: string;
  message: string;
}

const TTL_MS = 60_000;

/**
 * The instance guard: two tenants can answer to the same credentials (a cloned CRM), so before any
 * write we check that the CRM behind this tenant reports the siteUrl we expect. A mismatch blocks
 * every write; it is re-checked at most once a minute.
 */
export class InstanceGuard {
  private cached?: { at: number; result: GuardResult };

  constructor(
    private readonly config: TenantConfig,
    private readonly client: () => EspoClient,
  ) {}

  expected(): string {
    return expectedSiteUrl(this.config);
  }

  async check(opts: { signal?: AbortSignal; fresh?: boolean } = {}): Promise<GuardResult> {
    if (!opts.fresh && this.cached && Date.now() - this.cached.at < TTL_MS) return this.cached.result;
    const expected = expectedSiteUrl(this.config);
    const read = (auth: 'admin' | 'api') =>
      this.client().request<Record<string, unknown>>({ method: 'GET', path: 'Settings', auth, signal: opts.signal });
    // Any authenticated user sees siteUrl: use the admin login, or the API key when the admin login fails.
    const hasApi = Boolean(this.config.apiKey || this.config.hmacSecret);
    const res = this.config.admin
      ? await read('admin').catch((err: unknown) => {
          if (!hasApi || opts.signal?.aborted) throw err;
          return read('api');
        })
      : await read('api');
    const reportedRaw = typeof res.body?.siteUrl === 'string' ? res.body.siteUrl : undefined;
    let result: GuardResult;
    if (reportedRaw === undefined) {
      result = { ok: false, expected, message: `the CRM did not report its siteUrl, so it cannot be confirmed to be tenant "${this.config.id}"` };
    } else if (sameSiteUrl(reportedRaw, expected)) {
      result = { ok: true, expected, reported: canonicalSiteUrl(reportedRaw), message: 'siteUrl matches' };
    } else {
      result = {
        ok: false,
        expected,
        reported: canonicalSiteUrl(reportedRaw),
        message:
          `the CRM reports siteUrl "${canonicalSiteUrl(reportedRaw)}" but tenant "${this.config.id}" expects "${expected}". ` +
          `This may be another client's CRM answering to the same credentials. If the CRM really moved, set "siteUrl" for this tenant in tenants.json.`,
      };
    }
    this.cached = { at: Date.now(), result };
    return result;
  }

  /** Throws a ToolError unless the tenant's CRM is confirmed to be the expected instance. */
  async assertWritable(signal?: AbortSignal): Promise<void> {
    const r = await this.check({ signal });
    if (!r.ok) throw new ToolError(`Write refused on tenant "${this.config.id}": ${r.message}.`, 'instance_mismatch');
  }

  forget(): void {
    this.cached = undefined;
  }
}
