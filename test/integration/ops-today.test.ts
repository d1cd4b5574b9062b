/**
 * The dashboard's Today page as the office reads it in the morning: each vessel's departures with
 * times in that vessel's zone, the guest, party, crew answers, checklist progress and the guest page;
 * what needs attention; the day's cancellations apart; another day by `?date=`, a bad one refused
 * with today shown; an empty state for an operator with no vessels; and nothing of another operator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertChecklistTick } from '../../src/db/queries/crew';
import { recordGuestPageFailure, recordGuestPagePublished } from '../../src/db/queries/publishing';
import { getGuestSite } from '../../src/db/queries/tenants';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking } from '../../src/services/bookings';
import { answerAssignment, crewContext, DEFAULT_CHECKLIST } from '../../src/services/crew';
import { upsertEvent } from '../../src/services/events';
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
const ids = {} as Record<'soon' | 'late' | 'cancelled' | 'kea' | 'other', string>;

async function open(path: string, cookie = staffA) {
  const res = await app.request(path, { headers: { cookie } });
  return { res, html: await res.text() };
}

/** The visible text of the section labelled by `id` (a vessel's day, the attention list, the cancellations). */
function sectionText(html: string, id: string): string {
  const section = new RegExp(`<section aria-labelledby="${id}">([\\s\\S]*?)</section>`).exec(html)?.[1];
  if (section === undefined) throw new Error(`no section ${id} in the page`);
  return textOf(section);
}

/** The table row of the departure whose guest link points at `id`. */
function rowOf(html: string, id: string): string {
  const row = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1] ?? '').find((r) => r.includes(`href="/app/bookings/${id}"`));
  if (row === undefined) throw new Error(`no row for ${id}`);
  return row;
}

async function book(tenant: typeof a, startsAt: string, endsAt: string, overrides: Record<string, unknown> = {}) {
  const input = createBookingSchema.parse(bookingInput({ startsAt, endsAt, ...overrides }));
  return (await createBooking(t.deps, tenant.ctx, input)).booking.id;
}

// TEST_NOW is 2026-05-01T12:00Z: 05:00 on May 1 in Los Angeles (the tenant's today), 00:00 on May 2 in Auckland.
beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  await addVessel(t.deps, a.ctx, { slug: 'kea', name: 'Kea', capacity: 8, meetingPoint: 'Viaduct', timezone: 'Pacific/Auckland' });
  staffA = (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie;
  staffB = (await signedInStaff(t.deps, b.tenant.id, 'staff')).cookie;

  // The captain has not answered, the deckhand declined; one item of the current checklist ticked.
  ids.soon = await book(a, '2026-05-01T16:00:00-07:00', '2026-05-01T19:00:00-07:00', {
    guest: { name: 'Sam Soon', email: 'sam@example.com' },
    partySize: 7,
  });
  await upsertEvent(t.deps, a.ctx, {
    booking_id: ids.soon,
    crew: [
      { email: a.captain.email, role: 'captain' },
      { email: a.deckhand.email, role: 'crew' },
    ],
  });
  await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), ids.soon, { answer: 'decline', reason: 'sick' });
  await insertChecklistTick(t.handle.db, a.tenant.id, {
    bookingId: ids.soon,
    item: DEFAULT_CHECKLIST[0],
    crewMemberId: a.captain.id,
    now: t.clock.now(),
  });

  // Confirmed with no captain, and its guest page failed to publish.
  ids.late = await book(a, '2026-05-01T20:00:00-07:00', '2026-05-01T22:00:00-07:00', {
    guest: { name: 'Lee Late', email: 'lee@example.com' },
    partySize: 3,
  });
  const site = await getGuestSite(t.handle.db, a.tenant.id);
  await recordGuestPageFailure(t.handle.db, a.tenant.id, ids.late, {
    siteId: site?.id ?? '',
    url: 'http://alpha.localhost:8080/b/x',
    pageKey: 'b/x',
    error: 'upload failed: bucket unreachable',
    at: t.clock.now(),
  });

  ids.cancelled = await book(a, '2026-05-01T10:00:00-07:00', '2026-05-01T12:00:00-07:00', {
    guest: { name: 'Cass Cancelled', email: 'cass@example.com' },
  });
  await cancelBooking(t.deps, a.ctx, ids.cancelled);

  // May 2 in Auckland, 09:00 NZST, with its guest page published.
  ids.kea = await book(a, '2026-05-02T09:00:00+12:00', '2026-05-02T11:00:00+12:00', {
    vessel: 'kea',
    partySize: 4,
    guest: { name: 'Kiri Kea', email: 'kiri@example.com' },
  });
  await recordGuestPagePublished(t.handle.db, a.tenant.id, ids.kea, {
    siteId: site?.id ?? '',
    url: 'http://alpha.localhost:8080/b/kiri',
    pageKey: 'b/kiri',
    pageHash: 'a'.repeat(64),
    calendarHash: 'b'.repeat(64),
    bookingVersion: 1,
    publishedAt: t.clock.now(),
    verifiedAt: t.clock.now(),
  });

  ids.other = await book(b, '2026-05-01T16:00:00-07:00', '2026-05-01T19:00:00-07:00', {
    guest: { name: 'Bravo Guest', email: 'bg@example.com' },
  });

  // An operator that has not added a vessel yet.
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

