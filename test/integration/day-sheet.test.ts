/**
 * "Today": a day's departures per vessel in each vessel's own zone, with crew answers, checklist
 * progress, the guest page's state and what needs attention; cancelled charters apart; the next two
 * days' attention across the tenant; and nothing of another tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertChecklistTick } from '../../src/db/queries/crew';
import { recordGuestPageFailure } from '../../src/db/queries/publishing';
import { getGuestSite } from '../../src/db/queries/tenants';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking } from '../../src/services/bookings';
import { answerAssignment, crewContext, DEFAULT_CHECKLIST } from '../../src/services/crew';
import { getDaySheet } from '../../src/services/day-sheet';
import { upsertEvent } from '../../src/services/events';
import { addVessel } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
const ids: Record<string, string> = {};

/** Intl sets times with thin and narrow no-break spaces; the test reads them as spaces. */
const spaced = (text: string | undefined) => text?.replace(/\s/g, ' ');

async function book(tenant: typeof a, startsAt: string, endsAt: string, overrides: Record<string, unknown> = {}) {
  const input = createBookingSchema.parse(bookingInput({ startsAt, endsAt, ...overrides }));
  return (await createBooking(t.deps, tenant.ctx, input)).booking.id;
}

// TEST_NOW is 2026-05-01T12:00Z: 05:00 in Los Angeles, 00:00 on May 2 in Auckland.
beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  await addVessel(t.deps, a.ctx, { slug: 'kea', name: 'Kea', capacity: 8, meetingPoint: 'Viaduct', timezone: 'Pacific/Auckland' });

  // Leaves in 11 hours: the captain has not answered, the deckhand declined; one checklist item ticked.
  ids.soon = await book(a, '2026-05-01T16:00:00-07:00', '2026-05-01T19:00:00-07:00', {
    guest: { name: 'Sam Soon', email: 'sam@example.com' },
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
  await insertChecklistTick(t.handle.db, a.tenant.id, {
    bookingId: ids.soon,
    item: 'An item no longer on the list',
    crewMemberId: a.captain.id,
    now: t.clock.now(),
  });

  // Confirmed with no crew, and its guest page failed to publish.
  ids.late = await book(a, '2026-05-01T20:00:00-07:00', '2026-05-01T22:00:00-07:00', {
    guest: { name: 'Lee Late', email: 'lee@example.com' },
  });
  const site = await getGuestSite(t.handle.db, a.tenant.id);
  await recordGuestPageFailure(t.handle.db, a.tenant.id, ids.late, {
    siteId: site?.id ?? '',
    url: 'http://alpha.localhost:8080/b/x',
    pageKey: 'b/x',
    error: 'upload failed: bucket unreachable',
    at: t.clock.now(),
  });

  // Cancelled the same day: listed apart.
  ids.cancelled = await book(a, '2026-05-01T10:00:00-07:00', '2026-05-01T12:00:00-07:00', {
    guest: { name: 'Cass Cancelled', email: 'cass@example.com' },
  });
  await cancelBooking(t.deps, a.ctx, ids.cancelled);

  // May 2 in Auckland (09:00 NZST), which is still May 1 in Los Angeles.
  ids.kea = await book(a, '2026-05-02T09:00:00+12:00', '2026-05-02T11:00:00+12:00', {
    vessel: 'kea',
    partySize: 4,
    guest: { name: 'Kiri Kea', email: 'kiri@example.com' },
  });

  // The next day, a hold with no crew (needs nothing), and a confirmed one with no captain (needs one).
  ids.tomorrowHold = await book(a, '2026-05-02T09:00:00-07:00', '2026-05-02T10:00:00-07:00', { status: 'hold' });
  ids.tomorrow = await book(a, '2026-05-02T20:00:00-07:00', '2026-05-02T21:00:00-07:00', {
    guest: { name: 'Tom Morrow', email: 'tom@example.com' },
  });
  // Three days ahead: beyond the tenant-wide list.
  ids.later = await book(a, '2026-05-04T10:00:00-07:00', '2026-05-04T12:00:00-07:00');

  // Another tenant's charter the same day, and one needing attention.
  ids.other = await book(b, '2026-05-01T16:00:00-07:00', '2026-05-01T19:00:00-07:00', {
    guest: { name: 'Bravo Guest', email: 'bg@example.com' },
  });
});
afterAll(() => t.close());

