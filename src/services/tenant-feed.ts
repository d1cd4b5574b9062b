/**
 * The tenant's staff calendar feed (RFC 5545): every charter and calendar entry, at an unguessable URL
 * shown on the dashboard's calendar page, which an owner can reset (the old URL then finds nothing).
 * The URL is signed like a crew feed's (`calendar-feed.ts`, ADR 0013) with the tenant's generation
 * (`tenant_calendar_feeds`). Events carry what staff may see but never money or notes: the office's
 * feed ends up in phones and shared calendars, further than the dashboard. STATUS follows the
 * booking (a hold is TENTATIVE, a cancellation CANCELLED); no ORGANIZER, so no app offers to reply.
 */
import ical, { ICalEventStatus, ICalEventTransparency } from 'ical-generator';
import { insertAuditEntry } from '../db/queries/audit';
import { listBookings } from '../db/queries/bookings';
import { listCalendarEntriesWithVessel } from '../db/queries/calendar';
import { listStaffUsers } from '../db/queries/people';
import { bumpTenantFeedGeneration, getTenantFeedGeneration } from '../db/queries/tenant-feed';
import { getTenantById } from '../db/queries/tenants';
import type { BookingStatus } from '../db/schema';
import { escapeCalendarText, toCalendarText } from '../domain/ical-text';
import { dayIn, formatCharterTime } from '../domain/time';
import { staffViewsOf } from './bookings';
import {
  FEED_HISTORY_MS,
  type FeedSettings,
  feedEtag,
  REFRESH_SECONDS,
  signFeedToken,
  verifyFeedToken,
  vtimezonesFor,
  zoned,
} from './calendar-feed';
import type { ServiceDeps, TenantContext } from './context';
import { ServiceError } from './errors';

const PURPOSE = 'tenant-feed';
/** More charters than a feed of a month back and everything ahead holds for any fleet. */
const MAX_BOOKINGS = 5000;

/** The feed's URL path for a token: `/app/feed/{token}.ics`. */
export function tenantFeedPath(token: string): string {
  return `/app/feed/${token}.ics`;
}

/** The token a request path's last segment (`{token}.ics`) carries, or null for another file. */
export function tenantFeedToken(file: string): string | null {
  return file.endsWith('.ics') ? file.slice(0, -4) : null;
}

function feedUrl(feed: FeedSettings, tenantId: string, generation: number): string {
  return `${feed.publicUrl}${tenantFeedPath(signFeedToken(feed.secret, PURPOSE, [tenantId], generation))}`;
}

/** The tenant's current staff feed URL. */
export async function getTenantFeedUrl(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, feed: FeedSettings): Promise<string> {
  return feedUrl(feed, ctx.tenantId, await getTenantFeedGeneration(deps.db, ctx.tenantId));
}

/**
 * Replaces the tenant's feed URL (audited): the old one stops working at once. Only an owner (or the
 * platform operator) may: every staff calendar subscribed to the old URL stops updating.
 */
export async function resetTenantFeedUrl(deps: Pick<ServiceDeps, 'db' | 'clock'>, ctx: TenantContext, feed: FeedSettings): Promise<string> {
  if (ctx.actor.kind !== 'operator') {
    const staff = ctx.actor.kind === 'staff' ? (await listStaffUsers(deps.db, ctx.tenantId)).find((s) => s.id === ctx.actor.id) : undefined;
    if (staff?.role !== 'owner') throw new ServiceError(403, 'Forbidden', 'Only an owner can reset the calendar feed link.');
  }
  const generation = await deps.db.transaction().execute(async (tx) => {
    const next = await bumpTenantFeedGeneration(tx, ctx.tenantId, deps.clock.now());
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'tenant_feed.reset',
      entityType: 'tenant',
      entityId: ctx.tenantId,
      after: { generation: next },
    });
    return next;
  });
  return feedUrl(feed, ctx.tenantId, generation);
}

function presentationFor(status: BookingStatus) {
  if (status === 'cancelled') return { status: ICalEventStatus.CANCELLED, prefix: 'Cancelled: ', busy: false };
  if (status === 'hold') return { status: ICalEventStatus.TENTATIVE, prefix: 'Hold: ', busy: true };
  return { status: ICalEventStatus.CONFIRMED, prefix: '', busy: true };
}

