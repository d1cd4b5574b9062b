/**
 * The guest mail that follows a change of a booking (ADR 0022): queued in the booking's own
 * transaction (`queueMail`), so it exists if and only if the change committed, and sent later by the
 * `mail.send` job. What follows what is decided in `domain/guest-follow-ups.ts` from the GUEST views
 * of the booking before and after the change; a change of something only staff see queues nothing.
 */
import type { Tx } from '../db/client';
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
