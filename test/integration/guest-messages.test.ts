import { randomUUID } from 'node:crypto';
/**
 * Messages the office writes to guests: the recipients of a departure day (each vessel's own zone,
 * confirmed charters only, one vessel or the fleet, nothing of another tenant), a message to all of them
 * queued as one batch with one job, a message to one booking's guest — each all or nothing, audited
 * without addresses.
 */
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking } from '../../src/services/bookings';
import type { ServiceDeps } from '../../src/services/context';
import { NotFoundError, ValidationError } from '../../src/services/errors';
import { upsertEvent } from '../../src/services/events';
import { newGuestMailMemo, renderQueuedMail } from '../../src/services/guest-mail';
import { emailGuest, listDepartureRecipients, messageDepartureGuests } from '../../src/services/guest-messages';
import { addVessel } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
const ids = {} as Record<'morning' | 'late' | 'orca' | 'kea' | 'hold' | 'cancelled' | 'nextDay' | 'bravo', string>;

async function book(tenant: typeof a, startsAt: string, endsAt: string, overrides: Record<string, unknown> = {}) {
  const input = createBookingSchema.parse(bookingInput({ startsAt, endsAt, ...overrides }));
  return (await createBooking(t.deps, tenant.ctx, input)).booking.id;
}

async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

/** Everything a failed call could have left behind: queued mail, audit entries about mail, mail jobs. */
async function mailTrace() {
  const mail = await t.handle.db
    .selectFrom('outgoing_mail')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const audit = await t.handle.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('action', 'like', 'mail.%')
    .executeTakeFirstOrThrow();
  const { rows } = await t.handle.executeSql(`select count(*)::int as n from pgboss.job where name = 'mail.send'`);
  return { mail: Number(mail.n), audit: Number(audit.n), jobs: Number(rows[0]?.n) };
}

async function mailJobs() {
  const { rows } = await t.handle.executeSql(`select data from pgboss.job where name = 'mail.send' order by created_on`);
  return rows.map((r) => r.data as Record<string, unknown>);
}

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  await addVessel(t.deps, a.ctx, { slug: 'kea', name: 'Kea', capacity: 8, meetingPoint: 'Viaduct', timezone: 'Pacific/Auckland' });
  await addVessel(t.deps, a.ctx, { slug: 'orca', name: 'Orca', capacity: 8, meetingPoint: 'Dock A', timezone: 'America/Los_Angeles' });
  await addVessel(t.deps, b.ctx, {
    slug: 'orca',
    name: 'Bravo Orca',
    capacity: 8,
    meetingPoint: 'Pier 9',
    timezone: 'America/Los_Angeles',
  });

  // 2026-06-10 in Los Angeles (PDT, UTC−7): from 07:00Z on June 10 to 07:00Z on June 11.
  ids.morning = await book(a, '2026-06-10T09:00:00-07:00', '2026-06-10T12:00:00-07:00', {
    guest: { name: 'Morgan Morning', email: 'morgan@example.com' },
  });
  ids.late = await book(a, '2026-06-10T22:30:00-07:00', '2026-06-10T23:30:00-07:00', {
    guest: { name: 'Lee Late', email: 'lee@example.com' },
  });
  ids.orca = await book(a, '2026-06-10T10:00:00-07:00', '2026-06-10T12:00:00-07:00', {
    vessel: 'orca',
    guest: { name: 'Olive Orca', email: 'olive@example.com' },
  });
  // June 10 in Auckland (NZST, UTC+12) is June 9 in Los Angeles: Kea's day, not Jada's.
  ids.kea = await book(a, '2026-06-10T09:00:00+12:00', '2026-06-10T11:00:00+12:00', {
    vessel: 'kea',
    guest: { name: 'Kiri Kea', email: 'kiri@example.com' },
  });
  // Not departures to message: a hold, a cancelled charter, the next day (00:30 on June 11).
  ids.hold = await book(a, '2026-06-10T14:00:00-07:00', '2026-06-10T15:00:00-07:00', { status: 'hold' });
  ids.cancelled = await book(a, '2026-06-10T16:00:00-07:00', '2026-06-10T17:00:00-07:00', {
    guest: { name: 'Cass Cancelled', email: 'cass@example.com' },
  });
  await cancelBooking(t.deps, a.ctx, ids.cancelled);
  ids.nextDay = await book(a, '2026-06-11T00:30:00-07:00', '2026-06-11T02:00:00-07:00');
  // Another tenant's charter the same day, on its own vessel of the same slug.
  ids.bravo = await book(b, '2026-06-10T09:00:00-07:00', '2026-06-10T12:00:00-07:00', {
    vessel: 'orca',
    guest: { name: 'Bea Bravo', email: 'bea@example.com' },
  });
});

