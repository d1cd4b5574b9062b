/**
 * A job whose process died is retried at once, not after pg-boss's 15-minute expiry: a running job
 * holds a lease its process renews, a supervising process retries the jobs whose lease lapsed, and
 * the owner of an embedded database retries every job still running when it starts. A live job,
 * however long, keeps its lease. Doctor names abandoned jobs, and guest pages pending for minutes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import type { JobPayloads } from '../../src/ports/job-queue';
import { createBooking } from '../../src/services/bookings';
import { checkInstallation } from '../../src/services/doctor';
import { publishGuestPage } from '../../src/services/publishing';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { waitFor } from '../support/processes';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let sites: TestSites;
const started: PgBossJobQueue[] = [];

beforeEach(async () => {
  t = await createTestDb();
  sites = openTestSites(t);
});
afterEach(async () => {
  for (const q of started.splice(0)) await q.stop();
  sites.close();
  await t.close();
});

const NAME = 'crew.login-link' as const;
const payload = (reason: string): JobPayloads[typeof NAME] => ({
  tenantId: '00000000-0000-4000-8000-000000000000',
  crewMemberId: '00000000-0000-4000-8000-000000000001',
  reason,
});

async function enqueue(reason: string): Promise<string> {
  const id = await t.deps.db.transaction().execute((tx) => t.jobs.enqueue(tx, NAME, payload(reason)));
  if (!id) throw new Error('not enqueued');
  return id;
}

/** Leaves job `id` as a process leaves the job it was running when it died: active, its lease as given. */
async function abandon(id: string, lease: 'none' | 'lapsed' | 'live') {
  await t.handle.executeSql(
    `update pgboss.job set state = 'active', started_on = now() - interval '2 minutes', retry_count = retry_count + 1 where id = $1`,
    [id],
  );
  if (lease !== 'none') {
    await t.handle.executeSql(`insert into pgboss.job_lease (job_id, job_name, lease_until) values ($1, $2, now() + $3::interval)`, [
      id,
      NAME,
      lease === 'live' ? '1 hour' : '-1 minute',
    ]);
  }
}

const stateOf = async (id: string) =>
  String((await t.handle.executeSql('select state from pgboss.job where id = $1', [id])).rows[0]?.state);

/** Starts a queue that works `NAME`, recording each run's reason; `hold` keeps a handler busy that long. */
async function startWorker(options: Parameters<typeof PgBossJobQueue.start>[1], hold = 0) {
  const queue = await PgBossJobQueue.start(t.handle, options);
  started.push(queue);
  const runs: string[] = [];
  await queue.work(NAME, async (p) => {
    runs.push(p.reason);
    if (hold > 0) await new Promise((r) => setTimeout(r, hold));
  });
  return { queue, runs };
}

describe('jobs after a crash', () => {
  it("does not take a new attempt for abandoned because an earlier attempt's lease has lapsed", async () => {
    const id = await enqueue('retried');
    // Attempt 1 ran long enough to hold a lease, failed, and left its row to lapse; attempt 2 has just
    // been fetched (pg-boss keeps the id across retries) and is running in a live process.
    await t.handle.executeSql(`update pgboss.job set state = 'active', started_on = now(), retry_count = 2 where id = $1`, [id]);
    await t.handle.executeSql(
      `insert into pgboss.job_lease (job_id, job_name, lease_until) values ($1, $2, now() - interval '3 seconds')`,
      [id, NAME],
    );
    expect((await t.jobs.listRunning()).map((j) => [j.id, j.abandoned])).toEqual([[id, false]]);
    expect(await t.jobs.retryAbandoned({ all: false })).toEqual([]);
    expect(await stateOf(id)).toBe('active');
  });

  it('retries at once a job whose lease lapsed, or that never took one; leaves a live lease alone', async () => {
    const lapsed = await enqueue('lapsed');
    const none = await enqueue('none');
    const live = await enqueue('live');
    await abandon(lapsed, 'lapsed');
    await abandon(none, 'none');
    await abandon(live, 'live');

    const running = await t.jobs.listRunning();
    expect(running.map((j) => [j.id, j.abandoned]).sort()).toEqual(
      [
        [lapsed, true],
        [none, true],
        [live, false],
      ].sort(),
    );
    const doctor = await checkInstallation({ ...t.deps, sites: sites.deps.sites }, { cdn: 'local' });
    expect(doctor).toContainEqual({
      check: 'jobs running',
      ok: false,
      detail: expect.stringMatching(
        /^2 job\(s\) abandoned by a process that stopped \(e\.g\. crew\.login-link .+\); bosun start retries them$/,
      ),
    });

    const { runs } = await startWorker({ supervise: true });
    await waitFor('both abandoned jobs to run again', () => (runs.length >= 2 ? true : undefined), 30_000);
    expect(runs.sort()).toEqual(['lapsed', 'none']);
    await waitFor('their completion', async () =>
      (await stateOf(lapsed)) === 'completed' && (await stateOf(none)) === 'completed' ? true : undefined,
    );
    expect(await stateOf(live)).toBe('active');
    // The attempt the dead process made counts: its record says why it was retried.
    const { rows } = await t.handle.executeSql(`select retry_count from pgboss.job where id = $1`, [lapsed]);
    expect(Number(rows[0]?.retry_count)).toBe(2);
  });

  it('retries every job still running when the owner of an embedded database starts, a live-looking lease included', async () => {
    const id = await enqueue('left running');
    await abandon(id, 'live');
    const { runs } = await startWorker({ supervise: true, abandonedAtStart: true });
    await waitFor('the job to run again', () => (runs.length > 0 ? true : undefined), 30_000);
    expect(runs).toEqual(['left running']);
  });

  it('keeps the lease of a job that runs longer than the lease while its process lives', async () => {
    const lease = { seconds: 1, renewEveryMs: 200, sweepEveryMs: 200 };
    // The handler runs three leases long while this process sweeps five times a lease.
    const { queue, runs } = await startWorker({ supervise: true, lease }, 3_000);
    const id = await enqueue('long');
    await waitFor('the job to complete', async () => ((await stateOf(id)) === 'completed' ? true : undefined), 30_000);
    expect(runs).toEqual(['long']);
    const { rows } = await t.handle.executeSql(`select retry_count, output from pgboss.job where id = $1`, [id]);
    expect(Number(rows[0]?.retry_count)).toBe(0);
    expect(await queue.listRunning()).toEqual([]);
  });

  it('doctor names guest pages pending for more than five minutes', async () => {
    const tenant = await makeTenant(t.deps, 'harbor');
    const { booking } = await createBooking(t.deps, tenant.ctx, bookingInput() as never);
    const pages = async () =>
      (await checkInstallation({ ...t.deps, sites: sites.deps.sites }, { cdn: 'local' })).find((c) => c.check === 'tenant harbor pages');

    // Just changed: its publish is under way.
    expect(await pages()).toMatchObject({ ok: true, detail: 'every guest page published' });
    t.clock.set(new Date(TEST_NOW.getTime() + 6 * 60_000));
    expect(await pages()).toEqual({
      check: 'tenant harbor pages',
      ok: false,
      detail: `1 page(s) pending for more than 5 minutes, e.g. ${booking.id} (changed ${TEST_NOW.toISOString()}); is bosun start running?`,
    });
    await publishGuestPage(sites.deps, tenant.tenant.id, booking.id);
    expect(await pages()).toMatchObject({ ok: true });
  });
});
