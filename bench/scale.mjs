// Scale with the number of tenants: 1, 100, 1,000 and 5,000 configured tenants whose CRMs do not answer
// (loopback port 9), served over stdio to a 2026-07-28 client. Per size, medians of BENCH_SCALE_RUNS (3):
// start (spawn -> tools/list answered), idle RSS after that, list_tenants (first page: time and bytes),
// resources/list (first page: time and bytes). Memory per idle tenant is the RSS slope against 1 tenant;
// start at N tenants is also given as a ratio of start at 1.
// Usage: npm run build && node bench/scale.mjs
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport as SdkStdioClientTransport } from '@modelcontextprotocol/client/stdio';

/** A subclass negotiates the era in place (the base class probes on a second server process). */
class StdioClientTransport extends SdkStdioClientTransport {}

const here = path.dirname(fileURLToPath(import.meta.url));
const SIZES = (process.env.BENCH_SCALE_SIZES ?? '1,100,1000,5000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function once(dir) {
  const t0 = performance.now();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(here, '../dist/cli.js'), 'serve', '--config', 'tenants.json'],
    env: { PATH: process.env.PATH ?? '', K: 'k', P: 'p', LOG_LEVEL: 'warn', XDG_STATE_HOME: dir },
    cwd: dir,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench-scale', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(transport);
  await client.listTools();
  const start = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300)); // let start-up garbage be collected
  const rss = Number((await readFile(`/proc/${transport.pid}/status`, 'utf8')).match(/VmRSS:\s+(\d+)/)[1]) / 1024;
  let t = performance.now();
  const lt = await client.callTool({ name: 'list_tenants', arguments: {} });
  const listTenants = { ms: performance.now() - t, bytes: Buffer.byteLength(JSON.stringify(lt)) };
  t = performance.now();
  // One page (the SDK client walks every page when given no cursor): the first page's opaque cursor.
  const rl = await client.listResources({ cursor: 'o0' }, { cacheMode: 'bypass' });
  const resourcesList = { ms: performance.now() - t, bytes: Buffer.byteLength(JSON.stringify(rl)), entries: rl.resources.length, more: Boolean(rl.nextCursor) };
  await client.close();
  return { start, rss, listTenants, resourcesList };
}

export async function benchScale() {
  const results = [];
  for (const n of SIZES) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-scale-'));
    try {
      const tenants = {};
      for (let i = 0; i < n; i++) tenants[`t${i}`] = { name: `Client business ${i}`, url: `http://127.0.0.1:9/t${i}`, apiKey: 'env:K', admin: { username: 'admin', password: 'env:P' } };
      await writeFile(path.join(dir, 'tenants.json'), JSON.stringify({ tenants }));
      await once(dir); // warm the file cache
      const runs = [];
      for (let r = 0; r < RUNS; r++) runs.push(await once(dir));
      results.push({
        n,
        start: median(runs.map((r) => r.start)),
        rss: median(runs.map((r) => r.rss)),
        listTenantsMs: median(runs.map((r) => r.listTenants.ms)),
        listTenantsBytes: runs[0].listTenants.bytes,
        resourcesMs: median(runs.map((r) => r.resourcesList.ms)),
        resourcesBytes: runs[0].resourcesList.bytes,
        resourcesEntries: runs[0].resourcesList.entries,
        resourcesMore: runs[0].resourcesList.more,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await benchScale();
  const base = results.find((r) => r.n === 1) ?? results[0];
  const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
  console.log('| tenants | start | start / start at 1 | idle RSS | memory per idle tenant | list_tenants (first page) | resources/list (first page) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const perTenant = r.n > base.n ? `${(((r.rss - base.rss) * 1024) / (r.n - base.n)).toFixed(1)} KB` : '-';
    console.log(
      `| ${r.n} | ${r.start.toFixed(0)} ms | ${(r.start / base.start).toFixed(2)} | ${r.rss.toFixed(0)} MB | ${perTenant} | ${r.listTenantsMs.toFixed(1)} ms, ${kb(r.listTenantsBytes)} | ` +
        `${r.resourcesMs.toFixed(1)} ms, ${r.resourcesEntries} entries${r.resourcesMore ? ' + cursor' : ''}, ${kb(r.resourcesBytes)} |`,
    );
  }
}
