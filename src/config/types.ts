/**
 * The validated configuration the rest of the server sees. `src/config/load.ts` produces it from
 * `tenants.json` (zod-validated) or, without one, from the `.env` convention.
 * Secret values are *references* (`env:NAME`, `keychain`, `keychain:ACCOUNT`, `file:PATH`), resolved
 * lazily by `src/secrets/` so that a tenant whose secret is missing does not break the others.
 */

import type { HttpConfig } from './http.js';
import type { RetentionPolicy } from '../store/types.js';

export type SecretRef = string;

export interface TenantConfig {
  /** Tenant id: lower-case letters, digits and dashes (`damath`, `coach-vero`). */
  id: string;
  /** Human name ("Damath Overseas"). Defaults to the id. */
  name: string;
  /** EspoCRM base URL as configured; may or may not end in `/api/v1`. */
  url: string;
  /** Expected siteUrl of the instance (instance guard); defaults to the origin of `url`. */
  siteUrl?: string;
  /** API user credentials, for data reads. */
  apiKey?: SecretRef;
  /** HMAC secret of the API user, when the API user authenticates by HMAC. */
  hmacSecret?: SecretRef;
  /** Admin user login, for schema/layout/admin routes. */
  admin?: { username: string; password: SecretRef };
  /** No write tool may run against this tenant. */
  readOnly: boolean;
  /** Tools allowed (include) and refused (exclude) on this tenant. Precedence: readOnly > exclude > include. */
  tools?: { include?: string[]; exclude?: string[] };
  /** Default country for phone numbers (ISO 3166-1 alpha-2), used by duplicate detection. */
  defaultCountry?: string;
  /** Per-tenant request limits towards the CRM. */
  limits?: { concurrency?: number; timeoutMs?: number };
  /** How long this tenant's audit lines are kept (on top of `store.retention`). */
  retention?: Partial<RetentionPolicy>;
  description?: string;
}

export interface ServerConfig {
  tenants: TenantConfig[];
  /** Where the tenants came from, for messages: a file path or `environment`. */
  source: string;
  /**
   * Folder that relative `file:` secret references are resolved against: the config file's folder,
   * or the working directory for tenants from the environment. `loadConfig` always sets it.
   */
  baseDir?: string;
  /** The `http` section of tenants.json (validated by `src/config/http.ts`): auth, origins, hosts, limits. */
  http?: HttpConfig;
  /** Audit log settings; a relative `path` is resolved against the config file's folder by `loadConfig`. */
  audit?: { path?: string };
  /** The store: PostgreSQL (`url`, a secret reference) or an embedded SQLite file (`path`, default in the state folder). */
  store?: { url?: SecretRef; path?: string; retention?: Partial<RetentionPolicy> };
  /** Blueprints (issue 19): the folder of NAME.json files; a relative `dir` is resolved against the config file's folder. Default: `blueprints/` beside it. */
  blueprints?: { dir: string };
  /**
   * Set when the configuration could not be loaded and `serve` runs anyway, without tenants: the error
   * and its fix, which every call answers with (`brokenConfig` in load.ts). Never holds a secret.
   */
  configError?: string;
}
