/**
 * Mail the office writes to guests, from the dashboard, delivered over a real SMTP conversation:
 * "E-mail guest" on a booking (start from a template or free text, preview, send: queued, then sent on
 * the booking's page), and "Message all guests" of a day or a vessel's day (the recipients listed
 * before sending, a preview for the first, one batch whose page shows each recipient's state). Every
 * form carries its token; another tenant's booking, vessel and batch are not found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { type JobDeps, registerJobHandlers } from '../../src/jobs/register';
import { cancelBooking, createBooking } from '../../src/services/bookings';
import { listOutgoingMail } from '../../src/services/mail';
import { addVessel } from '../../src/services/tenants';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { textOf } from '../support/html';
import { eventually } from '../support/mailbox';
import { type Browser, browserFor, fieldError, inputValue } from '../support/ops-pages';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { signedInStaff } from '../support/staff-session';

let t: TestDb;
let app: TestApp;
let smtp: TestSmtpServer;
let mailer: SmtpMailer;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let office: Browser;
let other: Browser;

const DAY = '2026-06-20';
let morning: string;
let afternoon: string;
let held: string;
let otherTenants: string;

const at = (time: string) => `${DAY}T${time}:00-07:00`;

async function book(
  tenant: typeof a,
  guest: { name: string; email: string },
  from: string,
  to: string,
  extra: Record<string, unknown> = {},
) {
  return (await createBooking(t.deps, tenant.ctx, bookingInput({ guest, startsAt: at(from), endsAt: at(to), ...extra }) as never)).booking
    .id;
}

/** Guest messages queued for `bookingId`, newest first. */
const messagesOf = async (bookingId: string) =>
  (await listOutgoingMail(t.deps, a.ctx, { bookingId })).filter((m) => m.kind === 'guest.message');

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  smtp = await startSmtpServer();
  mailer = new SmtpMailer(smtp.url);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  await addVessel(t.deps, a.ctx, { slug: 'kai', name: 'Kai', capacity: 8, meetingPoint: 'Dock A', timezone: 'America/Los_Angeles' });
  morning = await book(a, { name: 'Morgan Morning', email: 'morgan@example.com' }, '09:00', '11:00');
  afternoon = await book(a, { name: 'Avery Afternoon', email: 'avery@example.com' }, '14:00', '16:00');
  await book(a, { name: 'Kai Guest', email: 'kai@example.com' }, '10:00', '12:00', { vessel: 'kai' });
  held = await book(a, { name: 'Harper Hold', email: 'harper@example.com' }, '17:00', '18:00', { status: 'hold' });
  otherTenants = await book(b, { name: 'Beta Guest', email: 'beta@example.com' }, '09:00', '11:00');
  office = browserFor(app, (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie);
  other = browserFor(app, (await signedInStaff(t.deps, b.tenant.id, 'owner')).cookie);
  const deps: JobDeps = { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'office@alpha.test' } };
  await registerJobHandlers(t.jobs, deps);
});

afterAll(async () => {
  await t.close();
  await mailer.close();
  await smtp.close();
});

