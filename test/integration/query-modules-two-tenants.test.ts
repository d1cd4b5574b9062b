/**
 * Every query function that takes a tenant id, called with tenant B's id on tenant A's data:
 * it returns none of A's rows and changes none. Each check has a positive control with A's id,
 * and both tenants hold a booking with the same id, so a query that matched on the id alone fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAuditEntry, listAuditEntries } from '../../src/db/queries/audit';
import { countBookings, searchBookings } from '../../src/db/queries/booking-search';
import {
  bookingIdExists,
  findOverlappingBooking,
  friendlySlugTaken,
  getBooking,
  getBookingForUpdate,
  getVesselForNewBooking,
  listBookings,
  listCrewOfBooking,
  listOverlapsKeptFromBefore,
  updateBookingIfVersion,
} from '../../src/db/queries/bookings';
import { insertCalendarEntry, listCalendarEntries, listCalendarEntriesWithVessel } from '../../src/db/queries/calendar';
import { listChecklistTicksOfBookings } from '../../src/db/queries/crew';
import {
  finishDomainCleanup,
  getDomainCleanup,
  insertDomainCleanup,
  listPendingDomainCleanups,
  listSiteSlugs,
  recordDomainCleanupFailure,
} from '../../src/db/queries/domain-cleanups';
import {
  deleteAssignment,
  deleteUpcomingAssignmentsOfCrewMember,
  getCrewEvent,
  upsertAssignment,
  upsertCrewEvent,
} from '../../src/db/queries/events';
import { getIdempotencyRecord, insertIdempotencyRecord } from '../../src/db/queries/idempotency';
import { getApiKey, listApiKeys, revokeApiKey, touchApiKey } from '../../src/db/queries/keys';
import { getOutgoingMailById, lockOutgoingMail, requeueFailedMail } from '../../src/db/queries/mail';
import { deleteMailTemplate, getMailTemplate, listMailTemplates, upsertMailTemplate } from '../../src/db/queries/mail-templates';
import * as people from '../../src/db/queries/people';
import {
  deactivateCrewMember,
  getCrewMemberByEmail,
  getCrewMemberById,
  getVesselBySlug,
  insertCrewMember,
  insertVessel,
  listCrewMembers,
  listStaffUsers,
  listVessels,
  reactivateCrewMember,
} from '../../src/db/queries/people';
import { upsertFriendlySlug } from '../../src/db/queries/publishing';
import { bumpTenantFeedGeneration, getTenantFeedGeneration } from '../../src/db/queries/tenant-feed';
import { getGuestSite, listSites } from '../../src/db/queries/tenants';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { createBooking } from '../../src/services/bookings';
import { addCalendarEntry } from '../../src/services/calendar';
import { upsertEvent } from '../../src/services/events';
import { createKey } from '../../src/services/keys';
import { addStaffUser, addVessel } from '../../src/services/tenants';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { tenantRows } from '../support/tenant-rows';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let A: string;
let B: string;
/** A booking only tenant A has. */
let aOnly: string;
/** Both tenants have a booking with this id. */
const SHARED = 'SHARED7';
let aRows: Record<string, string[]>;

