import { z } from 'zod';
import type { SecretRef } from './types.js';
import { isSecretRef, looksLikeMalformedRef } from '../secrets/refs.js';
import { describeFound, describeKind, didYouMean, expected, strict, wholeNumber, describeUrl } from './messages.js';

/**
 * The `http` section of tenants.json: who may call the server over Streamable HTTP (static bearer
 * tokens, JWTs), which browsers and host names may reach it, and per-tenant limits. Same conventions
 * as the tenants schema: strict objects, every message says what was expected and what was found, and
 * secrets (tokens, the HS256 secret) are references, never literals.
 */

export interface HttpTokenConfig {
  /** Who this token is, in audit lines and logs ("max-frontend"). */
  name: string;
  token: SecretRef;
  /** Tenant ids the token may use; '*' for all configured tenants. */
  tenants: '*' | string[];
  readOnly: boolean;
}

export interface HttpJwtConfig {
  /** HS256 shared secret (a reference); exactly one of `secret` and `jwksUrl`. */
  secret?: SecretRef;
  /** JWKS endpoint of the issuer, for RS256/ES256/PS256/EdDSA tokens. */
  jwksUrl?: string;
  issuer: string;
  audience: string[];
  /** Claim listing the tenant ids (an array of ids, or "*"). */
  tenantsClaim: string;
  /** Claim naming the caller, for audit lines. */
  nameClaim: string;
  /** Claim that, when `true`, makes the caller read-only. */
  readOnlyClaim?: string;
  clockToleranceSeconds: number;
}

export interface HttpLimitsConfig {
  /** Tool calls running at once per tenant; default: the tenant's `limits.concurrency` (default 4). */
  perTenantConcurrency?: number;
  /** Tool calls started per tenant per minute. */
  perTenantRatePerMinute: number;
  /**
   * Requests per caller per minute that are not tied to a tenant (lists, list_tenants, list_changes,
   * initialize, discovery; each message of a batch counts); default `DEFAULT_CALLER_RATE_PER_MINUTE`.
   */
  perCallerRatePerMinute?: number;
  /** Messages in one JSON-RPC batch, where the protocol version allows batches; default `DEFAULT_MAX_BATCH_SIZE`. */
  maxBatchSize?: number;
  /**
   * Request bytes per caller per minute (every POST body counts); past it, requests are refused with
   * 429 before their body is read. Default `DEFAULT_CALLER_BYTES_PER_MINUTE`.
   */
  perCallerBytesPerMinute?: number;
}

export interface HttpConfig {
  /** The URL clients use to reach the server (behind a proxy), for the protected-resource metadata. */
  publicUrl?: string;
  tokens: HttpTokenConfig[];
  jwt?: HttpJwtConfig;
  /** Browser origins allowed to call (`Origin` header); requests without `Origin` are not browsers. */
  allowedOrigins: string[];
  /** Host names (optionally `host:port`) accepted in the `Host` header, against DNS rebinding. */
  allowedHosts: string[];
  limits: HttpLimitsConfig;
}

export const DEFAULT_RATE_PER_MINUTE = 120;
export const DEFAULT_CALLER_RATE_PER_MINUTE = 600;
/**
 * What one caller may send a minute: a flood of huge bodies (refused later anyway) costs the server
 * the reading and parsing of each, and every other caller waits; 4 MiB is thousands of ordinary calls
 * (a tool call is about 1 KB, a whole layout a few KB).
 */
export const DEFAULT_CALLER_BYTES_PER_MINUTE = 4 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_SIZE = 20;

const REF_FORMS = '"env:NAME", "keychain:ACCOUNT" or "file:PATH"';

/**
 * Builds the `http` section's schema. zod builds a schema's parts when it is declared, so the
 * configuration schema builds this one on use (`builtOnUse`): a file without `http` does not pay for it.
 */
