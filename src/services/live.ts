/**
 * Live updates: what a change looks like on each audience's stream. Services publish a signal (ids
 * only) after their transaction commits; a stream turns it into the view its subscriber may see —
 * the staff view for a tenant's staff, the crew view for a crew member assigned to the charter —
 * built here from the visibility policy, never from a row (ADR 0014).
 */
import { listAssignmentsOfBooking, listChecklistTicks } from '../db/queries/crew';
import { getCrewEvent } from '../db/queries/events';
import { getCrewMemberById } from '../db/queries/people';
import type { AssignmentStatus } from '../db/schema';
import type { StaffBookingView } from '../domain/visibility';
import type { ChangeSignal, ChangeType } from '../ports/event-hub';
import { getBooking } from './bookings';
import type { ServiceDeps } from './context';
import { type CharterForCrew, type ChecklistItem, type CrewContext, checklistOf, getCharterForCrew } from './crew';
import { NotFoundError } from './errors';

/** One crew member's assignment as the office sees it. */
export type StaffAssignmentView = {
  name: string;
  role: 'captain' | 'crew';
  status: AssignmentStatus;
  declineReason: string | null;
  answeredAt: string | null;
};

/** A change on the staff stream: the booking's staff view and its crew event. */
export type StaffLiveEvent = {
  type: ChangeType;
  at: string;
  bookingId: string;
  /** Who made the change: a crew member's name, or null for the office and the system. */
  by: { kind: 'crew'; name: string } | { kind: 'office' };
  booking: StaffBookingView;
  /** The crew side of the charter; null when it has no crew event yet. */
  event: { notes: string | null; assignments: StaffAssignmentView[]; checklist: ChecklistItem[] } | null;
};

/** A change on a crew member's stream: their charter as their own page shows it. */
export type CrewLiveEvent = { type: ChangeType; at: string; bookingId: string; charter: CharterForCrew };

/** The staff stream's event for `signal`; null when the booking no longer exists. */
export async function buildStaffLiveEvent(deps: ServiceDeps, signal: ChangeSignal): Promise<StaffLiveEvent | null> {
  const { tenantId, bookingId } = signal;
  const ctx = { tenantId, actor: { kind: 'system' as const, id: 'live' } };
  let booking: StaffBookingView;
  try {
    booking = (await getBooking(deps, ctx, bookingId)).booking;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
  const [crewEvent, assignments, items, ticks, actor] = await Promise.all([
    getCrewEvent(deps.db, tenantId, bookingId),
    listAssignmentsOfBooking(deps.db, tenantId, bookingId),
    checklistOf(deps, tenantId),
    listChecklistTicks(deps.db, tenantId, bookingId),
    signal.crewMemberId ? getCrewMemberById(deps.db, tenantId, signal.crewMemberId) : undefined,
  ]);
  const byItem = new Map(ticks.map((t) => [t.item, t]));
  return {
    type: signal.type,
    at: signal.at,
    bookingId,
    by: actor ? { kind: 'crew', name: actor.name } : { kind: 'office' },
    booking,
    event: crewEvent
      ? {
          notes: crewEvent.notes,
          assignments: assignments.map((a) => ({
            name: a.name,
            role: a.role,
            status: a.status,
            declineReason: a.decline_reason,
            answeredAt: a.status === 'invited' ? null : a.updated_at.toISOString(),
          })),
          checklist: items.map((item) => {
            const t = byItem.get(item);
            return { item, ticked: t ? { by: t.crew_name, at: t.ticked_at.toISOString() } : null };
          }),
        }
      : null,
  };
}

/** A crew member's stream event for `signal`; null when they are not on that charter. */
export async function buildCrewLiveEvent(deps: ServiceDeps, ctx: CrewContext, signal: ChangeSignal): Promise<CrewLiveEvent | null> {
  if (signal.tenantId !== ctx.tenantId) return null;
  try {
    const charter = await getCharterForCrew(deps, ctx, signal.bookingId);
    return { type: signal.type, at: signal.at, bookingId: signal.bookingId, charter };
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}
