import { EMPTY_HISTORY, NO_HEALTH, NO_RESULTS, NO_SNAPSHOTS } from '../store/index.js';
import { plainMarked, plainMarkedDeep } from '../core/fence.js';
import type { TenantConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { LOCAL_PRINCIPAL } from '../tenants/policy.js';
import { TenantRegistry } from '../tenants/registry.js';
import { checkTenant } from '../tools/check_tenant.js';

/** What `tenants add` is about to write, with the secrets as typed (they exist only in memory here). */
export interface NewTenant {
  id: string;
  name: string;
  url: string;
  siteUrl?: string;
  apiKey?: string;
  admin?: { username: string; password: string };
}

type CheckOutput = Awaited<ReturnType<typeof checkTenant.handler>>['structured'];

export interface NewTenantCheck {
  ok: boolean;
  /** check_tenant's report: one line per check. */
  report: string;
  /** What to do about each failed check, in the wizard's terms (flags, where to look in EspoCRM). */
  hints: string[];
  result: CheckOutput;
}

// Names of the in-memory variables the secrets are passed through; never a real environment.
const API_KEY_VAR = 'TENANTS_ADD_API_KEY';
const PASSWORD_VAR = 'TENANTS_ADD_ADMIN_PASSWORD';

/**
 * Runs check_tenant — reachable, version, siteUrl, API key, admin login — on a tenant that is not
 * configured yet, through the same client, guard and messages the server uses.
 */
export async function checkNewTenant(
  tenant: NewTenant,
  opts: { logger: Logger; env: NodeJS.ProcessEnv; baseDir: string; timeoutMs?: number; /** The command to run again, for the hints. */ rerun?: string },
): Promise<NewTenantCheck> {
  const secrets: NodeJS.ProcessEnv = {};
  const config: TenantConfig = { id: tenant.id, name: tenant.name, url: tenant.url, readOnly: true };
  if (tenant.siteUrl) config.siteUrl = tenant.siteUrl;
  if (tenant.apiKey !== undefined) {
    secrets[API_KEY_VAR] = tenant.apiKey;
    config.apiKey = `env:${API_KEY_VAR}`;
  }
  if (tenant.admin) {
    secrets[PASSWORD_VAR] = tenant.admin.password;
    config.admin = { username: tenant.admin.username, password: `env:${PASSWORD_VAR}` };
  }
  const registry = new TenantRegistry({ tenants: [config], source: 'tenants add' }, { env: secrets, baseDir: opts.baseDir, logger: opts.logger });
  try {
    const context = registry.resolve(tenant.id, LOCAL_PRINCIPAL);
    const { structured, text } = await checkTenant.handler(
      { tenant: tenant.id },
      {
        registry,
        principal: LOCAL_PRINCIPAL,
        tenant: context,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
        logger: opts.logger,
        server: { readOnly: true },
        progress: async () => undefined,
        // check_tenant only reads: it sees the recorded history, and writes nothing.
        history: EMPTY_HISTORY,
        results: NO_RESULTS,
        health: NO_HEALTH,
        snapshots: NO_SNAPSHOTS,
      },
    );
    // CRM values are marked in the report (src/core/fence.ts): printed as the text they are.
    const result = plainMarkedDeep(structured) as CheckOutput;
    return { ok: result.ok, report: forUnwrittenTenant(plainMarked(text ?? '')), hints: hintsFor(tenant, result, opts.rerun ?? `espocrm-admin-mcp tenants add ${tenant.id}`), result };
  } finally {
    await registry.close();
  }
}

/**
 * check_tenant's report speaks of a configured tenant ("store the right password with `tenants
 * set-secret`"); this one is not written yet, so set-secret cannot take it: those pointers go, and the
 * hints say what to do instead.
 */
export function forUnwrittenTenant(report: string): string {
  return report
    .replace(/Check admin\.username in the tenant config and store the right password \(`[^`]*`\)\.\s*/g, '')
    .replace(/,? and store its key \(`[^`]*`\)\./g, '.')
    .replace(/ ?\(`(?:espocrm-admin-mcp )?tenants set-secret [^)]*\)/g, '')
    // The server's pause between password attempts; this command makes one attempt and ends.
    .replace(/ ?No new password attempt is made for \d+ s, to stay clear of EspoCRM's lockout \([^)]*\)\./g, '');
}

function hintsFor(tenant: NewTenant, r: CheckOutput, rerun: string): string[] {
  const hints: string[] = [];
  const lockout = "each wrong password or key counts towards EspoCRM's lockout (more than 10 failed logins a minute from one IP address locks it out for a while)";
  if (r.reachable.status === 'failed') {
    hints.push(`Check the URL: ${tenant.url} should be the address you open EspoCRM at, reachable from this machine (VPN, firewall, proxy).`);
  }
  if (r.apiKey.status === 'failed') {
    hints.push(
      'The API key is the key of an API user (Administration > API Users > the user > API Key), not a password: check that it was copied whole ' +
        `and that the user is active with the "API Key" authentication method. The tenant is not written yet: rerun \`${rerun}\` with the right key; ${lockout}.`,
    );
  }
  if (r.admin.status === 'failed') {
    hints.push(
      `The admin login must be an EspoCRM user of type Admin (API users can never be admins) without two-factor authentication. ` +
        `The tenant is not written yet: rerun \`${rerun}\` with the right user name and password (try them in a browser first). ` +
        "Each wrong password counts towards EspoCRM's lockout (more than 10 failed logins a minute per IP): check it before trying again.",
    );
  }
  if (r.siteUrl.status === 'failed' && r.siteUrl.reported) {
    hints.push(
      `The CRM reports its siteUrl as ${r.siteUrl.reported}, not ${r.siteUrl.expected}. If it is the right CRM (reached through another ` +
        `address), add --site-url ${r.siteUrl.reported}; if not, the URL points at another client's CRM.`,
    );
  }
  return hints;
}
