import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../src/services/keys';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
/** Booking ids by the name of the day they run on. */
const ids: Record<'mon' | 'tue' | 'wed' | 'thu', string> = { mon: '', tue: '', wed: '', thu: '' };

async function create(day: string, status: 'hold' | 'confirmed', name: string) {
  const res = await call(
    app,
    'POST',
    '/api/v1/bookings',
    a.serviceKey,
    bookingInput({
      status,
      guest: { name, email: `${name.toLowerCase()}@example.com` },
      startsAt: `${day}T10:00:00-07:00`,
      endsAt: `${day}T13:00:00-07:00`,
    }),
  );
  expect(res.status).toBe(201);
  return res.json.id as string;
}

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  // Created out of order, to show the list is ordered by start time and not by creation.
  ids.wed = await create('2026-06-03', 'confirmed', 'Wednesday');
  ids.mon = await create('2026-06-01', 'confirmed', 'Monday');
  ids.thu = await create('2026-06-04', 'confirmed', 'Thursday');
  ids.tue = await create('2026-06-02', 'hold', 'Tuesday');
  const cancelled = await call(app, 'POST', `/api/v1/bookings/${ids.thu}/cancel`, a.serviceKey);
  expect(cancelled.status).toBe(200);
});
afterAll(() => t.close());

async function list(query = '') {
  const res = await call(app, 'GET', `/api/v1/bookings${query ? `?${query}` : ''}`, a.serviceKey);
  expect(res.status).toBe(200);
  return (res.json.bookings as { id: string }[]).map((b) => b.id);
}

describe('GET /api/v1/bookings filters', () => {
  it('lists every booking of the tenant by start time without filters', async () => {
    expect(await list()).toEqual([ids.mon, ids.tue, ids.wed, ids.thu]);
  });

  it('returns bookings in the staff shape, with money and notes', async () => {
    const res = await call(app, 'GET', '/api/v1/bookings?status=hold', a.serviceKey);
    expect(res.json.bookings).toEqual([
      expect.objectContaining({
        id: ids.tue,
        status: 'hold',
        guest: expect.objectContaining({ name: 'Tuesday' }),
        pricing: { total: 840.75, currency: 'USD' },
        startsAt: '2026-06-02T10:00:00-07:00',
        guestPageUrl: `http://alpha.localhost:8080/g/${ids.tue}`,
      }),
    ]);
  });

  it.each([
    ['hold', ['tue']],
    ['confirmed', ['mon', 'wed']],
    ['cancelled', ['thu']],
    ['completed', []],
  ] as const)('filters by status=%s', async (status, days) => {
    expect(await list(`status=${status}`)).toEqual(days.map((d) => ids[d]));
  });

  it('lists bookings that end after `from`', async () => {
    expect(await list(`from=${encodeURIComponent('2026-06-02T00:00:00-07:00')}`)).toEqual([ids.tue, ids.wed, ids.thu]);
  });

  it('lists bookings that start before `to`', async () => {
    expect(await list(`to=${encodeURIComponent('2026-06-03T00:00:00-07:00')}`)).toEqual([ids.mon, ids.tue]);
  });

  it('lists the bookings of one day with from and to', async () => {
    const from = encodeURIComponent('2026-06-03T00:00:00-07:00');
    const to = encodeURIComponent('2026-06-04T00:00:00-07:00');
    expect(await list(`from=${from}&to=${to}`)).toEqual([ids.wed]);
  });

  it('includes a charter that is under way at `from`', async () => {
    expect(await list(`from=${encodeURIComponent('2026-06-04T12:00:00-07:00')}`)).toEqual([ids.thu]);
  });

  it('excludes a charter that ends exactly at `from` or starts exactly at `to`', async () => {
    expect(await list(`from=${encodeURIComponent('2026-06-04T13:00:00-07:00')}`)).toEqual([]);
    expect(await list(`to=${encodeURIComponent('2026-06-01T10:00:00-07:00')}`)).toEqual([]);
  });

  it('reads from and to as instants, whatever their offset', async () => {
    // 2026-06-03T00:00:00-07:00 is 07:00 UTC, and 2026-06-04T00:00:00-07:00 is 07:00 UTC the next day.
    expect(await list('from=2026-06-03T07:00:00Z&to=2026-06-04T07:00:00Z')).toEqual([ids.wed]);
    expect(await list(`from=${encodeURIComponent('2026-06-03T16:00:00+09:00')}&to=2026-06-04T07:00:00Z`)).toEqual([ids.wed]);
  });

  it('combines status with a time range', async () => {
    const from = encodeURIComponent('2026-06-01T00:00:00-07:00');
    const to = encodeURIComponent('2026-06-03T00:00:00-07:00');
    expect(await list(`from=${from}&to=${to}&status=confirmed`)).toEqual([ids.mon]);
    expect(await list(`from=${from}&to=${to}&status=hold`)).toEqual([ids.tue]);
  });

  it('returns an empty list when from is after to', async () => {
    expect(await list('from=2026-06-05T00:00:00Z&to=2026-06-01T00:00:00Z')).toEqual([]);
  });

  it('returns at most `limit` bookings, the earliest first', async () => {
    expect(await list('limit=2')).toEqual([ids.mon, ids.tue]);
  });

  it('accepts a bookings:read key that cannot write', async () => {
    const readOnly = await createKey(t.deps, { kind: 'operator', id: 'test' }, a.tenant.id, { kind: 'service', scopes: ['bookings:read'] });
    const res = await call(app, 'GET', '/api/v1/bookings?status=confirmed', readOnly.key);
    expect(res.status).toBe(200);
    expect(res.json.bookings.map((b: { id: string }) => b.id)).toEqual([ids.mon, ids.wed]);
  });
});

