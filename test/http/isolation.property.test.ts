/**
 * Tenant isolation over real HTTP, as a property: for random principals (random tenant subsets, some
 * read-only, some pinned with X-Tenant, signed as JWTs), random tenants (configured or not) and random
 * tools and resources, a principal never lists, reads, completes or writes a tenant outside its set —
 * checked both in the answers and in the request logs of the sandbox CRMs — and a forbidden tenant gets
 * exactly the error of one that does not exist.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import type { Client } from '@modelcontextprotocol/client';
import { unknownTenantError } from '../../src/errors.js';
import { bearer, INIT_REQUEST, refusalMessage, startHttpStack, textOf, type HttpStack } from '../helpers/http.js';
import { PROBE_WRITE } from '../helpers/probe.js';

vi.mock('../../src/tools/catalog.js', async (original) => (await import('../helpers/probe.js')).withProbe(original));

const CONFIGURED = ['alpha', 'bravo', 'charlie', 'delta', 'echo'] as const;
/** delta excludes the probe (tools.exclude); echo is read-only (readOnly: true). */
const WRITABLE = new Set(['alpha', 'bravo', 'charlie']);
const UNKNOWN = ['foxtrot', 'zulu', 'alpha-2'];
const ALL_IDS = [...CONFIGURED, ...UNKNOWN];
const SECRET = 'isolation-secret-0123456789abcdef0123456789';
const KEY = new TextEncoder().encode(SECRET);

type Op =
  | { kind: 'listTools' }
  | { kind: 'listResources' }
  | { kind: 'complete'; prefix: string }
  | { kind: 'read'; tenant: string }
  | { kind: 'call'; tool: 'check_tenant' | 'get_layout' | typeof PROBE_WRITE; tenant?: string };

const idArb = fc.constantFrom(...ALL_IDS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'listTools' }),
  fc.constant<Op>({ kind: 'listResources' }),
  fc.record({ kind: fc.constant('complete' as const), prefix: fc.constantFrom('', 'a', 'b', 'c', 'd', 'e', 'f', 'z', 'al') }),
  fc.record({ kind: fc.constant('read' as const), tenant: idArb }),
  fc.record(
    { kind: fc.constant('call' as const), tool: fc.constantFrom('check_tenant' as const, 'get_layout' as const, PROBE_WRITE), tenant: idArb },
    { requiredKeys: ['kind', 'tool'] },
  ),
);
const principalArb = fc.record({
  tenants: fc.oneof({ weight: 1, arbitrary: fc.constant('*' as const) }, { weight: 5, arbitrary: fc.subarray([...CONFIGURED]) }),
  readOnly: fc.boolean(),
  pin: fc.option(idArb, { nil: undefined, freq: 3 }),
});

