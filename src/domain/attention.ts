/**
 * What on a charter needs the office's attention, as reason codes with a sentence: the ops dashboard's
 * "Today" lists them per departure and for the next two days. Pure: built from the staff view.
 */
import type { StaffBookingView } from './visibility';

export type AttentionReason = 'crew-declined' | 'invitation-unanswered' | 'no-captain' | 'publish-failed';
export type Attention = { reason: AttentionReason; text: string };

/** An invitation still unanswered this close to departure needs a call rather than a wait. */
export const UNANSWERED_WARNING_MS = 24 * 60 * 60 * 1000;

/**
 * The reasons `booking` needs attention at `now`, in a fixed order. A cancelled or completed charter
 * needs none: nothing about it can still go wrong for the guest.
 */
export function attentionFor(booking: StaffBookingView, now: Date): Attention[] {
  if (booking.status === 'cancelled' || booking.status === 'completed') return [];
  const out: Attention[] = [];
  for (const c of booking.crew) {
    if (c.status === 'declined') out.push({ reason: 'crew-declined', text: `${c.name} (${c.role}) declined.` });
  }
  const untilStart = new Date(booking.startsAt).getTime() - now.getTime();
  if (untilStart > 0 && untilStart <= UNANSWERED_WARNING_MS) {
    for (const c of booking.crew) {
      if (c.status === 'invited') {
        out.push({
          reason: 'invitation-unanswered',
          text: `${c.name} (${c.role}) has not answered, and the charter leaves within 24 hours.`,
        });
      }
    }
  }
  const captained = booking.crew.some((c) => c.role === 'captain' && (c.status === 'accepted' || c.status === 'invited'));
  if (booking.status === 'confirmed' && !captained) {
    out.push({ reason: 'no-captain', text: 'Confirmed, but no captain has accepted or been invited.' });
  }
  if (booking.guestPage.error !== null) {
    out.push({ reason: 'publish-failed', text: `The guest page failed to publish: ${booking.guestPage.error}` });
  }
  return out;
}
