import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { countJobs, countWrites } from '../support/db-snapshot';
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

const SECRET_NOTE = 'Revenue: $840.75 — owner discount, do not tell crew';
const GUEST_EMAIL = 'avery.private@example.com';
const GUEST_PHONE = '+1 619 555 0147';

async function createBooking(overrides: Record<string, unknown> = {}) {
  const res = await call(
    app,
    'POST',
    '/api/v1/bookings',
    a.serviceKey,
    bookingInput({
      guest: { name: 'Avery Quartermaine', email: GUEST_EMAIL, phone: GUEST_PHONE },
      pricing: { total: 840.75, currency: 'USD' },
      captainFeePerHour: 50,
      notes: { internal: SECRET_NOTE, crew: 'Bring spare fenders', guest: 'Bring sunscreen' },
      ...overrides,
    }),
  );
  expect(res.status).toBe(201);
  return res.json;
}

/** Every number anywhere in a JSON value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

/** Every key anywhere in a JSON value. */
function keysIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysIn);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keysIn(v)]);
  return [];
}

function expectCrewSafe(body: unknown, text: string) {
  for (const secret of ['840.75', '840,75', SECRET_NOTE, 'owner discount', GUEST_EMAIL, GUEST_PHONE, '555 0147', 'Quartermaine']) {
    expect(text).not.toContain(secret);
  }
  expect(numbersIn(body)).not.toContain(50);
  expect(numbersIn(body)).not.toContain(840.75);
  const keys = keysIn(body);
  for (const forbidden of ['pricing', 'total', 'currency', 'captainFeePerHour', 'internal', 'email', 'phone']) {
    expect(keys).not.toContain(forbidden);
  }
}

