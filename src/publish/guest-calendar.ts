/**
 * The `.ics` file stored beside a guest page: one event in UTC with a stable UID, the booking's
 * version as SEQUENCE (so calendar apps take updates) and STATUS:CANCELLED once cancelled.
 * Rendered from the guest view only, like the page; deterministic for a given booking version.
 */
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { guestPageBookingSchema } from './guest-page';

export function renderGuestCalendar(
  view: unknown,
  site: { domain: string; tenantName: string },
  revision: { version: number; updatedAt: Date },
): string {
  const b = guestPageBookingSchema.parse(view);
  const cal = ical({
    prodId: { company: 'Bosun', product: 'Guest page', language: 'EN' },
    name: site.tenantName,
    method: ICalCalendarMethod.PUBLISH,
  });
  cal.createEvent({
    id: `${b.id}@${site.domain}`,
    sequence: revision.version,
    stamp: revision.updatedAt,
    start: new Date(b.startsAt),
    end: new Date(b.endsAt),
    summary: `${b.status === 'cancelled' ? 'Cancelled: ' : ''}Charter on ${b.vesselName} — ${site.tenantName}`,
    location: b.meetingPoint || null,
    description: `Booking ${b.id}, party of ${b.partySize}. ${b.guestPageUrl}`,
    url: b.guestPageUrl,
    status: b.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return cal.toString();
}
