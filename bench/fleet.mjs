// Fleet operations (issue 19) at scale: 100 sandbox tenants (EspoCRM doubles on loopback, small data:
// 5 leads, 2 contacts, 1 account each), all hosted by one child process (so the CRMs' work is not
// counted in the measuring process, as with real remote CRMs), and blueprints/transport.json.
//   (a) reading their metadata alone, the baseline, two ways, in this process with a fresh registry per
//       round (cold caches, one admin login per tenant, as a fresh server has), 8 tenants at a time:
//       - "raw": the least the plan needs: entityDefs.Lead (metadata, the admin login) and the Lead
//         detail and list layouts;
//       - "reader": readCustomization (src/reads/customizationState.ts) as plan_blueprint calls it (the
//         blueprint's entities, their 5 placement layouts), without planning (fleet_drift reads only the
//         layouts the blueprint targets: 2 here);
//   (b) fleet_drift and plan_blueprint over the 100, each through the real server built in-process
//       (a fresh server, registry and store per round) and an SDK client on an in-memory transport.
//   Rounds alternate (raw, reader, drift, plan), after a warm-up round; medians and p95 of --runs (5).
//   Ratio = (b) / (a) (medians); the issue's goal: plan <= 3x reading the metadata alone.
//   (c) memory: fleet_drift with concurrency 4 and 16 over 100 and 300 tenants, each in a fresh child
//       process (node --expose-gc) holding only the server: RSS and heap sampled every 2 ms during the
//       call; growth = peak - the value before the call (after a GC); "retained" = heap after the call
//       and a GC - heap before.
// Usage: npm run build && node bench/fleet.mjs [--tenants 100] [--runs 5] [--memory-tenants 100,300]
//        [--memory-concurrency 4,16] [--no-memory]      (npm run bench:fleet)
// Writes bench/results/fleet.json.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const dist = (p) => path.join(root, 'dist', p);
const BLUEPRINT = 'transport';
const ENTITY = 'Lead';
const LAYOUTS = ['detail', 'list'];
const BASELINE_CONCURRENCY = 8;

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const list = (s) => s.split(',').map((x) => Number(x.trim()));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const tenantId = (i) => `t${String(i).padStart(3, '0')}`;
const envPrefix = (id) => id.toUpperCase();

// ---------------------------------------------------------------------------------------------------
// The sandbox host: `node bench/fleet.mjs --host N` starts N sandboxes and prints them as one JSON line;
// it stops when its stdin closes.

