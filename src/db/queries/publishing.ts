/** Guest pages' publishing state and guest sites' friendly-slug history, always within one tenant. */
import type { Queryable } from '../client';

export async function getGuestPage(q: Queryable, tenantId: string, bookingId: string) {
  return q.selectFrom('guest_pages').selectAll().where('tenant_id', '=', tenantId).where('booking_id', '=', bookingId).executeTakeFirst();
}

/** The tenant's guest-page records of the bookings `bookingIds` (those that have one). */
export async function listGuestPages(q: Queryable, tenantId: string, bookingIds: readonly string[]) {
  if (bookingIds.length === 0) return [];
  return q
    .selectFrom('guest_pages')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('booking_id', 'in', [...bookingIds])
    .execute();
}

export type PublishedPage = {
  siteId: string;
  url: string;
  pageKey: string;
  pageHash: string;
  calendarHash: string;
  bookingVersion: number;
  publishedAt: Date;
  verifiedAt: Date;
};

/** Records a verified publish, clearing any earlier error. */
export async function recordGuestPagePublished(q: Queryable, tenantId: string, bookingId: string, p: PublishedPage) {
  await recordGuestPagesPublished(q, tenantId, [{ ...p, bookingId }]);
}

/** Records verified publishes of several bookings in one statement, clearing any earlier errors. */
export async function recordGuestPagesPublished(q: Queryable, tenantId: string, pages: readonly (PublishedPage & { bookingId: string })[]) {
  if (pages.length === 0) return;
  await q
    .insertInto('guest_pages')
    .values(
      pages.map((p) => ({
        tenant_id: tenantId,
        booking_id: p.bookingId,
        site_id: p.siteId,
        url: p.url,
        page_key: p.pageKey,
        page_hash: p.pageHash,
        calendar_hash: p.calendarHash,
        booking_version: p.bookingVersion,
        published_at: p.publishedAt,
        verified_at: p.verifiedAt,
        last_error: null,
        last_error_at: null,
        failures: 0,
        updated_at: p.verifiedAt,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'booking_id']).doUpdateSet((eb) => ({
        site_id: eb.ref('excluded.site_id'),
        url: eb.ref('excluded.url'),
        page_key: eb.ref('excluded.page_key'),
        page_hash: eb.ref('excluded.page_hash'),
        calendar_hash: eb.ref('excluded.calendar_hash'),
        booking_version: eb.ref('excluded.booking_version'),
        published_at: eb.ref('excluded.published_at'),
        verified_at: eb.ref('excluded.verified_at'),
        last_error: null,
        last_error_at: null,
        failures: 0,
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** Records a failed attempt; what was published before stays recorded (and live). */
export async function recordGuestPageFailure(
  q: Queryable,
  tenantId: string,
  bookingId: string,
  f: { siteId: string; url: string; pageKey: string; error: string; at: Date },
) {
  await q
    .insertInto('guest_pages')
    .values({
      tenant_id: tenantId,
      booking_id: bookingId,
      site_id: f.siteId,
      url: f.url,
      page_key: f.pageKey,
      last_error: f.error,
      last_error_at: f.at,
      failures: 1,
      updated_at: f.at,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'booking_id']).doUpdateSet((eb) => ({
        last_error: f.error,
        last_error_at: f.at,
        failures: eb('guest_pages.failures', '+', 1),
        updated_at: f.at,
      })),
    )
    .execute();
}

/**
 * The bookings whose guest page a full republish covers: confirmed and completed ones, and cancelled
 * ones that had a page (it shows the cancellation). Holds never have one.
 */
export async function listPublishableBookingIds(q: Queryable, tenantId: string): Promise<string[]> {
  const rows = await q
    .selectFrom('bookings as b')
    .leftJoin('guest_pages as p', (j) => j.onRef('p.tenant_id', '=', 'b.tenant_id').onRef('p.booking_id', '=', 'b.id'))
    .select('b.id')
    .where('b.tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or([
        eb('b.status', 'in', ['confirmed', 'completed']),
        eb.and([eb('b.status', '=', 'cancelled'), eb('p.booking_id', 'is not', null)]),
      ]),
    )
    .orderBy('b.starts_at')
    .orderBy('b.id')
    .execute();
  return rows.map((r) => r.id);
}

export async function getBookingVersion(q: Queryable, tenantId: string, bookingId: string): Promise<number | null> {
  const row = await q
    .selectFrom('bookings')
    .select('version')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', bookingId)
    .executeTakeFirst();
  return row?.version ?? null;
}

/** The current versions of the tenant's bookings of `bookingIds` (absent: no such booking). */
export async function getBookingVersions(q: Queryable, tenantId: string, bookingIds: readonly string[]): Promise<Map<string, number>> {
  if (bookingIds.length === 0) return new Map();
  const rows = await q
    .selectFrom('bookings')
    .select(['id', 'version'])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', [...bookingIds])
    .execute();
  return new Map(rows.map((r) => [r.id, r.version]));
}

/** Points each slug of the site at its booking, in one statement (as `upsertFriendlySlug` does one). */
export async function upsertFriendlySlugs(
  q: Queryable,
  tenantId: string,
  siteId: string,
  slugs: readonly { slug: string; bookingId: string }[],
  now: Date,
) {
  // One row per slug: a statement may not update the same row twice (the last one wins).
  const bySlug = new Map(slugs.map((s) => [s.slug, s.bookingId]));
  if (bySlug.size === 0) return;
  await q
    .insertInto('friendly_slugs')
    .values(
      [...bySlug].map(([slug, bookingId]) => ({ tenant_id: tenantId, site_id: siteId, slug, booking_id: bookingId, updated_at: now })),
    )
    .onConflict((oc) =>
      oc.columns(['site_id', 'slug']).doUpdateSet((eb) => ({
        tenant_id: eb.ref('excluded.tenant_id'),
        booking_id: eb.ref('excluded.booking_id'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** The booking each of `slugs` of the tenant's site leads to (absent: no such slug). */
export async function getFriendlySlugTargets(
  q: Queryable,
  tenantId: string,
  siteId: string,
  slugs: readonly string[],
): Promise<Map<string, string>> {
  if (slugs.length === 0) return new Map();
  const rows = await q
    .selectFrom('friendly_slugs')
    .select(['slug', 'booking_id'])
    .where('tenant_id', '=', tenantId)
    .where('site_id', '=', siteId)
    .where('slug', 'in', [...slugs])
    .execute();
  return new Map(rows.map((r) => [r.slug, r.booking_id]));
}

/** Points `slug` of the site at the booking (taking it over from another booking that once had it). */
export async function upsertFriendlySlug(q: Queryable, tenantId: string, siteId: string, slug: string, bookingId: string, now: Date) {
  await q
    .insertInto('friendly_slugs')
    .values({ tenant_id: tenantId, site_id: siteId, slug, booking_id: bookingId, updated_at: now })
    .onConflict((oc) => oc.columns(['site_id', 'slug']).doUpdateSet({ tenant_id: tenantId, booking_id: bookingId, updated_at: now }))
    .execute();
}

export async function listFriendlySlugsOfBooking(q: Queryable, tenantId: string, bookingId: string): Promise<string[]> {
  const rows = await q
    .selectFrom('friendly_slugs')
    .select('slug')
    .where('tenant_id', '=', tenantId)
    .where('booking_id', '=', bookingId)
    .orderBy('slug')
    .execute();
  return rows.map((r) => r.slug);
}

/** The booking a slug of the site at `domain` leads to, or undefined. How the edge's key value store reads. */
export async function getFriendlySlugTarget(q: Queryable, domain: string, slug: string): Promise<string | undefined> {
  const row = await q
    .selectFrom('friendly_slugs as f')
    .innerJoin('sites as s', (j) => j.onRef('s.id', '=', 'f.site_id').onRef('s.tenant_id', '=', 'f.tenant_id'))
    .select('f.booking_id')
    .where('s.domain', '=', domain.toLowerCase())
    .where('s.role', '=', 'guest')
    .where('f.slug', '=', slug)
    .executeTakeFirst();
  return row?.booking_id;
}

/** Replaces the CDN settings of a tenant's site (its CloudFront distribution and key value store). */
export async function updateSiteCdn(q: Queryable, tenantId: string, siteId: string, cdn: Record<string, unknown>) {
  await q
    .updateTable('sites')
    .set({ cdn: JSON.stringify(cdn) })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', siteId)
    .execute();
}

/** Guest pages of a tenant whose last publish failed, with the error, oldest failure first. */
export async function listFailingGuestPages(q: Queryable, tenantId: string) {
  return q
    .selectFrom('guest_pages')
    .select(['booking_id', 'last_error', 'last_error_at'])
    .where('tenant_id', '=', tenantId)
    .where('last_error', 'is not', null)
    .orderBy('last_error_at')
    .execute();
}

/**
 * A tenant's bookings whose guest page does not show their current version yet although they
 * changed before `changedBefore`: no verified publish of this version is recorded, and no failure
 * either (those are `listFailingGuestPages`). Pages are due for confirmed and completed bookings, and
 * cancelled ones that had a page. Oldest change first.
 */
export async function listPendingGuestPages(q: Queryable, tenantId: string, changedBefore: Date, limit: number) {
  return q
    .selectFrom('bookings as b')
    .leftJoin('guest_pages as p', (j) => j.onRef('p.tenant_id', '=', 'b.tenant_id').onRef('p.booking_id', '=', 'b.id'))
    .select(['b.id as booking_id', 'b.version', 'b.updated_at'])
    .where('b.tenant_id', '=', tenantId)
    .where('b.updated_at', '<', changedBefore)
    .where((eb) =>
      eb.or([
        eb('b.status', 'in', ['confirmed', 'completed']),
        eb.and([eb('b.status', '=', 'cancelled'), eb('p.booking_id', 'is not', null)]),
      ]),
    )
    .where((eb) =>
      eb.or([eb('p.booking_id', 'is', null), eb('p.verified_at', 'is', null), eb('p.booking_version', '<', eb.ref('b.version'))]),
    )
    .where('p.last_error', 'is', null)
    .orderBy('b.updated_at')
    .limit(limit)
    .execute();
}
