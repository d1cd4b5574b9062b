/**
 * More than one job of a queue at a time: a queue worked with a concurrency of n runs n jobs at once
 * (woken after the commit, not by polling), each with its own outcome and retries; the queue's
 * `maxConcurrency` caps it; stopping waits for every running handler. Mail jobs that mean the same
 * message, run side by side, send it once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { type JobDeps, registerJobHandlers } from '../../src/jobs/register';
import type { JobPayloads } from '../../src/ports/job-queue';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { createBooking } from '../../src/services/bookings';
import { upsertEvent } from '../../src/services/events';
import { listOutgoingMail } from '../../src/services/mail';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { waitFor } from '../support/processes';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

let t: TestDb;
const started: PgBossJobQueue[] = [];

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  for (const q of started.splice(0)) await q.stop();
  await t.close();
});

const NAME = 'crew.login-link' as const;
const payload = (reason: string): JobPayloads[typeof NAME] => ({
  tenantId: '00000000-0000-4000-8000-000000000000',
  crewMemberId: '00000000-0000-4000-8000-000000000001',
  reason,
});

/** Enqueues one job per reason, all in one transaction (as a request that causes several would). */
async function enqueue(queue: PgBossJobQueue, ...reasons: string[]): Promise<string[]> {
  return t.deps.db.transaction().execute(async (tx) => {
    const ids: string[] = [];
    for (const r of reasons) ids.push((await queue.enqueue(tx, NAME, payload(r))) ?? '');
    return ids;
  });
}

const stateOf = async (id: string) =>
  String((await t.handle.executeSql('select state from pgboss.job where id = $1', [id])).rows[0]?.state);

/** A handler that holds every job until `release()`, counting how many it holds at once. */
function gate() {
  let open = false;
  const waiting: (() => void)[] = [];
  const state = { running: 0, peak: 0, ran: [] as string[] };
  return {
    state,
    release() {
      open = true;
      for (const w of waiting.splice(0)) w();
    },
    handler: async (p: JobPayloads[typeof NAME]) => {
      state.running++;
      state.peak = Math.max(state.peak, state.running);
      try {
        if (!open) await new Promise<void>((resolve) => waiting.push(resolve));
        if (p.reason.startsWith('fail-once') && !state.ran.includes(p.reason)) {
          state.ran.push(p.reason);
          throw new Error(`${p.reason} failed`);
        }
        state.ran.push(p.reason);
      } finally {
        state.running--;
      }
    },
  };
}

/** A queue that wakes its workers after each commit and otherwise polls only once a minute. */
async function startQueue(options: Parameters<typeof PgBossJobQueue.start>[1] = {}) {
  const queue = await PgBossJobQueue.start(t.handle, { pollingIntervalSeconds: 60, retryDelaySeconds: 1, ...options });
  started.push(queue);
  return queue;
}

