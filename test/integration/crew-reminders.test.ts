/**
 * Reminders before departure, on a settable clock: assigned crew who have not declined are mailed
 * once per (booking, crew member, departure time) within the tenant's hours (24 by default); a
 * moved charter is reminded again; cancelled charters and declined crew are not. The sweep is
 * scheduled with the job queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAssignmentsDueForReminder } from '../../src/db/queries/crew';
import { updateTenantSettings } from '../../src/db/queries/tenants';
import { type JobDeps, registerJobHandlers } from '../../src/jobs/register';
import type { Mailer, MailMessage } from '../../src/ports/mailer';
import { answerAssignment, crewContext } from '../../src/services/crew';
import { sendDueCrewReminders } from '../../src/services/crew-reminders';
import { listOutgoingMail } from '../../src/services/mail';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let deps: JobDeps;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let bookingA: string;
let cancelledA: string;
let bookingB: string;
const sent: MailMessage[] = [];
const mailer: Mailer = {
  send: async (m) => {
    sent.push(m);
    return { messageId: m.messageId, accepted: [m.to.address], response: '250 OK' };
  },
  close: async () => {},
};

// Bookings depart 2026-05-30 10:00 in Los Angeles: 17:00 UTC.
const DEPARTS = Date.parse('2026-05-30T17:00:00Z');
const hoursBefore = (h: number) => new Date(DEPARTS - h * 3_600_000);
const reminders = () => sent.filter((m) => m.headers?.['X-Bosun-Kind'] === 'crew.reminder');

async function eventFor(tenant: typeof a, crew: { email: string; role: string }[], overrides: Record<string, unknown> = {}) {
  const booking = await call(app, 'POST', '/api/v1/bookings', tenant.serviceKey, bookingInput(overrides));
  expect(booking.status).toBe(201);
  expect((await call(app, 'POST', '/api/v1/events', tenant.serviceKey, { booking_id: booking.json.id, crew })).status).toBe(201);
  return booking.json.id as string;
}

beforeAll(async () => {
  t = await createTestDb();
  t.clock.set(new Date('2026-05-01T12:00:00Z'));
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  await updateTenantSettings(t.deps.db, b.tenant.id, { crewReminderHours: 2 });
  deps = { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } };
  const crewA = [
    { email: a.captain.email, role: 'captain' },
    { email: a.deckhand.email, role: 'crew' },
  ];
  bookingA = await eventFor(a, crewA, { startsAt: '2026-05-30T10:00:00-07:00' });
  cancelledA = await eventFor(a, crewA, { startsAt: '2026-05-30T06:00:00-07:00', endsAt: '2026-05-30T07:00:00-07:00' });
  expect((await call(app, 'POST', `/api/v1/bookings/${cancelledA}/cancel`, a.serviceKey)).status).toBe(200);
  bookingB = await eventFor(b, [{ email: b.captain.email, role: 'captain' }], { startsAt: '2026-05-30T10:00:00-07:00' });
  await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), bookingA, { answer: 'decline' });
});

afterAll(async () => {
  await t.close();
});

describe('crew reminders', () => {
  it('are not sent before the window opens', async () => {
    t.clock.set(hoursBefore(25));
    expect(await sendDueCrewReminders(deps)).toEqual([]);
    expect(reminders()).toEqual([]);
  });

  it('mail assigned crew once inside the window, not declined crew nor cancelled charters', async () => {
    t.clock.set(hoursBefore(23.5));
    const outcomes = await sendDueCrewReminders(deps);
    expect(outcomes.map((o) => [o.bookingId, o.crewMemberId, o.outcome])).toEqual([[bookingA, a.captain.id, 'sent']]);
    const [mail] = reminders();
    expect(mail?.to.address).toBe(a.captain.email);
    expect(mail?.subject).toMatch(/^Reminder: Jada, Sat, May 30, 10:00\sAM PDT \(captain\)$/);
    expect(mail?.text).toContain('departs within 24 hours');
    expect(mail?.text).toMatch(/http:\/\/localhost:8080\/crew\/login\/[A-Za-z0-9_-]{43}/);
    expect(mail?.text).toContain('Bring spare fenders');
    expect(mail?.text).not.toContain('840.75');
    expect(mail?.text).not.toContain('Revenue');

    // The next sweeps, however many, send nothing more.
    t.clock.set(hoursBefore(20));
    expect(await sendDueCrewReminders(deps)).toEqual([]);
    expect(reminders()).toHaveLength(1);
    const recorded = await listOutgoingMail(t.deps, a.ctx, { bookingId: bookingA });
    expect(recorded.filter((m) => m.kind === 'crew.reminder').map((m) => [m.recipient, m.status])).toEqual([[a.captain.email, 'sent']]);
  });

  it("follow the tenant's hours", async () => {
    expect(reminders().filter((m) => m.to.address === b.captain.email)).toEqual([]);
    t.clock.set(hoursBefore(1.5));
    const outcomes = await sendDueCrewReminders(deps);
    expect(outcomes.map((o) => [o.bookingId, o.crewMemberId, o.outcome])).toEqual([[bookingB, b.captain.id, 'sent']]);
    expect(reminders().at(-1)?.text).toContain('departs within 2 hours');
    t.clock.set(hoursBefore(0.5));
    expect(await sendDueCrewReminders(deps)).toEqual([]);
    expect(reminders().map((m) => m.to.address)).toEqual([a.captain.email, b.captain.email]);
  });

  it('come again when the charter moves to a new time', async () => {
    t.clock.set(hoursBefore(30));
    const read = await call(app, 'GET', `/api/v1/bookings/${bookingA}`, a.serviceKey);
    const moved = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${bookingA}`,
      a.serviceKey,
      { startsAt: '2026-05-30T12:00:00-07:00', endsAt: '2026-05-30T15:00:00-07:00' },
      { 'if-match': read.headers.get('etag') ?? '' },
    );
    expect(moved.status).toBe(200);
    const before = reminders().length;
    t.clock.set(new Date(DEPARTS + 2 * 3_600_000 - 23 * 3_600_000));
    const outcomes = await sendDueCrewReminders(deps);
    expect(outcomes.map((o) => [o.bookingId, o.crewMemberId, o.outcome])).toEqual([[bookingA, a.captain.id, 'sent']]);
    expect(reminders()).toHaveLength(before + 1);
    expect(reminders().at(-1)?.subject).toMatch(/12:00\sPM/);
    expect(await sendDueCrewReminders(deps)).toEqual([]);
  });

  it("query one tenant's assignments only", async () => {
    const window = { from: hoursBefore(48), to: hoursBefore(-48), limit: 10 };
    await updateTenantSettings(t.deps.db, a.tenant.id, {});
    expect(await listAssignmentsDueForReminder(t.deps.db, b.tenant.id, window)).toEqual([]);
    const own = await listAssignmentsDueForReminder(t.deps.db, a.tenant.id, { ...window, from: new Date(0) });
    expect(own).toEqual([]); // every due reminder of A was sent
  });

  it('are swept on a schedule by the job queue', async () => {
    await registerJobHandlers(t.jobs, deps);
    const { rows } = await t.handle.executeSql("select name, cron from pgboss.schedule where name = 'crew.remind'", []);
    expect(rows).toEqual([{ name: 'crew.remind', cron: '*/5 * * * *' }]);
  });
});
