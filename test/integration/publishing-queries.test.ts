/** The publishing query module keeps tenants apart: two tenants, each sees only its own rows. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
