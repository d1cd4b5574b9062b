/**
 * Crew events: the crew side of a booking (`event_id` equals the booking id) and its assignments.
 * Creating or changing one enqueues the crew notification in the same transaction.
 */
import { z } from 'zod';
import { insertAuditEntry } from '../db/queries/audit';
import { bookingIdExists } from '../db/queries/bookings';
import { getCrewEvent, upsertAssignment, upsertCrewEvent } from '../db/queries/events';
import { getCrewMemberByEmail, getCrewMemberById } from '../db/queries/people';
import { BOOKING_ID_PATTERN, normalizeBookingId } from '../domain/ids';
import { getBookingForCrew } from './bookings';
import { publishChange } from './changes';
import type { ServiceDeps, TenantContext } from './context';
import { NotFoundError, ValidationError } from './errors';
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

/** Creates or updates the crew event of a booking; returns its crew-safe view. */
export async function upsertEvent(deps: ServiceDeps, ctx: TenantContext, input: CrewEventInput) {
  const { tenantId } = ctx;
  const bookingId = normalizeBookingId(input.booking_id);
  const existed = await deps.db.transaction().execute(async (tx) => {
    if (!(await bookingIdExists(tx, tenantId, bookingId))) {
      throw new ValidationError([{ field: 'booking_id', message: `no booking ${input.booking_id} in this tenant` }]);
    }
    const existed = (await getCrewEvent(tx, tenantId, bookingId)) !== undefined;
    const now = deps.clock.now();
    await upsertCrewEvent(tx, tenantId, bookingId, input.notes, now);
    const assigned: string[] = [];
    const problems: { field: string; message: string }[] = [];
    for (const [i, c] of (input.crew ?? []).entries()) {
      const member = c.crewId ? await getCrewMemberById(tx, tenantId, c.crewId) : await getCrewMemberByEmail(tx, tenantId, c.email ?? '');
      if (!member) {
        problems.push({ field: `crew.${i}`, message: `no crew member ${c.crewId ?? c.email} in this tenant` });
        continue;
      }
      await upsertAssignment(tx, tenantId, { bookingId, crewMemberId: member.id, role: c.role }, now);
      assigned.push(member.id);
    }
    if (problems.length > 0) throw new ValidationError(problems);
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
    return existed;
  });
  publishChange(deps, { tenantId, bookingId, type: existed ? 'event.updated' : 'event.created' });
  return getEvent(deps, ctx, bookingId);
}

/**
 * The role a crew member usually takes (their profile's), for callers that let it be left out.
 * Errors: NotFoundError when no such crew member is in the tenant.
 */
export async function usualRoleOf(deps: ServiceDeps, ctx: TenantContext, ref: { crewId: string } | { email: string }) {
  const member =
    'crewId' in ref
      ? await getCrewMemberById(deps.db, ctx.tenantId, ref.crewId)
      : await getCrewMemberByEmail(deps.db, ctx.tenantId, ref.email);
  if (!member) throw new NotFoundError(`Crew member ${'crewId' in ref ? ref.crewId : ref.email}`);
  return member.role;
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
