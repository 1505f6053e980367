/**
 * The little the store needs of a SQL engine: queries with `?` placeholders, statements, and
 * transactions. SQLite (node:sqlite or better-sqlite3) and PostgreSQL (pg) drivers implement it.
 */
export type SqlValue = string | number | bigint | null;

export interface Sql {
  readonly dialect: 'sqlite' | 'postgres';
  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number }>;
  /** Runs `fn` in one transaction (an immediate one on SQLite): all of it or nothing. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** One async lock: the SQLite drivers are synchronous and one connection holds one transaction. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
