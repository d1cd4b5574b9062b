/**
 * The booking's rules as an API client meets them: no double booking of a vessel (also under
 * concurrent creates and moves), dates in the future and in a sane range, the state machine, and a
 * PATCH that changes nothing keeping its version. Each refusal leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVessel } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { auditActions, countJobs, countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  // A vessel that needs 30 minutes between charters.
  await addVessel(t.deps, a.ctx, { slug: 'swift', name: 'Swift', capacity: 6, meetingPoint: 'Dock A', turnaroundMinutes: 30 });
});
afterAll(() => t.close());

/** San Diego wall time on a day in June 2026 (PDT, -07:00). */
const at = (day: number, time: string) => `2026-06-${String(day).padStart(2, '0')}T${time}:00-07:00`;

const create = (body: Record<string, unknown>, key = a.serviceKey) => call(app, 'POST', '/api/v1/bookings', key, bookingInput(body));
const patch = (id: string, body: unknown, etag: string) =>
  call(app, 'PATCH', `/api/v1/bookings/${id}`, a.serviceKey, body, { 'if-match': etag });

async function created(body: Record<string, unknown>) {
  const res = await create(body);
  expect(res.status, res.text).toBe(201);
  return { booking: res.json, etag: res.headers.get('etag') ?? '' };
}

function expectConflictWith(res: Awaited<ReturnType<typeof call>>, otherId: string) {
  expect(res.status).toBe(409);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.json.detail).toContain(`by booking ${otherId}`);
  expect(res.json.errors).toEqual([{ field: 'startsAt', message: `overlaps booking ${otherId}` }]);
}

