/**
 * No guest mail header is built from a value that could carry a line break. Guest names and e-mail
 * addresses are written straight into the database (as rows stored before input validation would be)
 * with CR, LF, CRLF, `%0d%0a`, encoded-words, U+2028/2029, NUL and other controls, 400 characters,
 * Greek and emoji, and `Bcc:` tricks; the tenant's and the vessel's names carry the same; template
 * subjects carry what a template may hold (encoded-words, `%0d%0a`, non-ASCII, 200 characters), and
 * ones stored with line breaks are not used. Each booking then becomes confirmed and is cancelled, and
 * each mail goes through the outbox to a real SMTP peer and is read back with mailparser: exactly the
 * expected header names, one From, one To naming only the guest, one Subject on one line, no Bcc, no
 * Cc, and the envelope's one recipient. An address that is not one address reaches nobody.
 */
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { upsertMailTemplate } from '../../src/db/queries/mail-templates';
import { toHeaderPhrase, toHeaderText } from '../../src/domain/text';
import { handleSendMail } from '../../src/jobs/send-mail';
import { saveMailTemplate } from '../../src/services/guest-mail';
import { MailDeliveryError, type MailDeps, queueMail } from '../../src/services/mail';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

const VICTIM = 'victim@evil.test';
const TENANT_NAME = `Mu Charters 🚤 שרה\r\nBcc: ${VICTIM}\r\nX-Injected: tenant`;
const VESSEL_NAME = `Jada\r\nSubject: Free money\r\nBcc: ${VICTIM}`;

/** Guest names as a row may hold them. */
const NAMES: [string, string][] = [
  ['CR', `Avery\rBcc: ${VICTIM}`],
  ['LF', `Avery\nBcc: ${VICTIM}`],
  ['CRLF', `Avery Guest\r\nBcc: ${VICTIM}\r\nX-Injected: name`],
  ['CRLF at the end', `Avery Guest\r\n`],
  ['%0d%0a', `Avery%0d%0aBcc:%20${VICTIM}%0D%0A`],
  ['a Q encoded-word', `=?utf-8?q?Avery=0D=0ABcc:_${VICTIM}?=`],
  ['a B encoded-word', `=?UTF-8?B?${Buffer.from(`Avery\r\nBcc: ${VICTIM}`).toString('base64')}?=`],
  ['U+2028 and U+2029', `Avery\u2028Bcc: ${VICTIM}\u2029X-Injected: name`],
  ['C1 controls and DEL', `Avery\u0085Bcc: ${VICTIM}\u009b\u007f`],
  ['tab', `Avery\tBcc: ${VICTIM}`],
  ['400 characters', `Avery ${'Longname'.repeat(49)}`],
  ['Greek', 'Ἀλέξανδρος Παπαδόπουλος'],
  ['emoji', 'Avery 🚤⛵ Guest 👩‍👩‍👧'],
  ['an address', `Avery <${VICTIM}>`],
  ['a list', `${VICTIM}, Avery`],
  ['a quoted list with a group', `"Avery" <avery@example.com>, Bcc: ${VICTIM}; undisclosed-recipients:;`],
  ['a semicolon and a colon', `Avery;Bcc:${VICTIM}`],
];

/** Guest addresses as a row may hold them, and who may receive the mail: the one address, or nobody. */
const ADDRESSES: [string, string, string | null][] = [
  ['CRLF and Bcc', `avery@example.com\r\nBcc: ${VICTIM}`, null],
  ['LF and Cc', `avery@example.com\nCc: ${VICTIM}`, null],
  ['%0d%0a', `avery@example.com%0d%0abcc:${VICTIM}`, null],
  ['a list', `avery@example.com, ${VICTIM}`, null],
  ['a name and an address', `Avery <${VICTIM}>`, null],
  ['U+2028', `avery@example.com\u2028${VICTIM}`, null],
  ['an encoded-word before the address', `=?utf-8?q?victim=40evil.test?= <avery@example.com>`, null],
  ['a plus and an equals sign', 'avery+bcc=victim@example.com', 'avery+bcc=victim@example.com'],
];