const now = () => new Date();

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  A = a.tenant.id;
  B = b.tenant.id;

  await addVessel(t.deps, a.ctx, { slug: 'alpha-only', name: 'Alpha Only', capacity: 4, meetingPoint: 'Pier 1', timezone: 'UTC' });
  await addStaffUser(t.deps, a.ctx, { name: 'Olive Alpha', email: 'olive@alpha.test', role: 'owner' });
  await addStaffUser(t.deps, b.ctx, { name: 'Bob Bravo', email: 'bob@bravo.test', role: 'staff' });

  const created = await createBooking(
    t.deps,
    a.ctx,
    createBookingSchema.parse(bookingInput({ friendlySlug: 'alpha-sunset', guest: { name: 'Alice Alpha', email: 'alice@alpha.test' } })),
    { key: 'idem-alpha', requestHash: 'hash-alpha' },
  );
  aOnly = created.booking.id;
  await createBooking(
    t.deps,
    a.ctx,
    createBookingSchema.parse(bookingInput({ id: SHARED, guest: { name: 'Alice Alpha', email: 'a@a.test' } })),
  );
  await createBooking(
    t.deps,
    b.ctx,
    createBookingSchema.parse(bookingInput({ id: SHARED, guest: { name: 'Bruno Bravo', email: 'b@b.test' } })),
  );

  await upsertEvent(t.deps, a.ctx, { booking_id: aOnly, crew: [{ email: a.captain.email, role: 'captain' }], notes: 'alpha event' });
  await upsertEvent(t.deps, a.ctx, { booking_id: SHARED, crew: [{ email: a.captain.email, role: 'captain' }], notes: 'alpha shared' });
  // A declined assignment: an upsert that reached it would invite the captain again.
  await t.handle.db
    .updateTable('assignments')
    .set({ status: 'declined', decline_reason: 'alpha reason' })
    .where('tenant_id', '=', A)
    .where('booking_id', '=', SHARED)
    .execute();
  await addCalendarEntry(t.deps, a.ctx, { date: '2026-05-30', event_type: 'charter', booking_id: aOnly, title: 'Alpha charter' });
  await upsertMailTemplate(t.handle.db, A, { kind: 'guest.confirmation', subject: 'Alpha subject', body: 'Alpha body', now: TEST_NOW });

  aRows = await tenantRows(t.handle, A);
});
afterAll(() => t?.close());

async function expectAUnchanged() {
  expect(await tenantRows(t.handle, A)).toEqual(aRows);
}

