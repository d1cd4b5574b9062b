/**
 * Crew events: the crew side of a booking (`event_id` equals the booking id) and its assignments.
 * Creating or changing one enqueues the crew notification in the same transaction.
 */
import { z } from 'zod';
import type { Queryable } from '../db/client';
import { insertAuditEntry } from '../db/queries/audit';
import { getBookingForUpdate } from '../db/queries/bookings';
import { listAssignmentsOfBooking } from '../db/queries/crew';
import { deleteAssignment, getCrewEvent, upsertAssignment, upsertCrewEvent } from '../db/queries/events';
import { getCrewMemberByEmail, getCrewMemberById } from '../db/queries/people';
import type { AssignmentStatus } from '../db/schema';
import { assignmentRefusal, unassignmentRefusal } from '../domain/crew-rules';
import { BOOKING_ID_PATTERN, normalizeBookingId } from '../domain/ids';
import { getBookingForCrew } from './bookings';
import type { ServiceDeps, TenantContext } from './context';
import { ConflictError, type FieldError, NotFoundError, ServiceError, ValidationError } from './errors';
import { multiLine } from './text-fields';

export const crewEventSchema = z
  .strictObject({
    booking_id: z.string().regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id'),
    crew: z
      .array(
        z
          .strictObject({
            crewId: z.uuid('must be a crew member id').optional(),
            email: z.email('must be an e-mail address').optional(),
            role: z.enum(['captain', 'crew']),
          })
          .refine((c) => (c.crewId === undefined) !== (c.email === undefined), 'give exactly one of crewId or email'),
      )
      .max(50)
      .optional(),
    notes: multiLine(4000).nullish(),
  })
  .meta({
    id: 'CrewEventInput',
    description: 'The crew of a booking: each member by `crewId` or `email`, with a role; notes are shown to the crew.',
    example: {
      booking_id: 'XHQGMDH',
      crew: [
        { email: 'captain@example.com', role: 'captain' },
        { email: 'deckhand@example.com', role: 'crew' },
      ],
      notes: 'Fuel at the north dock before boarding.',
    },
  });

export type CrewEventInput = z.infer<typeof crewEventSchema>;

/** A crew member named by id or by e-mail address. */
export type CrewRef = { crewId: string } | { email: string };

/** Finds a crew member of the tenant by id or address; `forUpdate` locks the row until the transaction ends. */
export async function findCrewMember(q: Queryable, tenantId: string, ref: CrewRef, options: { forUpdate?: boolean } = {}) {
  if ('crewId' in ref) {
    // Not a UUID names no one (and never reaches the database as one).
    return z.uuid().safeParse(ref.crewId).success ? getCrewMemberById(q, tenantId, ref.crewId, options) : undefined;
  }
  return getCrewMemberByEmail(q, tenantId, ref.email, options);
}

export const refName = (ref: CrewRef) => ('crewId' in ref ? ref.crewId : ref.email);

/**
 * Creates or updates the crew event of a booking; returns its crew-safe view. Assigning crew is
 * refused with ConflictError when the charter is cancelled, completed or over by `deps.clock`, or
 * a crew member is deactivated; an unknown booking or crew member is a ValidationError. On any
 * error nothing is stored and no notice is queued.
 */
export async function upsertEvent(deps: ServiceDeps, ctx: TenantContext, input: CrewEventInput) {
  const { tenantId } = ctx;
  const bookingId = normalizeBookingId(input.booking_id);
  await deps.db.transaction().execute(async (tx) => {
    // The booking row is locked so a cancel cannot slip in between this check and the commit.
    const booking = await getBookingForUpdate(tx, tenantId, bookingId);
    if (!booking) {
      throw new ValidationError([{ field: 'booking_id', message: `no booking ${input.booking_id} in this tenant` }]);
    }
    const now = deps.clock.now();
    const crew = input.crew ?? [];
    if (crew.length > 0) {
      const refusal = assignmentRefusal(
        { id: booking.id, status: booking.status, startsAt: booking.starts_at, endsAt: booking.ends_at, timezone: booking.timezone },
        now,
      );
      if (refusal) throw new ConflictError(refusal);
    }
    const existed = (await getCrewEvent(tx, tenantId, bookingId)) !== undefined;
    await upsertCrewEvent(tx, tenantId, bookingId, input.notes, now);
    const assigned: string[] = [];
    const unknown: FieldError[] = [];
    const inactive: { field: string; name: string }[] = [];
    for (const [i, c] of crew.entries()) {
      const ref: CrewRef = c.crewId ? { crewId: c.crewId } : { email: c.email ?? '' };
      // Locked, so a deactivation running at the same time either comes first (and is seen) or
      // waits and then takes this assignment away with the others.
      const member = await findCrewMember(tx, tenantId, ref, { forUpdate: true });
      if (!member) {
        unknown.push({ field: `crew.${i}`, message: `no crew member ${refName(ref)} in this tenant` });
        continue;
      }
      if (member.deactivated_at !== null) {
        inactive.push({ field: `crew.${i}`, name: `${member.name} <${member.email}>` });
        continue;
      }
      await upsertAssignment(tx, tenantId, { bookingId, crewMemberId: member.id, role: c.role }, now);
      assigned.push(member.id);
    }
    if (unknown.length > 0) throw new ValidationError(unknown);
    if (inactive.length > 0) {
      throw new ConflictError(
        `${inactive.map((m) => m.name).join(', ')} ${inactive.length === 1 ? 'is' : 'are'} deactivated and cannot be assigned; add them again to reactivate.`,
        inactive.map((m) => ({ field: m.field, message: 'is deactivated' })),
      );
    }
    await insertAuditEntry(tx, tenantId, {
      actor: ctx.actor,
      action: existed ? 'event.updated' : 'event.created',
      entityType: 'event',
      entityId: bookingId,
      after: { crew: assigned, notes: input.notes ?? null },
    });
    if (assigned.length > 0) {
      await deps.jobs.enqueue(tx, 'crew.notify', { tenantId, bookingId, reason: existed ? 'event.updated' : 'event.created' });
    }
  });
  return getEvent(deps, ctx, bookingId);
}

