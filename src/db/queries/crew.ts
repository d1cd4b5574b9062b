/** A crew member's side of events: their assignments, answers, checklist ticks and calendar feed, within one tenant. */
import { sql } from 'kysely';
import type { Queryable } from '../client';
import type { AssignmentStatus } from '../schema';

/** The charters a crew member is assigned to that end after `endsAfter`, soonest first. */
export async function listAssignmentsOfCrewMember(
  q: Queryable,
  tenantId: string,
  crewMemberId: string,
  filter: { endsAfter: Date; limit: number },
) {
  return (
    q
      .selectFrom('assignments as a')
      // Each assignment's booking by its primary key (`offset 0` keeps the subquery from being merged
      // into a join the planner may run otherwise): without statistics — PGlite runs no ANALYZE — it
      // would scan every booking of the tenant once per assignment, which grows with the square of them.
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom('bookings as b')
            .select(['b.starts_at', 'b.ends_at', 'b.version as booking_version', 'b.updated_at as booking_updated_at'])
            .whereRef('b.tenant_id', '=', 'a.tenant_id')
            .whereRef('b.id', '=', 'a.booking_id')
            .offset(0)
            .as('b'),
        (j) => j.onTrue(),
      )
      .select([
        'a.booking_id',
        'a.role',
        'a.status',
        'a.decline_reason',
        'a.revision',
        'a.updated_at',
        'b.starts_at',
        'b.booking_version',
        'b.booking_updated_at',
      ])
      .where('a.tenant_id', '=', tenantId)
      .where('a.crew_member_id', '=', crewMemberId)
      .where('b.ends_at', '>', filter.endsAfter)
      .orderBy('b.starts_at')
      .orderBy('a.booking_id')
      .limit(filter.limit)
      .execute()
  );
}