describe('Today', () => {
  it("shows the tenant's day: each vessel's departures with time in its zone, guest link and party", async () => {
    const { res, html } = await open('/app/today');
    expect(res.status).toBe(200);
    const text = textOf(html);
    expect(text).toContain('Departures · Friday, May 1, 2026');
    expect(html).toContain('<input id="date" name="date" type="date" value="2026-05-01"');
    const jada = sectionText(html, 'vessel-jada');
    expect(jada.indexOf('Sam Soon')).toBeLessThan(jada.indexOf('Lee Late'));
    expect(jada).toContain('America/Los_Angeles');
    expect(textOf(rowOf(html, ids.soon))).toMatch(/^ 4:00 – 7:00 PM PDT Sam Soon .* 7 /);
    expect(rowOf(html, ids.soon)).toContain(`<a href="/app/bookings/${ids.soon}">Sam Soon</a>`);
    expect(textOf(rowOf(html, ids.late))).toMatch(/^ 8:00 – 10:00 PM PDT Lee Late .* 3 /);
    // Kea leaves on May 2 in its own zone, although that is still May 1 in Los Angeles.
    const kea = sectionText(html, 'vessel-kea');
    expect(kea).toContain('Pacific/Auckland');
    expect(kea).toContain('No departures this day. Create a booking');
    expect(html).toContain('data-live-url="/app/stream"');
  });

  it('shows crew with their answers as badges, the checklist as “x of y”, and the guest page’s state', async () => {
    const { html } = await open('/app/today');
    const soon = rowOf(html, ids.soon);
    expect(soon).toMatch(/Casey Captain \(captain\) <span class="badge status-invited">invited<\/span>/);
    expect(soon).toMatch(/Dana Deckhand \(crew\) <span class="badge status-declined">declined<\/span>/);
    expect(textOf(soon)).toContain(`1 of ${DEFAULT_CHECKLIST.length}`);
    expect(textOf(soon)).toContain('pending');
    const late = textOf(rowOf(html, ids.late));
    expect(late).toContain('No crew assigned');
    expect(late).toContain(`0 of ${DEFAULT_CHECKLIST.length}`);
    expect(late).toContain('failed Last publish failed: upload failed: bucket unreachable');
  });

  it('lists what needs attention in the next two days: a decline, a charter without a captain', async () => {
    const { html } = await open('/app/today');
    const attention = sectionText(html, 'attention');
    expect(attention).toContain('Needs attention in the next two days');
    expect(attention).toContain('Dana Deckhand (crew) declined.');
    expect(attention).toMatch(/Lee Late Confirmed, but no captain has accepted or been invited\./);
    expect(attention).toContain('The guest page failed to publish: upload failed: bucket unreachable');
    // Next to the departure too.
    expect(textOf(rowOf(html, ids.soon))).toContain('Dana Deckhand (crew) declined.');
  });

  it('lists the day’s cancelled charters apart, not among the departures', async () => {
    const { html } = await open('/app/today');
    const cancelled = sectionText(html, 'cancelled');
    expect(cancelled).toContain('Cancelled this day');
    expect(cancelled).toContain(`10:00 AM – 12:00 PM PDT · Jada · Cass Cancelled ${ids.cancelled}`);
    expect(sectionText(html, 'vessel-jada')).not.toContain('Cass Cancelled');
  });

  it('moves to another day with ?date=, and offers the days around it', async () => {
    const { res, html } = await open('/app/today?date=2026-05-02');
    expect(res.status).toBe(200);
    expect(textOf(html)).toContain('Departures · Saturday, May 2, 2026');
    const kea = textOf(rowOf(html, ids.kea));
    expect(kea).toMatch(/^ 9:00 – 11:00 AM GMT\+12 Kiri Kea .* 4 /);
    expect(rowOf(html, ids.kea)).toContain('<a href="http://alpha.localhost:8080/b/kiri">published</a>');
    expect(sectionText(html, 'vessel-jada')).toContain('No departures this day.');
    expect(html).not.toContain(`<a href="/app/bookings/${ids.soon}">Sam Soon</a>`);
    expect(html).toContain('href="/app/today?date=2026-05-01"');
    expect(html).toContain('href="/app/today?date=2026-05-03"');
  });

  it.each([
    ['2026-13-01', 'must be a date like 2026-05-30'],
    ['today', 'must be a date like 2026-05-30'],
    ['1850-01-01', 'must lie between the years 2000 and 2100'],
    ['<script>alert(1)</script>', 'must be a date like 2026-05-30'],
    ['2026-05-01T00:00', 'must be a date like 2026-05-30'],
  ])('refuses the day %j with 422 and a clear message, and shows today', async (date, message) => {
    const { res, html } = await open(`/app/today?date=${encodeURIComponent(date)}`);
    expect(res.status).toBe(422);
    const summary = /<div class="error-summary" role="alert">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(textOf(summary).trim()).toBe(`The day ${message}. Showing today instead.`);
    expect(textOf(html)).toContain('Departures · Friday, May 1, 2026');
    expect(rowOf(html, ids.soon)).toContain('Sam Soon');
    expect(html).not.toContain('<script>alert');
  });

  it('says what to do next for an operator with no vessels', async () => {
    const { res, html } = await open('/app/today', staffEmpty);
    expect(res.status).toBe(200);
    const empty = /<div class="empty">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(textOf(empty)).toContain('No vessels yet. Add the first one and its charters will show here.');
    expect(empty).toContain('href="/app/vessels"');
    expect(html).not.toContain('<table>');
  });

  it('never shows another operator’s departures, on any day', async () => {
    for (const path of ['/app/today', '/app/today?date=2026-05-02']) {
      const theirs = await open(path, staffB);
      expect(theirs.res.status).toBe(200);
      for (const id of Object.values(ids).filter((id) => id !== ids.other)) expect(theirs.html).not.toContain(id);
      for (const name of ['Sam Soon', 'Lee Late', 'Cass Cancelled', 'Kiri Kea', 'Kea']) expect(textOf(theirs.html)).not.toContain(name);
    }
    const theirs = await open('/app/today', staffB);
    expect(rowOf(theirs.html, ids.other)).toContain('Bravo Guest');
    const ours = await open('/app/today');
    expect(ours.html).not.toContain(ids.other);
    expect(textOf(ours.html)).not.toContain('Bravo Guest');
  });
});
