/**
 * Builds Bosun's dependencies from the configuration: the only place that chooses adapters.
 * Embedded PostgreSQL when `DATABASE_URL` is absent, a server otherwise; pg-boss on either.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino, { type Logger } from 'pino';
import { PgBossJobQueue } from '../adapters/pg-boss-job-queue';
import type { Config } from '../config/env';
import { type DbHandle, openPglite, openPostgres } from '../db/client';
import { migrateToLatest } from '../db/migrate';
import { systemClock } from '../ports/clock';
import { siteOrigin } from '../publish/site-layout';
import type { ServiceDeps } from '../services/context';

export type Runtime = {
  config: Config;
  handle: DbHandle;
  jobs: PgBossJobQueue;
  deps: ServiceDeps;
  log: Logger;
  close(): Promise<void>;
};

export function createLogger(config: Config, destination: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino(
    {
      level: config.logLevel,
      // A key or token must never reach a log line, whatever a caller passes.
      redact: {
        paths: ['key', '*.key', 'headers["x-service-key"]', 'headers["x-dashboard-token"]', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination(destination === 'stdout' ? 1 : 2),
  );
}

export async function openDatabase(config: Config): Promise<DbHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  const dir = join(config.dataDir, 'db');
  mkdirSync(dir, { recursive: true });
  return openPglite(dir);
}

/** Opens the database, migrates it, starts the job queue (working jobs only when `supervise`). */
export async function openRuntime(config: Config, options: { log: Logger; supervise?: boolean }): Promise<Runtime> {
  const handle = await openDatabase(config);
  try {
    await migrateToLatest(handle.db);
    const jobs = await PgBossJobQueue.start(handle, {
      supervise: options.supervise ?? false,
      onError: (err) => options.log.error({ err }, 'job queue error'),
    });
    const deps: ServiceDeps = {
      db: handle.db,
      jobs,
      clock: systemClock,
      guestOrigin: (domain) => siteOrigin(domain, { https: config.cdn === 'cloudfront', port: config.port }),
    };
    return {
      config,
      handle,
      jobs,
      deps,
      log: options.log,
      close: async () => {
        await jobs.stop();
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

export async function pingDatabase(handle: DbHandle): Promise<void> {
  await sql`select 1`.execute(handle.db);
}
