import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfirmTokens } from '../../src/core/confirm.js';
import { silentLogger } from '../../src/log/logger.js';
import { startHttpServer } from '../../src/transports/http.js';
import { bearer, INIT_REQUEST, rawRequest, refusalMessage, startHttpStack, textOf, type HttpStack } from '../helpers/http.js';

const TOKEN = 'tok-transport-0123456789abcdef0123';

describe('HTTP transport safety', () => {
  let stack: HttpStack;
  let port: string;
  beforeAll(async () => {
    stack = await startHttpStack([{ id: 'damath' }], {
      http: {
        tokens: [{ name: 'host', token: 'env:MCP_TOKEN', tenants: '*' }],
        allowedOrigins: ['https://chat.example.com'],
        allowedHosts: ['mcp.example.com'],
      },
      env: { MCP_TOKEN: TOKEN },
    });
    port = new URL(stack.url).port;
  });
  afterAll(async () => stack?.close());

  it('answers GET and DELETE with 405: the server is stateless', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await rawRequest(stack.url, { method, headers: bearer(TOKEN) });
      expect(res.status, method).toBe(405);
      expect(res.headers.allow).toBe('POST');
    }
  });

  it('refuses a Host that is not this server (DNS rebinding), with or without a token', async () => {
    for (const host of ['evil.example.com', `evil.example.com:${port}`, `attacker.test:${port}`]) {
      const res = await stack.post(INIT_REQUEST, { ...bearer(TOKEN), Host: host });
      expect(res.status, host).toBe(403);
      expect(refusalMessage(res)).toMatch(/Host is not allowed/);
    }
  });

  it('accepts the loopback names and the configured allowedHosts', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `mcp.example.com:${port}`, 'mcp.example.com']) {
      const res = await stack.post(INIT_REQUEST, { ...bearer(TOKEN), Host: host });
      expect(res.status, host).toBe(200);
    }
  });

  it("accepts the server's own origin on loopback (a page it serves), never another port or host", async () => {
    const port = new URL(stack.url).port;
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
      const res = await stack.post(INIT_REQUEST, { ...bearer(TOKEN), Origin: origin });
      expect(res.status, origin).not.toBe(403);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
    }
    for (const origin of [`http://localhost:${Number(port) + 1}`, `https://localhost:${port}`, `http://evil.example.com:${port}`]) {
      expect((await stack.post(INIT_REQUEST, { ...bearer(TOKEN), Origin: origin })).status, origin).toBe(403);
    }
  });

  it('refuses a browser Origin that is not allowed, accepts an allowed one with CORS headers', async () => {
    const bad = await stack.post(INIT_REQUEST, { ...bearer(TOKEN), Origin: 'https://evil.example.com' });
    expect(bad.status).toBe(403);
    expect(refusalMessage(bad)).toMatch(/Origin is not allowed/);
    const nullOrigin = await stack.post(INIT_REQUEST, { ...bearer(TOKEN), Origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    const good = await stack.post(INIT_REQUEST, { ...bearer(TOKEN), Origin: 'https://chat.example.com' });
    expect(good.status).toBe(200);
    expect(good.headers['access-control-allow-origin']).toBe('https://chat.example.com');
    expect(String(good.headers['access-control-expose-headers'])).toContain('WWW-Authenticate');
    const preflight = await rawRequest(stack.url, {
      method: 'OPTIONS',
      headers: { Origin: 'https://chat.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, x-tenant' },
    });
    expect(preflight.status).toBe(204);
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/Authorization.*X-Tenant/);
    const badPreflight = await rawRequest(stack.url, { method: 'OPTIONS', headers: { Origin: 'https://evil.example.com' } });
    expect(badPreflight.status).toBe(403);
  });

  it('answers 404 outside the MCP endpoint and the metadata', async () => {
    const res = await rawRequest(new URL('/other', stack.url).href, { body: INIT_REQUEST, headers: bearer(TOKEN) });
    expect(res.status).toBe(404);
  });

  it('refuses to listen on a non-loopback address without authentication, with a clear message', async () => {
    const common = { registry: stack.registry, readOnly: false, logger: silentLogger(), store: stack.audit, confirms: new ConfirmTokens(), env: {}, baseDir: '/' };
    // 192.0.2.1 (TEST-NET-1) is never local: binding would fail, so only the refusal can pass this test.
    for (const http of [undefined, { tokens: [], allowedOrigins: [], allowedHosts: [], limits: { perTenantRatePerMinute: 120 } }]) {
      await expect(startHttpServer({ ...common, http, host: '192.0.2.1', port: 0 })).rejects.toThrow(
        /refusing to serve MCP over HTTP on 192\.0\.2\.1 without authentication.*"http": \{ "tokens"/,
      );
    }
  });

  it('refuses to start when a token reference cannot be resolved or the token is weak, never showing it', async () => {
    const common = { registry: stack.registry, readOnly: false, logger: silentLogger(), store: stack.audit, confirms: new ConfirmTokens(), baseDir: '/', host: '127.0.0.1', port: 0 };
    const http = (ref: string) => ({ tokens: [{ name: 'ci', token: ref, tenants: '*' as const, readOnly: false }], allowedOrigins: [], allowedHosts: [], limits: { perTenantRatePerMinute: 120 } });
    await expect(startHttpServer({ ...common, env: {}, http: http('env:MCP_MISSING') })).rejects.toThrow(
      'http.tokens[0].token (token "ci"): the environment variable MCP_MISSING is not set',
    );
    const weak = startHttpServer({ ...common, env: { MCP_WEAK: 'short-secret' }, http: http('env:MCP_WEAK') });
    await expect(weak).rejects.toThrow(/shorter than 16 characters/);
    await expect(weak).rejects.not.toThrow(/short-secret/);
    const jwt = { tokens: [], jwt: { secret: 'env:MCP_HS', issuer: 'i', audience: ['a'], tenantsClaim: 'tenants', nameClaim: 'sub', clockToleranceSeconds: 30 }, allowedOrigins: [], allowedHosts: [], limits: { perTenantRatePerMinute: 120 } };
    await expect(startHttpServer({ ...common, env: { MCP_HS: 'x'.repeat(31) }, http: jwt })).rejects.toThrow(/http\.jwt\.secret: the HS256 secret is shorter than 32 bytes/);
  });
});

