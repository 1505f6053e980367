/**
 * The real PostgreSQL the store's tests run against: `scripts/postgres.sh start` starts one on loopback
 * and prints its URL, which the tests read from ESPOCRM_MCP_TEST_DATABASE_URL (.ci/run does both). Each
 * test file works in a database of its own (`freshDatabase`), created and dropped over that URL, so
 * files running in parallel never see each other's tables.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL_ENV = 'ESPOCRM_MCP_TEST_DATABASE_URL';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const PREFIX = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * The URL of the test PostgreSQL, or undefined when there is none (the PostgreSQL tests then skip:
 * `describe.skipIf(!testDatabaseUrl())`). In CI (`CI=true`) there must be one: a missing URL throws, so
 * CI cannot pass by skipping them.
 */
export function testDatabaseUrl(): string | undefined {
  const url = process.env[TEST_DATABASE_URL_ENV]?.trim();
  if (url) return url;
  if (process.env.CI === 'true') {
    throw new Error(
      `${TEST_DATABASE_URL_ENV} is not set: CI must provide a PostgreSQL for the store's tests (.ci/run starts one with scripts/postgres.sh)`,
    );
  }
  return undefined;
}

/** Where the URL points, without its credentials, for error messages. */
function describeServer(url: URL): string {
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

function loopbackUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${TEST_DATABASE_URL_ENV} is not a URL`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`${TEST_DATABASE_URL_ENV} must be a postgres:// URL, not ${url.protocol}//`);
  }
  if (!LOOPBACK.has(url.hostname)) {
    throw new Error(`${TEST_DATABASE_URL_ENV} must point to a loopback host (127.0.0.1, localhost, ::1), not ${url.hostname}: the tests create and drop databases`);
  }
  return url;
}

async function withClient<T>(url: URL, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url.href, connectionTimeoutMillis: 5_000 });
  // A backend terminated under an idle client is reported as an 'error' event: never crash the worker for it.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to the test PostgreSQL at ${describeServer(url)} (scripts/postgres.sh start): ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export interface FreshDatabase {
  /** The new database's URL: the test URL's credentials, host and port, another database. */
  url: string;
  /** Its name, `<prefix>_<12 hex digits>`. */
  name: string;
  /**
   * Terminates the connections still open to it and drops it; a second call does nothing. Close your
   * own clients and pools first (or give them an 'error' listener): a terminated connection emits one.
   */
  drop(): Promise<void>;
}

/**
 * Creates an empty database on the test PostgreSQL (its role has CREATEDB), named `<prefix>_<random hex>`.
 * Throws when there is no test PostgreSQL, or when its URL is not on a loopback host.
 */
export async function freshDatabase(prefix = 't'): Promise<FreshDatabase> {
  if (!PREFIX.test(prefix)) throw new Error(`database prefix must match ${PREFIX}, not ${JSON.stringify(prefix)}`);
  const raw = testDatabaseUrl();
  if (!raw) throw new Error(`no test PostgreSQL: set ${TEST_DATABASE_URL_ENV} (scripts/postgres.sh start prints it)`);
  const base = loopbackUrl(raw);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(base, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));

  const url = new URL(base.href);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.href,
    name,
    async drop() {
      if (dropped) return;
      await withClient(base, async (client) => {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        // DROP DATABASE waits (up to 5 s) for the terminated backends to exit.
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
      });
      dropped = true;
    },
  };
}
