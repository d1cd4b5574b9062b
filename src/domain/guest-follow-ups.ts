/**
 * Which guest mail follows a change of a booking (ADR 0022), decided from what the guest sees of the
 * booking before and after it: confirmation when it becomes confirmed, change when a confirmed
 * charter's time, vessel, meeting point or party size changes, cancellation when a confirmed charter
 * is cancelled; nothing for holds, nothing when nothing a guest sees changed. And the dedupe keys that
 * make each mail once per booking version (a reminder: once per departure time). No I/O.
 */
import type { BookingStatus } from '../db/schema';

/** What a guest mail is decided on: the booking's status and version, and fields of its guest view. */
export type GuestMailSnapshot = {
  id: string;
  status: BookingStatus;
  version: number;
  /** Zoned ISO times, as the guest view shows them (in the vessel's zone). */
  startsAt: string;
  endsAt: string;
  /** The vessel's name. */
  vessel: string;
  meetingPoint: string;
  partySize: number;
};

/** The fields whose change a guest is told of, in the order a change mail lists them. */
export const GUEST_CHANGE_FIELDS = ['startsAt', 'endsAt', 'vessel', 'meetingPoint', 'partySize'] as const;

export type GuestChangeField = (typeof GUEST_CHANGE_FIELDS)[number];

export type GuestChange = { field: GuestChangeField; from: string | number; to: string | number };

export type GuestFollowUpKind = 'guest.confirmation' | 'guest.change' | 'guest.cancellation';

/** One mail to queue: its kind, its dedupe key and the `content` its renderer reads. */
export type GuestFollowUp = { kind: GuestFollowUpKind; dedupeKey: string; content: Record<string, unknown> };

/** What a guest sees that differs between `before` and `after`, field by field. */
export function guestChanges(before: GuestMailSnapshot, after: GuestMailSnapshot): GuestChange[] {
  return GUEST_CHANGE_FIELDS.filter((field) => before[field] !== after[field]).map((field) => ({
    field,
    from: before[field],
    to: after[field],
  }));
}

/**
 * The guest mail that follows a booking going from `before` (null: it was just created) to `after`.
 * A confirmation carries the booking as it is, so a hold confirmed with a new time gets the
 * confirmation alone; a cancellation that also moved the charter is a cancellation alone.
 */
export function guestFollowUps(before: GuestMailSnapshot | null, after: GuestMailSnapshot): GuestFollowUp[] {
  const was = before?.status ?? null;
  if (after.status === 'confirmed' && was !== 'confirmed') {
    return [{ kind: 'guest.confirmation', dedupeKey: `guest.confirmation:${after.id}:v${after.version}`, content: {} }];
  }
  if (before === null || was !== 'confirmed') return [];
  if (after.status === 'cancelled') {
    return [{ kind: 'guest.cancellation', dedupeKey: `guest.cancellation:${after.id}`, content: {} }];
  }
  if (after.status !== 'confirmed') return [];
  const changes = guestChanges(before, after);
  if (changes.length === 0) return [];
  return [{ kind: 'guest.change', dedupeKey: `guest.change:${after.id}:v${after.version}`, content: { changes } }];
}

/** The dedupe key of a guest's reminder: once per booking and departure time, so a moved charter is reminded anew. */
export function guestReminderKey(bookingId: string, startsAt: Date): string {
  return `guest.reminder:${bookingId}:${Math.floor(startsAt.getTime() / 1000)}`;
}
