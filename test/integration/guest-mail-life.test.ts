/**
 * A booking's life as its guest hears of it, over a real SMTP conversation, worked by the real job
 * queue: created confirmed → confirmation; the time moved → change (old → new); the party size
 * changed → change; the lead time before departure reached (the test clock advanced, the sweep run)
 * → reminder, and a queue started again after it sends nothing twice; cancelled → cancellation.
 *
 * Each message the smtp-server peer receives is read with mailparser: From the tenant's name, Reply-To
 * the tenant's contact address, Message-ID on the installation's host, Date, `Auto-Submitted:
 * auto-generated`, multipart/alternative text + HTML beside the `.ics`; the `.ics` read with ical.js
 * (one UID throughout, SEQUENCE rising, STATUS:CANCELLED at the end, times equal to the booking's); the
 * HTML valid by html-validate; no price, captain fee, internal or crew note, crew name or contact in
 * any part. The mail log ends `sent` with the server's answer; the staff stream sees each mail queued
 * and sent.
 */
import { type ConfigData, HtmlValidate, StaticConfigLoader } from 'html-validate';
import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { type JobDeps, registerJobHandlers } from '../../src/jobs/register';
import { queueDueGuestReminders } from '../../src/services/guest-reminders';
import { updateTenant } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { eventually } from '../support/mailbox';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { openStream, type SseReader } from '../support/sse';

/** The installation's host (`BOSUN_PUBLIC_URL`'s), which Message-IDs name. */
const INSTALLATION_HOST = 'ops.bosun.test';
const GUEST = { name: 'Avery Guest', email: 'avery@example.com', phone: '+1 619 555 0100' };

/** What only staff (or crew) may see of the booking: none of it may reach the guest. */
const STAFF_ONLY = [
  '840.75',
  '840,75',
  '$50',
  '50.00',
  'USD',
  'Revenue: paid in full',
  'INTERNAL-7731',
  'Bring spare fenders',
  'CREW-4410',
  'Fuel dock at 9',
  'Casey Captain',
  'Dana Deckhand',
  'captain@alpha.test',
  'deck@alpha.test',
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
      // Mail clients drop `<style>` blocks: inline styles are the styling a mail keeps.
      'no-inline-style': 'off',
    },
  } satisfies ConfigData),
);

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let smtp: TestSmtpServer;
let mailer: SmtpMailer;
let jobDeps: JobDeps;
let stream: SseReader;
let bookingId: string;
let etag: string;
/** Each guest mail as it arrived, with the booking's times when it was sent. */
const life: { kind: string; mail: ReceivedMail; startsAt: string; endsAt: string }[] = [];

/** What the guest received so far (crew are mailed by the same server). */
const guestMail = () => smtp.received.filter((m) => m.envelope.to.includes(GUEST.email));

async function nextGuestMail(kind: string, times: { startsAt: string; endsAt: string }) {
  const count = life.length + 1;
  const mail = await eventually(async () => guestMail()[count - 1], `guest mail ${count} (${kind})`);
  expect(guestMail()).toHaveLength(count);
  expect(mail.parsed.headers.get('x-bosun-kind')).toBe(kind);
  life.push({ kind, mail, ...times });
  return mail;
}

async function patch(body: Record<string, unknown>, on: TestApp = app) {
  const res = await call(on, 'PATCH', `/api/v1/bookings/${bookingId}`, a.serviceKey, body, { 'if-match': etag });
  expect(res.status).toBe(200);
  etag = res.headers.get('etag') ?? '';
  return res.json;
}

/** The MIME tree of a raw message: each node's type and, for multiparts, its parts in order. */
type MimeNode = { type: string; parts: MimeNode[] };
function mimeTree(raw: string): MimeNode {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const contentType = /^content-type:\s*([^;\r\n]+)(.*)$/im.exec(head);
  const type = (contentType?.[1] ?? 'text/plain').trim().toLowerCase();
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(contentType?.[2] ?? '')?.[1];
  if (!type.startsWith('multipart/') || !boundary) return { type, parts: [] };
  const parts = body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((p) => mimeTree(p.replace(/^\r\n/, '')));
  return { type, parts };
}

/** The VEVENT of a mail's `.ics`. */
function eventOf(mail: ParsedMail) {
  const ics = mail.attachments.find((att) => att.filename === 'charter.ics');
  if (!ics) throw new Error('no charter.ics attached');
  const calendar = new ICAL.Component(ICAL.parse(ics.content.toString('utf8')));
  const event = calendar.getFirstSubcomponent('vevent');
  if (!event) throw new Error('no VEVENT in charter.ics');
  const time = (name: string) => (event.getFirstPropertyValue(name) as ICAL.Time).toJSDate().toISOString();
  return {
    method: calendar.getFirstPropertyValue('method'),
    uid: String(event.getFirstPropertyValue('uid')),
    sequence: Number(event.getFirstPropertyValue('sequence')),
    status: String(event.getFirstPropertyValue('status')),
    start: time('dtstart'),
    end: time('dtend'),
  };
}

