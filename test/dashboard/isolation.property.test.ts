/**
 * Tenant isolation on the dashboard, as a property (as test/http/isolation.property.test.ts does for
 * MCP): random callers (random tenant subsets, signed as JWTs) sign in through the form and, whatever
 * they ask (the fleet page with any filter, any tenant's page, "check now" on any tenant or on all),
 * see and check only their tenants; another caller's tenant answers exactly as one that does not exist;
 * a JWT's session carries its tenants, not more. Checked in the pages and in the store's health checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { startHttpStack, type HttpStack } from '../helpers/http.js';
import { Browserish, csrfOf, rowTenants } from '../helpers/dashboard.js';

const CONFIGURED = ['alpha', 'bravo', 'charlie', 'delta'] as const;
const UNKNOWN = ['foxtrot', 'alpha-2'];
const ALL_IDS = [...CONFIGURED, ...UNKNOWN];
const SECRET = 'dashboard-isolation-secret-0123456789abcdef';
const KEY = new TextEncoder().encode(SECRET);

type Op = { kind: 'fleet'; q: string } | { kind: 'tenant'; tenant: string } | { kind: 'check'; tenant?: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('fleet' as const), q: fc.constantFrom('', 'a', 'r', 'delta', 'zz') }),
  fc.record({ kind: fc.constant('tenant' as const), tenant: fc.constantFrom(...ALL_IDS) }),
  fc.record({ kind: fc.constant('check' as const), tenant: fc.constantFrom(...ALL_IDS) }, { requiredKeys: ['kind'] }),
);

async function jwtFor(name: string, tenants: '*' | string[]): Promise<string> {
  return new SignJWT({ tenants })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(name)
    .setIssuer('dashboard-isolation')
    .setAudience('espocrm-admin-mcp')
    .setExpirationTime('10m')
    .sign(KEY);
}

/** A page without its times (relative times and "data as of" differ between two answers). */
const timeless = (html: string) => html.replace(/<time[^>]*>[^<]*<\/time>/g, '').replace(/Data as of [^<]*/g, '');

describe('tenant isolation on the dashboard (property)', () => {
  let stack: HttpStack;
  let origin: string;
  beforeAll(async () => {
    stack = await startHttpStack(
      CONFIGURED.map((id) => ({ id })),
      {
        http: { jwt: { secret: 'env:JWT_SECRET', issuer: 'dashboard-isolation', audience: 'espocrm-admin-mcp' } },
        env: { JWT_SECRET: SECRET },
        dashboard: { everyMs: 'off' },
      },
    );
    origin = new URL(stack.url).origin;
  });
  afterAll(async () => stack?.close());

  it('a caller never sees or checks a tenant outside its set, and forbidden looks exactly like unknown', async () => {
    let caller = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 1, arbitrary: fc.constant('*' as const) }, { weight: 5, arbitrary: fc.subarray([...CONFIGURED]) }),
        fc.array(opArb, { minLength: 1, maxLength: 5 }),
        async (tenants, ops) => {
          caller += 1;
          const name = `caller-${caller}`;
          const mine: string[] = tenants === '*' ? [...CONFIGURED] : tenants;
          const b = new Browserish(origin);
          const signIn = await b.signIn(await jwtFor(name, tenants));
          expect(signIn.status).toBe(303);
          const before = new Map(await Promise.all(CONFIGURED.map(async (t) => [t, (await stack.audit.healthHistory(t, 1000)).length] as const)));
          const checked = new Set<string>();
          for (const op of ops) {
            if (op.kind === 'fleet') {
              const page = await b.get(`/dashboard/?q=${op.q}`);
              expect(page.status).toBe(200);
              const rows = rowTenants(page.body);
              for (const id of rows) expect(mine).toContain(id);
              expect(rows.sort()).toEqual(mine.filter((id) => id.includes(op.q)).sort());
            } else if (op.kind === 'tenant') {
              const page = await b.get(`/dashboard/tenants/${op.tenant}`);
              if (mine.includes(op.tenant)) {
                expect(page.status).toBe(200);
              } else {
                expect(page.status).toBe(404);
                const unknown = await b.get('/dashboard/tenants/no-such-tenant');
                expect(timeless(page.body)).toBe(timeless(unknown.body));
              }
            } else {
              const page = await b.get('/dashboard/');
              const form: Record<string, string> = { csrf: csrfOf(page.body), back: '/dashboard/' };
              if (op.tenant !== undefined) form.tenant = op.tenant;
              const res = await b.post('/dashboard/check', form);
              if (op.tenant === undefined) {
                expect(res.status).toBe(303);
                for (const t of mine) checked.add(t);
              } else if (mine.includes(op.tenant)) {
                expect(res.status).toBe(303);
                checked.add(op.tenant);
              } else {
                expect(res.status).toBe(404);
              }
            }
          }
          // In the store: a health check was added for the tenants this caller checked, and none other.
          for (const t of CONFIGURED) {
            const added = (await stack.audit.healthHistory(t, 1000)).length - before.get(t)!;
            if (checked.has(t)) expect(added, t).toBeGreaterThan(0);
            else expect(added, t).toBe(0);
          }
        },
      ),
      { seed: 20261205, numRuns: 25 },
    );
  }, 120_000);
});
