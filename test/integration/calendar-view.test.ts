/**
 * The ops calendar's data: charters overlapping a range (cancelled ones flagged) and calendar entries,
 * a colour per vessel, the dashboard URL of each charter; ranges over 62 days and bad dates are 422.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contrastRatio, NO_VESSEL_COLOUR, vesselColour } from '../../src/domain/vessel-colours';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking } from '../../src/services/bookings';
import { addCalendarEntry } from '../../src/services/calendar';
import { getCalendarRange } from '../../src/services/calendar-view';
import { addVessel } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
const ids = {} as Record<'jada' | 'kea' | 'gone' | 'outside' | 'other' | 'overnight', string>;

async function book(tenant: typeof a, startsAt: string, endsAt: string, overrides: Record<string, unknown> = {}) {
  return (await createBooking(t.deps, tenant.ctx, createBookingSchema.parse(bookingInput({ startsAt, endsAt, ...overrides })))).booking.id;
}

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  // Vessels by slug: jada (0), kea (1).
  await addVessel(t.deps, a.ctx, { slug: 'kea', name: 'Kea', capacity: 8, meetingPoint: 'Dock A' });
  ids.jada = await book(a, '2026-06-01T10:00:00-07:00', '2026-06-01T13:00:00-07:00', {
    guest: { name: 'Jo Jada', email: 'jo@example.com' },
  });
  ids.kea = await book(a, '2026-06-02T10:00:00-07:00', '2026-06-02T13:00:00-07:00', { vessel: 'kea', partySize: 4, status: 'hold' });
  ids.gone = await book(a, '2026-06-03T10:00:00-07:00', '2026-06-03T13:00:00-07:00');
  await cancelBooking(t.deps, a.ctx, ids.gone);
  // Starts the evening before the range and ends inside it.
  ids.overnight = await book(a, '2026-05-31T22:00:00-07:00', '2026-06-01T02:00:00-07:00');
  ids.outside = await book(a, '2026-07-10T10:00:00-07:00', '2026-07-10T13:00:00-07:00');
  ids.other = await book(b, '2026-06-01T10:00:00-07:00', '2026-06-01T13:00:00-07:00', {
    guest: { name: 'Bravo Guest', email: 'b@example.com' },
  });
  await addCalendarEntry(t.deps, a.ctx, { date: '2026-06-04', event_type: 'maintenance', title: 'Engine service' });
  await addCalendarEntry(t.deps, a.ctx, { date: '2026-06-01', event_type: 'charter', booking_id: ids.jada });
  await addCalendarEntry(t.deps, b.ctx, { date: '2026-06-04', event_type: 'holiday', title: 'Bravo holiday' });
});
afterAll(() => t.close());

describe('calendar data', () => {
  it('lists the charters overlapping the range, cancelled ones flagged, each with its vessel colour and page', async () => {
    const { items } = await getCalendarRange(t.deps, a.ctx, { start: '2026-06-01', end: '2026-06-08' });
    const charters = items.filter((i) => i.kind === 'booking');
    expect(charters.map((i) => i.id)).toEqual([ids.overnight, ids.jada, ids.kea, ids.gone]);
    expect(charters[1]).toEqual({
      kind: 'booking',
      id: ids.jada,
      title: 'Jo Jada (6) · Jada',
      start: '2026-06-01T10:00:00-07:00',
      end: '2026-06-01T13:00:00-07:00',
      allDay: false,
      vesselId: a.vessel.id,
      vesselName: 'Jada',
      color: vesselColour(0),
      status: 'confirmed',
      cancelled: false,
      url: `/app/bookings/${ids.jada}`,
    });
    expect(charters[2]).toMatchObject({ title: 'Hold: Avery Guest (4) · Kea', color: vesselColour(1), vesselName: 'Kea' });
    expect(charters[3]).toMatchObject({ id: ids.gone, cancelled: true, status: 'cancelled', title: expect.stringMatching(/^Cancelled: /) });
    for (const item of items) expect(contrastRatio(item.color, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });

  it("lists calendar entries as all-day items, in their charter's vessel colour when they name one", async () => {
    const { items } = await getCalendarRange(t.deps, a.ctx, { start: '2026-06-01', end: '2026-06-08' });
    expect(items.filter((i) => i.kind === 'entry').map((i) => [i.title, i.start, i.end, i.allDay, i.vesselName, i.color, i.url])).toEqual([
      ['charter', '2026-06-01', '2026-06-02', true, 'Jada', vesselColour(0), `/app/bookings/${ids.jada}`],
      ['Engine service', '2026-06-04', '2026-06-05', true, null, NO_VESSEL_COLOUR, null],
    ]);
  });

  it('takes the end as exclusive and date-times with an offset as given', async () => {
    const day = await getCalendarRange(t.deps, a.ctx, { start: '2026-06-02', end: '2026-06-03' });
    expect(day.items.map((i) => i.id)).toEqual([ids.kea]);
    const hours = await getCalendarRange(t.deps, a.ctx, { start: '2026-06-01T00:00:00-07:00', end: '2026-06-01T01:00:00-07:00' });
    expect(hours.items.filter((i) => i.kind === 'booking').map((i) => i.id)).toEqual([ids.overnight]);
  });

  it("never shows another tenant's charters or entries", async () => {
    const { items } = await getCalendarRange(t.deps, a.ctx, { start: '2026-06-01', end: '2026-08-01' });
    const shown = JSON.stringify(items);
    expect(shown).not.toContain(ids.other);
    expect(shown).not.toContain('Bravo');
    expect(items.map((i) => i.id)).toContain(ids.outside);
    const theirs = await getCalendarRange(t.deps, b.ctx, { start: '2026-06-01', end: '2026-06-08' });
    expect(theirs.items.map((i) => i.title)).toEqual(['Bravo Guest (6) · Jada', 'Bravo holiday']);
  });

  it.each([
    [{ start: '2026-06-01', end: '2026-08-03' }, 'end', 'must be at most 62 days after start'],
    [{ start: '2026-06-01', end: '2026-06-01' }, 'end', 'must be after start'],
    [{ start: '2026-06-08', end: '2026-06-01' }, 'end', 'must be after start'],
    [{ start: 'June', end: '2026-06-01' }, 'start', expect.stringContaining('must be a date like 2026-05-30')],
    [{ start: '2026-02-30', end: '2026-03-05' }, 'start', expect.stringContaining('must be a date')],
    [{ start: '2026-06-01T00:00:00', end: '2026-06-02' }, 'start', expect.stringContaining('date-time like')],
    [{ start: '1900-01-01', end: '1900-01-02' }, 'start', 'must lie between the years 2000 and 2100'],
    [{ start: '2026-06-01' }, 'end', 'required'],
    [{ start: 20260601, end: '2026-06-02' }, 'start', 'must be a string'],
    [{ start: '2026-06-01', end: '2026-06-02', vessel: 'jada' }, 'vessel', 'is not a known field'],
  ])('answers %j with 422 naming %s, never a 500', async (input, field, message) => {
    await expect(getCalendarRange(t.deps, a.ctx, input as never)).rejects.toMatchObject({
      status: 422,
      errors: expect.arrayContaining([{ field, message }]),
    });
  });

  it('allows exactly 62 days, across a change of clocks', async () => {
    await expect(getCalendarRange(t.deps, a.ctx, { start: '2026-10-01', end: '2026-12-02' })).resolves.toBeDefined();
  });
});
