/**
 * JobQueue on pg-boss 10, on either engine (on PGlite through pg-boss's `db` option). Jobs are
 * inserted through the caller's transaction; failures retry with exponential back-off and, once
 * the retries are used up, stay in state `failed` with their error for `bosun jobs` (ADR 0003).
 */
import PgBoss from 'pg-boss';
import { type DbHandle, executorFor, type Tx } from '../db/client';
import { describeError } from '../db/safe-errors';
import type { FailedJob, JobHandler, JobName, JobPayloads, JobQueue, JobWorker } from '../ports/job-queue';

export const JOB_SCHEMA = 'pgboss';
export const JOB_NAMES: readonly JobName[] = [
  'guest-page.publish',
  'crew.notify',
  'crew.login-link',
  'office.crew-declined',
  'crew.remind',
];

export type JobQueueOptions = {
  /** Run maintenance and monitoring (the process that works the jobs); off for one-shot commands. */
  supervise?: boolean;
  retryLimit?: number;
  retryDelaySeconds?: number;
  pollingIntervalSeconds?: number;
  /**
   * Wake this process's workers once a job enqueued here is committed, instead of leaving it to their
   * next poll (default true). Jobs enqueued by other processes are still found by polling.
   */
  wakeWorkers?: boolean;
  onError?: (err: Error) => void;
  /** Told of each failed attempt of a handler, with the error it threw (the job retries or, last, fails). */
  onJobFailed?: (err: unknown, job: { name: JobName; id: string; retryCount: number; final: boolean }) => void;
};

/**
 * What a failed attempt records on its job (and `bosun jobs` shows): the handler's error described
 * by `describeError`, so that no query parameter or database detail is stored with the job.
 */
export class JobFailure extends Error {
  override name = 'JobFailure';
}

/** How long after an enqueue to look for its commit (ms, cumulative ≈ 0.8 s); polling covers the rest. */
const COMMIT_CHECKS_MS = [0, 2, 5, 10, 20, 50, 100, 200, 400];

export class PgBossJobQueue implements JobQueue, JobWorker {
  private readonly workers = new Map<JobName, string[]>();

  private constructor(
    private readonly boss: PgBoss,
    private readonly handle: DbHandle,
    private readonly options: JobQueueOptions,
  ) {}

  /**
   * Starts pg-boss on `handle` (creating its schema if needed) and makes sure every queue exists
   * with this retry policy (new jobs take the queue's policy when they are inserted).
   */
  static async start(handle: DbHandle, options: JobQueueOptions = {}): Promise<PgBossJobQueue> {
    const supervise = options.supervise ?? false;
    const boss = new PgBoss({
      db: handle,
      schema: JOB_SCHEMA,
      supervise,
      schedule: supervise,
      migrate: true,
    } as unknown as PgBoss.ConstructorOptions);
    boss.on('error', (err) => options.onError?.(err));
    await boss.start();
    for (const name of JOB_NAMES) {
      const policy = {
        name,
        retryLimit: options.retryLimit ?? 8,
        retryDelay: options.retryDelaySeconds ?? 2,
        retryBackoff: true,
        expireInSeconds: 15 * 60,
      };
      await boss.createQueue(name, policy);
      // createQueue leaves an existing queue as it was; the policy asked for here must apply.
      await boss.updateQueue(name, policy);
    }
    return new PgBossJobQueue(boss, handle, options);
  }

  private stopping = false;
  private inFlight = 0;

  async enqueue<N extends JobName>(tx: Tx, name: N, payload: JobPayloads[N], options: { singletonKey?: string } = {}) {
    const id = await this.boss.send(name, payload, {
      db: executorFor(tx),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    } as PgBoss.SendOptions);
    if (id && this.workers.has(name) && (this.options.wakeWorkers ?? true)) this.wakeAfterCommit(name, id);
    return id;
  }

