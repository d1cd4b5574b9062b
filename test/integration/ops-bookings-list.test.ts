/**
 * The dashboard's bookings list as the office searches it: by guest name, e-mail or booking id;
 * filters by status, vessel and days that combine; pages whose links keep the filters; bad values
 * refused with the field named next to it (never a 500); the two empty states; and none of another
 * operator's bookings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking } from '../../src/services/bookings';
import { addVessel, createTenant } from '../../src/services/tenants';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { textOf } from '../support/html';
import { signedInStaff } from '../support/staff-session';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let staffA: string;
let staffB: string;
let staffEmpty: string;
const ids = {} as Record<'morgan' | 'riley' | 'pat' | 'other', string>;
const fillers: string[] = [];

async function open(path: string, cookie = staffA) {
  const res = await app.request(path, { headers: { cookie } });
  return { res, html: await res.text() };
}

/** The booking ids listed, in order (each row links its id as its text). */
function listed(html: string): string[] {
  return [...html.matchAll(/<td><a href="\/app\/bookings\/([A-Z0-9]+)">\1<\/a><\/td>/g)].map((m) => m[1] ?? '');
}

/** The message shown next to `field`, with the field marked invalid and pointing at it. */
function errorNextTo(html: string, field: string): string {
  if (field !== 'page') {
    const input = new RegExp(`<(input|select)[^>]*id="${field}"[^>]*>`).exec(html)?.[0] ?? '';
    expect(input, `${field} is marked invalid`).toContain('aria-invalid="true"');
    expect(input).toContain(`aria-describedby="${field}-error"`);
  }
  const message = new RegExp(`<p class="field-error" id="${field}-error">([\\s\\S]*?)</p>`).exec(html)?.[1];
  if (message === undefined) throw new Error(`no error next to ${field}`);
  return textOf(message).trim();
}

async function book(tenant: typeof a, date: string, overrides: Record<string, unknown> = {}) {
  const input = createBookingSchema.parse(
    bookingInput({ startsAt: `${date}T15:00:00-07:00`, endsAt: `${date}T17:00:00-07:00`, ...overrides }),
  );
  return (await createBooking(t.deps, tenant.ctx, input)).booking.id;
}

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  await addVessel(t.deps, a.ctx, { slug: 'tejo', name: 'Tejo', capacity: 8, meetingPoint: 'Doca', timezone: 'Europe/Lisbon' });
  staffA = (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie;
  staffB = (await signedInStaff(t.deps, b.tenant.id, 'staff')).cookie;

  ids.morgan = await book(a, '2026-06-10', { status: 'hold', guest: { name: 'Morgan Lee', email: 'morgan@example.com' } });
  ids.riley = await book(a, '2026-06-12', {
    vessel: 'tejo',
    startsAt: '2026-06-12T15:00:00+01:00',
    endsAt: '2026-06-12T17:00:00+01:00',
    guest: { name: 'Riley Stone', email: 'riley@sea.test' },
  });
  ids.pat = await book(a, '2026-06-15', { guest: { name: 'Pat Lane', email: 'pat@example.com' } });
  await cancelBooking(t.deps, a.ctx, ids.pat);
  // 26 more in July: two pages of them.
  for (let day = 1; day <= 26; day++) {
    const date = `2026-07-${String(day).padStart(2, '0')}`;
    fillers.push(await book(a, date, { guest: { name: `Filler Guest ${day}`, email: `filler${day}@example.com` } }));
  }
  ids.other = await book(b, '2026-06-10', { guest: { name: 'Bravo Guest', email: 'bravo@example.com' } });

  const empty = await createTenant(
    t.deps,
    { kind: 'operator', id: 'test' },
    {
      slug: 'empty',
      name: 'Empty Charters',
      guestDomain: 'empty.localhost',
      timezone: 'America/Los_Angeles',
    },
  );
  staffEmpty = (await signedInStaff(t.deps, empty.id, 'owner')).cookie;
});

afterAll(async () => {
  await t.close();
});