describe('jobs of one queue at a time', () => {
  it('runs as many at once as the queue is worked with, woken by their commit', async () => {
    const queue = await startQueue();
    const g = gate();
    await queue.work(NAME, g.handler, { concurrency: 3 });
    const ids = await enqueue(queue, 'a', 'b', 'c', 'd', 'e');
    // Polling once a minute, only the wake after the commit (and each worker waking the next) explains this.
    await waitFor('three jobs running at once', () => (g.state.running === 3 ? true : undefined), 20_000);
    g.release();
    await waitFor('every job to complete', async () =>
      (await Promise.all(ids.map(stateOf))).every((s) => s === 'completed') ? true : undefined,
    );
    expect(g.state.peak).toBe(3);
    expect(g.state.ran.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it("keeps each job's outcome its own: one that fails is retried, the others complete once", async () => {
    // The retry is due a second later: polling finds it.
    const queue = await startQueue({ pollingIntervalSeconds: 0.5 });
    const g = gate();
    g.release();
    await queue.work(NAME, g.handler, { concurrency: 3 });
    const [fails, ok1, ok2] = await enqueue(queue, 'fail-once', 'ok-1', 'ok-2');
    await waitFor('every job to complete', async () =>
      (await Promise.all([fails, ok1, ok2].map((id) => stateOf(id ?? '')))).every((s) => s === 'completed') ? true : undefined,
    );
    expect(g.state.ran.sort()).toEqual(['fail-once', 'fail-once', 'ok-1', 'ok-2']);
    const { rows } = await t.handle.executeSql('select id, retry_count from pgboss.job where id = any($1::uuid[]) order by id', [
      [fails, ok1, ok2],
    ]);
    const retries = new Map(rows.map((r) => [String(r.id), Number(r.retry_count)]));
    expect([retries.get(fails ?? ''), retries.get(ok1 ?? ''), retries.get(ok2 ?? '')]).toEqual([1, 0, 0]);
  });

  it("runs one at a time under the queue's maxConcurrency of 1", async () => {
    const queue = await startQueue({ maxConcurrency: 1, pollingIntervalSeconds: 0.5 });
    const g = gate();
    g.release();
    const slow = async (p: JobPayloads[typeof NAME]) => {
      await g.handler(p);
      await new Promise((r) => setTimeout(r, 20));
    };
    await queue.work(NAME, slow, { concurrency: 4 });
    const ids = await enqueue(queue, '1', '2', '3', '4', '5', '6');
    await waitFor('every job to complete', async () =>
      (await Promise.all(ids.map(stateOf))).every((s) => s === 'completed') ? true : undefined,
    );
    expect(g.state.peak).toBe(1);
  });

  it('never runs a job whose transaction rolled back', async () => {
    const queue = await startQueue({ pollingIntervalSeconds: 0.5 });
    const g = gate();
    g.release();
    await queue.work(NAME, g.handler, { concurrency: 3 });
    await t.deps.db
      .transaction()
      .execute(async (tx) => {
        await queue.enqueue(tx, NAME, payload('rolled back'));
        throw new Error('roll back');
      })
      .catch(() => {});
    const [after] = await enqueue(queue, 'committed');
    await waitFor('the committed job to complete', async () => ((await stateOf(after ?? '')) === 'completed' ? true : undefined));
    expect(g.state.ran).toEqual(['committed']);
  });

  it('stops only after every running handler has finished, and each job is recorded complete', async () => {
    const queue = await PgBossJobQueue.start(t.handle, { pollingIntervalSeconds: 60 });
    const g = gate();
    await queue.work(NAME, g.handler, { concurrency: 2 });
    const ids = await enqueue(queue, 'x', 'y');
    await waitFor('both jobs running', () => (g.state.running === 2 ? true : undefined), 20_000);
    const stopped = queue.stop();
    g.release();
    await stopped;
    expect(g.state.ran.sort()).toEqual(['x', 'y']);
    expect(await Promise.all(ids.map(stateOf))).toEqual(['completed', 'completed']);
  });
});

describe('mail jobs side by side', () => {
  let smtp: TestSmtpServer;
  let mailer: SmtpMailer;
  beforeEach(async () => {
    smtp = await startSmtpServer();
    mailer = new SmtpMailer(smtp.url);
  });
  afterEach(async () => {
    await mailer.close();
    await smtp.close();
  });

  it('send a message that several jobs mean once', async () => {
    const a = await makeTenant(t.deps, 'alpha');
    const { booking } = await createBooking(t.deps, a.ctx, createBookingSchema.parse(bookingInput()));
    await upsertEvent(t.deps, a.ctx, { booking_id: booking.id, crew: [{ email: a.captain.email, role: 'captain' }] });
    // Two more notices of the same booking version, as two quick edits that change nothing the crew sees would queue.
    await t.deps.db.transaction().execute(async (tx) => {
      for (const reason of ['again', 'and again'])
        await t.jobs.enqueue(tx, 'crew.notify', { tenantId: a.tenant.id, bookingId: booking.id, reason });
    });
    const queue = await startQueue({ pollingIntervalSeconds: 0.5 });
    const deps: JobDeps = { ...t.deps, jobs: queue, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'crew@alpha.test' } };
    await registerJobHandlers(queue, deps);
    await waitFor('the three notify jobs to complete', async () =>
      (await queue.countByState('crew.notify')).completed === 3 ? true : undefined,
    );
    // The guest's own confirmation goes beside it; the crew's notice arrived once.
    const crewMail = smtp.received.filter((m) => String(m.parsed.headers.get('x-bosun-kind')).startsWith('crew.'));
    expect(crewMail.map((m) => m.envelope.to)).toEqual([[a.captain.email]]);
    const mails = (await listOutgoingMail(t.deps, a.ctx, { bookingId: booking.id })).filter((m) => m.kind.startsWith('crew.'));
    expect(mails.map((m) => [m.kind, m.status, m.attempts])).toEqual([['crew.assigned', 'sent', 1]]);
  });
});
