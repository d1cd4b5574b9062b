/**
 * The `.ics` file stored beside a guest page: one event in UTC with a stable UID, the booking's
 * version as SEQUENCE (so calendar apps take updates) and STATUS:CANCELLED once cancelled.
 * Rendered from the guest view only, like the page; deterministic for a given booking version.
 * Every text value is escaped (RFC 5545 §3.3.11) whatever the stored data holds: the library does
 * not escape the calendar's NAME or X-WR-CALNAME, nor a UID, so those are escaped here.
 */
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { escapeCalendarText, toCalendarText } from '../domain/ical-text';
import { guestPageBookingSchema } from './guest-page';

export function renderGuestCalendar(
  view: unknown,
  site: { domain: string; tenantName: string },
  revision: { version: number; updatedAt: Date },
): string {
  const b = guestPageBookingSchema.parse(view);
  const cal = ical({
    prodId: { company: 'Bosun', product: 'Guest page', language: 'EN' },
    name: escapeCalendarText(site.tenantName),
    method: ICalCalendarMethod.PUBLISH,
  });
  // The calendar without its event, as the library writes (and folds) it — the same for every page
  // of a tenant, so kept; the event is folded here, line by line as the library folds, without its
  // per-character encoder (most of the render's time).
  const empty = emptyCalendar(cal, site.tenantName);
  const event = cal.createEvent({
    id: escapeCalendarText(`${b.id}@${site.domain}`),
    sequence: revision.version,
    stamp: revision.updatedAt,
    start: new Date(b.startsAt),
    end: new Date(b.endsAt),
    summary: toCalendarText(`${b.status === 'cancelled' ? 'Cancelled: ' : ''}Charter on ${b.vesselName} — ${site.tenantName}`),
    location: b.meetingPoint ? toCalendarText(b.meetingPoint) : null,
    description: toCalendarText(`Booking ${b.id}, party of ${b.partySize}. ${b.guestPageUrl}`),
    url: b.guestPageUrl,
    status: b.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  if (!empty.endsWith(`\r\n${END}`)) return cal.toString();
  return empty.slice(0, -END.length) + foldLines(event.toString()) + END;
}

const END = 'END:VCALENDAR';

const emptyCalendars = new Map<string, string>();
const MAX_KEPT = 1000;

function emptyCalendar(cal: ReturnType<typeof ical>, tenantName: string): string {
  let text = emptyCalendars.get(tenantName);
  if (text === undefined) {
    text = cal.toString();
    if (emptyCalendars.size >= MAX_KEPT) emptyCalendars.clear();
    emptyCalendars.set(tenantName, text);
  }
  return text;
}
const encoder = new TextEncoder();

/**
 * Folds each line after 75 octets, exactly as ical-generator's `foldLines` does (a surrogate pair is
 * one character; a character is never split).
 */
function foldLines(input: string): string {
  return input
    .split('\r\n')
    .map((line) => {
      let result = '';
      let octets = 0;
      for (let i = 0; i < line.length; i++) {
        let ch = line.charAt(i);
        if (ch >= '\ud800' && ch <= '\udbff') ch += line.charAt(++i);
        const size = ch.length === 1 && ch.charCodeAt(0) < 0x80 ? 1 : encoder.encode(ch).length;
        octets += size;
        if (octets > 74) {
          result += '\r\n ';
          octets = size;
        }
        result += ch;
      }
      return result;
    })
    .join('\r\n');
}
