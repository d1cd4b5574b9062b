/**
 * No mail header is built from a value that could carry CR/LF. Tenant, vessel and crew names and the
 * tenant's contact address are written straight into the database with CR/LF and `Bcc:` lines, emoji
 * and right-to-left text (as rows stored before input validation would be); every kind of mail is then sent through a real SMTP
 * peer and into the mail folder, and read back as a mail client reads it: no header added, none
 * split, the subject and names on one line, and no recipient but the intended one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import type { Mailer } from '../../src/ports/mailer';
import { answerAssignment, crewContext } from '../../src/services/crew';
import { notifyCrewOfBooking, sendCrewLoginLink } from '../../src/services/crew-notices';
import { sendDueCrewReminders } from '../../src/services/crew-reminders';
import { listOutgoingMail, MailDeliveryError, type MailDeps } from '../../src/services/mail';
import { alertOfficeOfDecline } from '../../src/services/office-alerts';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { readMailbox } from '../support/mailbox';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

const VICTIM = 'victim@evil.test';
const HOSTILE = {
  tenantName: `Mu Charters 🚤 שרה כהן\r\nBcc: ${VICTIM}\r\nX-Injected: tenant`,
  vesselName: `Jada\r\nSubject: Free money\r\nBcc: ${VICTIM}`,
  captainName: `Casey\r\nBcc: ${VICTIM}\nX-Injected: crew\u0007 Captain`,
  deckhandName: `Dana\u2028Cc: ${VICTIM}\tDeckhand\u0085`,
  contactEmail: `office@mu.test\r\nBcc: ${VICTIM}`,
};
/** A value as it may appear in a header: one line, control characters as single spaces. */
const oneLine = (v: string) =>
  v
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters a header may not carry
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Every header a Bosun mail may carry; anything else would have come from a value. */
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

let t: TestDb;
let app: TestApp;
let smtp: TestSmtpServer;
let smtpMailer: SmtpMailer;
let mailDir: string;
let deps: MailDeps;
let mu: Awaited<ReturnType<typeof makeTenant>>;
let nu: Awaited<ReturnType<typeof makeTenant>>;

/** Both real mailers at once: every message goes to the SMTP peer and into the mail folder. */
function bothMailers(folder: FileMailer, server: SmtpMailer): Mailer {
  return {
    send: async (message) => {
      await folder.send(message);
      return server.send(message);
    },
    close: async () => {
      await folder.close();
      await server.close();
    },
  };
}

async function bookingWithCrew(tenant: typeof mu, crew: { email: string; role: 'captain' | 'crew' }[]) {
  const res = await call(app, 'POST', '/api/v1/bookings', tenant.serviceKey, bookingInput());
  expect(res.status).toBe(201);
  const id = res.json.id as string;
  expect((await call(app, 'POST', '/api/v1/events', tenant.serviceKey, { booking_id: id, crew })).status).toBe(201);
  return id;
}

function expectCleanHeaders(mail: ParsedMail, raw: string) {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  for (const key of mail.headers.keys()) expect(ALLOWED_HEADERS.has(key), `header ${key}`).toBe(true);
  expect(mail.headers.has('bcc')).toBe(false);
  expect(mail.headers.has('cc')).toBe(false);
  expect(mail.headers.has('x-injected')).toBe(false);
  // One Subject, one From, one To: nothing split a header into two.
  for (const name of ['Subject', 'From', 'To']) expect(head.match(new RegExp(`^${name}:`, 'gim')), name).toHaveLength(1);
  expect(mail.subject ?? '').not.toMatch(/[\r\n]/);
  // The names stay text inside the headers they belong to: no line of the head starts with them.
  expect(head.split('\r\n').filter((line) => /^(Bcc|Cc|X-Injected|Subject: Free)/i.test(line))).toEqual([]);
}

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  mu = await makeTenant(t.deps, 'mu');
  nu = await makeTenant(t.deps, 'nu');
  smtp = await startSmtpServer();
  smtpMailer = new SmtpMailer(smtp.url);
  mailDir = mkdtempSync(join(tmpdir(), 'bosun-mail-headers-'));
  deps = {
    ...t.deps,
    mail: { mailer: bothMailers(new FileMailer(mailDir), smtpMailer), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@bosun.test' },
  };

  const db = t.deps.db;
  for (const tenant of [mu, nu]) {
    await db.updateTable('tenants').set({ name: HOSTILE.tenantName }).where('id', '=', tenant.tenant.id).execute();
    await db.updateTable('vessels').set({ name: HOSTILE.vesselName }).where('tenant_id', '=', tenant.tenant.id).execute();
    await db.updateTable('crew_members').set({ name: HOSTILE.captainName }).where('id', '=', tenant.captain.id).execute();
    await db.updateTable('crew_members').set({ name: HOSTILE.deckhandName }).where('id', '=', tenant.deckhand.id).execute();
  }
  // mu's office has a valid contact address; nu's stored one carries a Bcc line.
  await db
    .updateTable('tenants')
    .set({ settings: JSON.stringify({ contactEmail: 'office@mu.test' }) })
    .where('id', '=', mu.tenant.id)
    .execute();
  await db
    .updateTable('tenants')
    .set({ settings: JSON.stringify({ contactEmail: HOSTILE.contactEmail }) })
    .where('id', '=', nu.tenant.id)
    .execute();
});

