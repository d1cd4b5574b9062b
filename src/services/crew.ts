/**
 * What a signed-in crew member sees and does: their upcoming charters (theirs only, in their tenant
 * only), the crew-safe event view, accept / decline, and the pre-departure checklist. Every view is
 * built from `viewBookingForCrew`; every change writes an audit entry with the crew member as actor.
 */
import { z } from 'zod';
import { insertAuditEntry } from '../db/queries/audit';
import * as q from '../db/queries/crew';
import { getCrewEvent } from '../db/queries/events';
import { getTenantById } from '../db/queries/tenants';
import type { AssignmentStatus } from '../db/schema';
import { checklistRefusal, DEFAULT_CHECKLIST_OPENS_HOURS } from '../domain/crew-rules';
import type { CrewBookingView } from '../domain/visibility';
import { getBookingForCrew } from './bookings';
import type { ServiceDeps, TenantContext } from './context';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { multiLine, singleLine } from './text-fields';

/** A crew member acting for themselves. */
export type CrewContext = TenantContext & { crewMemberId: string };

export function crewContext(tenantId: string, crewMemberId: string): CrewContext {
  return { tenantId, crewMemberId, actor: { kind: 'crew', id: crewMemberId } };
}

export type MyAssignment = { role: 'captain' | 'crew'; status: AssignmentStatus; declineReason: string | null };

export type CharterSummary = { booking: CrewBookingView; me: MyAssignment };

/** Used when a tenant has not set its own checklist (tenant settings `checklist`). */
export const DEFAULT_CHECKLIST = [
  'Safety briefing given',
  'Life jackets counted against party size',
  'Fuel checked',
  'Weather checked',
] as const;

/** The charters this crew member is assigned to that have not ended, soonest first. */
export async function listUpcomingCharters(deps: ServiceDeps, ctx: CrewContext): Promise<CharterSummary[]> {
  const rows = await q.listAssignmentsOfCrewMember(deps.db, ctx.tenantId, ctx.crewMemberId, {
    endsAfter: deps.clock.now(),
    limit: 200,
  });
  const out: CharterSummary[] = [];
  for (const r of rows) {
    out.push({
      booking: await getBookingForCrew(deps, ctx, r.booking_id),
      me: { role: r.role, status: r.status, declineReason: r.decline_reason },
    });
  }
  return out;
}

export type ChecklistItem = { item: string; ticked: { by: string | null; at: string } | null };

export type CharterForCrew = CharterSummary & {
  eventNotes: string | null;
  checklist: ChecklistItem[];
  /** Why this crew member cannot tick the checklist now (shown beside it, read-only), or null when they can. */
  checklistClosed: string | null;
  ended: boolean;
};

/** The tenant's pre-departure checklist (its setting, or the default). */
export async function checklistOf(deps: Pick<ServiceDeps, 'db'>, tenantId: string): Promise<string[]> {
  return (await checklistSettingsOf(deps, tenantId)).items;
}

/** The tenant's checklist and how many hours before departure it opens (`checklistOpensHours`, default 48). */
async function checklistSettingsOf(deps: Pick<ServiceDeps, 'db'>, tenantId: string): Promise<{ items: string[]; opensHours: number }> {
  const tenant = await getTenantById(deps.db, tenantId);
  const items = tenant?.settings.checklist?.filter((i) => typeof i === 'string' && i.trim() !== '');
  const hours = tenant?.settings.checklistOpensHours;
  return {
    items: items && items.length > 0 ? items : [...DEFAULT_CHECKLIST],
    opensHours: typeof hours === 'number' && Number.isFinite(hours) && hours >= 0 ? hours : DEFAULT_CHECKLIST_OPENS_HOURS,
  };
}

const charterOf = (b: CrewBookingView) => ({
  id: b.id,
  status: b.status,
  startsAt: new Date(b.startsAt),
  endsAt: new Date(b.endsAt),
  timezone: b.timezone,
});

async function myAssignment(deps: ServiceDeps, ctx: CrewContext, bookingId: string) {
  const a = await q.getAssignment(deps.db, ctx.tenantId, bookingId, ctx.crewMemberId);
  // Not assigned reads as not found: a crew member learns nothing of other charters.
  if (!a) throw new NotFoundError(`Charter ${bookingId}`);
  return a;
}

const bookingIdSchema = z.string().regex(/^[A-Za-z0-9]{4,16}$/);

function parseBookingId(raw: string): string {
  if (!bookingIdSchema.safeParse(raw).success) throw new NotFoundError(`Charter ${raw}`);
  return raw.toUpperCase();
}

