import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { conventionalEnvVar, secretFieldOf } from '../secrets/refs.js';
import { ConfigError } from './errors.js';
import { formatPath } from './messages.js';
import { SECRET_LITERAL, tenantsFileSchema, type TenantEntry, type TenantsFile } from './schema.js';
import type { ServerConfig, TenantConfig } from './types.js';
import type { RetentionPolicy } from '../store/types.js';

export const DEFAULT_CONCURRENCY = 4;

export interface ValidateOptions {
  /** For messages: the config file path, or `environment`. */
  source: string;
  /** Folder relative `file:` references and the audit path are resolved against. */
  baseDir: string;
  /** How to name a location in messages; defaults to the JSON path (`tenants.damath.url`). */
  describePath?: (path: readonly PropertyKey[]) => string;
}

/** Validates the parsed content of a tenants.json and returns the configuration the server uses. */
export function validateTenantsFile(raw: unknown, opts: ValidateOptions): ServerConfig {
  // Parsed once per process: zod's compiled fast path would cost more to build than it saves here.
  const result = tenantsFileSchema.safeParse(raw, { jitless: true });
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error.issues, opts.describePath ?? formatPath), { source: opts.source });
  }
  return toServerConfig(result.data, opts);
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], describePath: (path: readonly PropertyKey[]) => string): string[] {
  const out: string[] = [];
  for (const iss of issues) {
    if (iss.code === 'invalid_key') {
      for (const inner of iss.issues) out.push(`${describePath(iss.path)}: ${inner.message}`);
    } else if (iss.code === 'custom' && iss.params?.[SECRET_LITERAL] === true) {
      out.push(literalSecretMessage(iss.path, describePath));
    } else {
      out.push(`${describePath(iss.path)}: ${iss.message}`);
    }
  }
  return out;
}

/** The fix for a literal secret, built from where it is. The value itself is never repeated. */
function literalSecretMessage(path: readonly PropertyKey[], describePath: (path: readonly PropertyKey[]) => string): string {
  if (path[0] !== 'tenants' || typeof path[1] !== 'string') {
    // Not a tenant's secret (the store's database URL): no `set-secret` for it, and no bare "keychain".
    const key = String(path[path.length - 1]);
    const env = path[0] === 'store' ? 'ESPOCRM_MCP_DATABASE_URL' : 'ESPOCRM_MCP_SECRET';
    return (
      `${describePath(path)}: a literal secret is not allowed here (the value is not shown); tenants.json holds references to secrets only. ` +
      `Put it in an environment variable and write "${key}": "env:${env}", or in a file only you can read (chmod 600) and write "file:PATH", ` +
      'or in the OS keychain and write "keychain:ACCOUNT"'
    );
  }
  const tenantId = path[1];
  const field = secretFieldOf(path.slice(2).map(String).join('.'));
  const key = String(path[path.length - 1]);
  return (
    `${describePath(path)}: a literal secret is not allowed here (the value is not shown); tenants.json holds references to secrets only. ` +
    `Store it in the OS keychain with \`espocrm-admin-mcp tenants set-secret ${tenantId} ${field}\` and write "${key}": "keychain", ` +
    `or put it in an environment variable and write "${key}": "env:${conventionalEnvVar(tenantId, field)}"`
  );
}

function cleanRetention(r: { changes?: { $comment?: string; days?: number; count?: number }; calls?: { $comment?: string; days?: number; count?: number } }): Partial<RetentionPolicy> {
  return {
    ...(r.changes ? { changes: stripComment(r.changes)! } : {}),
    ...(r.calls ? { calls: stripComment(r.calls)! } : {}),
  };
}

function toServerConfig(file: TenantsFile, opts: ValidateOptions): ServerConfig {
  const tenants = Object.entries(file.tenants).map(([id, entry]) => toTenantConfig(id, entry, file.defaults));
  const config: ServerConfig = { tenants, source: opts.source, baseDir: opts.baseDir };
  if (file.http !== undefined) config.http = file.http;
  if (file.audit) {
    const { path } = file.audit;
    config.audit = path === undefined ? {} : { path: isAbsolute(path) ? path : resolve(opts.baseDir, path) };
  }
  if (file.store) {
    const { url, path, retention } = file.store;
    config.store = {
      ...(url !== undefined ? { url } : {}),
      ...(path !== undefined ? { path: isAbsolute(path) ? path : resolve(opts.baseDir, path) } : {}),
      ...(retention ? { retention: cleanRetention(retention) } : {}),
    };
  }
  if (file.blueprints?.dir !== undefined) {
    const { dir } = file.blueprints;
    config.blueprints = { dir: isAbsolute(dir) ? dir : resolve(opts.baseDir, dir) };
  }
  return config;
}

function toTenantConfig(id: string, t: TenantEntry, defaults: TenantsFile['defaults']): TenantConfig {
  const tenant: TenantConfig = {
    id,
    name: t.name ?? id,
    url: t.url,
    readOnly: t.readOnly ?? defaults?.readOnly ?? false,
    limits: { concurrency: DEFAULT_CONCURRENCY, ...stripComment(defaults?.limits), ...stripComment(t.limits) },
  };
  if (t.siteUrl !== undefined) tenant.siteUrl = t.siteUrl;
  if (t.apiKey !== undefined) tenant.apiKey = t.apiKey;
  if (t.hmacSecret !== undefined) tenant.hmacSecret = t.hmacSecret;
  if (t.admin) tenant.admin = { username: t.admin.username, password: t.admin.password };
  if (t.tools) tenant.tools = stripComment(t.tools);
  if (t.retention) tenant.retention = cleanRetention(t.retention);
  const country = t.defaultCountry ?? defaults?.defaultCountry;
  if (country !== undefined) tenant.defaultCountry = country;
  if (t.description !== undefined) tenant.description = t.description;
  return tenant;
}

function stripComment<T extends { $comment?: string }>(obj: T | undefined): Omit<T, '$comment'> | undefined {
  if (!obj) return undefined;
  const { $comment: _comment, ...rest } = obj;
  return rest;
}
