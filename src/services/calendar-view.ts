/**
 * The ops calendar's data for a range of at most 62 days: the tenant's charters that overlap it
 * (cancelled ones too, flagged) and its calendar entries, each with a colour per vessel from
 * `domain/vessel-colours.ts` and, for a charter, the dashboard page it opens.
 */
import { z } from 'zod';
import { listBookings } from '../db/queries/bookings';
import { listCalendarEntriesWithVessel } from '../db/queries/calendar';
import { listVessels } from '../db/queries/people';
import { getTenantById } from '../db/queries/tenants';
import { BOOKING_RULES, isSaneYear } from '../domain/booking';
import { DATE_ONLY, dayIn, ISO_WITH_OFFSET, startOfDayIn } from '../domain/time';
import { NO_VESSEL_COLOUR, vesselColour } from '../domain/vessel-colours';
import { staffViewsOf } from './bookings';
import type { ServiceDeps, TenantContext } from './context';
import { ValidationError } from './errors';
import { parseInput } from './parse-input';

export const MAX_RANGE_DAYS = 62;
const DAY_MS = 24 * 60 * 60 * 1000;
/** A range of whole days across a change of clocks is an hour longer than its days. */
const CLOCK_CHANGE_MS = 60 * 60 * 1000;
/** More charters than 62 days of any fleet hold. */
const MAX_BOOKINGS = 5000;

/** Whether `YYYY-MM-DD` names a day that exists (JavaScript reads 2026-02-30 as March 2). */
function isCalendarDay(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

const dayOrInstant = z
  .string()
  .refine((v) => (DATE_ONLY.test(v) || ISO_WITH_OFFSET.test(v)) && isCalendarDay(v.slice(0, 10)) && !Number.isNaN(new Date(v).getTime()), {
    message: 'must be a date like 2026-05-30 or a date-time like 2026-05-30T00:00:00-07:00',
  })
  .refine(
    (v) => isSaneYear(Number(v.slice(0, 4))),
    `must lie between the years ${BOOKING_RULES.earliestYear} and ${BOOKING_RULES.latestYear}`,
  );

export const calendarRangeSchema = z.strictObject({
  /** The first day (in the tenant's zone) or instant of the range. */
  start: dayOrInstant,
  /** The end of the range, exclusive: the day after the last one shown, as calendars ask. */
  end: dayOrInstant,
});

export type CalendarItem = {
  kind: 'booking' | 'entry';
  id: string;
  title: string;
  /** ISO 8601: a charter's times in its vessel's zone; an entry's day (`allDay`), its end the next day. */
  start: string;
  end: string;
  allDay: boolean;
  vesselId: string | null;
  vesselName: string | null;
  /** Background colour; white text reads on it at 4.5:1 or more. */
  color: string;
  status: string | null;
  cancelled: boolean;
  /** The dashboard's page of the charter, or null for an entry about no charter. */
  url: string | null;
};

const bookingUrl = (id: string) => `/app/bookings/${id}`;

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * Charters overlapping [start, end) and calendar entries on its days, charters first by start.
 * ValidationError (422) naming `start` or `end` for a value that is no date, an end not after the
 * start, or a range over 62 days.
 */
export async function getCalendarRange(
  deps: ServiceDeps,
  ctx: TenantContext,
  input: z.input<typeof calendarRangeSchema>,
): Promise<{ items: CalendarItem[] }> {
  const range = parseInput(calendarRangeSchema, input);
  const { tenantId } = ctx;
  const [tenant, vessels] = await Promise.all([getTenantById(deps.db, tenantId), listVessels(deps.db, tenantId)]);
  const zone = tenant?.timezone ?? 'UTC';
  const instant = (v: string) => (DATE_ONLY.test(v) ? startOfDayIn(v, zone) : new Date(v));
  const from = instant(range.start);
  const to = instant(range.end);
  if (to.getTime() <= from.getTime()) throw new ValidationError([{ field: 'end', message: 'must be after start' }]);
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS + CLOCK_CHANGE_MS) {
    throw new ValidationError([{ field: 'end', message: `must be at most ${MAX_RANGE_DAYS} days after start` }]);
  }
  const colourOf = new Map(vessels.map((v, i) => [v.id, vesselColour(i)]));
  const [rows, entries] = await Promise.all([
    listBookings(deps.db, tenantId, { from, to, limit: MAX_BOOKINGS }),
    listCalendarEntriesWithVessel(deps.db, tenantId, { from: dayIn(from, zone), to: dayIn(new Date(to.getTime() - 1), zone) }),
  ]);
  const vesselIdOf = new Map(rows.map((r) => [r.id, r.vessel_id]));
  const items: CalendarItem[] = (await staffViewsOf(deps, tenantId, rows)).map(({ booking: b }) => {
    const vesselId = vesselIdOf.get(b.id) ?? null;
    const cancelled = b.status === 'cancelled';
    return {
      kind: 'booking',
      id: b.id,
      title: `${cancelled ? 'Cancelled: ' : b.status === 'hold' ? 'Hold: ' : ''}${b.guest.name} (${b.partySize}) · ${b.vesselName}`,
      start: b.startsAt,
      end: b.endsAt,
      allDay: false,
      vesselId,
      vesselName: b.vesselName,
      color: (vesselId && colourOf.get(vesselId)) || NO_VESSEL_COLOUR,
      status: b.status,
      cancelled,
      url: bookingUrl(b.id),
    };
  });
  for (const e of entries) {
    items.push({
      kind: 'entry',
      id: e.id,
      title: e.title ?? e.event_type,
      start: e.date,
      end: nextDay(e.date),
      allDay: true,
      vesselId: e.vessel_id,
      vesselName: e.vessel_name,
      color: (e.vessel_id && colourOf.get(e.vessel_id)) || NO_VESSEL_COLOUR,
      status: null,
      cancelled: false,
      url: e.booking_id ? bookingUrl(e.booking_id) : null,
    });
  }
  return { items };
}