async function host(n) {
  const { startSandbox } = await import(dist('sandbox/index.js'));
  const sandboxes = [];
  for (let i = 0; i < n; i++) sandboxes.push(await startSandbox({ leads: 5, contacts: 2, accounts: 1, seed: i + 1, name: tenantId(i), lockout: false }));
  process.stdout.write(`${JSON.stringify(sandboxes.map((s, i) => ({ id: tenantId(i), url: s.url, apiKey: s.credentials.apiKey, admin: s.credentials.admin })))}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
    process.exit(0);
  });
}

async function startHost(n) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--host', String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`sandbox host exited (${code})`)));
  });
  return { tenants: JSON.parse(line), pid: child.pid, stop: () => new Promise((r) => (child.once('exit', r), child.stdin.end())) };
}

/** A folder with tenants.json (the first `n` tenants, secrets as env: references), the blueprint, and that environment. */
async function writeConfig(dir, tenants) {
  const env = {};
  const json = {};
  for (const t of tenants) {
    const p = envPrefix(t.id);
    env[`${p}_KEY`] = t.apiKey;
    env[`${p}_PW`] = t.admin.password;
    json[t.id] = { name: `Transport client ${t.id}`, url: t.url, apiKey: `env:${p}_KEY`, admin: { username: t.admin.username, password: `env:${p}_PW` } };
  }
  await mkdir(path.join(dir, 'blueprints'), { recursive: true });
  await copyFile(path.join(root, 'blueprints', `${BLUEPRINT}.json`), path.join(dir, 'blueprints', `${BLUEPRINT}.json`));
  await writeFile(path.join(dir, 'tenants.json'), JSON.stringify({ tenants: json }, null, 2));
  return { configPath: path.join(dir, 'tenants.json'), env };
}

// ---------------------------------------------------------------------------------------------------
// In-process pieces (from dist/)

async function modules() {
  const [{ loadConfig }, { TenantRegistry }, { LOCAL_PRINCIPAL }, { silentLogger }, store, server, client, layouts, fleet, api] = await Promise.all([
    import(dist('config/load.js')),
    import(dist('tenants/registry.js')),
    import(dist('tenants/policy.js')),
    import(dist('log/logger.js')),
    import(dist('store/index.js')),
    import(dist('server.js')),
    import('@modelcontextprotocol/client'),
    import(dist('reads/layouts.js')),
    import(dist('reads/fleet.js')),
    import(dist('espo/api/index.js')),
  ]);
  let reader;
  try {
    reader = await import(dist('reads/customizationState.js'));
  } catch {
    reader = undefined;
  }
  return { loadConfig, TenantRegistry, LOCAL_PRINCIPAL, silentLogger, store, server, client, layouts, fleet, api, reader };
}

async function openRegistry(m, configPath, env) {
  const config = await m.loadConfig({ configPath, env, cwd: path.dirname(configPath) });
  return { config, registry: new m.TenantRegistry(config, { env, baseDir: config.baseDir, logger: m.silentLogger() }) };
}

/**
 * The least the plan needs, read directly, 8 tenants at a time: the profile (version, prefix setting: read
 * with the first metadata read), entityDefs.Lead, the labels (I18n) and the two layouts the blueprint places on.
 */
async function readRaw(m, registry) {
  const tenants = registry.visible(m.LOCAL_PRINCIPAL);
  await m.fleet.mapFleet(tenants, { concurrency: BASELINE_CONCURRENCY }, async (t) => {
    const signal = AbortSignal.timeout(60_000);
    const [defs, i18n, ...ls] = await Promise.all([
      t.metadata.get(`entityDefs.${ENTITY}`, signal),
      m.api.getI18n(t.client(), { auth: 'admin', signal }),
      ...LAYOUTS.map((l) => m.layouts.readLayout(t, ENTITY, l, signal)),
    ]);
    if (!defs || !i18n || ls.some((l) => l === undefined)) throw new Error(`${t.id}: nothing read`);
  });
}

/** readCustomization as plan_blueprint calls it (the blueprint's entities, every placement layout, metadata read again), without planning. */
async function readCustomizations(m, registry, blueprint) {
  const tenants = registry.visible(m.LOCAL_PRINCIPAL);
  await m.fleet.mapFleet(tenants, { concurrency: BASELINE_CONCURRENCY }, async (t) => {
    const signal = AbortSignal.timeout(60_000);
    await m.reader.readCustomization(t, signal, { entities: Object.keys(blueprint.entities), fresh: true });
  });
}

/** The server in-process with a fresh store, and an SDK client joined to it. */
async function serve(m, registry, dir) {
  const file = path.join(dir, `store-${process.pid}-${Math.random().toString(36).slice(2)}.sqlite`);
  const store = await m.store.openSqliteStore(file);
  const [clientTransport, serverTransport] = m.client.InMemoryTransport.createLinkedPair();
  const serving = m.server.serveMcpStdio(
    { registry, principal: m.LOCAL_PRINCIPAL, readOnly: false, logger: m.silentLogger(), store, confirms: await m.store.confirmTokensOn(store) },
    { transport: serverTransport },
  );
  const client = new m.client.Client({ name: 'bench-fleet', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(clientTransport);
  return {
    async call(name, args) {
      const res = await client.callTool({ name, arguments: args }, { timeout: 600_000 });
      if (res.isError) throw new Error(`${name}: ${res.content?.[0]?.text ?? 'error'}`);
      return res.structuredContent;
    },
    async close() {
      await client.close().catch(() => undefined);
      await serving.close().catch(() => undefined);
      await store.close();
      await rm(file, { force: true });
      await rm(`${file}-wal`, { force: true });
      await rm(`${file}-shm`, { force: true });
    },
  };
}

function checkDrift(result, n) {
  const rows = result.tenants ?? [];
  if (rows.length !== n) throw new Error(`fleet_drift: ${rows.length} rows for ${n} tenants`);
  const bad = rows.filter((r) => r.status !== 'drifted');
  if (bad.length) throw new Error(`fleet_drift: ${bad.length} tenant(s) not "drifted", e.g. ${JSON.stringify(bad[0])}`);
}

async function timeRounds(m, configPath, env, runs, dir) {
  const blueprint = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(path.dirname(configPath), 'blueprints', `${BLUEPRINT}.json`), 'utf8'));
  const kinds = {
    raw: async () => {
      const { registry } = await openRegistry(m, configPath, env);
      const t0 = performance.now();
      await readRaw(m, registry);
      const ms = performance.now() - t0;
      await registry.close();
      return ms;
    },
    ...(m.reader
      ? {
          reader: async () => {
            const { registry } = await openRegistry(m, configPath, env);
            const t0 = performance.now();
            await readCustomizations(m, registry, blueprint);
            const ms = performance.now() - t0;
            await registry.close();
            return ms;
          },
        }
      : {}),
    drift: async () => {
      const { registry } = await openRegistry(m, configPath, env);
      const s = await serve(m, registry, dir);
      const t0 = performance.now();
      const r = await s.call('fleet_drift', { blueprint: BLUEPRINT });
      const ms = performance.now() - t0;
      checkDrift(r, registry.visible(m.LOCAL_PRINCIPAL).length);
      await s.close();
      await registry.close();
      return ms;
    },
    plan: async () => {
      const { registry } = await openRegistry(m, configPath, env);
      const s = await serve(m, registry, dir);
      const t0 = performance.now();
      const r = await s.call('plan_blueprint', { blueprint: BLUEPRINT, tenants: '*' });
      const ms = performance.now() - t0;
      if (JSON.stringify(r).length < 10) throw new Error('plan_blueprint: empty answer');
      await s.close();
      await registry.close();
      return ms;
    },
  };
  const available = {};
  for (const [k, fn] of Object.entries(kinds)) {
    try {
      await fn(); // warm-up (and: does it exist?)
      available[k] = fn;
    } catch (err) {
      process.stderr.write(`  ${k}: skipped (${err instanceof Error ? err.message : String(err)})\n`);
    }
  }
  const times = Object.fromEntries(Object.keys(available).map((k) => [k, []]));
  for (let r = 0; r < runs; r++) {
    for (const [k, fn] of Object.entries(available)) times[k].push(await fn());
    process.stderr.write(`  round ${r + 1}/${runs}: ${Object.entries(times).map(([k, xs]) => `${k} ${xs.at(-1).toFixed(0)} ms`).join(', ')}\n`);
  }
  return Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, { median: median(xs), p95: p95(xs), runs: xs }]));
}

// ---------------------------------------------------------------------------------------------------
// Memory: `node --expose-gc bench/fleet.mjs --memory C --config PATH` (the environment holds the secrets)

async function memoryChild(concurrency, configPath) {
  const m = await modules();
  const dir = path.dirname(configPath);
  const { registry } = await openRegistry(m, configPath, process.env);
  const n = registry.visible(m.LOCAL_PRINCIPAL).length;
  const s = await serve(m, registry, dir);
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 50));
    }
    return process.memoryUsage();
  };
  /** One fleet_drift over every tenant: time, peak RSS and heap growth over the value before it, what stays after it. */
  const measured = async (live = false) => {
    const before = await settle();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const sample = () => {
      if (live) globalThis.gc(); // the live heap at this point, not the garbage not collected yet
      const u = process.memoryUsage();
      if (u.rss > peakRss) peakRss = u.rss;
      if (u.heapUsed > peakHeap) peakHeap = u.heapUsed;
    };
    const timer = setInterval(sample, live ? 20 : 2);
    const t0 = performance.now();
    // The result is the caller's: it is dropped (not counted as retained) once checked and measured.
    const resultBytes = await s.call('fleet_drift', { blueprint: BLUEPRINT, concurrency }).then((r) => {
      checkDrift(r, n);
      return Buffer.byteLength(JSON.stringify(r));
    });
    const ms = performance.now() - t0;
    sample();
    clearInterval(timer);
    const after = await settle();
    return { ms, before, peakRssGrowth: peakRss - before.rss, peakHeapGrowth: peakHeap - before.heapUsed, retained: after.heapUsed - before.heapUsed, resultBytes };
  };
  // Warm the code paths on one tenant.
  await s.call('fleet_drift', { blueprint: BLUEPRINT, tenants: [tenantId(0)] });
  // First call: every tenant's client (connection pool, login) and metadata cache are made on the way and kept.
  const cold = await measured();
  // Second call: those exist already; what grows is the fleet loop's own working set and the result.
  const warm = await measured();
  // Third call, warm, with a full GC before each sample (every 20 ms): the live heap, what the call holds at once.
  const live = await measured(true);
  // What the tenants keep: drop their metadata caches, then their clients.
  const kept = await settle();
  for (const t of registry.visible(m.LOCAL_PRINCIPAL)) t.metadata.invalidate();
  const withoutCaches = await settle();
  await registry.close();
  const withoutClients = await settle();
  await s.close();
  const mb = (b) => b / 2 ** 20;
  const kib = (b) => b / 1024;
  process.stdout.write(
    `${JSON.stringify({
      tenants: n,
      concurrency,
      ms: cold.ms,
      warmMs: warm.ms,
      rssBeforeMiB: mb(cold.before.rss),
      peakRssGrowthMiB: mb(cold.peakRssGrowth),
      peakHeapGrowthMiB: mb(cold.peakHeapGrowth),
      retainedHeapMiB: mb(cold.retained),
      warmPeakRssGrowthMiB: mb(warm.peakRssGrowth),
      warmPeakHeapGrowthMiB: mb(warm.peakHeapGrowth),
      warmRetainedHeapMiB: mb(warm.retained),
      livePeakHeapGrowthMiB: mb(live.peakHeapGrowth),
      keptPerTenantKiB: {
        metadataCaches: kib(kept.heapUsed - withoutCaches.heapUsed) / n,
        clients: kib(withoutCaches.heapUsed - withoutClients.heapUsed) / n,
      },
      resultKiB: kib(cold.resultBytes),
    })}\n`,
  );
}

async function measureMemory(concurrency, configPath, env) {
  const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--memory', String(concurrency), '--config', configPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env, LOG_LEVEL: 'error' },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`memory child (concurrency ${concurrency}) exited ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1));
}

