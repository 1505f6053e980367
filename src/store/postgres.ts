/**
 * The shared engine, for HTTP replicas behind a load balancer: PostgreSQL through `pg` (loaded only
 * when configured). `?` placeholders become `$1…`; a small pool; each transaction on one connection.
 */
import type { Sql, SqlValue } from './sql.js';

interface PgClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release?(err?: unknown): void;
}

interface PgPool extends PgClient {
  connect(): Promise<PgClient & { release(err?: unknown): void }>;
  end(): Promise<void>;
  on(event: 'error', fn: (err: Error) => void): unknown;
}

function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** A database URL without its password, for messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'a PostgreSQL database (its URL is not valid)';
  }
}

function wrap(client: PgClient, dialectTx: Sql['tx']): Sql {
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: SqlValue[] = []) => (await client.query(numbered(sql), params)).rows as T[],
    run: async (sql: string, params: SqlValue[] = []) => ({ changes: (await client.query(numbered(sql), params)).rowCount ?? 0 }),
    tx: dialectTx,
    close: async () => undefined,
  };
}

export class PostgresSql implements Sql {
  readonly dialect = 'postgres' as const;
  private readonly direct: Sql;

  private constructor(private readonly pool: PgPool) {
    this.direct = wrap(pool, (fn) => this.tx(fn));
  }

  static async open(url: string, opts: { max?: number } = {}): Promise<PostgresSql> {
    const pg = (await import('pg')).default as unknown as { Pool: new (o: Record<string, unknown>) => PgPool; types: { setTypeParser(oid: number, fn: (v: string) => unknown): void } };
    // BIGINT (int8) as a number: sequence numbers and times in milliseconds stay far below 2^53.
    pg.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 5, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
    // An idle connection dropped by the server is replaced on next use; never an unhandled error.
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      const reason = err instanceof Error ? err.message.replace(/postgres(ql)?:\/\/[^\s]*/gi, '[url]') : String(err);
      throw new Error(`Could not connect to the PostgreSQL store at ${describeDatabaseUrl(url)}: ${reason}`, { cause: err });
    }
    return new PostgresSql(pool);
  }

  all<T = Record<string, unknown>>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  run(sql: string, params: SqlValue[] = []): Promise<{ changes: number }> {
    return this.direct.run(sql, params);
  }

  async tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const inner = wrap(client, (f) => f(inner));
      const out = await fn(inner);
      await client.query('COMMIT');
      client.release();
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
