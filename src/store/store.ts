/**
 * The store: the audit trail (every change with its before- and after-state, and every other write
 * call, bounded), one-time keys, kept results, rate windows and shared keys, over one SQL engine.
 * Every read is an indexed query: nothing scans the whole history.
 */
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Sql, SqlValue } from './sql.js';
import { checkNotNewer, migrate } from './migrations.js';
import { boundArgs, boundNote } from './entry.js';
import type { AuditEntry, ChangePage, ChangeQuery, ChangeRecord, HealthEntry, HealthStatus, NewEntry, NewSnapshot, RetentionPolicy, Snapshot, SnapshotInfo, SnapshotSummary, Store } from './types.js';
import { isRecord } from '../core/values.js';

const APPLIED = "('applied', 'partial')";
const DAY_MS = 86_400_000;

interface Row {
  seq: number;
  entry: string;
  undone_by: string | null;
}

function parse(row: Row): AuditEntry {
  const entry = JSON.parse(row.entry) as AuditEntry;
  if (row.undone_by) entry.undoneBy = row.undone_by;
  return entry;
}

function targetOf(change: ChangeRecord | undefined): string | null {
  if (!change) return null;
  return change.layout ?? change.field ?? null;
}

/** A tenant's lines are pruned at most this often per process, after an append. */
const PRUNE_EVERY_MS = 60_000;

/** Health checks kept per tenant: the newest this many (and none older than the tenant's calls retention). */
export const HEALTH_KEEP = 1_000;
/** A check's result JSON is kept whole up to this size; past it, only its status, version, latency and problems. */
const MAX_HEALTH_RESULT = 16_384;

interface HealthRow {
  tenant: string;
  ts_ms: number | string;
  status: string;
  version: string | null;
  latency_ms: number | string | null;
  result: string;
}

function parseHealth(row: HealthRow): HealthEntry {
  return {
    tenant: row.tenant,
    ts: new Date(Number(row.ts_ms)).toISOString(),
    status: row.status as HealthStatus,
    ...(row.version !== null ? { version: row.version } : {}),
    ...(row.latency_ms !== null ? { latencyMs: Number(row.latency_ms) } : {}),
    result: JSON.parse(row.result) as Record<string, unknown>,
  };
}

/** Snapshots kept per tenant: the newest this many (and none older than the tenant's changes retention). */
export const SNAPSHOT_KEEP = 100;
/** The largest snapshot kept, in bytes of JSON. */
export const MAX_SNAPSHOT_BYTES = 5 * 1024 * 1024;

/** A snapshot over the size the store keeps: nothing was kept. */
export class SnapshotTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly max: number,
  ) {
    super(
      `This snapshot is ${mb(bytes)} of JSON; the store keeps snapshots up to ${mb(max)}, so it was not kept. ` +
        'A customization this large (thousands of custom fields or layouts) is better kept as an EspoCRM backup of the instance.',
    );
    this.name = 'SnapshotTooLargeError';
  }
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;
}

interface SnapshotRow {
  seq: number | string;
  id: string;
  tenant: string;
  ts_ms: number | string;
  site_url: string | null;
  version: string | null;
  summary: string;
  bytes: number | string;
  data?: string;
}

const SNAPSHOT_COLUMNS = 'seq, id, tenant, ts_ms, site_url, version, summary, bytes';

function parseSnapshotInfo(row: SnapshotRow): SnapshotInfo {
  return {
    id: row.id,
    tenant: row.tenant,
    ts: new Date(Number(row.ts_ms)).toISOString(),
    instance: { ...(row.site_url !== null ? { siteUrl: row.site_url } : {}), ...(row.version !== null ? { version: row.version } : {}) },
    summary: JSON.parse(row.summary) as SnapshotSummary,
    bytes: Number(row.bytes),
  };
}

export interface SqlStoreOptions {
  /** Each tenant's retention; without it nothing is pruned (health checks are still bounded by `healthKeep`). */
  retention?: (tenant: string) => RetentionPolicy;
  /** Health checks kept per tenant (default `HEALTH_KEEP`). */
  healthKeep?: number;
  /** Snapshots kept per tenant (default `SNAPSHOT_KEEP`). */
  snapshotKeep?: number;
  /** The largest snapshot kept, in bytes of JSON (default `MAX_SNAPSHOT_BYTES`). */
  maxSnapshotBytes?: number;
  now?: () => number;
}

