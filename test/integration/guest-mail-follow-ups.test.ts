/**
 * Guest mail that follows a booking is queued in the booking's own transaction: a booking created
 * confirmed (or a hold confirmed) queues its confirmation, a change a guest sees queues a change with
 * old → new, a cancellation queues a cancellation — each a queued `outgoing_mail` row to the guest,
 * its `mail.queued` audit entry and its `mail.send` job. Holds, changes only staff see and refused
 * requests queue nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDueGuestReminders } from '../../src/services/guest-reminders';
import { addVessel } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { auditActions } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  await addVessel(t.deps, a.ctx, {
    slug: 'heron',
    name: 'Blue Heron',
    capacity: 20,
    meetingPoint: 'Dock A',
    timezone: 'America/Los_Angeles',
  });
});
afterAll(() => t.close());

/** The guest mail queued about a booking, with the job that sends each. */
async function guestMail(bookingId: string) {
  const rows = await t.handle.db
    .selectFrom('outgoing_mail')
    .select(['id', 'kind', 'dedupe_key', 'recipient', 'recipient_name', 'status', 'content', 'automatic', 'batch_id'])
    .where('tenant_id', '=', a.tenant.id)
    .where('booking_id', '=', bookingId)
    .execute();
  // All of them carry the test clock's one instant: in the order of a booking's life, then by version.
  const rank = ['guest.confirmation', 'guest.change', 'guest.cancellation'];
  rows.sort((x, y) => rank.indexOf(x.kind) - rank.indexOf(y.kind) || x.dedupe_key.localeCompare(y.dedupe_key, 'en', { numeric: true }));
  const { rows: jobs } = await t.handle.executeSql(
    `select data->>'mailId' as mail, data->>'tenantId' as tenant from pgboss.job where name = 'mail.send' and data->>'mailId' = any($1::text[])`,
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => ({ ...r, jobs: jobs.filter((j) => j.mail === r.id).map((j) => j.tenant) }));
}

async function create(overrides: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(overrides));
  expect(res.status).toBe(201);
  return { id: res.json.id as string, etag: res.headers.get('etag') ?? '' };
}

async function patch(id: string, etag: string, body: Record<string, unknown>) {
  return call(app, 'PATCH', `/api/v1/bookings/${id}`, a.serviceKey, body, { 'if-match': etag });
}

