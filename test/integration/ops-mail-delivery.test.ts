/**
 * Delivery state in the dashboard's mail log and on a booking's page, over a real SMTP conversation:
 * a queued mail, then sent with the server's answer and its Message-ID, failed with the error, sent
 * again by hand ("Send again": back to queued with a new job and an audit entry, in one transaction),
 * then sent after two attempts and found under "retried". Mail that cannot be sent again by hand — a
 * sent one, a crew sign-in mail — is refused with its reason; another tenant's mail is a 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { listAuditEntries } from '../../src/db/queries/audit';
import { cancelBooking, createBooking } from '../../src/services/bookings';
import { ConflictError, NotFoundError } from '../../src/services/errors';
import {
  listOutgoingMail,
  MailDeliveryError,
  type MailDeps,
  type QueuedMailRenderer,
  queueMail,
  resendMail,
  sendMailOnce,
  sendQueuedMail,
} from '../../src/services/mail';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { textOf } from '../support/html';
import { type Browser, browserFor } from '../support/ops-pages';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { openStream } from '../support/sse';
import { signedInStaff } from '../support/staff-session';

let t: TestDb;
let app: TestApp;
let smtp: TestSmtpServer;
let mailer: SmtpMailer;
let deps: MailDeps;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let office: Browser;
let officeCookie: string;
let other: Browser;
let bookingId: string;
let mailId: string;

/** What the outbox sends for the test's queued mail: the office's words, as they were queued. */
const render: QueuedMailRenderer = async (_tx, row) => {
  const content = (row.content ?? {}) as { subject?: string; body?: string };
  return { subject: content.subject ?? '', text: content.body ?? '', html: `<p>${content.body ?? ''}</p>` };
};

async function queueNote(subject: string): Promise<string> {
  const id = await t.deps.db.transaction().execute((tx) =>
    queueMail(t.deps, tx, a.ctx, {
      kind: 'guest.message',
      dedupeKey: `test:${subject}`,
      to: { name: 'Avery Guest', address: 'avery@example.com' },
      bookingId,
      content: { subject, body: 'The dock moved to C.' },
      automatic: false,
    }),
  );
  if (!id) throw new Error('not queued');
  return id;
}

async function mailRow(id: string) {
  const [row] = (await listOutgoingMail(t.deps, a.ctx, { bookingId, limit: 1000 })).filter((m) => m.id === id);
  if (!row) throw new Error(`no mail ${id}`);
  return row;
}

async function sendJobsFor(id: string): Promise<number> {
  const { rows } = await t.handle.executeSql(
    `select count(*)::int as n from pgboss.job where name = 'mail.send' and data->>'mailId' = $1`,
    [id],
  );
  return Number(rows[0]?.n ?? 0);
}

/** The row of the mail log (or booking page) that shows mail `id`, as text. */
function rowText(html: string, id: string): string {
  const match = new RegExp(`<tr data-mail-id="${id}">([\\s\\S]*?)</tr>`).exec(html);
  return match ? textOf(match[1] ?? '') : '';
}

beforeAll(async () => {
  t = await createTestDb({ liveFeed: true }); // as `bosun start` runs: a change not yet final when a stream replays arrives live
  app = makeApp(t);
  smtp = await startSmtpServer();
  mailer = new SmtpMailer(smtp.url);
  deps = { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'office@alpha.test' } };
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  officeCookie = (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie;
  office = browserFor(app, officeCookie);
  other = browserFor(app, (await signedInStaff(t.deps, b.tenant.id, 'owner')).cookie);
  bookingId = (await createBooking(t.deps, a.ctx, bookingInput() as never)).booking.id;
  mailId = await queueNote('Dock change');
});

afterAll(async () => {
  await t.close();
  await mailer.close();
  await smtp.close();
});

