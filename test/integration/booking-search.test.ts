/**
 * The dashboard's bookings list: text over guest name, e-mail and booking id; filters that combine;
 * pages by start with the total; LIKE wildcards in the text taken literally; 422 naming the field for
 * bad input; only the caller's tenant; quick over 2,000 bookings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { searchBookings, searchBookingsSchema } from '../../src/services/booking-search';
import { cancelBooking, createBooking } from '../../src/services/bookings';
import { addVessel } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
const ids: Record<string, string> = {};
const SEEDED = 2000;

async function book(tenant: typeof a, overrides: Record<string, unknown>) {
  return (await createBooking(t.deps, tenant.ctx, createBookingSchema.parse(bookingInput(overrides)))).booking.id;
}

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  await addVessel(t.deps, a.ctx, { slug: 'kea', name: 'Kea', capacity: 8, meetingPoint: 'Dock A' });
  ids.percent = await book(a, { guest: { name: '100% Fun_Club', email: 'fun@example.com' } });
  ids.under = await book(a, { guest: { name: 'Under_Score', email: 'under@example.com' } });
  ids.mary = await book(a, { guest: { name: 'Mary-Jo O’Hara', email: 'MJ@Harbor.Example' }, vessel: 'kea', status: 'hold' });
  ids.maryCancelled = await book(a, { guest: { name: 'mary poppins', email: 'poppins@example.com' } });
  await cancelBooking(t.deps, a.ctx, ids.maryCancelled);
  ids.backslash = await book(a, { guest: { name: 'Back\\slash Bay', email: 'bs@example.com' } });
  ids.bravo = await book(b, { guest: { name: 'Mary Bravo', email: 'mary@bravo.example' } });
  // 2,000 more, a year ahead, one every four hours, written in one statement (the services would take minutes).
  await t.handle.executeSql(
    `insert into bookings (tenant_id, id, status, guest_name, guest_email, party_size, vessel_id, starts_at, ends_at, blocked_until, timezone)
     select $1, 'SEED' || lpad(i::text, 5, '0'), case when i % 3 = 0 then 'hold' else 'confirmed' end,
            'Seeded Guest ' || i, 'seed' || i || '@example.com', 2, $2,
            timestamptz '2027-01-01T00:00:00Z' + make_interval(hours => 4 * i),
            timestamptz '2027-01-01T02:00:00Z' + make_interval(hours => 4 * i),
            timestamptz '2027-01-01T02:00:00Z' + make_interval(hours => 4 * i), 'America/Los_Angeles'
       from generate_series(1, ${SEEDED}) i`,
    [a.tenant.id, a.vessel.id],
  );
});
afterAll(() => t.close());

const idsOf = (page: { bookings: { id: string }[] }) => page.bookings.map((x) => x.id);

describe('searching bookings', () => {
  it('pages all bookings by start, 25 at a time by default, with the total', async () => {
    const first = await searchBookings(t.deps, a.ctx);
    expect(first).toMatchObject({ total: SEEDED + 5, page: 1, pageSize: 25, pages: Math.ceil((SEEDED + 5) / 25) });
    expect(idsOf(first).slice(0, 5)).toEqual([ids.percent, ids.under, ids.mary, ids.maryCancelled, ids.backslash]);
    expect(first.bookings).toHaveLength(25);
    const second = await searchBookings(t.deps, a.ctx, { page: 2 });
    expect(idsOf(second)[0]).toBe('SEED00021');
    const last = await searchBookings(t.deps, a.ctx, { page: 21, pageSize: 100 });
    expect(idsOf(last)).toEqual(['SEED01996', 'SEED01997', 'SEED01998', 'SEED01999', 'SEED02000']);
    expect((await searchBookings(t.deps, a.ctx, { page: 99, pageSize: 100 })).bookings).toEqual([]);
  });

  it('matches a guest name in any case anywhere, a guest e-mail, and a booking id exactly in any case', async () => {
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: 'MARY' }))).toEqual([ids.mary, ids.maryCancelled]);
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: 'o’hara' }))).toEqual([ids.mary]);
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: 'mj@harbor' }))).toEqual([ids.mary]);
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: (ids.under ?? '').toLowerCase() }))).toEqual([ids.under]);
    expect((await searchBookings(t.deps, a.ctx, { q: 'seeded guest 1999' })).total).toBe(1);
    expect((await searchBookings(t.deps, a.ctx, { q: '  ' })).total).toBe(SEEDED + 5);
  });

  it('takes %, _ and \\ in the text literally', async () => {
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: '%' }))).toEqual([ids.percent]);
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: '_' }))).toEqual([ids.percent, ids.under]);
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: '\\' }))).toEqual([ids.backslash]);
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: "'; drop table bookings; --" }))).toEqual([]);
    expect((await searchBookings(t.deps, a.ctx)).total).toBe(SEEDED + 5);
  });

  it('combines the filters: text, status, vessel and days of start in the tenant zone', async () => {
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: 'mary', status: 'cancelled' }))).toEqual([ids.maryCancelled]);
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: 'mary', vessel: 'kea' }))).toEqual([ids.mary]);
    expect((await searchBookings(t.deps, a.ctx, { status: 'hold', vessel: 'kea' })).total).toBe(1);
    expect((await searchBookings(t.deps, a.ctx, { status: 'hold' })).total).toBe(1 + Math.floor(SEEDED / 3));
    // SEED00001 starts 2027-01-01T04:00Z, the evening of Dec 31 in Los Angeles; SEED00002 at 08:00Z, Jan 1 00:00 there.
    const jan1 = await searchBookings(t.deps, a.ctx, { from: '2027-01-01', to: '2027-01-01', pageSize: 100 });
    expect(idsOf(jan1)).toEqual(['SEED00002', 'SEED00003', 'SEED00004', 'SEED00005', 'SEED00006', 'SEED00007']);
    expect(idsOf(await searchBookings(t.deps, a.ctx, { to: '2026-12-31', status: 'confirmed', q: 'seeded' }))).toEqual(['SEED00001']);
  });

  it("never shows another tenant's bookings", async () => {
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: 'bravo' }))).toEqual([]);
    expect(idsOf(await searchBookings(t.deps, a.ctx, { q: ids.bravo }))).toEqual([]);
    expect(await searchBookings(t.deps, b.ctx, { q: 'seeded' })).toMatchObject({ total: 0, bookings: [] });
    expect(idsOf(await searchBookings(t.deps, b.ctx))).toEqual([ids.bravo]);
  });

  it('pages through 2,000 bookings to the last page and no further', async () => {
    // How fast is the bench's question (npm run bench, the dashboard section); here, what a page holds.
    const total = SEEDED + 5;
    const last = Math.ceil(total / 25);
    const end = await searchBookings(t.deps, a.ctx, { page: last });
    expect(end).toMatchObject({ total, page: last, pages: last });
    expect(end.bookings).toHaveLength(total - (last - 1) * 25);
    const beyond = await searchBookings(t.deps, a.ctx, { page: last + 1 });
    expect(beyond).toMatchObject({ total, page: last + 1, bookings: [] });
  });

  it.each([
    [{ from: '2026-02-30' }, 'from', 'must be a date like 2026-05-30'],
    [{ to: 'tomorrow' }, 'to', 'must be a date like 2026-05-30'],
    [{ from: '2026-06-02', to: '2026-06-01' }, 'to', 'must not be before from'],
    [{ from: '0001-01-01' }, 'from', 'must lie between the years 2000 and 2100'],
    [{ page: 0 }, 'page', 'must be at least 1'],
    [{ page: 'two' }, 'page', 'must be a whole number'],
    [{ page: 1.5 }, 'page', 'must be a whole number'],
    [{ pageSize: 101 }, 'pageSize', 'must be at most 100'],
    [{ status: 'lost' }, 'status', 'must be one of hold, confirmed, cancelled, completed'],
    [{ vessel: 'nope' }, 'vessel', 'no vessel "nope" in this tenant'],
    [{ vessel: 'Not A Slug' }, 'vessel', 'must be a vessel slug'],
    [{ q: 'a\u0000b' }, 'q', expect.stringContaining('control')],
    [{ q: 'x'.repeat(201) }, 'q', 'must be at most 200 characters'],
    [{ sort: 'price' }, 'sort', 'is not a known field'],
  ])('answers %j with 422 naming %s', async (input, field, message) => {
    await expect(searchBookings(t.deps, a.ctx, input as never)).rejects.toMatchObject({ status: 422, errors: [{ field, message }] });
  });

  it('reads page numbers from a query string', () => {
    expect(searchBookingsSchema.parse({ page: '3', pageSize: '50' })).toMatchObject({ page: 3, pageSize: 50 });
  });
});
