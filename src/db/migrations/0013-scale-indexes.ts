/**
 * Indexes that keep a tenant's reads bounded by what they return, however many bookings it and the
 * other tenants hold (the scale bench, `npm run bench -- --scale`): a crew member's assignments (the
 * calendar feed and upcoming charters), a tenant's failing guest pages and its bookings kept from
 * before the overlap rule (both read by `bosun doctor` for every tenant; rarely any rows at all).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- With booking_id last, the feed's join finds each (booking, crew member) pair in one probe even
    -- when the planner has no statistics (PGlite runs no ANALYZE) and nests loops over the bookings.
    create index assignments_crew_member_idx on assignments (tenant_id, crew_member_id, booking_id);
    create index guest_pages_failing_idx on guest_pages (tenant_id, last_error_at) where last_error is not null;
    create index bookings_overlap_kept_idx on bookings (tenant_id, starts_at) where overlap_allowed;
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
