import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/services/audit';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking, getBooking, getBookingForCrew, listBookings, updateBooking } from '../../src/services/bookings';
import { addCalendarEntry } from '../../src/services/calendar';
import { NotFoundError, ValidationError } from '../../src/services/errors';
import { getEvent, upsertEvent } from '../../src/services/events';
import { listKeys } from '../../src/services/keys';
import { addVessel } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let aId: string;
let aSnapshot: Awaited<ReturnType<typeof getBooking>>;

const keyActor = (tenant: typeof a) => ({ tenantId: tenant.tenant.id, actor: { kind: 'key' as const, id: tenant.serviceKeyId } });

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  const created = await createBooking(t.deps, keyActor(a), createBookingSchema.parse(bookingInput()));
  aId = created.booking.id;
  await upsertEvent(t.deps, keyActor(a), { booking_id: aId, crew: [{ email: a.captain.email, role: 'captain' }], notes: 'alpha only' });
  aSnapshot = await getBooking(t.deps, keyActor(a), aId);
});
afterAll(() => t.close());

describe('services keep each tenant to its own data', () => {
  it("does not find tenant A's booking for tenant B", async () => {
    await expect(getBooking(t.deps, keyActor(b), aId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getBookingForCrew(t.deps, keyActor(b), aId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("does not let tenant B update or cancel tenant A's booking", async () => {
    const before = await countWrites(t);
    await expect(updateBooking(t.deps, keyActor(b), aId, { partySize: 1 }, '*')).rejects.toBeInstanceOf(NotFoundError);
    await expect(updateBooking(t.deps, keyActor(b), aId, { partySize: 1 }, 1)).rejects.toBeInstanceOf(NotFoundError);
    await expect(cancelBooking(t.deps, keyActor(b), aId)).rejects.toBeInstanceOf(NotFoundError);
    expect(await countWrites(t)).toEqual(before);
    expect(await getBooking(t.deps, keyActor(a), aId)).toEqual(aSnapshot);
  });

  it("lists none of tenant A's bookings for tenant B", async () => {
    expect(await listBookings(t.deps, keyActor(b), { limit: 500 })).toEqual([]);
    expect((await listBookings(t.deps, keyActor(a), { limit: 500 })).map((x) => x.id)).toEqual([aId]);
  });

  it("does not let tenant B read or change tenant A's crew event", async () => {
    await expect(getEvent(t.deps, keyActor(b), aId)).rejects.toBeInstanceOf(NotFoundError);
    const before = await countWrites(t);
    await expect(upsertEvent(t.deps, keyActor(b), { booking_id: aId, notes: 'bravo was here' })).rejects.toBeInstanceOf(ValidationError);
    expect(await countWrites(t)).toEqual(before);
    expect((await getEvent(t.deps, keyActor(a), aId)).notes).toBe('alpha only');
  });

  it("does not let tenant B book tenant A's vessel by slug", async () => {
    await addVessel(t.deps, keyActor(a), { slug: 'alpha-only', name: 'Alpha Only', capacity: 6, meetingPoint: '' });
    const before = await countWrites(t);
    await expect(
      createBooking(t.deps, keyActor(b), createBookingSchema.parse(bookingInput({ vessel: 'alpha-only', partySize: 2 }))),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await countWrites(t)).toEqual(before);
  });

  it("does not let tenant B add a calendar entry for tenant A's booking", async () => {
    const before = await countWrites(t);
    await expect(
      addCalendarEntry(t.deps, keyActor(b), { date: '2026-05-30', event_type: 'charter', booking_id: aId }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await countWrites(t)).toEqual(before);
  });

  it('shows each tenant only its own keys and audit trail', async () => {
    const aKeys = (await listKeys(t.deps, a.ctx)).map((k) => k.id);
    const bKeys = (await listKeys(t.deps, b.ctx)).map((k) => k.id);
    expect(aKeys).toContain(a.serviceKeyId);
    expect(bKeys).toContain(b.serviceKeyId);
    expect(aKeys.filter((id) => bKeys.includes(id))).toEqual([]);
    const bAudit = await listAudit(t.deps, b.ctx, {});
    expect(bAudit.map((e) => e.entity)).not.toContain(`booking:${aId}`);
    expect(await listAudit(t.deps, b.ctx, { entityId: aId })).toEqual([]);
    expect((await listAudit(t.deps, a.ctx, { entityId: aId })).map((e) => e.action)).toContain('booking.created');
  });

  it('lets each tenant use the same caller-chosen booking id on its own', async () => {
    const input = createBookingSchema.parse(bookingInput({ id: 'SHARED1' }));
    const inA = await createBooking(t.deps, keyActor(a), input);
    const inB = await createBooking(t.deps, keyActor(b), createBookingSchema.parse(bookingInput({ id: 'SHARED1', partySize: 2 })));
    expect(inA.booking.id).toBe('SHARED1');
    expect(inB.booking.id).toBe('SHARED1');
    await cancelBooking(t.deps, keyActor(b), 'SHARED1');
    expect((await getBooking(t.deps, keyActor(a), 'SHARED1')).booking).toMatchObject({ status: 'confirmed', partySize: 6 });
    expect((await getBooking(t.deps, keyActor(b), 'SHARED1')).booking).toMatchObject({ status: 'cancelled', partySize: 2 });
  });
});
