import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { bearer, INIT_REQUEST, refusalMessage, startHttpStack, textOf, type HttpStack } from '../helpers/http.js';
import { PROBE_WRITE } from '../helpers/probe.js';

vi.mock('../../src/tools/catalog.js', async (original) => (await import('../helpers/probe.js')).withProbe(original));

const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'https://mcp.example.com/mcp';
const HS_SECRET = 'hs256-secret-0123456789abcdef0123456789abcdef';
const TENANTS = [{ id: 'damath' }, { id: 'coach-vero' }, { id: 'acme' }];

async function sign(key: CryptoKey | Uint8Array, alg: string, claims: JWTPayload, opts: { kid?: string; iss?: string; aud?: string; exp?: number | string | null } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg, ...(opts.kid ? { kid: opts.kid } : {}) }).setIssuedAt().setIssuer(opts.iss ?? ISSUER).setAudience(opts.aud ?? AUDIENCE);
  if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? '5m');
  return jwt.sign(key);
}

async function challengeOf(stack: HttpStack, token: string): Promise<{ status: number; challenge: string }> {
  const res = await stack.post(INIT_REQUEST, bearer(token));
  return { status: res.status, challenge: String(res.headers['www-authenticate'] ?? '') };
}

describe('HTTP with HS256 JWTs (secret from a reference)', () => {
  let stack: HttpStack;
  const key = new TextEncoder().encode(HS_SECRET);
  beforeAll(async () => {
    stack = await startHttpStack(TENANTS, {
      http: { jwt: { secret: 'env:MCP_JWT_SECRET', issuer: ISSUER, audience: AUDIENCE, readOnlyClaim: 'read_only' } },
      env: { MCP_JWT_SECRET: HS_SECRET },
    });
  });
  afterAll(async () => stack?.close());

  it('a valid token names the caller and its tenants', async () => {
    const token = await sign(key, 'HS256', { sub: 'max-user-17', tenants: ['damath', 'acme'] });
    const client = await stack.connect(bearer(token));
    const list = await client.callTool({ name: 'list_tenants', arguments: {} });
    expect((list.structuredContent as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id)).toEqual(['damath', 'acme']);
    const write = await client.callTool({ name: PROBE_WRITE, arguments: { tenant: 'acme' } });
    expect(write.isError, textOf(write)).toBeFalsy();
    expect((await stack.audit.read()).at(-1)).toMatchObject({ tool: PROBE_WRITE, tenant: 'acme', principal: 'max-user-17' });
    const forbidden = await client.callTool({ name: 'check_tenant', arguments: { tenant: 'coach-vero' } });
    expect(textOf(forbidden)).toBe('Unknown tenant "coach-vero". Tenants you can use: "damath", "acme". Pass one of them as "tenant".');
  });

  it('the read-only claim removes the write tools', async () => {
    const token = await sign(key, 'HS256', { sub: 'auditor', tenants: '*', read_only: true });
    const client = await stack.connect(bearer(token));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('check_tenant');
    expect(tools.filter((t) => t.annotations?.readOnlyHint !== true)).toEqual([]);
  });

  it('X-Tenant works with a JWT principal', async () => {
    const token = await sign(key, 'HS256', { sub: 'max-user-17', tenants: ['damath', 'acme'] });
    const client = await stack.connect({ ...bearer(token), 'X-Tenant': 'acme' });
    const res = await client.callTool({ name: 'check_tenant', arguments: {} });
    expect((res.structuredContent as { tenant: string }).tenant).toBe('acme');
    await expect(stack.connect({ ...bearer(token), 'X-Tenant': 'coach-vero' })).rejects.toMatchObject({ status: 403 });
  });

  it('refuses wrong issuer, wrong audience, expiry, a missing exp, another key and alg none with 401', async () => {
    const claims = { sub: 'x', tenants: ['damath'] };
    const other = new TextEncoder().encode('another-secret-0123456789abcdef0123456789');
    const cases: Array<[string, Promise<string> | string, RegExp]> = [
      ['issuer', sign(key, 'HS256', claims, { iss: 'https://evil.example.com' }), /another issuer/],
      ['audience', sign(key, 'HS256', claims, { aud: 'https://other.example.com/mcp' }), /another audience/],
      ['expired', sign(key, 'HS256', claims, { exp: Math.floor(Date.now() / 1000) - 3600 }), /expired/],
      ['no exp', sign(key, 'HS256', claims, { exp: null }), /no expiry/],
      ['other key', sign(other, 'HS256', claims), /signature is not valid/],
      ['alg none', `${b64({ alg: 'none' })}.${b64({ ...claims, iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999 })}.`, /algorithm|not a valid JWT/],
      ['no tenants claim', sign(key, 'HS256', { sub: 'x' }), /'tenants' claim must be a list/],
    ];
    for (const [name, token, why] of cases) {
      const { status, challenge } = await challengeOf(stack, await token);
      expect(status, name).toBe(401);
      expect(challenge, name).toMatch(/^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource", error="invalid_token"/);
      expect(challenge, name).toMatch(why);
    }
  });

  it('refuses claims of the wrong type with 401, naming the claim and the type found, never the value', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: 'typed-caller', tenants: ['damath'] };
    // Signed as they are (no jose builder checks): the claims set exactly as written.
    const raw = (claims: string) => new CompactSign(new TextEncoder().encode(claims)).setProtectedHeader({ alg: 'HS256' }).sign(key);
    const std = `"iss":"${ISSUER}","aud":"${AUDIENCE}"`;
    const cases: Array<[string, Promise<string>, RegExp]> = [
      // the regression: a string "true" is not true, and must not pass for false either
      ['read_only "true"', sign(key, 'HS256', { ...base, read_only: 'true' }), /"read_only" claim must be true or false, found a string/],
      ['read_only "false"', sign(key, 'HS256', { ...base, read_only: 'false' }), /"read_only" claim must be true or false, found a string/],
      ['read_only 1', sign(key, 'HS256', { ...base, read_only: 1 }), /"read_only" claim must be true or false, found a number/],
      ['read_only null', sign(key, 'HS256', { ...base, read_only: null }), /"read_only" claim must be true or false, found null/],
      ['tenants a string', sign(key, 'HS256', { ...base, tenants: 'damath' }), /"tenants" claim must be a list of tenant ids \(strings\) or "\*", found a string/],
      ['tenants with a number', sign(key, 'HS256', { ...base, tenants: ['damath', 7] }), /"tenants" claim must be a list of tenant ids \(strings\) or "\*", found a list holding a number/],
      ['tenants an object', sign(key, 'HS256', { ...base, tenants: { 0: 'damath' } }), /"tenants" claim must be a list of tenant ids \(strings\) or "\*", found an object/],
      ['tenants true', sign(key, 'HS256', { ...base, tenants: true }), /"tenants" claim must be a list of tenant ids \(strings\) or "\*", found a boolean/],
      ['sub a number', sign(key, 'HS256', { ...base, sub: 42 } as unknown as JWTPayload), /"sub" claim must be a non-empty string naming the caller, found a number/],
      ['sub a list', sign(key, 'HS256', { ...base, sub: ['admin'] } as unknown as JWTPayload), /"sub" claim must be a non-empty string naming the caller, found a list/],
      ['sub empty', sign(key, 'HS256', { ...base, sub: '' }), /"sub" claim must be a non-empty string naming the caller, found an empty string/],
      ['exp a string', raw(`{${std},"sub":"x","tenants":["damath"],"exp":"${now + 300}"}`), /"exp" claim must be a number \(seconds since 1970\), found a string/],
      ['exp infinite', raw(`{${std},"sub":"x","tenants":["damath"],"exp":1e400}`), /"exp" claim must be a finite number \(seconds since 1970\)/],
      ['nbf a string', raw(`{${std},"sub":"x","tenants":["damath"],"exp":${now + 300},"nbf":"0"}`), /"nbf" claim must be a number \(seconds since 1970\), found a string/],
      ['iat a list', raw(`{${std},"sub":"x","tenants":["damath"],"exp":${now + 300},"iat":[${now}]}`), /"iat" claim must be a number \(seconds since 1970\), found a list/],
      ['aud with a number', raw(`{"iss":"${ISSUER}","aud":["${AUDIENCE}",5],"sub":"x","tenants":["damath"],"exp":${now + 300}}`), /"aud" claim must be a string or a list of strings, found a list holding a number/],
      ['iss a list', raw(`{"iss":["${ISSUER}"],"aud":"${AUDIENCE}","sub":"x","tenants":["damath"],"exp":${now + 300}}`), /"iss" claim must be a string, found a list/],
      ['jti a number', raw(`{${std},"sub":"x","tenants":["damath"],"exp":${now + 300},"jti":5}`), /"jti" claim must be a string, found a number/],
    ];
    for (const [name, token, why] of cases) {
      const res = await stack.post(INIT_REQUEST, bearer(await token));
      expect(res.status, name).toBe(401);
      expect(refusalMessage(res), `${name}: ${refusalMessage(res)}`).toMatch(new RegExp(`^Unauthorized: the token's ${why.source}\\.$`));
      const challenge = String(res.headers['www-authenticate'] ?? '');
      expect(challenge, name).toMatch(/error="invalid_token"/);
      expect(challenge, name).toMatch(new RegExp(why.source.replaceAll('"', "'")));
      // nothing of the token is repeated: not the caller, not a tenant, not the value
      for (const leaked of ['typed-caller', 'damath', 'admin', '1e400', String(now + 300)]) {
        expect(res.body, name).not.toContain(leaked);
        expect(challenge, name).not.toContain(leaked);
      }
    }
    // the right types still pass: read_only true and false, and the claim absent
    for (const readOnly of [true, false, undefined]) {
      const token = await sign(key, 'HS256', { ...base, ...(readOnly === undefined ? {} : { read_only: readOnly }) });
      const client = await stack.connect(bearer(token));
      const { tools } = await client.listTools();
      expect(tools.some((t) => t.name === PROBE_WRITE), String(readOnly)).toBe(readOnly !== true);
    }
  });

  it('lists the issuer as authorization server in the protected-resource metadata', async () => {
    const meta = await fetch(new URL('/.well-known/oauth-protected-resource', stack.url));
    expect(await meta.json()).toMatchObject({ authorization_servers: [ISSUER], bearer_methods_supported: ['header'] });
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('HTTP with RS256 and ES256 JWTs from a loopback JWKS endpoint', () => {
  let stack: HttpStack;
  let jwks: Server;
  let rsa: CryptoKey;
  let ec: CryptoKey;
  let stranger: CryptoKey;
  let jwksRequests = 0;
  beforeAll(async () => {
    const rsaPair = await generateKeyPair('RS256');
    const ecPair = await generateKeyPair('ES256');
    rsa = rsaPair.privateKey;
    ec = ecPair.privateKey;
    stranger = (await generateKeyPair('RS256')).privateKey;
    const keys = [
      { ...(await exportJWK(rsaPair.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ecPair.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = createServer((_req, res) => {
      jwksRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    stack = await startHttpStack(TENANTS, {
      http: { jwt: { jwksUrl, issuer: ISSUER, audience: [AUDIENCE, 'max-chat'], tenantsClaim: 'https://max.example.com/tenants', nameClaim: 'email' } },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('accepts RS256 and ES256 tokens signed with the served keys, with the configured claims', async () => {
    for (const [key, alg, kid] of [[rsa, 'RS256', 'rsa-1'], [ec, 'ES256', 'ec-1']] as const) {
      const token = await sign(key, alg, { email: `${alg}@example.com`, 'https://max.example.com/tenants': ['coach-vero'] }, { kid, aud: 'max-chat' });
      const client = await stack.connect(bearer(token));
      const res = await client.callTool({ name: 'list_tenants', arguments: {} });
      expect((res.structuredContent as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id), alg).toEqual(['coach-vero']);
      const write = await client.callTool({ name: PROBE_WRITE, arguments: {} });
      expect(write.isError, textOf(write)).toBeFalsy();
      expect((await stack.audit.read()).at(-1)).toMatchObject({ tenant: 'coach-vero', principal: `${alg}@example.com`, auth: 'jwt' });
    }
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it('refuses a token signed with a key the JWKS does not hold, an expired one and an HS256 one', async () => {
    const claims = { email: 'x@example.com', 'https://max.example.com/tenants': ['damath'] };
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['unknown key', sign(stranger, 'RS256', claims, { kid: 'rsa-2' }), /no key of the issuer matches/],
      ['same kid, other key', sign(stranger, 'RS256', claims, { kid: 'rsa-1' }), /signature is not valid/],
      ['expired', sign(ec, 'ES256', claims, { kid: 'ec-1', exp: Math.floor(Date.now() / 1000) - 600 }), /expired/],
      ['wrong audience', sign(rsa, 'RS256', claims, { kid: 'rsa-1', aud: 'someone-else' }), /another audience/],
      ['hs256', sign(new TextEncoder().encode(HS_SECRET), 'HS256', claims), /algorithm/],
    ];
    for (const [name, token, why] of cases) {
      const { status, challenge } = await challengeOf(stack, await token);
      expect(status, name).toBe(401);
      expect(challenge, name).toMatch(why);
    }
  });
});

describe('HTTP with an unreachable JWKS endpoint', () => {
  let stack: HttpStack;
  let closedPort: number;
  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    stack = await startHttpStack([{ id: 'damath' }], {
      http: { jwt: { jwksUrl: `http://127.0.0.1:${closedPort}/jwks`, issuer: ISSUER, audience: AUDIENCE } },
    });
  });
  afterAll(async () => stack?.close());

  it('answers 401 and says the token could not be verified', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await sign(privateKey, 'RS256', { sub: 'x', tenants: ['damath'] }, { kid: 'k' });
    const { status, challenge } = await challengeOf(stack, token);
    expect(status).toBe(401);
    expect(challenge).toMatch(/could not be verified/);
  });
});