describe('crew events', () => {
  it('creates a crew event with crew by e-mail and by id, and answers with the crew-safe view', async () => {
    const booking = await createBooking();
    const res = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: booking.id.toLowerCase(),
      crew: [
        { email: a.captain.email.toUpperCase(), role: 'captain' },
        { crewId: a.deckhand.id, role: 'crew' },
      ],
      notes: 'Meet 30 minutes early',
    });
    expect(res.status).toBe(201);
    expect(res.json.event_id).toBe(booking.id);
    expect(res.json.notes).toBe('Meet 30 minutes early');
    expect(res.json.booking.crew).toEqual([
      { name: 'Casey Captain', role: 'captain', status: 'invited' },
      { name: 'Dana Deckhand', role: 'crew', status: 'invited' },
    ]);
    expectCrewSafe(res.json, res.text);
  });

  it('serves the crew view on GET /api/v1/events/{id} with no money, internal note or guest contact', async () => {
    const booking = await createBooking();
    await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: booking.id,
      crew: [
        { email: a.captain.email, role: 'captain' },
        { crewId: a.deckhand.id, role: 'crew' },
      ],
    });
    const res = await call(app, 'GET', `/api/v1/events/${booking.id}`, a.serviceKey);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expectCrewSafe(res.json, res.text);
    expect(res.json.booking).toMatchObject({
      id: booking.id,
      status: 'confirmed',
      guest: { firstName: 'Avery' },
      partySize: 6,
      vessel: 'jada',
      vesselName: 'Jada',
      meetingPoint: 'Dock C',
      startsAt: booking.startsAt,
      endsAt: booking.endsAt,
      notes: { crew: 'Bring spare fenders' },
    });
    expect(res.json.booking.guest).toEqual({ firstName: 'Avery' });
    expect(res.json.booking.notes).toEqual({ crew: 'Bring spare fenders' });
    expect(res.json.booking.crew.map((c: { name: string; role: string }) => [c.name, c.role])).toEqual([
      ['Casey Captain', 'captain'],
      ['Dana Deckhand', 'crew'],
    ]);
  });

  it('still serves the staff view of the same booking with its money and notes', async () => {
    const booking = await createBooking();
    await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: booking.id,
      crew: [{ email: a.captain.email, role: 'captain' }],
    });
    const staff = await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey);
    expect(staff.json).toMatchObject({
      pricing: { total: 840.75, currency: 'USD' },
      captainFeePerHour: 50,
      notes: { internal: SECRET_NOTE },
      guest: { email: GUEST_EMAIL, phone: GUEST_PHONE },
      crew: [{ name: 'Casey Captain', role: 'captain', status: 'invited' }],
    });
  });

  it('answers 404 for the event of a booking that has no crew event yet', async () => {
    const booking = await createBooking();
    const res = await call(app, 'GET', `/api/v1/events/${booking.id}`, a.serviceKey);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('enqueues one crew.notify job when crew are assigned, in the same request', async () => {
    const booking = await createBooking();
    expect(await countJobs(t, 'crew.notify', booking.id)).toBe(0);
    const res = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: booking.id,
      crew: [{ email: a.captain.email, role: 'captain' }],
    });
    expect(res.status).toBe(201);
    expect(await countJobs(t, 'crew.notify', booking.id)).toBe(1);
    const { rows } = await t.handle.executeSql(`select data from pgboss.job where name = 'crew.notify' and data->>'bookingId' = $1`, [
      booking.id,
    ]);
    // Job payloads carry ids only, never the booking itself.
    expect(rows[0]?.data).toEqual({ tenantId: a.tenant.id, bookingId: booking.id, reason: 'event.created' });
  });

  it('enqueues no crew.notify job for an event without crew', async () => {
    const booking = await createBooking();
    const res = await call(app, 'POST', '/api/v1/events', a.serviceKey, { booking_id: booking.id, notes: 'crew to follow' });
    expect(res.status).toBe(201);
    expect(res.json.booking.crew).toEqual([]);
    expect(await countJobs(t, 'crew.notify', booking.id)).toBe(0);
  });

  it('updates an existing event: adds crew, changes a role, keeps notes when none are sent', async () => {
    const booking = await createBooking();
    await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: booking.id,
      crew: [{ email: a.deckhand.email, role: 'crew' }],
      notes: 'First notes',
    });
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: booking.id,
      crew: [
        { crewId: a.deckhand.id, role: 'captain' },
        { email: a.captain.email, role: 'captain' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.json.notes).toBe('First notes');
    expect(res.json.booking.crew).toEqual([
      { name: 'Casey Captain', role: 'captain', status: 'invited' },
      { name: 'Dana Deckhand', role: 'captain', status: 'invited' },
    ]);
    const after = await countWrites(t);
    expect(after.events).toBe(before.events);
    expect(after.assignments).toBe(before.assignments + 1);
    expect(await countJobs(t, 'crew.notify', booking.id)).toBe(2);
  });

  it('answers 403 to a dashboard token without events:write on POST /api/v1/events', async () => {
    const booking = await createBooking();
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/events', null, { booking_id: booking.id }, { 'x-dashboard-token': a.dashboardToken });
    expect(res.status).toBe(403);
    expect(await countWrites(t)).toEqual(before);
  });
});

describe('calendar entries', () => {
  it('adds a calendar entry for a booking with a dashboard token', async () => {
    const booking = await createBooking();
    const before = await countWrites(t);
    const res = await call(
      app,
      'POST',
      '/api/v1/calendar',
      null,
      { date: '2026-05-30', event_type: 'charter', booking_id: booking.id.toLowerCase(), title: 'Sunset sail' },
      { 'x-dashboard-token': a.dashboardToken },
    );
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      id: expect.any(String),
      date: '2026-05-30',
      event_type: 'charter',
      booking_id: booking.id,
      title: 'Sunset sail',
    });
    const after = await countWrites(t);
    expect(after.calendar).toBe(before.calendar + 1);
    expect(after.audit).toBe(before.audit + 1);
  });

  it('adds a calendar entry without a booking', async () => {
    const res = await call(
      app,
      'POST',
      '/api/v1/calendar',
      null,
      { date: '2026-12-25', event_type: 'holiday' },
      {
        'x-dashboard-token': a.dashboardToken,
      },
    );
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ date: '2026-12-25', event_type: 'holiday', booking_id: null, title: null });
  });
});
