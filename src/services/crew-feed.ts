/**
 * A crew member's personal calendar feed (RFC 5545) at an unguessable, resettable URL (ADR 0013).
 * The URL names the tenant, the crew member and the feed's generation, signed with HMAC-SHA256 under
 * the signing secret: nothing secret is stored, and a reset (a new generation) ends every old URL.
 * Events are built from the crew view; STATUS follows the crew member's answer and the booking. A
 * charter they were taken off is not in it at all. Every text value is escaped (RFC 5545 §3.3.11)
 * whatever the stored names and notes hold: a CR/LF in a tenant, crew or vessel name never starts a
 * property or an event of its own.
 */
import ical, { ICalEventStatus, ICalEventTransparency } from 'ical-generator';
import { insertAuditEntry } from '../db/queries/audit';
import * as q from '../db/queries/crew';
import { getCrewMemberById } from '../db/queries/people';
import { getTenantById } from '../db/queries/tenants';
import type { AssignmentStatus } from '../db/schema';
import { escapeCalendarText, toCalendarText } from '../domain/ical-text';
import { formatCharterTime } from '../domain/time';
import { getBookingsForCrew } from './bookings';
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
import type { ServiceDeps } from './context';
import type { CrewContext } from './crew';

export type { FeedSettings };

function feedToken(secret: string, tenantId: string, crewMemberId: string, generation: number): string {
  return signFeedToken(secret, 'crew-feed', [tenantId, crewMemberId], generation);
}

/** The feed's URL path for a token: `/crew/feed/{token}.ics`. */
export function crewFeedPath(token: string): string {
  return `/crew/feed/${token}.ics`;
}

/** The current feed URL of this crew member (https, to copy; calendar apps also take it as webcal://). */
export async function getCrewFeedUrl(deps: Pick<ServiceDeps, 'db'>, ctx: CrewContext, feed: FeedSettings): Promise<string> {
  const row = await q.getCrewFeed(deps.db, ctx.tenantId, ctx.crewMemberId);
  return `${feed.publicUrl}${crewFeedPath(feedToken(feed.secret, ctx.tenantId, ctx.crewMemberId, row?.generation ?? 1))}`;
}

/** Replaces the feed URL: the old one stops working at once. Returns the new URL. */
export async function resetCrewFeedUrl(deps: Pick<ServiceDeps, 'db' | 'clock'>, ctx: CrewContext, feed: FeedSettings): Promise<string> {
  const row = await deps.db.transaction().execute(async (tx) => {
    const bumped = await q.bumpCrewFeedGeneration(tx, ctx.tenantId, ctx.crewMemberId, deps.clock.now());
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'crew_feed.reset',
      entityType: 'crew_member',
      entityId: ctx.crewMemberId,
      after: { generation: bumped.generation },
    });
    return bumped;
  });
  return `${feed.publicUrl}${crewFeedPath(feedToken(feed.secret, ctx.tenantId, ctx.crewMemberId, row.generation))}`;
}

/** Who a feed token belongs to, or null when it is malformed, forged or from an old generation. */
async function resolveFeedToken(deps: Pick<ServiceDeps, 'db'>, token: string, secret: string) {
  const signed = verifyFeedToken(secret, 'crew-feed', 2, token);
  if (!signed) return null;
  const [tenantId = '', crewMemberId = ''] = signed.ids;
  const row = await q.getCrewFeed(deps.db, tenantId, crewMemberId);
  if ((row?.generation ?? 1) !== signed.generation) return null;
  return { tenantId, crewMemberId };
}

/**
 * STATUS and the SUMMARY's prefix for one charter. CANCELLED only when the booking is: a charter the
 * crew member declined still runs, so it stays in their calendar as "Declined: …", TENTATIVE and
 * free time (they may still change their answer until it ends).
 */