afterAll(async () => {
  await t?.close();
});

describe('the recipients of a departure day', () => {
  it('are the guests of the confirmed charters of that day in each vessel zone, by start', async () => {
    const all = await listDepartureRecipients(t.deps, a.ctx, { date: '2026-06-10' });
    expect(all).toEqual([
      {
        bookingId: ids.kea,
        guestName: 'Kiri Kea',
        guestEmail: 'kiri@example.com',
        vesselName: 'Kea',
        startsAt: '2026-06-10T09:00:00+12:00',
      },
      {
        bookingId: ids.morning,
        guestName: 'Morgan Morning',
        guestEmail: 'morgan@example.com',
        vesselName: 'Jada',
        startsAt: '2026-06-10T09:00:00-07:00',
      },
      {
        bookingId: ids.orca,
        guestName: 'Olive Orca',
        guestEmail: 'olive@example.com',
        vesselName: 'Orca',
        startsAt: '2026-06-10T10:00:00-07:00',
      },
      {
        bookingId: ids.late,
        guestName: 'Lee Late',
        guestEmail: 'lee@example.com',
        vesselName: 'Jada',
        startsAt: '2026-06-10T22:30:00-07:00',
      },
    ]);
  });

  it('of one vessel are only its guests; a slug the tenant does not have finds nobody', async () => {
    const jada = await listDepartureRecipients(t.deps, a.ctx, { date: '2026-06-10', vessel: 'jada' });
    expect(jada.map((r) => r.bookingId)).toEqual([ids.morning, ids.late]);
    const orcaOfBravo = await listDepartureRecipients(t.deps, b.ctx, { date: '2026-06-10', vessel: 'orca' });
    expect(orcaOfBravo.map((r) => r.guestName)).toEqual(['Bea Bravo']);
    // Bravo has no Kea: Alpha's vessel of that slug is not Bravo's to message.
    expect(await listDepartureRecipients(t.deps, b.ctx, { date: '2026-06-10', vessel: 'kea' })).toEqual([]);
    expect(await listDepartureRecipients(t.deps, a.ctx, { date: '2026-06-12' })).toEqual([]);
  });

  it('refuses a day or vessel that is not one, naming the field', async () => {
    for (const [input, field] of [
      [{ date: '2026-02-30' }, 'date'],
      [{ date: '10/06/2026' }, 'date'],
      [{ date: '1999-06-10' }, 'date'],
      [{}, 'date'],
      [{ date: '2026-06-10', vessel: 'Jada Two' }, 'vessel'],
      [{ date: '2026-06-10', boat: 'jada' }, 'boat'],
    ] as const) {
      const err = await refusal(listDepartureRecipients(t.deps, a.ctx, input as never));
      expect(err.status).toBe(422);
      expect(err.errors?.map((e) => e.field)).toContain(field);
    }
  });
});

