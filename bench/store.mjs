// The store (issue 16) at scale: a store filled with N audit lines (default 1,000,000) over 100 tenants,
// about 10% of them changes (a changeId and a change record with a layout or field before/after of
// ~1-2 KB each) and 90% other calls (refused, planned, dry runs, a few failed), on each engine:
//   - SQLite: a file in a temporary folder, opened as the server opens it (SqliteSql: WAL, synchronous=FULL);
//   - PostgreSQL: a throwaway database made on the server of ESPOCRM_MCP_TEST_DATABASE_URL or --pg URL
//     (dropped at the end); without a URL, SQLite only (and it says so).
// The fill goes straight into the `audit` table (multi-row INSERTs in transactions, the columns filled as
// SqlStore.insert fills them, `entry` the line's JSON); its time is reported apart, not as a ratio. Bare
// tables on the same connection, with the same durability settings: `bare(id, body)` holds the same lines
// (the same JSON text, id = seq), `bare_changes(id, body)` the change lines only.
// Then, alternately (ours, the bare baseline, the bare baseline with JSON.parse of each line), after a
// warm-up, with a random tenant or line each time, median and p95 of:
//   - undo lookup: findChange(a random existing changeId) vs SELECT body FROM bare WHERE id = ? (that line);
//   - list_changes: listChanges of one tenant (first page of 50, second page with `before`, filters on
//     tool+outcome, changes only, since, a caller matching nothing) and of all 100 tenants, vs
//     SELECT body FROM bare WHERE id > ? ORDER BY id LIMIT k, k the number of lines ours returned (a page
//     of 50 when ours returns none), from `bare_changes` (marked †) when ours returns change lines only;
//   - customization hint: layoutChanges(tenant, 'Lead', 'detail'), and recentChanges(tenant, 5) (and
//     undo_change's and rebuild's variants), vs the same range SELECT on bare_changes;
//   - change append: store.append(a layout change) vs a bare single-row INSERT of the same JSON into `bare`.
// Ratio = ours / bare (medians; p95s). Each operation runs up to --iterations times (1,000; appends 500),
// fewer when a round takes long (a 20 s budget, at least 5 runs). Also prints the plan of every statement
// the store ran for these (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL), flagging a scan of audit
// without an index, a walk of the whole table in seq order, and a sort of every matching line.
// Usage: npm run build && node bench/store.mjs [--rows N] [--pg URL | --no-pg] [--iterations N] [--append-iterations N]
// Writes bench/results/store.json (when run alone). `npm run bench` runs it at 100,000 lines with fewer
// iterations (BENCH_FULL=1: 1,000,000; BENCH_STORE_ROWS=N: N).
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SqliteSql } from '../dist/store/sqlite.js';
import { SqlStore } from '../dist/store/store.js';
import { boundArgs } from '../dist/store/entry.js';
import { DEFAULT_RETENTION } from '../dist/store/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TENANTS = 100;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------------
// Deterministic data

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tenantId = (i) => `client-${String(i).padStart(3, '0')}`;
const ENTITIES = ['Lead', 'Contact', 'Account', 'Opportunity', 'Case'];
const LAYOUTS = ['detail', 'list', 'edit', 'detailSmall', 'listSmall'];
const FIELDS = [
  'name', 'firstName', 'lastName', 'salutationName', 'emailAddress', 'phoneNumber', 'accountName', 'title', 'website',
  'addressStreet', 'addressCity', 'addressState', 'addressPostalCode', 'addressCountry', 'description', 'status', 'source',
  'industry', 'assignedUser', 'teams', 'createdAt', 'modifiedAt', 'opportunityAmount', 'campaign', 'doNotCall', 'stage',
  'probability', 'closeDate', 'leadSource', 'priority', 'type', 'billingAddress', 'shippingAddress', 'sicCode',
];
const customField = (r) => `c${['Region', 'Segment', 'Vat', 'Score', 'Partner', 'Budget', 'Origin', 'Tier'][Math.floor(r() * 8)]}${Math.floor(r() * 40)}`;
const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

/** A detail-style layout (panels of rows of cells) of about `bytes` of JSON. */
function detailLayout(r, bytes) {
  const panels = [];
  let size = 2;
  while (size < bytes) {
    const panel = { customLabel: pick(r, ['Overview', 'Details', 'Address', 'Billing', 'Custom', 'Sales']), style: pick(r, ['default', 'success', 'info']), tabBreak: r() < 0.2, rows: [] };
    const nRows = 3 + Math.floor(r() * 6);
    for (let i = 0; i < nRows; i++) {
      const cell = () => (r() < 0.2 ? { name: customField(r), noLabel: r() < 0.3 } : { name: pick(r, FIELDS) });
      panel.rows.push(r() < 0.15 ? [{ name: 'description', fullWidth: true }] : [cell(), r() < 0.1 ? false : cell()]);
    }
    panels.push(panel);
    size += JSON.stringify(panel).length + 1;
  }
  return panels;
}