async function jwtFor(name: string, tenants: '*' | string[], readOnly: boolean): Promise<string> {
  return new SignJWT({ tenants, read_only: readOnly })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(name)
    .setIssuer('isolation-test')
    .setAudience('espocrm-admin-mcp')
    .setExpirationTime('10m')
    .sign(KEY);
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('tenant isolation over HTTP (property)', () => {
  let stack: HttpStack;
  let runs = 0;
  beforeAll(async () => {
    stack = await startHttpStack(
      CONFIGURED.map((id) => ({ id })),
      {
        http: { jwt: { secret: 'env:MCP_JWT_SECRET', issuer: 'isolation-test', audience: 'espocrm-admin-mcp', readOnlyClaim: 'read_only' }, limits: { perTenantRatePerMinute: 100_000 } },
        env: { MCP_JWT_SECRET: SECRET },
        tenantsExtra: { delta: { tools: { exclude: [PROBE_WRITE] } }, echo: { readOnly: true } },
      },
    );
  });
  afterAll(async () => stack?.close());

  it('a principal never reaches a tenant outside its set, and forbidden looks exactly like unknown', async () => {
    await fc.assert(
      fc.asyncProperty(principalArb, fc.array(opArb, { minLength: 1, maxLength: 6 }), async (p, ops) => {
        runs++;
        const name = `principal-${runs}`;
        const token = await jwtFor(name, p.tenants, p.readOnly);
        const set = CONFIGURED.filter((id) => p.tenants === '*' || p.tenants.includes(id));
        const before = Object.fromEntries(CONFIGURED.map((id) => [id, stack.sandboxes[id]!.requests.length]));
        const headers: Record<string, string> = { ...bearer(token), ...(p.pin !== undefined ? { 'X-Tenant': p.pin } : {}) };

        if (p.pin !== undefined && !set.includes(p.pin as (typeof CONFIGURED)[number])) {
          // pinned outside the set (or to no tenant at all): refused before MCP, with the unknown-tenant error
          const res = await stack.post(INIT_REQUEST, headers);
          expect(res.status).toBe(403);
          expect(refusalMessage(res)).toBe(unknownTenantError(p.pin, set).message);
        } else {
          const visible: string[] = p.pin !== undefined ? [p.pin] : set;
          const client = await stack.connect(headers);
          try {
            for (const op of ops) await checkOp(client, op, visible, p.readOnly);
          } finally {
            await client.close();
          }
          for (const id of CONFIGURED) {
            if (!visible.includes(id)) expect(stack.sandboxes[id]!.requests.length, `CRM of ${id} reached by ${JSON.stringify(p)}`).toBe(before[id]);
          }
        }
        for (const id of CONFIGURED) {
          if (!set.includes(id)) expect(stack.sandboxes[id]!.requests.length).toBe(before[id]);
        }
      }),
      { numRuns: 100 },
    );
    expect(runs).toBeGreaterThanOrEqual(100);
  }, 180_000);

  async function checkOp(client: Client, op: Op, visible: string[], readOnly: boolean): Promise<void> {
    const refusal = (id: string) => unknownTenantError(id, visible).message;
    const probeOffered = !readOnly && visible.some((id) => WRITABLE.has(id));
    switch (op.kind) {
      case 'listTools': {
        const names = (await client.listTools()).tools;
        expect(names.some((t) => t.name === PROBE_WRITE)).toBe(probeOffered);
        // no write tool at all (the real ones included) when nothing visible may be written
        if (readOnly || visible.every((id) => id === 'echo')) expect(names.filter((t) => t.annotations?.readOnlyHint !== true)).toEqual([]);
        return;
      }
      case 'listResources': {
        const uris = (await client.listResources()).resources.map((r) => r.uri);
        const tenantsNamed = new Set(uris.map((u) => /^espocrm:\/\/tenants\/([^/]+)/.exec(u)?.[1]).filter((t) => t !== undefined));
        expect([...tenantsNamed].sort()).toEqual([...visible].sort());
        return;
      }
      case 'complete': {
        const res = await client.complete({ ref: { type: 'ref/resource', uri: 'espocrm://tenants/{tenant}' }, argument: { name: 'tenant', value: op.prefix } });
        expect([...res.completion.values].sort()).toEqual(visible.filter((id) => id.startsWith(op.prefix)).sort());
        return;
      }
      case 'read': {
        const uri = `espocrm://tenants/${op.tenant}`;
        if (visible.includes(op.tenant)) {
          const res = await client.readResource({ uri });
          expect(JSON.parse((res.contents[0] as { text: string }).text).id).toBe(op.tenant);
        } else {
          const message = await errorOf(client.readResource({ uri }));
          // the SDK's JSON-RPC prefix around exactly the unknown-tenant text
          expect(message.replace(refusal(op.tenant), '<refusal>')).toBe(readErrorShape);
        }
        return;
      }
      case 'call': {
        const args: Record<string, unknown> = op.tool === 'get_layout' ? { entity: 'Lead', layout: 'list' } : {};
        if (op.tenant !== undefined) args.tenant = op.tenant;
        const target = op.tenant === undefined ? (visible.length === 1 ? visible[0] : undefined) : visible.includes(op.tenant) ? op.tenant : undefined;
        const leadPostsBefore = target ? leadPosts(target) : 0;
        if (op.tool === PROBE_WRITE && !probeOffered) {
          // A tool the caller is not offered is unknown: the protocol error for an unknown tool.
          const message = await client.callTool({ name: op.tool, arguments: args }).then(() => 'answered', (e: unknown) => (e instanceof Error ? e.message : String(e)));
          expect(message).toMatch(/not found/i);
          return;
        }
        const res = await client.callTool({ name: op.tool, arguments: args });
        const text = textOf(res);
        if (op.tenant !== undefined && target === undefined) {
          expect(res.isError).toBe(true);
          expect(text).toBe(refusal(op.tenant));
          return;
        }
        if (target === undefined) {
          expect(text).toMatch(/^This call needs a tenant/);
          return;
        }
        if (op.tool === PROBE_WRITE && !WRITABLE.has(target)) {
          expect(res.isError).toBe(true);
          expect(text).toMatch(target === 'echo' ? /configured read-only/ : /excluded for tenant "delta"/);
          expect(leadPosts(target)).toBe(leadPostsBefore);
          return;
        }
        expect(res.isError, text).toBeFalsy();
        const structured = res.structuredContent as { tenant: string; siteUrl?: { reported?: string } | string };
        expect(structured.tenant).toBe(target);
        if (op.tool === 'check_tenant') expect((structured.siteUrl as { reported?: string }).reported).toBe(stack.sandboxes[target]!.url);
        if (op.tool === PROBE_WRITE) expect(leadPosts(target)).toBe(leadPostsBefore + 1);
        return;
      }
    }
  }

  let readErrorShape = '';
  beforeAll(async () => {
    // what a refused resource read looks like around the refusal text, learnt from an unknown tenant
    const client = await stack.connect(bearer(await jwtFor('shape', '*', false)));
    const message = await errorOf(client.readResource({ uri: 'espocrm://tenants/nowhere' }));
    const refusal = unknownTenantError('nowhere', [...CONFIGURED]).message;
    expect(message).toContain(refusal);
    readErrorShape = message.replace(refusal, '<refusal>');
    await client.close();
  });

  const leadPosts = (id: string) => stack.sandboxes[id]!.requests.filter((r) => r.method === 'POST' && r.path === 'Lead').length;
});
