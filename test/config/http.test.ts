import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { validateTenantsFile } from '../../src/config/validate.js';

const tenants = {
  damath: { url: 'https://damath-crm.example.com', apiKey: 'env:DAMATH_ESPO_API_KEY' },
  acme: { url: 'https://acme-crm.example.com', apiKey: 'env:ACME_ESPO_API_KEY' },
};

const validate = (http: unknown) => validateTenantsFile({ tenants, http }, { source: 'tenants.json', baseDir: '/etc/mcp' });

function problems(http: unknown): readonly string[] {
  try {
    validate(http);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('the http section of tenants.json', () => {
  it('accepts a full section and fills the defaults', () => {
    const config = validate({
      $comment: 'for the MAX front end',
      publicUrl: 'https://mcp.example.com/',
      tokens: [
        { name: 'max-frontend', token: 'env:MCP_TOKEN_MAX', tenants: ['damath'] },
        { name: 'ops', token: 'file:secrets/ops-token', tenants: '*', readOnly: true },
      ],
      jwt: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json', issuer: 'https://auth.example.com', audience: 'https://mcp.example.com/mcp' },
      allowedOrigins: ['https://chat.example.com'],
      allowedHosts: ['MCP.example.com', 'mcp.internal:8443'],
      limits: { perTenantConcurrency: 2 },
    });
    expect(config.http).toEqual({
      publicUrl: 'https://mcp.example.com',
      tokens: [
        { name: 'max-frontend', token: 'env:MCP_TOKEN_MAX', tenants: ['damath'], readOnly: false },
        { name: 'ops', token: 'file:secrets/ops-token', tenants: '*', readOnly: true },
      ],
      jwt: {
        jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
        issuer: 'https://auth.example.com',
        audience: ['https://mcp.example.com/mcp'],
        tenantsClaim: 'tenants',
        nameClaim: 'sub',
        clockToleranceSeconds: 30,
      },
      allowedOrigins: ['https://chat.example.com'],
      allowedHosts: ['mcp.example.com', 'mcp.internal:8443'],
      limits: { perTenantConcurrency: 2, perTenantRatePerMinute: 120 },
    });
  });

  it('an empty section means no authentication and default limits', () => {
    expect(validate({}).http).toEqual({ tokens: [], allowedOrigins: [], allowedHosts: [], limits: { perTenantRatePerMinute: 120 } });
  });

  it('refuses a literal token or HS256 secret without repeating it, and says how to fix it', () => {
    const literal = 'sk_live_9a8b7c6d5e4f3a2b1c0d';
    const found = problems({
      tokens: [{ name: 'max', token: literal, tenants: '*' }],
      jwt: { secret: literal, issuer: 'me', audience: 'you' },
    });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^http\.tokens\[0\]\.token: a literal secret is not allowed here \(the value is not shown\).*"env:MCP_TOKEN_MAX"/);
    expect(found[1]).toMatch(/^http\.jwt\.secret: a literal secret is not allowed here.*"env:MCP_JWT_SECRET"/);
    expect(found.join('\n')).not.toContain(literal);
  });

  it('asks for an explicit keychain account and reports malformed references', () => {
    expect(problems({ tokens: [{ name: 'max', token: 'keychain', tenants: '*' }] })).toEqual([
      'http.tokens[0].token: write "keychain:ACCOUNT" with an explicit account here; the bare "keychain" form names a tenant\'s secret',
    ]);
    expect(problems({ tokens: [{ name: 'max', token: 'env:', tenants: '*' }] })[0]).toMatch(/^http\.tokens\[0\]\.token: not a valid secret reference/);
  });

  it('names tokens whose tenants are not configured, with a suggestion, once the rest is valid', () => {
    expect(problems({ tokens: [{ name: 'max', token: 'env:T', tenants: ['damath', 'acmee'] }] })).toEqual([
      'http.tokens[0].tenants[1]: no tenant "acmee" is configured — did you mean "acme"? (configured: damath, acme)',
    ]);
    expect(problems({ tokens: [{ name: 'max', token: 'env:T', tenants: ['Damath', 7] }] })).toEqual([
      'http.tokens[0].tenants[0]: expected a tenant id such as "damath", found "Damath"',
      'http.tokens[0].tenants[1]: expected a tenant id such as "damath", found 7',
    ]);
  });

  it('refuses duplicate token names, empty tenant lists and unknown options', () => {
    expect(
      problems({
        tokens: [
          { name: 'max', token: 'env:A', tenants: '*' },
          { name: 'max', token: 'env:B', tenants: [] },
        ],
        allowedOrigin: ['https://chat.example.com'],
      }),
    ).toEqual([
      'http.tokens[1].tenants: expected at least one tenant id, found an empty list — or write "*" for every tenant',
      'http: unknown option "allowedOrigin" — did you mean "allowedOrigins"? (allowed here: $comment, publicUrl, tokens, jwt, allowedOrigins, allowedHosts, limits)',
      'http.tokens[1].name: the name "max" is already used by tokens[0] — each token needs its own name (it identifies the caller in the audit log)',
    ]);
    expect(problems({ tokens: [{ name: 'max', token: 'env:A' }] })).toEqual([
      'http.tokens[0].tenants: missing: expected "*" (every tenant) or a non-empty list of tenant ids, e.g. ["damath", "coach-vero"]',
    ]);
    expect(problems({ tokens: [{ name: 'max', token: 'env:A', tenants: '*' }, { name: 'max', token: 'env:B', tenants: '*' }] })).toEqual([
      'http.tokens[1].name: the name "max" is already used by tokens[0] — each token needs its own name (it identifies the caller in the audit log)',
    ]);
  });

  it('needs exactly one of jwt.secret and jwt.jwksUrl, and https for a remote JWKS', () => {
    expect(problems({ jwt: { issuer: 'i', audience: 'a' } })[0]).toMatch(/^http\.jwt: neither "secret" and "jwksUrl" given — expected exactly one/);
    expect(problems({ jwt: { secret: 'env:S', jwksUrl: 'https://a.example.com/jwks', issuer: 'i', audience: 'a' } })[0]).toMatch(/^http\.jwt: both "secret" and "jwksUrl"/);
    expect(problems({ jwt: { jwksUrl: 'http://auth.example.com/jwks', issuer: 'i', audience: 'a' } })).toEqual([
      'http.jwt.jwksUrl: expected an https URL (plain http only on loopback), found "http://auth.example.com/jwks"',
    ]);
    expect(validate({ jwt: { jwksUrl: 'http://127.0.0.1:9000/jwks', issuer: 'i', audience: ['a', 'b'] } }).http?.jwt?.audience).toEqual(['a', 'b']);
  });

  it('checks origins, hosts and limits, naming what was found', () => {
    expect(
      problems({
        allowedOrigins: ['https://chat.example.com/app', 'HTTPS://Chat.Example.com'],
        allowedHosts: ['https://mcp.example.com'],
        limits: { perTenantConcurrency: 0, perTenantRatePerMinute: 'many' },
      }),
    ).toEqual([
      'http.allowedOrigins[0]: expected an origin (scheme, host and port only), found "https://chat.example.com/app" — e.g. "https://chat.example.com"',
      'http.allowedOrigins[1]: expected an origin written as browsers send it, found "HTTPS://Chat.Example.com" — write "https://chat.example.com"',
      'http.allowedHosts[0]: expected a host name such as "mcp.example.com" or "mcp.example.com:8443" (no scheme, no path), found "https://mcp.example.com"',
      "http.limits.perTenantConcurrency: expected a whole number from 1 to 64, found 0 — tool calls running at once on one tenant; default: the tenant's limits.concurrency (4)",
      'http.limits.perTenantRatePerMinute: expected a whole number from 1 to 100000, found "many" — tool calls started per tenant per minute; default 120',
    ]);
  });

  it('takes the per-caller rate and the batch cap, within bounds (the defaults are applied by the transport)', () => {
    expect(validate({ limits: { perCallerRatePerMinute: 30, maxBatchSize: 5 } }).http?.limits).toEqual({ perTenantRatePerMinute: 120, perCallerRatePerMinute: 30, maxBatchSize: 5 });
    expect(problems({ limits: { perCallerRatePerMinute: 0, maxBatchSize: 101 } })).toEqual([
      'http.limits.perCallerRatePerMinute: expected a whole number from 1 to 100000, found 0 — requests per caller per minute not tied to a tenant (lists, list_tenants, list_changes, initialize); default 600',
      'http.limits.maxBatchSize: expected a whole number from 1 to 100, found 101 — messages in one JSON-RPC batch (protocol versions before 2025-06-18 only); default 20',
    ]);
  });
});
