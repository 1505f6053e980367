/**
 * The fleet page with more tenants than a page holds (230, whose CRMs are never called: pages read the
 * store only): 100 rows a page, sorted and filtered across every tenant before paging, previous/next
 * links that keep the query, a page past the end clamped to the last.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTenantsFile } from '../../src/config/validate.js';
import { TenantRegistry } from '../../src/tenants/registry.js';
import { confirmTokensOn, openSqliteStore, type Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { startHttpServer, type RunningHttpServer } from '../../src/transports/http.js';
import { dashRequest, rowTenants } from '../helpers/dashboard.js';

const N = 230;
const id = (i: number) => `t${String(i).padStart(3, '0')}`;
let dir: string;
let store: Store;
let registry: TenantRegistry;
let server: RunningHttpServer;
let origin: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dashboard-paging-'));
  // Port 9 (discard) on loopback: nothing answers, and nothing here asks.
  const tenants = Object.fromEntries(Array.from({ length: N }, (_, i) => [id(i), { name: `Client ${id(i)}`, url: 'http://127.0.0.1:9', apiKey: 'env:K' }]));
  const config = validateTenantsFile({ tenants }, { source: 'test', baseDir: dir });
  const logger = silentLogger();
  registry = new TenantRegistry(config, { env: { K: 'k' }, baseDir: dir, logger });
  store = await openSqliteStore(path.join(dir, 'store.sqlite'));
  // Every tenant checked once; every 10th one unreachable with the highest latency.
  for (let i = 0; i < N; i++) {
    const status = i % 10 === 0 ? 'unreachable' : 'ok';
    await store.recordHealth({ tenant: id(i), ts: new Date(Date.now() - 60_000).toISOString(), status, latencyMs: status === 'ok' ? 10 + (i % 50) : 5000 + i, result: { status, problems: [] } });
  }
  server = await startHttpServer({ registry, readOnly: false, logger, store, confirms: await confirmTokensOn(store), host: '127.0.0.1', port: 0, env: {}, baseDir: dir, dashboard: { everyMs: 'off' } });
  origin = new URL(server.url).origin;
});

afterAll(async () => {
  await server?.close();
  await registry?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the fleet by pages', () => {
  it('shows 100 rows a page, in order across the pages', async () => {
    const pages = await Promise.all([1, 2, 3].map((p) => dashRequest(`${origin}/dashboard/?page=${p}`)));
    const rows = pages.map((p) => rowTenants(p.body));
    expect(rows.map((r) => r.length)).toEqual([100, 100, 30]);
    expect(rows.flat()).toEqual(Array.from({ length: N }, (_, i) => id(i)));
    expect(pages[1]!.body).toContain('Page 2 of 3 (tenants 101–200 of 230)');
    expect(pages[0]!.body).not.toContain('rel="prev"');
    expect(pages[2]!.body).not.toContain('rel="next"');
  });

  it('sorts and filters every tenant before paging, and the links keep the query', async () => {
    const slowest = await dashRequest(`${origin}/dashboard/?sort=latency&dir=desc`);
    const first = rowTenants(slowest.body);
    // The 23 unreachable tenants are the slowest (5,000 ms and more), slowest first.
    expect(first.slice(0, 23)).toEqual(Array.from({ length: 23 }, (_, k) => id((22 - k) * 10)));
    expect(slowest.body).toMatch(/rel="next" href="\/dashboard\/\?[^"]*sort=latency&amp;dir=desc&amp;page=2"/);
    const down = await dashRequest(`${origin}/dashboard/?health=unreachable`);
    expect(rowTenants(down.body)).toHaveLength(23);
    expect(down.body).not.toContain('class="pagination"');
    expect(down.body).toContain('230 tenants visible to you; 23 match the filter.');
  });

  it('clamps a page past the end to the last one', async () => {
    const res = await dashRequest(`${origin}/dashboard/?page=99`);
    expect(res.status).toBe(200);
    expect(rowTenants(res.body)).toHaveLength(30);
    expect(res.body).toContain('Page 3 of 3');
  });
});
