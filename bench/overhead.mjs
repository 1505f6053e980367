// Tool-call overhead: get_layout through the MCP server (spawned dist/cli.js, one tenant on a sandbox,
// a 2026-07-28 client) against a direct HTTP GET of the same layout from the same sandbox with the same
// admin token reuse, measured alternately in the same run:
//   - over stdio, one call at a time;
//   - over Streamable HTTP (serve --http on loopback), one call at a time;
//   - over Streamable HTTP, 20 calls at once against 20 direct GETs at once.
// The calls are plain 2026-07-28 requests (the envelope a client sends: JSON lines on the server's stdin,
// or POSTs read with fetch, as the direct GET is), so the figure is the server's overhead, not a client
// library's.
// Each runs twice: with the sandbox as it is (it answers in well under a millisecond, so the ratio is
// all overhead), and with the layout GET answering in BENCH_CRM_MS (default 14 ms: what the same call
// took on the real EspoCRM 9.1.7 the issue measured), which is the ratio a user sees.
// Also the floor: the smallest SDK v2 server making the same GET (bench/floor-server.mjs), timed in the
// same alternation, so what is ours in the overhead shows. Prints medians and the ratios ours / direct.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport as SdkStdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startSandbox } from '../dist/sandbox/index.js';

/** A subclass negotiates the era in place (the base class would probe on a second server process). */
class StdioClientTransport extends SdkStdioClientTransport {}

const here = path.dirname(fileURLToPath(import.meta.url));
const calls = Number(process.env.BENCH_CALLS ?? 300);
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const CONCURRENT = 20;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const modern = () => new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });

function serveHttp(dir, env, args = [path.join(here, '../dist/cli.js'), 'serve', '--http', '--port', '0', '--config', 'tenants.json']) {
  const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c.toString('utf8')));
  const url = new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"/.exec(stderr);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`serve --http exited (${code}): ${stderr}`));
    });
  });
  return { child, url };
}

