/**
 * A message to many guests and a stopping process: once the job queue begins to stop, the batch begins
 * no further message, finishes and records those under way, and its job waits to run again — so
 * nothing is sent after the process let go of its database, and nothing twice after the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleSendMail } from '../../src/jobs/send-mail';
import type { MailMessage, SentMail } from '../../src/ports/mailer';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { createBooking } from '../../src/services/bookings';
import { type MailDeps, queueMail } from '../../src/services/mail';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { eventually } from '../support/mailbox';

const RECIPIENTS = 40;
let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
});
afterAll(() => t.close());

describe('a message to many when the process stops', () => {
  it('begins nothing after stop, records what was under way, and leaves the rest queued for the next run', async () => {
    const bookingId = (await createBooking(t.deps, a.ctx, createBookingSchema.parse(bookingInput()))).booking.id;
    // Only the batch is this test's: the booking's own confirmation is not sent here.
    await t.handle.executeSql(`delete from pgboss.job where name = 'mail.send'`);
    const batchId = crypto.randomUUID();
    await t.handle.db.transaction().execute(async (tx) => {
      for (let i = 0; i < RECIPIENTS; i++) {
        await queueMail(t.deps, tx, a.ctx, {
          kind: 'guest.message',
          dedupeKey: `stop-test:${batchId}:${i}`,
          to: { name: `Guest ${i}`, address: `guest${i}@example.com` },
          bookingId,
          content: { subject: 'Weather', body: 'Bring a layer.' },
          automatic: false,
          batchId,
        });
      }
      await t.jobs.enqueue(tx, 'mail.send', { tenantId: a.tenant.id, batchId, reason: 'test' });
    });

    let started = 0;
    let startedAfterStop = 0;
    let stopped = false;
    const sent: string[] = [];
    const slowMailer = {
      async send(m: MailMessage): Promise<SentMail> {
        started++;
        if (stopped) startedAfterStop++;
        await new Promise((r) => setTimeout(r, 60));
        sent.push(m.messageId);
        return { messageId: m.messageId, accepted: [m.to.address], response: '250 OK' };
      },
      async close() {},
    };
    const deps: MailDeps = { ...t.deps, mail: { mailer: slowMailer, publicUrl: 'http://localhost:8080', fromAddress: 'm@alpha.test' } };
    let handlerEnded = false;
    await t.jobs.work('mail.send', async (payload, job) => {
      try {
        await handleSendMail(deps, payload, job.signal);
      } finally {
        handlerEnded = true;
      }
    });

    await eventually(async () => (sent.length >= 8 ? true : undefined), 'a few messages to go out');
    await t.jobs.stop();
    stopped = true;
    expect(handlerEnded).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(startedAfterStop).toBe(0);

    const rows = await t.handle.db.selectFrom('outgoing_mail').select(['status', 'message_id']).where('batch_id', '=', batchId).execute();
    const byStatus = (s: string) => rows.filter((r) => r.status === s).map((r) => r.message_id);
    // Every message begun was recorded sent (by its Message-ID); the rest wait, queued.
    expect(byStatus('sent').sort()).toEqual([...sent].sort());
    expect(started).toBe(sent.length);
    expect(byStatus('sent').length + byStatus('queued').length).toBe(RECIPIENTS);
    expect(byStatus('queued').length).toBeGreaterThan(0);
    const { rows: jobs } = await t.handle.executeSql(
      `select state, output from pgboss.job where name = 'mail.send' and data->>'batchId' = $1`,
      [batchId],
    );
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.state).toBe('retry');
    expect(JSON.stringify(jobs[0]?.output)).toMatch(/stopping/);
  });
});
