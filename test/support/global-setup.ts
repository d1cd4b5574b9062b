/**
 * Prepares one migrated template per test run: a PGlite data-folder dump, or a PostgreSQL
 * template database. Each test file then starts from a copy in well under a second.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import { openPglite, openPostgres } from '../../src/db/client';
import { migrateToLatest } from '../../src/db/migrate';
import { adminUrl, databaseUrl } from './pg-url';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const engine = project.config.env?.BOSUN_TEST_DB ?? 'pglite';
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'bosun-test-'));
    const handle = await openPglite(undefined);
    await migrateToLatest(handle.db);
    const jobs = await PgBossJobQueue.start(handle);
    await jobs.stop();
    if (!handle.pglite) throw new Error('openPglite did not expose its PGlite instance');
    const dump = await handle.pglite.dumpDataDir('none');
    const file = join(dir, 'template.tar');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await handle.close();
    project.provide('pgliteTemplate', file);
    return () => rmSync(dir, { recursive: true, force: true });
  }

  const name = `bosun_tpl_${process.pid}_${Date.now()}`;
  const admin = await openPostgres(adminUrl(), { max: 1 });
  try {
    await admin.executeSql(`create database ${name}`);
  } finally {
    await admin.close();
  }
  const handle = await openPostgres(databaseUrl(name), { max: 2 });
  await migrateToLatest(handle.db);
  const jobs = await PgBossJobQueue.start(handle);
  await jobs.stop();
  await handle.close();
  project.provide('postgresTemplate', name);
  return async () => {
    const cleanup = await openPostgres(adminUrl(), { max: 1 });
    try {
      // Drop the template and every copy this run made, even those of a file that crashed.
      const { rows } = await cleanup.executeSql(`select datname from pg_database where datname like $1`, [`${name}_f%`]);
      for (const r of rows) await cleanup.executeSql(`drop database if exists ${String(r.datname)} with (force)`);
      await cleanup.executeSql(`drop database if exists ${name} with (force)`);
    } finally {
      await cleanup.close();
    }
  };
}