export async function getAssignment(q: Queryable, tenantId: string, bookingId: string, crewMemberId: string) {
  return q
    .selectFrom('assignments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('booking_id', '=', bookingId)
    .where('crew_member_id', '=', crewMemberId)
    .executeTakeFirst();
}

export async function updateAssignmentStatus(
  q: Queryable,
  tenantId: string,
  bookingId: string,
  crewMemberId: string,
  change: { status: AssignmentStatus; declineReason: string | null; now: Date },
) {
  await q
    .updateTable('assignments')
    .set({ status: change.status, decline_reason: change.declineReason, updated_at: change.now })
    .where('tenant_id', '=', tenantId)
    .where('booking_id', '=', bookingId)
    .where('crew_member_id', '=', crewMemberId)
    .execute();
}

export async function listChecklistTicks(q: Queryable, tenantId: string, bookingId: string) {
  return q
    .selectFrom('checklist_ticks as t')
    .leftJoin('crew_members as c', (j) => j.onRef('c.id', '=', 't.crew_member_id').onRef('c.tenant_id', '=', 't.tenant_id'))
    .select(['t.item', 't.ticked_at', 'c.name as crew_name'])
    .where('t.tenant_id', '=', tenantId)
    .where('t.booking_id', '=', bookingId)
    .execute();
}

/** The items ticked on each of the tenant's bookings of `ids`. */
export async function listChecklistTicksOfBookings(q: Queryable, tenantId: string, bookingIds: readonly string[]) {
  if (bookingIds.length === 0) return [];
  return q
    .selectFrom('checklist_ticks')
    .select(['booking_id', 'item'])
    .where('tenant_id', '=', tenantId)
    .where('booking_id', 'in', [...bookingIds])
    .execute();
}

/** Ticks an item; a second tick of the same item keeps the first (who and when). Returns whether it was new. */
export async function insertChecklistTick(
  q: Queryable,
  tenantId: string,
  t: { bookingId: string; item: string; crewMemberId: string; now: Date },
): Promise<boolean> {
  const rows = await q
    .insertInto('checklist_ticks')
    .values({ tenant_id: tenantId, booking_id: t.bookingId, item: t.item, crew_member_id: t.crewMemberId, ticked_at: t.now })
    .onConflict((oc) => oc.columns(['tenant_id', 'booking_id', 'item']).doNothing())
    .returning('item')
    .execute();
  return rows.length > 0;
}

export async function deleteChecklistTick(q: Queryable, tenantId: string, bookingId: string, item: string): Promise<boolean> {
  const r = await q
    .deleteFrom('checklist_ticks')
    .where('tenant_id', '=', tenantId)
    .where('booking_id', '=', bookingId)
    .where('item', '=', item)
    .executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** The feed generation of a crew member, creating generation 1 on first use. */
export async function getOrCreateCrewFeed(q: Queryable, tenantId: string, crewMemberId: string) {
  await q
    .insertInto('crew_calendar_feeds')
    .values({ tenant_id: tenantId, crew_member_id: crewMemberId })
    .onConflict((oc) => oc.columns(['tenant_id', 'crew_member_id']).doNothing())
    .execute();
  return q
    .selectFrom('crew_calendar_feeds')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('crew_member_id', '=', crewMemberId)
    .executeTakeFirstOrThrow();
}

export async function getCrewFeed(q: Queryable, tenantId: string, crewMemberId: string) {
  return q
    .selectFrom('crew_calendar_feeds')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('crew_member_id', '=', crewMemberId)
    .executeTakeFirst();
}

/** Moves the feed to a new generation: every URL of the old one stops working. */
export async function bumpCrewFeedGeneration(q: Queryable, tenantId: string, crewMemberId: string, now: Date) {
  await getOrCreateCrewFeed(q, tenantId, crewMemberId);
  return q
    .updateTable('crew_calendar_feeds')
    .set({ generation: sql`generation + 1`, reset_at: now })
    .where('tenant_id', '=', tenantId)
    .where('crew_member_id', '=', crewMemberId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The assignments of one booking with each crew member's name, captains first. */
export async function listAssignmentsOfBooking(q: Queryable, tenantId: string, bookingId: string) {
  return q
    .selectFrom('assignments as a')
    .innerJoin('crew_members as c', (j) => j.onRef('c.id', '=', 'a.crew_member_id').onRef('c.tenant_id', '=', 'a.tenant_id'))
    .select(['a.crew_member_id', 'c.name', 'a.role', 'a.status', 'a.decline_reason', 'a.invited_at', 'a.updated_at'])
    .where('a.tenant_id', '=', tenantId)
    .where('a.booking_id', '=', bookingId)
    .orderBy('a.role')
    .orderBy('c.name')
    .execute();
}

/**
 * Assignments (not declined) of confirmed charters departing in `(from, to]` whose reminder for
 * this departure time has not been sent: the reminder's key names the departure in epoch seconds,
 * so a charter moved to a new time is reminded again, and one that stays put only once.
 */
export async function listAssignmentsDueForReminder(q: Queryable, tenantId: string, window: { from: Date; to: Date; limit: number }) {
  return q
    .selectFrom('assignments as a')
    .innerJoin('bookings as b', (j) => j.onRef('b.tenant_id', '=', 'a.tenant_id').onRef('b.id', '=', 'a.booking_id'))
    .innerJoin('crew_members as c', (j) => j.onRef('c.id', '=', 'a.crew_member_id').onRef('c.tenant_id', '=', 'a.tenant_id'))
    .select(['a.booking_id', 'a.crew_member_id', 'a.role', 'c.name', 'c.email', 'b.starts_at'])
    .where('a.tenant_id', '=', tenantId)
    .where('a.status', '!=', 'declined')
    .where('c.deactivated_at', 'is', null)
    .where('b.status', '=', 'confirmed')
    .where('b.starts_at', '>', window.from)
    .where('b.starts_at', '<=', window.to)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('outgoing_mail as m')
            .select('m.id')
            .where('m.tenant_id', '=', tenantId)
            .where('m.status', '=', 'sent')
            .whereRef(
              'm.dedupe_key',
              '=',
              sql<string>`concat('crew-reminder:', a.booking_id, ':', a.crew_member_id, ':', floor(extract(epoch from b.starts_at))::bigint)`,
            ),
        ),
      ),
    )
    .orderBy('b.starts_at')
    .limit(window.limit)
    .execute();
}