// ---------------------------------------------------------------------------------------------------

export async function benchFleet(opts = {}) {
  const n = opts.tenants ?? Number(option('--tenants', '100'));
  const runs = opts.runs ?? Number(option('--runs', '5'));
  const memoryTenants = opts.memoryTenants ?? list(option('--memory-tenants', '100,300'));
  const memoryConcurrency = opts.memoryConcurrency ?? list(option('--memory-concurrency', '4,16'));
  const withMemory = opts.memory ?? !process.argv.includes('--no-memory');
  const hosted = await startHost(Math.max(n, ...(withMemory ? memoryTenants : [])));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-fleet-'));
  try {
    const m = await modules();
    const timeDir = path.join(dir, `n${n}`);
    const { configPath, env } = await writeConfig(timeDir, hosted.tenants.slice(0, n));
    process.stderr.write(`timing over ${n} tenants (${runs} rounds after a warm-up)\n`);
    const time = process.argv.includes('--no-time') ? {} : await timeRounds(m, configPath, env, runs, timeDir);
    const memory = [];
    if (withMemory) {
      for (const size of memoryTenants) {
        const d = path.join(dir, `m${size}`);
        const c = await writeConfig(d, hosted.tenants.slice(0, size));
        for (const conc of memoryConcurrency) {
          process.stderr.write(`memory: ${size} tenants, concurrency ${conc}\n`);
          memory.push(await measureMemory(conc, c.configPath, c.env));
        }
      }
    }
    return { tenants: n, runs, time, memory };
  } finally {
    await hosted.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--host')) {
    await host(Number(option('--host', '100')));
  } else if (process.argv.includes('--memory')) {
    await memoryChild(Number(option('--memory', '4')), option('--config'));
    process.exit(0);
  } else {
    const result = await benchFleet();
    const t = result.time;
    const ratio = (a, b) => (t[a] && t[b] ? t[a].median / t[b].median : undefined);
    const ratios = {
      driftOverRaw: ratio('drift', 'raw'),
      planOverRaw: ratio('plan', 'raw'),
      driftOverReader: ratio('drift', 'reader'),
      planOverReader: ratio('plan', 'reader'),
      readerOverRaw: ratio('reader', 'raw'),
    };
    const out = {
      date: new Date().toISOString(),
      machine: { cpu: `${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}`, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
      ...result,
      ratios,
    };
    await mkdir(path.join(here, 'results'), { recursive: true });
    await writeFile(path.join(here, 'results', 'fleet.json'), `${JSON.stringify(out, null, 2)}\n`);
    const f = (x) => (x === undefined ? '-' : `${x.median.toFixed(0)} ms (p95 ${x.p95.toFixed(0)})`);
    console.log(`\n${result.tenants} tenants, ${result.runs} rounds, medians:`);
    console.log('| what | time |');
    console.log('| --- | --- |');
    for (const [k, label] of [['raw', 'metadata alone (entityDefs.Lead, I18n, 2 layouts)'], ['reader', 'readCustomization alone (as plan_blueprint reads)'], ['drift', 'fleet_drift'], ['plan', 'plan_blueprint']]) {
      console.log(`| ${label} | ${f(t[k])} |`);
    }
    for (const [k, v] of Object.entries(ratios)) if (v !== undefined) console.log(`${k}: ${v.toFixed(2)}`);
    if (result.memory.length) {
      console.log('\nfleet_drift over every tenant, in a fresh process; first call (cold: clients and caches made) | second call (warm):');
      console.log('| tenants | concurrency | time | peak RSS growth | peak heap growth | heap retained | warm: time | warm: peak heap growth | warm: retained | warm: live heap peak | kept per tenant (clients + metadata) | result |');
      console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
      for (const r of result.memory) {
        console.log(
          `| ${r.tenants} | ${r.concurrency} | ${r.ms.toFixed(0)} ms | ${r.peakRssGrowthMiB.toFixed(1)} MiB | ${r.peakHeapGrowthMiB.toFixed(1)} MiB | ${r.retainedHeapMiB.toFixed(1)} MiB | ` +
            `${r.warmMs.toFixed(0)} ms | ${r.warmPeakHeapGrowthMiB.toFixed(1)} MiB | ${r.warmRetainedHeapMiB.toFixed(1)} MiB | ${r.livePeakHeapGrowthMiB.toFixed(1)} MiB | ` +
            `${r.keptPerTenantKiB.clients.toFixed(0)} + ${r.keptPerTenantKiB.metadataCaches.toFixed(0)} KiB | ${r.resultKiB.toFixed(0)} KiB |`,
        );
      }
    }
    console.log('\nwrote bench/results/fleet.json');
  }
}