/** A list-style layout (columns) of about `bytes` of JSON. */
function listLayout(r, bytes) {
  const cols = [];
  let size = 2;
  while (size < bytes) {
    const col = { name: r() < 0.2 ? customField(r) : pick(r, FIELDS), width: 5 + Math.floor(r() * 25), link: r() < 0.15, notSortable: r() < 0.1, align: pick(r, ['left', 'right']) };
    cols.push(col);
    size += JSON.stringify(col).length + 1;
  }
  return cols;
}

function layoutPair(r, layout) {
  const bytes = 900 + Math.floor(r() * 900);
  const before = layout.startsWith('list') ? listLayout(r, bytes) : detailLayout(r, bytes);
  const after = structuredClone(before);
  if (Array.isArray(after) && after[0]?.rows) after[0].rows.unshift([{ name: customField(r) }, { name: pick(r, FIELDS) }]);
  else after.splice(1, 0, { name: customField(r), width: 12 });
  return { before, after };
}

function fieldDef(r) {
  const type = pick(r, ['varchar', 'enum', 'int', 'float', 'bool', 'date', 'text', 'multiEnum', 'currency']);
  const def = { type, isCustom: true, required: r() < 0.2, audited: r() < 0.3, tooltip: r() < 0.3, default: null, maxLength: type === 'varchar' ? 100 : undefined };
  if (type === 'enum' || type === 'multiEnum') {
    def.options = Array.from({ length: 4 + Math.floor(r() * 10) }, (_, i) => `Option ${i} ${pick(r, FIELDS)}`);
    def.style = Object.fromEntries(def.options.slice(0, 3).map((o) => [o, pick(r, ['success', 'danger', 'info', null])]));
  }
  return def;
}

const PRINCIPALS = ['agency-admin', 'ops-bot', 'alice@agency.example', 'bob@agency.example', 'ci-deploy'];
const CHANGE_KINDS = [
  ['layout', 0.55],
  ['field_create', 0.2],
  ['field_update', 0.12],
  ['field_delete', 0.08],
  ['undo', 0.05],
];
const CALL_TOOLS = [
  ['edit_layout', 0.35],
  ['create_custom_field', 0.2],
  ['update_custom_field', 0.15],
  ['delete_custom_field', 0.08],
  ['reset_layout', 0.07],
  ['rebuild', 0.05],
  ['merge_duplicates', 0.05],
  ['undo_change', 0.05],
];
const CALL_OUTCOMES = [
  ['refused', 0.5],
  ['planned', 0.25],
  ['dry_run', 0.15],
  ['failed', 0.05],
  ['unchanged', 0.05],
];
function weighted(r, table) {
  let x = r();
  for (const [v, w] of table) {
    if ((x -= w) < 0) return v;
  }
  return table[0][0];
}

function argsFor(r, tool, tenant, entity, target) {
  switch (tool) {
    case 'edit_layout':
      return {
        tenant, entity, layout: target ?? pick(r, LAYOUTS), dryRun: r() < 0.5, baseFingerprint: randomHex(r, 16),
        operations: Array.from({ length: 1 + Math.floor(r() * 4) }, () => ({ op: pick(r, ['move', 'add', 'remove']), field: pick(r, FIELDS), to: { panel: Math.floor(r() * 3), row: Math.floor(r() * 8), column: Math.floor(r() * 2) } })),
      };
    case 'reset_layout':
      return { tenant, entity, layout: target ?? pick(r, LAYOUTS), confirm: `${randomHex(r, 8)}…` };
    case 'create_custom_field':
    case 'update_custom_field':
      return { tenant, entity, name: target ?? customField(r), definition: fieldDef(r), layouts: r() < 0.5 ? ['detail', 'list'] : ['detail'], dryRun: r() < 0.3 };
    case 'delete_custom_field':
      return { tenant, entity, name: target ?? customField(r), confirm: `${randomHex(r, 8)}…` };
    case 'undo_change':
      return { tenant, changeId: `chg_${randomHex(r, 8)}`, confirm: `${randomHex(r, 8)}…` };
    case 'rebuild':
      return { tenant, clearCache: true };
    default:
      return { tenant, entity, ids: Array.from({ length: 2 + Math.floor(r() * 3) }, () => randomHex(r, 17)), keep: randomHex(r, 17) };
  }
}
function randomHex(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
}

const KIND_TOOL = { layout: 'edit_layout', field_create: 'create_custom_field', field_update: 'update_custom_field', field_delete: 'delete_custom_field', undo: 'undo_change' };

/**
 * The N lines, in batches, as SqlStore.insert would write them (the 13 audit columns, `entry` the line's
 * JSON). Deterministic. Collects the applied changes' ids (undo lookups) and the undos to mark.
 */
