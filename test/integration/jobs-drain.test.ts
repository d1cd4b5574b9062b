/**
 * Draining the queue, as the worker Lambda does at each invocation (ADR 0026): with no polling
 * worker, `drain` runs every ready job of the registered queues and returns what it did; a failed
 * attempt is retried per its queue's policy; the deadline stops it taking jobs and leaves the rest
 * queued; a job enqueued by a request is done by the next drain; scheduled sweeps are enqueued once
 * per cron time however many processes look.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { type JobQueueOptions, PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import { registerJobHandlers } from '../../src/jobs/register';
import type { JobName, JobPayloads } from '../../src/ports/job-queue';
import { call, makeApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { waitFor } from '../support/processes';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
const started: PgBossJobQueue[] = [];
const undo: (() => void)[] = [];

beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  for (const q of started.splice(0)) await q.stop();
  for (const u of undo.splice(0)) u();
  await t.close();
});

/** A queue that only drains (no polling worker), as the worker Lambda opens it. */
async function drainingQueue(options: JobQueueOptions = {}): Promise<PgBossJobQueue> {
  const q = await PgBossJobQueue.start(t.handle, { poll: false, ...options });
  started.push(q);
  return q;
}

const TENANT = '00000000-0000-4000-8000-000000000000';
const link = (reason: string): JobPayloads['crew.login-link'] => ({
  tenantId: TENANT,
  crewMemberId: '00000000-0000-4000-8000-000000000001',
  reason,
});
const alert = (reason: string): JobPayloads['office.crew-declined'] => ({
  tenantId: TENANT,
  bookingId: 'B1',
  crewMemberId: '00000000-0000-4000-8000-000000000001',
  reason,
});

/** Enqueues through `t.jobs` (the enqueuing side of another process) in one committed transaction. */
async function enqueue<N extends JobName>(name: N, ...payloads: JobPayloads[N][]): Promise<string[]> {
  return t.deps.db.transaction().execute(async (tx) => {
    const ids: string[] = [];
    for (const p of payloads) ids.push((await t.jobs.enqueue(tx, name, p)) ?? '');
    return ids;
  });
}

const stateOf = async (id: string) =>
  String((await t.handle.executeSql('select state from pgboss.job where id = $1', [id])).rows[0]?.state);
const statesOf = (ids: string[]) => Promise.all(ids.map(stateOf));
const inAMinute = () => Date.now() + 60_000;

