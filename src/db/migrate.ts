/** Runs the migrations in `migrations/` (forward only), in order, under the query builder's lock table. */
import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './client';
import * as m0001 from './migrations/0001-initial';
import * as m0002 from './migrations/0002-publishing';
import * as m0003 from './migrations/0003-crew-access';

const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-publishing': m0002,
  '0003-crew-access': m0003,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<void> {
  // Migrations written side by side may be applied out of number order on a data folder that
  // already ran a later one; each is independent of the others' tables.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${cause}`);
  }
}