describe('HTTP on loopback without authentication', () => {
  let stack: HttpStack;
  beforeAll(async () => {
    stack = await startHttpStack([{ id: 'damath' }, { id: 'coach-vero' }]);
  });
  afterAll(async () => stack?.close());

  it('serves the local user with every tenant, still checking Host and Origin', async () => {
    const client = await stack.connect();
    const res = await client.callTool({ name: 'check_tenant', arguments: { tenant: 'coach-vero' } });
    expect(res.isError, textOf(res)).toBeFalsy();
    const list = await client.callTool({ name: 'list_tenants', arguments: {} });
    expect((list.structuredContent as { count: number }).count).toBe(2);
    expect((await stack.post(INIT_REQUEST, { Host: 'rebound.example.com' })).status).toBe(403);
    expect((await stack.post(INIT_REQUEST, { Origin: 'http://localhost:8080' })).status).toBe(403);
  });
});

describe('HTTP behind a proxy (publicUrl)', () => {
  let stack: HttpStack;
  beforeAll(async () => {
    stack = await startHttpStack([{ id: 'damath' }], {
      http: { publicUrl: 'https://mcp.example.com', tokens: [{ name: 'host', token: 'env:MCP_TOKEN', tenants: '*' }] },
      env: { MCP_TOKEN: TOKEN },
    });
  });
  afterAll(async () => stack?.close());

  it('points the challenge and the metadata at the public URL, and accepts its Host', async () => {
    const res = await stack.post(INIT_REQUEST, { Host: 'mcp.example.com' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"');
    const meta = await rawRequest(new URL('/.well-known/oauth-protected-resource', stack.url).href, { method: 'GET', headers: { Host: 'mcp.example.com' } });
    expect(JSON.parse(meta.body)).toMatchObject({ resource: 'https://mcp.example.com/mcp' });
  });
});
