/**
 * The paths a domain's cleanup must drop from the edge's caches (ADR 0007 addendum): recorded on the
 * cleanup before its objects are deleted, so an attempt that deleted them and then failed to
 * invalidate still knows, at its retry, what to invalidate; the cleanup finishes only after that.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table domain_cleanups add column paths_to_invalidate text[] not null default '{}'`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
