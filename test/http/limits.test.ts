/**
 * The per-tenant limits over HTTP (test/tenants/limits.test.ts tests `TenantLimits` itself): shared
 * across requests and connections, a refusal with a retry time before the CRM is reached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startHttpStack, textOf, type HttpStack } from '../helpers/http.js';

describe('per-tenant limits over HTTP', () => {
  let stack: HttpStack;
  const TOKEN = 'tok-limits-0123456789abcdef012345';
  beforeAll(async () => {
    stack = await startHttpStack([{ id: 'damath' }, { id: 'coach-vero' }], {
      http: { tokens: [{ name: 'chat', token: 'env:MCP_TOKEN', tenants: '*' }], limits: { perTenantRatePerMinute: 2, perTenantConcurrency: 1 } },
      env: { MCP_TOKEN: TOKEN },
    });
  });
  afterAll(async () => stack?.close());

  it('over the rate, a tool call fails with a retry time; other tenants and the CRM are untouched', async () => {
    // two clients: the limit is shared across requests and connections
    const first = await stack.connect(bearer(TOKEN));
    const second = await stack.connect(bearer(TOKEN));
    for (const client of [first, second]) {
      const ok = await client.callTool({ name: 'check_tenant', arguments: { tenant: 'damath' } });
      expect(ok.isError, textOf(ok)).toBeFalsy();
    }
    const crmCalls = stack.sandboxes.damath!.requests.length;
    const over = await second.callTool({ name: 'check_tenant', arguments: { tenant: 'damath' } });
    expect(over.isError).toBe(true);
    const match = /^Tenant "damath" is over its limit of 2 tool calls a minute, to protect its CRM\. Retry in (\d+) seconds?\.$/.exec(textOf(over));
    expect(match, textOf(over)).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThanOrEqual(1);
    expect(Number(match![1])).toBeLessThanOrEqual(60);
    expect(stack.sandboxes.damath!.requests.length).toBe(crmCalls);
    // reading the tenant's resource reaches its CRM too, so it is limited as well
    await expect(first.readResource({ uri: 'espocrm://tenants/damath' })).rejects.toThrow(/over its limit.*Retry in \d+ seconds?/);
    // ... however the tenant is spelled in the URI: percent-encoding names the same tenant and the same limit
    const crmBefore = stack.sandboxes.damath!.requests.length;
    for (const uri of ['espocrm://tenants/dam%61th', 'espocrm://tenants/dam%61th/entities/Lead', 'espocrm://tenants/%64amath/entities/Lead/layouts/detail']) {
      await expect(first.readResource({ uri }), uri).rejects.toThrow(/over its limit.*Retry in \d+ seconds?/);
    }
    expect(stack.sandboxes.damath!.requests.length).toBe(crmBefore);
    const other = await first.callTool({ name: 'check_tenant', arguments: { tenant: 'coach-vero' } });
    expect(other.isError, textOf(other)).toBeFalsy();
    // list_tenants names no tenant and never reaches a CRM: not limited
    const list = await first.callTool({ name: 'list_tenants', arguments: {} });
    expect(list.isError).toBeFalsy();
  });
});