export async function benchOverhead() {
  const sb = await startSandbox({ leads: 0, contacts: 0, accounts: 0, name: 'bench' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-overhead-'));
  let stdio;
  let http;
  let httpServer;
  let floorHttp;
  const spawned = [];
  try {
    // No rate limit in the way of a benchmark (the HTTP default is 120 calls a minute per tenant).
    const config = {
      // 20 connections to the CRM, as the 20 direct calls get (the default is 4, to protect a CRM).
      tenants: { bench: { url: sb.url, apiKey: 'env:B_KEY', admin: { username: sb.credentials.admin.username, password: 'env:B_PW' }, limits: { concurrency: 20 } } },
      http: { limits: { perTenantRatePerMinute: 100_000, perTenantConcurrency: 64 } },
    };
    await writeFile(path.join(dir, 'tenants.json'), JSON.stringify(config));
    const env = { PATH: process.env.PATH ?? '', B_KEY: sb.credentials.apiKey, B_PW: sb.credentials.admin.password, LOG_LEVEL: 'warn', XDG_STATE_HOME: dir };
    // The SDK client checks that the server speaks 2026-07-28 on stdio; the timed calls are raw requests.
    stdio = modern();
    await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [path.join(here, '../dist/cli.js'), 'serve', '--config', 'tenants.json'], env, cwd: dir, stderr: 'ignore' }));
    httpServer = serveHttp(dir, { ...env, LOG_LEVEL: 'info' }); // it logs its URL at info
    // The SDK client checks that the server speaks 2026-07-28 over HTTP; the timed calls are plain POSTs.
    http = modern();
    await http.connect(new StreamableHTTPClientTransport(new URL(await httpServer.url)));

    // direct baseline: log in once, then reuse the token, as the server does
    const basic = Buffer.from(`${sb.credentials.admin.username}:${sb.credentials.admin.password}`).toString('base64');
    const login = await fetch(`${sb.apiUrl}/App/user`, { headers: { 'Espo-Authorization': basic } });
    const { token } = await login.json();
    const byToken = { 'Espo-Authorization': Buffer.from(`${sb.credentials.admin.username}:${token}`).toString('base64'), 'Espo-Authorization-By-Token': 'true' };
    const direct = async () => {
      const r = await fetch(`${sb.apiUrl}/Lead/layout/detail`, { headers: byToken });
      await r.json();
    };
    const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
    // stdio: a second server process, spoken to in raw JSON lines (one request at a time).
    const rawClient = (args, childEnv) => {
      const raw = spawn(process.execPath, args, { cwd: dir, env: childEnv, stdio: ['pipe', 'pipe', 'ignore'] });
      spawned.push(raw);
      let buffer = '';
      const waiting = new Map();
      raw.stdout.on('data', (chunk) => {
        buffer += chunk.toString('utf8');
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          const msg = JSON.parse(line);
          waiting.get(msg.id)?.(msg);
          waiting.delete(msg.id);
        }
      });
      let stdioId = 1;
      return () =>
        new Promise((resolve, reject) => {
          const id = stdioId++;
          waiting.set(id, (msg) => (msg.error || msg.result?.isError ? reject(new Error(JSON.stringify(msg).slice(0, 300))) : resolve()));
          raw.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get_layout', arguments: { entity: 'Lead', layout: 'detail' }, _meta: envelope } })}\n`);
        });
    };
    const viaStdio = rawClient([path.join(here, '../dist/cli.js'), 'serve', '--config', 'tenants.json'], env);
    // The floor: the smallest SDK v2 server making the same GET (bench/floor-server.mjs), stdio and HTTP.
    const floorEnv = { PATH: env.PATH, FLOOR_CRM_URL: sb.apiUrl, FLOOR_USER: sb.credentials.admin.username, FLOOR_PASSWORD: sb.credentials.admin.password };
    const viaFloorStdio = rawClient([path.join(here, 'floor-server.mjs')], floorEnv);
    floorHttp = serveHttp(dir, floorEnv, [path.join(here, 'floor-server.mjs'), '--http']);
    const httpUrl = await httpServer.url;
    const floorUrl = await floorHttp.url;
    let nextId = 1;
    const viaHttp = async (url = httpUrl) => {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'get_layout' },
        body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'get_layout', arguments: { entity: 'Lead', layout: 'detail' }, _meta: envelope } }),
      });
      const body = await r.json();
      if (body.error || body.result?.isError) throw new Error(JSON.stringify(body).slice(0, 300));
    };
    const viaFloorHttp = () => viaHttp(floorUrl);
    const time = async (fn) => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    const many = (fn) => () => Promise.all(Array.from({ length: CONCURRENT }, () => fn()));

    const pairs = [
      { name: 'tool call: get_layout via MCP (stdio) vs direct GET', ours: viaStdio, base: direct, floor: viaFloorStdio, n: calls },
      { name: 'tool call: get_layout via MCP (HTTP) vs direct GET', ours: () => viaHttp(), base: direct, floor: viaFloorHttp, n: calls },
      { name: `tool calls: ${CONCURRENT} concurrent get_layout via MCP (HTTP) vs ${CONCURRENT} concurrent direct GETs`, ours: many(() => viaHttp()), base: many(direct), floor: many(viaFloorHttp), n: rounds },
    ];
    const rows = [];
    const crmMs = Number(process.env.BENCH_CRM_MS ?? 14);
    const settings = [{ label: 'sandbox', latency: 0 }, { label: `CRM answering in ${crmMs} ms`, latency: crmMs }];
    for (const setting of settings) {
    sb.faults.clear();
    if (setting.latency > 0) sb.faults.add({ method: 'GET', path: 'Lead/layout/detail', kind: 'latency', ms: setting.latency });
    for (const p of pairs) {
      for (let i = 0; i < 20; i++) {
        await p.ours();
        await p.base();
        await p.floor();
      }
      const ours = [];
      const base = [];
      const floor = [];
      for (let i = 0; i < p.n; i++) {
        ours.push(await time(p.ours));
        base.push(await time(p.base));
        floor.push(await time(p.floor));
      }
      rows.push({ name: `${p.name} (${setting.label})`, ours: median(ours), baseline: median(base), baselineName: 'direct HTTP to the sandbox' });
      rows.push({ name: `floor: the same through a minimal SDK v2 server making the same GET (${setting.label})`, ours: median(floor), baseline: median(base), baselineName: 'direct HTTP to the sandbox' });
    }
    }
    sb.faults.clear();
    return rows;
  } finally {
    await stdio?.close();
    await http?.close();
    httpServer?.child.kill('SIGTERM');
    floorHttp?.child.kill('SIGTERM');
    for (const child of spawned) child.kill('SIGTERM');
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await benchOverhead()) console.log(`${r.name}: ours ${r.ours.toFixed(2)} ms, direct ${r.baseline.toFixed(2)} ms, ratio ${(r.ours / r.baseline).toFixed(2)}`);
}
