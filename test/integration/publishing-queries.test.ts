/** The publishing query module keeps tenants apart: two tenants, each sees only its own rows. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as bq from '../../src/db/queries/bookings';
import * as pq from '../../src/db/queries/publishing';
import { getGuestSite } from '../../src/db/queries/tenants';
import { createBooking } from '../../src/services/bookings';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let aId: string;
let bId: string;
const NOW = new Date('2026-05-01T12:00:00Z');

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  aId = (await createBooking(t.deps, a.ctx, bookingInput({ id: 'SAME1234' }) as never)).booking.id;
  bId = (await createBooking(t.deps, b.ctx, bookingInput({ id: 'SAME1234' }) as never)).booking.id;
});
afterAll(() => t.close());

describe('publishing queries across two tenants', () => {
  it("records a tenant's guest page without touching the other tenant's booking of the same id", async () => {
    const siteA = await getGuestSite(t.deps.db, a.tenant.id);
    if (!siteA) throw new Error('no site');
    await pq.recordGuestPagePublished(t.deps.db, a.tenant.id, aId, {
      siteId: siteA.id,
      url: 'http://alpha.localhost:8080/g/SAME1234',
      pageKey: 'g/same1234.html',
      pageHash: 'a'.repeat(64),
      calendarHash: 'b'.repeat(64),
      bookingVersion: 1,
      publishedAt: NOW,
      verifiedAt: NOW,
    });
    expect(aId).toBe(bId);
    expect((await pq.getGuestPage(t.deps.db, a.tenant.id, aId))?.page_hash).toBe('a'.repeat(64));
    expect(await pq.getGuestPage(t.deps.db, b.tenant.id, bId)).toBeUndefined();

    await pq.recordGuestPageFailure(t.deps.db, b.tenant.id, bId, {
      siteId: (await getGuestSite(t.deps.db, b.tenant.id))?.id ?? '',
      url: 'http://beta.localhost:8080/g/SAME1234',
      pageKey: 'g/same1234.html',
      error: 'store: down',
      at: NOW,
    });
    expect((await pq.getGuestPage(t.deps.db, a.tenant.id, aId))?.last_error).toBeNull();
    expect((await pq.getGuestPage(t.deps.db, b.tenant.id, bId))?.last_error).toBe('store: down');
  });

  it("resolves a slug only on its own tenant's site", async () => {
    const siteA = await getGuestSite(t.deps.db, a.tenant.id);
    await pq.upsertFriendlySlug(t.deps.db, a.tenant.id, siteA?.id ?? '', 'harbor-tour', aId, NOW);
    expect(await pq.getFriendlySlugTarget(t.deps.db, 'alpha.localhost', 'harbor-tour')).toBe(aId);
    expect(await pq.getFriendlySlugTarget(t.deps.db, 'beta.localhost', 'harbor-tour')).toBeUndefined();
    expect(await pq.listFriendlySlugsOfBooking(t.deps.db, a.tenant.id, aId)).toEqual(['harbor-tour']);
    expect(await pq.listFriendlySlugsOfBooking(t.deps.db, b.tenant.id, bId)).toEqual([]);
  });

  it("lists each tenant's publishable bookings and versions only", async () => {
    expect(await pq.listPublishableBookingIds(t.deps.db, a.tenant.id)).toEqual([aId]);
    expect(await pq.listPublishableBookingIds(t.deps.db, b.tenant.id)).toEqual([bId]);
    expect(await pq.getBookingVersion(t.deps.db, a.tenant.id, 'NOSUCH99')).toBeNull();
  });

  it('reads and records several guest pages of one tenant only', async () => {
    const siteB = await getGuestSite(t.deps.db, b.tenant.id);
    if (!siteB) throw new Error('no site');
    await pq.recordGuestPagesPublished(t.deps.db, b.tenant.id, [
      {
        bookingId: bId,
        siteId: siteB.id,
        url: 'http://beta.localhost:8080/g/SAME1234',
        pageKey: 'g/same1234.html',
        pageHash: 'c'.repeat(64),
        calendarHash: 'd'.repeat(64),
        bookingVersion: 1,
        publishedAt: NOW,
        verifiedAt: NOW,
      },
    ]);
    const [pageB] = await pq.listGuestPages(t.deps.db, b.tenant.id, [bId, 'NOSUCH99']);
    expect(pageB?.page_hash).toBe('c'.repeat(64));
    expect(pageB?.last_error).toBeNull();
    expect(pageB?.failures).toBe(0);
    expect((await pq.getGuestPage(t.deps.db, a.tenant.id, aId))?.page_hash).toBe('a'.repeat(64));
    expect((await pq.listGuestPages(t.deps.db, a.tenant.id, [aId])).map((p) => p.page_hash)).toEqual(['a'.repeat(64)]);
    expect(await pq.listGuestPages(t.deps.db, a.tenant.id, [])).toEqual([]);
  });

  it('reads versions and bookings of one tenant only', async () => {
    expect(await pq.getBookingVersions(t.deps.db, a.tenant.id, [aId, 'NOSUCH99'])).toEqual(new Map([[aId, 1]]));
    const rowsA = await bq.listBookingsByIds(t.deps.db, a.tenant.id, [aId, 'NOSUCH99']);
    expect(rowsA.map((r) => [r.tenant_id, r.id])).toEqual([[a.tenant.id, aId]]);
    expect((await bq.listBookingsByIds(t.deps.db, b.tenant.id, [bId])).map((r) => r.tenant_id)).toEqual([b.tenant.id]);
    expect(await bq.listCrewOfBookings(t.deps.db, a.tenant.id, [aId])).toEqual(
      await bq.listCrewOfBooking(t.deps.db, a.tenant.id, aId).then((c) => c.map((m) => ({ booking_id: aId, ...m }))),
    );
  });

  it("points several slugs on one tenant's site only", async () => {
    const siteA = await getGuestSite(t.deps.db, a.tenant.id);
    const siteB = await getGuestSite(t.deps.db, b.tenant.id);
    if (!siteA || !siteB) throw new Error('no site');
    await pq.upsertFriendlySlugs(t.deps.db, b.tenant.id, siteB.id, [{ slug: 'sunset-sail', bookingId: bId }], NOW);
    expect(await pq.getFriendlySlugTargets(t.deps.db, b.tenant.id, siteB.id, ['sunset-sail', 'nope'])).toEqual(
      new Map([['sunset-sail', bId]]),
    );
    expect(await pq.getFriendlySlugTargets(t.deps.db, a.tenant.id, siteA.id, ['sunset-sail'])).toEqual(new Map());
    expect(await pq.getFriendlySlugTargets(t.deps.db, a.tenant.id, siteB.id, ['sunset-sail'])).toEqual(new Map());
    expect(await pq.getFriendlySlugTarget(t.deps.db, 'alpha.localhost', 'sunset-sail')).toBeUndefined();
  });
});