describe('the delivery state of mail', () => {
  it('shows a queued mail as waiting to be sent, in the log and on its booking', async () => {
    const log = await office.open('/app/mail');
    // Its subject is written when it is sent (placeholders filled in then).
    expect(rowText(log.html, mailId)).toMatch(
      /\(no subject yet\) queued waiting to be sent Avery Guest <avery@example\.com> Message to a guest/,
    );
    const booking = await office.open(`/app/bookings/${bookingId}`);
    expect(rowText(booking.html, mailId)).toContain('(no subject yet) queued waiting to be sent Message to a guest avery@example.com');
    expect(log.html).not.toContain('Send again');
  });

  it('refreshes the mail pages live on mail changes only', async () => {
    for (const path of ['/app/mail', `/app/mail/${mailId}`]) {
      const page = await office.open(path);
      expect(page.html, path).toContain('data-live-url="/app/stream"');
      expect(page.html, path).toContain('data-live-actions="mail."');
    }
  });

  it('replays on its live stream what changed after the page was rendered, so a mail sent meanwhile is not missed', async () => {
    const page = await office.open('/app/mail');
    const since = /data-live-since="([^"]+)"/.exec(page.html)?.[1];
    expect(since).toMatch(/^\d+-\d+$/);
    // A mail queued after the page was read, before its stream connected.
    const later = await queueNote('Queued meanwhile');
    const stream = await openStream(() => app.request(`/app/stream?since=${since}`, { headers: { cookie: officeCookie } }));
    try {
      const change = await stream.nextChange((e) => e.action === 'mail.queued' && e.bookingId === bookingId);
      expect(change.json.entity).toEqual({ type: 'booking', id: bookingId });
    } finally {
      await stream.close();
    }
    // A cursor that is not one starts from now (nothing replayed, no error).
    const fresh = await openStream(() => app.request('/app/stream?since=bogus', { headers: { cookie: officeCookie } }));
    await fresh.close();
    expect(fresh.received.filter((e) => e.event === 'change')).toEqual([]);
    expect(later).toBeTruthy();
  });

  it('shows a failed mail with the error and a Send again button; the queued row keeps its content', async () => {
    smtp.reject = 'Mailbox busy, try again later';
    await expect(sendQueuedMail(deps, a.tenant.id, mailId, render)).rejects.toBeInstanceOf(MailDeliveryError);
    smtp.reject = null;
    const mail = await mailRow(mailId);
    expect(mail).toMatchObject({ status: 'failed', attempts: 1, resendable: true, response: null, automatic: false });
    expect(mail.recipientName).toBe('Avery Guest');
    expect(mail.attemptedAt).not.toBeNull();

    const log = await office.open('/app/mail?status=failed');
    const row = rowText(log.html, mailId);
    expect(row).toContain('failed failed after 1 attempt');
    expect(row).toContain('Mailbox busy, try again later');
    expect(log.html).toContain(`action="/app/mail/${mailId}/resend"`);
    const page = await office.open(`/app/mail/${mailId}`);
    expect(textOf(page.html)).toMatch(/Error [^<]*451 Mailbox busy, try again later Message-ID/);
    expect(page.html).toMatch(/<button type="submit" class="secondary"[^>]*>Send again<\/button>/);
    const booking = await office.open(`/app/bookings/${bookingId}`);
    expect(rowText(booking.html, mailId)).toContain('Send again');
  });

  it('sends a failed mail again by hand: queued, a new job and an audit entry, back on the page it came from', async () => {
    const jobsBefore = await sendJobsFor(mailId);
    const res = await office.submit(`/app/mail/${mailId}/resend`, { from: 'booking' });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/app/bookings/${bookingId}?done=mail-resent`);
    expect(await sendJobsFor(mailId)).toBe(jobsBefore + 1);
    expect(await mailRow(mailId)).toMatchObject({ status: 'queued', attempts: 1, error: null, resendable: false });
    const audit = (await listAuditEntries(t.handle.db, a.tenant.id, { entityId: bookingId, limit: 1000 })).filter(
      (e) => e.action === 'mail.resend_requested',
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_kind: 'staff', after: { mail: mailId, kind: 'guest.message', attempts: 1 } });

    const booking = await office.open(`/app/bookings/${bookingId}?done=mail-resent`);
    expect(textOf(booking.html)).toContain('The message is queued to be sent again');
    expect(rowText(booking.html, mailId)).toContain('queued retried queued again after 1 attempt');
    expect((await office.open('/app/mail?status=retried')).html).toContain(`data-mail-id="${mailId}"`);
  });

  it('shows the mail sent after two attempts with the server’s answer and its Message-ID', async () => {
    expect(await sendQueuedMail(deps, a.tenant.id, mailId, render)).toBe('sent');
    const [arrived] = await smtp.waitFor(1);
    const mail = await mailRow(mailId);
    expect(mail).toMatchObject({ status: 'sent', attempts: 2, error: null, resendable: false });
    expect(mail.response).toMatch(/^250 /);
    expect(arrived?.parsed.messageId).toBe(mail.messageId);

    const log = await office.open('/app/mail?status=retried');
    const row = rowText(log.html, mailId);
    expect(row).toContain('sent retried sent after 2 attempts');
    expect(row).toContain(mail.response ?? '');
    expect(row).toContain(mail.messageId);
    const page = textOf((await office.open(`/app/mail/${mailId}`)).html);
    expect(page).toContain(`Server's answer ${mail.response}`);
    expect(page).toContain(`Message-ID ${mail.messageId}`);
    // Not among the failed or the queued any more.
    expect((await office.open('/app/mail?status=failed')).html).not.toContain(`data-mail-id="${mailId}"`);
    expect((await office.open('/app/mail?status=queued')).html).not.toContain(`data-mail-id="${mailId}"`);
  });

  it('refuses to send a sent mail again, saying why, and changes nothing', async () => {
    const jobs = await sendJobsFor(mailId);
    const res = await office.submit(`/app/mail/${mailId}/resend`, { from: 'mail' });
    expect(res.status).toBe(409);
    expect(textOf(res.html)).toContain('This message was sent already; it is never sent twice.');
    expect(await sendJobsFor(mailId)).toBe(jobs);
    expect((await mailRow(mailId)).status).toBe('sent');
    await expect(resendMail(t.deps, a.ctx, mailId)).rejects.toBeInstanceOf(ConflictError);
  });

  it('refuses a queued mail and crew mail, pointing crew and sign-in mail to the Jobs page', async () => {
    const queued = await queueNote('Still waiting');
    await expect(resendMail(t.deps, a.ctx, queued)).rejects.toThrow('queued and goes out shortly');

    smtp.reject = 'Mailbox full';
    await expect(
      sendMailOnce(deps, a.tenant.id, {
        kind: 'crew.assigned',
        dedupeKey: 'test-crew-mail',
        to: { name: 'Casey Captain', address: a.captain.email },
        crewMemberId: a.captain.id,
        bookingId,
        prepare: async () => ({
          subject: 'You are on a charter',
          text: 'See you there.',
          html: '<p>See you there.</p>',
          magicLinkId: null,
        }),
      }),
    ).rejects.toBeInstanceOf(MailDeliveryError);
    smtp.reject = null;
    const crewMail = (await listOutgoingMail(t.deps, a.ctx, { status: 'failed' })).find((m) => m.kind === 'crew.assigned');
    if (!crewMail) throw new Error('no failed crew mail');
    expect(crewMail.resendable).toBe(false);
    const page = await office.open(`/app/mail/${crewMail.id}`);
    expect(page.html).not.toContain(`action="/app/mail/${crewMail.id}/resend"`);
    expect(textOf(page.html)).toContain('retry that job on the Jobs page');
    const res = await office.submit(`/app/mail/${crewMail.id}/resend`, { from: 'log' });
    expect(res.status).toBe(409);
    expect(textOf(res.html)).toContain('Crew and sign-in mail is sent again by the job that sends it: retry that job on the Jobs page');
    expect((await mailRow(crewMail.id)).status).toBe('failed');
  });

  it('writes nothing when the job cannot be enqueued', async () => {
    const id = await queueNote('Enqueue fails');
    smtp.reject = 'Try later';
    await expect(sendQueuedMail(deps, a.tenant.id, id, render)).rejects.toBeInstanceOf(MailDeliveryError);
    smtp.reject = null;
    const broken = {
      ...t.deps,
      jobs: {
        ...t.deps.jobs,
        enqueue: async () => {
          throw new Error('queue down');
        },
      },
    };
    await expect(resendMail(broken, a.ctx, id)).rejects.toThrow('queue down');
    expect((await mailRow(id)).status).toBe('failed');
    const audit = (await listAuditEntries(t.handle.db, a.tenant.id, { entityId: bookingId, limit: 1000 })).filter(
      (e) => e.action === 'mail.resend_requested' && (e.after as { mail?: string }).mail === id,
    );
    expect(audit).toHaveLength(0);
  });

  it('shows automatic mail withdrawn when it no longer applies, with the reason, and refuses to send it again', async () => {
    // Its confirmation is queued with the booking (no job sends it here); cancelling withdraws it.
    const cancelled = (await createBooking(t.deps, a.ctx, bookingInput() as never)).booking.id;
    await cancelBooking(t.deps, a.ctx, cancelled);
    const [withdrawn] = (await listOutgoingMail(t.deps, a.ctx, { bookingId: cancelled })).filter((m) => m.kind === 'guest.confirmation');
    if (!withdrawn) throw new Error('no confirmation');
    expect(withdrawn).toMatchObject({ status: 'withdrawn', resendable: false });
    const log = await office.open('/app/mail?status=withdrawn');
    expect(log.html).toContain('<option value="withdrawn" selected="">withdrawn</option>');
    const row = rowText(log.html, withdrawn.id);
    expect(row).toContain('withdrawn not sent: it no longer applies');
    expect(row).toContain(withdrawn.error ?? 'no reason');
    expect(log.html).not.toContain(`action="/app/mail/${withdrawn.id}/resend"`);
    expect((await office.open('/app/mail?status=queued')).html).not.toContain(`data-mail-id="${withdrawn.id}"`);
    expect(textOf((await office.open(`/app/mail/${withdrawn.id}`)).html)).toContain(`Why it was withdrawn ${withdrawn.error}`);
    const res = await office.submit(`/app/mail/${withdrawn.id}/resend`, { from: 'mail' });
    expect(res.status).toBe(409);
    expect(textOf(res.html)).toContain('This message was withdrawn because it no longer applies');
  });

  it('gives another tenant a 404 for this tenant’s mail, and sends nothing again', async () => {
    const id = await queueNote('Not yours');
    smtp.reject = 'Try later';
    await expect(sendQueuedMail(deps, a.tenant.id, id, render)).rejects.toBeInstanceOf(MailDeliveryError);
    smtp.reject = null;
    for (const from of ['log', 'mail', 'booking']) {
      const res = await other.submit(`/app/mail/${id}/resend`, { from });
      expect(res.status, from).toBe(404);
      expect(res.html).not.toContain('Not yours');
    }
    expect((await other.submit('/app/mail/not-a-mail/resend', {})).status).toBe(404);
    await expect(resendMail(t.deps, b.ctx, id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await mailRow(id)).status).toBe('failed');
    expect(await sendJobsFor(id)).toBe(1);
  });
});