  /**
   * Wakes the workers of `name` once job `id` is visible, i.e. once the transaction that enqueued it
   * has committed (on PGlite the check waits for that transaction's session; on a server it is
   * repeated briefly). A job whose transaction rolled back is never seen, and nothing happens.
   */
  private wakeAfterCommit(name: JobName, id: string): void {
    void (async () => {
      for (const delay of COMMIT_CHECKS_MS) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        const { rows } = await this.handle.executeSql(`select 1 from ${JOB_SCHEMA}.job where name = $1 and id = $2`, [name, id]);
        if (rows.length > 0) {
          for (const worker of this.workers.get(name) ?? []) this.boss.notifyWorker(worker);
          return;
        }
      }
    })().catch(() => {
      // Only a shortcut: the worker's next poll finds the job anyway.
    });
  }

  /** Works `name` jobs one at a time per worker; a thrown error fails the attempt (and retries). */
  async work<N extends JobName>(name: N, handler: JobHandler<JobPayloads[N]>): Promise<string> {
    let started: string | undefined;
    const worker = await this.boss.work<JobPayloads[N]>(
      name,
      { pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 0.5, batchSize: 1, includeMetadata: true },
      async (jobs) => {
        // A fetch that was under way when stop() began may still deliver jobs: hand them back.
        if (this.stopping) throw new Error('Bosun is stopping; the job runs again after the restart');
        this.inFlight++;
        try {
          for (const job of jobs) {
            try {
              await handler(job.data, { id: job.id, retryCount: job.retryCount });
            } catch (err) {
              const final = job.retryCount >= (job.retryLimit ?? this.options.retryLimit ?? 8);
              this.options.onJobFailed?.(err, { name, id: job.id, retryCount: job.retryCount, final });
              throw new JobFailure(describeError(err));
            }
          }
        } finally {
          this.inFlight--;
        }
        // A backlog is worked back to back, not one job per polling interval (which held a queue to
        // two jobs a second, bench/crew.ts); after an empty fetch the worker waits the interval.
        if (jobs.length > 0 && started) this.boss.notifyWorker(started);
      },
    );
    started = worker;
    this.workers.set(name, [...(this.workers.get(name) ?? []), worker]);
    return worker;
  }

  /** Stops this process's workers of `name` (jobs stay queued for another worker). */
  async stopWorking(name: JobName): Promise<void> {
    this.workers.delete(name);
    await this.boss.offWork(name);
  }

  /** pg-boss's clock monitor enqueues the job each time `cron` matches (in the supervising process). */
  async schedule<N extends JobName>(name: N, cron: string, payload: JobPayloads[N]): Promise<void> {
    await this.boss.schedule(name, cron, payload, { tz: 'UTC' });
  }

  async listFailed(limit = 50): Promise<FailedJob[]> {
    const { rows } = await this.handle.executeSql(
      `select id, name, data, output, retry_count, completed_on
         from ${JOB_SCHEMA}.job where state = 'failed'
        order by completed_on desc nulls last limit $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      data: r.data,
      error: errorText(r.output),
      retryCount: Number(r.retry_count),
      failedAt: r.completed_on ? new Date(r.completed_on as string) : null,
    }));
  }

  /** Counts jobs by state for one queue (for tests, `doctor` and the dashboard). */
  async countByState(name: JobName): Promise<Record<string, number>> {
    const { rows } = await this.handle.executeSql(
      `select state, count(*)::int as n from ${JOB_SCHEMA}.job where name = $1 group by state`,
      [name],
    );
    return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]));
  }

  /**
   * Stops working and waits for the handlers under way, so that the database can be closed next.
   * pg-boss's own graceful stop may return while a worker's fetch or a handler is still running
   * (it sees only the jobs it handed out), and a query after the pool has ended crashes the process.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: 10_000 });
    if (this.workers.size === 0) return;
    const deadline = Date.now() + 10_000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Let pg-boss record the last outcome (complete or fail) and its workers leave their loops.
    await new Promise((r) => setTimeout(r, 300));
  }
}

function errorText(output: unknown): string {
  if (output && typeof output === 'object' && 'message' in output) return String((output as { message: unknown }).message);
  return output === null || output === undefined ? '' : JSON.stringify(output);
}