function* lines(n, batchSize, seed, out) {
  const r = mulberry32(seed);
  const start = Date.now() - 365 * DAY_MS;
  const step = (365 * DAY_MS - 60_000) / n;
  const lastChanges = Array.from({ length: TENANTS }, () => []);
  let batch = [];
  for (let i = 0; i < n; i++) {
    const t = Math.floor(r() * TENANTS);
    const tenant = tenantId(t);
    const tsMs = Math.floor(start + i * step);
    const principal = pick(r, PRINCIPALS);
    const base = { ts: new Date(tsMs).toISOString() };
    let entry;
    let cols;
    if (r() < 0.1) {
      const kind = weighted(r, CHANGE_KINDS);
      const entity = pick(r, ENTITIES);
      const changeId = `chg_${tsMs.toString(36)}_${(i >>> 0).toString(16).padStart(8, '0')}`;
      const outcome = r() < 0.97 ? 'applied' : 'partial';
      let change;
      let tool = KIND_TOOL[kind];
      if (kind === 'layout') {
        const layout = pick(r, LAYOUTS);
        if (r() < 0.2) tool = 'reset_layout';
        change = { kind, entity, layout, ...layoutPair(r, layout), ...(tool === 'reset_layout' ? { customizedBefore: true } : {}) };
      } else if (kind === 'field_create') {
        const field = customField(r);
        const l = layoutPair(r, 'detail');
        change = { kind, entity, field, before: null, after: fieldDef(r), related: [{ layout: 'detail', before: l.before, after: l.after }] };
      } else if (kind === 'field_update') {
        change = { kind, entity, field: customField(r), before: fieldDef(r), after: fieldDef(r) };
      } else if (kind === 'field_delete') {
        const l = layoutPair(r, 'detail');
        change = { kind, entity, field: customField(r), before: fieldDef(r), after: null, related: [{ layout: 'detail', before: l.after, after: l.before }] };
      } else {
        const targets = lastChanges[t];
        const undoes = targets.length > 0 ? targets.splice(Math.floor(r() * targets.length), 1)[0] : undefined;
        const layout = pick(r, LAYOUTS);
        const l = layoutPair(r, layout);
        change = { kind, entity, layout, before: l.after, after: l.before, ...(undoes ? { undoes } : {}) };
        if (undoes && outcome === 'applied') out.undos.push([changeId, undoes, tenant]);
      }
      const target = change.layout ?? change.field ?? null;
      entry = {
        ...base, changeId, tenant, principal, auth: r() < 0.7 ? 'token' : 'jwt', tool,
        args: boundArgs(argsFor(r, tool, tenant, entity, kind === 'layout' || kind.startsWith('field') ? target : undefined)), outcome,
        summary: `${entity} ${target ?? ''}: ${kind.replace('_', ' ')} (${Math.floor(r() * 5) + 1} operations)`,
        change, instance: { siteUrl: `https://crm.${tenant}.example.com`, version: pick(r, ['9.1.7', '9.1.8', '9.2.0']) },
      };
      if (kind !== 'undo') {
        lastChanges[t].push(changeId);
        if (lastChanges[t].length > 50) lastChanges[t].shift();
      }
      out.changeIds.push(changeId);
      out.changeSeqs.push(i + 1); // the table is empty before: seq i + 1
      cols = [tsMs, tenant, changeId, 1, tool, principal, outcome, kind, entity, target, change.undoes ?? null, null];
    } else {
      const tool = weighted(r, CALL_TOOLS);
      const outcome = weighted(r, CALL_OUTCOMES);
      const entity = pick(r, ENTITIES);
      entry = { ...base, tenant, principal, auth: r() < 0.7 ? 'token' : 'jwt', tool, args: boundArgs(argsFor(r, tool, tenant, entity)), outcome };
      if (outcome === 'refused') entry.error = pick(r, [
        `The caller ${principal} may not write to tenant ${tenant}: its policy allows read tools only.`,
        'Confirmation required: call again with the confirm token this call returned (valid 5 minutes).',
        `Rate limit: ${tenant} allows 120 calls a minute; retry in ${Math.floor(r() * 50) + 1} s.`,
        'The base fingerprint does not match the layout EspoCRM serves now: read it again with get_layout.',
      ]);
      else if (outcome === 'failed') entry.error = `EspoCRM answered 500 on PUT ${entity}/layout/detail: Internal Server Error (request ${randomHex(r, 12)})`;
      else entry.summary = `${entity}: ${outcome === 'unchanged' ? 'nothing to change' : `would ${tool.replace('_', ' ')}`} (${Math.floor(r() * 5) + 1} operations)`;
      cols = [tsMs, tenant, null, 0, tool, principal, outcome, null, null, null, null, null];
    }
    cols.push(JSON.stringify(entry));
    batch.push(cols);
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

const AUDIT_COLUMNS = 'ts_ms, tenant, change_id, is_change, tool, principal, outcome, kind, entity, target, undoes, import_key, entry';

// ---------------------------------------------------------------------------------------------------
// Engines

async function sqliteEngine() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-store-'));
  const file = path.join(dir, 'store.sqlite');
  const sql = await SqliteSql.open(file);
  const store = await SqlStore.open(sql, file);
  const version = (await sql.all('SELECT sqlite_version() AS v'))[0].v;
  return {
    name: 'SQLite',
    sql,
    store,
    info: { engine: `SQLite ${version} (${sql.driver}), WAL, synchronous=FULL, file in ${os.tmpdir()}` },
    bareDdl: 'CREATE TABLE bare (id INTEGER PRIMARY KEY, body TEXT NOT NULL)',
    async fill(n, seed, out) {
      const BATCH = 500; // 13 × 500 parameters per statement
      const TX_BATCHES = 100;
      const statement = (k) => `INSERT INTO audit (${AUDIT_COLUMNS}) VALUES ${Array.from({ length: k }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
      const it = lines(n, BATCH, seed, out);
      let done = false;
      while (!done) {
        await sql.tx(async (t) => {
          for (let b = 0; b < TX_BATCHES; b++) {
            const next = it.next();
            if (next.done) {
              done = true;
              return;
            }
            const q0 = performance.now();
            await t.run(statement(next.value.length), next.value.flat());
            out.insertMs += performance.now() - q0;
          }
        });
      }
    },
    async markUndos(undos) {
      await sql.tx(async (t) => {
        for (const [undo, target, tenant] of undos) await t.run('UPDATE audit SET undone_by = ? WHERE change_id = ? AND tenant = ?', [undo, target, tenant]);
      });
    },
    async copyBare() {
      await sql.run(this.bareDdl);
      await sql.run('INSERT INTO bare (id, body) SELECT seq, entry FROM audit ORDER BY seq');
      await sql.run(this.bareDdl.replace('bare', 'bare_changes'));
      await sql.run('INSERT INTO bare_changes (body) SELECT entry FROM audit WHERE is_change = 1 ORDER BY seq');
      await sql.all('PRAGMA wal_checkpoint(TRUNCATE)');
    },
    async sizes() {
      const s = await stat(file);
      return { file: s.size };
    },
    explain: async (q, params) => (await sql.all(`EXPLAIN QUERY PLAN ${q}`, params)).map((row) => row.detail).join('\n'),
    flags: (plan) => [
      ...(/\bSCAN audit\b(?! USING)/.test(plan) ? ['full scan of audit (in seq order: it stops at the LIMIT only once enough lines match)'] : []),
      ...(/USE TEMP B-TREE FOR ORDER BY/.test(plan) ? ['sorts: every matching line is read before the LIMIT applies'] : []),
    ],
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function postgresEngine(url) {
  const pg = (await import('pg')).default;
  const { PostgresSql, describeDatabaseUrl } = await import('../dist/store/postgres.js');
  const name = `bench_store_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  let sql;
  let store;
  try {
    sql = await PostgresSql.open(u.toString());
    store = await SqlStore.open(sql, describeDatabaseUrl(u.toString()));
  } catch (err) {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    throw err;
  }
  const version = (await sql.all('SHOW server_version'))[0].server_version;
  const settings = Object.fromEntries((await sql.all("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers')")).map((r) => [r.name, r.setting]));
  return {
    name: 'PostgreSQL',
    sql,
    store,
    info: {
      engine: `PostgreSQL ${version} on loopback (pg pool of 5), fsync=${settings.fsync}, synchronous_commit=${settings.synchronous_commit}, shared_buffers=${Math.round((Number(settings.shared_buffers) * 8) / 1024)} MB`,
      settings,
    },
    bareDdl: 'CREATE TABLE bare (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)',
    async fill(n, seed, out) {
      // One statement per 5,000 lines: 13 arrays, unnested into rows.
      const types = ['bigint', 'text', 'text', 'int', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'];
      const statement = `INSERT INTO audit (${AUDIT_COLUMNS}) SELECT * FROM unnest(${types.map((t) => `?::${t}[]`).join(', ')})`;
      const it = lines(n, 5_000, seed, out);
      let done = false;
      while (!done) {
        await sql.tx(async (t) => {
          for (let b = 0; b < 10; b++) {
            const next = it.next();
            if (next.done) {
              done = true;
              return;
            }
            const columns = types.map((_, c) => next.value.map((row) => row[c]));
            const q0 = performance.now();
            await t.run(statement, columns);
            out.insertMs += performance.now() - q0;
          }
        });
      }
    },
    async markUndos(undos) {
      await sql.tx(async (t) => {
        for (const [undo, target, tenant] of undos) await t.run('UPDATE audit SET undone_by = ? WHERE change_id = ? AND tenant = ?', [undo, target, tenant]);
      });
    },
    async copyBare() {
      await sql.run(this.bareDdl);
      await sql.run('INSERT INTO bare (id, body) SELECT seq, entry FROM audit ORDER BY seq');
      await sql.run("SELECT setval(pg_get_serial_sequence('bare', 'id'), (SELECT MAX(id) FROM bare))");
      await sql.run(this.bareDdl.replace('bare', 'bare_changes'));
      await sql.run('INSERT INTO bare_changes (body) SELECT entry FROM audit WHERE is_change = 1 ORDER BY seq');
      await sql.run('VACUUM ANALYZE bare_changes');
      // What autovacuum does after a bulk load: statistics and the visibility map.
      await sql.run('VACUUM ANALYZE audit');
      await sql.run('VACUUM ANALYZE bare');
    },
    async sizes() {
      const rows = await sql.all("SELECT pg_total_relation_size('audit') AS audit, pg_total_relation_size('bare') AS bare, pg_database_size(current_database()) AS db");
      return { audit: Number(rows[0].audit), bare: Number(rows[0].bare), db: Number(rows[0].db) };
    },
    explain: async (q, params) => (await sql.all(`EXPLAIN ${q}`, params)).map((row) => row['QUERY PLAN']).join('\n'),
    flags: (plan) => [
      ...(/Seq Scan on audit/.test(plan) ? ['full scan of audit (Seq Scan)'] : []),
      ...(/Index Scan Backward using audit_pkey/.test(plan) ? ['walks the whole table in seq order (audit_pkey) until the LIMIT is met'] : []),
      ...(/(^|->\s+)Sort\b/m.test(plan) ? ['sorts: every matching line is read before the LIMIT applies'] : []),
    ],
    async close() {
      await store.close().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** The same engine, recording every statement the store runs (for the plans); DELETEs are recorded, not run. */
function recording(sql, log) {
  const wrap = (s) => ({
    dialect: s.dialect,
    all: (q, p = []) => (log.push([q, p]), s.all(q, p)),
    run: (q, p = []) => (log.push([q, p]), /^\s*DELETE\b/i.test(q) ? Promise.resolve({ changes: 0 }) : s.run(q, p)),
    tx: (fn) => s.tx((t) => fn(wrap(t))),
    close: async () => undefined,
  });
  return wrap(sql);
}

// ---------------------------------------------------------------------------------------------------
// Measurement

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const quantile = (xs, q) => {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** Runs the variants alternately (the order rotating), after a warm-up; returns each one's times. */
async function alternate(variants, iterations, warmup, prepare) {
  const times = variants.map(() => []);
  for (let i = 0; i < warmup + iterations; i++) {
    const input = prepare(i);
    for (let k = 0; k < variants.length; k++) {
      const v = (i + k) % variants.length;
      const t0 = performance.now();
      await variants[v](input);
      const ms = performance.now() - t0;
      if (i >= warmup) times[v].push(ms);
    }
  }
  return times;
}

function newChange(r, tenant) {
  const entity = pick(r, ENTITIES);
  const layout = pick(r, LAYOUTS);
  return {
    changeId: `chg_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`,
    tenant,
    principal: 'agency-admin',
    auth: 'token',
    tool: 'edit_layout',
    args: argsFor(r, 'edit_layout', tenant, entity, layout),
    outcome: 'applied',
    summary: `${entity} ${layout} layout: added 1 field, moved 2`,
    change: { kind: 'layout', entity, layout, ...layoutPair(r, layout) },
    instance: { siteUrl: `https://crm.${tenant}.example.com`, version: '9.1.7' },
  };
}

async function benchEngine(engine, { rows: n, iterations, appendIterations, seed }) {
  const { sql, store } = engine;
  const out = { changeIds: [], changeSeqs: [], undos: [], insertMs: 0 };
  console.error(`${engine.name}: filling ${n.toLocaleString('en')} lines…`);
  let t0 = performance.now();
  await engine.fill(n, seed, out);
  await engine.markUndos(out.undos);
  const fillMs = performance.now() - t0;
  t0 = performance.now();
  await engine.copyBare();
  const bareMs = performance.now() - t0;
  const sizes = await engine.sizes();
  console.error(`${engine.name}: filled in ${(fillMs / 1000).toFixed(1)} s (${(out.insertMs / 1000).toFixed(1)} s in INSERTs; bare copy ${(bareMs / 1000).toFixed(1)} s), ${JSON.stringify(sizes)}`);
  const avg = (await sql.all('SELECT AVG(LENGTH(entry)) AS a, AVG(CASE WHEN is_change = 1 THEN LENGTH(entry) END) AS c FROM audit'))[0];

  const r = mulberry32(seed + 1);
  const tenants = Array.from({ length: TENANTS }, (_, i) => tenantId(i));
  const randomTenant = () => pick(r, tenants);
  const randomId = (below) => 1 + Math.floor(r() * Math.max(1, below));
  const check = await sql.all('SELECT seq FROM audit WHERE change_id = ?', [out.changeIds.at(-1)]);
  if (Number(check[0]?.seq) !== out.changeSeqs.at(-1)) throw new Error(`seq of ${out.changeIds.at(-1)}: ${check[0]?.seq}, expected ${out.changeSeqs.at(-1)}`);
  const bareSize = { bare: n, bare_changes: out.changeIds.length };

  // Per tenant: the second page's cursor.
  const second = new Map();
  for (const t of tenants) second.set(t, (await store.listChanges({ tenants: [t], limit: 50 })).next);

  const since7 = new Date(Date.now() - 7 * DAY_MS).toISOString();
  const FIELD_KINDS = ['field_create', 'field_update', 'field_delete'];
  const UNDO_KINDS = ['layout', 'field_create', 'field_update', 'field_delete'];
  // Each operation: ours(tenant), and the bare table whose lines are like the ones it returns (`bare`: all
  // lines, ~10% changes; `bare_changes`: the change lines only). The baseline reads as many lines by id
  // range (`page`: a page of 50 whatever ours returns), or the very line (findChange).
  const ops = [
    { op: 'undo lookup: findChange(random changeId)', undo: true },
    { op: 'list_changes: one tenant, first page of 50', ours: (t) => store.listChanges({ tenants: [t], limit: 50 }), table: 'bare' },
    { op: 'list_changes: one tenant, 2nd page (before)', ours: (t) => store.listChanges({ tenants: [t], limit: 50, before: second.get(t) }), table: 'bare' },
    { op: 'list_changes: one tenant, tool=edit_layout + outcome=refused', ours: (t) => store.listChanges({ tenants: [t], limit: 50, tool: 'edit_layout', outcome: 'refused' }), table: 'bare' },
    { op: 'list_changes: one tenant, tool=delete_custom_field + outcome=applied (rare)', ours: (t) => store.listChanges({ tenants: [t], limit: 50, tool: 'delete_custom_field', outcome: 'applied' }), table: 'bare_changes' },
    { op: 'list_changes: one tenant, changes only', ours: (t) => store.listChanges({ tenants: [t], limit: 50, changesOnly: true }), table: 'bare_changes' },
    { op: 'list_changes: one tenant, since 7 days ago', ours: (t) => store.listChanges({ tenants: [t], limit: 50, since: since7 }), table: 'bare' },
    { op: 'list_changes: one tenant, caller matching no line (worst case)', ours: (t) => store.listChanges({ tenants: [t], limit: 50, principal: 'nobody' }), table: 'bare', page: true },
    { op: 'list_changes: all 100 tenants, first page of 50', all: true, ours: () => store.listChanges({ tenants, limit: 50 }), table: 'bare' },
    { op: 'list_changes: all 100 tenants, tool=delete_custom_field + outcome=applied', all: true, ours: () => store.listChanges({ tenants, limit: 50, tool: 'delete_custom_field', outcome: 'applied' }), table: 'bare_changes' },
    { op: 'list_changes: all 100 tenants, caller matching no line (worst case)', all: true, ours: () => store.listChanges({ tenants, limit: 50, principal: 'nobody' }), table: 'bare', page: true },
    { op: "customization hint: layoutChanges(tenant, 'Lead', 'detail')", ours: (t) => store.layoutChanges(t, 'Lead', 'detail'), table: 'bare_changes' },
    { op: 'recentChanges(tenant, 5)', ours: (t) => store.recentChanges(t, 5), table: 'bare_changes' },
    { op: "recentChanges(tenant, 5, 4 kinds) (undo_change's list)", ours: (t) => store.recentChanges(t, 5, UNDO_KINDS), table: 'bare_changes' },
    { op: "recentChanges(tenant, 200, field kinds) (rebuild's check)", ours: (t) => store.recentChanges(t, 200, FIELD_KINDS), table: 'bare_changes' },
  ];
  const linesOf = (res) => (Array.isArray(res) ? res.length : res.entries.length);
  // The plans of what the store runs for each operation (recorded on a second SqlStore over the same engine).
  const log = [];
  const recorder = await SqlStore.open(recording(sql, log), 'recording');
  const plans = [];
  const explainAll = async (op, call) => {
    log.length = 0;
    const t0 = performance.now();
    await call();
    const ms = performance.now() - t0; // one call, for information (DELETEs not run)
    const seen = new Set();
    for (const [q, p] of log) {
      if (seen.has(q) || /^(BEGIN|COMMIT|ROLLBACK)/.test(q)) continue;
      seen.add(q);
      const plan = await engine.explain(q, p);
      plans.push({ op, ms, sql: q, plan, flags: engine.flags(plan) });
    }
  };
  const sample = { t: tenants[7], id: out.changeIds[Math.floor(out.changeIds.length / 2)] };
  await explainAll('findChange', () => recorder.findChange(sample.id));
  await explainAll('listChanges one tenant', () => recorder.listChanges({ tenants: [sample.t], limit: 50 }));
  await explainAll('listChanges one tenant, before', () => recorder.listChanges({ tenants: [sample.t], limit: 50, before: second.get(sample.t) }));
  await explainAll('listChanges tool+outcome', () => recorder.listChanges({ tenants: [sample.t], limit: 50, tool: 'edit_layout', outcome: 'refused' }));
  await explainAll('listChanges tool+outcome rare', () => recorder.listChanges({ tenants: [sample.t], limit: 50, tool: 'delete_custom_field', outcome: 'applied' }));
  await explainAll('listChanges changesOnly', () => recorder.listChanges({ tenants: [sample.t], limit: 50, changesOnly: true }));
  await explainAll('listChanges principal (none matches)', () => recorder.listChanges({ tenants: [sample.t], limit: 50, principal: 'nobody' }));
  await explainAll('listChanges since', () => recorder.listChanges({ tenants: [sample.t], limit: 50, since: since7 }));
  await explainAll('listChanges all tenants', () => recorder.listChanges({ tenants, limit: 50 }));
  await explainAll('listChanges all tenants tool+outcome rare', () => recorder.listChanges({ tenants, limit: 50, tool: 'delete_custom_field', outcome: 'applied' }));
  await explainAll('listChanges all tenants principal (none matches)', () => recorder.listChanges({ tenants, limit: 50, principal: 'nobody' }));
  await explainAll('layoutChanges', () => recorder.layoutChanges(sample.t, 'Lead', 'detail'));
  await explainAll('recentChanges', () => recorder.recentChanges(sample.t, 5));
  await explainAll('recentChanges kinds', () => recorder.recentChanges(sample.t, 5, ['layout', 'field_create', 'field_update', 'field_delete']));
  await explainAll('append (an undo: marks the undone change)', () => recorder.append({ ...newChange(r, sample.t), tool: 'undo_change', change: { kind: 'undo', entity: 'Lead', layout: 'detail', before: [], after: [], undoes: sample.id } }));
  await explainAll('each(tenant) (export)', () => recorder.each({ tenant: sample.t }, () => undefined));
  await explainAll('prune with the default retention (its DELETEs explained, not run)', () => recorder.prune(sample.t, DEFAULT_RETENTION));

  const results = [];
  const summarize = (op, rowsReturned, runs, [o, b, p]) => {
    const row = {
      op, rows: rowsReturned, runs,
      ours: { median: quantile(o, 0.5), p95: quantile(o, 0.95) },
      bare: { median: quantile(b, 0.5), p95: quantile(b, 0.95) },
      bareParsed: p ? { median: quantile(p, 0.5), p95: quantile(p, 0.95) } : undefined,
    };
    row.ratio = { median: row.ours.median / row.bare.median, p95: row.ours.p95 / row.bare.p95 };
    if (row.bareParsed) row.ratioParsed = { median: row.ours.median / row.bareParsed.median, p95: row.ours.p95 / row.bareParsed.p95 };
    results.push(row);
    console.error(`${engine.name}: ${op}: ${fmt(row.ours.median)} vs ${fmt(row.bare.median)}, ratio ${row.ratio.median.toFixed(2)} (${runs} runs)`);
  };
  const bare = (q) => (x) => sql.all(q, x.p);
  const bareParsed = (q) => async (x) => (await sql.all(q, x.p)).map((row) => JSON.parse(row.body));
  /** A warm-up, then as many runs as fit in BUDGET_MS (at least 5, at most `iterations`). */
  const BUDGET_MS = 20_000;
  const measure = async (variants, prepare) => {
    const w = await alternate(variants, 3, 0, prepare);
    const round = w.reduce((sum, ts) => sum + quantile(ts, 0.5), 0);
    const runs = Math.max(5, Math.min(iterations, Math.floor(BUDGET_MS / Math.max(round, 1e-3))));
    return { runs, times: await alternate(variants, runs, Math.min(100, Math.ceil(runs / 10)), prepare) };
  };

  for (const o of ops) {
    if (o.undo) {
      const ONE = 'SELECT body FROM bare WHERE id = ?';
      const prepare = () => {
        const j = Math.floor(r() * out.changeIds.length);
        return { id: out.changeIds[j], p: [out.changeSeqs[j]] }; // the baseline reads the very same line
      };
      const { runs, times } = await measure([(x) => store.findChange(x.id), bare(ONE), bareParsed(ONE)], prepare);
      summarize(o.op, 1, runs, times);
      continue;
    }
    // How many lines ours returns (per tenant), for the baseline to read as many.
    const count = new Map();
    for (const t of o.all ? [tenants[0]] : tenants) count.set(t, linesOf(await o.ours(t)));
    const counts = [...count.values()];
    const returned = Math.min(...counts) === Math.max(...counts) ? counts[0] : `${Math.min(...counts)}-${Math.max(...counts)}`;
    const q = `SELECT body FROM ${o.table} WHERE id > ? ORDER BY id LIMIT ?`;
    const prepare = () => {
      const t = o.all ? tenants[0] : randomTenant();
      const k = o.page ? 50 : count.get(t);
      return { t, p: [randomId(bareSize[o.table] - k), k] };
    };
    const { runs, times } = await measure([(x) => o.ours(x.t), bare(q), bareParsed(q)], prepare);
    summarize(`${o.op}${o.table === 'bare_changes' ? ' †' : ''}`, returned, runs, times);
  }

  // Appends last (they add lines). The bare INSERT is one autocommitted statement; the store's is a transaction.
  const appendTimes = await alternate(
    [(e) => store.append(e), (e) => sql.run('INSERT INTO bare (body) VALUES (?)', [JSON.stringify({ ...e, ts: new Date().toISOString() })])],
    appendIterations,
    Math.min(50, appendIterations),
    () => newChange(r, randomTenant()),
  );
  summarize('change append: store.append(layout change, ~2-4 KB)', '-', appendIterations, appendTimes);

  return {
    engine: engine.name,
    info: engine.info,
    fill: { ms: fillMs, insertMs: out.insertMs, bareCopyMs: bareMs, rowsPerSecond: n / (fillMs / 1000), sizes, avgEntryBytes: Number(avg.a), avgChangeEntryBytes: Number(avg.c), changes: out.changeIds.length, undosMarked: out.undos.length },
    results,
    plans,
  };
}

// ---------------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rows') opts.rows = Number(argv[++i]);
    else if (a === '--pg') opts.pg = argv[++i];
    else if (a === '--no-pg') opts.pg = null;
    else if (a === '--iterations') opts.iterations = Number(argv[++i]);
    else if (a === '--append-iterations') opts.appendIterations = Number(argv[++i]);
    else throw new Error(`unknown argument ${a} (--rows N, --pg URL, --no-pg, --iterations N, --append-iterations N)`);
  }
  return opts;
}

export function storeTable(report) {
  const lines = [
    '| engine | operation | lines returned | runs | ours median / p95 | bare median / p95 | ratio median | ratio p95 | ratio vs bare + JSON.parse (median) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const e of report.engines) {
    for (const r of e.results) {
      lines.push(
        `| ${e.engine} | ${r.op} | ${r.rows} | ${r.runs} | ${fmt(r.ours.median)} / ${fmt(r.ours.p95)} | ${fmt(r.bare.median)} / ${fmt(r.bare.p95)} | ` +
          `${r.ratio.median.toFixed(2)} | ${r.ratio.p95.toFixed(2)} | ${r.ratioParsed ? r.ratioParsed.median.toFixed(2) : '-'} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Runs the benchmark; returns the full report. */
export async function runStoreBench(opts = {}) {
  const rows = opts.rows ?? 1_000_000;
  const iterations = opts.iterations ?? 1_000;
  const appendIterations = opts.appendIterations ?? 500;
  const pgUrl = opts.pg === undefined ? process.env.ESPOCRM_MCP_TEST_DATABASE_URL : opts.pg;
  const seed = 16;
  const report = {
    date: new Date().toISOString(),
    machine: { cpu: `${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}`, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` },
    rows, tenants: TENANTS, iterations, appendIterations,
    engines: [],
  };
  const factories = [() => sqliteEngine()];
  if (pgUrl) factories.push(() => postgresEngine(pgUrl));
  else console.log('PostgreSQL: skipped (no ESPOCRM_MCP_TEST_DATABASE_URL and no --pg URL): SQLite only.');
  for (const make of factories) {
    const engine = await make();
    try {
      report.engines.push(await benchEngine(engine, { rows, iterations, appendIterations, seed }));
    } finally {
      await engine.close();
    }
  }
  return report;
}

/** For bench/run.mjs: 100,000 lines (BENCH_FULL=1: 1,000,000; BENCH_STORE_ROWS=N), ratios as rows. */
export async function benchStore() {
  const rows = Number(process.env.BENCH_STORE_ROWS ?? (process.env.BENCH_FULL === '1' ? 1_000_000 : 100_000));
  const report = await runStoreBench({ rows, iterations: 300, appendIterations: 200 });
  return report.engines.flatMap((e) =>
    e.results.map((r) => ({ name: `store ${e.engine} ${rows.toLocaleString('en')} lines: ${r.op}`, ours: r.ours.median, baseline: r.bare.median, baselineName: 'bare table' })),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await runStoreBench(parseArgs(process.argv.slice(2)));
  console.log(`\nmachine: ${report.machine.cpu}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}; ${report.rows.toLocaleString('en')} lines over ${report.tenants} tenants`);
  for (const e of report.engines) {
    const f = e.fill;
    console.log(
      `${e.engine}: ${e.info.engine}. Fill: ${(f.ms / 1000).toFixed(1)} s (${Math.round(f.rowsPerSecond).toLocaleString('en')} lines/s), ${f.changes.toLocaleString('en')} changes, ` +
        `average line ${Math.round(f.avgEntryBytes)} B (changes ${Math.round(f.avgChangeEntryBytes)} B); bare copy ${(f.bareCopyMs / 1000).toFixed(1)} s; sizes ${JSON.stringify(f.sizes)}`,
    );
  }
  console.log(`\n${storeTable(report)}\n`);
  for (const e of report.engines) {
    console.log(`\n### ${e.engine}: plans\n`);
    for (const p of e.plans) {
      console.log(`- ${p.op} (one call: ${fmt(p.ms)})${p.flags.length > 0 ? ` — ${p.flags.join('; ')}` : ''}\n  \`${p.sql}\`\n${p.plan.split('\n').map((l) => `    ${l}`).join('\n')}`);
    }
  }
  await mkdir(path.join(here, 'results'), { recursive: true });
  await writeFile(path.join(here, 'results', 'store.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten: bench/results/store.json`);
}
