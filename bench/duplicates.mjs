// find_duplicates at scale: the built server (dist/cli.js, spawned over stdio) scans N sandbox leads,
// against just paging through the same records (same select, pages of 200, same concurrency 4, the same
// EspoCRM client code, admin token reused) from this process, measured alternately in the same run.
// The sandbox runs in a child process of its own, so neither side shares a CPU thread with it.
// Prints the medians and their ratio, the server's peak RSS (VmHWM, Linux), the pairwise precision
// and recall of the clusters found against the sandbox's seeded truth, and how many of its planted
// homonyms (same name and company, not duplicates) were linked.
// BENCH_DEBUG=1 also prints each run: duration, peak RSS, and the CPU time (Linux /proc) spent by the
// server, the sandbox and this process, which shows which side is the bottleneck.
// Sizes: 10k always; 100k with BENCH_FULL=1 (its sandbox takes ~350 MB and the case ~1 minute).
// BENCH_DUP_RUNS=N repetitions per size (default 5); BENCH_DUP_SIZES=10000,50000 to choose sizes.
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport as SdkStdioClientTransport } from '@modelcontextprotocol/client/stdio';
/** A subclass negotiates the era in place (the base class probes on a second server process). */
class StdioClientTransport extends SdkStdioClientTransport {}

const here = path.dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CONCURRENCY = 4;
const PAGE = 200;

// ---- the sandbox child: started by fork() below, never when this module is imported
if (process.env.BENCH_DUPLICATES_SANDBOX && process.send && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { startSandbox } = await import('../dist/sandbox/index.js');
  const sb = await startSandbox({ leads: Number(process.env.BENCH_DUPLICATES_SANDBOX), contacts: 0, accounts: 0, seed: 42, name: 'bench-dup' });
  const truth = sb.truth.clusters.filter((c) => c.entityType === 'Lead').map((c) => c.ids);
  // Known non-duplicates (same name and company, other identifiers): linked, they are false positives.
  const homonyms = sb.truth.homonyms.filter((h) => h.entityType === 'Lead');
  process.on('message', async (m) => {
    if (m === 'stop') {
      await sb.close();
      process.exit(0);
    }
  });
  process.send({ url: sb.url, apiUrl: sb.apiUrl, credentials: sb.credentials, truth, homonyms });
}