describe('GET /api/v1/bookings with date-only from and to', () => {
  // 22:00–23:30 on Friday 5 June in San Diego is already Saturday 6 June in UTC.
  let lateFriday = '';
  beforeAll(async () => {
    const res = await call(
      app,
      'POST',
      '/api/v1/bookings',
      a.serviceKey,
      bookingInput({ startsAt: '2026-06-05T22:00:00-07:00', endsAt: '2026-06-05T23:30:00-07:00' }),
    );
    expect(res.status).toBe(201);
    lateFriday = res.json.id;
  });

  it('reads a date-only to as the end of that day in the tenant’s time zone, inclusive', async () => {
    expect(await list('from=2026-06-01&to=2026-06-01')).toEqual([ids.mon]);
    expect(await list('from=2026-06-02&to=2026-06-03')).toEqual([ids.tue, ids.wed]);
    expect(await list('from=2026-06-05&to=2026-06-05')).toEqual([lateFriday]);
  });

  it('reads a date-only from as the start of that day in the tenant’s time zone', async () => {
    expect(await list('from=2026-06-06')).toEqual([]);
    expect(await list('from=2026-06-04')).toEqual([ids.thu, lateFriday]);
  });

  it('mixes a date-only from with a full date-time to', async () => {
    expect(await list('from=2026-06-02&to=2026-06-03T00:00:00-07:00')).toEqual([ids.tue]);
  });

  it('answers 422 naming the field for a day that does not exist and for a bare month', async () => {
    for (const [query, field, message] of [
      ['from=2026-02-30', 'from', 'must be a date like 2026-05-30 or an ISO 8601 date-time with an offset'],
      ['to=2026-06', 'to', 'must be a date like 2026-05-30 or an ISO 8601 date-time with an offset'],
    ] as const) {
      const res = await call(app, 'GET', `/api/v1/bookings?${query}`, a.serviceKey);
      expect(res.status, query).toBe(422);
      expect(res.json.errors).toEqual([{ field, message }]);
    }
  });
});