/** Subjects a template may hold: one line, plain placeholders. */
const SUBJECTS: [string, string][] = [
  ['a Q encoded-word', `=?utf-8?q?Hi=0D=0ABcc:_${VICTIM}?= {{charter.date}}`],
  ['%0d%0a', `Hi%0d%0aBcc:%20${VICTIM} {{charter.date}}`],
  ['Bcc: first', `Bcc: ${VICTIM} {{guest.name}}`],
  ['Greek and emoji', 'Η κράτησή σας ⛵ {{charter.date}} 🎉'],
  ['200 characters', `${'Κ'.repeat(150)} {{guest.firstName}} ${'x'.repeat(48)}`.slice(0, 200)],
];

/** Subjects stored with what no template may hold: never used (the default subject is). */
const STORED_SUBJECTS: [string, string][] = [
  ['CRLF', `Hi\r\nBcc: ${VICTIM}`],
  ['LF', `Hi\nBcc: ${VICTIM}`],
  ['U+2028', `Hi\u2028Bcc: ${VICTIM}`],
];

/** Every header a guest mail may carry; anything else would have come from a value. */
const ALLOWED_HEADERS = new Set([
  'auto-submitted',
  'x-bosun-kind',
  'from',
  'to',
  'reply-to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
]);

/** A value as a header may show it: one line, controls as single spaces. */
const oneLine = toHeaderText;
/** A subject or a display name as a header shows it: one line, and no encoded-word (=? broken by U+200B). */
const phrase = toHeaderPhrase;

let t: TestDb;
let app: TestApp;
let smtp: TestSmtpServer;
let mailer: SmtpMailer;
let deps: MailDeps;
let mu: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  mu = await makeTenant(t.deps, 'mu');
  smtp = await startSmtpServer();
  mailer = new SmtpMailer(smtp.url);
  deps = { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@bosun.test' } };
  const db = t.deps.db;
  await db
    .updateTable('tenants')
    .set({ name: TENANT_NAME, settings: JSON.stringify({ contactEmail: 'office@mu.test' }) })
    .where('id', '=', mu.tenant.id)
    .execute();
  await db.updateTable('vessels').set({ name: VESSEL_NAME }).where('tenant_id', '=', mu.tenant.id).execute();
});

afterAll(async () => {
  await t.close();
  await mailer.close();
  await smtp.close();
});

/**
 * A hold whose stored guest is `guest` (written past input validation), then confirmed and cancelled
 * through the API: the ids of its queued confirmation and cancellation.
 */
async function confirmAndCancel(guest: { name?: string; email?: string }): Promise<{ bookingId: string; mails: string[] }> {
  const hold = await call(app, 'POST', '/api/v1/bookings', mu.serviceKey, bookingInput({ status: 'hold' }));
  expect(hold.status).toBe(201);
  const id = hold.json.id as string;
  if (guest.name !== undefined || guest.email !== undefined) {
    await t.deps.db
      .updateTable('bookings')
      .set({
        ...(guest.name !== undefined ? { guest_name: guest.name } : {}),
        ...(guest.email !== undefined ? { guest_email: guest.email } : {}),
      })
      .where('tenant_id', '=', mu.tenant.id)
      .where('id', '=', id)
      .execute();
  }
  const confirmed = await call(app, 'PATCH', `/api/v1/bookings/${id}`, mu.serviceKey, { status: 'confirmed' }, { 'if-match': '"v1"' });
  expect(confirmed.status).toBe(200);
  expect((await call(app, 'POST', `/api/v1/bookings/${id}/cancel`, mu.serviceKey)).status).toBe(200);
  const rows = await t.deps.db
    .selectFrom('outgoing_mail')
    .select(['id', 'kind'])
    .where('tenant_id', '=', mu.tenant.id)
    .where('booking_id', '=', id)
    .execute();
  const byKind = (kind: string) => rows.find((r) => r.kind === kind)?.id ?? '';
  return { bookingId: id, mails: [byKind('guest.confirmation'), byKind('guest.cancellation')] };
}

