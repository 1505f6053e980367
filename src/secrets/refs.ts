import type { SecretRef, TenantConfig } from '../config/types.js';

/**
 * Secret references: what `tenants.json` holds instead of secrets.
 *   env:NAME          an environment variable (what Claude Desktop, MCPB and Docker inject)
 *   keychain          the OS keychain, service `espocrm-admin-mcp`, account `TENANT/FIELD`
 *   keychain:ACCOUNT  the OS keychain, an explicit account
 *   file:PATH         a file only its owner can read (mode 0600), relative to the config file's folder
 */
export type ParsedSecretRef =
  | { kind: 'env'; name: string }
  | { kind: 'keychain'; account?: string }
  | { kind: 'file'; path: string };

/** The secrets a tenant can have; also the FIELD of `tenants set-secret ID FIELD` and of keychain accounts. */
export const SECRET_FIELDS = ['apiKey', 'hmacSecret', 'adminPassword'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

export const KEYCHAIN_SERVICE = 'espocrm-admin-mcp';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REF_PREFIXES = ['env:', 'keychain:', 'file:'] as const;

export function parseSecretRef(ref: string): ParsedSecretRef | undefined {
  if (ref === 'keychain') return { kind: 'keychain' };
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    return ENV_NAME.test(name) ? { kind: 'env', name } : undefined;
  }
  if (ref.startsWith('keychain:')) {
    const account = ref.slice(9);
    return account.trim() === account && account.length > 0 ? { kind: 'keychain', account } : undefined;
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    return path.trim().length > 0 ? { kind: 'file', path } : undefined;
  }
  return undefined;
}

export function isSecretRef(s: unknown): s is SecretRef {
  return typeof s === 'string' && parseSecretRef(s) !== undefined;
}

/** A string that starts like a reference but is not a valid one (so it is a typo, not a pasted secret). */
export function looksLikeMalformedRef(s: string): boolean {
  return REF_PREFIXES.some((p) => s.startsWith(p)) && parseSecretRef(s) === undefined;
}

/** `admin.password` in the config is the keychain field `adminPassword`. */
export function secretFieldOf(field: string): string {
  return field === 'admin.password' || field === 'password' ? 'adminPassword' : field;
}

export function keychainAccount(tenantId: string, field: string): string {
  return `${tenantId}/${secretFieldOf(field)}`;
}

/** The `.env` convention's variable prefix for a tenant: `damath` -> `DAMATH_ESPO_`, `default` -> `ESPO_`. */
export function envPrefixFor(tenantId: string): string {
  return tenantId === 'default' ? 'ESPO_' : `${tenantId.toUpperCase().replace(/-/g, '_')}_ESPO_`;
}

const ENV_SUFFIX: Record<SecretField, string> = {
  apiKey: 'API_KEY',
  hmacSecret: 'HMAC_SECRET',
  adminPassword: 'PASSWORD',
};

/** The environment variable the `.env` convention uses for a tenant's secret, e.g. `DAMATH_ESPO_API_KEY`. */
export function conventionalEnvVar(tenantId: string, field: string): string {
  const f = secretFieldOf(field);
  const suffix = (ENV_SUFFIX as Record<string, string | undefined>)[f] ?? f.toUpperCase();
  return envPrefixFor(tenantId) + suffix;
}

/** The secret references a tenant holds, by field, in a fixed order. */
export function tenantSecretRefs(tenant: TenantConfig): Array<{ field: SecretField; ref: SecretRef }> {
  const out: Array<{ field: SecretField; ref: SecretRef }> = [];
  if (tenant.apiKey !== undefined) out.push({ field: 'apiKey', ref: tenant.apiKey });
  if (tenant.hmacSecret !== undefined) out.push({ field: 'hmacSecret', ref: tenant.hmacSecret });
  if (tenant.admin) out.push({ field: 'adminPassword', ref: tenant.admin.password });
  return out;
}

/** Where a reference points, in words, for listings. Never a secret value: references hold none. */
export function describeSecretRef(ref: SecretRef, tenantId: string, field: string): string {
  const parsed = parseSecretRef(ref);
  if (!parsed) return 'invalid reference';
  switch (parsed.kind) {
    case 'env':
      return `env ${parsed.name}`;
    case 'keychain':
      return `keychain ${parsed.account ?? keychainAccount(tenantId, field)}`;
    case 'file':
      return `file ${parsed.path}`;
  }
}