/** One charter of this crew member: the crew-safe view, their answer, the checklist. */
export async function getCharterForCrew(deps: ServiceDeps, ctx: CrewContext, rawBookingId: string): Promise<CharterForCrew> {
  const bookingId = parseBookingId(rawBookingId);
  const a = await myAssignment(deps, ctx, bookingId);
  const [booking, event, settings, ticks] = await Promise.all([
    getBookingForCrew(deps, ctx, bookingId),
    getCrewEvent(deps.db, ctx.tenantId, bookingId),
    checklistSettingsOf(deps, ctx.tenantId),
    q.listChecklistTicks(deps.db, ctx.tenantId, bookingId),
  ]);
  const byItem = new Map(ticks.map((t) => [t.item, t]));
  const now = deps.clock.now();
  return {
    booking,
    me: { role: a.role, status: a.status, declineReason: a.decline_reason },
    eventNotes: event?.notes ?? null,
    checklist: settings.items.map((item) => {
      const t = byItem.get(item);
      return { item, ticked: t ? { by: t.crew_name, at: t.ticked_at.toISOString() } : null };
    }),
    checklistClosed: checklistRefusal(charterOf(booking), a.status, settings.opensHours, now),
    ended: new Date(booking.endsAt).getTime() <= now.getTime(),
  };
}

export const answerSchema = z.discriminatedUnion('answer', [
  z.strictObject({ answer: z.literal('accept') }),
  z.strictObject({
    answer: z.literal('decline'),
    reason: multiLine(500)
      .transform((r) => r.trim())
      .optional()
      .transform((r) => (r ? r : undefined)),
  }),
]);

export type AnswerInput = { answer: 'accept' } | { answer: 'decline'; reason?: string | undefined };

/**
 * Accepts or declines an assignment (a crew member may change their answer until the charter ends).
 * Errors: NotFoundError (not assigned), ConflictError (cancelled or ended charter).
 */
export async function answerAssignment(deps: ServiceDeps, ctx: CrewContext, rawBookingId: string, input: AnswerInput) {
  const bookingId = parseBookingId(rawBookingId);
  const status: AssignmentStatus = input.answer === 'accept' ? 'accepted' : 'declined';
  const reason = input.answer === 'decline' ? (input.reason ?? null) : null;
  await myAssignment(deps, ctx, bookingId);
  // Read outside the transaction: the embedded database is one session, held by an open transaction.
  const booking = await getBookingForCrew(deps, ctx, bookingId);
  if (booking.status === 'cancelled') throw new ConflictError('This charter is cancelled.');
  if (new Date(booking.endsAt).getTime() <= deps.clock.now().getTime()) throw new ConflictError('This charter has ended.');
  const out = await deps.db.transaction().execute(async (tx) => {
    const a = await q.getAssignment(tx, ctx.tenantId, bookingId, ctx.crewMemberId);
    if (!a) throw new NotFoundError(`Charter ${rawBookingId}`);
    if (a.status === status && a.decline_reason === reason) return { status, changed: false };
    await q.updateAssignmentStatus(tx, ctx.tenantId, bookingId, ctx.crewMemberId, {
      status,
      declineReason: reason,
      now: deps.clock.now(),
    });
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: `assignment.${status}`,
      entityType: 'event',
      entityId: bookingId,
      before: { crewMember: ctx.crewMemberId, status: a.status },
      after: { crewMember: ctx.crewMemberId, status, ...(reason ? { reason } : {}) },
    });
    if (status === 'declined') {
      // The office hears of a decline by mail, sent by a job after this commits.
      await deps.jobs.enqueue(tx, 'office.crew-declined', {
        tenantId: ctx.tenantId,
        bookingId,
        crewMemberId: ctx.crewMemberId,
        reason: 'assignment.declined',
      });
    }
    return { status, changed: true };
  });
  return out;
}

export const tickSchema = z.strictObject({
  item: singleLine(200),
  ticked: z.enum(['true', 'false']).transform((v) => v === 'true'),
});

/**
 * Ticks or unticks a checklist item of a charter, recording who and when (and an audit entry). Only
 * crew who accepted may, from the tenant's `checklistOpensHours` before departure until the charter
 * ends. Errors: NotFoundError (not assigned), ValidationError (not an item of the tenant's checklist),
 * ConflictError with the reason (not accepted, outside the window, cancelled).
 */
export async function setChecklistTick(deps: ServiceDeps, ctx: CrewContext, rawBookingId: string, input: z.infer<typeof tickSchema>) {
  const bookingId = parseBookingId(rawBookingId);
  const settings = await checklistSettingsOf(deps, ctx.tenantId);
  if (!settings.items.includes(input.item)) throw new ValidationError([{ field: 'item', message: 'is not on the checklist' }]);
  await myAssignment(deps, ctx, bookingId);
  const booking = await getBookingForCrew(deps, ctx, bookingId);
  const out = await deps.db.transaction().execute(async (tx) => {
    const a = await q.getAssignment(tx, ctx.tenantId, bookingId, ctx.crewMemberId);
    if (!a) throw new NotFoundError(`Charter ${rawBookingId}`);
    const now = deps.clock.now();
    const refusal = checklistRefusal(charterOf(booking), a.status, settings.opensHours, now);
    if (refusal) throw new ConflictError(refusal);
    const changed = input.ticked
      ? await q.insertChecklistTick(tx, ctx.tenantId, { bookingId, item: input.item, crewMemberId: ctx.crewMemberId, now })
      : await q.deleteChecklistTick(tx, ctx.tenantId, bookingId, input.item);
    if (changed) {
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: input.ticked ? 'checklist.ticked' : 'checklist.unticked',
        entityType: 'event',
        entityId: bookingId,
        after: { item: input.item },
      });
    }
    return { item: input.item, ticked: input.ticked, changed };
  });
  return out;
}
