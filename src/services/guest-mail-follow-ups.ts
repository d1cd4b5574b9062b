/**
 * The guest mail that follows a change of a booking (ADR 0022): queued in the booking's own
 * transaction (`queueMail`), so it exists if and only if the change committed, and sent later by the
 * `mail.send` job. What follows what is decided in `domain/guest-follow-ups.ts` from the GUEST views
 * of the booking before and after the change; a change of something only staff see queues nothing.
 */
import type { Tx } from '../db/client';
import { withdrawUnsentMail } from '../db/queries/mail';
import { type GuestMailSnapshot, guestFollowUps } from '../domain/guest-follow-ups';
import { type BookingRecord, viewBookingForGuest } from '../domain/visibility';
import type { ServiceDeps, TenantContext } from './context';
import { queueMail } from './mail';
import type { PendingWrites } from './pending-writes';

/** The fields guest mail is decided on, read from the guest view of `record` (never from the record itself). */
export function guestMailSnapshot(record: BookingRecord): GuestMailSnapshot {
  const view = viewBookingForGuest(record) as {
    id: string;
    status: GuestMailSnapshot['status'];
    startsAt: string;
    endsAt: string;
    vesselName: string;
    meetingPoint: string;
    partySize: number;
  };
  return {
    id: view.id,
    status: view.status,
    version: record.version,
    startsAt: view.startsAt,
    endsAt: view.endsAt,
    vessel: view.vesselName,
    meetingPoint: view.meetingPoint,
    partySize: view.partySize,
    recipient: record.guestEmail,
  };
}

/**
 * Queues, inside `tx`, the guest mail that follows booking `after` (which was `before`, or is new when
 * `before` is null): to the booking's guest, automatic. The audit entries and jobs go to `pending`,
 * which the caller writes with its own (`writePending`). Returns the ids of the mail queued (none when
 * nothing follows, or the mail of this version was queued already).
 */
export async function queueGuestFollowUps(
  deps: Pick<ServiceDeps, 'jobs' | 'clock' | 'publicHost'>,
  tx: Tx,
  ctx: TenantContext,
  before: BookingRecord | null,
  after: BookingRecord,
  pending: PendingWrites,
): Promise<string[]> {
  await withdrawStale(deps, tx, ctx, before, after, pending);
  const queued: string[] = [];
  for (const mail of guestFollowUps(before && guestMailSnapshot(before), guestMailSnapshot(after))) {
    const id = await queueMail(
      deps,
      tx,
      ctx,
      {
        kind: mail.kind,
        dedupeKey: mail.dedupeKey,
        to: { name: after.guestName, address: after.guestEmail },
        bookingId: after.id,
        content: mail.content,
        automatic: true,
      },
      pending,
    );
    if (id) queued.push(id);
  }
  return queued;
}

/**
 * Withdraws the automatic guest mail that no longer applies and has not gone out: everything but the
 * cancellation once a charter is cancelled; the confirmation and changes once the guest's address is
 * corrected (a confirmation of the booking as it now is follows, to the new address); the reminder of
 * the old departure once it moved (the sweep queues one for the new time). Each withdrawal is
 * audited (in `pending`); its row says why.
 */
async function withdrawStale(
  deps: Pick<ServiceDeps, 'clock'>,
  tx: Tx,
  ctx: TenantContext,
  before: BookingRecord | null,
  after: BookingRecord,
  pending: PendingWrites,
): Promise<void> {
  if (!before) return;
  const cancelled = after.status === 'cancelled' && before.status !== 'cancelled';
  const moved = before.startsAt.getTime() !== after.startsAt.getTime();
  const readdressed = after.status === 'confirmed' && before.guestEmail.toLowerCase() !== after.guestEmail.toLowerCase();
  const [kinds, reason]: [string[], string] = cancelled
    ? [['guest.confirmation', 'guest.change', 'guest.reminder'], 'withdrawn: the charter was cancelled before this mail went out']
    : readdressed
      ? [['guest.confirmation', 'guest.change'], "withdrawn: the guest's address was corrected; a confirmation to it follows"]
      : moved
        ? [['guest.reminder'], 'withdrawn: the charter moved; a reminder for the new time follows']
        : [[], ''];
  if (kinds.length === 0) return;
  const ids = await withdrawUnsentMail(tx, ctx.tenantId, { bookingId: after.id, kinds, reason, now: deps.clock.now() });
  for (const id of ids) {
    pending.audit.push({ actor: ctx.actor, action: 'mail.withdrawn', entityType: 'booking', entityId: after.id, after: { mail: id } });
  }
}