describe('a message to every guest of a departure', () => {
  it('queues one unsent message per guest as one batch, one job for the batch, audited without addresses', async () => {
    const before = await mailTrace();
    const { batchId, recipients } = await messageDepartureGuests(t.deps, a.ctx, {
      date: '2026-06-10',
      subject: 'Weather update for {{charter.date}}',
      body: 'Hello {{guest.firstName}},\n\nExpect a breeze: bring a layer.',
    });
    expect(recipients.map((r) => r.bookingId)).toEqual([ids.kea, ids.morning, ids.orca, ids.late]);

    const rows = await t.handle.db
      .selectFrom('outgoing_mail')
      .selectAll()
      .where('tenant_id', '=', a.tenant.id)
      .where('batch_id', '=', batchId)
      .orderBy('recipient')
      .execute();
    expect(rows.map((r) => [r.booking_id, r.recipient, r.recipient_name])).toEqual([
      [ids.kea, 'kiri@example.com', 'Kiri Kea'],
      [ids.late, 'lee@example.com', 'Lee Late'],
      [ids.morning, 'morgan@example.com', 'Morgan Morning'],
      [ids.orca, 'olive@example.com', 'Olive Orca'],
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({ kind: 'guest.message', status: 'queued', automatic: false, attempts: 0, sent_at: null });
      expect(r.content).toEqual({
        subject: 'Weather update for {{charter.date}}',
        body: 'Hello {{guest.firstName}},\n\nExpect a breeze: bring a layer.',
      });
    }
    expect(new Set(rows.map((r) => r.message_id)).size).toBe(4);

    // One job sends the batch; no job per message.
    const jobs = (await mailJobs()).filter((j) => j.batchId === batchId || rows.some((r) => r.id === j.mailId));
    expect(jobs).toEqual([{ tenantId: a.tenant.id, batchId, reason: 'guest.message' }]);
    expect(await mailTrace()).toEqual({ mail: before.mail + 4, audit: before.audit + 5, jobs: before.jobs + 1 });

    const audit = await t.handle.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', a.tenant.id)
      .where('action', 'in', ['mail.batch_queued', 'mail.queued'])
      .orderBy('id')
      .execute();
    const batchEntry = audit.find((e) => e.action === 'mail.batch_queued');
    expect(batchEntry).toMatchObject({ entity_type: 'mail_batch', entity_id: batchId, actor_kind: 'operator', actor_id: 'test' });
    expect(batchEntry?.after).toEqual({ batch: batchId, kind: 'guest.message', date: '2026-06-10', vessel: null, count: 4 });
    const queued = audit.filter((e) => e.action === 'mail.queued' && (e.after as { batch?: string } | null)?.batch === batchId);
    expect(queued.map((e) => e.entity_id).sort()).toEqual([ids.kea, ids.morning, ids.orca, ids.late].sort());
    for (const e of audit) expect(JSON.stringify([e.before, e.after])).not.toMatch(/@|Weather|breeze/);
  });

  it('to one vessel reaches only its guests, and names the vessel in the audit entry', async () => {
    const { batchId, recipients } = await messageDepartureGuests(t.deps, a.ctx, {
      date: '2026-06-10',
      vessel: 'orca',
      subject: 'Orca leaves from Dock A',
      body: 'See you there.',
    });
    expect(recipients.map((r) => r.bookingId)).toEqual([ids.orca]);
    const entry = await t.handle.db
      .selectFrom('audit_log')
      .select('after')
      .where('tenant_id', '=', a.tenant.id)
      .where('entity_id', '=', batchId)
      .executeTakeFirstOrThrow();
    expect(entry.after).toMatchObject({ vessel: 'orca', count: 1 });
  });

  it('to a day nobody departs, or a vessel of another tenant, is refused and leaves nothing', async () => {
    const before = await mailTrace();
    const empty = await refusal(messageDepartureGuests(t.deps, a.ctx, { date: '2026-06-12', subject: 'Hi', body: 'Hello' }));
    expect(empty.status).toBe(422);
    expect(empty.errors).toEqual([{ field: 'date', message: 'no confirmed charter departs on 2026-06-12: nobody to message' }]);
    const foreign = await refusal(
      messageDepartureGuests(t.deps, b.ctx, { date: '2026-06-10', vessel: 'kea', subject: 'Hi', body: 'Hello' }),
    );
    expect(foreign.errors).toEqual([{ field: 'vessel', message: 'kea has no confirmed charter on 2026-06-10: nobody to message' }]);
    expect(await mailTrace()).toEqual(before);
  });

  it('refuses a subject or body that is not one, naming each field, and leaves nothing', async () => {
    const before = await mailTrace();
    for (const [input, fields] of [
      [{ subject: '', body: 'Hello' }, ['subject']],
      [{ subject: 'Hi\r\nBcc: all@example.com', body: 'Hello' }, ['subject']],
      [{ subject: 'x'.repeat(201), body: 'Hello' }, ['subject']],
      [{ subject: 'Hi', body: '   ' }, ['body']],
      [{ subject: 'Hi', body: 'x'.repeat(10_001) }, ['body']],
      [{ subject: 'Hi', body: 'bell\u0007' }, ['body']],
      [{ subject: 'Your {{price}}', body: 'Hello' }, ['subject']],
      [{ subject: 'Hi', body: '{{#guest}}x{{/guest}}' }, ['body']],
      [{ subject: 'Hi', body: 'Hello {{{guest.name}}}' }, ['body']],
      [{ body: 'Hello' }, ['subject']],
      [{ subject: 'Hi', body: 'Hello', bcc: 'all@example.com' }, ['bcc']],
      [{ date: 'tomorrow', subject: '', body: '' }, ['date', 'subject', 'body']],
    ] as const) {
      const err = await refusal(messageDepartureGuests(t.deps, a.ctx, { date: '2026-06-10', ...input } as never));
      expect(err.errors?.map((e) => e.field).sort()).toEqual([...fields].sort());
    }
    expect(await mailTrace()).toEqual(before);
  });

  it('that fails part-way leaves no message, no audit entry and no job', async () => {
    const before = await mailTrace();
    const failing: ServiceDeps = {
      ...t.deps,
      jobs: {
        ...t.deps.jobs,
        enqueue: async () => {
          throw new Error('the queue is down');
        },
      },
    };
    await expect(messageDepartureGuests(failing, a.ctx, { date: '2026-06-10', subject: 'Hi', body: 'Hello' })).rejects.toThrow(
      'the queue is down',
    );
    expect(await mailTrace()).toEqual(before);
  });
});

describe('a message to one booking guest', () => {
  it('is queued to the guest with its own job and a mail.queued entry by whoever wrote it', async () => {
    const before = await mailTrace();
    const { mailId } = await emailGuest(t.deps, a.ctx, ids.morning.toLowerCase(), {
      subject: 'Your charter on {{charter.date}}',
      body: 'Parking is at the north lot.',
    });
    const row = await t.handle.db.selectFrom('outgoing_mail').selectAll().where('id', '=', mailId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      tenant_id: a.tenant.id,
      kind: 'guest.message',
      booking_id: ids.morning,
      recipient: 'morgan@example.com',
      recipient_name: 'Morgan Morning',
      status: 'queued',
      automatic: false,
      batch_id: null,
      content: { subject: 'Your charter on {{charter.date}}', body: 'Parking is at the north lot.' },
    });
    expect((await mailJobs()).filter((j) => j.mailId === mailId)).toEqual([{ tenantId: a.tenant.id, mailId, reason: 'guest.message' }]);
    const entry = await t.handle.db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', a.tenant.id)
      .where('action', '=', 'mail.queued')
      .where('entity_id', '=', ids.morning)
      .where(sql<boolean>`after->>'mail' = ${mailId}`)
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_kind: 'operator', actor_id: 'test', entity_type: 'booking' });
    expect(entry.after).toEqual({ mail: mailId, kind: 'guest.message' });
    expect(await mailTrace()).toEqual({ mail: before.mail + 1, audit: before.audit + 1, jobs: before.jobs + 1 });
  });

  it('writing twice queues two messages; a cancelled charter guest can still be written to', async () => {
    const first = await emailGuest(t.deps, a.ctx, ids.cancelled, { subject: 'Sorry', body: 'We will refund you.' });
    const second = await emailGuest(t.deps, a.ctx, ids.cancelled, { subject: 'Sorry', body: 'We will refund you.' });
    expect(first.mailId).not.toBe(second.mailId);
  });

  it('sent twice from one form (its request id) is queued once, to one guest or to a whole day', async () => {
    const requestId = randomUUID();
    const before = await mailTrace();
    const first = await emailGuest(t.deps, a.ctx, ids.morning, { subject: 'Parking', body: 'North lot.' }, { requestId });
    const again = await emailGuest(t.deps, a.ctx, ids.morning, { subject: 'Parking', body: 'North lot.' }, { requestId });
    expect(again.mailId).toBe(first.mailId);
    expect(await mailTrace()).toEqual({ mail: before.mail + 1, audit: before.audit + 1, jobs: before.jobs + 1 });

    const batchRequest = randomUUID();
    const message = { date: '2026-06-10', subject: 'Weather', body: 'Bring a layer.' };
    const sent = await messageDepartureGuests(t.deps, a.ctx, message, { requestId: batchRequest });
    const mid = await mailTrace();
    const resent = await messageDepartureGuests(t.deps, a.ctx, message, { requestId: batchRequest });
    expect(resent.batchId).toBe(sent.batchId);
    expect(sent.batchId).toBe(batchRequest);
    expect(await mailTrace()).toEqual(mid);
    await expect(emailGuest(t.deps, a.ctx, ids.morning, { subject: 'x', body: 'y' }, { requestId: 'not-a-uuid' })).rejects.toThrow();
  });

  it('to a booking of another tenant or none is not found, and refused text names its field; nothing is left', async () => {
    const before = await mailTrace();
    for (const id of [ids.bravo, 'NOPE1234', '../x', '']) {
      await expect(emailGuest(t.deps, a.ctx, id as string, { subject: 'Hi', body: 'Hello' })).rejects.toBeInstanceOf(NotFoundError);
    }
    const err = await refusal(emailGuest(t.deps, a.ctx, ids.morning as string, { subject: 'Hi\nthere', body: '' }));
    expect(err.errors?.map((e) => e.field).sort()).toEqual(['body', 'subject']);
    expect(await mailTrace()).toEqual(before);
  });
});