describe('the day sheet', () => {
  it("lists the day's departures per vessel in its own zone, by start, with times read in that zone", async () => {
    const sheet = await getDaySheet(t.deps, a.ctx, { date: '2026-05-01' });
    expect(sheet.vessels.map((v) => [v.slug, v.departures.map((d) => d.id)])).toEqual([
      ['jada', [ids.soon, ids.late]],
      ['kea', []],
    ]);
    const soon = sheet.vessels[0]?.departures[0];
    expect(soon).toMatchObject({ guestName: 'Sam Soon', partySize: 6, status: 'confirmed', startsAt: '2026-05-01T16:00:00-07:00' });
    expect(spaced(soon?.time)).toBe('4:00 – 7:00 PM PDT');
    const nextDay = await getDaySheet(t.deps, a.ctx, { date: '2026-05-02' });
    const kea = nextDay.vessels.find((v) => v.slug === 'kea')?.departures ?? [];
    expect(kea.map((d) => [d.id, d.startsAt, spaced(d.time)])).toEqual([[ids.kea, '2026-05-02T09:00:00+12:00', '9:00 – 11:00 AM GMT+12']]);
  });

  it('shows crew answers, checklist progress against the current list, and the guest page state', async () => {
    const sheet = await getDaySheet(t.deps, a.ctx, { date: '2026-05-01' });
    const [soon, late] = sheet.vessels[0]?.departures ?? [];
    expect(soon?.crew).toEqual([
      { name: 'Casey Captain', role: 'captain', status: 'invited' },
      { name: 'Dana Deckhand', role: 'crew', status: 'declined' },
    ]);
    expect(soon?.checklist).toEqual({ ticked: 1, total: DEFAULT_CHECKLIST.length });
    expect(soon?.guestPage).toMatchObject({ status: 'pending', url: null, error: null });
    expect(late?.guestPage).toMatchObject({ status: 'failed', error: 'upload failed: bucket unreachable' });
  });

  it('says what needs attention, with reason codes and a sentence', async () => {
    const sheet = await getDaySheet(t.deps, a.ctx, { date: '2026-05-01' });
    const [soon, late] = sheet.vessels[0]?.departures ?? [];
    expect(soon?.attention).toEqual([
      { reason: 'crew-declined', text: 'Dana Deckhand (crew) declined.' },
      { reason: 'invitation-unanswered', text: 'Casey Captain (captain) has not answered, and the charter leaves within 24 hours.' },
    ]);
    expect(late?.attention.map((x) => x.reason)).toEqual(['no-captain', 'publish-failed']);
    expect(late?.attention[1]?.text).toBe('The guest page failed to publish: upload failed: bucket unreachable');
  });

  it('lists cancelled charters of the day apart, not as departures', async () => {
    const sheet = await getDaySheet(t.deps, a.ctx, { date: '2026-05-01' });
    expect(sheet.cancelled.map((c) => ({ ...c, time: spaced(c.time) }))).toEqual([
      {
        id: ids.cancelled,
        guestName: 'Cass Cancelled',
        vesselName: 'Jada',
        startsAt: '2026-05-01T10:00:00-07:00',
        time: '10:00 AM – 12:00 PM PDT',
      },
    ]);
    expect(sheet.vessels.flatMap((v) => v.departures).map((d) => d.id)).not.toContain(ids.cancelled);
  });

  it('lists what needs attention across the tenant in the next 48 hours, whichever day is shown', async () => {
    for (const date of ['2026-05-01', '2026-06-20']) {
      const sheet = await getDaySheet(t.deps, a.ctx, { date });
      // Kea leaves at 09:00 on May 2 in Auckland: 21:00 UTC on May 1, first of all.
      expect(sheet.attention.map((x) => [x.id, x.items.map((i) => i.reason)])).toEqual([
        [ids.kea, ['no-captain']],
        [ids.soon, ['crew-declined', 'invitation-unanswered']],
        [ids.late, ['no-captain', 'publish-failed']],
        [ids.tomorrow, ['no-captain']],
      ]);
    }
    const sheet = await getDaySheet(t.deps, a.ctx, { date: '2026-05-01' });
    const tom = sheet.attention[3];
    expect(tom).toMatchObject({ guestName: 'Tom Morrow', vesselName: 'Jada' });
    expect(spaced(tom?.when)).toBe('Sat, May 2, 8:00 PM PDT');
  });

  it("never shows another tenant's charters", async () => {
    const sheet = await getDaySheet(t.deps, a.ctx, { date: '2026-05-01' });
    const shown = JSON.stringify(sheet);
    expect(shown).not.toContain(ids.other);
    expect(shown).not.toContain('Bravo Guest');
    const theirs = await getDaySheet(t.deps, b.ctx, { date: '2026-05-01' });
    expect(theirs.vessels.flatMap((v) => v.departures).map((d) => d.id)).toEqual([ids.other]);
    expect(JSON.stringify(theirs)).not.toContain(ids.soon);
  });

  it('shows today in the tenant’s zone when no day is asked for', async () => {
    // TEST_NOW is 2026-05-01T12:00Z: the morning of May 1 in Los Angeles.
    expect((await getDaySheet(t.deps, a.ctx, {})).date).toBe('2026-05-01');
  });

  it.each([
    [{ date: '2026-13-01' }, 'date', 'must be a date like 2026-05-30'],
    [{ date: 'today' }, 'date', 'must be a date like 2026-05-30'],
    [{ date: '1850-01-01' }, 'date', 'must lie between the years 2000 and 2100'],
    [{ date: '2026-05-01', extra: 1 }, 'extra', 'is not a known field'],
  ])('answers %j with 422 naming %s', async (input, field, message) => {
    await expect(getDaySheet(t.deps, a.ctx, input as { date: string })).rejects.toMatchObject({
      status: 422,
      errors: [{ field, message }],
    });
  });
});
