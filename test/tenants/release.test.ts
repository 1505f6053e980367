/**
 * What a fleet run leaves behind: a tenant it found cold is released once its part is done (client
 * closed, its admin session token destroyed on the CRM, caches dropped), so a run over many tenants holds
 * what its concurrency needs, not what the number of tenants would; a tenant in use by other calls stays
 * warm. Through the MCP harness on sandboxes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { LOCAL_PRINCIPAL } from '../../src/tenants/policy.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
});
afterAll(async () => {
  await h?.close();
});

const warm = () => Object.fromEntries(h.registry.visible(LOCAL_PRINCIPAL).map((t) => [t.id, t.warm]));
const tokens = () => Object.fromEntries(Object.entries(h.sandboxes).map(([id, sb]) => [id, sb.state.users.activeTokenCount()]));

describe('tenants a fleet run warmed are released', () => {
  it('fleet_drift, check_tenants and plan_blueprint over cold tenants leave none warm and no admin session open', async () => {
    expect(warm()).toEqual({ a: false, b: false, c: false });
    for (const [tool, args] of [
      ['fleet_drift', { blueprint: 'transport', tenants: '*' }],
      ['check_tenants', {}],
      ['plan_blueprint', { blueprint: 'transport', tenants: '*' }],
    ] as const) {
      const res = await h.call(tool, args);
      expect(res.isError, res.text).toBe(false);
      expect(warm(), tool).toEqual({ a: false, b: false, c: false });
      // Each tenant logged in as admin for the run (its drift and plan read layouts), then logged out.
      expect(tokens(), tool).toEqual({ a: 0, b: 0, c: 0 });
      for (const sb of Object.values(h.sandboxes)) {
        const paths = sb.requests.slice(-40).map((r) => `${r.method} ${r.path}`);
        expect(paths, tool).toContain('POST App/destroyAuthToken');
      }
    }
  });

  it('a tenant another call uses stays warm through a fleet run, and its session is kept', async () => {
    const r = await h.call('get_layout', { tenant: 'b', entity: 'Lead', layout: 'detail' });
    expect(r.isError, r.text).toBe(false);
    expect(warm()).toEqual({ a: false, b: true, c: false });
    const before = tokens().b;
    expect(before).toBeGreaterThan(0);
    const drift = await h.call('fleet_drift', { blueprint: 'transport', tenants: '*' });
    expect(drift.isError, drift.text).toBe(false);
    expect(warm()).toEqual({ a: false, b: true, c: false });
    expect(tokens().b).toBe(before);
    // And it keeps working with what it held.
    expect((await h.call('describe_entity', { tenant: 'b', entity: 'Lead' })).isError).toBe(false);
  });

  it('after a release the next call starts cold and works (a new login)', async () => {
    const res = await h.call('describe_entity', { tenant: 'a', entity: 'Lead' });
    expect(res.isError, res.text).toBe(false);
    expect(warm().a).toBe(true);
  });
});