describe('E-mail guest', () => {
  it('is offered on the booking page, with a link to message the whole departure', async () => {
    const page = await office.open(`/app/bookings/${morning}`);
    expect(page.html).toContain(`href="/app/bookings/${morning}/email"`);
    expect(page.html).toContain(`href="/app/messages/new?date=${DAY}&amp;vessel=jada"`);
  });

  it('starts from free text or from one of the tenant’s templates', async () => {
    const blank = await office.open(`/app/bookings/${morning}/email`);
    expect(blank.status).toBe(200);
    expect(textOf(blank.html)).toContain('To Morgan Morning <morgan@example.com>');
    expect(inputValue(blank.html, 'message-subject')).toBe('');
    const started = await office.open(`/app/bookings/${morning}/email?template=guest.reminder`);
    expect(inputValue(started.html, 'message-subject')).toMatch(/\{\{/);
    expect(started.html).toContain('<option value="guest.reminder" selected="">');
  });

  it('previews the mail to this guest and sends nothing', async () => {
    const res = await office.submit(`/app/bookings/${morning}/email`, {
      action: 'preview',
      subject: 'About your charter, {{guest.firstName}}',
      body: 'The dock moved.',
    });
    expect(res.status).toBe(200);
    const text = textOf(res.html);
    expect(text).toContain('Subject About your charter, Morgan');
    expect(text).toContain('To Morgan Morning <morgan@example.com>');
    expect(res.html).toContain('sandbox=""');
    expect(await messagesOf(morning)).toEqual([]);
  });

  it('refuses an unknown placeholder beside its field and queues nothing', async () => {
    const res = await office.submit(`/app/bookings/${morning}/email`, { action: 'send', subject: 'Hi', body: 'Your {{charter.price}}' });
    expect(res.status).toBe(422);
    expect(fieldError(res.html, 'message-body').invalid).toBe(true);
    expect(res.html).toContain('Your {{charter.price}}</textarea>');
    expect(await messagesOf(morning)).toEqual([]);
  });

  it('sends through the outbox: back on the booking with a notice, the mail queued and then sent', async () => {
    const res = await office.submit(`/app/bookings/${morning}/email`, {
      action: 'send',
      subject: 'About your charter, {{guest.firstName}}',
      body: 'The dock moved to C.',
    });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/app/bookings/${morning}?done=mail-queued#booking-mail`);
    const [queued] = await messagesOf(morning);
    expect(queued).toMatchObject({ recipient: 'morgan@example.com', automatic: false });
    const page = await office.open(`/app/bookings/${morning}?done=mail-queued`);
    expect(textOf(page.html)).toContain('Your message to the guest is queued');

    const sent = await eventually(async () => {
      const [m] = await messagesOf(morning);
      return m?.status === 'sent' ? m : undefined;
    }, 'the message to be sent');
    const arrived = await eventually(async () => smtp.received.find((m) => m.parsed.messageId === sent.messageId), 'the message to arrive');
    expect(arrived?.parsed.subject).toBe('About your charter, Morgan');
    expect(arrived?.parsed.headers.get('auto-submitted')).toBeUndefined();
    const after = await office.open(`/app/bookings/${morning}`);
    expect(after.html).toMatch(new RegExp(`<tr data-mail-id="${sent.id}">[\\s\\S]*?status-sent`));
  });

  it('a second press of Send (the same form) queues nothing more', async () => {
    const page = await office.open(`/app/bookings/${morning}/email`);
    const requestId = /name="requestId" value="([0-9a-f-]{36})"/.exec(page.html)?.[1];
    expect(requestId).toBeDefined();
    const before = (await messagesOf(morning)).length;
    const form = { action: 'send', subject: 'Twice?', body: 'Once.', requestId: requestId ?? '' };
    expect((await office.submit(`/app/bookings/${morning}/email`, form)).status).toBe(303);
    expect((await office.submit(`/app/bookings/${morning}/email`, form)).status).toBe(303);
    expect((await messagesOf(morning)).length).toBe(before + 1);
  });

  it('still writes to the guest of a cancelled charter', async () => {
    await cancelBooking(t.deps, a.ctx, afternoon);
    const page = await office.open(`/app/bookings/${afternoon}/email`);
    expect(textOf(page.html)).toContain('This charter is cancelled; the guest can still be written to.');
    const res = await office.submit(`/app/bookings/${afternoon}/email`, {
      action: 'send',
      subject: 'Sorry',
      body: 'We hope to see you again.',
    });
    expect(res.status).toBe(303);
    expect(await messagesOf(afternoon)).toHaveLength(1);
  });

  it('answers 404 for another tenant’s booking and queues nothing', async () => {
    expect((await office.open(`/app/bookings/${otherTenants}/email`)).status).toBe(404);
    const res = await office.submit(`/app/bookings/${otherTenants}/email`, { action: 'send', subject: 'x', body: 'y' });
    expect(res.status).toBe(404);
    expect((await listOutgoingMail(t.deps, b.ctx, { bookingId: otherTenants })).filter((m) => m.kind === 'guest.message')).toEqual([]);
  });
});

describe('Message all guests', () => {
  it('is offered on Today for the day and for each vessel', async () => {
    const page = await office.open(`/app/today?date=${DAY}`);
    expect(page.html).toContain(`href="/app/messages/new?date=${DAY}"`);
    expect(page.html).toContain(`href="/app/messages/new?date=${DAY}&amp;vessel=kai"`);
  });

  it('lists the recipients before anything is sent: confirmed charters of the day, not holds', async () => {
    const page = await office.open(`/app/messages/new?date=${DAY}`);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain('2 recipients');
    expect(text).toContain('Morgan Morning morgan@example.com Jada 09:00');
    expect(text).toContain('Kai Guest kai@example.com Kai 10:00');
    expect(text).not.toContain('Harper Hold');
    expect(text).not.toContain('Avery Afternoon'); // cancelled above
    expect(text).toContain('Send to 2 guests');
    expect(page.html).toContain('data-live-url');
    const kai = textOf((await office.open(`/app/messages/new?date=${DAY}&vessel=kai`)).html);
    expect(kai).toContain('1 recipient');
    expect(kai).not.toContain('Morgan Morning');
  });

  it('says so on a day nobody departs, with no form to send', async () => {
    const page = await office.open('/app/messages/new?date=2026-06-21');
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain('so there is nobody to message');
    expect(page.html).not.toContain('action="/app/messages"');
    // Another tenant's vessel is nobody's here.
    expect(textOf((await other.open(`/app/messages/new?date=${DAY}&vessel=kai`)).html)).toContain('nobody to message');
  });

  it('refuses a day that is not one, showing today instead', async () => {
    const page = await office.open('/app/messages/new?date=20-06-2026');
    expect(page.status).toBe(422);
    expect(textOf(page.html)).toContain('Showing today instead');
  });

  it('previews the message for the first recipient', async () => {
    const res = await office.submit('/app/messages', {
      action: 'preview',
      date: DAY,
      vessel: '',
      subject: 'Weather for {{guest.firstName}}',
      body: 'Calm seas expected.',
    });
    expect(res.status).toBe(200);
    expect(textOf(res.html)).toContain('Subject Weather for Morgan');
    expect(textOf(res.html)).toContain('For the first recipient, Morgan Morning');
  });

  it('sends one message to every recipient, each with their own values, and shows each one’s state', async () => {
    const res = await office.submit('/app/messages', {
      action: 'send',
      date: DAY,
      vessel: '',
      subject: 'Weather for {{guest.firstName}}',
      body: 'Calm seas expected.',
    });
    expect(res.status).toBe(303);
    const batchId = /^\/app\/messages\/([0-9a-f-]{36})\?done=queued$/.exec(res.location ?? '')?.[1];
    expect(batchId).toBeDefined();
    const first = await office.open(res.location ?? '');
    expect(first.status).toBe(200);
    expect(first.html).toContain('data-live-actions="mail."');
    expect(textOf(first.html)).toContain('2 recipients');

    const weather = await eventually(async () => {
      const arrived = smtp.received.filter((m) => m.parsed.subject?.startsWith('Weather for'));
      return arrived.length >= 2 ? arrived : undefined;
    }, 'both messages to arrive');
    expect(weather.map((m) => m.parsed.subject).sort()).toEqual(['Weather for Kai', 'Weather for Morgan']);
    expect(weather.map((m) => m.envelope.to).sort()).toEqual([['kai@example.com'], ['morgan@example.com']]);
    const done = await eventually(async () => {
      const page = await office.open(`/app/messages/${batchId}`);
      return textOf(page.html).includes('2 sent') ? page : undefined;
    }, 'the batch to be sent');
    expect(textOf(done.html)).toContain('Morgan Morning <morgan@example.com>');
    expect(textOf(done.html)).toContain('0 failed');

    // Another tenant finds no such message.
    expect((await other.open(`/app/messages/${batchId}`)).status).toBe(404);
    expect((await office.open('/app/messages/not-a-batch')).status).toBe(404);
  });

  it('refuses an empty body beside its field and queues nothing', async () => {
    const count = (await listOutgoingMail(t.deps, a.ctx, { limit: 1000 })).length;
    const res = await office.submit('/app/messages', { action: 'send', date: DAY, vessel: 'kai', subject: 'Hi', body: '' });
    expect(res.status).toBe(422);
    expect(fieldError(res.html, 'message-body').invalid).toBe(true);
    expect((await listOutgoingMail(t.deps, a.ctx, { limit: 1000 })).length).toBe(count);
  });

  it('keeps a held charter out of a vessel’s message', async () => {
    const page = textOf((await office.open(`/app/messages/new?date=${DAY}&vessel=jada`)).html);
    expect(page).not.toContain('Harper Hold');
    expect(held).toBeTruthy();
  });
});