describe("query functions never return tenant A's rows for tenant B", () => {
  it('getBooking and getBookingForUpdate', async () => {
    expect(await getBooking(t.handle.db, A, aOnly)).toMatchObject({ tenant_id: A, guest_name: 'Alice Alpha' });
    expect(await getBooking(t.handle.db, B, aOnly)).toBeUndefined();
    expect(await getBookingForUpdate(t.handle.db, B, aOnly)).toBeUndefined();
    expect(await getBooking(t.handle.db, B, SHARED)).toMatchObject({ tenant_id: B, guest_name: 'Bruno Bravo' });
    expect(await getBookingForUpdate(t.handle.db, B, SHARED)).toMatchObject({ tenant_id: B, guest_name: 'Bruno Bravo' });
    expect(await getBooking(t.handle.db, A, SHARED)).toMatchObject({ tenant_id: A, guest_name: 'Alice Alpha' });
  });

  it('findOverlappingBooking and listOverlapsKeptFromBefore', async () => {
    const row = await getBooking(t.handle.db, A, aOnly);
    if (!row) throw new Error('no booking of A');
    const range = { startsAt: row.starts_at, blockedUntil: row.ends_at };
    expect(await findOverlappingBooking(t.handle.db, A, row.vessel_id, range)).toMatchObject({ id: aOnly });
    // B asking about A's vessel (its id is unique) finds nothing of A.
    expect(await findOverlappingBooking(t.handle.db, B, row.vessel_id, range)).toBeUndefined();
    await t.handle.db.updateTable('bookings').set({ overlap_allowed: true }).where('tenant_id', '=', A).where('id', '=', aOnly).execute();
    try {
      expect((await listOverlapsKeptFromBefore(t.handle.db, A, TEST_NOW)).map((r) => r.id)).toEqual([aOnly]);
      expect(await listOverlapsKeptFromBefore(t.handle.db, B, TEST_NOW)).toEqual([]);
    } finally {
      await t.handle.db
        .updateTable('bookings')
        .set({ overlap_allowed: false })
        .where('tenant_id', '=', A)
        .where('id', '=', aOnly)
        .execute();
    }
  });

  it('listBookings', async () => {
    const ofA = await listBookings(t.handle.db, A, { limit: 100 });
    expect(ofA.map((r) => r.id).sort()).toEqual([aOnly, SHARED].sort());
    const ofB = await listBookings(t.handle.db, B, { limit: 100 });
    expect(ofB.map((r) => [r.tenant_id, r.id, r.guest_name])).toEqual([[B, SHARED, 'Bruno Bravo']]);
    const confirmedOfB = await listBookings(t.handle.db, B, {
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
      status: 'confirmed',
      limit: 100,
    });
    expect(confirmedOfB.map((r) => r.tenant_id)).toEqual([B]);
  });

  it('bookingIdExists, friendlySlugTaken and listCrewOfBooking', async () => {
    expect(await bookingIdExists(t.handle.db, A, aOnly)).toBe(true);
    expect(await bookingIdExists(t.handle.db, B, aOnly)).toBe(false);
    expect(await friendlySlugTaken(t.handle.db, A, 'alpha-sunset')).toBe(true);
    expect(await friendlySlugTaken(t.handle.db, B, 'alpha-sunset')).toBe(false);
    expect(await listCrewOfBooking(t.handle.db, A, aOnly)).toHaveLength(1);
    expect(await listCrewOfBooking(t.handle.db, B, aOnly)).toEqual([]);
    expect(await listCrewOfBooking(t.handle.db, B, SHARED)).toEqual([]);
  });

  it('getVesselBySlug and listVessels', async () => {
    const aJada = await getVesselBySlug(t.handle.db, A, 'jada');
    const bJada = await getVesselBySlug(t.handle.db, B, 'jada');
    expect(aJada?.tenant_id).toBe(A);
    expect(bJada?.tenant_id).toBe(B);
    expect(bJada?.id).not.toBe(aJada?.id);
    expect(await getVesselBySlug(t.handle.db, A, 'alpha-only')).toBeDefined();
    expect(await getVesselBySlug(t.handle.db, B, 'alpha-only')).toBeUndefined();
    const ofB = await listVessels(t.handle.db, B);
    expect(ofB.map((v) => [v.tenant_id, v.slug])).toEqual([[B, 'jada']]);
  });

  it('listCrewMembers, getCrewMemberByEmail and getCrewMemberById', async () => {
    expect((await listCrewMembers(t.handle.db, B)).map((c) => c.email).sort()).toEqual(['captain@bravo.test', 'deck@bravo.test']);
    expect(await getCrewMemberByEmail(t.handle.db, A, a.captain.email)).toMatchObject({ id: a.captain.id });
    expect(await getCrewMemberByEmail(t.handle.db, A, a.captain.email.toUpperCase())).toMatchObject({ id: a.captain.id });
    expect(await getCrewMemberByEmail(t.handle.db, B, a.captain.email)).toBeUndefined();
    expect(await getCrewMemberById(t.handle.db, A, a.captain.id)).toMatchObject({ email: a.captain.email });
    expect(await getCrewMemberById(t.handle.db, B, a.captain.id)).toBeUndefined();
  });

  it('listStaffUsers', async () => {
    expect((await listStaffUsers(t.handle.db, B)).map((s) => [s.tenant_id, s.email])).toEqual([[B, 'bob@bravo.test']]);
  });

  it('the office pages’ queries: vessels, crew and staff by id, counts, updates and deactivation', async () => {
    const vesselId = a.vessel.id;
    expect(await people.getVesselById(t.handle.db, A, vesselId)).toMatchObject({ tenant_id: A });
    expect(await people.getVesselById(t.handle.db, B, vesselId)).toBeUndefined();
    await expect(
      people.updateVessel(t.handle.db, B, vesselId, {
        name: 'Taken',
        capacity: 1,
        meetingPoint: '',
        timezone: 'UTC',
        turnaroundMinutes: 0,
      }),
    ).rejects.toThrow();
    await expect(
      people.updateCrewMember(t.handle.db, B, a.captain.id, { name: 'Taken', email: 'x@x.test', phone: null, role: 'crew' }),
    ).rejects.toThrow();
    expect((await people.countUpcomingAssignmentsByCrewMember(t.handle.db, A, TEST_NOW)).get(a.captain.id)).toBeGreaterThan(0);
    expect((await people.countUpcomingAssignmentsByCrewMember(t.handle.db, B, TEST_NOW)).size).toBe(0);
    const olive = (await listStaffUsers(t.handle.db, A)).find((s) => s.email === 'olive@alpha.test');
    if (!olive) throw new Error('no staff user of A');
    expect(await people.getStaffUserById(t.handle.db, A, olive.id)).toMatchObject({ tenant_id: A });
    expect(await people.getStaffUserById(t.handle.db, B, olive.id)).toBeUndefined();
    expect(await people.deactivateStaffUser(t.handle.db, B, olive.id, now())).toBe(false);
    const owners = await t.handle.db.transaction().execute((tx) => people.listActiveOwnersForUpdate(tx, B));
    expect(owners.map((o) => o.id)).not.toContain(olive.id);
    await expectAUnchanged();
  });

  it('getOutgoingMailById', async () => {
    const id = '7f1f2c1e-1111-4111-8111-111111111111';
    await t.handle.db
      .insertInto('outgoing_mail')
      .values({
        id,
        tenant_id: A,
        kind: 'test',
        dedupe_key: 'k',
        recipient: 'r@a.test',
        message_id: '<m@a>',
        crew_member_id: null,
        booking_id: null,
      })
      .execute();
    try {
      expect(await getOutgoingMailById(t.handle.db, A, id)).toMatchObject({ tenant_id: A });
      expect(await getOutgoingMailById(t.handle.db, B, id)).toBeUndefined();
      expect(await t.handle.db.transaction().execute((tx) => lockOutgoingMail(tx, A, id))).toMatchObject({ tenant_id: A });
      expect(await t.handle.db.transaction().execute((tx) => lockOutgoingMail(tx, B, id))).toBeUndefined();
      await t.handle.db.updateTable('outgoing_mail').set({ status: 'failed' }).where('id', '=', id).execute();
      await expect(requeueFailedMail(t.handle.db, B, id, now())).rejects.toThrow();
      expect(await getOutgoingMailById(t.handle.db, A, id)).toMatchObject({ status: 'failed' });
      expect(await requeueFailedMail(t.handle.db, A, id, now())).toMatchObject({ status: 'queued' });
    } finally {
      await t.handle.db.deleteFrom('outgoing_mail').where('id', '=', id).execute();
    }
  });

  it('getCrewEvent', async () => {
    expect(await getCrewEvent(t.handle.db, A, aOnly)).toMatchObject({ notes: 'alpha event' });
    expect(await getCrewEvent(t.handle.db, B, aOnly)).toBeUndefined();
    expect(await getCrewEvent(t.handle.db, B, SHARED)).toBeUndefined();
  });

  it('listCalendarEntries', async () => {
    const range = { from: '2026-01-01', to: '2026-12-31' };
    expect(await listCalendarEntries(t.handle.db, A, range)).toHaveLength(1);
    expect(await listCalendarEntries(t.handle.db, B, range)).toEqual([]);
  });

  it('listCalendarEntriesWithVessel', async () => {
    const range = { from: '2026-01-01', to: '2026-12-31' };
    expect((await listCalendarEntriesWithVessel(t.handle.db, A, range)).map((e) => e.vessel_name)).toEqual(['Jada']);
    expect(await listCalendarEntriesWithVessel(t.handle.db, B, range)).toEqual([]);
  });

  it('searchBookings and countBookings', async () => {
    const search = { text: 'alpha' };
    expect((await searchBookings(t.handle.db, A, search, { limit: 10, offset: 0 })).map((r) => r.id)).toHaveLength(2);
    expect(await countBookings(t.handle.db, A, search)).toBe(2);
    expect(await searchBookings(t.handle.db, B, search, { limit: 10, offset: 0 })).toEqual([]);
    expect(await countBookings(t.handle.db, B, { text: SHARED })).toBe(1);
    expect((await searchBookings(t.handle.db, B, {}, { limit: 10, offset: 0 })).map((r) => r.guest_name)).toEqual(['Bruno Bravo']);
  });

  it('listChecklistTicksOfBookings', async () => {
    await t.handle.db
      .insertInto('checklist_ticks')
      .values({ tenant_id: B, booking_id: SHARED, item: 'Fuel checked', crew_member_id: null, ticked_at: now() })
      .execute();
    expect(await listChecklistTicksOfBookings(t.handle.db, A, [SHARED, aOnly])).toEqual([]);
    expect(await listChecklistTicksOfBookings(t.handle.db, B, [SHARED, aOnly])).toEqual([{ booking_id: SHARED, item: 'Fuel checked' }]);
  });

  it('getApiKey, getTenantFeedGeneration and bumpTenantFeedGeneration', async () => {
    expect(await getApiKey(t.handle.db, B, a.serviceKeyId)).toBeUndefined();
    expect((await getApiKey(t.handle.db, A, a.serviceKeyId))?.id).toBe(a.serviceKeyId);
    expect(await bumpTenantFeedGeneration(t.handle.db, B, now())).toBe(2);
    expect(await bumpTenantFeedGeneration(t.handle.db, B, now())).toBe(3);
    expect(await getTenantFeedGeneration(t.handle.db, B)).toBe(3);
    expect(await getTenantFeedGeneration(t.handle.db, A)).toBe(1);
    await expectAUnchanged();
  });

  it('listApiKeys', async () => {
    const ofA = await listApiKeys(t.handle.db, A);
    const ofB = await listApiKeys(t.handle.db, B);
    expect(ofA.map((k) => k.id)).toContain(a.serviceKeyId);
    expect(ofB.map((k) => k.id)).toContain(b.serviceKeyId);
    expect(ofB.map((k) => k.id)).not.toContain(a.serviceKeyId);
    expect(ofB).toHaveLength(2);
  });

  it('listAuditEntries', async () => {
    expect(await listAuditEntries(t.handle.db, A, { entityId: aOnly, limit: 100 })).not.toEqual([]);
    expect(await listAuditEntries(t.handle.db, B, { entityId: aOnly, limit: 100 })).toEqual([]);
    const ofB = await listAuditEntries(t.handle.db, B, { limit: 1000 });
    expect(ofB.length).toBeGreaterThan(0);
    expect(new Set(ofB.map((e) => e.tenant_id))).toEqual(new Set([B]));
    const aEntityIds = new Set((await listAuditEntries(t.handle.db, A, { limit: 1000 })).map((e) => e.entity_id));
    expect(ofB.filter((e) => aEntityIds.has(e.entity_id) && e.entity_id !== SHARED)).toEqual([]);
  });

  it('getIdempotencyRecord', async () => {
    expect(await getIdempotencyRecord(t.handle.db, A, 'idem-alpha', now())).toMatchObject({ request_hash: 'hash-alpha' });
    expect(await getIdempotencyRecord(t.handle.db, B, 'idem-alpha', now())).toBeUndefined();
  });

  it('getVesselForNewBooking', async () => {
    const row = await getBooking(t.handle.db, A, aOnly);
    if (!row) throw new Error('no booking of A');
    const times = { startsAt: row.starts_at, endsAt: row.ends_at };
    const aJada = await getVesselForNewBooking(t.handle.db, A, 'jada', times);
    const bJada = await getVesselForNewBooking(t.handle.db, B, 'jada', times);
    expect(aJada).toMatchObject({ id: (await getVesselBySlug(t.handle.db, A, 'jada'))?.id, guest_domain: 'alpha.localhost' });
    expect(bJada).toMatchObject({ id: (await getVesselBySlug(t.handle.db, B, 'jada'))?.id, guest_domain: 'bravo.localhost' });
    expect(await getVesselForNewBooking(t.handle.db, A, 'alpha-only', times)).toBeDefined();
    expect(await getVesselForNewBooking(t.handle.db, B, 'alpha-only', times)).toBeUndefined();
    // A booking of A kept from before the overlap rule is A's alone to know of.
    await t.handle.db.updateTable('bookings').set({ overlap_allowed: true }).where('tenant_id', '=', A).where('id', '=', aOnly).execute();
    try {
      expect((await getVesselForNewBooking(t.handle.db, A, 'jada', times))?.kept_overlap).toBe(aOnly);
      expect((await getVesselForNewBooking(t.handle.db, B, 'jada', times))?.kept_overlap).toBeNull();
    } finally {
      await t.handle.db
        .updateTable('bookings')
        .set({ overlap_allowed: false })
        .where('tenant_id', '=', A)
        .where('id', '=', aOnly)
        .execute();
    }
  });

  it('listSites and getGuestSite', async () => {
    expect((await listSites(t.handle.db, B)).map((s) => s.domain)).toEqual(['bravo.localhost']);
    expect(await getGuestSite(t.handle.db, B)).toMatchObject({ tenant_id: B, domain: 'bravo.localhost' });
    expect(await getGuestSite(t.handle.db, A)).toMatchObject({ tenant_id: A, domain: 'alpha.localhost' });
  });
});

