/**
 * The guest page's publishing state in the staff view of a booking (`guestPage`): pending after a
 * change, published once the job verified the current version live, failed while the last attempt
 * failed — through the API, with the job worker publishing as `bosun start` does. The ETag stays the
 * booking's version, so recording a publish never fails an If-Match.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { workJobs } from '../support/jobs';
import { eventually } from '../support/mailbox';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let app: TestApp;
let sites: TestSites;
let worker: Awaited<ReturnType<typeof workJobs>>;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
/** While set, the object store refuses every put (as an S3 outage would). */
const store = { failing: false };

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const get = (id: string, key = a.serviceKey) => call(app, 'GET', `/api/v1/bookings/${id}`, key);

/** Polls the booking until its guest page has `status` (and `check`, if given, holds). */
function untilGuestPage(id: string, status: string, check: (page: any) => boolean = () => true) {
  return eventually(async () => {
    const res = await get(id);
    return res.json?.guestPage?.status === status && check(res.json.guestPage) ? res : undefined;
  }, `the guest page of ${id} to be ${status}`);
}

async function livePage(id: string) {
  return sites.edge.fetch({ domain: 'alpha.localhost' }, `/g/${id}`);
}

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t, {
    wrapStore: (inner) => ({
      put: async (input) => {
        if (store.failing) throw new Error('object store unavailable (test)');
        return inner.put(input);
      },
      get: (bucket, key) => inner.get(bucket, key),
      head: (bucket, key) => inner.head(bucket, key),
      delete: (bucket, key) => inner.delete(bucket, key),
      list: (bucket) => inner.list(bucket),
    }),
  });
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  worker = await workJobs(t, sites);
});
afterAll(async () => {
  await t.close();
  sites.close();
  worker.close();
});

