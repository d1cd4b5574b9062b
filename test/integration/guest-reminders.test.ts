/**
 * Guests' reminders before departure, on a settable clock: the sweep queues one `guest.reminder` per
 * confirmed charter departing within the tenant's `guestReminderHours` (24 by default, 0 = off) — a
 * queued row, its audit entry and its `mail.send` job — and never for a hold or a cancelled charter;
 * a moved charter is reminded for its new time only; a sweep that runs again, also on a restarted
 * queue, queues nothing twice. The sweep is scheduled with the job queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import { listBookingsDueForGuestReminder } from '../../src/db/queries/bookings';
import { registerJobHandlers } from '../../src/jobs/register';
import type { Mailer } from '../../src/ports/mailer';
import { ValidationError } from '../../src/services/errors';
import { queueDueGuestReminders } from '../../src/services/guest-reminders';
import { parseInput } from '../../src/services/parse-input';
import { updateTenant, updateTenantSchema } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let off: Awaited<ReturnType<typeof makeTenant>>;

// Charters depart 2026-05-30 10:00 in Los Angeles: 17:00 UTC.
const DEPARTS = Date.parse('2026-05-30T17:00:00Z');
const hoursBefore = (h: number) => new Date(DEPARTS - h * 3_600_000);
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

let confirmedA: string;
let holdA: string;
let cancelledA: string;
let movedA: string;
let confirmedB: string;
let confirmedOff: string;

async function create(tenant: typeof a, overrides: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/bookings', tenant.serviceKey, bookingInput(overrides));
  expect(res.status).toBe(201);
  return res.json.id as string;
}

async function move(tenant: typeof a, id: string, startsAt: string, endsAt: string) {
  const read = await call(app, 'GET', `/api/v1/bookings/${id}`, tenant.serviceKey);
  const res = await call(
    app,
    'PATCH',
    `/api/v1/bookings/${id}`,
    tenant.serviceKey,
    { startsAt, endsAt },
    { 'if-match': read.headers.get('etag') ?? '' },
  );
  expect(res.status).toBe(200);
}

/** Every guest reminder queued, as [tenant, booking, dedupe key, recipient, status], with how many `mail.send` jobs each has. */
async function reminders() {
  const rows = await t.handle.db
    .selectFrom('outgoing_mail')
    .select(['id', 'tenant_id', 'booking_id', 'dedupe_key', 'recipient', 'status', 'automatic'])
    .where('kind', '=', 'guest.reminder')
    .orderBy('dedupe_key')
    .execute();
  const { rows: jobs } = await t.handle.executeSql(`select data->>'mailId' as mail from pgboss.job where name = 'mail.send'`);
  return rows.map((r) => ({ ...r, jobs: jobs.filter((j) => j.mail === r.id).length }));
}

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  off = await makeTenant(t.deps, 'gamma');
  await updateTenant(t.deps, b.ctx, { guestReminderHours: 2 });
  await updateTenant(t.deps, off.ctx, { guestReminderHours: 0 });
  // Three charters of alpha on 2026-05-30 (10:00, 06:00, 14:00 in Los Angeles) and one on 2026-06-05 (18:00), one each of
  // beta and gamma on 2026-05-30 at 10:00.
  confirmedA = await create(a, { startsAt: '2026-05-30T10:00:00-07:00', endsAt: '2026-05-30T12:00:00-07:00' });
  holdA = await create(a, { status: 'hold', startsAt: '2026-05-30T06:00:00-07:00', endsAt: '2026-05-30T07:00:00-07:00' });
  cancelledA = await create(a, { startsAt: '2026-05-30T14:00:00-07:00', endsAt: '2026-05-30T15:00:00-07:00' });
  expect((await call(app, 'POST', `/api/v1/bookings/${cancelledA}/cancel`, a.serviceKey)).status).toBe(200);
  movedA = await create(a, { startsAt: '2026-06-05T18:00:00-07:00', endsAt: '2026-06-05T19:00:00-07:00' });
  confirmedB = await create(b, { startsAt: '2026-05-30T10:00:00-07:00', endsAt: '2026-05-30T12:00:00-07:00' });
  confirmedOff = await create(off, { startsAt: '2026-05-30T10:00:00-07:00', endsAt: '2026-05-30T12:00:00-07:00' });
});

afterAll(async () => {
  await t.close();
});

