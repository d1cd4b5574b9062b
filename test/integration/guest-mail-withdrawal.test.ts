/**
 * Guest mail that no longer applies never reaches the guest, and mail goes where the booking now says:
 * a cancellation during a send that then fails keeps the mail withdrawn (no retry sends it); a
 * reminder due after its charter departed is withdrawn when its job runs; a charter moved away and back
 * is reminded again; a corrected guest address is the one mail goes to, and it gets the confirmation.
 * A relay that refuses Bosun's login (535) fails the mail for a retry, not for good. Over a real SMTP
 * peer where the outcome is the server's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { handleSendMail } from '../../src/jobs/send-mail';
import type { MailMessage, SentMail } from '../../src/ports/mailer';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking, updateBooking } from '../../src/services/bookings';
import { emailGuest } from '../../src/services/guest-messages';
import { queueDueGuestReminders } from '../../src/services/guest-reminders';
import { MailDeliveryError, type MailDeps } from '../../src/services/mail';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { auditActions } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';
import { startSmtpServer } from '../support/smtp';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
const settings = { publicUrl: 'http://localhost:8080', fromAddress: 'mail@alpha.test' };

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
});
afterAll(() => t.close());

async function book(overrides: Record<string, unknown> = {}) {
  return (await createBooking(t.deps, a.ctx, createBookingSchema.parse(bookingInput(overrides)))).booking.id;
}

async function mailOf(bookingId: string, kind: string) {
  return t.handle.db
    .selectFrom('outgoing_mail')
    .select(['id', 'status', 'error', 'recipient', 'recipient_name', 'dedupe_key'])
    .where('tenant_id', '=', a.tenant.id)
    .where('booking_id', '=', bookingId)
    .where('kind', '=', kind)
    .orderBy('created_at')
    .orderBy('dedupe_key')
    .execute();
}

/** A mailer that does `during` while the message is "on the wire", then answers as `outcome` says. */
function mailerThat(during: () => Promise<void>, outcome: 'accept' | 'refuse-for-now') {
  const sent: MailMessage[] = [];
  return {
    sent,
    mailer: {
      async send(m: MailMessage): Promise<SentMail> {
        await during();
        if (outcome === 'refuse-for-now') throw Object.assign(new Error('451 4.3.0 Try again later'), { responseCode: 451 });
        sent.push(m);
        return { messageId: m.messageId, accepted: [m.to.address], response: '250 OK' };
      },
      async close() {},
    },
  };
}

const depsWith = (mailer: MailDeps['mail']['mailer']): MailDeps => ({ ...t.deps, mail: { ...settings, mailer } });

