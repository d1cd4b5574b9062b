/**
 * The board: cards in columns hold, confirmed, crewed, completed, cancelled; moves go through the
 * booking services (their rules, audit and version checks); "crewed" follows from crew answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/services/audit';
import { getBoard, moveBooking } from '../../src/services/board';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking, getBooking, updateBooking } from '../../src/services/bookings';
import { answerAssignment, crewContext } from '../../src/services/crew';
import { upsertEvent } from '../../src/services/events';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
const ids = {} as Record<'done' | 'hold' | 'bare' | 'crewed' | 'half' | 'gone' | 'far' | 'other', string>;

async function book(tenant: typeof a, overrides: Record<string, unknown> = {}) {
  return (await createBooking(t.deps, tenant.ctx, createBookingSchema.parse(bookingInput(overrides)))).booking.id;
}
const day = (date: string, status = 'confirmed') => ({ startsAt: `${date}T10:00:00-07:00`, endsAt: `${date}T13:00:00-07:00`, status });

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  ids.done = await book(a, day('2026-05-02'));
  ids.hold = await book(a, { ...day('2026-05-03', 'hold'), guest: { name: 'Hal Hold', email: 'hal@example.com' }, partySize: 3 });
  ids.bare = await book(a, day('2026-05-04'));
  ids.crewed = await book(a, day('2026-05-05'));
  ids.half = await book(a, day('2026-05-06'));
  ids.gone = await book(a, day('2026-05-07'));
  ids.far = await book(a, day('2026-07-15'));
  ids.other = await book(b, day('2026-05-04'));
  await upsertEvent(t.deps, a.ctx, { booking_id: ids.crewed, crew: [{ email: a.captain.email, role: 'captain' }] });
  await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), ids.crewed, { answer: 'accept' });
  await upsertEvent(t.deps, a.ctx, {
    booking_id: ids.half,
    crew: [
      { email: a.captain.email, role: 'captain' },
      { email: a.deckhand.email, role: 'crew' },
    ],
  });
  await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), ids.half, { answer: 'accept' });
  await cancelBooking(t.deps, a.ctx, ids.gone);
  // Completed once under way: the clock moves past its start, then back.
  t.clock.set(new Date('2026-05-02T20:00:00Z'));
  await updateBooking(t.deps, a.ctx, ids.done, { status: 'completed' }, '*');
  t.clock.set(TEST_NOW);
});
afterAll(() => t.close());

const columnsOf = async (input = {}) => {
  const board = await getBoard(t.deps, a.ctx, input);
  return Object.fromEntries(Object.entries(board.columns).map(([column, cards]) => [column, cards.map((c) => c.id)]));
};

describe('the board', () => {
  it('puts each charter of the last 7 and next 60 days in its column; crewed means every assigned member accepted', async () => {
    expect(await columnsOf()).toEqual({
      hold: [ids.hold],
      confirmed: [ids.bare, ids.half],
      crewed: [ids.crewed],
      completed: [ids.done],
      cancelled: [ids.gone],
    });
    expect((await columnsOf({ from: '2026-07-01', to: '2026-07-31' })).confirmed).toEqual([ids.far]);
  });

  it('shows a card with guest, vessel, start in the vessel zone, party size, crew answers and version', async () => {
    const board = await getBoard(t.deps, a.ctx);
    expect(board.columns.hold[0]).toMatchObject({
      id: ids.hold,
      column: 'hold',
      guestName: 'Hal Hold',
      vesselName: 'Jada',
      startsAt: '2026-05-03T10:00:00-07:00',
      partySize: 3,
      crew: { accepted: 0, total: 0 },
      version: 1,
    });
    expect(board.columns.hold[0]?.when.replace(/\s/g, ' ')).toBe('Sun, May 3, 10:00 AM PDT');
    expect(board.columns.confirmed.find((c) => c.id === ids.half)?.crew).toEqual({ accepted: 1, total: 2 });
  });

  it('moves a hold to confirmed through the booking service: new version, audited', async () => {
    const moved = await moveBooking(t.deps, a.ctx, { bookingId: ids.hold.toLowerCase(), to: 'confirmed', version: 1 });
    expect(moved).toMatchObject({ moved: true, card: { id: ids.hold, column: 'confirmed', version: 2 } });
    expect((await listAudit(t.deps, a.ctx, { entityId: ids.hold })).map((e) => e.action)).toContain('booking.confirmed');
  });

  it('refuses what the booking rules refuse, with their sentence, and writes nothing', async () => {
    const before = await countWrites(t);
    await expect(moveBooking(t.deps, a.ctx, { bookingId: ids.gone, to: 'confirmed' })).rejects.toMatchObject({
      status: 409,
      message: 'This booking is cancelled and can no longer be changed; create a new booking instead.',
    });
    await expect(moveBooking(t.deps, a.ctx, { bookingId: ids.done, to: 'cancelled' })).rejects.toMatchObject({
      status: 409,
      message: 'A completed charter cannot be cancelled.',
    });
    await expect(moveBooking(t.deps, a.ctx, { bookingId: ids.bare, to: 'completed' })).rejects.toMatchObject({ status: 409 });
    expect(await countWrites(t)).toEqual(before);
  });

  it('refuses a move to crewed, which follows from crew answers; crewed to confirmed changes nothing', async () => {
    const before = await countWrites(t);
    await expect(moveBooking(t.deps, a.ctx, { bookingId: ids.bare, to: 'crewed' })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('crewed once every assigned crew member has accepted'),
    });
    expect(await moveBooking(t.deps, a.ctx, { bookingId: ids.crewed, to: 'crewed' })).toMatchObject({
      moved: false,
      card: { column: 'crewed' },
    });
    expect(await moveBooking(t.deps, a.ctx, { bookingId: ids.crewed, to: 'confirmed' })).toMatchObject({
      moved: false,
      card: { column: 'crewed' },
    });
    expect(await countWrites(t)).toEqual(before);
  });

  it('cancels through the cancel service, only at the version the card showed', async () => {
    await expect(moveBooking(t.deps, a.ctx, { bookingId: ids.bare, to: 'cancelled', version: 7 })).rejects.toMatchObject({ status: 412 });
    expect((await getBooking(t.deps, a.ctx, ids.bare)).booking.status).toBe('confirmed');
    expect(await moveBooking(t.deps, a.ctx, { bookingId: ids.bare, to: 'cancelled', version: 1 })).toMatchObject({
      moved: true,
      card: { column: 'cancelled', version: 2 },
    });
    expect((await listAudit(t.deps, a.ctx, { entityId: ids.bare })).map((e) => e.action)).toContain('booking.cancelled');
  });

  it("never shows or moves another tenant's charter", async () => {
    expect(JSON.stringify(await getBoard(t.deps, a.ctx))).not.toContain(ids.other);
    await expect(moveBooking(t.deps, a.ctx, { bookingId: ids.other, to: 'cancelled' })).rejects.toMatchObject({ status: 404 });
    expect((await getBooking(t.deps, b.ctx, ids.other)).booking.status).toBe('confirmed');
    expect((await getBoard(t.deps, b.ctx)).columns.confirmed.map((c) => c.id)).toEqual([ids.other]);
  });

  it.each([
    [{ bookingId: 'x', to: 'hold' }, 'bookingId', 'must be a booking id'],
    [{ bookingId: 'ABCD123', to: 'archived' }, 'to', 'must be one of hold, confirmed, crewed, completed, cancelled'],
    [{ bookingId: 'ABCD123', to: 'hold', version: 'one' }, 'version', 'must be a whole number'],
    [{ bookingId: 'ABCD123' }, 'to', 'required'],
  ])('answers the move %j with 422 naming %s', async (input, field, message) => {
    await expect(moveBooking(t.deps, a.ctx, input as never)).rejects.toMatchObject({ status: 422, errors: [{ field, message }] });
  });

  it('answers a bad window with 422 naming the field', async () => {
    await expect(getBoard(t.deps, a.ctx, { from: 'last week' })).rejects.toMatchObject({ status: 422, errors: [{ field: 'from' }] });
    await expect(getBoard(t.deps, a.ctx, { from: '2026-06-01', to: '2026-05-01' })).rejects.toMatchObject({
      errors: [{ field: 'to', message: 'must not be before from' }],
    });
  });
});