describe('no double booking', () => {
  it('refuses a second charter on a vessel that is out at that time, names the first, and stores nothing', async () => {
    const first = await created({ startsAt: at(1, '10:00'), endsAt: at(1, '13:00') });
    const before = await countWrites(t);
    const res = await create({ startsAt: at(1, '12:00'), endsAt: at(1, '15:00'), guest: { name: 'Second Sam', email: 's@example.com' } });
    expectConflictWith(res, first.booking.id);
    expect(res.json.detail).toBe(
      `Vessel jada is booked from 2026-06-01T10:00:00-07:00 to 2026-06-01T13:00:00-07:00 by booking ${first.booking.id} (confirmed).`,
    );
    expect(await countWrites(t)).toEqual(before);
  });

  it('counts a hold, and every overlap shape: inside, around, same times', async () => {
    const hold = await created({ startsAt: at(2, '10:00'), endsAt: at(2, '13:00'), status: 'hold' });
    const before = await countWrites(t);
    for (const [startsAt, endsAt] of [
      [at(2, '11:00'), at(2, '12:00')],
      [at(2, '09:00'), at(2, '14:00')],
      [at(2, '10:00'), at(2, '13:00')],
      [at(2, '09:00'), at(2, '10:01')],
    ]) {
      expectConflictWith(await create({ startsAt, endsAt, status: 'hold' }), hold.booking.id);
    }
    expect(await countWrites(t)).toEqual(before);
  });

  it('lets charters follow each other back to back, and frees the time of a cancelled one', async () => {
    const morning = await created({ startsAt: at(3, '08:00'), endsAt: at(3, '11:00') });
    await created({ startsAt: at(3, '11:00'), endsAt: at(3, '14:00') });
    const clash = await create({ startsAt: at(3, '07:00'), endsAt: at(3, '09:00') });
    expectConflictWith(clash, morning.booking.id);
    expect((await call(app, 'POST', `/api/v1/bookings/${morning.booking.id}/cancel`, a.serviceKey)).status).toBe(200);
    expect((await create({ startsAt: at(3, '07:00'), endsAt: at(3, '09:00') })).status).toBe(201);
  });

  it("keeps the vessel's turnaround after each charter", async () => {
    const first = await created({ vessel: 'swift', partySize: 4, startsAt: at(4, '10:00'), endsAt: at(4, '12:00') });
    expectConflictWith(await create({ vessel: 'swift', partySize: 4, startsAt: at(4, '12:15'), endsAt: at(4, '13:00') }), first.booking.id);
    // The turnaround follows a charter: one that ends 15 minutes before the next starts is refused too.
    expectConflictWith(await create({ vessel: 'swift', partySize: 4, startsAt: at(4, '08:00'), endsAt: at(4, '09:45') }), first.booking.id);
    expect((await create({ vessel: 'swift', partySize: 4, startsAt: at(4, '12:30'), endsAt: at(4, '13:30') })).status).toBe(201);
    // Another vessel at the same time is free.
    expect((await create({ startsAt: at(4, '10:00'), endsAt: at(4, '12:00') })).status).toBe(201);
  });

  it("does not count another tenant's vessel of the same name", async () => {
    await created({ startsAt: at(5, '10:00'), endsAt: at(5, '13:00') });
    expect((await create({ startsAt: at(5, '10:00'), endsAt: at(5, '13:00') }, b.serviceKey)).status).toBe(201);
  });

  it('refuses to move a booking onto another one, by time or by vessel, and leaves it where it was', async () => {
    const fixed = await created({ vessel: 'swift', partySize: 4, startsAt: at(6, '10:00'), endsAt: at(6, '12:00') });
    const moving = await created({ startsAt: at(6, '14:00'), endsAt: at(6, '16:00'), partySize: 4 });
    const before = await countWrites(t);
    expectConflictWith(await patch(moving.booking.id, { vessel: 'swift', startsAt: at(6, '11:00') }, moving.etag), fixed.booking.id);
    const other = await created({ startsAt: at(6, '17:00'), endsAt: at(6, '19:00') });
    const beforeMove = await countWrites(t);
    expectConflictWith(await patch(moving.booking.id, { endsAt: at(6, '17:30') }, moving.etag), other.booking.id);
    expect(await countWrites(t)).toEqual(beforeMove);
    expect(before.bookings + 1).toBe(beforeMove.bookings);
    const still = await call(app, 'GET', `/api/v1/bookings/${moving.booking.id}`, a.serviceKey);
    expect(still.json).toMatchObject({ vessel: 'jada', startsAt: at(6, '14:00'), endsAt: at(6, '16:00') });
    expect(still.headers.get('etag')).toBe(moving.etag);
  });

  it('refuses a booking, or a move, onto one kept from before the rule, though the constraint leaves it out', async () => {
    const kept = await created({ startsAt: at(7, '10:00'), endsAt: at(7, '13:00') });
    // As the upgrade leaves a booking that overlapped another before the rule existed.
    await t.handle.executeSql(`update bookings set overlap_allowed = true where id = $1`, [kept.booking.id]);
    const before = await countWrites(t);
    expectConflictWith(await create({ startsAt: at(7, '12:00'), endsAt: at(7, '14:00') }), kept.booking.id);
    const other = await created({ startsAt: at(7, '15:00'), endsAt: at(7, '16:00') });
    expectConflictWith(await patch(other.booking.id, { startsAt: at(7, '12:30') }, other.etag), kept.booking.id);
    expect((await countWrites(t)).bookings).toBe(before.bookings + 1);
  });

  it('gives exactly one of 20 concurrent overlapping creates the vessel', async () => {
    const before = await countWrites(t);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        create({
          startsAt: at(10, `${String(9 + (i % 3)).padStart(2, '0')}:00`),
          endsAt: at(10, '13:00'),
          guest: { name: `Racer ${i}`, email: `racer${i}@example.com` },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    const winner = results.find((r) => r.status === 201)?.json.id;
    for (const r of results.filter((x) => x.status === 409)) expect(r.json.detail).toContain(`by booking ${winner}`);
    expect((await countWrites(t)).bookings).toBe(before.bookings + 1);
    const list = await call(
      app,
      'GET',
      `/api/v1/bookings?from=${encodeURIComponent(at(10, '00:00'))}&to=${encodeURIComponent(at(11, '00:00'))}`,
      a.serviceKey,
    );
    expect(list.json.bookings.map((x: { id: string }) => x.id)).toEqual([winner]);
  });

  it('lets only one of two concurrent moves into the same free slot win', async () => {
    const one = await created({ startsAt: at(11, '08:00'), endsAt: at(11, '09:00') });
    const two = await created({ startsAt: at(11, '18:00'), endsAt: at(11, '19:00') });
    const target = { startsAt: at(11, '12:00'), endsAt: at(11, '14:00') };
    const results = await Promise.all([patch(one.booking.id, target, one.etag), patch(two.booking.id, target, two.etag)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });
});

describe('dates', () => {
  it.each([
    [
      'a start in the past',
      { startsAt: '2026-04-30T10:00:00-07:00', endsAt: '2026-04-30T13:00:00-07:00' },
      'startsAt',
      'must be in the future',
    ],
    [
      'a start at this very moment',
      { startsAt: TEST_NOW.toISOString(), endsAt: '2026-05-01T15:00:00Z' },
      'startsAt',
      'must be in the future',
    ],
    [
      'the year 0000',
      { startsAt: '0000-06-01T10:00:00Z', endsAt: '0000-06-01T13:00:00Z' },
      'startsAt',
      'must lie between the years 2000 and 2100',
    ],
    [
      'the year 1999',
      { startsAt: '1999-06-01T10:00:00Z', endsAt: '1999-06-01T13:00:00Z' },
      'startsAt',
      'must lie between the years 2000 and 2100',
    ],
    [
      'the year 9999',
      { startsAt: '9999-06-01T10:00:00Z', endsAt: '9999-06-01T13:00:00Z' },
      'startsAt',
      'must lie between the years 2000 and 2100',
    ],
    [
      'a start more than 5 years ahead',
      { startsAt: '2031-06-01T10:00:00Z', endsAt: '2031-06-01T13:00:00Z' },
      'startsAt',
      'must be within 5 years from now',
    ],
    ['an end before the start', { startsAt: at(20, '13:00'), endsAt: at(20, '10:00') }, 'endsAt', 'must be after startsAt'],
    ['an end at the start', { startsAt: at(20, '13:00'), endsAt: at(20, '13:00') }, 'endsAt', 'must be after startsAt'],
    ['a charter of 15 days', { startsAt: at(1, '10:00'), endsAt: at(16, '10:01') }, 'endsAt', 'must be at most 14 days after startsAt'],
  ])('refuses %s with 422 naming the field, and stores nothing', async (_name, times, field, message) => {
    const before = await countWrites(t);
    const res = await create({ ...times, status: 'hold' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.errors).toContainEqual({ field, message });
    expect(await countWrites(t)).toEqual(before);
  });

  it('lets a booking stored before the limits were set be edited and cancelled without moving it', async () => {
    const { booking, etag } = await created({ startsAt: at(28, '10:00'), endsAt: at(28, '13:00') });
    // As an older installation stored it: three weeks long.
    await t.handle.executeSql(
      `update bookings set ends_at = starts_at + interval '21 days', blocked_until = starts_at + interval '21 days' where id = $1`,
      [booking.id],
    );
    const noted = await patch(booking.id, { notes: { internal: 'long voyage' } }, etag);
    expect(noted.status).toBe(200);
    expect((await call(app, 'POST', `/api/v1/bookings/${booking.id}/cancel`, a.serviceKey)).status).toBe(200);
  });

  it.each(['0000-01-01', '0000-01-01T00:00:00Z', '1999-12-31', '2101-01-01T00:00:00Z'])(
    'refuses a list from %s with 422, as it refuses such a date anywhere',
    async (from) => {
      const res = await call(app, 'GET', `/api/v1/bookings?from=${encodeURIComponent(from)}&to=${encodeURIComponent(from)}`, a.serviceKey);
      expect(res.status).toBe(422);
      expect(res.json.errors).toContainEqual({ field: 'from', message: 'must lie between the years 2000 and 2100' });
    },
  );

  it('accepts a charter of exactly 14 days', async () => {
    const res = await create({ startsAt: '2026-08-01T10:00:00-07:00', endsAt: '2026-08-15T10:00:00-07:00' });
    expect(res.status).toBe(201);
  });

  it('refuses to move a booking into the past, but lets a started charter be edited otherwise', async () => {
    const { booking, etag } = await created({ startsAt: at(21, '10:00'), endsAt: at(21, '13:00') });
    const past = await patch(booking.id, { startsAt: '2026-04-01T10:00:00-07:00', endsAt: '2026-04-01T13:00:00-07:00' }, etag);
    expect(past.status).toBe(422);
    expect(past.json.errors).toContainEqual({ field: 'startsAt', message: 'must be in the future' });
    t.clock.set(new Date(Date.parse(at(21, '11:00'))));
    try {
      const noted = await patch(booking.id, { notes: { crew: 'Running late: fuel dock queue' }, partySize: 5 }, etag);
      expect(noted.status).toBe(200);
      // A charter under way may run late (a new end in the future), not start again or end in the past.
      const later = await patch(booking.id, { endsAt: at(21, '14:00') }, noted.headers.get('etag') ?? '');
      expect(later.status).toBe(200);
      const restarted = await patch(booking.id, { startsAt: at(21, '10:30') }, later.headers.get('etag') ?? '');
      expect(restarted.status).toBe(422);
      expect(restarted.json.errors).toContainEqual({ field: 'startsAt', message: 'must be in the future' });
      const endedEarlier = await patch(booking.id, { endsAt: at(21, '10:30') }, later.headers.get('etag') ?? '');
      expect(endedEarlier.status).toBe(422);
      expect(endedEarlier.json.errors).toEqual([{ field: 'endsAt', message: 'must be in the future' }]);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });
});

describe('states', () => {
  it('goes hold → confirmed → completed, completing only once the charter has started', async () => {
    const { booking, etag } = await created({ startsAt: at(22, '10:00'), endsAt: at(22, '13:00'), status: 'hold' });
    const early = await patch(booking.id, { status: 'completed' }, etag);
    expect(early.status).toBe(409);
    expect(early.json.detail).toBe('A hold must be confirmed before the charter can be completed.');
    const confirmed = await patch(booking.id, { status: 'confirmed' }, etag);
    expect(confirmed.status).toBe(200);
    const before = await countWrites(t);
    const tooSoon = await patch(booking.id, { status: 'completed' }, confirmed.headers.get('etag') ?? '');
    expect(tooSoon.status).toBe(409);
    expect(tooSoon.json.detail).toMatch(/^A charter can be completed only once it has started/);
    expect(await countWrites(t)).toEqual(before);
    t.clock.set(new Date(Date.parse(at(22, '10:00')) + 1000));
    try {
      const done = await patch(booking.id, { status: 'completed' }, confirmed.headers.get('etag') ?? '');
      expect(done.status).toBe(200);
      expect(done.json.status).toBe('completed');
    } finally {
      t.clock.set(TEST_NOW);
    }
    expect(await auditActions(t, booking.id)).toEqual([
      'booking.created',
      'booking.updated',
      'booking.confirmed',
      'mail.queued',
      'booking.updated',
      'booking.completed',
    ]);
  });

  it('refuses to confirm a hold whose start has passed', async () => {
    const { booking, etag } = await created({ startsAt: at(23, '10:00'), endsAt: at(23, '13:00'), status: 'hold' });
    t.clock.set(new Date(Date.parse(at(23, '10:30'))));
    try {
      const res = await patch(booking.id, { status: 'confirmed' }, etag);
      expect(res.status).toBe(409);
      expect(res.json.detail).toBe('This hold has passed its start time; move it to a future time to confirm it.');
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it.each([
    ['a cancelled', 'cancelled', 'This booking is cancelled and can no longer be changed; create a new booking instead.'],
    ['a completed', 'completed', 'This charter is completed and can no longer be changed.'],
  ])('answers 409 with a sentence to any edit of %s booking, and changes nothing', async (_name, status, sentence) => {
    const { booking, etag } = await created({
      startsAt: at(24, status === 'cancelled' ? '08:00' : '14:00'),
      endsAt: at(24, status === 'cancelled' ? '11:00' : '17:00'),
    });
    let current = etag;
    if (status === 'cancelled') {
      current = (await call(app, 'POST', `/api/v1/bookings/${booking.id}/cancel`, a.serviceKey)).headers.get('etag') ?? '';
    } else {
      t.clock.set(new Date(Date.parse(booking.startsAt) + 1000));
      current = (await patch(booking.id, { status: 'completed' }, etag)).headers.get('etag') ?? '';
      t.clock.set(TEST_NOW);
    }
    const before = await countWrites(t);
    for (const body of [
      { notes: { internal: 'late edit' } },
      { partySize: 2 },
      { guest: { name: 'Someone Else' } },
      { status: 'confirmed' },
      { startsAt: at(25, '10:00'), endsAt: at(25, '12:00') },
    ]) {
      const res = await patch(booking.id, body, current);
      expect(res.status).toBe(409);
      expect(res.json.detail).toBe(sentence);
    }
    expect(await countWrites(t)).toEqual(before);
    expect((await call(app, 'GET', `/api/v1/bookings/${booking.id}`, a.serviceKey)).headers.get('etag')).toBe(current);
  });

  it('refuses to move a confirmed booking back to a hold', async () => {
    const { booking, etag } = await created({ startsAt: at(26, '10:00'), endsAt: at(26, '13:00') });
    const res = await patch(booking.id, { status: 'hold' }, etag);
    expect(res.status).toBe(409);
    expect(res.json.detail).toBe('A confirmed booking cannot become hold.');
  });
});

describe('a PATCH that changes nothing', () => {
  it('keeps the version, the ETag, the audit trail and the job queue as they were', async () => {
    const { booking, etag } = await created({
      startsAt: at(27, '10:00'),
      endsAt: at(27, '13:00'),
      pricing: { total: 840.75, currency: 'USD' },
      captainFeePerHour: 50,
    });
    const jobs = await countJobs(t, 'guest-page.publish', booking.id);
    const before = await countWrites(t);
    for (const body of [
      {},
      { partySize: booking.partySize },
      { startsAt: '2026-06-27T17:00:00Z', endsAt: '2026-06-27T20:00:00.000Z' },
      { status: 'confirmed', vessel: 'jada', guest: { name: booking.guest.name, email: booking.guest.email } },
      { pricing: { total: 840.75, currency: 'USD' }, captainFeePerHour: 50, notes: { crew: booking.notes.crew } },
    ]) {
      const res = await patch(booking.id, body, etag);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.headers.get('etag')).toBe(etag);
    }
    expect(await countWrites(t)).toEqual(before);
    expect(await countJobs(t, 'guest-page.publish', booking.id)).toBe(jobs);
    const changed = await patch(booking.id, { partySize: booking.partySize - 1 }, etag);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });
});
