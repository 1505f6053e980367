// HTTP load benchmark: 100 sandbox tenants behind one Streamable HTTP server (dist/), and 1,000
// concurrent check_tenant calls from 100 chat-host clients, each authenticated with a static token and
// pinned to its tenant with X-Tenant. Measures wall time, throughput, p50 and p99, and counts the calls
// answered with another tenant's data (tenant id or the siteUrl the CRM reported): it must be 0.
// Baseline: the same number of direct HTTP requests to the sandboxes (GET Settings, checking siteUrl).
// Usage: npm run build && node -e "import('./bench/http-load.mjs').then(m => m.benchHttpLoad())"
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startSandbox } from '../dist/sandbox/index.js';
import { validateTenantsFile } from '../dist/config/validate.js';
import { TenantRegistry } from '../dist/tenants/registry.js';
import { openSqliteStore, confirmTokensOn } from '../dist/store/index.js';
import { silentLogger } from '../dist/log/logger.js';
import { startHttpServer } from '../dist/transports/http.js';

const TENANTS = Number(process.env.BENCH_HTTP_TENANTS ?? 100);
const CALLS = Number(process.env.BENCH_HTTP_CALLS ?? 1000);
const TOKEN = 'bench-http-token-0123456789abcdef0123456789';

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function timedAll(n, fn) {
  const latencies = new Array(n);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const start = performance.now();
      await fn(i);
      latencies[i] = performance.now() - start;
    }),
  );
  return { wall: performance.now() - t0, latencies };
}

export async function benchHttpLoad() {
  const ids = Array.from({ length: TENANTS }, (_, i) => `tenant-${String(i).padStart(3, '0')}`);
  const sandboxes = {};
  for (const id of ids) sandboxes[id] = await startSandbox({ leads: 0, contacts: 0, accounts: 0, name: id });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-http-'));
  const env = { BENCH_TOKEN: TOKEN };
  const tenants = {};
  for (const id of ids) {
    const p = id.toUpperCase().replace(/-/g, '_');
    const sb = sandboxes[id];
    env[`${p}_KEY`] = sb.credentials.apiKey;
    env[`${p}_PW`] = sb.credentials.admin.password;
    tenants[id] = { url: sb.url, apiKey: `env:${p}_KEY`, admin: { username: sb.credentials.admin.username, password: `env:${p}_PW` } };
  }
  const config = validateTenantsFile(
    // 100 clients of one host connect at once: their handshakes are not tied to a tenant, so the
    // per-caller rate (120 a minute by default) would measure itself, not the tool calls.
    { tenants, http: { tokens: [{ name: 'bench-host', token: 'env:BENCH_TOKEN', tenants: '*' }], limits: { perCallerRatePerMinute: 100_000 } } },
    { source: 'bench', baseDir: dir },
  );
  const logger = silentLogger();
  const registry = new TenantRegistry(config, { env, baseDir: dir, logger });
  const store = await openSqliteStore(path.join(dir, 'store.sqlite'));
  const server = await startHttpServer({
    registry, readOnly: false, logger, store, confirms: await confirmTokensOn(store), http: config.http, host: '127.0.0.1', port: 0, env, baseDir: dir,
  });
  const clients = {};
  try {
    for (const id of ids) {
      const transport = new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { Authorization: `Bearer ${TOKEN}`, 'X-Tenant': id } },
      });
      clients[id] = new Client({ name: `bench-${id}`, version: '1' });
      await clients[id].connect(transport);
    }
    // warm-up: one call per tenant (admin login, connection pools)
    await Promise.all(ids.map((id) => clients[id].callTool({ name: 'check_tenant', arguments: { tenant: id } })));
    const crmBefore = ids.reduce((n, id) => n + sandboxes[id].requests.length, 0);

    let crossTenant = 0;
    let failed = 0;
    const ours = await timedAll(CALLS, async (i) => {
      const id = ids[i % ids.length];
      const res = await clients[id].callTool({ name: 'check_tenant', arguments: { tenant: id } }, { timeout: 120_000 });
      const s = res.structuredContent ?? {};
      if (res.isError || !s.ok) failed++;
      if (s.tenant !== id || s.siteUrl?.reported !== sandboxes[id].url) crossTenant++;
    });
    const crmRequests = ids.reduce((n, id) => n + sandboxes[id].requests.length, 0) - crmBefore;

    let baseCross = 0;
    const base = await timedAll(CALLS, async (i) => {
      const id = ids[i % ids.length];
      const res = await fetch(`${sandboxes[id].apiUrl}/Settings`, { headers: { 'X-Api-Key': sandboxes[id].credentials.apiKey } });
      const body = await res.json();
      if (body.siteUrl !== sandboxes[id].url) baseCross++;
    });

    console.log(`\nhttp load: ${CALLS} concurrent check_tenant calls over Streamable HTTP, ${TENANTS} tenants (X-Tenant pinned, static token)`);
    console.log(`  ours:     ${(CALLS / (ours.wall / 1000)).toFixed(0)} calls/s, wall ${ours.wall.toFixed(0)} ms, p50 ${percentile(ours.latencies, 50).toFixed(1)} ms, p99 ${percentile(ours.latencies, 99).toFixed(1)} ms, ${(crmRequests / CALLS).toFixed(1)} CRM requests per call`);
    console.log(`  baseline: ${(CALLS / (base.wall / 1000)).toFixed(0)} requests/s, wall ${base.wall.toFixed(0)} ms, p50 ${percentile(base.latencies, 50).toFixed(1)} ms, p99 ${percentile(base.latencies, 99).toFixed(1)} ms (direct GET Settings)`);
    console.log(`  answered with another tenant's data: ${crossTenant} (baseline ${baseCross}); failed calls: ${failed}`);
    if (crossTenant > 0 || failed > 0) throw new Error(`http load: ${crossTenant} cross-tenant answers and ${failed} failed calls`);

    const baselineName = `${CALLS} direct sandbox requests`;
    return [
      { name: `http: ${CALLS} concurrent tool calls, ${TENANTS} tenants (wall)`, ours: ours.wall, baseline: base.wall, baselineName },
      { name: 'http: tool call latency p50', ours: percentile(ours.latencies, 50), baseline: percentile(base.latencies, 50), baselineName },
      { name: 'http: tool call latency p99', ours: percentile(ours.latencies, 99), baseline: percentile(base.latencies, 99), baselineName },
    ];
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.close().catch(() => undefined)));
    await server.close();
    await registry.close();
    await store.close();
    await Promise.all(Object.values(sandboxes).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  }
}