/**
 * The lines of a JSON Lines file, split on \n only: the first version wrote U+2028 and U+2029 raw,
 * and readline treats them as line ends since Node 24.
 */
async function* jsonLines(file: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    const parts = (rest + (chunk as string)).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
  }
  if (rest) yield rest;
}

export class SqlStore implements Store {
  readonly engine: 'sqlite' | 'postgres';
  private readonly lastPrune = new Map<string, number>();

  private constructor(
    private readonly sql: Sql,
    readonly location: string,
    private readonly opts: SqlStoreOptions,
  ) {
    this.engine = sql.dialect;
  }

  /** Opens a store on an engine: applies missing migrations, refuses a store newer than this code. */
  static async open(sql: Sql, location: string, opts: SqlStoreOptions = {}): Promise<SqlStore> {
    try {
      await migrate(sql);
      await checkNotNewer(sql);
    } catch (err) {
      await sql.close().catch(() => undefined);
      throw err;
    }
    return new SqlStore(sql, location, opts);
  }

  /**
   * Retention per tenant, never by global volume: after a tenant's line is appended, what its policy no
   * longer keeps goes. Changes and other calls are counted apart: refused calls never push a change out.
   */
  private async retain(tenant: string): Promise<void> {
    if (!this.opts.retention) return;
    const now = (this.opts.now ?? Date.now)();
    const last = this.lastPrune.get(tenant);
    if (last !== undefined && now - last < PRUNE_EVERY_MS) return;
    this.lastPrune.set(tenant, now);
    await this.prune(tenant, this.opts.retention(tenant), now).catch(() => 0);
  }

  async append(input: NewEntry): Promise<AuditEntry> {
    const entry: AuditEntry = {
      ...input,
      ts: input.ts ?? new Date().toISOString(),
      args: boundArgs(input.args),
    };
    const summary = boundNote(input.summary);
    const error = boundNote(input.error);
    if (summary !== undefined) entry.summary = summary;
    if (error !== undefined) entry.error = error;
    await this.insert(this.sql, entry, null);
    await this.retain(entry.tenant);
    return entry;
  }

  private async insert(sql: Sql, entry: AuditEntry, importKey: string | null): Promise<boolean> {
    const c = entry.change;
    const applied = entry.outcome === 'applied';
    const tsMs = Date.parse(entry.ts);
    // PostgreSQL text holds no NUL character; the entry's JSON escapes it, the indexed columns drop it.
    const col = (v: string | null | undefined): string | null => (v == null ? null : v.split('\u0000').join('\uFFFD'));
    const values: SqlValue[] = [
      Number.isFinite(tsMs) ? tsMs : Date.now(),
      col(entry.tenant),
      col(entry.changeId),
      entry.changeId ? 1 : 0,
      col(entry.tool),
      col(entry.principal),
      col(entry.outcome),
      col(c?.kind),
      col(c?.entity),
      col(targetOf(c)),
      col(c?.undoes),
      importKey,
      JSON.stringify(entry),
    ];
    const insertSql =
      'INSERT INTO audit (ts_ms, tenant, change_id, is_change, tool, principal, outcome, kind, entity, target, undoes, import_key, entry) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING';
    const marksUndo = c?.kind === 'undo' && c.undoes !== undefined && applied && entry.changeId !== undefined;
    // One statement, no transaction, for every line but an applied undo (which marks what it undid too)
    // and an imported line (checked against the lines already there).
    if (!marksUndo && importKey === null) return (await sql.run(insertSql, values)).changes === 1;
    return sql.tx(async (t) => {
      // An imported line without a changeId (an export imported back, a file imported from elsewhere) is
      // the same line when one with the same time, tenant, tool, caller, outcome, summary and error is there.
      if (importKey !== null && !entry.changeId) {
        const same = await t.all<{ entry: string }>('SELECT entry FROM audit WHERE tenant = ? AND ts_ms = ? AND tool = ? AND principal = ? AND outcome = ?', [
          values[1]!, values[0]!, values[4]!, values[5]!, values[6]!,
        ]);
        const key = (e: AuditEntry) => JSON.stringify([e.summary ?? null, e.error ?? null]);
        if (same.some((r) => key(JSON.parse(r.entry) as AuditEntry) === key(entry))) return false;
      }
      const res = await t.run(
        'INSERT INTO audit (ts_ms, tenant, change_id, is_change, tool, principal, outcome, kind, entity, target, undoes, import_key, entry) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        values,
      );
      if (res.changes === 1 && c?.kind === 'undo' && c.undoes && applied && entry.changeId) {
        await t.run('UPDATE audit SET undone_by = ? WHERE change_id = ? AND tenant = ?', [entry.changeId, c.undoes, entry.tenant]);
      }
      return res.changes === 1;
    });
  }