/**
 * Takes a crew member off a booking's crew: their access to that charter ends at once (its pages,
 * answers, checklist, feed entry and live updates), and no notice is sent to them for it any more.
 * Audited as `assignment.removed`. Errors: NotFoundError (no such booking or crew member, or not on
 * this crew), ConflictError (the charter is over: its crew stays on record).
 */
export async function unassignCrew(deps: ServiceDeps, ctx: TenantContext, rawBookingId: string, ref: CrewRef) {
  const { tenantId } = ctx;
  const bookingId = normalizeBookingId(rawBookingId);
  if (!BOOKING_ID_PATTERN.test(bookingId)) throw new NotFoundError(`Booking ${rawBookingId}`);
  await deps.db.transaction().execute(async (tx) => {
    const booking = await getBookingForUpdate(tx, tenantId, bookingId);
    if (!booking) throw new NotFoundError(`Booking ${rawBookingId}`);
    const member = await findCrewMember(tx, tenantId, ref);
    if (!member) throw new NotFoundError(`Crew member ${refName(ref)}`);
    const removed = await deleteAssignment(tx, tenantId, bookingId, member.id);
    if (!removed) throw new ServiceError(404, 'Not found', `${member.name} is not on the crew of ${bookingId}.`);
    const refusal = unassignmentRefusal(
      { id: booking.id, status: booking.status, startsAt: booking.starts_at, endsAt: booking.ends_at, timezone: booking.timezone },
      deps.clock.now(),
    );
    // Thrown inside the transaction: the delete above is rolled back with it.
    if (refusal) throw new ConflictError(refusal);
    await insertAuditEntry(tx, tenantId, {
      actor: ctx.actor,
      action: 'assignment.removed',
      entityType: 'event',
      entityId: bookingId,
      before: { crewMember: member.id, role: removed.role, status: removed.status },
    });
  });
  return getEvent(deps, ctx, bookingId);
}

/**
 * The role a crew member usually takes (their profile's), for callers that let it be left out.
 * Errors: NotFoundError when no such crew member is in the tenant.
 */
export async function usualRoleOf(deps: ServiceDeps, ctx: TenantContext, ref: CrewRef) {
  const member = await findCrewMember(deps.db, ctx.tenantId, ref);
  if (!member) throw new NotFoundError(`Crew member ${refName(ref)}`);
  return member.role;
}

/** One crew member on a booking's crew as the office sees it: who, in which role, and their answer. */
export type CrewAssignmentView = {
  crewMemberId: string;
  name: string;
  role: 'captain' | 'crew';
  status: AssignmentStatus;
  declineReason: string | null;
  /** When they accepted or declined (ISO 8601 in UTC); null while invited. */
  answeredAt: string | null;
};

/** The crew of one of the tenant's bookings, captains first, for the office; empty when it has none. */
export async function listCrewAssignments(
  deps: Pick<ServiceDeps, 'db'>,
  ctx: TenantContext,
  rawBookingId: string,
): Promise<CrewAssignmentView[]> {
  const bookingId = normalizeBookingId(rawBookingId);
  if (!BOOKING_ID_PATTERN.test(bookingId)) return [];
  const rows = await listAssignmentsOfBooking(deps.db, ctx.tenantId, bookingId);
  return rows.map((a) => ({
    crewMemberId: a.crew_member_id,
    name: a.name,
    role: a.role,
    status: a.status,
    declineReason: a.decline_reason,
    answeredAt: a.status === 'invited' ? null : a.updated_at.toISOString(),
  }));
}

/** The crew-safe view of an event: the booking's crew view plus the event's own notes. */
export async function getEvent(deps: ServiceDeps, ctx: TenantContext, rawId: string) {
  const id = normalizeBookingId(rawId);
  if (!BOOKING_ID_PATTERN.test(id)) throw new NotFoundError(`Event ${rawId}`);
  const event = await getCrewEvent(deps.db, ctx.tenantId, id);
  if (!event) throw new NotFoundError(`Event ${rawId}`);
  const booking = await getBookingForCrew(deps, ctx, id);
  return { event_id: id, notes: event.notes, booking };
}
