import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { auditActions, countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
});
afterAll(() => t.close());

async function createBooking(overrides: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(overrides));
  expect(res.status).toBe(201);
  return { booking: res.json, etag: res.headers.get('etag') ?? '' };
}

const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  call(app, 'PATCH', `/api/v1/bookings/${id}`, a.serviceKey, body, headers);

describe('ETag and If-Match', () => {
  it('returns the ETag of the current version on GET and moves it on every change', async () => {
    const { booking, etag } = await createBooking();
    const got = await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey);
    expect(got.headers.get('etag')).toBe(etag);
    const changed = await patch(booking.id, { partySize: 4 }, { 'if-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey)).headers.get('etag')).toBe(changed.headers.get('etag'));
  });

  it('answers 428 to a PATCH without If-Match and changes nothing', async () => {
    const { booking } = await createBooking();
    const before = await countWrites(t);
    const res = await patch(booking.id, { partySize: 2 });
    expect(res.status).toBe(428);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toMatchObject({ status: 428, title: expect.any(String), detail: expect.any(String) });
    expect(await countWrites(t)).toEqual(before);
    expect((await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey)).json).toEqual(booking);
  });

  it('answers 412 to a PATCH with a stale ETag and keeps the newer change', async () => {
    const { booking, etag } = await createBooking();
    const first = await patch(booking.id, { partySize: 4 }, { 'if-match': etag });
    expect(first.status).toBe(200);
    const before = await countWrites(t);

    const stale = await patch(booking.id, { partySize: 9, guest: { name: 'Stale Writer' } }, { 'if-match': etag });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    expect(stale.json.status).toBe(412);
    expect(await countWrites(t)).toEqual(before);

    const now = await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey);
    expect(now.json).toEqual(first.json);
    expect(now.headers.get('etag')).toBe(first.headers.get('etag'));
  });

  it('answers 412 to an If-Match that is not an ETag of this API', async () => {
    const { booking } = await createBooking();
    for (const value of ['garbage', '"v"', 'v1', '"w1"']) {
      const res = await patch(booking.id, { partySize: 3 }, { 'if-match': value });
      expect(res.status).toBe(412);
    }
    expect((await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey)).json.partySize).toBe(6);
  });

  it('answers 412 to an ETag from the future', async () => {
    const { booking } = await createBooking();
    const res = await patch(booking.id, { partySize: 3 }, { 'if-match': '"v99"' });
    expect(res.status).toBe(412);
  });

  it('lets exactly one of five concurrent PATCHes with the same ETag win, and bumps the version once', async () => {
    const { booking, etag } = await createBooking();
    const sizes = [2, 3, 4, 5, 7];
    const results = await Promise.all(sizes.map((partySize) => patch(booking.id, { partySize }, { 'if-match': etag })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412]);
    const winner = results.find((r) => r.status === 200)!;
    for (const loser of results.filter((r) => r.status === 412)) {
      expect(loser.headers.get('content-type')).toBe('application/problem+json');
    }

    const now = await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey);
    expect(now.json.partySize).toBe(winner.json.partySize);
    expect(now.headers.get('etag')).toBe('"v2"');
    expect(now.headers.get('etag')).toBe(winner.headers.get('etag'));
    expect((await auditActions(t, booking.id)).filter((x) => x === 'booking.updated')).toHaveLength(1);
  });

  it('lets exactly one of five concurrent cancels-by-PATCH with the same ETag win', async () => {
    const { booking, etag } = await createBooking();
    const results = await Promise.all(Array.from({ length: 5 }, () => patch(booking.id, { status: 'cancelled' }, { 'if-match': etag })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412]);
    expect((await auditActions(t, booking.id)).filter((x) => x === 'booking.cancelled')).toHaveLength(1);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first result for a retry and stores one booking', async () => {
    const body = bookingInput({ guest: { name: 'Retry Rita', email: 'rita@example.com' } });
    const before = await countWrites(t);
    const first = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, body, { 'idempotency-key': 'order-1001' });
    const retry = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, body, { 'idempotency-key': 'order-1001' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
    const after = await countWrites(t);
    expect(after.bookings).toBe(before.bookings + 1);
    // Once: its guest page's publish and its confirmation's mail.send.
    expect(after.jobs).toBe(before.jobs + 2);
    const list = await call(app, 'GET', '/api/v1/bookings?limit=500', a.serviceKey);
    expect(list.json.bookings.filter((x: any) => x.guest.name === 'Retry Rita')).toHaveLength(1);
  });

  it('answers 422 when the same key comes with another body, and stores nothing more', async () => {
    const first = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(), { 'idempotency-key': 'order-1002' });
    expect(first.status).toBe(201);
    const before = await countWrites(t);
    const other = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput({ partySize: 7 }), {
      'idempotency-key': 'order-1002',
    });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    expect(other.json).toMatchObject({ status: 422, title: expect.any(String), detail: expect.any(String) });
    expect(await countWrites(t)).toEqual(before);
  });

  it('treats the same body under a different key as a new booking: refused, as the vessel is taken', async () => {
    const body = bookingInput({ guest: { name: 'Twice Tom', email: 'tom@example.com' } });
    const one = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, body, { 'idempotency-key': 'order-2001' });
    const two = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, body, { 'idempotency-key': 'order-2002' });
    expect(one.status).toBe(201);
    expect(two.status).toBe(409);
    expect(two.headers.get('idempotent-replayed')).toBeNull();
    expect(two.json.detail).toContain(`by booking ${one.json.id}`);
  });

  it('does not remember a key whose first request failed validation', async () => {
    const bad = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput({ vessel: 'titanic' }), {
      'idempotency-key': 'order-3001',
    });
    expect(bad.status).toBe(422);
    const good = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(), { 'idempotency-key': 'order-3001' });
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotent-replayed')).toBeNull();
  });

  it('takes a key anew once its record is older than 24 hours, replacing the record', async () => {
    const first = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(), { 'idempotency-key': 'order-5001' });
    expect(first.status).toBe(201);
    // The record was stored at the database's time; a day and an hour later by the service's clock, it lapsed.
    const later = new Date(Date.now() + 25 * 3_600_000);
    t.clock.set(later);
    try {
      const startsAt = new Date(later.getTime() + 7 * 86_400_000);
      const body = bookingInput({ startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString() });
      const before = await countWrites(t);
      const again = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, body, { 'idempotency-key': 'order-5001' });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBeNull();
      expect(again.json.id).not.toBe(first.json.id);
      const after = await countWrites(t);
      expect(after.bookings).toBe(before.bookings + 1);
      // The lapsed record was replaced, not kept beside the new one.
      expect(after.idempotency).toBe(before.idempotency);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it('stores one booking for five concurrent requests with the same key, and all answer with it', async () => {
    const body = bookingInput({ guest: { name: 'Concurrent Cleo', email: 'cleo@example.com' } });
    const before = await countWrites(t);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => call(app, 'POST', '/api/v1/bookings', a.serviceKey, body, { 'idempotency-key': 'order-4001' })),
    );
    for (const r of results) expect(r.status).toBe(201);
    const ids = new Set(results.map((r) => r.json.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    const after = await countWrites(t);
    expect(after.bookings).toBe(before.bookings + 1);
    expect(after.idempotency).toBe(before.idempotency + 1);
    expect(after.jobs).toBe(before.jobs + 2);
    const [id] = ids;
    expect((await auditActions(t, String(id))).filter((x) => x === 'booking.created')).toHaveLength(1);
  });
});
