import type { SecretField } from '../secrets/refs.js';
import { ConfigError } from './errors.js';
import { formatPath } from './messages.js';
import { TENANT_ID } from './schema.js';
import type { ServerConfig } from './types.js';
import { validateTenantsFile } from './validate.js';

/**
 * The `.env` convention of the existing setup: `ESPO_BASE_URL`, `ESPO_API_KEY`, `ESPO_USERNAME`,
 * `ESPO_PASSWORD` (and optionally `ESPO_HMAC_SECRET`, `ESPO_SITE_URL`) form the tenant `default`;
 * `<PREFIX>_ESPO_*` forms the tenant `<prefix>` (`COACH_VERO_ESPO_*` -> `coach-vero`).
 */
export interface EnvTenant {
  id: string;
  /** `ESPO_` or `DAMATH_ESPO_`. */
  prefix: string;
  url: string;
  siteUrl?: string;
  username?: string;
  /** The variables holding this tenant's secrets, by field. */
  secretVars: Partial<Record<SecretField, string>>;
}

const BASE_URL = 'ESPO_BASE_URL';
const SECRET_SUFFIXES: Record<SecretField, string> = { apiKey: 'API_KEY', hmacSecret: 'HMAC_SECRET', adminPassword: 'PASSWORD' };

type Env = Record<string, string | undefined>;

const valueOf = (env: Env, name: string): string | undefined => {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
};

/** Finds the tenants an environment defines. Throws `ConfigError` for a half-defined tenant. */
export function scanEnvConvention(env: Env, source = 'environment'): EnvTenant[] {
  const problems: string[] = [];
  const found = new Map<string, EnvTenant>();
  for (const key of Object.keys(env).sort()) {
    if (key !== BASE_URL && !key.endsWith(`_${BASE_URL}`)) continue;
    const url = valueOf(env, key);
    if (url === undefined) continue;
    const prefix = key.slice(0, -'BASE_URL'.length);
    const id = key === BASE_URL ? 'default' : prefix.slice(0, -'_ESPO_'.length).toLowerCase().replace(/_/g, '-');
    if (!TENANT_ID.test(id)) {
      problems.push(`${key}: the prefix does not make a valid tenant id ("${id}") — use letters, digits and single underscores, e.g. COACH_VERO_ESPO_BASE_URL`);
      continue;
    }
    const clash = found.get(id);
    if (clash) {
      problems.push(`${key} and ${clash.prefix}BASE_URL both define the tenant "${id}" — keep one of them`);
      continue;
    }
    const tenant: EnvTenant = { id, prefix, url, secretVars: {} };
    const siteUrl = valueOf(env, `${prefix}SITE_URL`);
    if (siteUrl !== undefined) tenant.siteUrl = siteUrl;
    const username = valueOf(env, `${prefix}USERNAME`);
    if (username !== undefined) tenant.username = username;
    for (const [field, suffix] of Object.entries(SECRET_SUFFIXES) as Array<[SecretField, string]>) {
      if (valueOf(env, prefix + suffix) !== undefined) tenant.secretVars[field] = prefix + suffix;
    }
    if (tenant.secretVars.adminPassword && !username) {
      problems.push(`${prefix}PASSWORD is set but ${prefix}USERNAME is not — set the admin user name in ${prefix}USERNAME`);
    }
    if (!tenant.secretVars.apiKey && !username) {
      problems.push(
        `${key} is set but neither ${prefix}API_KEY nor ${prefix}USERNAME and ${prefix}PASSWORD are — set the API key ` +
          '(for data reads) and/or the admin login (for schema and layout work)',
      );
    }
    if (tenant.secretVars.hmacSecret && !tenant.secretVars.apiKey) {
      problems.push(`${prefix}HMAC_SECRET is set but ${prefix}API_KEY is not — the HMAC secret signs requests made with the API key`);
    }
    found.set(id, tenant);
  }
  if (problems.length > 0) throw new ConfigError(problems, { source });
  return [...found.values()].sort((a, b) => (a.id === 'default' ? -1 : b.id === 'default' ? 1 : a.id.localeCompare(b.id)));
}

/** Names a config location by the environment variable it came from. */
function envPathNamer(tenants: EnvTenant[]): (path: readonly PropertyKey[]) => string {
  const byId = new Map(tenants.map((t) => [t.id, t]));
  const suffixes: Record<string, string> = { url: 'BASE_URL', siteUrl: 'SITE_URL', 'admin.username': 'USERNAME' };
  return (path) => {
    const tenant = path[0] === 'tenants' ? byId.get(String(path[1])) : undefined;
    const suffix = suffixes[path.slice(2).map(String).join('.')];
    if (tenant && suffix) return tenant.prefix + suffix;
    if (tenant && path.length === 2) return `${tenant.prefix}*`;
    return formatPath(path);
  };
}

/**
 * The configuration an environment defines, with `env:` references to its secret variables (the
 * values are never copied), or undefined when it defines no tenant.
 */
export function tenantsFromEnv(env: Env, baseDir: string): ServerConfig | undefined {
  const found = scanEnvConvention(env);
  if (found.length === 0) return undefined;
  const tenants: Record<string, unknown> = {};
  for (const t of found) {
    const raw: Record<string, unknown> = { url: t.url };
    if (t.siteUrl !== undefined) raw.siteUrl = t.siteUrl;
    if (t.secretVars.apiKey) raw.apiKey = `env:${t.secretVars.apiKey}`;
    if (t.secretVars.hmacSecret) raw.hmacSecret = `env:${t.secretVars.hmacSecret}`;
    if (t.username !== undefined) raw.admin = { username: t.username, password: `env:${t.prefix}${SECRET_SUFFIXES.adminPassword}` };
    tenants[t.id] = raw;
  }
  return validateTenantsFile({ tenants }, { source: 'environment', baseDir, describePath: envPathNamer(found) });
}