beforeAll(async () => {
  t = await createTestDb({ liveFeed: true });
  t.deps.publicHost = INSTALLATION_HOST;
  app = makeApp(t, { publicUrl: `https://${INSTALLATION_HOST}` });
  a = await makeTenant(t.deps, 'alpha');
  await updateTenant(t.deps, a.ctx, {
    contactEmail: 'office@alpha.test',
    whatToBring: ['Sunscreen and a hat'],
    policies: ['Free cancellation up to 48 hours before departure.'],
  });
  smtp = await startSmtpServer();
  mailer = new SmtpMailer(smtp.url);
  jobDeps = { ...t.deps, mail: { mailer, publicUrl: `https://${INSTALLATION_HOST}`, fromAddress: 'charters@bosun.test' } };
  await registerJobHandlers(t.jobs, jobDeps);
  stream = await openStream(() => app.request('/api/v1/stream', { headers: { 'x-dashboard-token': a.dashboardToken } }));
});

afterAll(async () => {
  await stream?.close();
  await t.close();
  await mailer.close();
  await smtp.close();
});

describe("a booking's life, as its guest hears of it", () => {
  it('created confirmed: the confirmation', async () => {
    const created = await call(
      app,
      'POST',
      '/api/v1/bookings',
      a.serviceKey,
      bookingInput({
        guest: GUEST,
        startsAt: '2026-06-10T10:00:00-07:00',
        endsAt: '2026-06-10T13:00:00-07:00',
        pricing: { total: 840.75, currency: 'USD' },
        captainFeePerHour: 50,
        notes: { internal: 'Revenue: paid in full INTERNAL-7731', crew: 'Bring spare fenders CREW-4410', guest: 'Bring sunscreen' },
      }),
    );
    expect(created.status).toBe(201);
    bookingId = created.json.id;
    etag = created.headers.get('etag') ?? '';
    // Crew assigned, with a crew note: their names and contacts are the crew's and the office's.
    const event = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: bookingId,
      crew: [
        { email: a.captain.email, role: 'captain' },
        { email: a.deckhand.email, role: 'crew' },
      ],
      notes: 'Fuel dock at 9',
    });
    expect(event.status).toBe(201);

    const mail = await nextGuestMail('guest.confirmation', { startsAt: '2026-06-10T17:00:00.000Z', endsAt: '2026-06-10T20:00:00.000Z' });
    expect(mail.parsed.subject).toMatch(/^Your charter on .*June 10, 2026.* is confirmed$/);
    expect(mail.parsed.text).toContain('Bring sunscreen');
    expect(mail.parsed.text).toContain('Sunscreen and a hat');
    expect(mail.parsed.text).toMatch(/10:00\sAM\s–\s1:00\sPM PDT/);
  });

  it('the time moved: a change, old → new', async () => {
    await patch({ startsAt: '2026-06-10T11:00:00-07:00', endsAt: '2026-06-10T14:00:00-07:00' });
    const mail = await nextGuestMail('guest.change', { startsAt: '2026-06-10T18:00:00.000Z', endsAt: '2026-06-10T21:00:00.000Z' });
    expect(mail.parsed.subject).toMatch(/has changed$/);
    expect(mail.parsed.text).toContain('What changed:');
    expect(mail.parsed.text).toMatch(/- Departure: .*10:00\sAM.* → .*11:00\sAM/);
    expect(mail.parsed.text).toMatch(/- Return: .*1:00\sPM.* → .*2:00\sPM/);
    expect(mail.parsed.text).not.toMatch(/- Party size:/);
  });

  it('the party size changed: a change, old → new', async () => {
    await patch({ partySize: 8 });
    const mail = await nextGuestMail('guest.change', { startsAt: '2026-06-10T18:00:00.000Z', endsAt: '2026-06-10T21:00:00.000Z' });
    expect(mail.parsed.text).toContain('- Party size: 6 guests → 8 guests');
    expect(mail.parsed.text).not.toMatch(/- Departure:/);
  });

  it('the lead time before departure reached: the reminder, once, also after the queue starts again', async () => {
    // 24 hours by default: the sweep finds nothing an hour before the window opens, the charter inside it.
    t.clock.set(new Date(Date.parse('2026-06-10T18:00:00Z') - 25 * 3_600_000));
    expect(await queueDueGuestReminders(t.deps)).toEqual([]);
    t.clock.set(new Date(Date.parse('2026-06-10T18:00:00Z') - 23 * 3_600_000));
    expect((await queueDueGuestReminders(t.deps)).map((r) => r.bookingId)).toEqual([bookingId]);
    const mail = await nextGuestMail('guest.reminder', { startsAt: '2026-06-10T18:00:00.000Z', endsAt: '2026-06-10T21:00:00.000Z' });
    expect(mail.parsed.subject).toMatch(/^Reminder: your charter on .* at 11:00\sAM$/);

    // A new process: its queue starts over the same database; the scheduled sweep runs (as a job) again.
    await t.jobs.stop();
    const restarted = await PgBossJobQueue.start(t.handle);
    try {
      await registerJobHandlers(restarted, { ...jobDeps, jobs: restarted });
      const sweep = await t.deps.db.transaction().execute((tx) => restarted.enqueue(tx, 'guest.remind', { reason: 'test' }));
      await eventually(async () => {
        const { rows } = await t.handle.executeSql(
          `select count(*)::int as open from pgboss.job where (id = $1 or name = 'mail.send') and state not in ('completed', 'failed')`,
          [sweep],
        );
        return Number(rows[0]?.open) === 0 ? true : undefined;
      }, 'the sweep and every mail job to finish');
      expect((await t.handle.executeSql(`select state from pgboss.job where id = $1`, [sweep])).rows).toEqual([{ state: 'completed' }]);
      expect(guestMail()).toHaveLength(life.length);
      const reminders = await t.handle.executeSql(`select count(*)::int as n from outgoing_mail where kind = 'guest.reminder'`);
      expect(reminders.rows).toEqual([{ n: 1 }]);

      // The rest of the life runs on the new process.
      const app2 = makeApp({ ...t, deps: { ...t.deps, jobs: restarted } }, { publicUrl: `https://${INSTALLATION_HOST}` });
      const cancelled = await call(app2, 'POST', `/api/v1/bookings/${bookingId}/cancel`, a.serviceKey);
      expect(cancelled.status).toBe(200);
      const last = await nextGuestMail('guest.cancellation', { startsAt: '2026-06-10T18:00:00.000Z', endsAt: '2026-06-10T21:00:00.000Z' });
      expect(last.parsed.subject).toMatch(/is cancelled$/);
      expect(last.parsed.text).toMatch(/^CANCELLED\./);
      // The mail log: every guest mail sent, with the server's answer.
      await eventually(async () => {
        const { rows } = await t.handle.executeSql(`select count(*)::int as n from outgoing_mail where status <> 'sent'`);
        return Number(rows[0]?.n) === 0 ? true : undefined;
      }, 'every mail to be recorded as sent');
    } finally {
      await restarted.stop();
    }
  });

  it('every message is well-formed: From, Reply-To, Message-ID, Date, Auto-Submitted, text + HTML beside the .ics', async () => {
    expect(life.map((l) => l.kind)).toEqual(['guest.confirmation', 'guest.change', 'guest.change', 'guest.reminder', 'guest.cancellation']);
    const rows = await t.deps.db
      .selectFrom('outgoing_mail')
      .select(['id', 'kind', 'message_id', 'created_at', 'status', 'response', 'recipient', 'recipient_name', 'automatic', 'error'])
      .where('tenant_id', '=', a.tenant.id)
      .where('booking_id', '=', bookingId)
      .where('kind', 'like', 'guest.%')
      .execute();
    expect(rows).toHaveLength(5);
    for (const { kind, mail } of life) {
      const m = mail.parsed;
      const row = rows.find((r) => r.message_id === m.messageId);
      expect(row, `${kind}: its row, by Message-ID`).toBeDefined();
      expect(row?.kind).toBe(kind);
      expect(mail.envelope).toEqual({ from: 'charters@bosun.test', to: [GUEST.email] });
      expect(m.from?.value).toEqual([{ name: 'alpha Charters', address: 'charters@bosun.test' }]);
      expect(m.to && !Array.isArray(m.to) ? m.to.value : []).toEqual([{ name: GUEST.name, address: GUEST.email }]);
      expect(m.replyTo?.value).toEqual([{ name: '', address: 'office@alpha.test' }]);
      expect(m.messageId).toMatch(new RegExp(`^<[0-9a-f-]{36}@${INSTALLATION_HOST.replaceAll('.', '\\.')}>$`));
      expect(m.date?.toISOString()).toBe(new Date(Math.floor((row?.created_at.getTime() ?? 0) / 1000) * 1000).toISOString());
      expect(m.headers.get('auto-submitted')).toBe('auto-generated');
      expect(mimeTree(mail.raw.toString('utf8'))).toEqual({
        type: 'multipart/mixed',
        parts: [
          {
            type: 'multipart/alternative',
            parts: [
              { type: 'text/plain', parts: [] },
              { type: 'text/html', parts: [] },
            ],
          },
          { type: 'text/calendar', parts: [] },
        ],
      });
      expect(m.attachments.map((att) => [att.filename, att.contentType])).toEqual([['charter.ics', 'text/calendar']]);
      // No image, so no tracking pixel.
      expect(m.html).not.toMatch(/<img/i);
    }
  });

  it('each .ics: one UID, SEQUENCE rising with the booking, the times of the booking, CANCELLED at the end', () => {
    const events = life.map((l) => ({ ...eventOf(l.mail.parsed), kind: l.kind, startsAt: l.startsAt, endsAt: l.endsAt }));
    expect(new Set(events.map((e) => e.uid))).toEqual(new Set([`${bookingId}@alpha.localhost`]));
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 3, 4]);
    expect(events.map((e) => e.status)).toEqual(['CONFIRMED', 'CONFIRMED', 'CONFIRMED', 'CONFIRMED', 'CANCELLED']);
    for (const e of events) {
      expect([e.kind, e.start, e.end]).toEqual([e.kind, e.startsAt, e.endsAt]);
      expect(e.method).toBe('PUBLISH');
    }
  });

  it('each HTML part is valid', async () => {
    for (const { kind, mail } of life) {
      const report = await validator.validateString(mail.parsed.html || '');
      const problems = report.results.flatMap((r) => r.messages).map((msg) => `${msg.ruleId}: ${msg.message}`);
      expect(problems, kind).toEqual([]);
    }
  });

  it('no part carries money, the captain fee, internal or crew notes, crew names or contacts', () => {
    for (const { kind, mail } of life) {
      const m = mail.parsed;
      const raw = mail.raw.toString('utf8');
      // The head as sent, and every part decoded (a base64 body could hold any three letters by chance).
      const parts = [
        raw.slice(0, raw.indexOf('\r\n\r\n')),
        m.subject ?? '',
        m.text ?? '',
        m.html || '',
        ...m.attachments.map((att) => att.content.toString('utf8')),
        ...[...m.headers.values()].map((v) => JSON.stringify(v)),
      ];
      for (const secret of STAFF_ONLY) {
        for (const part of parts) expect(part, `${kind} carries "${secret}"`).not.toContain(secret);
      }
    }
  });

  it('the mail log ends sent, with the server’s answer', async () => {
    const rows = await t.deps.db
      .selectFrom('outgoing_mail')
      .select(['kind', 'status', 'response', 'error', 'recipient', 'recipient_name', 'automatic', 'sent_at'])
      .where('tenant_id', '=', a.tenant.id)
      .where('booking_id', '=', bookingId)
      .where('kind', 'like', 'guest.%')
      .execute();
    expect(rows.map((r) => r.kind).sort()).toEqual([
      'guest.cancellation',
      'guest.change',
      'guest.change',
      'guest.confirmation',
      'guest.reminder',
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({ status: 'sent', error: null, recipient: GUEST.email, recipient_name: GUEST.name, automatic: true });
      expect(r.response).toMatch(/^250 /);
      expect(r.sent_at).toBeInstanceOf(Date);
    }
  });

  it('the staff stream saw each guest mail queued and sent', async () => {
    const { rows } = await t.handle.executeSql(
      `select count(*) filter (where kind like 'guest.%')::int as guest, count(*)::int as sent
         from outgoing_mail where booking_id = $1 and status = 'sent'`,
      [bookingId],
    );
    const expected = { queued: Number(rows[0]?.guest), sent: Number(rows[0]?.sent) };
    // Five guest mails queued (crew mail is sent by its own jobs, not queued); every mail of the booking sent.
    expect(expected.queued).toBe(5);
    expect(expected.sent).toBeGreaterThan(5);
    const actions = () => stream.received.filter((e) => e.event === 'change' && e.json.bookingId === bookingId).map((e) => e.json.action);
    const count = (action: string) => actions().filter((x) => x === action).length;
    while (count('mail.queued') < expected.queued || count('mail.sent') < expected.sent) await stream.next('change');
    expect({ queued: count('mail.queued'), sent: count('mail.sent'), failed: count('mail.failed') }).toEqual({ ...expected, failed: 0 });
  });
});
