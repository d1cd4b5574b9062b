/** Runs the migrations in `migrations/` (forward only), in order, under the query builder's lock table. */
import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './client';
import * as m0001 from './migrations/0001-initial';
import * as m0002 from './migrations/0002-publishing';
import * as m0003 from './migrations/0003-crew-access';
import * as m0004 from './migrations/0004-booking-rules';
import * as m0005 from './migrations/0005-crew-rules';
import * as m0006 from './migrations/0006-staff-access';
import * as m0007 from './migrations/0007-live-changes';
import * as m0008 from './migrations/0008-tenant-feed';
import * as m0009 from './migrations/0009-guest-mail';
import * as m0010 from './migrations/0010-failure-limits';
import * as m0011 from './migrations/0011-domain-cleanups';
import * as m0012 from './migrations/0012-cleanup-paths';
import * as m0013 from './migrations/0013-scale-indexes';
import * as m0014 from './migrations/0014-kept-overlap-index';

const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-publishing': m0002,
  '0003-crew-access': m0003,
  '0004-booking-rules': m0004,
  '0005-crew-rules': m0005,
  '0006-staff-access': m0006,
  '0007-live-changes': m0007,
  '0008-tenant-feed': m0008,
  '0009-guest-mail': m0009,
  '0010-failure-limits': m0010,
  '0011-domain-cleanups': m0011,
  '0012-cleanup-paths': m0012,
  '0013-scale-indexes': m0013,
  '0014-kept-overlap-index': m0014,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${cause}`);
  }
}

/** Names of the migrations this database has not run yet (empty when it is current). */
export async function listPendingMigrations(db: Db): Promise<string[]> {
  const all = await new Migrator({ db, provider }).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/**
 * Refuses a database whose schema is not current, for a process that does not migrate: one line that
 * names the first pending migration.
 */
export async function requireCurrentSchema(db: Db): Promise<void> {
  const pending = await listPendingMigrations(db);
  if (pending.length > 0) {
    throw new Error(
      `The database schema is not current: migration ${pending[0]} has not run (${pending.length} pending); start a process that migrates first`,
    );
  }
}

/** Runs the migrations up to and including `name` (for tests of a migration over older data). */
export async function migrateUpTo(db: Db, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
