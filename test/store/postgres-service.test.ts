/**
 * The PostgreSQL the store's tests run against (scripts/postgres.sh, started by .ci/run, URL in
 * ESPOCRM_MCP_TEST_DATABASE_URL) and test/helpers/postgres.ts: a fresh database per test file, reached
 * with a password over TCP, usable, then dropped. Skipped without a URL, except in CI, where a missing
 * URL fails.
 */
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshDatabase, TEST_DATABASE_URL_ENV, testDatabaseUrl } from '../helpers/postgres.js';

const baseUrl = testDatabaseUrl();

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  return client;
}

describe.skipIf(!baseUrl)('the test PostgreSQL', () => {
  it('gives a fresh database to work in, then drops it', async () => {
    const db = await freshDatabase('svc');
    expect(db.name).toMatch(/^svc_[0-9a-f]{12}$/);
    expect(new URL(db.url).pathname).toBe(`/${db.name}`);
    try {
      const client = await connect(db.url);
      try {
        const version = await client.query<{ version: string }>('select version()');
        expect(version.rows[0]?.version).toContain('PostgreSQL');
        const current = await client.query<{ db: string }>('select current_database() as db');
        expect(current.rows[0]?.db).toBe(db.name);

        await client.query('create table notes (id serial primary key, body text not null)');
        await client.query('insert into notes (body) values ($1)', ['first note']);
        const notes = await client.query<{ id: number; body: string }>('select id, body from notes');
        expect(notes.rows).toEqual([{ id: 1, body: 'first note' }]);
      } finally {
        await client.end();
      }
    } finally {
      await db.drop();
    }

    const admin = await connect(baseUrl!);
    try {
      const left = await admin.query('select 1 from pg_database where datname = $1', [db.name]);
      expect(left.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
    await db.drop(); // a second drop does nothing
  });

  it('drops a database that still has connections open', async () => {
    const db = await freshDatabase('svc');
    const client = await connect(db.url);
    const terminated = new Promise<Error>((resolve) => client.on('error', resolve));
    await db.drop();
    expect((await terminated).message).toMatch(/terminat/i);
    await client.end().catch(() => {});
  });

  it('asks for the password over TCP (the path the store uses), not trust', async () => {
    const wrong = new URL(baseUrl!);
    wrong.password = 'not-the-password';
    await expect(connect(wrong.href)).rejects.toThrow(/password authentication failed/);
  });
});

describe('test/helpers/postgres.ts', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('without a URL: skips outside CI, fails in CI', () => {
    vi.stubEnv(TEST_DATABASE_URL_ENV, '');
    vi.stubEnv('CI', '');
    expect(testDatabaseUrl()).toBeUndefined();
    vi.stubEnv('CI', 'true');
    expect(() => testDatabaseUrl()).toThrow(/CI must provide a PostgreSQL/);
  });

  it('creates databases on a loopback server only, with a plain prefix', async () => {
    vi.stubEnv(TEST_DATABASE_URL_ENV, 'postgres://espo_mcp:espo_mcp_test@db.example.com:5432/espo_mcp');
    await expect(freshDatabase()).rejects.toThrow(/loopback/);
    vi.stubEnv(TEST_DATABASE_URL_ENV, 'postgres://espo_mcp:espo_mcp_test@127.0.0.1:5432/espo_mcp');
    await expect(freshDatabase('x"; drop table y; --')).rejects.toThrow(/prefix/);
  });
});
