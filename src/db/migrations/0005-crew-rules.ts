/**
 * Crew rules: a crew member can be deactivated (`deactivated_at`) instead of deleted, so their past
 * assignments, checklist ticks and audit entries keep naming them. A deactivated member has no
 * sessions or links, is on no future charter, and cannot be assigned or sign in.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table crew_members add column deactivated_at timestamptz;
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
