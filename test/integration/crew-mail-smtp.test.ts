/**
 * Crew mail over a real SMTP conversation (smtp-server on 127.0.0.1), worked by the real job queue:
 * a refused send is recorded with its error, retried with back-off and then delivered once; booking
 * changes and cancellation reach the crew who were told, and not those who declined.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { type JobDeps, registerJobHandlers } from '../../src/jobs/register';
import { answerAssignment, crewContext } from '../../src/services/crew';
import { listOutgoingMail } from '../../src/services/mail';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { eventually, signInLinkIn } from '../support/mailbox';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let smtp: TestSmtpServer;
let mailer: SmtpMailer;

beforeAll(async () => {
  t = await createTestDb();
  t.clock.set(new Date('2026-05-01T12:00:00Z'));
  app = makeApp(t);
  a = await makeTenant(t.deps, 'gamma');
  smtp = await startSmtpServer();
  mailer = new SmtpMailer(smtp.url);
  const deps: JobDeps = { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'crew@gamma.test' } };
  await registerJobHandlers(t.jobs, deps);
});

afterAll(async () => {
  await t.close();
  await mailer.close();
  await smtp.close();
});

async function createBookingWithCrew(crew: { email: string; role: 'captain' | 'crew' }[], overrides: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(overrides));
  expect(res.status).toBe(201);
  const id = res.json.id as string;
  expect((await call(app, 'POST', '/api/v1/events', a.serviceKey, { booking_id: id, crew })).status).toBe(201);
  return id;
}

/** What crew received: a booking's guest mail goes to the same server. */
const crewReceived = () => smtp.received.filter((m) => String(m.parsed.headers.get('x-bosun-kind') ?? '').startsWith('crew.'));
const waitForCrew = (count: number, timeoutMs = 20_000) =>
  eventually(async () => (crewReceived().length >= count ? crewReceived().slice(0, count) : undefined), `${count} crew mails`, timeoutMs);
const crewMail = async (bookingId: string) =>
  (await listOutgoingMail(t.deps, a.ctx, { bookingId })).filter((m) => m.kind.startsWith('crew.'));

describe('crew mail over SMTP', () => {
  it('a refused send is visible with its error, retried, and then delivered once with a working link', async () => {
    smtp.reject = 'Mailbox busy, try again later';
    const id = await createBookingWithCrew([{ email: a.captain.email, role: 'captain' }]);

    const failed = await eventually(async () => {
      const [mail] = await crewMail(id);
      return mail?.status === 'failed' ? mail : undefined;
    }, 'the failed send to be recorded');
    expect(failed).toMatchObject({ recipient: a.captain.email, kind: 'crew.assigned', status: 'failed' });
    expect(failed.error).toContain('Mailbox busy, try again later');
    expect(crewReceived()).toHaveLength(0);

    smtp.reject = null;
    const [arrived] = await waitForCrew(1, 30_000);
    const sent = await eventually(async () => {
      const [mail] = await crewMail(id);
      return mail?.status === 'sent' ? mail : undefined;
    }, 'the retried send to be recorded as sent');
    expect(sent.attempts).toBeGreaterThanOrEqual(2);
    expect(sent.error).toBeNull();
    expect(sent.messageId).toBe(arrived?.parsed.messageId);
    expect(arrived?.envelope).toEqual({ from: 'crew@gamma.test', to: [a.captain.email] });
    expect(arrived?.parsed.from?.value[0]).toEqual({ name: 'gamma Charters', address: 'crew@gamma.test' });
    expect(arrived?.parsed.html).toBeTruthy();

    // The link in the delivered mail signs in; the one the refused attempt carried was withdrawn.
    const link = new URL(signInLinkIn(arrived?.parsed as NonNullable<typeof arrived>['parsed']));
    const res = await app.request(link.pathname, {
      method: 'POST',
      headers: { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(303);
    const links = await t.handle.db
      .selectFrom('crew_magic_links')
      .select(['revoked_at'])
      .where('tenant_id', '=', a.tenant.id)
      .where('crew_member_id', '=', a.captain.id)
      .execute();
    expect(links.map((l) => l.revoked_at === null).sort()).toEqual([false, true]);
    expect(crewReceived()).toHaveLength(1);
  });

  it('a change of time mails the crew again; a cancellation reaches those told, not those who declined', async () => {
    const start = crewReceived().length;
    const id = await createBookingWithCrew(
      [
        { email: a.captain.email, role: 'captain' },
        { email: a.deckhand.email, role: 'crew' },
      ],
      { startsAt: '2026-06-20T09:00:00-07:00', endsAt: '2026-06-20T12:00:00-07:00' },
    );
    await waitForCrew(start + 2);

    const got = await call(app, 'GET', `/api/v1/bookings/${id}`, a.serviceKey);
    const patched = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${id}`,
      a.serviceKey,
      { startsAt: '2026-06-20T10:00:00-07:00', endsAt: '2026-06-20T13:00:00-07:00' },
      { 'if-match': got.headers.get('etag') ?? '' },
    );
    expect(patched.status).toBe(200);
    const changed = (await waitForCrew(start + 4)).slice(start + 2);
    expect(changed.map((m) => m.envelope.to[0]).sort()).toEqual([a.captain.email, a.deckhand.email].sort());
    for (const m of changed) {
      expect(m.parsed.subject).toMatch(/^Changed: Jada, Sat, Jun 20, 10:00\sAM/);
      expect(m.parsed.text).toMatch(/10:00\sAM\s–\s1:00\sPM PDT/);
    }

    await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), id, { answer: 'decline' });
    expect((await call(app, 'POST', `/api/v1/bookings/${id}/cancel`, a.serviceKey)).status).toBe(200);
    const [cancelled] = (await waitForCrew(start + 5)).slice(start + 4);
    expect(cancelled?.envelope.to).toEqual([a.captain.email]);
    expect(cancelled?.parsed.subject).toMatch(/^Cancelled: Jada/);
    // The server has the message a moment before the row says so: wait until nothing is pending.
    // The guest was told too, beside the crew: confirmation, change, cancellation.
    const mails = await eventually(async () => {
      const all = await listOutgoingMail(t.deps, a.ctx, { bookingId: id });
      return all.length === 8 && all.every((m) => m.status === 'sent') ? all : undefined;
    }, 'every mail to be recorded as sent');
    const kinds = mails.map((m) => `${m.kind} ${m.recipient} ${m.status}`);
    expect(kinds.sort()).toEqual(
      [
        `crew.assigned ${a.captain.email} sent`,
        `crew.assigned ${a.deckhand.email} sent`,
        `crew.changed ${a.captain.email} sent`,
        `crew.changed ${a.deckhand.email} sent`,
        `crew.cancelled ${a.captain.email} sent`,
        'guest.confirmation avery@example.com sent',
        'guest.change avery@example.com sent',
        'guest.cancellation avery@example.com sent',
      ].sort(),
    );
  });
});
