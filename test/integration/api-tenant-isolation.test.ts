import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
/** Tenant A's booking, as A read it right after creating it. */
let aBooking: any;
let aEtag: string;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  const created = await call(
    app,
    'POST',
    '/api/v1/bookings',
    a.serviceKey,
    bookingInput({ guest: { name: 'Alma Alpha', email: 'alma@a.test' } }),
  );
  expect(created.status).toBe(201);
  const events = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
    booking_id: created.json.id,
    crew: [{ email: a.captain.email, role: 'captain' }],
    notes: 'Alpha crew notes',
  });
  expect(events.status).toBe(201);
  const got = await call(app, 'GET', `/api/v1/bookings/${created.json.id}`, a.serviceKey);
  aBooking = got.json;
  aEtag = got.headers.get('etag') ?? '';
  // Tenant B has a booking of its own, to tell "sees only its own" from "sees nothing".
  const own = await call(app, 'POST', '/api/v1/bookings', b.serviceKey, bookingInput({ guest: { name: 'Bo Bravo', email: 'bo@b.test' } }));
  expect(own.status).toBe(201);
});
afterAll(() => t.close());

/** A's booking exactly as A sees it: same fields, same version. */
async function expectAUnchanged() {
  const now = await call(app, 'GET', `/api/v1/bookings/${aBooking.id}`, a.serviceKey);
  expect(now.status).toBe(200);
  expect(now.json).toEqual(aBooking);
  expect(now.headers.get('etag')).toBe(aEtag);
}

describe('tenant isolation of the API', () => {
  it("answers 404 when tenant B reads tenant A's booking, in any case of the id", async () => {
    for (const id of [aBooking.id, aBooking.id.toLowerCase()]) {
      const res = await call(app, 'GET', `/api/v1/bookings/${id}`, b.serviceKey);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.text).not.toContain('Alma');
    }
  });

  it("answers 404 when tenant B's dashboard token reads tenant A's booking", async () => {
    const res = await call(app, 'GET', `/api/v1/bookings/${aBooking.id}`, null, undefined, { 'x-dashboard-token': b.dashboardToken });
    expect(res.status).toBe(404);
  });

  it("answers 404 when tenant B patches tenant A's booking with A's ETag, and A's booking is unchanged", async () => {
    const before = await countWrites(t);
    const res = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${aBooking.id}`,
      b.serviceKey,
      { guest: { name: 'Mallory' }, partySize: 2 },
      { 'if-match': aEtag },
    );
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await countWrites(t)).toEqual(before);
    await expectAUnchanged();
  });

  it("answers 404 when tenant B patches tenant A's booking with If-Match: *, and A's booking is unchanged", async () => {
    const res = await call(app, 'PATCH', `/api/v1/bookings/${aBooking.id}`, b.serviceKey, { status: 'cancelled' }, { 'if-match': '*' });
    expect(res.status).toBe(404);
    await expectAUnchanged();
  });

  it("answers 404 when tenant B cancels tenant A's booking, and A's booking stays confirmed", async () => {
    const before = await countWrites(t);
    const res = await call(app, 'POST', `/api/v1/bookings/${aBooking.id}/cancel`, b.serviceKey);
    expect(res.status).toBe(404);
    expect(await countWrites(t)).toEqual(before);
    await expectAUnchanged();
    expect(aBooking.status).toBe('confirmed');
  });

  it("lists only tenant B's bookings for B's key, and only A's for A's key", async () => {
    const forB = await call(app, 'GET', '/api/v1/bookings', b.serviceKey);
    expect(forB.status).toBe(200);
    expect(forB.json.bookings.map((x: any) => x.guest.name)).toEqual(['Bo Bravo']);
    expect(forB.text).not.toContain(aBooking.id);

    const forA = await call(app, 'GET', '/api/v1/bookings', a.serviceKey);
    expect(forA.json.bookings.map((x: any) => x.id)).toEqual([aBooking.id]);
  });

  it("rejects tenant B's crew event for tenant A's booking and writes nothing", async () => {
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/events', b.serviceKey, {
      booking_id: aBooking.id,
      crew: [{ email: b.captain.email, role: 'captain' }],
      notes: 'Overwritten by bravo',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await countWrites(t)).toEqual(before);
    const event = await call(app, 'GET', `/api/v1/events/${aBooking.id}`, a.serviceKey);
    expect(event.json.notes).toBe('Alpha crew notes');
    expect(event.json.booking.crew.map((c: any) => c.name)).toEqual(['Casey Captain']);
  });

  it("rejects tenant B assigning tenant A's crew member to B's own booking", async () => {
    const own = await call(app, 'POST', '/api/v1/bookings', b.serviceKey, bookingInput());
    const before = await countWrites(t);
    const byEmail = await call(app, 'POST', '/api/v1/events', b.serviceKey, {
      booking_id: own.json.id,
      crew: [{ email: a.captain.email, role: 'captain' }],
    });
    expect(byEmail.status).toBe(422);
    const byId = await call(app, 'POST', '/api/v1/events', b.serviceKey, {
      booking_id: own.json.id,
      crew: [{ crewId: a.captain.id, role: 'captain' }],
    });
    expect(byId.status).toBe(422);
    expect(byId.json.errors).toEqual([expect.objectContaining({ field: 'crew.0' })]);
    expect(await countWrites(t)).toEqual(before);
  });

  it("answers 404 when tenant B reads the crew event of tenant A's booking", async () => {
    const res = await call(app, 'GET', `/api/v1/events/${aBooking.id}`, b.serviceKey);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('Alpha crew notes');
    expect(res.text).not.toContain('Casey');
  });

  it("rejects tenant B's calendar entry that names tenant A's booking and writes nothing", async () => {
    const before = await countWrites(t);
    const res = await call(
      app,
      'POST',
      '/api/v1/calendar',
      null,
      { date: '2026-05-30', event_type: 'charter', booking_id: aBooking.id },
      {
        'x-dashboard-token': b.dashboardToken,
      },
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.json.errors).toEqual([expect.objectContaining({ field: 'booking_id' })]);
    expect(await countWrites(t)).toEqual(before);
  });

  it("does not replay tenant A's Idempotency-Key for tenant B", async () => {
    const body = bookingInput({ guest: { name: 'Same Body', email: 'same@x.test' } });
    const first = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, body, { 'idempotency-key': 'shared-key-1' });
    const second = await call(app, 'POST', '/api/v1/bookings', b.serviceKey, body, { 'idempotency-key': 'shared-key-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.json.id).not.toBe(first.json.id);
    expect((await call(app, 'GET', `/api/v1/bookings/${second.json.id}`, b.serviceKey)).status).toBe(200);
    expect((await call(app, 'GET', `/api/v1/bookings/${second.json.id}`, a.serviceKey)).status).toBe(404);
  });

  it("leaves tenant A's booking and crew event exactly as they were after all of tenant B's attempts", async () => {
    await expectAUnchanged();
    const event = await call(app, 'GET', `/api/v1/events/${aBooking.id}`, a.serviceKey);
    expect(event.status).toBe(200);
    expect(event.json.notes).toBe('Alpha crew notes');
  });
});