describe('drain', () => {
  it('runs every ready job of every registered queue and says so', async () => {
    const q = await drainingQueue();
    const seen: string[] = [];
    await q.work('crew.login-link', async (p) => void seen.push(`link ${p.reason}`), { concurrency: 3 });
    await q.work('office.crew-declined', async (p) => void seen.push(`alert ${p.reason}`));
    const links = await enqueue('crew.login-link', link('a'), link('b'), link('c'), link('d'));
    const alerts = await enqueue('office.crew-declined', alert('x'), alert('y'));

    const result = await q.drain({ deadline: inAMinute() });

    expect(result).toEqual({
      completed: 6,
      failed: 0,
      byName: { 'crew.login-link': { completed: 4, failed: 0 }, 'office.crew-declined': { completed: 2, failed: 0 } },
      stoppedBy: 'empty',
    });
    expect(seen.sort()).toEqual(['alert x', 'alert y', 'link a', 'link b', 'link c', 'link d']);
    expect(await statesOf([...links, ...alerts])).toEqual(Array(6).fill('completed'));
    // Nothing is left: the next drain finds nothing.
    expect(await q.drain({ deadline: inAMinute() })).toMatchObject({ completed: 0, failed: 0, stoppedBy: 'empty' });
  });

  it('also runs the jobs its jobs enqueue, of another queue', async () => {
    const q = await drainingQueue();
    const seen: string[] = [];
    await q.work('office.crew-declined', async (p) => void seen.push(`alert ${p.reason}`));
    await q.work('crew.login-link', async (p) => {
      seen.push(`link ${p.reason}`);
      await t.deps.db.transaction().execute((tx) => q.enqueue(tx, 'office.crew-declined', alert(`after ${p.reason}`)));
    });
    await enqueue('crew.login-link', link('a'));

    expect(await q.drain({ deadline: inAMinute() })).toMatchObject({ completed: 2, stoppedBy: 'empty' });
    expect(seen).toEqual(['link a', 'alert after a']);
  });

  it('retries a failed attempt per the queue policy, in the drains after its back-off, as often as it allows', async () => {
    const q = await drainingQueue({ retryLimit: 2, retryDelaySeconds: 1 });
    const attempts = new Map<string, number>();
    await q.work('crew.login-link', async (p) => {
      const n = (attempts.get(p.reason) ?? 0) + 1;
      attempts.set(p.reason, n);
      if (p.reason === 'always' || (p.reason === 'once' && n === 1)) throw new Error(`attempt ${n} of ${p.reason} refused`);
    });
    const [once = '', always = ''] = await enqueue('crew.login-link', link('once'), link('always'));

    // As the scheduled invocations do: a drain now and then, until both jobs are settled.
    const totals = { completed: 0, failed: 0 };
    await waitFor(
      'both jobs to settle',
      async () => {
        const r = await q.drain({ deadline: inAMinute() });
        totals.completed += r.completed;
        totals.failed += r.failed;
        const states = await statesOf([once, always]);
        return states.every((s) => s === 'completed' || s === 'failed') ? states : undefined;
      },
      30_000,
    );

    // `once`: failed, then done; `always`: the first attempt and both retries failed, and no more.
    expect(Object.fromEntries(attempts)).toEqual({ once: 2, always: 3 });
    expect(totals).toEqual({ completed: 1, failed: 4 });
    expect(await statesOf([once, always])).toEqual(['completed', 'failed']);
    const [failed] = await q.listFailed();
    expect(failed).toMatchObject({ id: always, error: 'attempt 3 of always refused', retryCount: 2 });
  });

  it('leaves a retry that is not due yet (back-off) to a later drain', async () => {
    const q = await drainingQueue({ retryLimit: 3, retryDelaySeconds: 60 });
    let attempts = 0;
    await q.work('crew.login-link', async () => {
      attempts++;
      throw new Error('refused');
    });
    const [id] = await enqueue('crew.login-link', link('later'));

    expect(await q.drain({ deadline: inAMinute() })).toMatchObject({ completed: 0, failed: 1, stoppedBy: 'empty' });
    expect(attempts).toBe(1);
    expect(await stateOf(id ?? '')).toBe('retry');
  });

  it('stops taking jobs at the deadline, tells the running job, and leaves the rest queued', async () => {
    const q = await drainingQueue();
    const deadline = Date.now() + 300;
    const signals: AbortSignal[] = [];
    await q.work('crew.login-link', async (_p, job) => {
      signals.push(job.signal);
      // A long job: it runs past the deadline, and is told.
      await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
    });
    const ids = await enqueue('crew.login-link', link('1'), link('2'), link('3'), link('4'), link('5'));

    const result = await q.drain({ deadline });

    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
    expect(result).toMatchObject({ completed: 1, failed: 0, stoppedBy: 'deadline' });
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    const states = await statesOf(ids);
    expect(states.filter((s) => s === 'completed')).toHaveLength(1);
    expect(states.filter((s) => s === 'created')).toHaveLength(4);
  });

  it('takes nothing when its deadline has passed or its signal is aborted, and stops when told', async () => {
    const q = await drainingQueue();
    let ran = 0;
    const told = new AbortController();
    await q.work('crew.login-link', async () => {
      ran++;
      told.abort();
    });
    const ids = await enqueue('crew.login-link', link('1'), link('2'), link('3'));

    expect(await q.drain({ deadline: Date.now() - 1 })).toMatchObject({ completed: 0, stoppedBy: 'deadline' });
    const aborted = new AbortController();
    aborted.abort();
    expect(await q.drain({ deadline: inAMinute(), signal: aborted.signal })).toMatchObject({ completed: 0, stoppedBy: 'signal' });
    expect(ran).toBe(0);
    expect(await q.drain({ deadline: inAMinute(), signal: told.signal })).toMatchObject({ completed: 1, stoppedBy: 'signal' });
    expect((await statesOf(ids)).sort()).toEqual(['completed', 'created', 'created']);
  });
});