/** Sends queued mail `mailId` as the `mail.send` job does; the message the SMTP peer received, or null. */
async function send(mailId: string): Promise<{ parsed: ParsedMail; raw: string; to: string[] } | null> {
  const before = smtp.received.length;
  try {
    await handleSendMail(deps, { tenantId: mu.tenant.id, mailId, reason: 'test' });
  } catch (err) {
    if (!(err instanceof MailDeliveryError)) throw err;
    expect(smtp.received).toHaveLength(before);
    return null;
  }
  const got = smtp.received[before];
  expect(smtp.received).toHaveLength(before + 1);
  return got ? { parsed: got.parsed, raw: got.raw.toString('utf8'), to: got.envelope.to } : null;
}

function expectCleanHeaders(m: { parsed: ParsedMail; raw: string; to: string[] }, recipient: string) {
  const head = m.raw.slice(0, m.raw.indexOf('\r\n\r\n'));
  expect([...m.parsed.headers.keys()].filter((k) => !ALLOWED_HEADERS.has(k))).toEqual([]);
  for (const name of ['bcc', 'cc', 'x-injected', 'resent-to', 'resent-bcc']) expect(m.parsed.headers.has(name), name).toBe(false);
  // One of each: nothing split a header into two.
  for (const name of ['From', 'To', 'Subject', 'Reply-To', 'Message-ID', 'Date']) {
    expect(head.match(new RegExp(`^${name}:`, 'gim')), name).toHaveLength(1);
  }
  // No line of the head starts with what a value carried.
  expect(head.split('\r\n').filter((line) => /^(Bcc|Cc|X-Injected|Subject: Free|undisclosed)/i.test(line))).toEqual([]);
  expect(m.parsed.subject ?? '').not.toMatch(/[\r\n\u2028\u2029]/);
  const to = m.parsed.to && !Array.isArray(m.parsed.to) ? m.parsed.to.value : [];
  expect(to.map((a) => a.address)).toEqual([recipient]);
  expect(m.to).toEqual([recipient]);
  expect(m.parsed.from?.value).toEqual([{ address: 'bosun@bosun.test', name: phrase(TENANT_NAME) }]);
  expect(m.parsed.replyTo?.value).toEqual([{ address: 'office@mu.test', name: '' }]);
  expect(m.parsed.headers.get('auto-submitted')).toBe('auto-generated');
}

