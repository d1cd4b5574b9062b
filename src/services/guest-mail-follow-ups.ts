/**
 * The guest mail that follows a change of a booking (ADR 0022): queued in the booking's own
 * transaction (`queueMail`), so it exists if and only if the change committed, and sent later by the
 * `mail.send` job. What follows what is decided in `domain/guest-follow-ups.ts` from the GUEST views
 * of the booking before and after the change; a change of something only staff see queues nothing.
 */
import type { Tx } from '../db/client';
import { insertAuditEntry } from '../db/queries/audit';
import { withdrawUnsentMail } from '../db/queries/mail';
import { type GuestMailSnapshot, guestFollowUps } from '../domain/guest-follow-ups';
import { type BookingRecord, viewBookingForGuest } from '../domain/visibility';
import type { ServiceDeps, TenantContext } from './context';
import { queueMail } from './mail';

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
  };
}

/**
 * Queues, inside `tx`, the guest mail that follows booking `after` (which was `before`, or is new when
 * `before` is null): to the booking's guest, automatic. Returns the ids of the mail queued (none when
 * nothing follows, or the mail of this version was queued already).
 */
export async function queueGuestFollowUps(
  deps: Pick<ServiceDeps, 'jobs' | 'clock' | 'publicHost'>,
  tx: Tx,
  ctx: TenantContext,
  before: BookingRecord | null,
  after: BookingRecord,
): Promise<string[]> {
  await withdrawStale(deps, tx, ctx, before, after);
  const queued: string[] = [];
  for (const mail of guestFollowUps(before && guestMailSnapshot(before), guestMailSnapshot(after))) {
    const id = await queueMail(deps, tx, ctx, {
      kind: mail.kind,
      dedupeKey: mail.dedupeKey,
      to: { name: after.guestName, address: after.guestEmail },
      bookingId: after.id,
      content: mail.content,
      automatic: true,
    });
    if (id) queued.push(id);
  }
  return queued;
}

/**
 * Withdraws the automatic guest mail that no longer applies and has not gone out: everything but the
 * cancellation once a charter is cancelled, and the reminder of the old departure once it moved (the
 * sweep queues one for the new time). Each withdrawal is audited; its row says why.
 */
async function withdrawStale(
  deps: Pick<ServiceDeps, 'clock'>,
  tx: Tx,
  ctx: TenantContext,
  before: BookingRecord | null,
  after: BookingRecord,
): Promise<void> {
  if (!before) return;
  const cancelled = after.status === 'cancelled' && before.status !== 'cancelled';
  const moved = before.startsAt.getTime() !== after.startsAt.getTime();
  if (!cancelled && !moved) return;
  const ids = await withdrawUnsentMail(tx, ctx.tenantId, {
    bookingId: after.id,
    kinds: cancelled ? ['guest.confirmation', 'guest.change', 'guest.reminder'] : ['guest.reminder'],
    reason: cancelled
      ? 'withdrawn: the charter was cancelled before this mail went out'
      : 'withdrawn: the charter moved; a reminder for the new time follows',
    now: deps.clock.now(),
  });
  for (const id of ids) {
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'mail.withdrawn',
      entityType: 'booking',
      entityId: after.id,
      after: { mail: id },
    });
  }
}