const utcMidnight = (date: string) => new Date(`${date}T00:00:00Z`);

export type TenantFeed = { body: string; etag: string };

/**
 * The feed a token names, or null (the caller answers 404) when the token is malformed, forged or
 * from before a reset. Charters that ended up to 30 days ago and everything after; stable for
 * unchanged data, so its ETag changes only when a charter, its crew or an entry does.
 */
export async function renderTenantFeed(deps: ServiceDeps, token: string, feed: FeedSettings): Promise<TenantFeed | null> {
  const signed = verifyFeedToken(feed.secret, PURPOSE, 1, token);
  const tenantId = signed?.ids[0];
  if (!signed || !tenantId) return null;
  if ((await getTenantFeedGeneration(deps.db, tenantId)) !== signed.generation) return null;
  const tenant = await getTenantById(deps.db, tenantId);
  if (!tenant) return null;
  const now = deps.clock.now();
  const since = new Date(now.getTime() - FEED_HISTORY_MS);
  const rows = await listBookings(deps.db, tenantId, { from: since, limit: MAX_BOOKINGS });
  const [views, entries] = await Promise.all([
    staffViewsOf(deps, tenantId, rows),
    listCalendarEntriesWithVessel(deps.db, tenantId, { from: dayIn(since, tenant.timezone), to: '9999-12-31' }),
  ]);
  const updatedOf = new Map(rows.map((r) => [r.id, r.updated_at]));
  const instants = views.flatMap((v) => [new Date(v.booking.startsAt).getTime(), new Date(v.booking.endsAt).getTime()]);
  const calendar = ical({
    name: escapeCalendarText(`${tenant.name} — charters`),
    prodId: { company: 'Bosun', product: 'Office calendar', language: 'EN' },
    ttl: REFRESH_SECONDS,
    // No calendar-wide zone (so DTSTAMP stays in UTC); each event names its vessel's zone.
    timezone: { name: null, generator: vtimezonesFor(instants, now) },
  });
  for (const { booking: b, version } of views) {
    const stamp = updatedOf.get(b.id) ?? now;
    const shown = presentationFor(b.status);
    calendar.createEvent({
      id: escapeCalendarText(`${b.id}.${tenantId}.office@bosun`),
      sequence: version,
      start: zoned(new Date(b.startsAt), b.timezone),
      end: zoned(new Date(b.endsAt), b.timezone),
      timezone: b.timezone,
      stamp,
      lastModified: stamp,
      status: shown.status,
      transparency: shown.busy ? null : ICalEventTransparency.TRANSPARENT,
      summary: toCalendarText(`${shown.prefix}${b.guest.name} (${b.partySize}) · ${b.vesselName}`),
      location: toCalendarText(b.meetingPoint || b.vesselName),
      description: toCalendarText(
        [
          formatCharterTime(new Date(b.startsAt), new Date(b.endsAt), b.timezone),
          `Guest: ${b.guest.name}`,
          `Vessel: ${b.vesselName}`,
          `Party size: ${b.partySize}`,
          `Crew: ${b.crew.map((c) => `${c.name} (${c.role}, ${c.status})`).join(', ') || 'none assigned'}`,
          `Booking ${b.id} (${b.status})`,
        ].join('\n'),
      ),
      url: `${feed.publicUrl}/app/bookings/${b.id}`,
    });
  }
  for (const e of entries) {
    calendar.createEvent({
      id: escapeCalendarText(`${e.id}@bosun`),
      sequence: 0,
      allDay: true,
      start: utcMidnight(e.date),
      end: new Date(utcMidnight(e.date).getTime() + 24 * 60 * 60 * 1000),
      // An entry is never changed once added.
      stamp: e.created_at,
      status: ICalEventStatus.CONFIRMED,
      transparency: ICalEventTransparency.TRANSPARENT,
      summary: toCalendarText(e.vessel_name ? `${e.title ?? e.event_type} · ${e.vessel_name}` : (e.title ?? e.event_type)),
      description: toCalendarText([`Type: ${e.event_type}`, ...(e.booking_id ? [`Booking ${e.booking_id}`] : [])].join('\n')),
      ...(e.booking_id ? { url: `${feed.publicUrl}/app/bookings/${e.booking_id}` } : {}),
    });
  }
  const body = calendar.toString();
  return { body, etag: feedEtag(body) };
}