afterAll(async () => {
  await t.close();
  await smtpMailer.close();
  await smtp.close();
  rmSync(mailDir, { recursive: true, force: true });
});

describe('mail headers from hostile names', () => {
  it('crew notices, sign-in links, reminders and decline alerts add no header and reach only their recipient', async () => {
    const id = await bookingWithCrew(mu, [
      { email: mu.captain.email, role: 'captain' },
      { email: mu.deckhand.email, role: 'crew' },
    ]);
    await notifyCrewOfBooking(deps, mu.tenant.id, id);
    await sendCrewLoginLink(deps, mu.tenant.id, mu.captain.id, 'request-1');
    await answerAssignment(t.deps, crewContext(mu.tenant.id, mu.deckhand.id), id, { answer: 'decline', reason: 'Away\r\nBcc: x' });
    await alertOfficeOfDecline(deps, { tenantId: mu.tenant.id, bookingId: id, crewMemberId: mu.deckhand.id, requestId: 'decline-1' });
    t.clock.set(new Date(Date.parse((await call(app, 'GET', `/api/v1/bookings/${id}`, mu.serviceKey)).json.startsAt) - 3_600_000));
    try {
      await sendDueCrewReminders(deps);
    } finally {
      t.clock.set(TEST_NOW);
    }

    // notice to captain and deckhand, the captain's sign-in link, the office alert, the captain's reminder
    const received = await smtp.waitFor(5);
    expect(smtp.received).toHaveLength(5);
    const folder = await readMailbox(mailDir);
    expect(folder).toHaveLength(5);

    const kinds = received.map((m) => m.parsed.headers.get('x-bosun-kind')).sort();
    expect(kinds).toEqual(['crew.assigned', 'crew.assigned', 'crew.login-link', 'crew.reminder', 'office.crew-declined']);
    const tenantName = oneLine(HOSTILE.tenantName);
    const vessel = oneLine(HOSTILE.vesselName);
    for (const m of received) {
      expectCleanHeaders(m.parsed, m.raw.toString('utf8'));
      expect(m.envelope.to).toHaveLength(1);
      expect(m.envelope.to).not.toContain(VICTIM);
      expect(m.parsed.from?.value).toEqual([{ address: 'bosun@bosun.test', name: tenantName }]);
      expect(m.parsed.replyTo?.value).toEqual([{ address: 'office@mu.test', name: '' }]);
      const to = m.parsed.to && !Array.isArray(m.parsed.to) ? m.parsed.to.value : [];
      expect(to).toHaveLength(1);
      const kind = m.parsed.headers.get('x-bosun-kind');
      if (kind === 'office.crew-declined') {
        expect(to[0]).toEqual({ address: 'office@mu.test', name: tenantName });
        expect(m.parsed.subject).toBe(`Crew declined: ${oneLine(HOSTILE.deckhandName)} (crew), ${vessel}, ${id}`);
      } else {
        const captain = to[0]?.address === mu.captain.email;
        expect(to[0]).toEqual(
          captain
            ? { address: mu.captain.email, name: oneLine(HOSTILE.captainName) }
            : { address: mu.deckhand.email, name: oneLine(HOSTILE.deckhandName) },
        );
        if (kind === 'crew.login-link') expect(m.parsed.subject).toBe(`Your sign-in link for ${tenantName}`);
        else
          expect(m.parsed.subject).toMatch(
            new RegExp(`^(New charter|Reminder): ${vessel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, .+ \\((captain|crew)\\)$`),
          );
      }
    }
    for (const m of folder) expectCleanHeaders(m.mail, m.raw);
    expect(folder.map((m) => m.mail.subject).sort()).toEqual(received.map((m) => m.parsed.subject).sort());

    // The subject recorded for each mail is the one that was sent (the booking's guest mail is queued, not sent here).
    const recorded = (await listOutgoingMail(t.deps, mu.ctx)).filter((r) => !r.kind.startsWith('guest.'));
    expect(recorded.map((r) => r.subject).sort()).toEqual(received.map((m) => m.parsed.subject).sort());
  });

  it('leaves out a stored contact address that is not one plain address, and never mails its Bcc', async () => {
    const id = await bookingWithCrew(nu, [{ email: nu.captain.email, role: 'captain' }]);
    const before = smtp.received.length;
    await notifyCrewOfBooking(deps, nu.tenant.id, id);
    const [notice] = (await smtp.waitFor(before + 1)).slice(before);
    if (!notice) throw new Error('no notice');
    expectCleanHeaders(notice.parsed, notice.raw.toString('utf8'));
    expect(notice.envelope.to).toEqual([nu.captain.email]);
    expect(notice.parsed.replyTo).toBeUndefined();

    // The office alert goes to the contact address itself: a server refuses it as one bad address.
    await answerAssignment(t.deps, crewContext(nu.tenant.id, nu.captain.id), id, { answer: 'decline' });
    await expect(
      alertOfficeOfDecline(deps, { tenantId: nu.tenant.id, bookingId: id, crewMemberId: nu.captain.id, requestId: 'decline-2' }),
    ).rejects.toBeInstanceOf(MailDeliveryError);
    expect(smtp.received.slice(before + 1)).toEqual([]);
    expect(smtp.received.flatMap((m) => m.envelope.to)).not.toContain(VICTIM);
  });
});