describe('guest mail that no longer applies', () => {
  it('a charter cancelled while its confirmation is on the wire, and the send then fails: it stays withdrawn, and the retry sends nothing', async () => {
    const id = await book();
    const [confirmation] = await mailOf(id, 'guest.confirmation');
    const { mailer } = mailerThat(async () => {
      await cancelBooking(t.deps, a.ctx, id);
    }, 'refuse-for-now');
    // The send fails after the cancellation withdrew the mail: no error to retry on.
    await handleSendMail(depsWith(mailer), { tenantId: a.tenant.id, mailId: confirmation?.id ?? '', reason: 'test' });
    expect((await mailOf(id, 'guest.confirmation'))[0]).toMatchObject({ status: 'withdrawn', error: expect.stringMatching(/cancelled/) });

    const again = mailerThat(async () => {}, 'accept');
    await handleSendMail(depsWith(again.mailer), { tenantId: a.tenant.id, mailId: confirmation?.id ?? '', reason: 'retry' });
    expect(again.sent).toEqual([]);
    expect((await mailOf(id, 'guest.cancellation')).map((m) => m.status)).toEqual(['queued']);
  });

  it('a confirmation still queued when its charter was cancelled is withdrawn when its job runs, audited', async () => {
    const id = await book();
    const [confirmation] = await mailOf(id, 'guest.confirmation');
    // Cancelled behind the outbox's back (as by a stored state from before withdrawal existed).
    await t.handle.db.updateTable('bookings').set({ status: 'cancelled' }).where('id', '=', id).execute();
    const { mailer, sent } = mailerThat(async () => {}, 'accept');
    await handleSendMail(depsWith(mailer), { tenantId: a.tenant.id, mailId: confirmation?.id ?? '', reason: 'test' });
    expect(sent).toEqual([]);
    expect((await mailOf(id, 'guest.confirmation'))[0]?.status).toBe('withdrawn');
    expect(await auditActions(t, id)).toContain('mail.withdrawn');
  });

  it('a reminder whose charter departed before it could go out is withdrawn, not sent', async () => {
    const id = await book({ startsAt: '2026-08-03T10:00:00-07:00', endsAt: '2026-08-03T13:00:00-07:00' });
    t.clock.set(new Date('2026-08-02T18:00:00Z'));
    try {
      const reminder = (await queueDueGuestReminders(t.deps)).find((r) => r.bookingId === id);
      expect(reminder).toBeDefined();
      t.clock.set(new Date('2026-08-03T18:00:00Z')); // 11:00 local: the boat left an hour ago
      const { mailer, sent } = mailerThat(async () => {}, 'accept');
      await handleSendMail(depsWith(mailer), { tenantId: a.tenant.id, mailId: reminder?.mailId ?? '', reason: 'late' });
      expect(sent).toEqual([]);
      expect((await mailOf(id, 'guest.reminder'))[0]).toMatchObject({ status: 'withdrawn', error: expect.stringMatching(/departed/) });
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it('a charter moved away and back within the lead time is reminded for its time again', async () => {
    const id = await book({ startsAt: '2026-08-10T10:00:00-07:00', endsAt: '2026-08-10T13:00:00-07:00' });
    t.clock.set(new Date('2026-08-09T18:00:00Z'));
    try {
      await queueDueGuestReminders(t.deps);
      await updateBooking(t.deps, a.ctx, id, { startsAt: '2026-08-10T11:00:00-07:00', endsAt: '2026-08-10T14:00:00-07:00' }, '*');
      await updateBooking(t.deps, a.ctx, id, { startsAt: '2026-08-10T10:00:00-07:00', endsAt: '2026-08-10T13:00:00-07:00' }, '*');
      expect((await queueDueGuestReminders(t.deps)).filter((r) => r.bookingId === id)).toHaveLength(1);
      const reminders = await mailOf(id, 'guest.reminder');
      const at10 = reminders.find((r) => r.dedupe_key.endsWith(String(Date.parse('2026-08-10T17:00:00Z') / 1000)));
      expect(at10?.status).toBe('queued');
      expect(reminders.filter((r) => r.status === 'queued')).toHaveLength(1);
    } finally {
      t.clock.set(TEST_NOW);
    }
  });
});

describe('where guest mail goes', () => {
  it('a corrected address gets the confirmation, once; the mistyped one gets nothing', async () => {
    const id = await book({ guest: { name: 'Jo Guest', email: 'jo@gmial.com' } });
    await updateBooking(t.deps, a.ctx, id, { guest: { email: 'jo@gmail.com' } }, '*');
    const confirmations = await mailOf(id, 'guest.confirmation');
    expect(confirmations.map((c) => [c.dedupe_key.replace(id, 'ID'), c.status])).toEqual([
      ['guest.confirmation:ID:v1', 'withdrawn'],
      ['guest.confirmation:ID:v2', 'queued'],
    ]);
    const { mailer, sent } = mailerThat(async () => {}, 'accept');
    for (const c of confirmations) await handleSendMail(depsWith(mailer), { tenantId: a.tenant.id, mailId: c.id, reason: 'test' });
    expect(sent.map((m) => m.to.address)).toEqual(['jo@gmail.com']);
  });

  it('mail queued before the address was corrected goes to the address the booking has when it is sent', async () => {
    const id = await book({ guest: { name: 'Kim Guest', email: 'kim@example.com' } });
    const { mailId } = await emailGuest(t.deps, a.ctx, id, { subject: 'Parking', body: 'Park at the north lot.' });
    await updateBooking(t.deps, a.ctx, id, { guest: { name: 'Kim Guest', email: 'kim.guest@example.com' } }, '*');
    const { mailer, sent } = mailerThat(async () => {}, 'accept');
    await handleSendMail(depsWith(mailer), { tenantId: a.tenant.id, mailId, reason: 'test' });
    expect(sent.map((m) => m.to.address)).toEqual(['kim.guest@example.com']);
    const [row] = await t.handle.db.selectFrom('outgoing_mail').select(['recipient', 'status']).where('id', '=', mailId).execute();
    expect(row).toEqual({ recipient: 'kim.guest@example.com', status: 'sent' });
  });

  it('a relay that refuses the login (535) fails the mail for a retry, not for good; with the right login it is delivered', async () => {
    const smtp = await startSmtpServer({ login: { user: 'bosun', pass: 'right' } });
    const port = new URL(smtp.url).port;
    const wrong = new SmtpMailer(`smtp://bosun:wrong@127.0.0.1:${port}`);
    const right = new SmtpMailer(`smtp://bosun:right@127.0.0.1:${port}`);
    try {
      const id = await book({ guest: { name: 'Lee Login', email: 'lee@example.com' } });
      const [confirmation] = await mailOf(id, 'guest.confirmation');
      const payload = { tenantId: a.tenant.id, mailId: confirmation?.id ?? '', reason: 'test' };
      const refused = await handleSendMail(depsWith(wrong), payload).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(MailDeliveryError);
      expect((refused as MailDeliveryError).permanent).toBe(false);
      expect((await mailOf(id, 'guest.confirmation'))[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/535/) });

      await handleSendMail(depsWith(right), payload);
      const [arrived] = await smtp.waitFor(1);
      expect(arrived?.envelope.to).toEqual(['lee@example.com']);
      expect((await mailOf(id, 'guest.confirmation'))[0]?.status).toBe('sent');
    } finally {
      await wrong.close();
      await right.close();
      await smtp.close();
    }
  });
});