describe('the bookings list', () => {
  it('lists every booking by start, 25 a page, with the total and a link to the next page', async () => {
    const { res, html } = await open('/app/bookings');
    expect(res.status).toBe(200);
    expect(listed(html)).toEqual([ids.morgan, ids.riley, ids.pat, ...fillers.slice(0, 22)]);
    const text = textOf(html);
    expect(text).toContain('1–25 of 29 bookings');
    expect(text).toContain('Page 1 of 2');
    expect(html).toContain('<a href="/app/bookings?page=2">Next →</a>');
    expect(html).toContain('class="badge status-hold"');
    expect(html).toContain('class="badge status-cancelled"');
    expect(text).toContain('Riley Stone riley@sea.test Tejo');
    const second = await open('/app/bookings?page=2');
    expect(listed(second.html)).toEqual(fillers.slice(22));
    expect(textOf(second.html)).toContain('26–29 of 29 bookings');
    expect(second.html).toContain('<a href="/app/bookings?page=1">← Previous</a>');
  });

  it.each([
    ['morgan', 'by part of the name'],
    ['MORGAN LEE', 'by the whole name, in any case'],
    ['morgan@example', 'by e-mail'],
  ])('finds a booking by %j (%s)', async (q) => {
    const { res, html } = await open(`/app/bookings?q=${encodeURIComponent(q)}`);
    expect(res.status).toBe(200);
    expect(listed(html)).toEqual([ids.morgan]);
    expect(html).toContain(`value="${q}"`);
  });

  it('finds a booking by its id', async () => {
    const { html } = await open(`/app/bookings?q=${ids.riley}`);
    expect(listed(html)).toEqual([ids.riley]);
    expect(textOf(html)).toContain('1–1 of 1 bookings');
  });

  it('combines the filters: status, vessel, from and to', async () => {
    const cases: [string, string[]][] = [
      ['status=hold', [ids.morgan]],
      ['status=cancelled', [ids.pat]],
      ['vessel=tejo', [ids.riley]],
      ['from=2026-06-11&to=2026-06-15', [ids.riley, ids.pat]],
      ['status=confirmed&from=2026-06-01&to=2026-06-30', [ids.riley]],
      ['status=confirmed&vessel=jada&from=2026-07-03&to=2026-07-05', fillers.slice(2, 5)],
      ['q=filler&vessel=tejo', []],
    ];
    for (const [query, expected] of cases) {
      const { res, html } = await open(`/app/bookings?${query}`);
      expect(res.status, query).toBe(200);
      expect(listed(html), query).toEqual(expected);
    }
    // The form shows the filters it ran with.
    const { html } = await open('/app/bookings?status=confirmed&vessel=tejo&from=2026-06-01&to=2026-06-30');
    expect(html).toMatch(/<option value="confirmed" selected="">confirmed<\/option>/);
    expect(html).toMatch(/<option value="tejo" selected="">Tejo<\/option>/);
    expect(html).toContain('<input id="from" name="from" type="date" value="2026-06-01"');
    expect(html).toContain('<input id="to" name="to" type="date" value="2026-06-30"');
  });

  it('keeps the filters in the paging links', async () => {
    const first = await open('/app/bookings?q=filler&status=confirmed&vessel=jada');
    expect(listed(first.html)).toEqual(fillers.slice(0, 25));
    expect(textOf(first.html)).toContain('1–25 of 26 bookings');
    const next = /<a href="([^"]+)">Next →<\/a>/.exec(first.html)?.[1]?.replace(/&amp;/g, '&') ?? '';
    expect(next).toBe('/app/bookings?q=filler&status=confirmed&vessel=jada&page=2');
    const second = await open(next);
    expect(listed(second.html)).toEqual(fillers.slice(25));
    const previous = /<a href="([^"]+)">← Previous<\/a>/.exec(second.html)?.[1]?.replace(/&amp;/g, '&');
    expect(previous).toBe('/app/bookings?q=filler&status=confirmed&vessel=jada&page=1');
    expect(second.html).not.toContain('Next →');
  });

  it.each([
    ['status=bogus', 'status', 'Status must be one of hold, confirmed, cancelled, completed'],
    ['status=HOLD', 'status', 'Status must be one of hold, confirmed, cancelled, completed'],
    ['vessel=Not%20A%20Slug', 'vessel', 'Vessel must be a vessel slug'],
    ['vessel=ghost', 'vessel', 'Vessel no vessel "ghost" in this tenant'],
    ['from=2026-02-30', 'from', 'From must be a date like 2026-05-30'],
    ['from=yesterday', 'from', 'From must be a date like 2026-05-30'],
    ['to=1850-01-01', 'to', 'To must lie between the years 2000 and 2100'],
    ['to=2026-06-01T00%3A00', 'to', 'To must be a date like 2026-05-30'],
    ['from=2026-07-10&to=2026-07-01', 'to', 'To must not be before from'],
    [`q=${'x'.repeat(201)}`, 'q', 'Search must be at most 200 characters'],
    ['q=bell%07', 'q', 'Search must not contain control characters'],
    ['q=nul%00byte', 'q', 'Search must not contain control characters'],
    ['page=0', 'page', 'Page must be at least 1'],
    ['page=abc', 'page', 'Page must be a whole number'],
    ['page=1.5', 'page', 'Page must be a whole number'],
    ['page=-3', 'page', 'Page must be at least 1'],
    ['page=1e9', 'page', 'Page must be at most 100000'],
  ])('refuses %s with 422, the message next to %s, and lists nothing', async (query, field, message) => {
    const { res, html } = await open(`/app/bookings?${query}`);
    expect(res.status).toBe(422);
    expect(errorNextTo(html, field)).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const summary = /<div class="error-summary" role="alert">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(textOf(summary)).toContain('The search could not run');
    expect(textOf(summary)).toContain(message);
    expect(listed(html)).toEqual([]);
    expect(html).not.toContain('class="empty"');
  });

  it('answers odd but harmless queries without a 500', async () => {
    for (const query of [
      'q=%E0%A4%A',
      'q=%',
      'status=hold&status=bogus',
      'unknown=1',
      'q=%25_%5C',
      `q=${encodeURIComponent("' or 1=1 --")}`,
      'q=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      'pageSize=1000',
      'q=+++',
    ]) {
      const { res, html } = await open(`/app/bookings?${query}`);
      expect([200, 422], query).toContain(res.status);
      expect(html).not.toContain('<script>alert');
      expect(textOf(html)).not.toContain('Something went wrong');
    }
    // `%`, `_` and `\` match themselves: no booking has them.
    expect(listed((await open('/app/bookings?q=%25')).html)).toEqual([]);
    expect(listed((await open('/app/bookings?q=_')).html)).toEqual([]);
  });

  it('says there is nothing to match and how to see everything, when the filters match none', async () => {
    const { res, html } = await open('/app/bookings?q=nobody-by-this-name');
    expect(res.status).toBe(200);
    const empty = /<div class="empty">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(textOf(empty)).toContain('No booking matches these filters. Clear them to see every booking.');
    expect(empty).toContain('<a href="/app/bookings">Clear them</a>');
  });

  it('says how to get the first booking, when there are none at all', async () => {
    const { res, html } = await open('/app/bookings', staffEmpty);
    expect(res.status).toBe(200);
    const empty = /<div class="empty">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(textOf(empty)).toContain('No bookings yet. Create the first one');
    expect(empty).toContain('<a href="/app/bookings/new">Create the first one</a>');
    expect(html).not.toContain('<table>');
  });

  it('never lists another operator’s bookings, nor finds them by id, name or vessel', async () => {
    const theirs = await open('/app/bookings', staffB);
    expect(listed(theirs.html)).toEqual([ids.other]);
    for (const id of [ids.morgan, ids.riley, ids.pat, ...fillers]) expect(theirs.html).not.toContain(id);
    for (const query of [`q=${ids.morgan}`, 'q=morgan', 'q=filler']) {
      const { res, html } = await open(`/app/bookings?${query}`, staffB);
      expect(res.status, query).toBe(200);
      expect(listed(html), query).toEqual([]);
      expect(textOf(html)).toContain('No booking matches these filters.');
    }
    // Their own vessel list: alpha's Tejo is not one of theirs.
    const vessel = await open('/app/bookings?vessel=tejo', staffB);
    expect(vessel.res.status).toBe(422);
    expect(errorNextTo(vessel.html, 'vessel')).toBe('Vessel no vessel "tejo" in this tenant');
    expect(vessel.html).not.toContain('<option value="tejo"');
    const ours = await open(`/app/bookings?q=${ids.other}`);
    expect(listed(ours.html)).toEqual([]);
    expect(textOf((await open('/app/bookings')).html)).not.toContain('Bravo Guest');
  });
});
