/** The PostgreSQL server the bench uses: whether it answers, and throw-away databases on it. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Cleanup, sleep } from './support';

/** The server's maintenance database; `BOSUN_BENCH_PG_URL` points the bench elsewhere. */
export const BENCH_PG_URL = process.env.BOSUN_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Null when the server answers, else why not. */
export async function probePostgres(): Promise<string | null> {
  try {
    await withAdmin((c) => c.query('select 1'));
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  }
}

/**
 * A closed pool's connections say goodbye a moment after `end()` resolves; a forced drop in that moment
 * makes them emit an error nobody listens to any more. So wait (up to 5 s) for them to go, then drop.
 */
async function dropWhenIdle(client: pg.Client, name: string): Promise<void> {
  for (let waited = 0; waited < 5000; waited += 50) {
    const { rows } = await client.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
    if (Number(rows[0]?.n) === 0) break;
    await sleep(50);
  }
  await client.query(`drop database if exists ${name} with (force)`);
}

/** Creates an empty database, dropped (with its connections) when `cleanup` runs; returns its URL. */
export async function createBenchDatabase(cleanup: Cleanup): Promise<string> {
  const name = `bosun_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withAdmin((c) => c.query(`create database ${name}`));
  cleanup.defer(`drop database ${name}`, () => withAdmin((c) => dropWhenIdle(c, name)));
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
