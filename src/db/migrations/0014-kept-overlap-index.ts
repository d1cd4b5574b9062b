/**
 * The bookings kept from before the no-overlap rule (ADR 0018), indexed apart: a create looks for one
 * its charter would overlap (`getVesselForNewBooking`), and without this index that look-up read every
 * booking of the tenant that starts before the new one ends — a cost that grew with the season. Such
 * bookings are few and no new one gains the mark, so the index stays tiny (ADR 0035).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index bookings_kept_overlap_idx on bookings (tenant_id, vessel_id, starts_at)
      where overlap_allowed and status <> 'cancelled'
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
