/**
 * The worker Lambda (ADR 0026): invoked every minute by a schedule, and after a request that enqueued
 * jobs. Its cold start migrates the database — on AWS the one place that does — and each invocation
 * retries jobs whose lease lapsed (ADR 0016), enqueues the scheduled sweeps that are due, drains the
 * queue until no job is ready or the invocation's time runs short, then runs pg-boss's maintenance.
 * Nothing polls between invocations: the queue only drains.
 */
import type { Logger } from 'pino';
import { type DrainResult, PgBossJobQueue } from '../adapters/pg-boss-job-queue';
import { type Config, ConfigError, loadConfig } from '../config/env';
import { resolveSecrets } from '../config/secrets';
import { registerJobHandlers } from '../jobs/register';
import type { JobName } from '../ports/job-queue';
import { jobQueueLogging } from './logging';
import { createLogger, openRuntime, type Runtime } from './runtime';

/**
 * When an invocation has less than this left, it takes no further job and tells the running ones to
 * finish (a mail batch hands back what it has not begun). The function's timeout is 15 minutes, so a
 * publish that waits for its invalidation has room; a job cut off by the timeout is found by its lease.
 */
export const SAFETY_MARGIN_MS = 60_000;

/** What Bosun reads of the Lambda context. */
export type LambdaContext = { getRemainingTimeInMillis(): number };

/** What one invocation did (returned to Lambda and logged). */
export type WorkerReport = {
  /** Jobs whose process stopped renewing their lease, failed so they run again. */
  abandoned: number;
  /** Scheduled sweeps enqueued by this invocation. */
  scheduled: JobName[];
} & DrainResult;

export type Worker = {
  /** One invocation's work, taking no job after `deadline` (ms since the epoch). */
  invoke(deadline: number): Promise<WorkerReport>;
  close(): Promise<void>;
};

/**
 * Opens the database (migrating it to this version's schema), and a queue that drains with every
 * job handler registered. Lambda always uses a PostgreSQL server: without `DATABASE_URL` it refuses.
 */
export async function openWorker(config: Config, log: Logger): Promise<Worker> {
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL: must be set for the worker (a PostgreSQL server)');
  const runtime: Runtime = await openRuntime(config, { log, supervise: false, migrate: true, liveFeed: 'off' });
  let queue: PgBossJobQueue | undefined;
  try {
    queue = await PgBossJobQueue.start(runtime.handle, { poll: false, ...jobQueueLogging(log) });
    const jobs = queue;
    await registerJobHandlers(jobs, { ...runtime.deps, jobs, mail: runtime.mail, sites: runtime.sites });
    return {
      invoke: async (deadline) => {
        const abandoned = await jobs.retryAbandoned({ all: false });
        const scheduled = await jobs.runSchedules();
        const drained = await jobs.drain({ deadline });
        await jobs.maintain();
        const report: WorkerReport = { abandoned: abandoned.length, scheduled, ...drained };
        log.info(report, 'worker invocation');
        return report;
      },
      close: async () => {
        await jobs.stop();
        await runtime.close();
      },
    };
  } catch (err) {
    await queue?.stop().catch(() => {});
    await runtime.close();
    throw err;
  }
}

let opening: Promise<{ worker: Worker; log: Logger }> | undefined;

/**
 * Opened once per Lambda instance (its cold start): configuration, secrets, migrations, handlers. A
 * failed opening is tried again by the next invocation.
 */
function openOnce(): Promise<{ worker: Worker; log: Logger }> {
  opening ??= (async () => {
    // The secrets the configuration names (Secrets Manager ARNs) are read once, here.
    const config = await resolveSecrets(loadConfig());
    const log = createLogger(config);
    return { worker: await openWorker(config, log), log };
  })().catch((err: unknown) => {
    opening = undefined;
    throw err;
  });
  return opening;
}

/** The Lambda handler: the event (a schedule's or a wake-up's) carries nothing the worker needs. */
export async function handler(_event: unknown, context: LambdaContext): Promise<WorkerReport> {
  const { worker } = await openOnce();
  return worker.invoke(Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS);
}
