import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { auditActions, countJobs, countWrites } from '../support/db-snapshot';
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

const cancel = (id: string) => call(app, 'POST', `/api/v1/bookings/${id}/cancel`, a.serviceKey);

describe('cancelling a booking', () => {
  it('cancels a confirmed booking, records booking.cancelled and republishes the guest page', async () => {
    const { booking } = await createBooking();
    expect(await countJobs(t, 'guest-page.publish', booking.id)).toBe(1);
    const res = await cancel(booking.id.toLowerCase());
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('cancelled');
    expect(res.json.id).toBe(booking.id);
    expect(res.headers.get('etag')).toBe('"v2"');
    expect((await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey)).json.status).toBe('cancelled');
    expect(await auditActions(t, booking.id)).toContain('booking.cancelled');
    expect(await countJobs(t, 'guest-page.publish', booking.id)).toBe(2);
  });

  it('answers a second cancel with the cancelled booking and changes nothing', async () => {
    const { booking } = await createBooking();
    const first = await cancel(booking.id);
    const before = await countWrites(t);
    const second = await cancel(booking.id);
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await countWrites(t)).toEqual(before);
    expect((await auditActions(t, booking.id)).filter((x) => x === 'booking.cancelled')).toHaveLength(1);
  });

  it('does not bring a cancelled booking back through PATCH', async () => {
    const { booking } = await createBooking();
    const cancelled = await cancel(booking.id);
    const res = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${booking.id}`,
      a.serviceKey,
      { status: 'confirmed' },
      { 'if-match': cancelled.headers.get('etag') ?? '' },
    );
    expect(res.status).toBe(409);
    expect(res.json.detail).toMatch(/cancelled and can no longer be changed/);
    expect((await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey)).json.status).toBe('cancelled');
  });

  it('answers 409 to cancelling a completed charter and keeps it completed', async () => {
    const { booking, etag } = await createBooking();
    // A charter is completed once it has started.
    t.clock.set(new Date(new Date(booking.startsAt).getTime() + 60_000));
    const done = await call(app, 'PATCH', `/api/v1/bookings/${booking.id}`, a.serviceKey, { status: 'completed' }, { 'if-match': etag });
    t.clock.set(TEST_NOW);
    expect(done.status).toBe(200);
    const before = await countWrites(t);
    const res = await cancel(booking.id);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await countWrites(t)).toEqual(before);
    expect((await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey)).json.status).toBe('completed');
  });

  it('answers 404 to cancelling a booking that does not exist', async () => {
    const before = await countWrites(t);
    const res = await cancel('NOSUCH7');
    expect(res.status).toBe(404);
    expect(await countWrites(t)).toEqual(before);
  });

  it('notifies assigned crew when their booking is cancelled', async () => {
    const { booking } = await createBooking();
    await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: booking.id,
      crew: [{ email: a.captain.email, role: 'captain' }],
    });
    expect(await countJobs(t, 'crew.notify', booking.id)).toBe(1);
    await cancel(booking.id);
    expect(await countJobs(t, 'crew.notify', booking.id)).toBe(2);
    const event = await call(app, 'GET', `/api/v1/events/${booking.id}`, a.serviceKey);
    expect(event.json.booking.status).toBe('cancelled');
  });
});

describe('guest page jobs', () => {
  it('enqueues exactly one guest-page.publish job for a booking created confirmed', async () => {
    const { booking } = await createBooking({ status: 'confirmed' });
    expect(await countJobs(t, 'guest-page.publish', booking.id)).toBe(1);
    expect(await auditActions(t, booking.id)).toEqual(['booking.created', 'booking.confirmed', 'mail.queued']);
  });

  it('treats a booking created without a status as confirmed', async () => {
    const body = bookingInput();
    delete (body as Record<string, unknown>).status;
    const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, body);
    expect(res.status).toBe(201);
    expect(res.json.status).toBe('confirmed');
    expect(await countJobs(t, 'guest-page.publish', res.json.id)).toBe(1);
  });

  it('enqueues no guest-page.publish job for a hold until a PATCH confirms it', async () => {
    const { booking, etag } = await createBooking({ status: 'hold' });
    expect(booking.status).toBe('hold');
    expect(await countJobs(t, 'guest-page.publish', booking.id)).toBe(0);

    const resized = await call(app, 'PATCH', `/api/v1/bookings/${booking.id}`, a.serviceKey, { partySize: 4 }, { 'if-match': etag });
    expect(resized.status).toBe(200);
    expect(resized.json.status).toBe('hold');
    expect(await countJobs(t, 'guest-page.publish', booking.id)).toBe(0);

    const confirmed = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${booking.id}`,
      a.serviceKey,
      { status: 'confirmed' },
      { 'if-match': resized.headers.get('etag') ?? '' },
    );
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.status).toBe('confirmed');
    expect(await countJobs(t, 'guest-page.publish', booking.id)).toBe(1);
    expect(await auditActions(t, booking.id)).toEqual([
      'booking.created',
      'booking.updated',
      'booking.updated',
      'booking.confirmed',
      'mail.queued',
    ]);
  });

  it('enqueues no guest-page.publish job when a hold is cancelled before guests could see it', async () => {
    const { booking } = await createBooking({ status: 'hold' });
    const res = await cancel(booking.id);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('cancelled');
    expect(await countJobs(t, 'guest-page.publish', booking.id)).toBe(0);
  });

  it('republishes the guest page when a confirmed booking changes', async () => {
    const { booking, etag } = await createBooking();
    const res = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${booking.id}`,
      a.serviceKey,
      { startsAt: '2026-05-30T11:00:00-07:00', endsAt: '2026-05-30T14:00:00-07:00' },
      { 'if-match': etag },
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ startsAt: '2026-05-30T11:00:00-07:00', endsAt: '2026-05-30T14:00:00-07:00' });
    expect(await countJobs(t, 'guest-page.publish', booking.id)).toBe(2);
  });
});
