/**
 * Live updates: what a committed change looks like on each audience's stream. The change feed turns
 * audit entries into signals (ids only, services/change-feed.ts); a stream turns each into the view
 * its subscriber may see — the staff view for a tenant's staff, the crew view for a crew member
 * assigned to the charter — built here from the visibility policy, never from a row. An entry's
 * `before` and `after` are never sent: they may hold contact details (ADR 0019).
 */
import { listAssignmentsOfBooking, listChecklistTicks } from '../db/queries/crew';
import { getCrewEvent } from '../db/queries/events';
import { listApiKeys } from '../db/queries/keys';
import { getCrewMemberById, listStaffUsers } from '../db/queries/people';
import type { AssignmentStatus } from '../db/schema';
import type { StaffBookingView } from '../domain/visibility';
import type { ChangeSignal } from '../ports/event-hub';
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

/** Who made a change: the actor's kind, and a name for a crew member, a staff user or a labelled key. */
export type ChangeActorView = { kind: string; name?: string };

/** A change on the staff stream: what happened to which entity, and the booking's staff view and crew event when it concerns one. */
export type StaffLiveEvent = {
  action: string;
  at: string;
  entity: { type: string; id: string };
  by: ChangeActorView;
  bookingId: string | null;
  booking: StaffBookingView | null;
  /** The crew side of the charter; null when it has no crew event (or the change concerns no booking). */
  event: { notes: string | null; assignments: StaffAssignmentView[]; checklist: ChecklistItem[] } | null;
};

/** A change on a crew member's stream: their charter as their own page shows it. */
export type CrewLiveEvent = { action: string; at: string; bookingId: string; charter: CharterForCrew };

async function actorOf(deps: ServiceDeps, tenantId: string, actor: ChangeSignal['actor']): Promise<ChangeActorView> {
  const id = actor.id;
  let name: string | null | undefined;
  if (id && actor.kind === 'crew') name = (await getCrewMemberById(deps.db, tenantId, id))?.name;
  else if (id && actor.kind === 'staff') name = (await listStaffUsers(deps.db, tenantId)).find((u) => u.id === id)?.name;
  else if (id && actor.kind === 'key') name = (await listApiKeys(deps.db, tenantId)).find((k) => k.id === id)?.label;
  return name ? { kind: actor.kind, name } : { kind: actor.kind };
}

async function staffBooking(deps: ServiceDeps, tenantId: string, bookingId: string) {
  const ctx = { tenantId, actor: { kind: 'system' as const, id: 'live' } };
  try {
    return (await getBooking(deps, ctx, bookingId)).booking;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

async function staffCrewEvent(deps: ServiceDeps, tenantId: string, bookingId: string): Promise<StaffLiveEvent['event']> {
  const [crewEvent, assignments, items, ticks] = await Promise.all([
    getCrewEvent(deps.db, tenantId, bookingId),
    listAssignmentsOfBooking(deps.db, tenantId, bookingId),
    checklistOf(deps, tenantId),
    listChecklistTicks(deps.db, tenantId, bookingId),
  ]);
  if (!crewEvent) return null;
  const byItem = new Map(ticks.map((t) => [t.item, t]));
  return {
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
  };
}

/** The staff stream's event for `signal`: every change of the tenant is the office's business. */
export async function buildStaffLiveEvent(deps: ServiceDeps, signal: ChangeSignal): Promise<StaffLiveEvent> {
  const { tenantId, bookingId } = signal;
  const [by, booking, event] = await Promise.all([
    actorOf(deps, tenantId, signal.actor),
    bookingId ? staffBooking(deps, tenantId, bookingId) : null,
    bookingId ? staffCrewEvent(deps, tenantId, bookingId) : null,
  ]);
  return { action: signal.action, at: signal.at, entity: signal.entity, by, bookingId, booking, event };
}

/** A crew member's stream event for `signal`; null unless it concerns a charter they are on. */
export async function buildCrewLiveEvent(deps: ServiceDeps, ctx: CrewContext, signal: ChangeSignal): Promise<CrewLiveEvent | null> {
  if (signal.tenantId !== ctx.tenantId || signal.bookingId === null) return null;
  try {
    const charter = await getCharterForCrew(deps, ctx, signal.bookingId);
    return { action: signal.action, at: signal.at, bookingId: signal.bookingId, charter };
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}
