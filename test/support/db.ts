/**
 * A fresh, migrated database for one test file, on the engine the project runs with
 * (`BOSUN_TEST_DB`): a PGlite copy of the run's template, or a new PostgreSQL database
 * created from the run's template database (and dropped at the end).
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { InMemoryEventHub } from '../../src/adapters/in-memory-event-hub';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import { type DbHandle, openPglite, openPostgres } from '../../src/db/client';
import type { Clock } from '../../src/ports/clock';
import { siteOrigin } from '../../src/publish/site-layout';
import { CHANGE_CHANNEL, type ChangeFeed, startChangeFeed } from '../../src/services/change-feed';
import type { ServiceDeps } from '../../src/services/context';
import { KeyCache } from '../../src/services/key-cache';
import { adminUrl, databaseUrl } from './pg-url';

export type TestDb = {
  handle: DbHandle;
  jobs: PgBossJobQueue;
  deps: ServiceDeps;
  clock: Clock & { set(d: Date): void };
  /** The PostgreSQL URL of this database (postgres engine only). */
  url?: string;
  close(): Promise<void>;
};

/** The instant every test database's clock starts at: before every booking the fixtures create. */
export const TEST_NOW = new Date('2026-05-01T12:00:00Z');

export const testEngine = (): 'pglite' | 'postgres' => (process.env.BOSUN_TEST_DB === 'postgres' ? 'postgres' : 'pglite');

/** The change feed over `handle`, publishing to `deps.live`; a failed read fails loudly. */
export function startTestChangeFeed(handle: DbHandle, deps: ServiceDeps): Promise<ChangeFeed> {
  return startChangeFeed(
    { db: handle.db, live: deps.live ?? new InMemoryEventHub() },
    {
      notifications: (wake) => handle.listen(CHANGE_CHANNEL, wake),
      fallbackMs: 1000,
      onError: (err) => console.error('the change feed failed', err),
    },
  );
}

export async function openTemplateCopy(): Promise<{ handle: DbHandle; url?: string; drop(): Promise<void> }> {
  if (testEngine() === 'pglite') {
    const blob = new Blob([readFileSync(inject('pgliteTemplate'))]);
    const handle = await openPglite(undefined, blob);
    return { handle, drop: async () => {} };
  }
  const template = inject('postgresTemplate');
  const name = `${template}_f${randomBytes(4).toString('hex')}`;
  const admin = await openPostgres(adminUrl(), { max: 1 });
  try {
    await admin.executeSql(`create database ${name} template ${template}`);
  } finally {
    await admin.close();
  }
  const url = databaseUrl(name);
  const handle = await openPostgres(url, { max: 10 });
  return {
    handle,
    url,
    drop: async () => {
      const a = await openPostgres(adminUrl(), { max: 1 });
      try {
        await a.executeSql(`drop database if exists ${name} with (force)`);
      } finally {
        await a.close();
      }
    },
  };
}

/**
 * A fresh database with the job queue started (not working jobs) and a settable clock. With
 * `liveFeed`, the change feed publishes committed audit entries to `deps.live`, as `bosun start` does.
 */
export async function createTestDb(options: { liveFeed?: boolean } = {}): Promise<TestDb> {
  const { handle, url, drop } = await openTemplateCopy();
  const jobs = await PgBossJobQueue.start(handle);
  // Tests run at a fixed instant (TEST_NOW), so bookings in the fixtures stay in the future.
  let now: Date = TEST_NOW;
  const clock = { now: () => now, set: (d: Date) => (now = d) };
  const deps: ServiceDeps = {
    db: handle.db,
    jobs,
    clock,
    guestOrigin: (domain) => siteOrigin(domain, { https: false, port: 8080 }),
    // The host of makeApp's public URL (http://localhost:8080).
    publicHost: 'localhost',
    live: new InMemoryEventHub(),
    // As `bosun start` on the embedded database: the keys it found are remembered (ADR 0035).
    ...(handle.engine === 'pglite' ? { keyCache: new KeyCache() } : {}),
  };
  const feed = options.liveFeed ? await startTestChangeFeed(handle, deps) : null;
  return {
    handle,
    jobs,
    deps,
    clock,
    ...(url ? { url } : {}),
    close: async () => {
      await feed?.stop();
      await jobs.stop();
      await handle.close();
      await drop();
    },
  };
}