describe('guest mail queued with the booking', () => {
  it('a booking created confirmed queues its confirmation to the guest, audited, with its job', async () => {
    const { id } = await create({ guest: { name: 'Avery Guest', email: 'avery@example.com' } });
    const mail = await guestMail(id);
    expect(mail).toEqual([
      {
        id: expect.any(String),
        kind: 'guest.confirmation',
        dedupe_key: `guest.confirmation:${id}:v1`,
        recipient: 'avery@example.com',
        recipient_name: 'Avery Guest',
        status: 'queued',
        content: {},
        automatic: true,
        batch_id: null,
        jobs: [a.tenant.id],
      },
    ]);
    expect(await auditActions(t, id)).toEqual(['booking.created', 'booking.confirmed', 'mail.queued']);
  });

  it('a hold queues nothing, however it changes, until it is confirmed', async () => {
    const hold = await create({ status: 'hold' });
    const resized = await patch(hold.id, hold.etag, {
      partySize: 4,
      startsAt: '2026-07-01T09:00:00-07:00',
      endsAt: '2026-07-01T12:00:00-07:00',
    });
    expect(resized.status).toBe(200);
    expect(await guestMail(hold.id)).toEqual([]);
    const confirmed = await patch(hold.id, resized.headers.get('etag') ?? '', { status: 'confirmed' });
    expect(confirmed.status).toBe(200);
    expect((await guestMail(hold.id)).map((m) => [m.kind, m.dedupe_key])).toEqual([
      ['guest.confirmation', `guest.confirmation:${hold.id}:v3`],
    ]);

    const dropped = await create({ status: 'hold' });
    expect((await call(app, 'POST', `/api/v1/bookings/${dropped.id}/cancel`, a.serviceKey)).status).toBe(200);
    expect(await guestMail(dropped.id)).toEqual([]);
  });

  it('a change a guest sees queues a change with old → new from the guest view; one only staff see queues nothing', async () => {
    const { id, etag } = await create({ startsAt: '2026-07-10T10:00:00-07:00', endsAt: '2026-07-10T13:00:00-07:00' });
    const staffOnly = await patch(id, etag, {
      pricing: { total: 999, currency: 'USD' },
      captainFeePerHour: 75,
      notes: { internal: 'Paid in full', crew: 'Extra ice' },
      guest: { phone: '+1 619 555 0111' },
    });
    expect(staffOnly.status).toBe(200);
    expect(staffOnly.headers.get('etag')).toBe('"v2"');
    expect((await guestMail(id)).map((m) => m.kind)).toEqual(['guest.confirmation']);

    const moved = await patch(id, staffOnly.headers.get('etag') ?? '', {
      startsAt: '2026-07-10T11:00:00-07:00',
      endsAt: '2026-07-10T14:00:00-07:00',
    });
    expect(moved.status).toBe(200);
    const resized = await patch(id, moved.headers.get('etag') ?? '', { partySize: 9, vessel: 'heron' });
    expect(resized.status).toBe(200);
    const mail = await guestMail(id);
    expect(mail.map((m) => [m.kind, m.dedupe_key, m.content, m.jobs.length])).toEqual([
      ['guest.confirmation', `guest.confirmation:${id}:v1`, {}, 1],
      [
        'guest.change',
        `guest.change:${id}:v3`,
        {
          changes: [
            { field: 'startsAt', from: '2026-07-10T10:00:00-07:00', to: '2026-07-10T11:00:00-07:00' },
            { field: 'endsAt', from: '2026-07-10T13:00:00-07:00', to: '2026-07-10T14:00:00-07:00' },
          ],
        },
        1,
      ],
      [
        'guest.change',
        `guest.change:${id}:v4`,
        {
          changes: [
            { field: 'vessel', from: 'Jada', to: 'Blue Heron' },
            { field: 'meetingPoint', from: 'Dock C', to: 'Dock A' },
            { field: 'partySize', from: 6, to: 9 },
          ],
        },
        1,
      ],
    ]);
    // The content is the guest's: nothing of what staff alone see.
    expect(JSON.stringify(mail)).not.toMatch(/999|Paid in full|Extra ice|Revenue|fenders|555 0111/);
  });

  it('a cancellation queues one cancellation, however often it is asked for', async () => {
    const { id } = await create();
    expect((await call(app, 'POST', `/api/v1/bookings/${id}/cancel`, a.serviceKey)).status).toBe(200);
    expect((await call(app, 'POST', `/api/v1/bookings/${id}/cancel`, a.serviceKey)).status).toBe(200);
    expect((await guestMail(id)).map((m) => [m.kind, m.dedupe_key, m.recipient, m.status])).toEqual([
      // Cancelled before it went out: the confirmation is withdrawn, never sent.
      ['guest.confirmation', `guest.confirmation:${id}:v1`, 'avery@example.com', 'withdrawn'],
      ['guest.cancellation', `guest.cancellation:${id}`, 'avery@example.com', 'queued'],
    ]);
    expect(await auditActions(t, id)).toEqual([
      'booking.created',
      'booking.confirmed',
      'mail.queued',
      'booking.updated',
      'booking.cancelled',
      'mail.withdrawn',
      'mail.queued',
    ]);
  });

  it('a reminder not yet sent is withdrawn when its charter moves, and a new one follows for the new time', async () => {
    const { id, etag } = await create({ startsAt: '2026-07-20T10:00:00-07:00', endsAt: '2026-07-20T13:00:00-07:00' });
    await t.handle.db.deleteFrom('outgoing_mail').where('booking_id', '=', id).execute();
    t.clock.set(new Date('2026-07-19T18:00:00Z')); // within 24 h of the departure
    try {
      expect((await queueDueGuestReminders(t.deps)).map((r) => r.bookingId)).toContain(id);
      const moved = await patch(id, etag, { startsAt: '2026-07-20T11:00:00-07:00', endsAt: '2026-07-20T14:00:00-07:00' });
      expect(moved.status).toBe(200);
      const rows = await t.handle.db
        .selectFrom('outgoing_mail')
        .select(['kind', 'dedupe_key', 'status', 'error'])
        .where('booking_id', '=', id)
        .orderBy('created_at')
        .orderBy('kind', 'desc')
        .execute();
      expect(rows.find((r) => r.kind === 'guest.reminder')).toMatchObject({
        status: 'withdrawn',
        error: expect.stringMatching(/moved/),
      });
      expect(rows.find((r) => r.kind === 'guest.change')).toMatchObject({ status: 'queued' });
      expect((await queueDueGuestReminders(t.deps)).map((r) => r.bookingId)).toContain(id);
      const reminders = await t.handle.db
        .selectFrom('outgoing_mail')
        .select(['dedupe_key', 'status'])
        .where('booking_id', '=', id)
        .where('kind', '=', 'guest.reminder')
        .orderBy('dedupe_key')
        .execute();
      expect(reminders.map((r) => r.status).sort()).toEqual(['queued', 'withdrawn']);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it('a change goes to the guest as the booking now names them', async () => {
    const { id, etag } = await create();
    const res = await patch(id, etag, { guest: { name: 'Robin Renamed', email: 'robin@example.com' }, partySize: 7 });
    expect(res.status).toBe(200);
    const [, change] = await guestMail(id);
    expect(change).toMatchObject({ kind: 'guest.change', recipient: 'robin@example.com', recipient_name: 'Robin Renamed' });
  });

  it('a refused request queues nothing: a stale version, an overlap, a bad party size, a refused create', async () => {
    const first = await create();
    const other = await create();
    const otherStart = (await call(app, 'GET', `/api/v1/bookings/${other.id}`, a.serviceKey)).json.startsAt as string;
    const otherEnd = (await call(app, 'GET', `/api/v1/bookings/${other.id}`, a.serviceKey)).json.endsAt as string;
    const mailCount = async () => Number((await t.handle.executeSql('select count(*)::int as n from outgoing_mail')).rows[0]?.n);
    const before = await mailCount();

    expect((await patch(first.id, '"v7"', { partySize: 3 })).status).toBe(412);
    expect((await patch(first.id, first.etag, { startsAt: otherStart, endsAt: otherEnd })).status).toBe(409);
    expect((await patch(first.id, first.etag, { partySize: 500 })).status).toBe(422);
    const clash = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput({ startsAt: otherStart, endsAt: otherEnd }));
    expect(clash.status).toBe(409);

    expect(await mailCount()).toBe(before);
    expect((await guestMail(first.id)).map((m) => m.kind)).toEqual(['guest.confirmation']);
  });
});