  async findChange(changeId: string): Promise<AuditEntry | undefined> {
    const rows = await this.sql.all<Row>(`SELECT seq, entry, undone_by FROM audit WHERE change_id = ? AND outcome IN ${APPLIED}`, [changeId]);
    const row = rows[0];
    if (!row) return undefined;
    const entry = parse(row);
    return entry.change ? entry : undefined;
  }

  async recentChanges(tenant: string, limit: number, kinds?: ChangeRecord['kind'][]): Promise<AuditEntry[]> {
    const params: SqlValue[] = [tenant];
    let kindSql = '';
    if (kinds && kinds.length > 0) {
      kindSql = ` AND kind IN (${kinds.map(() => '?').join(', ')})`;
      params.push(...kinds);
    }
    if (limit <= 0) return [];
    params.push(Math.min(limit, 1_000));
    const rows = await this.sql.all<Row>(
      `SELECT seq, entry, undone_by FROM audit WHERE tenant = ? AND is_change = 1 AND outcome IN ${APPLIED}${kindSql} ORDER BY seq DESC LIMIT ?`,
      params,
    );
    return rows.map(parse);
  }

  async layoutChanges(tenant: string, entity: string, layout: string): Promise<AuditEntry[]> {
    const rows = await this.sql.all<Row>(
      `SELECT seq, entry, undone_by FROM audit WHERE tenant = ? AND entity = ? AND target = ? AND kind = 'layout' AND outcome IN ${APPLIED} ORDER BY seq`,
      [tenant, entity, layout],
    );
    // A blueprint applied to this tenant is one change holding its steps (apply_blueprint): its layout
    // steps on this layout count as edits of it, with the blueprint change's id, time and undo state.
    // Read through the (tenant, tool, seq) index: this runs on every get_layout.
    const blueprints = await this.sql.all<Row>(
      `SELECT seq, entry, undone_by FROM audit WHERE tenant = ? AND tool = 'apply_blueprint' AND kind = 'blueprint' AND outcome IN ${APPLIED} ORDER BY seq`,
      [tenant],
    );
    if (blueprints.length === 0) return rows.map(parse);
    const seqOf = new Map<AuditEntry, number>();
    const out: AuditEntry[] = [];
    for (const row of rows) {
      const e = parse(row);
      seqOf.set(e, row.seq);
      out.push(e);
    }
    for (const row of blueprints) {
      const e = parse(row);
      for (const step of e.change?.steps ?? []) {
        if (step.kind !== 'layout' || step.entity !== entity || step.layout !== layout) continue;
        const synthesized: AuditEntry = { ...e, change: step };
        seqOf.set(synthesized, row.seq);
        out.push(synthesized);
      }
    }
    return out.sort((a, b) => seqOf.get(a)! - seqOf.get(b)!);
  }

