/**
 * Guest mail as the outbox sends it: each kind queued for a real booking (with money, a captain fee,
 * internal and crew notes and assigned crew) is rendered at send time from the guest view and the
 * tenant's template, delivered over a real SMTP conversation, and read back with mailparser — its HTML
 * valid, its `.ics` read by ical.js with the guest page's UID and the booking's version as SEQUENCE —
 * and nothing only staff or crew may see in any part.
 */
import { type ConfigData, HtmlValidate, StaticConfigLoader } from 'html-validate';
import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { handleSendMail } from '../../src/jobs/send-mail';
import { upsertEvent } from '../../src/services/events';
import { DEFAULT_TEMPLATES, saveMailTemplate } from '../../src/services/guest-mail';
import { listOutgoingMail, type MailDeps, queueMail } from '../../src/services/mail';
import { updateTenant } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let smtp: TestSmtpServer;
let mailer: SmtpMailer;
let deps: MailDeps;

const SECRETS = [
  '9876.54',
  '9876',
  '321.09',
  'INTERNAL-ONLY',
  'CREW-ONLY',
  'Casey Captain',
  'Dana Deckhand',
  'captain@',
  'deck@',
  '555 0100',
];

const validator = new HtmlValidate(
  new StaticConfigLoader({
    extends: ['html-validate:recommended', 'html-validate:document'],
    rules: {
      'doctype-style': ['error', { style: 'lowercase' }],
      'attribute-boolean-style': ['error', { style: 'empty' }],
      'void-style': 'off',
      'long-title': 'off',
      'no-inline-style': 'off',
    },
  } satisfies ConfigData),
);

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'gmr');
  await updateTenant(t.deps, a.ctx, {
    contactEmail: 'office@gmr.test',
    contactPhone: '+1 619 555 0123',
    whatToBring: ['Sunscreen'],
    policies: ['Free cancellation up to 48 hours before departure.'],
  });
  smtp = await startSmtpServer();
  mailer = new SmtpMailer(smtp.url);
  deps = { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'mail@gmr.test' } };
});

afterAll(async () => {
  await t.close();
  await mailer.close();
  await smtp.close();
});

async function createBooking(overrides: Record<string, unknown> = {}) {
  const res = await call(
    app,
    'POST',
    '/api/v1/bookings',
    a.serviceKey,
    bookingInput({
      guest: { name: 'Avery <b>Guest</b>', email: 'avery@example.com', phone: '+1 619 555 0100' },
      pricing: { total: 9876.54, currency: 'USD' },
      captainFeePerHour: 321.09,
      notes: { internal: 'INTERNAL-ONLY margin', crew: 'CREW-ONLY fenders', guest: 'Bring sunscreen & a hat' },
      ...overrides,
    }),
  );
  expect(res.status).toBe(201);
  const id = res.json.id as string;
  await upsertEvent(t.deps, a.ctx, {
    booking_id: id,
    crew: [
      { email: a.captain.email, role: 'captain' },
      { email: a.deckhand.email, role: 'crew' },
    ],
  });
  return id;
}

let sequence = 0;

/** Queues a guest mail as a request would, then sends it as the `mail.send` job does; answers what arrived. */
async function queueAndSend(bookingId: string, kind: string, content: Record<string, unknown> = {}): Promise<ParsedMail> {
  const mailId = await t.deps.db.transaction().execute((tx) =>
    queueMail(t.deps, tx, a.ctx, {
      kind,
      dedupeKey: `test:${kind}:${bookingId}:${sequence++}`,
      to: { name: 'Avery Guest', address: 'avery@example.com' },
      bookingId,
      content,
      automatic: kind !== 'guest.message',
    }),
  );
  expect(mailId).toBeTruthy();
  const before = smtp.received.length;
  await handleSendMail(deps, { tenantId: a.tenant.id, mailId: mailId as string, reason: kind });
  const [arrived] = (await smtp.waitFor(before + 1)).slice(before);
  if (!arrived) throw new Error('no mail arrived');
  return arrived.parsed;
}