function startSandboxChild(leads) {
  const child = fork(SELF, [], { env: { ...process.env, BENCH_DUPLICATES_SANDBOX: String(leads) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox child exited (${code})`)));
    child.once('message', (info) => {
      child.removeAllListeners('exit');
      resolve({
        ...info,
        pid: child.pid,
        stop: () => new Promise((r) => {
          child.once('exit', r);
          child.send('stop');
        }),
      });
    });
  });
}

const mib = (x) => (x === null ? 'n/a' : `${x.toFixed(0)} MiB`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Peak resident set size of a process, in MiB (Linux /proc); null elsewhere. */
async function peakRssMiB(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; null elsewhere). */
async function cpuMs(pid) {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return null;
  }
}

/** The baseline: count, then every page with `concurrency` requests at once; the records are dropped. */
async function pageThrough(client, records, select, total) {
  const pages = Math.ceil(total / PAGE);
  let next = 0;
  let read = 0;
  const worker = async () => {
    while (next < pages) {
      const page = next++;
      const res = await records.list(client, 'Lead', { maxSize: PAGE, offset: page * PAGE, select, orderBy: 'createdAt', order: 'asc' }, { auth: 'admin' });
      read += res.list.length;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return read;
}

const pairKey = (a, b) => (a < b ? `${a}|${b}` : `${b}|${a}`);
function pairsOf(clusters) {
  const out = new Set();
  for (const ids of clusters) for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) out.add(pairKey(ids[i], ids[j]));
  return out;
}

async function benchSize(leads, runs) {
  const { EspoClient } = await import('../dist/espo/client.js');
  const { records } = await import('../dist/espo/api/index.js');
  const { dedupeSelectFields, DEDUPE_SIGNALS } = await import('../dist/core/dedupe/index.js');
  const sb = await startSandboxChild(leads);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-dup-'));
  let client;
  let direct;
  try {
    const config = {
      tenants: {
        bench: {
          url: sb.url, apiKey: 'env:B_KEY', admin: { username: sb.credentials.admin.username, password: 'env:B_PW' },
          defaultCountry: 'FR', limits: { concurrency: CONCURRENCY },
        },
      },
    };
    await writeFile(path.join(dir, 'tenants.json'), JSON.stringify(config));
    const transport = new StdioClientTransport({
      command: process.execPath,
      // BENCH_PROF=DIR writes a CPU profile of the server there.
      args: [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []), path.join(here, '../dist/cli.js'), 'serve', '--config', 'tenants.json'],
      env: { PATH: process.env.PATH ?? '', B_KEY: sb.credentials.apiKey, B_PW: sb.credentials.admin.password, LOG_LEVEL: 'warn', XDG_STATE_HOME: dir },
      cwd: dir,
      stderr: 'ignore',
    });
    client = new Client({ name: 'bench', version: '1' });
    await client.connect(transport);
    const serverPid = transport.pid;
    if (process.env.BENCH_DEBUG) console.log(`server RSS after start ${mib(await peakRssMiB(serverPid))}`);

    // The same attributes the tool selects for Lead with every signal.
    const select = dedupeSelectFields(DEDUPE_SIGNALS, 'person');
    direct = new EspoClient({
      tenantId: 'bench-direct', url: sb.url,
      admin: { username: sb.credentials.admin.username, password: async () => sb.credentials.admin.password },
      connections: CONCURRENCY,
    });

    let last;
    const cpu = async () => ({ server: await cpuMs(serverPid), sandbox: await cpuMs(sb.pid), bench: await cpuMs(process.pid) });
    const spent = (a, b) => Object.entries(b).map(([k, v]) => `${k} ${v !== null && a[k] !== null ? (v - a[k]).toFixed(0) : '?'}`).join(', ');
    const viaMcp = async () => {
      const c0 = await cpu();
      const t0 = performance.now();
      const r = await client.callTool({ name: 'find_duplicates', arguments: { tenant: 'bench', entities: ['Lead'] } }, { timeout: 600_000 });
      const ms = performance.now() - t0;
      if (r.isError) throw new Error(JSON.stringify(r.content));
      last = r.structuredContent;
      if (process.env.BENCH_DEBUG) console.log(`scan ${last.durationMs} ms, call ${ms.toFixed(0)} ms, peak RSS ${mib(await peakRssMiB(transport.pid))}; CPU ms: ${spent(c0, await cpu())}`);
      return ms;
    };
    const paging = async () => {
      const c0 = await cpu();
      const t0 = performance.now();
      const { total } = await records.list(direct, 'Lead', { maxSize: 0 }, { auth: 'admin' });
      const read = await pageThrough(direct, records, select, total);
      const ms = performance.now() - t0;
      if (read !== leads) throw new Error(`baseline read ${read} of ${leads} records`);
      if (process.env.BENCH_DEBUG) console.log(`paging ${ms.toFixed(0)} ms; CPU ms: ${spent(c0, await cpu())}`);
      return ms;
    };

    await viaMcp(); // warm-up: JIT, admin login, metadata; also the peak of one scan in a fresh server
    const rssFirst = await peakRssMiB(serverPid);
    await paging();
    const ours = [];
    const base = [];
    for (let i = 0; i < runs; i++) {
      ours.push(await viaMcp());
      base.push(await paging());
    }
    const rss = await peakRssMiB(serverPid);

    // Quality of the last scan: every page of its clusters against the seeded truth.
    const clusters = [...last.clusters];
    let cursor = last.nextCursor;
    while (cursor) {
      const r = await client.callTool({ name: 'find_duplicates', arguments: { tenant: 'bench', cursor, limit: 200 } });
      clusters.push(...r.structuredContent.clusters);
      cursor = r.structuredContent.nextCursor;
    }
    const found = pairsOf(clusters.map((c) => c.ids));
    const truth = pairsOf(sb.truth);
    const correct = [...found].filter((p) => truth.has(p)).length;
    const precision = found.size ? correct / found.size : 1;
    const recall = truth.size ? correct / truth.size : 1;
    const linked = sb.homonyms.filter((h) => found.has(pairKey(h.ids[0], h.ids[1])));
    const conflicting = (list) => list.filter((h) => h.differing === 'email+phone').length;

    const label = leads >= 1000 ? `${leads / 1000}k` : String(leads);
    console.log(
      `find_duplicates ${label} leads: median ${median(ours).toFixed(0)} ms vs paging ${median(base).toFixed(0)} ms, ratio ${(median(ours) / median(base)).toFixed(2)} (goal ≤ 1.2); ` +
        `server peak RSS ${mib(rssFirst)} in its first scan (goal < 300 MiB at 100k), ${mib(rss)} after ${runs + 1} scans in a row (garbage of earlier scans not yet collected); ` +
        `${last.totalClusters} clusters, ${last.comparisons} comparisons; precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} ` +
        `(${found.size} pairs found, ${correct} of them true; ${truth.size} true pairs); ` +
        `homonyms linked ${linked.length} of ${sb.homonyms.length} (another email and another phone: ${conflicting(linked)} of ${conflicting(sb.homonyms)}; ` +
        `one identifier differing: ${linked.length - conflicting(linked)} of ${sb.homonyms.length - conflicting(sb.homonyms)})`,
    );
    return {
      row: { name: `find_duplicates, ${label} leads (MCP stdio) vs paging them`, ours: median(ours), baseline: median(base), baselineName: `paging the same records, concurrency ${CONCURRENCY}` },
      rssFirst, rss, precision, recall, homonymsLinked: linked.length,
    };
  } finally {
    await client?.close().catch(() => undefined);
    await direct?.close().catch(() => undefined);
    await sb.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchDuplicates() {
  const runs = Number(process.env.BENCH_DUP_RUNS ?? 5);
  const sizes = process.env.BENCH_DUP_SIZES
    ? process.env.BENCH_DUP_SIZES.split(',').map(Number)
    : process.env.BENCH_FULL === '1' ? [10_000, 100_000] : [10_000];
  const rows = [];
  for (const n of sizes) rows.push((await benchSize(n, runs)).row);
  if (!sizes.includes(100_000)) console.log('find_duplicates 100k leads: skipped (set BENCH_FULL=1).');
  return rows;
}

// `node bench/duplicates.mjs` runs this benchmark alone.
if (!process.env.BENCH_DUPLICATES_SANDBOX && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchDuplicates();
  for (const r of rows) console.log(`| ${r.name} | ${r.ours.toFixed(1)} ms | ${r.baseline.toFixed(1)} ms (${r.baselineName}) | ${(r.ours / r.baseline).toFixed(2)} |`);
}
