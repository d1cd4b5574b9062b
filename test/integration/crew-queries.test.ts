/** The crew-access, crew and mail query modules with two tenants: each sees and changes only its own rows. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as crew from '../../src/db/queries/crew';
import * as access from '../../src/db/queries/crew-access';
import * as mail from '../../src/db/queries/mail';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { createBooking } from '../../src/services/bookings';
import { upsertEvent } from '../../src/services/events';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let bookingId: string;
const now = new Date('2026-05-01T12:00:00Z');

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'qa');
  b = await makeTenant(t.deps, 'qb');
  const created = await createBooking(t.deps, a.ctx, createBookingSchema.parse(bookingInput()));
  bookingId = created.booking.id;
  await upsertEvent(t.deps, a.ctx, { booking_id: bookingId, crew: [{ crewId: a.captain.id, role: 'captain' }] });
});
afterAll(() => t.close());

describe('crew queries with two tenants', () => {
  it('magic links and sessions of one tenant are invisible and untouchable from another', async () => {
    const db = t.handle.db;
    const link = await access.insertMagicLink(db, a.tenant.id, {
      crewMemberId: a.captain.id,
      tokenHash: 'a'.repeat(64),
      purpose: 'assignment',
      expiresAt: new Date(now.getTime() + 1000),
      now,
    });
    expect(await access.getMagicLink(db, b.tenant.id, link.id)).toBeUndefined();
    expect(await access.listMagicLinksOfCrewMember(db, b.tenant.id, a.captain.id)).toEqual([]);
    expect(await access.revokeMagicLink(db, b.tenant.id, link.id, now)).toBe(0);
    expect(await access.revokeMagicLinksOfCrewMember(db, b.tenant.id, a.captain.id, now)).toBe(0);
    expect((await access.getMagicLink(db, a.tenant.id, link.id))?.revoked_at).toBeNull();

    await access.insertCrewSession(db, a.tenant.id, {
      idHash: 'b'.repeat(64),
      crewMemberId: a.captain.id,
      magicLinkId: link.id,
      expiresAt: new Date(now.getTime() + 1000),
      now,
    });
    await access.deleteCrewSession(db, b.tenant.id, 'b'.repeat(64));
    expect(await access.deleteCrewSessionsOfCrewMember(db, b.tenant.id, a.captain.id)).toBe(0);
    expect((await access.findCrewSessionByHash(db, 'b'.repeat(64), now))?.tenant_id).toBe(a.tenant.id);
  });

  it('assignments, checklist ticks and feeds of one tenant are invisible from another', async () => {
    const db = t.handle.db;
    const endsAfter = new Date('2026-01-01T00:00:00Z');
    expect(await crew.listAssignmentsOfCrewMember(db, a.tenant.id, a.captain.id, { endsAfter, limit: 10 })).toHaveLength(1);
    expect(await crew.listAssignmentsOfCrewMember(db, b.tenant.id, a.captain.id, { endsAfter, limit: 10 })).toEqual([]);
    expect(await crew.getAssignment(db, b.tenant.id, bookingId, a.captain.id)).toBeUndefined();
    await crew.updateAssignmentStatus(db, b.tenant.id, bookingId, a.captain.id, { status: 'declined', declineReason: 'x', now });
    expect((await crew.getAssignment(db, a.tenant.id, bookingId, a.captain.id))?.status).toBe('invited');

    expect(await crew.insertChecklistTick(db, a.tenant.id, { bookingId, item: 'Fuel checked', crewMemberId: a.captain.id, now })).toBe(
      true,
    );
    expect(await crew.listChecklistTicks(db, b.tenant.id, bookingId)).toEqual([]);
    expect(await crew.deleteChecklistTick(db, b.tenant.id, bookingId, 'Fuel checked')).toBe(false);
    expect(await crew.listChecklistTicks(db, a.tenant.id, bookingId)).toHaveLength(1);

    await crew.bumpCrewFeedGeneration(db, a.tenant.id, a.captain.id, now);
    expect(await crew.getCrewFeed(db, b.tenant.id, a.captain.id)).toBeUndefined();
    expect((await crew.getCrewFeed(db, a.tenant.id, a.captain.id))?.generation).toBe(2);
  });

  it('outgoing mail of one tenant is invisible and unchangeable from another', async () => {
    const db = t.handle.db;
    const id = randomUUID();
    await mail.insertOutgoingMail(db, a.tenant.id, {
      id,
      kind: 'crew.assigned',
      dedupeKey: 'k1',
      recipient: a.captain.email,
      crewMemberId: a.captain.id,
      bookingId,
      messageId: `<${id}@test>`,
      now,
    });
    expect(await mail.getOutgoingMailByKey(db, b.tenant.id, 'k1')).toBeUndefined();
    expect(await mail.listOutgoingMail(db, b.tenant.id, { limit: 10 })).toEqual([]);
    await mail.markOutgoingMailSent(db, b.tenant.id, id, { response: '250 OK', now });
    await mail.markOutgoingMailFailed(db, b.tenant.id, id, 'nope', now);
    const entry = {
      actor: { kind: 'system' as const, id: 'mail' },
      action: 'mail.sent',
      entityType: 'mail',
      entityId: id,
      after: { mail: id },
    };
    await mail.markOutgoingMailSentAudited(db, b.tenant.id, id, { response: '250 OK', now }, entry);
    const row = await mail.getOutgoingMailByKey(db, a.tenant.id, 'k1');
    expect(row).toMatchObject({ status: 'queued', attempts: 0, error: null });
    // No row of B's was marked, so no entry says one was.
    const audited = () => db.selectFrom('audit_log').select(['tenant_id', 'after']).where('entity_id', '=', id).execute();
    expect(await audited()).toEqual([]);
    await mail.markOutgoingMailSentAudited(db, a.tenant.id, id, { response: '250 OK', now }, entry);
    expect(await mail.getOutgoingMailByKey(db, a.tenant.id, 'k1')).toMatchObject({ status: 'sent', attempts: 1, response: '250 OK' });
    expect(await audited()).toEqual([{ tenant_id: a.tenant.id, after: { mail: id } }]);
    // The same key in another tenant is another mail.
    const other = randomUUID();
    await mail.insertOutgoingMail(db, b.tenant.id, {
      id: other,
      kind: 'crew.assigned',
      dedupeKey: 'k1',
      recipient: 'x@b.test',
      crewMemberId: null,
      bookingId: null,
      messageId: `<${other}@test>`,
      now,
    });
    expect(await mail.listOutgoingMail(db, b.tenant.id, { limit: 10 })).toHaveLength(1);
  });
});