describe("query functions never change tenant A's rows for tenant B", () => {
  it('updateBookingIfVersion', async () => {
    // The snapshot holds what A owns (so a change to it would show).
    expect(aRows.bookings).toHaveLength(2);
    expect(aRows.assignments).toHaveLength(2);
    expect(aRows.crew_events).toHaveLength(2);
    expect(await updateBookingIfVersion(t.handle.db, B, aOnly, 1, { guest_name: 'Hijacked', notes_internal: 'x' })).toBe(false);
    await expectAUnchanged();
    const bShared = await getBooking(t.handle.db, B, SHARED);
    expect(await updateBookingIfVersion(t.handle.db, B, SHARED, bShared?.version ?? 0, { guest_name: 'Bruno Renamed' })).toBe(true);
    expect(await getBooking(t.handle.db, B, SHARED)).toMatchObject({ guest_name: 'Bruno Renamed', version: (bShared?.version ?? 0) + 1 });
    await expectAUnchanged();
  });

  it('revokeApiKey and touchApiKey', async () => {
    const revoked = await revokeApiKey(t.handle.db, B, a.serviceKeyId, now());
    expect(revoked.numUpdatedRows).toBe(0n);
    await touchApiKey(t.handle.db, B, a.serviceKeyId, now());
    await expectAUnchanged();
    // The same call with A's id does revoke (so the call above could have).
    const control = (await createKey(t.deps, { kind: 'operator', id: 'test' }, A, { kind: 'service' })).id;
    expect((await revokeApiKey(t.handle.db, A, control, now())).numUpdatedRows).toBe(1n);
    aRows = await tenantRows(t.handle, A);
  });

  it('upsertCrewEvent and upsertAssignment', async () => {
    // Tenant B has no booking aOnly: nothing can be attached to it.
    await expect(t.handle.db.transaction().execute((tx) => upsertCrewEvent(tx, B, aOnly, 'bravo notes', now()))).rejects.toThrow();
    await expect(
      t.handle.db
        .transaction()
        .execute((tx) => upsertAssignment(tx, B, { bookingId: aOnly, crewMemberId: b.captain.id, role: 'crew' }, now())),
    ).rejects.toThrow();
    await expectAUnchanged();

    // Both have SHARED: B's event and assignment are B's own; A's notes and declined assignment stay.
    const event = await upsertCrewEvent(t.handle.db, B, SHARED, 'bravo shared', now());
    expect(event).toMatchObject({ tenant_id: B, notes: 'bravo shared' });
    const assignment = await upsertAssignment(t.handle.db, B, { bookingId: SHARED, crewMemberId: b.captain.id, role: 'captain' }, now());
    expect(assignment).toMatchObject({ tenant_id: B, crew_member_id: b.captain.id, status: 'invited' });
    await expectAUnchanged();
    expect(await getCrewEvent(t.handle.db, A, SHARED)).toMatchObject({ notes: 'alpha shared' });
  });

  it('deleteAssignment, deleteUpcomingAssignmentsOfCrewMember, deactivateCrewMember and reactivateCrewMember', async () => {
    expect(await deleteAssignment(t.handle.db, B, aOnly, a.captain.id)).toBeUndefined();
    expect(await deleteAssignment(t.handle.db, B, SHARED, a.captain.id)).toBeUndefined();
    expect(await deleteUpcomingAssignmentsOfCrewMember(t.handle.db, B, a.captain.id, new Date('2026-01-01T00:00:00Z'))).toEqual([]);
    expect(await deactivateCrewMember(t.handle.db, B, a.captain.id, now())).toBe(false);
    await expect(
      reactivateCrewMember(t.handle.db, B, a.captain.id, { name: 'Hijacked', email: 'x@bravo.test', phone: null, role: 'crew' }),
    ).rejects.toThrow();
    expect((await listCrewMembers(t.handle.db, B, { includeDeactivated: true })).map((c) => c.tenant_id)).not.toContain(A);
    await expectAUnchanged();
  });

  it('insertCalendarEntry cannot point at a booking of another tenant', async () => {
    await expect(
      t.handle.db
        .transaction()
        .execute((tx) => insertCalendarEntry(tx, B, { date: '2026-05-30', eventType: 'charter', bookingId: aOnly, title: null })),
    ).rejects.toThrow();
    await expectAUnchanged();
  });

  it('insertIdempotencyRecord with the same key keeps each tenant its own record', async () => {
    await insertIdempotencyRecord(t.handle.db, B, { key: 'idem-alpha', requestHash: 'hash-bravo', status: 201, body: { b: 1 } }, now());
    expect(await getIdempotencyRecord(t.handle.db, B, 'idem-alpha', now())).toMatchObject({ request_hash: 'hash-bravo' });
    expect(await getIdempotencyRecord(t.handle.db, A, 'idem-alpha', now())).toMatchObject({ request_hash: 'hash-alpha' });
    await expectAUnchanged();
  });

  it('mail templates: listMailTemplates, getMailTemplate, upsertMailTemplate and deleteMailTemplate', async () => {
    expect(await getMailTemplate(t.handle.db, A, 'guest.confirmation')).toMatchObject({ subject: 'Alpha subject' });
    expect(await listMailTemplates(t.handle.db, A)).toHaveLength(1);
    expect(await getMailTemplate(t.handle.db, B, 'guest.confirmation')).toBeUndefined();
    expect(await listMailTemplates(t.handle.db, B)).toEqual([]);
    expect(await deleteMailTemplate(t.handle.db, B, 'guest.confirmation')).toBe(false);
    await upsertMailTemplate(t.handle.db, B, { kind: 'guest.confirmation', subject: 'Bravo subject', body: 'Bravo body', now: now() });
    expect(await getMailTemplate(t.handle.db, B, 'guest.confirmation')).toMatchObject({ subject: 'Bravo subject' });
    expect(await deleteMailTemplate(t.handle.db, B, 'guest.confirmation')).toBe(true);
    await expectAUnchanged();
  });

  it('inserts with names A uses already (vessel slug, crew e-mail) stay in B', async () => {
    await insertVessel(t.handle.db, B, { slug: 'alpha-only', name: 'Bravo Copy', capacity: 2, meetingPoint: '', timezone: 'UTC' });
    await insertCrewMember(t.handle.db, B, { name: 'Copy', email: a.captain.email, phone: null, role: 'crew' });
    await insertAuditEntry(t.handle.db, B, {
      actor: { kind: 'system', id: null },
      action: 'test.noted',
      entityType: 'booking',
      entityId: aOnly,
    });
    expect(await getVesselBySlug(t.handle.db, A, 'alpha-only')).toMatchObject({ name: 'Alpha Only' });
    expect(await getCrewMemberByEmail(t.handle.db, A, a.captain.email)).toMatchObject({ id: a.captain.id, name: 'Casey Captain' });
    await expectAUnchanged();
  });

  it('domain cleanups: getDomainCleanup, listPendingDomainCleanups, recordDomainCleanupFailure, finishDomainCleanup and listSiteSlugs', async () => {
    const site = await getGuestSite(t.handle.db, A);
    if (!site) throw new Error('tenant A has no guest site');
    const cleanup = await insertDomainCleanup(t.handle.db, A, { siteId: site.id, domain: 'alpha-old.localhost' });
    await upsertFriendlySlug(t.handle.db, A, site.id, 'alpha-sunset', aOnly, now());
    aRows = await tenantRows(t.handle, A);
    expect(await getDomainCleanup(t.handle.db, B, cleanup.id)).toBeUndefined();
    expect(await listPendingDomainCleanups(t.handle.db, B)).toEqual([]);
    expect(await listSiteSlugs(t.handle.db, B, site.id)).toEqual([]);
    await recordDomainCleanupFailure(t.handle.db, B, cleanup.id, 'bravo error', now());
    await finishDomainCleanup(t.handle.db, B, cleanup.id, now(), 5);
    await expectAUnchanged();
    expect(await listPendingDomainCleanups(t.handle.db, A)).toMatchObject([{ id: cleanup.id, failures: 0, last_error: null }]);
    expect(await listSiteSlugs(t.handle.db, A, site.id)).toEqual(['alpha-sunset']);
  });
});