describe('a request and the next drain', () => {
  let sites: TestSites;

  it('publishes the guest page and sends the confirmation of a booking created through the API', async () => {
    sites = openTestSites(t);
    undo.push(() => sites.close());
    const mailDir = mkdtempSync(join(tmpdir(), 'bosun-drain-mail-'));
    undo.push(() => rmSync(mailDir, { recursive: true, force: true }));
    const a = await makeTenant(t.deps, 'harbor');
    const app = makeApp(t);
    const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
    expect(created.status).toBe(201);
    expect(created.json.guestPage.status).toBe('pending');

    const q = await drainingQueue();
    await registerJobHandlers(q, {
      ...t.deps,
      jobs: q,
      mail: { mailer: new FileMailer(mailDir), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
      sites: sites.deps.sites,
    });
    const result = await q.drain({ deadline: inAMinute() });

    expect(result.failed).toBe(0);
    expect(result.byName['guest-page.publish']).toEqual({ completed: 1, failed: 0 });
    expect(result.byName['mail.send']?.completed).toBeGreaterThanOrEqual(1);
    const after = await call(app, 'GET', `/api/v1/bookings/${created.json.id}`, a.serviceKey);
    expect(after.json.guestPage.status).toBe('published');
    const page = await sites.edge.serve(new Request(`http://harbor.localhost${new URL(after.json.guestPageUrl).pathname}`));
    expect(page?.status).toBe(200);
    expect(readdirSync(mailDir, { recursive: true }).some((f) => String(f).endsWith('.eml'))).toBe(true);
  });
});

describe('schedules without a long-lived process', () => {
  const at = (iso: string) => new Date(iso);
  const sweeps = async () =>
    Number((await t.handle.executeSql(`select count(*)::int as n from pgboss.job where name = 'crew.remind'`)).rows[0]?.n);

  it('enqueues a scheduled job once per cron time, catching up a missed one once', async () => {
    const q = await drainingQueue();
    await q.schedule('crew.remind', '*/5 * * * *', { reason: 'schedule' });

    expect(await q.runSchedules(at('2026-05-01T12:01:00Z'))).toEqual(['crew.remind']);
    expect(await q.runSchedules(at('2026-05-01T12:02:00Z'))).toEqual([]);
    expect(await q.runSchedules(at('2026-05-01T12:04:59Z'))).toEqual([]);
    expect(await q.runSchedules(at('2026-05-01T12:05:00Z'))).toEqual(['crew.remind']);
    // Nothing looked for an hour: one sweep, not twelve.
    expect(await q.runSchedules(at('2026-05-01T13:07:00Z'))).toEqual(['crew.remind']);
    expect(await q.runSchedules(at('2026-05-01T13:08:00Z'))).toEqual([]);
    expect(await sweeps()).toBe(3);

    const ran: string[] = [];
    await q.work('crew.remind', async (p) => void ran.push(p.reason));
    expect(await q.drain({ deadline: inAMinute() })).toMatchObject({ completed: 3 });
    expect(ran).toEqual(['schedule', 'schedule', 'schedule']);
  });

  it('enqueues a cron time once when several processes look at the same moment', async () => {
    const queues = [await drainingQueue(), await drainingQueue(), await drainingQueue()];
    await queues[0]?.schedule('crew.remind', '*/5 * * * *', { reason: 'schedule' });
    const now = at('2026-05-01T12:10:30Z');

    const fired = await Promise.all(queues.map((q) => q.runSchedules(now)));

    expect(fired.flat()).toEqual(['crew.remind']);
    expect(await sweeps()).toBe(1);
  });
});
