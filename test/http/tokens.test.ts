import { ProtocolError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, INIT_REQUEST, rawRequest, refusalMessage, startHttpStack, textOf, type HttpStack } from '../helpers/http.js';
import { PROBE_WRITE } from '../helpers/probe.js';

vi.mock('../../src/tools/catalog.js', async (original) => (await import('../helpers/probe.js')).withProbe(original));

const TOKENS = {
  ALL: 'tok-all-0123456789abcdef0123456789',
  MAX: 'tok-max-0123456789abcdef0123456789',
  READER: 'tok-reader-0123456789abcdef012345',
};

const leadPosts = (stack: HttpStack, id: string) => stack.sandboxes[id]!.requests.filter((r) => r.method === 'POST' && r.path === 'Lead').length;

describe('HTTP with static bearer tokens', () => {
  let stack: HttpStack;
  beforeAll(async () => {
    stack = await startHttpStack([{ id: 'damath', name: 'Damath Overseas' }, { id: 'coach-vero' }, { id: 'acme' }, { id: 'frozen' }], {
      http: {
        tokens: [
          { name: 'ops', token: 'env:MCP_TOKEN_ALL', tenants: '*' },
          { name: 'max-frontend', token: 'env:MCP_TOKEN_MAX', tenants: ['damath', 'coach-vero', 'frozen'] },
          { name: 'reporting', token: 'file:reader-token', tenants: ['damath'], readOnly: true },
        ],
      },
      env: { MCP_TOKEN_ALL: TOKENS.ALL, MCP_TOKEN_MAX: TOKENS.MAX },
      files: { 'reader-token': `${TOKENS.READER}\n` },
      tenantsExtra: { 'coach-vero': { tools: { exclude: [PROBE_WRITE] } }, frozen: { readOnly: true } },
    });
  });
  afterAll(async () => stack?.close());

  it('a good token connects and sees exactly its tenants, in tools, resources and completions', async () => {
    const client = await stack.connect(bearer(TOKENS.MAX));
    const res = await client.callTool({ name: 'list_tenants', arguments: {} });
    const ids = (res.structuredContent as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id);
    expect(ids).toEqual(['damath', 'coach-vero', 'frozen']);
    const check = await client.callTool({ name: 'check_tenant', arguments: { tenant: 'coach-vero' } });
    expect(check.isError, textOf(check)).toBeFalsy();
    expect((check.structuredContent as { siteUrl: { reported: string } }).siteUrl.reported).toBe(stack.sandboxes['coach-vero']!.url);

    const { resources } = await client.listResources();
    // the tenants list and each of its tenants (entities and layouts come from the templates), and the guides
    const tenantUris = resources.map((r) => r.uri).filter((u) => !u.startsWith('espocrm://guide/'));
    expect(tenantUris.sort()).toEqual(
      ['espocrm://tenants', 'espocrm://tenants/coach-vero', 'espocrm://tenants/damath', 'espocrm://tenants/frozen'].sort(),
    );
    const done = await client.complete({ ref: { type: 'ref/resource', uri: 'espocrm://tenants/{tenant}' }, argument: { name: 'tenant', value: '' } });
    expect(done.completion.values.sort()).toEqual(['coach-vero', 'damath', 'frozen']);
    const list = await client.readResource({ uri: 'espocrm://tenants' });
    expect(JSON.parse((list.contents[0] as { text: string }).text).tenants.map((t: { id: string }) => t.id)).toEqual(['damath', 'coach-vero', 'frozen']);
  });

  it('a tenant outside the token\'s set gets the same error as one that does not exist, for tools and resources', async () => {
    const client = await stack.connect(bearer(TOKENS.MAX));
    const forbidden = await client.callTool({ name: 'check_tenant', arguments: { tenant: 'acme' } });
    const unknown = await client.callTool({ name: 'check_tenant', arguments: { tenant: 'nope' } });
    expect(forbidden.isError && unknown.isError).toBe(true);
    expect(textOf(forbidden)).toBe('Unknown tenant "acme". Tenants you can use: "damath", "coach-vero", "frozen". Pass one of them as "tenant".');
    expect(textOf(forbidden).replace('"acme"', '"X"')).toBe(textOf(unknown).replace('"nope"', '"X"'));
    const readErr = async (uri: string) => {
      try {
        await client.readResource({ uri });
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error(`reading ${uri} succeeded`);
    };
    const r1 = await readErr('espocrm://tenants/acme');
    const r2 = await readErr('espocrm://tenants/nope');
    expect(r1).toContain('Unknown tenant "acme"');
    expect(r1.replace('"acme"', '"X"')).toBe(r2.replace('"nope"', '"X"'));
    expect(stack.sandboxes.acme!.requests).toHaveLength(0);
  });

  it('a missing token gets 401 with a WWW-Authenticate header pointing at the resource metadata', async () => {
    const res = await stack.post(INIT_REQUEST);
    expect(res.status).toBe(401);
    const origin = new URL(stack.url).origin;
    expect(res.headers['www-authenticate']).toBe(`Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource"`);
    const meta = await fetch(`${origin}/.well-known/oauth-protected-resource`);
    expect(meta.status).toBe(200);
    expect(await meta.json()).toEqual({ resource: `${origin}/mcp`, bearer_methods_supported: ['header'], resource_name: 'espocrm-admin-mcp' });
    const suffixed = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(suffixed.status).toBe(200);
  });

  it('a bad or malformed token gets 401 invalid_token, and the SDK client cannot connect', async () => {
    const res = await stack.post(INIT_REQUEST, bearer(`${TOKENS.ALL}x`));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer resource_metadata="[^"]+", error="invalid_token"/);
    const basic = await stack.post(INIT_REQUEST, { Authorization: `Basic ${Buffer.from(`a:${TOKENS.ALL}`).toString('base64')}` });
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toContain('error="invalid_request"');
    await expect(stack.connect(bearer('not-a-token-at-all-000000'))).rejects.toMatchObject({ status: 401 });
    await expect(stack.connect({})).rejects.toMatchObject({ status: 401 });
  });

  it('a token in the query string is refused even when it is valid', async () => {
    const res = await rawRequest(`${stack.url}?access_token=${TOKENS.ALL}`, { body: INIT_REQUEST });
    expect(res.status).toBe(400);
    expect(refusalMessage(res)).toContain('Authorization header only');
  });

  it('X-Tenant pins a request to one tenant of the set', async () => {
    const client = await stack.connect({ ...bearer(TOKENS.MAX), 'X-Tenant': 'coach-vero' });
    const list = await client.callTool({ name: 'list_tenants', arguments: {} });
    expect((list.structuredContent as { tenants: Array<{ id: string }> }).tenants.map((t) => t.id)).toEqual(['coach-vero']);
    const check = await client.callTool({ name: 'check_tenant', arguments: {} });
    expect((check.structuredContent as { tenant: string }).tenant).toBe('coach-vero');
    const other = await client.callTool({ name: 'check_tenant', arguments: { tenant: 'damath' } });
    expect(textOf(other)).toBe('Unknown tenant "damath". Tenants you can use: "coach-vero". Pass one of them as "tenant".');
    // tools.exclude of coach-vero: the only visible tenant refuses the probe, so it is not offered
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).not.toContain(PROBE_WRITE);
  });

  it('X-Tenant naming a tenant outside the set is refused like an unknown one', async () => {
    const forbidden = await stack.post(INIT_REQUEST, { ...bearer(TOKENS.MAX), 'X-Tenant': 'acme' });
    const unknown = await stack.post(INIT_REQUEST, { ...bearer(TOKENS.MAX), 'X-Tenant': 'nope' });
    expect(forbidden.status).toBe(403);
    expect(unknown.status).toBe(403);
    expect(refusalMessage(forbidden)).toBe('Unknown tenant "acme". Tenants you can use: "damath", "coach-vero", "frozen". Pass one of them as "tenant".');
    expect(refusalMessage(forbidden).replace('"acme"', '"X"')).toBe(refusalMessage(unknown).replace('"nope"', '"X"'));
    await expect(stack.connect({ ...bearer(TOKENS.MAX), 'X-Tenant': 'acme' })).rejects.toMatchObject({ status: 403 });
  });

  it('a plan made with one token cannot be confirmed with another, even one allowed on the tenant', async () => {
    const max = await stack.connect(bearer(TOKENS.MAX));
    const ops = await stack.connect(bearer(TOKENS.ALL));
    const args = { tenant: 'damath', entity: 'Lead', layout: 'filters' };
    const plan = await max.callTool({ name: 'reset_layout', arguments: args });
    const token = (plan.structuredContent as { confirmToken: string }).confirmToken;
    expect(token).toEqual(expect.any(String));
    const posts = () => stack.sandboxes.damath!.requests.filter((r) => r.method === 'POST' && r.path === 'Layout/action/resetToDefault').length;
    const before = posts();
    const stolen = await ops.callTool({ name: 'reset_layout', arguments: { ...args, confirm: token } });
    expect(stolen.isError).toBe(true);
    expect(textOf(stolen)).toMatch(/^Reset refused: the confirm token was issued to another caller/);
    expect(posts()).toBe(before);
    // The caller who planned can still confirm it.
    const applied = await max.callTool({ name: 'reset_layout', arguments: { ...args, confirm: token } });
    expect(applied.isError, textOf(applied)).toBeFalsy();
    expect(posts()).toBe(before + 1);
    const lines = (await stack.audit.read()).filter((e) => e.tool === 'reset_layout');
    expect(lines.map((e) => [e.principal, e.auth, e.outcome])).toEqual([
      ['max-frontend', 'token', 'planned'],
      ['ops', 'token', 'refused'],
      ['max-frontend', 'token', 'applied'],
    ]);
  });

  it('a read-only token sees no write tool and cannot run one', async () => {
    const client = await stack.connect(bearer(TOKENS.READER));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('check_tenant');
    expect(tools.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name)).toEqual([]);
    const before = leadPosts(stack, 'damath');
    // A tool the caller is not offered is unknown: a protocol error, as for any unknown tool.
    const err = await client.callTool({ name: PROBE_WRITE, arguments: { tenant: 'damath' } }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).message).toMatch(/not found/i);
    expect(leadPosts(stack, 'damath')).toBe(before);
    const tenant = await client.readResource({ uri: 'espocrm://tenants/damath' });
    expect(JSON.parse((tenant.contents[0] as { text: string }).text).policy).toEqual({ readOnly: true, writeTools: [] });
  });

  it('writes run for a writer, stream progress over SSE and are audited with the token name', async () => {
    const client = await stack.connect(bearer(TOKENS.MAX));
    const progress: number[] = [];
    const res = await client.callTool({ name: PROBE_WRITE, arguments: { tenant: 'damath', label: 'From max' } }, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(res.isError, textOf(res)).toBeFalsy();
    expect(progress).toEqual([1, 2]);
    const id = (res.structuredContent as { id: string }).id;
    const entries = (await stack.audit.read()).filter((e) => e.tool === PROBE_WRITE);
    expect(entries.at(-1)).toMatchObject({ tenant: 'damath', principal: 'max-frontend', outcome: 'applied', summary: `created Lead ${id}` });
  });

  it('tenant policy holds for a writer: read-only and excluded tenants refuse the write', async () => {
    const client = await stack.connect(bearer(TOKENS.MAX));
    const frozen = await client.callTool({ name: PROBE_WRITE, arguments: { tenant: 'frozen' } });
    expect(textOf(frozen)).toMatch(/tenant "frozen" is configured read-only/);
    const excluded = await client.callTool({ name: PROBE_WRITE, arguments: { tenant: 'coach-vero' } });
    expect(textOf(excluded)).toMatch(/excluded for tenant "coach-vero"/);
    expect(leadPosts(stack, 'frozen') + leadPosts(stack, 'coach-vero')).toBe(0);
  });
});
