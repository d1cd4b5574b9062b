/**
 * JobQueue on pg-boss 10, on either engine (on PGlite through pg-boss's `db` option). Jobs are
 * inserted through the caller's transaction; failures retry with exponential back-off and, once
 * the retries are used up, stay in state `failed` with their error for `bosun jobs` (ADR 0003).
 */
import PgBoss from 'pg-boss';
import { type DbHandle, executorFor, type Tx } from '../db/client';
import type { FailedJob, JobHandler, JobName, JobPayloads, JobQueue, JobWorker } from '../ports/job-queue';

export const JOB_SCHEMA = 'pgboss';
export const JOB_NAMES: readonly JobName[] = ['guest-page.publish', 'crew.notify', 'crew.login-link'];

export type JobQueueOptions = {
  /** Run maintenance and monitoring (the process that works the jobs); off for one-shot commands. */
  supervise?: boolean;
  retryLimit?: number;
  retryDelaySeconds?: number;
  pollingIntervalSeconds?: number;
  onError?: (err: Error) => void;
};

export class PgBossJobQueue implements JobQueue, JobWorker {
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

  async enqueue<N extends JobName>(tx: Tx, name: N, payload: JobPayloads[N], options: { singletonKey?: string } = {}) {
    return this.boss.send(name, payload, {
      db: executorFor(tx),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    } as PgBoss.SendOptions);
  }

  /** Works `name` jobs one at a time per worker; a thrown error fails the attempt (and retries). */
  async work<N extends JobName>(name: N, handler: JobHandler<JobPayloads[N]>): Promise<string> {
    return this.boss.work<JobPayloads[N]>(
      name,
      { pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 0.5, batchSize: 1, includeMetadata: true },
      async (jobs) => {
        for (const job of jobs) await handler(job.data, { id: job.id, retryCount: job.retryCount });
      },
    );
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

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: 10_000 });
  }
}

function errorText(output: unknown): string {
  if (output && typeof output === 'object' && 'message' in output) return String((output as { message: unknown }).message);
  return output === null || output === undefined ? '' : JSON.stringify(output);
}
