/**
 * Messages the office writes, delivered over a real SMTP conversation (smtp-server on 127.0.0.1) by the
 * real job queue: each guest of the departure gets one message with their own values filled in, not
 * marked automatic, with the Message-ID the mail log records and nothing of the office's fields; a
 * message to one guest likewise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { type JobDeps, registerJobHandlers } from '../../src/jobs/register';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { createBooking } from '../../src/services/bookings';
import { emailGuest, messageDepartureGuests } from '../../src/services/guest-messages';
import { listOutgoingMail } from '../../src/services/mail';
import { addVessel } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { eventually } from '../support/mailbox';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let smtp: TestSmtpServer;
let mailer: SmtpMailer;
const ids = {} as Record<'morning' | 'orca' | 'other', string>;

async function book(startsAt: string, endsAt: string, overrides: Record<string, unknown> = {}) {
  const input = createBookingSchema.parse(bookingInput({ startsAt, endsAt, ...overrides }));
  return (await createBooking(t.deps, a.ctx, input)).booking.id;
}

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  await addVessel(t.deps, a.ctx, { slug: 'orca', name: 'Orca', capacity: 8, meetingPoint: 'Dock A', timezone: 'America/Los_Angeles' });
  ids.morning = await book('2026-06-10T09:00:00-07:00', '2026-06-10T12:00:00-07:00', {
    guest: { name: 'Morgan Morning', email: 'morgan@example.com' },
  });
  ids.orca = await book('2026-06-10T10:00:00-07:00', '2026-06-10T12:00:00-07:00', {
    vessel: 'orca',
    guest: { name: 'Olive Orca', email: 'olive@example.com' },
  });
  ids.other = await book('2026-06-11T10:00:00-07:00', '2026-06-11T12:00:00-07:00', {
    guest: { name: 'Nico Nextday', email: 'nico@example.com' },
  });
  smtp = await startSmtpServer();
  mailer = new SmtpMailer(smtp.url);
  // Only what this file queues is sent: the bookings' own follow-up mail is not this test's subject.
  await t.handle.executeSql(`delete from pgboss.job where name = 'mail.send'`);
  await t.handle.db.deleteFrom('outgoing_mail').execute();
  const deps: JobDeps = { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'mail@alpha.test' } };
  await registerJobHandlers(t.jobs, deps);
});

afterAll(async () => {
  await t?.close();
  await mailer?.close();
  await smtp?.close();
});

const STAFF_ONLY = ['840.75', 'Revenue', 'Bring spare fenders', 'Casey Captain', 'captain@alpha.test', 'Dana Deckhand'];

describe('messages the office writes, over SMTP', () => {
  it("reach each guest of the departure once, with the guest's own values, as written by a person", async () => {
    const { batchId } = await messageDepartureGuests(t.deps, a.ctx, {
      date: '2026-06-10',
      subject: 'Weather for {{charter.vessel}} on {{charter.date}}',
      body: 'Hello {{guest.firstName}},\n\nExpect a breeze at {{charter.meetingPoint}}: bring a layer.',
    });
    const arrived = await smtp.waitFor(2);
    const byGuest = new Map(arrived.map((m) => [m.envelope.to.join(','), m]));
    expect([...byGuest.keys()].sort()).toEqual(['morgan@example.com', 'olive@example.com']);

    const morgan = byGuest.get('morgan@example.com')?.parsed;
    expect(morgan?.subject).toMatch(/^Weather for Jada on /);
    expect(morgan?.text).toContain('Hello Morgan,');
    expect(morgan?.text).toContain('Expect a breeze at Dock C: bring a layer.');
    const olive = byGuest.get('olive@example.com')?.parsed;
    expect(olive?.subject).toMatch(/^Weather for Orca on /);
    expect(olive?.text).toContain('Hello Olive,');
    expect(olive?.text).toContain('Expect a breeze at Dock A');
    for (const m of arrived) {
      // A person wrote it: no Auto-Submitted, so a guest's auto-responder may answer.
      expect(m.parsed.headers.has('auto-submitted')).toBe(false);
      expect(m.parsed.from?.value[0]).toEqual({ name: 'alpha Charters', address: 'mail@alpha.test' });
      const parts = [m.parsed.subject, m.parsed.text, m.parsed.html, ...m.parsed.attachments.map((x) => x.content.toString('utf8'))].join(
        '\n',
      );
      for (const field of STAFF_ONLY) expect(parts).not.toContain(field);
    }

    const sent = await eventually(async () => {
      const all = (await listOutgoingMail(t.deps, a.ctx)).filter((m) => m.kind === 'guest.message');
      return all.length === 2 && all.every((m) => m.status === 'sent') ? all : undefined;
    }, 'both messages to be recorded as sent');
    for (const m of sent) expect(byGuest.get(m.recipient)?.parsed.messageId).toBe(m.messageId);
    const rows = await t.handle.db.selectFrom('outgoing_mail').select(['batch_id', 'response']).where('batch_id', '=', batchId).execute();
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.response).toMatch(/^250/);
  });

  it('reach one booking guest', async () => {
    const before = smtp.received.length;
    const { mailId } = await emailGuest(t.deps, a.ctx, ids.other, {
      subject: 'Parking',
      body: 'Hello {{guest.name}}, park at the north lot.',
    });
    const [m] = (await smtp.waitFor(before + 1)).slice(before);
    expect(m?.envelope.to).toEqual(['nico@example.com']);
    expect(m?.parsed.subject).toBe('Parking');
    expect(m?.parsed.text).toContain('Hello Nico Nextday, park at the north lot.');
    const recorded = await eventually(async () => {
      const [mail] = (await listOutgoingMail(t.deps, a.ctx, { bookingId: ids.other })).filter((x) => x.id === mailId);
      return mail?.status === 'sent' ? mail : undefined;
    }, 'the message to be recorded as sent');
    expect(recorded.messageId).toBe(m?.parsed.messageId);
  });

  it('a final refusal (550) is recorded failed and not retried; a passing one (451) is retried until it is delivered', async () => {
    const jobState = async (mailId: string) =>
      (await t.handle.executeSql(`select state from pgboss.job where name = 'mail.send' and data->>'mailId' = $1`, [mailId])).rows[0]
        ?.state;
    const failedRow = (mailId: string) =>
      eventually(async () => {
        const [mail] = (await listOutgoingMail(t.deps, a.ctx, { bookingId: ids.other })).filter((x) => x.id === mailId);
        return mail?.status === 'failed' ? mail : undefined;
      }, 'the refusal to be recorded');

    smtp.reject = 'No such user here';
    smtp.rejectCode = 550;
    try {
      const { mailId } = await emailGuest(t.deps, a.ctx, ids.other, { subject: 'Refused', body: 'Hello' });
      expect((await failedRow(mailId)).error).toMatch(/550/);
      expect(await eventually(async () => ((await jobState(mailId)) === 'completed' ? 'completed' : undefined), 'the job to end')).toBe(
        'completed',
      );

      smtp.rejectCode = 451;
      const before = smtp.received.length;
      const passing = await emailGuest(t.deps, a.ctx, ids.other, { subject: 'Later', body: 'Hello' });
      expect((await failedRow(passing.mailId)).error).toMatch(/451/);
      expect(await eventually(async () => ((await jobState(passing.mailId)) === 'retry' ? 'retry' : undefined), 'a retry')).toBe('retry');
      smtp.reject = null;
      await t.handle.executeSql(`update pgboss.job set start_after = now() where name = 'mail.send' and state = 'retry'`);
      const [m] = (await smtp.waitFor(before + 1)).slice(before);
      expect(m?.parsed.subject).toBe('Later');
      // The refused one stays refused: nothing retried it.
      expect(smtp.received.filter((x) => x.parsed.subject === 'Refused')).toEqual([]);
    } finally {
      smtp.reject = null;
      delete smtp.rejectCode;
    }
  });
});