function presentationFor(bookingStatus: string, answer: AssignmentStatus) {
  if (bookingStatus === 'cancelled') return { status: ICalEventStatus.CANCELLED, prefix: 'Cancelled: ', busy: false };
  if (answer === 'declined') return { status: ICalEventStatus.TENTATIVE, prefix: 'Declined: ', busy: false };
  return { status: answer === 'accepted' ? ICalEventStatus.CONFIRMED : ICalEventStatus.TENTATIVE, prefix: '', busy: true };
}

export type CrewFeed = { body: string; etag: string };

/**
 * The feed a token names, or null (the caller answers 404). Stable for unchanged data, so its ETag
 * only changes when a charter, an answer or the crew do.
 */
export async function renderCrewFeed(deps: ServiceDeps, token: string, feed: FeedSettings): Promise<CrewFeed | null> {
  const owner = await resolveFeedToken(deps, token, feed.secret);
  if (!owner) return null;
  const [tenant, member] = await Promise.all([
    getTenantById(deps.db, owner.tenantId),
    getCrewMemberById(deps.db, owner.tenantId, owner.crewMemberId),
  ]);
  // A deactivated crew member's feed ends with their access (its URL is a credential too).
  if (!tenant || !member || member.deactivated_at !== null) return null;
  const ctx = { tenantId: owner.tenantId, actor: { kind: 'crew' as const, id: owner.crewMemberId } };
  const rows = await q.listAssignmentsOfCrewMember(deps.db, owner.tenantId, owner.crewMemberId, {
    endsAfter: new Date(deps.clock.now().getTime() - FEED_HISTORY_MS),
    limit: 500,
  });
  // Every charter's crew view in a few queries, not one round of them per charter.
  const views = await getBookingsForCrew(
    deps,
    ctx,
    rows.map((r) => r.booking_id),
  );
  const charters = rows.flatMap((row) => {
    const view = views.get(row.booking_id);
    return view ? [{ row, view }] : [];
  });

  const instants = charters.flatMap((c) => [new Date(c.view.startsAt).getTime(), new Date(c.view.endsAt).getTime()]);
  const calendar = ical({
    // The library writes NAME and X-WR-CALNAME as given.
    name: escapeCalendarText(`${tenant.name} — ${member.name}`),
    prodId: { company: 'Bosun', product: 'Crew calendar', language: 'EN' },
    ttl: REFRESH_SECONDS,
    // No calendar-wide zone (so DTSTAMP stays in UTC); each event names its vessel's zone.
    timezone: { name: null, generator: vtimezonesFor(instants, deps.clock.now()) },
  });
  for (const { row, view } of charters) {
    const stamp = new Date(Math.max(row.updated_at.getTime(), row.booking_updated_at.getTime()));
    const shown = presentationFor(view.status, row.status);
    const notes = [view.notes.crew].filter((n): n is string => Boolean(n?.trim()));
    calendar.createEvent({
      id: escapeCalendarText(`${view.id}.${owner.tenantId}@bosun`),
      sequence: row.booking_version + row.revision,
      start: zoned(new Date(view.startsAt), view.timezone),
      end: zoned(new Date(view.endsAt), view.timezone),
      timezone: view.timezone,
      stamp,
      lastModified: stamp,
      status: shown.status,
      transparency: shown.busy ? null : ICalEventTransparency.TRANSPARENT,
      summary: toCalendarText(`${shown.prefix}${view.vesselName} charter (${row.role})`),
      location: toCalendarText(view.meetingPoint || view.vesselName),
      description: toCalendarText(
        [
          formatCharterTime(new Date(view.startsAt), new Date(view.endsAt), view.timezone),
          `Vessel: ${view.vesselName}`,
          `Party size: ${view.partySize}`,
          `Guest: ${view.guest.firstName}`,
          ...(notes.length > 0 ? [`Notes for crew: ${notes.join(' / ')}`] : []),
          `Crew: ${view.crew.map((c) => `${c.name} (${c.role}, ${c.status})`).join(', ')}`,
          `Booking ${view.id}`,
        ].join('\n'),
      ),
      url: `${feed.publicUrl}/crew/events/${view.id}`,
    });
  }
  const body = calendar.toString();
  return { body, etag: feedEtag(body) };
}
