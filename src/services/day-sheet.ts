/**
 * "Today" on the ops dashboard: a day's departures per vessel, the day taken in each vessel's own time
 * zone, with crew answers, checklist progress, the guest page's state and what needs attention; the
 * day's cancelled charters apart; and what needs attention across the tenant in the next two days.
 */
import { z } from 'zod';
import { searchBookings } from '../db/queries/booking-search';
import { listChecklistTicksOfBookings } from '../db/queries/crew';
import { listVessels } from '../db/queries/people';
import { getTenantById } from '../db/queries/tenants';
import { type Attention, attentionFor } from '../domain/attention';
import { BOOKING_RULES, isSaneYear } from '../domain/booking';
import { dayIn, formatCharterStart, formatTimeRange, startOfDayIn } from '../domain/time';
import type { StaffBookingView } from '../domain/visibility';
import { staffViewsOf } from './bookings';
import type { ServiceDeps, TenantContext } from './context';
import { checklistOf } from './crew';
import { NotFoundError } from './errors';
import { parseInput } from './parse-input';

const HOUR_MS = 60 * 60 * 1000;
/** Every time zone's day lies within this much of the UTC day (UTC−12 to UTC+14). */
const ZONE_REACH_MS = 14 * HOUR_MS;
/** How far ahead the tenant-wide attention list looks. */
export const ATTENTION_AHEAD_MS = 48 * HOUR_MS;
/** More charters than any fleet sails in a day (or two): the sheet is never cut short in practice. */
const MAX_ROWS = 2000;

export const daySheetSchema = z.strictObject({
  /** Without it, today in the tenant's zone. */
  date: z.iso
    .date('must be a date like 2026-05-30')
    .refine(
      (v) => isSaneYear(Number(v.slice(0, 4))),
      `must lie between the years ${BOOKING_RULES.earliestYear} and ${BOOKING_RULES.latestYear}`,
    )
    .optional(),
});

export type DepartureView = {
  id: string;
  status: StaffBookingView['status'];
  guestName: string;
  partySize: number;
  /** ISO 8601 in the vessel's zone. */
  startsAt: string;
  endsAt: string;
  /** The hours as a person reads them, in the vessel's zone: `10:00 AM – 1:00 PM PDT`. */
  time: string;
  crew: { name: string; role: string; status: string }[];
  checklist: { ticked: number; total: number };
  guestPage: { status: string; url: string | null; publishedAt: string | null; verifiedAt: string | null; error: string | null };
  attention: Attention[];
};

export type DaySheet = {
  date: string;
  /** Every vessel of the tenant (by slug), each with that day's departures by start; an idle vessel has none. */
  vessels: { slug: string; name: string; timezone: string; departures: DepartureView[] }[];
  /** Charters of the day that were cancelled: shown struck through, not counted as departures. */
  cancelled: { id: string; guestName: string; vesselName: string; startsAt: string; time: string }[];
  /** Charters across the tenant leaving in the next 48 hours that need attention, by start. */
  attention: { id: string; guestName: string; vesselName: string; startsAt: string; when: string; items: Attention[] }[];
};

/** The day sheet of `date` (`YYYY-MM-DD`). ValidationError for a date that is not one. */
export async function getDaySheet(deps: ServiceDeps, ctx: TenantContext, input: z.input<typeof daySheetSchema>): Promise<DaySheet> {
  const parsed = parseInput(daySheetSchema, input);
  const { tenantId } = ctx;
  const now = deps.clock.now();
  const [tenant, vessels, checklist] = await Promise.all([
    getTenantById(deps.db, tenantId),
    listVessels(deps.db, tenantId),
    checklistOf(deps, tenantId),
  ]);
  if (!tenant) throw new NotFoundError('Tenant');
  const date = parsed.date ?? dayIn(now, tenant.timezone);
  const zoneOf = new Map(vessels.map((v) => [v.id, v.timezone]));
  const [around, ahead] = await Promise.all([
    searchBookings(
      deps.db,
      tenantId,
      {
        startsFrom: new Date(startOfDayIn(date, 'UTC').getTime() - ZONE_REACH_MS),
        startsBefore: new Date(startOfDayIn(date, 'UTC', 1).getTime() + ZONE_REACH_MS),
      },
      { limit: MAX_ROWS, offset: 0 },
    ),
    searchBookings(
      deps.db,
      tenantId,
      { startsFrom: now, startsBefore: new Date(now.getTime() + ATTENTION_AHEAD_MS) },
      { limit: MAX_ROWS, offset: 0 },
    ),
  ]);
  const ofDay = around.filter((r) => dayIn(r.starts_at, zoneOf.get(r.vessel_id) ?? tenant.timezone) === date);
  const rows = [...new Map([...ofDay, ...ahead].map((r) => [r.id, r])).values()];
  const [views, ticks] = await Promise.all([
    staffViewsOf(deps, tenantId, rows),
    listChecklistTicksOfBookings(
      deps.db,
      tenantId,
      ofDay.map((r) => r.id),
    ),
  ]);
  const viewOf = new Map(views.map((v) => [v.booking.id, v.booking]));
  const items = new Set(checklist);
  const tickedOf = new Map<string, number>();
  for (const t of ticks) if (items.has(t.item)) tickedOf.set(t.booking_id, (tickedOf.get(t.booking_id) ?? 0) + 1);

  const sheet: DaySheet = {
    date,
    vessels: vessels.map((v) => ({ slug: v.slug, name: v.name, timezone: v.timezone, departures: [] })),
    cancelled: [],
    attention: [],
  };
  const bySlug = new Map(sheet.vessels.map((v) => [v.slug, v]));
  for (const row of ofDay) {
    const b = viewOf.get(row.id);
    if (!b) continue;
    const time = formatTimeRange(new Date(b.startsAt), new Date(b.endsAt), b.timezone);
    if (b.status === 'cancelled') {
      sheet.cancelled.push({ id: b.id, guestName: b.guest.name, vesselName: b.vesselName, startsAt: b.startsAt, time });
      continue;
    }
    bySlug.get(b.vessel)?.departures.push({
      id: b.id,
      status: b.status,
      guestName: b.guest.name,
      partySize: b.partySize,
      startsAt: b.startsAt,
      endsAt: b.endsAt,
      time,
      crew: b.crew,
      checklist: { ticked: tickedOf.get(b.id) ?? 0, total: checklist.length },
      guestPage: {
        status: b.guestPage.status,
        url: b.guestPage.url,
        publishedAt: b.guestPage.publishedAt,
        verifiedAt: b.guestPage.verifiedAt,
        error: b.guestPage.error,
      },
      attention: attentionFor(b, now),
    });
  }
  for (const row of ahead) {
    const b = viewOf.get(row.id);
    const items = b ? attentionFor(b, now) : [];
    if (!b || items.length === 0) continue;
    const when = formatCharterStart(new Date(b.startsAt), b.timezone, now);
    sheet.attention.push({ id: b.id, guestName: b.guest.name, vesselName: b.vesselName, startsAt: b.startsAt, when, items });
  }
  return sheet;
}