describe("a job's rendering of many guest mails", () => {
  it('reads the tenant and its site once and renders exactly what a single render does', async () => {
    await upsertEvent(t.deps, a.ctx, { booking_id: ids.morning, crew: [{ email: a.captain.email, role: 'captain' }] });
    const { batchId } = await messageDepartureGuests(t.deps, a.ctx, {
      date: '2026-06-10',
      subject: 'Hello {{guest.name}} of {{tenant.name}}',
      body: 'See you at {{charter.meetingPoint}} on {{charter.date}}, {{charter.startTime}}: {{guestPageUrl}}',
    });
    const rows = await t.handle.db
      .selectFrom('outgoing_mail')
      .selectAll()
      .where('tenant_id', '=', a.tenant.id)
      .where((eb) => eb.or([eb('batch_id', '=', batchId), eb('kind', '=', 'guest.confirmation')]))
      .execute();
    expect(rows.length).toBeGreaterThan(4);
    const deps = { ...t.deps, mail: { mailer: new FileMailer(tmpdir()), publicUrl: 'http://localhost:8080', fromAddress: 'm@a.test' } };
    const memo = newGuestMailMemo();
    // Either way the same outcome: the same message, or the same reason it is withdrawn (a cancelled charter's confirmation).
    const outcome = (p: Promise<unknown>) => p.catch((err: Error) => ({ refused: err.message }));
    for (const row of rows) {
      const [single, shared] = await t.handle.db
        .transaction()
        .execute(async (tx) => [await outcome(renderQueuedMail(deps, tx, row)), await outcome(renderQueuedMail(deps, tx, row, memo))]);
      expect(shared).toEqual(single);
    }
    expect([...memo.keys()]).toEqual([a.tenant.id]);
  });
});
