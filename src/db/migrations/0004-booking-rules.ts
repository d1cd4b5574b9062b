/**
 * The booking rules the database itself enforces, so that two concurrent writers cannot both win
 * (ADR 0018): no two bookings of one vessel that are not cancelled overlap in time, counting the
 * vessel's turnaround buffer after each charter. Needs btree_gist (uuid equality in a GiST index):
 * a trusted extension on PostgreSQL 13+, loaded with PGlite by `openPglite`.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create extension if not exists btree_gist;

    -- Minutes the vessel needs between two charters (cleaning, fuel, crew change).
    alter table vessels add column turnaround_minutes integer not null default 0
      check (turnaround_minutes >= 0 and turnaround_minutes <= 1440);

    -- Until when a booking keeps its vessel: its end plus the vessel's turnaround when it was last
    -- timed. Stored rather than computed, because timestamptz + interval is not immutable.
    alter table bookings add column blocked_until timestamptz;
    update bookings set blocked_until = ends_at;
    alter table bookings alter column blocked_until set not null;
    alter table bookings add constraint bookings_blocked_after_end check (blocked_until >= ends_at);

    -- Bookings that overlapped another before this rule existed: kept as they were (an upgrade must
    -- not fail, nor cancel anyone's charter), left out of the constraint, and reported by bosun doctor.
    -- A change of such a booking's times or vessel clears the mark, and the rule applies again.
    alter table bookings add column overlap_allowed boolean not null default false;
    -- Oldest first, per vessel: a booking is kept under the rule unless it overlaps one kept earlier.
    -- So only as few are marked as the rule needs (a booking that overlaps only marked ones is not).
    do $$
    declare r record;
    begin
      for r in select tenant_id, id, vessel_id, starts_at, blocked_until, created_at from bookings
                where status <> 'cancelled' order by vessel_id, created_at, id loop
        if exists (
          select 1 from bookings o
           where o.tenant_id = r.tenant_id and o.vessel_id = r.vessel_id and o.status <> 'cancelled'
             and not o.overlap_allowed and (o.created_at, o.id) < (r.created_at, r.id)
             and o.starts_at < r.blocked_until and r.starts_at < o.blocked_until
        ) then
          update bookings set overlap_allowed = true where tenant_id = r.tenant_id and id = r.id;
        end if;
      end loop;
    end $$;

    alter table bookings add constraint bookings_no_overlap
      exclude using gist (vessel_id with =, tstzrange(starts_at, blocked_until, '[)') with &&)
      where (status <> 'cancelled' and not overlap_allowed);
  `.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Bosun migrations are forward-only');
}