/** The mail's `.ics` as ical.js reads it, with the content type it was sent with. */
function calendarOf(mail: ParsedMail) {
  expect(mail.attachments.map((f) => f.filename)).toEqual(['charter.ics']);
  const file = mail.attachments[0];
  if (!file) throw new Error('no attachment');
  const type = file.headers.get('content-type') as { value: string; params: Record<string, string> };
  expect(type.value).toBe('text/calendar');
  expect(type.params).toMatchObject({ charset: 'utf-8', method: 'PUBLISH' });
  const text = file.content.toString('utf8');
  const event = new ICAL.Event(new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vevent') ?? undefined);
  return { text, uid: event.uid, sequence: event.sequence, status: event.component.getFirstPropertyValue('status') };
}

async function expectNoLeak(mail: ParsedMail) {
  const parts = [mail.subject ?? '', mail.text ?? '', String(mail.html), ...mail.attachments.map((f) => f.content.toString('utf8'))];
  for (const part of parts) for (const secret of SECRETS) expect(part).not.toContain(secret);
  const report = await validator.validateString(String(mail.html));
  expect(report.valid, JSON.stringify(report.results.flatMap((r) => r.messages.map((m) => m.message)))).toBe(true);
}

describe('guest mail rendered by the outbox', () => {
  it('confirmation, change, reminder, cancellation and a message follow the booking, each from the guest view', async () => {
    const id = await createBooking();

    const confirmation = await queueAndSend(id, 'guest.confirmation');
    expect(confirmation.subject).toBe('Your charter on Saturday, May 30, 2026 is confirmed');
    expect(confirmation.from?.value[0]).toEqual({ name: 'gmr Charters', address: 'mail@gmr.test' });
    expect(confirmation.replyTo?.value[0]?.address).toBe('office@gmr.test');
    expect(confirmation.headers.get('auto-submitted')).toBe('auto-generated');
    expect(confirmation.text).toContain('Hello Avery,');
    expect(confirmation.text).toMatch(/When: Saturday, May 30, 2026, 10:00\sAM\s–\s1:00\sPM PDT \(America\/Los_Angeles\)/);
    expect(confirmation.text).toContain('Meeting point: Dock C\nMap: https://www.openstreetmap.org/search?query=Dock%20C');
    expect(confirmation.text).toContain('A note for you:\nBring sunscreen & a hat');
    expect(confirmation.text).toContain('What to bring:\n- Sunscreen');
    expect(confirmation.text).toContain('Policies:\n- Free cancellation up to 48 hours before departure.');
    expect(confirmation.text).toContain(`http://gmr.localhost:8080/g/${id}`);
    expect(String(confirmation.html)).toContain(`href="http://gmr.localhost:8080/g/${id}"`);
    expect(String(confirmation.html)).not.toMatch(/<img\b/);
    const first = calendarOf(confirmation);
    expect(first).toMatchObject({ uid: `${id}@gmr.localhost`, sequence: 1, status: 'CONFIRMED' });
    await expectNoLeak(confirmation);

    const moved = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${id}`,
      a.serviceKey,
      {
        partySize: 8,
        startsAt: '2026-05-30T11:00:00-07:00',
        endsAt: '2026-05-30T14:00:00-07:00',
      },
      { 'if-match': '"v1"' },
    );
    expect(moved.status).toBe(200);
    const change = await queueAndSend(id, 'guest.change', {
      changes: [
        { field: 'startsAt', from: '2026-05-30T10:00:00-07:00', to: '2026-05-30T11:00:00-07:00' },
        { field: 'partySize', from: 6, to: 8 },
      ],
    });
    expect(change.subject).toBe('Your charter on Saturday, May 30, 2026 has changed');
    expect(change.text).toMatch(
      /What changed:\n- Departure: Sat, May 30, 2026, 10:00\sAM PDT → Sat, May 30, 2026, 11:00\sAM PDT\n- Party size: 6 guests → 8 guests\n/,
    );
    expect(change.text).toContain('Party size: 8 guests');
    const second = calendarOf(change);
    expect(second.uid).toBe(first.uid);
    expect(second.sequence).toBeGreaterThan(first.sequence);
    await expectNoLeak(change);

    const reminder = await queueAndSend(id, 'guest.reminder');
    expect(reminder.subject).toMatch(/^Reminder: your charter on Saturday, May 30, 2026 at 11:00\sAM$/);
    expect(reminder.text).toContain('from Dock C. Please arrive a few minutes early.');
    await expectNoLeak(reminder);

    const message = await queueAndSend(id, 'guest.message', {
      subject: 'Weather update for {{charter.date}}',
      body: 'Dear {{guest.name}},\n\nThe forecast is fine.',
    });
    expect(message.subject).toBe('Weather update for Saturday, May 30, 2026');
    expect(message.headers.has('auto-submitted')).toBe(false);
    expect(message.text).toContain('Dear Avery <b>Guest</b>,\n\nThe forecast is fine.');
    expect(String(message.html)).toContain('Dear Avery &lt;b&gt;Guest&lt;&#x2F;b&gt;,');
    expect(message.attachments).toEqual([]);
    await expectNoLeak(message);

    expect((await call(app, 'POST', `/api/v1/bookings/${id}/cancel`, a.serviceKey, {})).status).toBeLessThan(300);
    const cancellation = await queueAndSend(id, 'guest.cancellation');
    expect(cancellation.subject).toBe('Your charter on Saturday, May 30, 2026 is cancelled');
    expect(cancellation.text?.startsWith('CANCELLED. This charter has been cancelled')).toBe(true);
    expect(cancellation.text).not.toContain('Dock C');
    const third = calendarOf(cancellation);
    expect(third).toMatchObject({ uid: first.uid, status: 'CANCELLED' });
    expect(third.sequence).toBeGreaterThan(second.sequence);
    await expectNoLeak(cancellation);

    // The booking's own follow-up mail (its confirmation, change, cancellation) is queued beside these; no job sends it here.
    const sentHere = new Set([confirmation, change, reminder, message, cancellation].map((m) => m.messageId));
    const log = (await listOutgoingMail(t.deps, a.ctx, { bookingId: id })).filter((m) => sentHere.has(m.messageId));
    expect(log.map((m) => m.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    expect(log.map((m) => m.subject)).toContain('Weather update for Saturday, May 30, 2026');
  });

  it("uses the tenant's own template for its kind, and the default for the others", async () => {
    const id = await createBooking();
    await saveMailTemplate(t.deps, a.ctx, 'guest.confirmation', {
      subject: '{{tenant.name}}: see you on {{charter.date}}, {{guest.firstName}}',
      body: 'Ahoy {{guest.firstName}}!\n\nCall {{tenant.contactPhone}} with questions.',
    });
    const mail = await queueAndSend(id, 'guest.confirmation');
    expect(mail.subject).toMatch(/^gmr Charters: see you on \w+day, May \d+, 2026, Avery$/);
    expect(mail.text?.startsWith('Ahoy Avery!\n\nCall +1 619 555 0123 with questions.\n')).toBe(true);
    const reminder = await queueAndSend(id, 'guest.reminder');
    expect(
      reminder.text?.startsWith(DEFAULT_TEMPLATES['guest.reminder'].body.split('\n')[0]?.replace('{{guest.firstName}}', 'Avery') ?? '?'),
    ).toBe(true);
  });

  it('a stored guest name carrying CR/LF (from before validation) adds no header', async () => {
    const id = await createBooking();
    await t.deps.db
      .updateTable('bookings')
      .set({ guest_name: 'Eve\r\nBcc: victim@example.com\r\nX-Evil: 1' })
      .where('tenant_id', '=', a.tenant.id)
      .where('id', '=', id)
      .execute();
    const message = await queueAndSend(id, 'guest.message', { subject: 'Hello {{guest.name}}', body: 'Hi {{guest.name}}' });
    expect(message.subject).toBe('Hello Eve Bcc: victim@example.com X-Evil: 1');
    expect(message.headers.has('bcc')).toBe(false);
    expect(message.headers.has('x-evil')).toBe(false);
    expect(smtp.received.at(-1)?.envelope.to).toEqual(['avery@example.com']);
  });

  it('a message whose text is not a valid template is not sent, and says why', async () => {
    const id = await createBooking();
    const mailId = await t.deps.db.transaction().execute((tx) =>
      queueMail(t.deps, tx, a.ctx, {
        kind: 'guest.message',
        dedupeKey: `test:bad:${id}`,
        to: { name: 'Avery Guest', address: 'avery@example.com' },
        bookingId: id,
        content: { subject: 'Hi', body: '{{#guest.name}}x{{/guest.name}}' },
        automatic: false,
      }),
    );
    const before = smtp.received.length;
    await expect(handleSendMail(deps, { tenantId: a.tenant.id, mailId: mailId as string, reason: 'test' })).rejects.toThrow(
      /its text is not a valid message \(sections are not allowed/,
    );
    expect(smtp.received.length).toBe(before);
  });
});