export function httpSchema() {
  const comment = z.string({ error: expected('a text (a comment)') }).optional();

  const text = (what: string) => z.string({ error: expected(what) }).min(1, { error: `expected ${what}, found an empty string` });

  // Never repeats the value: a wrong value here is most likely a pasted token.
  const secretRef = (example: string) =>
    z
      .string({
        error: (iss) =>
          iss.input === undefined
            ? `missing: expected a secret reference (${REF_FORMS}), e.g. "${example}"`
            : `expected a secret reference written as a string (${REF_FORMS}), found ${describeKind(iss.input)}`,
      })
      .superRefine((value, ctx) => {
        if (value === 'keychain') {
          ctx.addIssue({ code: 'custom', message: 'write "keychain:ACCOUNT" with an explicit account here; the bare "keychain" form names a tenant\'s secret' });
        } else if (looksLikeMalformedRef(value)) {
          ctx.addIssue({ code: 'custom', message: `not a valid secret reference (the value is not shown) — write ${REF_FORMS}, e.g. "${example}"` });
        } else if (!isSecretRef(value)) {
          ctx.addIssue({
            code: 'custom',
            message:
              `a literal secret is not allowed here (the value is not shown); tenants.json holds references to secrets only. ` +
              `Put it in an environment variable and write "${example}", or in a file only you can read (chmod 600) and write "file:PATH", ` +
              'or in the OS keychain and write "keychain:ACCOUNT"',
          });
        }
      });

  const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

  function urlProblem(value: string, opts: { pathAllowed: boolean }): string | undefined {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `expected an http(s) URL, found ${describeUrl(value)}`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `expected an http(s) URL, found ${describeUrl(value)}`;
    if (url.username || url.password) return 'must not contain a user name or password (the URL is not shown)';
    if (url.search || url.hash) return `expected a URL without "?" or "#" parts, found ${describeUrl(value)}`;
    if (!opts.pathAllowed && url.pathname !== '/') return `expected an origin (scheme, host and port only), found ${describeUrl(value)}`;
    return undefined;
  }

  const url = (what: string, opts: { pathAllowed: boolean; httpsUnlessLoopback?: boolean }) =>
    z.string({ error: expected(what) }).superRefine((value, ctx) => {
      const problem = urlProblem(value, opts);
      if (problem) return void ctx.addIssue({ code: 'custom', message: `${problem} — ${what}` });
      const parsed = new URL(value);
      if (opts.httpsUnlessLoopback && parsed.protocol === 'http:' && !LOOPBACK_NAMES.has(parsed.hostname)) {
        ctx.addIssue({ code: 'custom', message: `expected an https URL (plain http only on loopback), found ${describeUrl(value)}` });
      }
    });

  const origin = z.string({ error: expected('a browser origin such as "https://chat.example.com"') }).superRefine((value, ctx) => {
    const problem = urlProblem(value, { pathAllowed: false });
    if (problem) return void ctx.addIssue({ code: 'custom', message: `${problem} — e.g. "https://chat.example.com"` });
    if (new URL(value).origin !== value) {
      ctx.addIssue({ code: 'custom', message: `expected an origin written as browsers send it, found ${describeUrl(value)} — write "${new URL(value).origin}"` });
    }
  });

  const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\d{1,5})?$/i;
  const host = z
    .string({ error: expected('a host name such as "mcp.example.com" or "mcp.example.com:8443"') })
    .regex(HOST, { error: expected('a host name such as "mcp.example.com" or "mcp.example.com:8443" (no scheme, no path)') })
    .transform((h) => h.toLowerCase());

  // Same as TENANT_ID in schema.ts, which imports this module (importing it back would be a cycle).
  const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  const tenantSetWhat = '"*" (every tenant) or a non-empty list of tenant ids, e.g. ["damath", "coach-vero"]';
  // Checked by hand: a zod union would hide which item of the list is wrong.
  const tenantSet = z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === '*') return;
      if (!Array.isArray(value)) return void ctx.addIssue({ code: 'custom', message: expected(tenantSetWhat)({ input: value }) });
      if (value.length === 0) return void ctx.addIssue({ code: 'custom', message: 'expected at least one tenant id, found an empty list — or write "*" for every tenant' });
      value.forEach((id: unknown, i) => {
        if (typeof id !== 'string' || !TENANT_ID.test(id)) ctx.addIssue({ code: 'custom', path: [i], message: expected('a tenant id such as "damath"')({ input: id }) });
      });
    })
    .transform((value) => value as '*' | string[]);

  const token = strict(
    'an object such as { "name": "max-frontend", "token": "env:MCP_TOKEN_MAX", "tenants": ["damath"] }',
    {
      $comment: comment,
      name: text('a name for the caller, e.g. "max-frontend"').max(64, { error: 'expected a name of at most 64 characters' }),
      token: secretRef('env:MCP_TOKEN_MAX'),
      tenants: tenantSet,
      readOnly: z.boolean({ error: expected('true or false') }).optional(),
    },
    { secret: 'token', value: 'token', key: 'token', tenant: 'tenants', read_only: 'readOnly', readonly: 'readOnly' },
  );

  const claimName = (what: string) => text(what);

  const jwt = strict(
    'an object such as { "jwksUrl": "https://auth.example.com/.well-known/jwks.json", "issuer": "https://auth.example.com", "audience": "https://mcp.example.com/mcp" }',
    {
      $comment: comment,
      secret: secretRef('env:MCP_JWT_SECRET').optional(),
      jwksUrl: url('the issuer\'s JWKS URL, e.g. "https://auth.example.com/.well-known/jwks.json"', { pathAllowed: true, httpsUnlessLoopback: true }).optional(),
      issuer: text('the expected "iss" of the tokens, e.g. "https://auth.example.com"'),
      audience: z.union([text('the expected "aud"'), z.array(text('the expected "aud"')).min(1)], {
        error: expected('the expected "aud" of the tokens (a text or a list of texts), e.g. "https://mcp.example.com/mcp"'),
      }),
      tenantsClaim: claimName('a claim name, e.g. "tenants"').optional(),
      nameClaim: claimName('a claim name, e.g. "sub"').optional(),
      readOnlyClaim: claimName('a claim name, e.g. "read_only"').optional(),
      clockToleranceSeconds: wholeNumber(0, 300, 'allowed clock skew when checking "exp" and "nbf"; default 30').optional(),
    },
    { hs256: 'secret', key: 'secret', jwks: 'jwksUrl', jwks_uri: 'jwksUrl', iss: 'issuer', aud: 'audience' },
  ).superRefine((j, ctx) => {
    if ((j.secret === undefined) === (j.jwksUrl === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: `${j.secret === undefined ? 'neither' : 'both'} "secret" and "jwksUrl" given — expected exactly one: "secret" (a reference to an HS256 secret) or "jwksUrl" (the issuer's public keys)`,
      });
    }
  });

  const limits = strict('an object such as { "perTenantConcurrency": 4, "perTenantRatePerMinute": 120, "perCallerRatePerMinute": 600 }', {
    $comment: comment,
    perTenantConcurrency: wholeNumber(1, 64, "tool calls running at once on one tenant; default: the tenant's limits.concurrency (4)").optional(),
    perTenantRatePerMinute: wholeNumber(1, 100_000, `tool calls started per tenant per minute; default ${DEFAULT_RATE_PER_MINUTE}`).optional(),
    perCallerRatePerMinute: wholeNumber(
      1,
      100_000,
      `requests per caller per minute not tied to a tenant (lists, list_tenants, list_changes, initialize); default ${DEFAULT_CALLER_RATE_PER_MINUTE}`,
    ).optional(),
    perCallerBytesPerMinute: wholeNumber(
      64 * 1024,
      1024 * 1024 * 1024,
      `request bytes per caller per minute (bodies past it are refused unread); default ${DEFAULT_CALLER_BYTES_PER_MINUTE} (4 MiB)`,
    ).optional(),
    // The SDK refuses batches of more than 100 messages itself.
    maxBatchSize: wholeNumber(1, 100, `messages in one JSON-RPC batch (protocol versions before 2025-06-18 only); default ${DEFAULT_MAX_BATCH_SIZE}`).optional(),
  });

  const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: expected(what) });

  return strict(
    'an object such as { "tokens": [ ... ], "allowedOrigins": ["https://chat.example.com"] }',
    {
      $comment: comment,
      publicUrl: url('the URL clients reach the server at, e.g. "https://mcp.example.com"', { pathAllowed: false }).optional(),
      tokens: list(token, 'a list of tokens, e.g. [{ "name": "max-frontend", "token": "env:MCP_TOKEN_MAX", "tenants": ["damath"] }]').optional(),
      jwt: jwt.optional(),
      allowedOrigins: list(origin, 'a list of origins, e.g. ["https://chat.example.com"]').optional(),
      allowedHosts: list(host, 'a list of host names, e.g. ["mcp.example.com"]').optional(),
      limits: limits.optional(),
    },
    { token: 'tokens', origins: 'allowedOrigins', hosts: 'allowedHosts', cors: 'allowedOrigins', url: 'publicUrl', baseUrl: 'publicUrl' },
  )
    .superRefine((h, ctx) => {
      const seen = new Map<string, number>();
      (h.tokens ?? []).forEach((t, i) => {
        if (typeof t.name !== 'string') return; // already reported
        const first = seen.get(t.name);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['tokens', i, 'name'], message: `the name "${t.name}" is already used by tokens[${first}] — each token needs its own name (it identifies the caller in the audit log)` });
        } else seen.set(t.name, i);
      });
    })
    .transform(
      (h): HttpConfig => ({
        ...(h.publicUrl !== undefined ? { publicUrl: h.publicUrl.replace(/\/$/, '') } : {}),
        tokens: (h.tokens ?? []).map((t) => ({ name: t.name, token: t.token, tenants: t.tenants, readOnly: t.readOnly ?? false })),
        ...(h.jwt
          ? {
              jwt: {
                ...(h.jwt.secret !== undefined ? { secret: h.jwt.secret } : {}),
                ...(h.jwt.jwksUrl !== undefined ? { jwksUrl: h.jwt.jwksUrl } : {}),
                issuer: h.jwt.issuer,
                audience: Array.isArray(h.jwt.audience) ? h.jwt.audience : [h.jwt.audience],
                tenantsClaim: h.jwt.tenantsClaim ?? 'tenants',
                nameClaim: h.jwt.nameClaim ?? 'sub',
                ...(h.jwt.readOnlyClaim !== undefined ? { readOnlyClaim: h.jwt.readOnlyClaim } : {}),
                clockToleranceSeconds: h.jwt.clockToleranceSeconds ?? 30,
              },
            }
          : {}),
        allowedOrigins: h.allowedOrigins ?? [],
        allowedHosts: h.allowedHosts ?? [],
        limits: {
          ...(h.limits?.perTenantConcurrency !== undefined ? { perTenantConcurrency: h.limits.perTenantConcurrency } : {}),
          perTenantRatePerMinute: h.limits?.perTenantRatePerMinute ?? DEFAULT_RATE_PER_MINUTE,
          ...(h.limits?.perCallerRatePerMinute !== undefined ? { perCallerRatePerMinute: h.limits.perCallerRatePerMinute } : {}),
          ...(h.limits?.maxBatchSize !== undefined ? { maxBatchSize: h.limits.maxBatchSize } : {}),
          ...(h.limits?.perCallerBytesPerMinute !== undefined ? { perCallerBytesPerMinute: h.limits.perCallerBytesPerMinute } : {}),
        },
      }),
    );
}

/**
 * Tokens naming tenants that are not configured: found after both sections parsed, since the schema of
 * one does not see the other. Paths are relative to the `http` section.
 */
export function httpTenantProblems(http: HttpConfig, tenantIds: readonly string[]): Array<{ path: Array<string | number>; message: string }> {
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  http.tokens.forEach((t, i) => {
    if (t.tenants === '*') return;
    t.tenants.forEach((id, j) => {
      if (tenantIds.includes(id)) return;
      const guess = didYouMean(id, tenantIds);
      out.push({
        path: ['tokens', i, 'tenants', j],
        message: `no tenant ${describeFound(id)} is configured${guess ? ` — did you mean "${guess}"?` : ''} (configured: ${tenantIds.join(', ')})`,
      });
    });
  });
  return out;
}

/** Whether any way of authenticating is configured. */
export function httpAuthConfigured(http: HttpConfig | undefined): boolean {
  return Boolean(http && (http.tokens.length > 0 || http.jwt));
}