describe('guest mail headers from hostile values', () => {
  it.each(NAMES)('a guest name with %s stays text in To and Subject', async (_label, name) => {
    await saveMailTemplate(t.deps, mu.ctx, 'guest.confirmation', {
      subject: '{{guest.name}} · {{charter.vessel}} · {{booking.id}}',
      body: 'Hello {{guest.name}}, see you aboard {{charter.vessel}}.',
    });
    await saveMailTemplate(t.deps, mu.ctx, 'guest.cancellation', {
      subject: 'Cancelled: {{guest.name}}',
      body: 'Sorry, {{guest.firstName}}.',
    });
    const { bookingId, mails } = await confirmAndCancel({ name });
    const [confirmation, cancellation] = [await send(mails[0] ?? ''), await send(mails[1] ?? '')];
    for (const m of [confirmation, cancellation]) {
      if (!m) throw new Error('a mail was not delivered');
      expectCleanHeaders(m, 'avery@example.com');
      // The name as written, on one line: an encoded-word in it is shown, not decoded into other text.
      const to = m.parsed.to && !Array.isArray(m.parsed.to) ? m.parsed.to.value : [];
      expect(to[0]?.name).toBe(phrase(name));
      expect(to[0]?.name.replaceAll('\u200b', '')).toBe(oneLine(name));
    }
    expect(confirmation?.parsed.subject).toBe(phrase(`${name} · ${VESSEL_NAME} · ${bookingId}`));
    expect(cancellation?.parsed.subject).toBe(phrase(`Cancelled: ${name}`));
  });

  it.each(ADDRESSES)('a guest address with %s reaches that one address or nobody', async (_label, email, recipient) => {
    const { mails } = await confirmAndCancel({ email });
    for (const mailId of mails) {
      const m = await send(mailId);
      if (recipient === null) {
        expect(m).toBeNull();
        const row = await t.deps.db
          .selectFrom('outgoing_mail')
          .select(['status', 'error'])
          .where('id', '=', mailId)
          .executeTakeFirstOrThrow();
        expect(row.status).toBe('failed');
        expect(row.error).toMatch(/recipient/i);
      } else {
        if (!m) throw new Error('the mail was not delivered');
        expectCleanHeaders(m, recipient);
      }
    }
    expect(smtp.received.flatMap((r) => r.envelope.to)).not.toContain(VICTIM);
  });

  it.each(SUBJECTS)('a template subject with %s is the one Subject, on one line', async (_label, subject) => {
    await saveMailTemplate(t.deps, mu.ctx, 'guest.confirmation', { subject, body: 'Hello {{guest.firstName}}.' });
    const { mails } = await confirmAndCancel({});
    const m = await send(mails[0] ?? '');
    if (!m) throw new Error('the mail was not delivered');
    expectCleanHeaders(m, 'avery@example.com');
    // The template's own text is shown as written (an encoded-word in it is not decoded).
    const fixed = subject.split(/\{\{[^}]+\}\}/).map((part) => part.trim());
    for (const part of fixed.filter(Boolean)) expect(m.parsed.subject?.replaceAll('\u200b', '')).toContain(part);
  });

  it.each(STORED_SUBJECTS)('a stored template subject with %s is not used: the default is', async (_label, subject) => {
    await upsertMailTemplate(t.deps.db, mu.tenant.id, { kind: 'guest.confirmation', subject, body: 'Hello', now: t.clock.now() });
    const { mails } = await confirmAndCancel({});
    const m = await send(mails[0] ?? '');
    if (!m) throw new Error('the mail was not delivered');
    expectCleanHeaders(m, 'avery@example.com');
    expect(m.parsed.subject).toMatch(/^Your charter on .+ is confirmed$/);
    expect(m.parsed.subject).not.toContain(VICTIM);
  });

  it('a NUL, which no row can hold, in a name or an address queued for a guest is dropped before it is stored or sent', async () => {
    const id = (await call(app, 'POST', '/api/v1/bookings', mu.serviceKey, bookingInput())).json.id as string;
    const mailId = await t.deps.db.transaction().execute((tx) =>
      queueMail(t.deps, tx, mu.ctx, {
        kind: 'guest.reminder',
        dedupeKey: `test-nul:${id}`,
        to: { name: `Avery\u0000Bcc: ${VICTIM}\u0000`, address: 'avery@example.com\u0000' },
        bookingId: id,
        content: {},
        automatic: true,
      }),
    );
    const m = await send(mailId ?? '');
    if (!m) throw new Error('the mail was not delivered');
    expectCleanHeaders(m, 'avery@example.com');
    const to = m.parsed.to && !Array.isArray(m.parsed.to) ? m.parsed.to.value : [];
    expect(to[0]?.name).toBe(`Avery Bcc: ${VICTIM}`);
  });

  it('no message of the corpus went to anyone but the guest', () => {
    const recipients = new Set(smtp.received.flatMap((r) => r.envelope.to));
    expect([...recipients].sort()).toEqual(['avery+bcc=victim@example.com', 'avery@example.com']);
    expect(smtp.received.length).toBe(NAMES.length * 2 + 2 + SUBJECTS.length + STORED_SUBJECTS.length + 1);
  });
});