describe('the guest page in the staff view of a booking', () => {
  let id: string;

  it('is pending after a create, and published with its URL, hash and verified time once the job ran', async () => {
    const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
    expect(created.status).toBe(201);
    id = created.json.id;
    expect(created.json.guestPage).toEqual({
      status: 'pending',
      url: null,
      publishedVersion: null,
      contentHash: null,
      publishedAt: null,
      verifiedAt: null,
      error: null,
      errorAt: null,
      failedAttempts: 0,
    });

    const published = await untilGuestPage(id, 'published');
    const page = published.json.guestPage;
    expect(page).toMatchObject({
      url: `http://alpha.localhost:8080/g/${id}`,
      publishedVersion: 1,
      error: null,
      errorAt: null,
      failedAttempts: 0,
    });
    expect(Date.parse(page.verifiedAt)).toBeGreaterThanOrEqual(Date.parse(created.json.updatedAt));
    expect(Date.parse(page.publishedAt)).toBeLessThanOrEqual(Date.parse(page.verifiedAt));
    const live = await livePage(id);
    expect(live.status).toBe(200);
    expect(page.contentHash).toBe(sha256(live.body));
    // The booking itself did not change: same ETag, same fields.
    expect(published.headers.get('etag')).toBe(created.headers.get('etag'));
    const { guestPage: _before, ...bookingBefore } = created.json;
    const { guestPage: _after, ...bookingAfter } = published.json;
    expect(bookingAfter).toEqual(bookingBefore);
  });

  it('keeps the ETag read before the publish valid for If-Match, and is pending again after the change', async () => {
    const patched = await call(app, 'PATCH', `/api/v1/bookings/${id}`, a.serviceKey, { partySize: 3 }, { 'if-match': '"v1"' });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.headers.get('etag')).toBe('"v2"');
    // What is live is still version 1 until the job of version 2 has run.
    expect(patched.json.guestPage).toMatchObject({ status: 'pending', url: `http://alpha.localhost:8080/g/${id}`, publishedVersion: 1 });

    const published = await untilGuestPage(id, 'published');
    expect(published.json.guestPage.publishedVersion).toBe(2);
    expect(published.headers.get('etag')).toBe('"v2"');
    expect(new TextDecoder().decode((await livePage(id)).body)).toContain('3 guests');
  });

  it('is failed with the error while the store fails, and published after the retry succeeds', async () => {
    store.failing = true;
    let failedId = '';
    try {
      const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput({ partySize: 4 }));
      expect(created.status).toBe(201);
      failedId = created.json.id;
      const failed = await untilGuestPage(failedId, 'failed');
      expect(failed.json.guestPage).toMatchObject({
        url: null,
        publishedVersion: null,
        contentHash: null,
        publishedAt: null,
        verifiedAt: null,
        error: expect.stringMatching(/^store: object store unavailable \(test\)/),
      });
      expect(failed.json.guestPage.failedAttempts).toBeGreaterThanOrEqual(1);
      expect(Date.parse(failed.json.guestPage.errorAt)).toBeGreaterThanOrEqual(Date.parse(created.json.updatedAt));
      expect(failed.headers.get('etag')).toBe('"v1"');
    } finally {
      store.failing = false;
    }

    const published = await untilGuestPage(failedId, 'published');
    expect(published.json.guestPage).toMatchObject({
      url: `http://alpha.localhost:8080/g/${failedId}`,
      publishedVersion: 1,
      error: null,
      errorAt: null,
      failedAttempts: 0,
    });
    expect(published.json.guestPage.verifiedAt).toEqual(expect.any(String));
  });

  it('is none for a hold, and pending after a cancel until the cancelled page is published', async () => {
    const hold = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput({ status: 'hold' }));
    expect(hold.json.guestPage.status).toBe('none');
    const cancelledHold = await call(app, 'POST', `/api/v1/bookings/${hold.json.id}/cancel`, a.serviceKey);
    expect(cancelledHold.json.guestPage.status).toBe('none');

    const cancelled = await call(app, 'POST', `/api/v1/bookings/${id}/cancel`, a.serviceKey);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.guestPage).toMatchObject({ status: 'pending', publishedVersion: 2 });
    const published = await untilGuestPage(id, 'published', (page) => page.publishedVersion === 3);
    expect(published.json.status).toBe('cancelled');
  });

  it('is carried by every booking of the list, as the booking itself shows it', async () => {
    const list = await call(app, 'GET', '/api/v1/bookings', a.serviceKey);
    expect(list.status).toBe(200);
    expect(list.json.bookings.length).toBeGreaterThanOrEqual(3);
    for (const booking of list.json.bookings) {
      expect((await get(booking.id)).json.guestPage).toEqual(booking.guestPage);
    }
    expect(list.json.bookings.map((x: any) => x.guestPage.status).sort()).toEqual(['none', 'published', 'published']);
  });

  it("is not shown to another tenant: tenant B gets 404 for A's booking and none of A's bookings in its list", async () => {
    expect((await get(id, b.serviceKey)).status).toBe(404);
    expect((await call(app, 'GET', `/api/v1/bookings/${id}`, null, undefined, { 'x-dashboard-token': b.dashboardToken })).status).toBe(404);
    const list = await call(app, 'GET', '/api/v1/bookings', b.serviceKey);
    expect(list.json).toEqual({ bookings: [] });
  });

  it('is left out of the crew view of the booking', async () => {
    const event = await call(app, 'POST', '/api/v1/events', a.serviceKey, { booking_id: id });
    expect(event.status, event.text).toBe(201);
    expect(event.json.booking).not.toHaveProperty('guestPage');
    expect(event.text).not.toContain('contentHash');
  });

  it('is described in the OpenAPI document as part of the booking', async () => {
    const doc = (await call(app, 'GET', '/api/v1/openapi.json', null)).json;
    const booking = doc.components.schemas.Booking;
    expect(booking.properties.guestPage).toEqual({ $ref: '#/components/schemas/GuestPage' });
    expect(booking.required).toContain('guestPage');
    const guestPage = doc.components.schemas.GuestPage;
    expect(guestPage.properties.status.enum).toEqual(['none', 'pending', 'published', 'failed']);
    expect(guestPage.required).toEqual(
      expect.arrayContaining(['status', 'url', 'publishedVersion', 'contentHash', 'publishedAt', 'verifiedAt', 'error', 'failedAttempts']),
    );
    expect(doc.components.schemas.CrewBooking.properties).not.toHaveProperty('guestPage');
  });
});