describe('guest reminders', () => {
  it('are not queued before the window opens', async () => {
    t.clock.set(hoursBefore(24.5));
    expect(await queueDueGuestReminders(t.deps)).toEqual([]);
    expect(await reminders()).toEqual([]);
  });

  it('are queued once for each confirmed charter inside the window: not for a hold, a cancelled charter or a tenant who turned them off', async () => {
    t.clock.set(hoursBefore(23.5));
    const queued = await queueDueGuestReminders(t.deps);
    expect(queued.map((q) => [q.tenantId, q.bookingId])).toEqual([[a.tenant.id, confirmedA]]);
    expect(await reminders()).toEqual([
      {
        id: queued[0]?.mailId,
        tenant_id: a.tenant.id,
        booking_id: confirmedA,
        dedupe_key: `guest.reminder:${confirmedA}:${epoch('2026-05-30T17:00:00Z')}`,
        recipient: 'avery@example.com',
        status: 'queued',
        automatic: true,
        jobs: 1,
      },
    ]);
    const { rows: audit } = await t.handle.executeSql(
      `select action, actor_kind, actor_id from audit_log where entity_id = $1 and action = 'mail.queued' order by id`,
      [confirmedA],
    );
    // The confirmation (by the key that created the booking), then the reminder (by the sweep).
    expect(audit.map((r) => [r.actor_kind, r.actor_id]).at(-1)).toEqual(['system', 'guest.remind']);
    expect(audit).toHaveLength(2);

    // The next sweeps, however many, queue nothing more.
    t.clock.set(hoursBefore(20));
    expect(await queueDueGuestReminders(t.deps)).toEqual([]);
    expect(await reminders()).toHaveLength(1);
  });

  it("follow the tenant's lead time", async () => {
    t.clock.set(hoursBefore(2.5));
    expect((await queueDueGuestReminders(t.deps)).map((q) => q.bookingId)).toEqual([]);
    t.clock.set(hoursBefore(1.5));
    expect((await queueDueGuestReminders(t.deps)).map((q) => q.bookingId)).toEqual([confirmedB]);
    t.clock.set(hoursBefore(0.5));
    expect(await queueDueGuestReminders(t.deps)).toEqual([]);
    expect((await reminders()).map((r) => r.booking_id).sort()).toEqual([confirmedA, confirmedB].sort());
  });

  it('a charter moved before its reminder is reminded for its new time only; one moved after it, again for the new time', async () => {
    // movedA departs 18:00 (01:00 UTC the next day); moved to 20:00 while its window is still closed.
    t.clock.set(new Date(Date.parse('2026-06-06T01:00:00Z') - 30 * 3_600_000));
    await move(a, movedA, '2026-06-05T20:00:00-07:00', '2026-06-05T21:00:00-07:00');
    t.clock.set(new Date(Date.parse('2026-06-06T01:00:00Z') - 23.5 * 3_600_000));
    expect(await queueDueGuestReminders(t.deps)).toEqual([]);
    t.clock.set(new Date(Date.parse('2026-06-06T03:00:00Z') - 23 * 3_600_000));
    expect((await queueDueGuestReminders(t.deps)).map((q) => q.bookingId)).toEqual([movedA]);
    const keysOf = async (id: string) => (await reminders()).filter((r) => r.booking_id === id).map((r) => r.dedupe_key);
    expect(await keysOf(movedA)).toEqual([`guest.reminder:${movedA}:${epoch('2026-06-06T03:00:00Z')}`]);

    // Reminded, then moved an hour later: reminded again, for the new time.
    await move(a, movedA, '2026-06-05T21:00:00-07:00', '2026-06-05T22:00:00-07:00');
    expect((await queueDueGuestReminders(t.deps)).map((q) => q.bookingId)).toEqual([movedA]);
    expect(await keysOf(movedA)).toEqual([
      `guest.reminder:${movedA}:${epoch('2026-06-06T03:00:00Z')}`,
      `guest.reminder:${movedA}:${epoch('2026-06-06T04:00:00Z')}`,
    ]);
    expect(await queueDueGuestReminders(t.deps)).toEqual([]);
    expect((await reminders()).map((r) => r.booking_id)).not.toContain(holdA);
    expect((await reminders()).map((r) => r.booking_id)).not.toContain(cancelledA);
    expect((await reminders()).map((r) => r.booking_id)).not.toContain(confirmedOff);
  });

  it("the due query reads one tenant's bookings only", async () => {
    const window = { from: new Date(0), to: hoursBefore(-48), limit: 10 };
    expect(await listBookingsDueForGuestReminder(t.deps.db, b.tenant.id, window)).toEqual([]); // beta's one is queued
    expect((await listBookingsDueForGuestReminder(t.deps.db, off.tenant.id, window)).map((r) => r.id)).toEqual([confirmedOff]);
  });

  it('a queue started again over the same database queues nothing twice', async () => {
    const before = await reminders();
    const restarted = await PgBossJobQueue.start(t.handle);
    try {
      expect(await queueDueGuestReminders({ ...t.deps, jobs: restarted })).toEqual([]);
      expect(await reminders()).toEqual(before);
    } finally {
      await restarted.stop();
    }
  });

  it('are swept on a schedule by the job queue', async () => {
    const mailer: Mailer = { send: async () => Promise.reject(new Error('not sent in this test')), close: async () => {} };
    await registerJobHandlers(t.jobs, { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } });
    const { rows } = await t.handle.executeSql("select name, cron from pgboss.schedule where name = 'guest.remind'", []);
    expect(rows).toEqual([{ name: 'guest.remind', cron: '*/5 * * * *' }]);
  });
});

describe('the guest reminder setting', () => {
  it('is a whole number of hours from 0 to two weeks, named when refused, and back to the default when cleared', async () => {
    for (const value of [-1, 1.5, 24 * 14 + 1, 'soon']) {
      expect(() => parseInput(updateTenantSchema, { guestReminderHours: value })).toThrow(ValidationError);
    }
    try {
      parseInput(updateTenantSchema, { guestReminderHours: -1 });
    } catch (err) {
      expect((err as ValidationError).errors).toEqual([{ field: 'guestReminderHours', message: 'must not be negative' }]);
    }
    const set = await updateTenant(t.deps, a.ctx, parseInput(updateTenantSchema, { guestReminderHours: '48' }));
    expect(set.changed).toEqual(['guestReminderHours']);
    expect(set.tenant.settings.guestReminderHours).toBe(48);
    const cleared = await updateTenant(t.deps, a.ctx, parseInput(updateTenantSchema, { guestReminderHours: null }));
    expect(cleared.tenant.settings.guestReminderHours).toBeUndefined();
  });
});
