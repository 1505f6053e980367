// The dashboard's pages against the store reads they are made of: for 10, 100 and 1,000 configured
// tenants (CRMs that do not answer: pages never call one), each with 24 kept health checks, a usage and a
// drift summary, served by the real HTTP transport on loopback (`serve --http`'s /dashboard, no auth).
// Per size, medians of BENCH_DASHBOARD_RUNS (7), measured alternately in the same run:
//   - the fleet page (GET /dashboard/ over HTTP: store reads + rendering + transfer), and its size;
//   - the baseline: the same store reads done directly (latestHealth, per tenant its usage, drift and
//     last change, then the 24 last checks of the 100 tenants of the first page), without rendering or HTTP;
//   - a tenant page (GET /dashboard/tenants/t0001).
// Usage: npm run build && node bench/dashboard.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { validateTenantsFile } from '../dist/config/validate.js';
import { TenantRegistry } from '../dist/tenants/registry.js';
import { confirmTokensOn, openSqliteStore } from '../dist/store/index.js';
import { silentLogger } from '../dist/log/logger.js';
import { startHttpServer } from '../dist/transports/http.js';
import { driftKey, usageKey } from '../dist/dashboard/data.js';

const SIZES = (process.env.BENCH_DASHBOARD_SIZES ?? '10,100,1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const id = (i) => `t${String(i).padStart(4, '0')}`;

async function measure(n) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-dashboard-'));
  const tenants = Object.fromEntries(Array.from({ length: n }, (_, i) => [id(i), { name: `Client ${i}`, url: 'http://127.0.0.1:9', apiKey: 'env:K' }]));
  const config = validateTenantsFile({ tenants }, { source: 'bench', baseDir: dir });
  const logger = silentLogger();
  const registry = new TenantRegistry(config, { env: { K: 'k' }, baseDir: dir, logger });
  const store = await openSqliteStore(path.join(dir, 'store.sqlite'));
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const t = id(i);
    for (let k = 23; k >= 0; k--) {
      const status = (i + k) % 17 === 0 ? 'unreachable' : 'ok';
      await store.recordHealth({ tenant: t, ts: new Date(now - k * 900_000).toISOString(), status, version: '9.1.7', latencyMs: 20 + ((i * 7 + k * 13) % 90), result: { status, problems: [], apiKey: { status: 'ok', message: 'ok' }, admin: { status: 'ok', message: 'ok' } } });
    }
    await store.putResult(usageKey(t), t, { at: new Date(now).toISOString(), activeUsers: 5, usersByType: { regular: 4, admin: 1 }, leadsThisMonth: 12, records: { Lead: 300 }, leadsPerMonth: [{ month: '2026-12', count: 12 }], problems: [] }, now + 3600_000);
    await store.putResult(driftKey('transport', t), t, { blueprint: 'transport', at: new Date(now).toISOString(), status: i % 3 ? 'in_sync' : 'drifted', differences: i % 3 ? [] : [{ kind: 'field_missing', entity: 'Lead', field: 'cSecteur', summary: 'Lead: no field cSecteur (enum)' }] }, now + 3600_000);
  }
  const server = await startHttpServer({ registry, readOnly: false, logger, store, confirms: await confirmTokensOn(store), host: '127.0.0.1', port: 0, env: {}, baseDir: dir, dashboard: { everyMs: 'off' } });
  const origin = new URL(server.url).origin;
  const ids = Array.from({ length: n }, (_, i) => id(i));

  let wire = 0;
  const page = async (p) => {
    const t0 = performance.now();
    const res = await fetch(`${origin}${p}`, { headers: { 'accept-encoding': 'gzip' } });
    const body = await res.text();
    wire = Number(res.headers.get('content-length') ?? 0);
    if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
    return { ms: performance.now() - t0, bytes: Buffer.byteLength(body), wire };
  };
  const direct = async () => {
    const t0 = performance.now();
    await store.latestHealth(ids);
    await Promise.all(ids.map((t) => Promise.all([store.getResult(usageKey(t), t), store.getResult(driftKey('transport', t), t), store.recentChanges(t, 1)])));
    await Promise.all(ids.slice(0, 100).map((t) => store.healthHistory(t, 24)));
    return performance.now() - t0;
  };
  // Warm-up.
  await page('/dashboard/?blueprint=transport');
  await direct();
  const fleet = [];
  const reads = [];
  const tenant = [];
  let bytes = 0;
  let sent = 0;
  for (let r = 0; r < RUNS; r++) {
    const f = await page('/dashboard/?blueprint=transport');
    fleet.push(f.ms);
    bytes = f.bytes;
    sent = f.wire;
    reads.push(await direct());
    tenant.push((await page(`/dashboard/tenants/${id(1)}?blueprint=transport`)).ms);
  }
  await server.close();
  await registry.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return { n, fleet: median(fleet), reads: median(reads), tenant: median(tenant), kb: bytes / 1024, gz: sent / 1024 };
}

const rows = [];
for (const n of SIZES) rows.push(await measure(n));
console.log('| tenants | fleet page (first 100 rows) | store reads alone | ratio | page size (gzip on the wire) | tenant page |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(`| ${r.n} | ${r.fleet.toFixed(1)} ms | ${r.reads.toFixed(1)} ms | ${(r.fleet / r.reads).toFixed(2)} | ${r.kb.toFixed(0)} KB (${r.gz.toFixed(0)} KB) | ${r.tenant.toFixed(1)} ms |`);
}
