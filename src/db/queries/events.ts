/** Crew events (the crew side of a booking) and their assignments, within one tenant. */
import type { Queryable } from '../client';

export async function getCrewEvent(q: Queryable, tenantId: string, bookingId: string) {
  return q.selectFrom('crew_events').selectAll().where('tenant_id', '=', tenantId).where('booking_id', '=', bookingId).executeTakeFirst();
}

export async function upsertCrewEvent(q: Queryable, tenantId: string, bookingId: string, notes: string | null | undefined, now: Date) {
  return q
    .insertInto('crew_events')
    .values({ tenant_id: tenantId, booking_id: bookingId, notes: notes ?? null, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'booking_id']).doUpdateSet((eb) => ({
        notes: notes === undefined ? eb.ref('crew_events.notes') : notes,
        updated_at: now,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Adds the crew member to the event or changes their role; a declined one is invited again. */
export async function upsertAssignment(
  q: Queryable,
  tenantId: string,
  a: { bookingId: string; crewMemberId: string; role: 'captain' | 'crew' },
  now: Date,
) {
  return q
    .insertInto('assignments')
    .values({
      tenant_id: tenantId,
      booking_id: a.bookingId,
      crew_member_id: a.crewMemberId,
      role: a.role,
      updated_at: now,
      invited_at: now,
      decline_reason: null,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'booking_id', 'crew_member_id']).doUpdateSet((eb) => ({
        role: a.role,
        status: eb
          .case()
          .when('assignments.status', '=', 'declined')
          .then('invited' as const)
          .else(eb.ref('assignments.status'))
          .end(),
        // Inviting again one who declined is a new invitation (its notice is mailed anew).
        invited_at: eb.case().when('assignments.status', '=', 'declined').then(now).else(eb.ref('assignments.invited_at')).end(),
        updated_at: now,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Takes a crew member off a booking's crew; returns the assignment as it was, or undefined. */
export async function deleteAssignment(q: Queryable, tenantId: string, bookingId: string, crewMemberId: string) {
  return q
    .deleteFrom('assignments')
    .where('tenant_id', '=', tenantId)
    .where('booking_id', '=', bookingId)
    .where('crew_member_id', '=', crewMemberId)
    .returning(['booking_id', 'crew_member_id', 'role', 'status'])
    .executeTakeFirst();
}

/**
 * Takes a crew member off every charter that has not ended by `now` (a completed one has); their
 * past assignments stay. Returns the assignments removed.
 */
export async function deleteUpcomingAssignmentsOfCrewMember(q: Queryable, tenantId: string, crewMemberId: string, now: Date) {
  return q
    .deleteFrom('assignments')
    .where('tenant_id', '=', tenantId)
    .where('crew_member_id', '=', crewMemberId)
    .where('booking_id', 'in', (eb) =>
      eb
        .selectFrom('bookings')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('ends_at', '>', now)
        .where('status', '!=', 'completed'),
    )
    .returning(['booking_id', 'crew_member_id', 'role', 'status'])
    .execute();
}
