/**
 * Jobs are enqueued in the transaction of the change that causes them: a process killed (SIGKILL)
 * right after the commit and before any job ran leaves the job behind, and the next process with a
 * worker runs it exactly once. A handler that keeps failing is retried with back-off and then shows
 * as failed, with its error, in the queue and in `bosun jobs`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import type { DbHandle } from '../../src/db/client';
import { getTenantBySlug } from '../../src/db/queries/tenants';
import { openDatabase } from '../../src/main/runtime';
import type { JobPayload } from '../../src/ports/job-queue';
import { siteOrigin } from '../../src/publish/site-layout';
import { createBooking } from '../../src/services/bookings';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { daysFromNow } from '../support/factories';
import { killAll, oneJsonObject, ROOT, runBosun, startNode, waitFor } from '../support/processes';

let target: DataTarget;
let handle: DbHandle | undefined;
let bookingId: string;

beforeAll(async () => {
  target = await openDataTarget();
});
afterAll(async () => {
  await killAll();
  await handle?.close();
  await target?.close();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('jobs', () => {
  it('runs a job committed by a process killed before it ran exactly once, after a restart', async () => {
    const child = startNode(['--import', 'tsx', join(ROOT, 'test', 'support', 'commit-booking-and-wait.ts')], target.env());
    const committed = waitFor('the committed line', () => /^committed ([A-Z0-9]+)$/m.exec(child.stdout())?.[1], 120_000);
    const exitedEarly = child.exited.then((r) => {
      throw new Error(`the committing process exited (${r.code ?? r.signal}): ${r.stderr}`);
    });
    bookingId = await Promise.race([committed, exitedEarly]);
    exitedEarly.catch(() => {});
    child.child.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');

    handle = await openDatabase(target.config());
    const worker = await PgBossJobQueue.start(handle, { supervise: true });
    const runs: { payload: JobPayload; id: string }[] = [];
    await worker.work('guest-page.publish', async (payload, job) => {
      runs.push({ payload, id: job.id });
    });
    await waitFor('the job to run', () => (runs.length > 0 ? true : undefined), 60_000);
    // Give a second delivery every chance to happen: several polling rounds.
    await pause(3000);
    expect(runs).toHaveLength(1);

    const tenant = await getTenantBySlug(handle.db, 'harbor');
    expect(tenant).toBeDefined();
    expect(runs[0]?.payload).toMatchObject({ tenantId: tenant?.id, bookingId });
    expect(await worker.countByState('guest-page.publish')).toEqual({ completed: 1 });
    await worker.stop();
  }, 300_000);

  it('retries a failing handler with back-off, then lists the job as failed with its error', async () => {
    if (!handle) throw new Error('the first test did not open the database');
    const db = handle;
    const queue = await PgBossJobQueue.start(db, { supervise: true, retryLimit: 1, retryDelaySeconds: 1 });
    const tenant = await getTenantBySlug(db.db, 'harbor');
    if (!tenant) throw new Error('no tenant harbor');
    const deps = {
      db: db.db,
      jobs: queue,
      clock: { now: () => new Date() },
      guestOrigin: (domain: string) => siteOrigin(domain, { https: false, port: 8080 }),
      publicHost: 'localhost',
    };
    const { booking } = await createBooking(
      deps,
      { tenantId: tenant.id, actor: { kind: 'operator', id: 'test' } },
      {
        guest: { name: 'Fay Failing', email: 'fay@example.com' },
        partySize: 2,
        vessel: 'jada',
        startsAt: daysFromNow(30, '10:00'),
        endsAt: daysFromNow(30, '12:00'),
        status: 'confirmed',
      },
    );

    const attempts: number[] = [];
    await queue.work('guest-page.publish', async (payload, job) => {
      if (payload.bookingId !== booking.id) return;
      attempts.push(job.retryCount);
      throw new Error(`object store unavailable for ${payload.bookingId}`);
    });
    const failed = await waitFor(
      'the job to fail for good',
      async () => (await queue.listFailed()).find((j) => (j.data as JobPayload).bookingId === booking.id),
      60_000,
    );
    expect(attempts).toEqual([0, 1]);
    expect(failed).toMatchObject({ name: 'guest-page.publish', retryCount: 1, error: `object store unavailable for ${booking.id}` });
    expect(failed.data).toMatchObject({ tenantId: tenant.id, bookingId: booking.id });
    expect(failed.failedAt).toBeInstanceOf(Date);
    // The retry waited with exponential back-off from the configured delay.
    const { rows } = await db.executeSql('select retry_limit, retry_delay, retry_backoff from pgboss.job where id = $1', [failed.id]);
    expect(rows[0]).toMatchObject({ retry_limit: 1, retry_delay: 1, retry_backoff: true });
    await queue.stop();
    // The embedded database has one owner at a time: let the CLI have it.
    await db.close();
    handle = undefined;

    const text = await runBosun(['jobs'], target.env());
    expect(text.code).toBe(0);
    const row = text.stdout.split('\n').find((l) => l.includes(failed.id));
    expect(row).toBeDefined();
    expect(row).toContain('guest-page.publish');
    expect(row).toContain(`object store unavailable for ${booking.id}`);
    expect(row).toMatch(/\s2\s/); // tries

    const json = await runBosun(['jobs', '--json'], target.env());
    expect(json.code).toBe(0);
    const listed = oneJsonObject(json.stdout).failed as { id: string; name: string; error: string; retryCount: number }[];
    expect(listed).toEqual([
      expect.objectContaining({
        id: failed.id,
        name: 'guest-page.publish',
        error: `object store unavailable for ${booking.id}`,
        retryCount: 1,
      }),
    ]);
  }, 300_000);
});