  async listChanges(q: ChangeQuery): Promise<ChangePage> {
    if (q.tenants.length === 0) return { entries: [] };
    // The filters other than the tenant; each tenant's lines are then read newest first by (tenant, seq).
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.changesOnly) where.push('is_change = 1');
    const add = (clause: string, value: SqlValue) => {
      where.push(clause);
      params.push(value);
    };
    if (q.tool) add('tool = ?', q.tool);
    if (q.principal) add('principal = ?', q.principal);
    if (q.outcome) add('outcome = ?', q.outcome);
    for (const [bound, value, op] of [['since', q.since, '>='], ['until', q.until, '<=']] as const) {
      if (value === undefined) continue;
      const t = Date.parse(value);
      if (!Number.isFinite(t)) throw new Error(`"${bound}" is not a time: ${JSON.stringify(value)} (expected an ISO 8601 time)`);
      add(`ts_ms ${op} ?`, t);
    }
    if (q.before !== undefined) add('seq < ?', q.before);
    const limit = Math.max(1, Math.min(q.limit, 500));
    const rest = where.length ? ` AND ${where.join(' AND ')}` : '';
    let rows: Row[];
    if (q.tenants.length === 1 || this.engine === 'postgres' || q.tenants.length > 200) {
      rows = await this.sql.all<Row>(
        `SELECT seq, entry, undone_by FROM audit WHERE tenant IN (${q.tenants.map(() => '?').join(', ')})${rest} ORDER BY seq DESC LIMIT ?`,
        [...q.tenants, ...params, limit + 1],
      );
    } else {
      // SQLite plans "tenant IN (…) ORDER BY seq" as reading and sorting every line of every tenant
      // listed (the whole table for a caller of every tenant): one bounded read per tenant, merged.
      const seqs: number[] = [];
      for (const t of q.tenants) {
        const top = await this.sql.all<{ seq: number }>(`SELECT seq FROM audit WHERE tenant = ?${rest} ORDER BY seq DESC LIMIT ?`, [t, ...params, limit + 1]);
        for (const r of top) seqs.push(Number(r.seq));
      }
      const wanted = seqs.sort((a, b) => b - a).slice(0, limit + 1);
      rows = wanted.length
        ? await this.sql.all<Row>(`SELECT seq, entry, undone_by FROM audit WHERE seq IN (${wanted.map(() => '?').join(', ')}) ORDER BY seq DESC`, wanted)
        : [];
    }
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { entries: page.map(parse), ...(rows.length > limit && last ? { next: Number(last.seq) } : {}) };
  }

  async read(opts: { tenant?: string } = {}): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    await this.each(opts, (e) => void out.push(e));
    return out;
  }

  async each(opts: { tenant?: string }, fn: (entry: AuditEntry) => void | Promise<void>): Promise<number> {
    let after = 0;
    let n = 0;
    for (;;) {
      const rows = opts.tenant
        ? await this.sql.all<Row>('SELECT seq, entry, undone_by FROM audit WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT 1000', [opts.tenant, after])
        : await this.sql.all<Row>('SELECT seq, entry, undone_by FROM audit WHERE seq > ? ORDER BY seq LIMIT 1000', [after]);
      for (const r of rows) {
        await fn(parse(r));
        n++;
      }
      if (rows.length < 1000) return n;
      after = Number(rows.at(-1)!.seq);
    }
  }

  async useOnce(key: string, expiresAtMs: number): Promise<boolean> {
    const res = await this.sql.run('INSERT INTO once_keys (key, expires_ms) VALUES (?, ?) ON CONFLICT DO NOTHING', [key, expiresAtMs]);
    if (Math.random() < 0.05) await this.sql.run('DELETE FROM once_keys WHERE expires_ms < ?', [Date.now()]);
    return res.changes === 1;
  }

  async putResult(id: string, tenant: string, data: unknown, expiresAtMs: number): Promise<void> {
    await this.sql.run('DELETE FROM results WHERE expires_ms < ?', [Date.now()]);
    await this.sql.run('INSERT INTO results (id, tenant, expires_ms, data) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, expires_ms = excluded.expires_ms, data = excluded.data', [
      id,
      tenant,
      expiresAtMs,
      JSON.stringify(data),
    ]);
  }

  async getResult(id: string, tenant: string): Promise<unknown> {
    const rows = await this.sql.all<{ data: string }>('SELECT data FROM results WHERE id = ? AND tenant = ? AND expires_ms >= ?', [id, tenant, Date.now()]);
    return rows[0] ? (JSON.parse(rows[0].data) as unknown) : undefined;
  }

  async countCall(tenant: string, windowStartMs: number, windowMs: number): Promise<{ current: number; previous: number }> {
    const rows = await this.sql.all<{ calls: number }>(
      'INSERT INTO rate_windows (tenant, window_ms, calls) VALUES (?, ?, 1) ON CONFLICT (tenant, window_ms) DO UPDATE SET calls = rate_windows.calls + 1 RETURNING calls',
      [tenant, windowStartMs],
    );
    const prev = await this.sql.all<{ calls: number }>('SELECT calls FROM rate_windows WHERE tenant = ? AND window_ms = ?', [tenant, windowStartMs - windowMs]);
    if (Math.random() < 0.02) await this.sql.run('DELETE FROM rate_windows WHERE window_ms < ?', [windowStartMs - 2 * windowMs]);
    return { current: Number(rows[0]?.calls ?? 1), previous: Number(prev[0]?.calls ?? 0) };
  }

  async sharedKey(name: string): Promise<Buffer> {
    await this.sql.run('INSERT INTO shared_keys (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING', [name, randomBytes(32).toString('base64')]);
    const rows = await this.sql.all<{ value: string }>('SELECT value FROM shared_keys WHERE name = ?', [name]);
    return Buffer.from(rows[0]!.value, 'base64');
  }

  async recordHealth(entry: HealthEntry): Promise<void> {
    const tsMs = Date.parse(entry.ts);
    const at = Number.isFinite(tsMs) ? tsMs : (this.opts.now ?? Date.now)();
    const col = (v: string): string => v.split('\u0000').join('\uFFFD');
    let result = JSON.stringify(entry.result);
    if (result.length > MAX_HEALTH_RESULT) {
      const problems = Array.isArray(entry.result.problems) ? entry.result.problems.slice(0, 20).map((p) => boundNote(String(p))) : [];
      result = JSON.stringify({ status: entry.status, problems, truncated: `the result held ${result.length} characters` });
    }
    await this.sql.run('INSERT INTO health (tenant, ts_ms, status, version, latency_ms, result) VALUES (?, ?, ?, ?, ?, ?)', [
      col(entry.tenant),
      at,
      entry.status,
      entry.version !== undefined ? col(entry.version.slice(0, 100)) : null,
      entry.latencyMs !== undefined && Number.isFinite(entry.latencyMs) ? Math.round(entry.latencyMs) : null,
      result,
    ]);
    const days = this.opts.retention?.(entry.tenant).calls.days;
    await this.pruneHealth(entry.tenant, days, (this.opts.now ?? Date.now)()).catch(() => 0);
  }

  /** Keeps a tenant's newest `healthKeep` checks, and none older than `days` when given. */
  private async pruneHealth(tenant: string, days: number | undefined, nowMs: number): Promise<number> {
    let removed = 0;
    if (days !== undefined) removed += (await this.sql.run('DELETE FROM health WHERE tenant = ? AND ts_ms < ?', [tenant, nowMs - days * DAY_MS])).changes;
    const keep = Math.max(1, this.opts.healthKeep ?? HEALTH_KEEP);
    const edge = await this.sql.all<{ seq: number; ts_ms: number }>('SELECT seq, ts_ms FROM health WHERE tenant = ? ORDER BY ts_ms DESC, seq DESC LIMIT 1 OFFSET ?', [tenant, keep]);
    if (edge[0]) {
      const [seq, ts] = [Number(edge[0].seq), Number(edge[0].ts_ms)];
      removed += (await this.sql.run('DELETE FROM health WHERE tenant = ? AND (ts_ms < ? OR (ts_ms = ? AND seq <= ?))', [tenant, ts, ts, seq])).changes;
    }
    return removed;
  }

  async healthHistory(tenant: string, limit: number): Promise<HealthEntry[]> {
    if (limit <= 0) return [];
    const rows = await this.sql.all<HealthRow>('SELECT tenant, ts_ms, status, version, latency_ms, result FROM health WHERE tenant = ? ORDER BY ts_ms DESC, seq DESC LIMIT ?', [
      tenant,
      Math.min(Math.floor(limit), 1_000),
    ]);
    return rows.map(parseHealth);
  }

  async latestHealth(tenants: string[]): Promise<HealthEntry[]> {
    const out: HealthEntry[] = [];
    // One indexed read per tenant (the newest row by (tenant, ts_ms)): bounded whatever the history.
    for (const tenant of new Set(tenants)) {
      const rows = await this.sql.all<HealthRow>('SELECT tenant, ts_ms, status, version, latency_ms, result FROM health WHERE tenant = ? ORDER BY ts_ms DESC, seq DESC LIMIT 1', [tenant]);
      if (rows[0]) out.push(parseHealth(rows[0]));
    }
    return out;
  }

  async putSnapshot(input: NewSnapshot): Promise<SnapshotInfo> {
    const data = JSON.stringify(input.data ?? null);
    const bytes = Buffer.byteLength(data, 'utf8');
    const max = this.opts.maxSnapshotBytes ?? MAX_SNAPSHOT_BYTES;
    if (bytes > max) throw new SnapshotTooLargeError(bytes, max);
    const now = (this.opts.now ?? Date.now)();
    const tsMs = input.ts !== undefined && Number.isFinite(Date.parse(input.ts)) ? Date.parse(input.ts) : now;
    const col = (v: string): string => v.split('\u0000').join('\uFFFD');
    const summary: SnapshotSummary = { fields: input.summary.fields, layouts: input.summary.layouts, entities: input.summary.entities };
    const id = `snap_${tsMs.toString(36)}_${randomBytes(6).toString('hex')}`;
    const siteUrl = input.instance.siteUrl !== undefined ? col(input.instance.siteUrl.slice(0, 2048)) : null;
    const version = input.instance.version !== undefined ? col(input.instance.version.slice(0, 100)) : null;
    await this.sql.run('INSERT INTO snapshots (id, tenant, ts_ms, site_url, version, summary, bytes, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      id,
      col(input.tenant),
      tsMs,
      siteUrl,
      version,
      JSON.stringify(summary),
      bytes,
      data,
    ]);
    const days = this.opts.retention?.(input.tenant).changes.days;
    await this.pruneSnapshots(input.tenant, days, now).catch(() => 0);
    return parseSnapshotInfo({ seq: 0, id, tenant: col(input.tenant), ts_ms: tsMs, site_url: siteUrl, version, summary: JSON.stringify(summary), bytes });
  }

  async getSnapshot(id: string, tenant: string): Promise<Snapshot | undefined> {
    const rows = await this.sql.all<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS}, data FROM snapshots WHERE id = ? AND tenant = ?`, [id, tenant]);
    const row = rows[0];
    if (!row) return undefined;
    return { ...parseSnapshotInfo(row), data: JSON.parse(row.data!) as unknown };
  }

  async listSnapshots(tenant: string, limit: number, before?: string): Promise<SnapshotInfo[]> {
    if (!(limit > 0)) return [];
    const n = Math.min(Math.floor(limit), 500);
    if (before === undefined) {
      const rows = await this.sql.all<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE tenant = ? ORDER BY ts_ms DESC, seq DESC LIMIT ?`, [tenant, n]);
      return rows.map(parseSnapshotInfo);
    }
    const edge = await this.sql.all<{ seq: number | string; ts_ms: number | string }>('SELECT seq, ts_ms FROM snapshots WHERE id = ? AND tenant = ?', [before, tenant]);
    if (!edge[0]) return [];
    const [seq, ts] = [Number(edge[0].seq), Number(edge[0].ts_ms)];
    const rows = await this.sql.all<SnapshotRow>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE tenant = ? AND (ts_ms < ? OR (ts_ms = ? AND seq < ?)) ORDER BY ts_ms DESC, seq DESC LIMIT ?`,
      [tenant, ts, ts, seq, n],
    );
    return rows.map(parseSnapshotInfo);
  }

  /** Keeps a tenant's newest `snapshotKeep` snapshots, and none older than `days` when given. */
  private async pruneSnapshots(tenant: string, days: number | undefined, nowMs: number): Promise<number> {
    let removed = 0;
    if (days !== undefined) removed += (await this.sql.run('DELETE FROM snapshots WHERE tenant = ? AND ts_ms < ?', [tenant, nowMs - days * DAY_MS])).changes;
    const keep = Math.max(1, this.opts.snapshotKeep ?? SNAPSHOT_KEEP);
    const edge = await this.sql.all<{ seq: number; ts_ms: number }>('SELECT seq, ts_ms FROM snapshots WHERE tenant = ? ORDER BY ts_ms DESC, seq DESC LIMIT 1 OFFSET ?', [tenant, keep]);
    if (edge[0]) {
      const [seq, ts] = [Number(edge[0].seq), Number(edge[0].ts_ms)];
      removed += (await this.sql.run('DELETE FROM snapshots WHERE tenant = ? AND (ts_ms < ? OR (ts_ms = ? AND seq <= ?))', [tenant, ts, ts, seq])).changes;
    }
    return removed;
  }

  async prune(tenant: string, policy: RetentionPolicy, nowMs = Date.now()): Promise<number> {
    await this.pruneHealth(tenant, policy.calls.days, nowMs).catch(() => 0);
    await this.pruneSnapshots(tenant, policy.changes.days, nowMs).catch(() => 0);
    let removed = 0;
    for (const [isChange, rule] of [
      [1, policy.changes],
      [0, policy.calls],
    ] as const) {
      // "Changes" are every line that changed a CRM: with a changeId, or applied without one (a merge, a
      // rebuild); "calls" the rest (planned, dry runs, unchanged, refused, failed).
      const cls = isChange ? `(is_change = 1 OR outcome IN ${APPLIED})` : `(is_change = 0 AND outcome NOT IN ${APPLIED})`;
      if (rule.days !== undefined) {
        const res = await this.sql.run(`DELETE FROM audit WHERE tenant = ? AND ${cls} AND ts_ms < ?`, [tenant, nowMs - rule.days * DAY_MS]);
        removed += res.changes;
      }
      if (rule.count !== undefined) {
        const edge = await this.sql.all<{ seq: number }>(`SELECT seq FROM audit WHERE tenant = ? AND ${cls} ORDER BY seq DESC LIMIT 1 OFFSET ?`, [tenant, rule.count]);
        if (edge[0]) {
          const res = await this.sql.run(`DELETE FROM audit WHERE tenant = ? AND ${cls} AND seq <= ?`, [tenant, Number(edge[0].seq)]);
          removed += res.changes;
        }
      }
    }
    return removed;
  }

  async importJsonl(file: string): Promise<{ imported: number; skipped: number }> {
    const info = await stat(file);
    const fingerprint = `${info.size}:${Math.trunc(info.mtimeMs)}`;
    const seen = await this.sql.all<{ fingerprint: string }>('SELECT fingerprint FROM imports WHERE source = ?', [file]);
    if (seen[0]?.fingerprint === fingerprint) return { imported: 0, skipped: 0 };
    let imported = 0;
    let skipped = 0;
    for await (const line of jsonLines(file)) {
      if (!line.trim()) continue;
      let entry: AuditEntry;
      try {
        const parsed = JSON.parse(line) as unknown;
        if (!isRecord(parsed) || typeof parsed.tenant !== 'string' || typeof parsed.tool !== 'string' || typeof parsed.outcome !== 'string') throw new Error('not an entry');
        entry = parsed as unknown as AuditEntry;
      } catch {
        skipped++; // a line torn by a crash, or not an audit line
        continue;
      }
      const key = createHash('sha256').update(line).digest('hex');
      const full: AuditEntry = { ...entry, ts: typeof entry.ts === 'string' ? entry.ts : new Date(0).toISOString(), principal: String(entry.principal ?? 'unknown'), args: boundArgs(isRecord(entry.args) ? entry.args : {}) };
      const summary = boundNote(typeof entry.summary === 'string' ? entry.summary : undefined);
      const error = boundNote(typeof entry.error === 'string' ? entry.error : undefined);
      if (summary !== undefined) full.summary = summary;
      else delete full.summary;
      if (error !== undefined) full.error = error;
      else delete full.error;
      if (await this.insert(this.sql, full, key)) imported++;
      else skipped++;
    }
    await this.sql.run('INSERT INTO imports (source, fingerprint, lines, at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET fingerprint = excluded.fingerprint, lines = excluded.lines, at_ms = excluded.at_ms', [
      file,
      fingerprint,
      imported,
      Date.now(),
    ]);
    return { imported, skipped };
  }

  async close(): Promise<void> {
    await this.sql.close();
  }
}
