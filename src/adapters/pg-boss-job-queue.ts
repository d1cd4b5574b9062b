/**
 * JobQueue on pg-boss 10, on either engine (on PGlite through pg-boss's `db` option). Jobs are
 * inserted through the caller's transaction; failures retry with exponential back-off and, once
 * the retries are used up, stay in state `failed` with their error for `bosun jobs` (ADR 0003).
 * A running job holds a lease that its process renews; a job whose lease lapsed was abandoned by a
 * process that died and is retried at once by a supervising process (ADR 0016).
 */
import { randomUUID } from 'node:crypto';
import cronParser from 'cron-parser';
import { CompiledQuery } from 'kysely';
import PgBoss from 'pg-boss';
import { type DbHandle, executorFor, type Tx } from '../db/client';
import { describeError } from '../db/safe-errors';
import type { FailedJob, JobHandler, JobName, JobPayloads, JobQueue, JobSpec, JobWorker, RunningJob } from '../ports/job-queue';

export const JOB_SCHEMA = 'pgboss';

/**
 * A running job's lease: it lasts `seconds` past its last renewal, its process renews it every
 * `renewEveryMs`, and a supervising process looks for lapsed ones every `sweepEveryMs` (ADR 0016).
 */
export type LeasePolicy = { seconds: number; renewEveryMs: number; sweepEveryMs: number };
export const DEFAULT_LEASE: LeasePolicy = { seconds: 20, renewEveryMs: 5_000, sweepEveryMs: 5_000 };
/** The longest a handler may run before pg-boss fails it in its process (the queues' `expireInSeconds`). */
const HANDLER_CEILING_SECONDS = 15 * 60;
export const JOB_NAMES: readonly JobName[] = [
  'guest-page.publish',
  'crew.notify',
  'crew.login-link',
  'staff.login-link',
  'office.crew-declined',
  'crew.remind',
  'mail.send',
  'guest.remind',
  'site.provision',
  'site.cleanup',
  'site.cleanup-sweep',
];

/**
 * Queues whose `singletonKey` is kept: pg-boss's `short` policy holds at most one queued job per key
 * (a retrying or running one aside), so a cleanup queued again by a sweep or a provisioning is never
 * queued twice. Every other queue is `standard`.
 */
const SHORT_QUEUES: ReadonlySet<JobName> = new Set(['site.cleanup']);

export type JobQueueOptions = {
  /** Run maintenance and monitoring (the process that works the jobs); off for one-shot commands. */
  supervise?: boolean;
  /**
   * Create or update the queue's schema, its queues and their policy (default true). Without it, a
   * schema that is missing or not current stops the start instead: a process that only enqueues
   * (an API function on Lambda) leaves the schema to the one that migrates.
   */
  migrate?: boolean;
  retryLimit?: number;
  retryDelaySeconds?: number;
  pollingIntervalSeconds?: number;
  /**
   * Wake this process's workers once a job enqueued here is committed, instead of leaving it to their
   * next poll (default true). Jobs enqueued by other processes are still found by polling.
   */
  wakeWorkers?: boolean;
  onError?: (err: Error) => void;
  /**
   * Every job still `active` when this queue starts was abandoned by a process that is gone, and is
   * retried at once: true only where one process owns the database (PGlite, ADR 0005).
   */
  abandonedAtStart?: boolean;
  /** How running jobs hold their lease (default `DEFAULT_LEASE`). */
  lease?: LeasePolicy;
  /** Told of each failed attempt of a handler, with the error it threw (the job retries or, last, fails). */
  onJobFailed?: (err: unknown, job: { name: JobName; id: string; retryCount: number; final: boolean }) => void;
  /**
   * The most jobs of one name this process runs at once, whatever a handler asks for in `work` (e.g.
   * 1 to measure one job at a time). Default: as asked.
   */
  maxConcurrency?: number;
  /**
   * Start pg-boss workers that poll for the jobs of each queue given to `work` (default true). False
   * where nothing polls between invocations (the worker Lambda): `work` only registers the handler,
   * and `drain` runs the jobs that are ready.
   */
  poll?: boolean;
  /**
   * Told after each job is enqueued (inside the caller's transaction, which may yet roll back): the
   * API role wakes the worker once the request is answered (ADR 0026).
   */
  onEnqueued?: (name: JobName) => void;
};

/** What one `drain` did: jobs completed and attempts failed, per queue, and why it stopped. */
export type DrainResult = {
  completed: number;
  failed: number;
  byName: Partial<Record<JobName, { completed: number; failed: number }>>;
  /** `empty`: no job was ready; `deadline`: its time ran out; `signal`: it was told to stop. */
  stoppedBy: 'empty' | 'deadline' | 'signal';
};

/** A handler registered through `work`, and how many of its jobs may run at once. */
type Registration = { handler: JobHandler<never>; concurrency: number };

/** One of the pg-boss workers that work a queue in this process; `busy` while it runs a job. */
type WorkerSlot = { id: string; busy: boolean };

/**
 * How much less often the extra workers of a queue poll than its first: they are woken instead when
 * a job is enqueued here or when a sibling took one (a backlog), so idle polling stays one worker's.
 */
const EXTRA_WORKER_POLL_FACTOR = 10;

/**
 * What a failed attempt records on its job (and `bosun jobs` shows): the handler's error described
 * by `describeError`, so that no query parameter or database detail is stored with the job.
 */
export class JobFailure extends Error {
  override name = 'JobFailure';
}

/**
 * `command` (pg-boss's job insert, which begins with a WITH clause) with `alongside` as one more
 * data-modifying CTE in front, its parameters numbered after the command's: one statement, run whole
 * or not at all. Null when the command does not begin with WITH (another pg-boss): the caller then
 * sends the two statements apart.
 */
export function withStatement(command: { text: string; values: readonly unknown[] }, alongside: CompiledQuery): CompiledQuery | null {
  const start = /^\s*WITH\s/i.exec(command.text);
  if (!start) return null;
  const offset = command.values.length;
  // Kysely passes every value as a parameter, so `$n` in its text is always a placeholder.
  const renumbered = alongside.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  return CompiledQuery.raw(`WITH bosun_alongside AS (${renumbered}), ${command.text.slice(start[0].length)}`, [
    ...command.values,
    ...alongside.parameters,
  ]);
}

/** How long after an enqueue to look for its commit (ms, cumulative ≈ 0.8 s); polling covers the rest. */
const COMMIT_CHECKS_MS = [0, 2, 5, 10, 20, 50, 100, 200, 400];

export class PgBossJobQueue implements JobQueue, JobWorker {
  private readonly workers = new Map<JobName, WorkerSlot[]>();
  private readonly registered = new Map<JobName, Registration>();

  private constructor(
    private readonly boss: PgBoss,
    private readonly handle: DbHandle,
    private readonly options: JobQueueOptions,
  ) {}

  /**
   * Starts pg-boss on `handle` (creating its schema if needed) and makes sure every queue exists
   * with this retry policy (new jobs take the queue's policy when they are inserted); with
   * `migrate: false`, only checks that the schema is current.
   */
  static async start(handle: DbHandle, options: JobQueueOptions = {}): Promise<PgBossJobQueue> {
    const supervise = options.supervise ?? false;
    const migrate = options.migrate ?? true;
    const boss = new PgBoss({
      db: handle,
      schema: JOB_SCHEMA,
      supervise,
      schedule: supervise,
      migrate,
    } as unknown as PgBoss.ConstructorOptions);
    boss.on('error', (err) => options.onError?.(err));
    try {
      await boss.start();
    } catch (err) {
      if (migrate) throw err;
      throw new Error(`The job queue's schema is not current (${(err as Error).message}); start a process that migrates first`);
    }
    if (migrate) await createQueues(boss, handle, options);
    const queue = new PgBossJobQueue(boss, handle, options);
    if (supervise) {
      await queue.retryAbandoned({ all: options.abandonedAtStart ?? false });
      queue.sweeper = setInterval(() => {
        queue.retryAbandoned({ all: false }).catch((err) => options.onError?.(err as Error));
      }, queue.lease.sweepEveryMs);
      queue.sweeper.unref();
    }
    return queue;
  }

  private get lease(): LeasePolicy {
    return this.options.lease ?? DEFAULT_LEASE;
  }

  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;

  /**
   * Fails, so that they are retried at once, the active jobs whose lease lapsed (their process died)
   * — with `all`, every active job. pg-boss records the attempt as failed: a job that keeps killing
   * its process runs out of retries like any other. Returns the ids retried.
   */
  async retryAbandoned(options: { all: boolean }): Promise<string[]> {
    if (this.sweeping) return [];
    this.sweeping = true;
    try {
      const { rows } = await this.handle.executeSql(
        `select j.name, j.id, j.started_on::text as started_on from ${JOB_SCHEMA}.job j left join ${JOB_SCHEMA}.${LEASE_TABLE} l on l.job_id = j.id
          where j.state = 'active' and ($1 or ${LEASE_END} < now())`,
        [options.all, this.lease.seconds],
      );
      const byName = new Map<string, { id: string; startedOn: unknown }[]>();
      for (const r of rows)
        byName.set(String(r.name), [...(byName.get(String(r.name)) ?? []), { id: String(r.id), startedOn: r.started_on }]);
      for (const [name, seen] of byName) {
        const ids: string[] = [];
        for (const { id, startedOn } of seen) {
          // Only the attempt that was seen lapsing (its start to the microsecond, hence text): one that
          // ended, or a next attempt fetched since (another process's sweep may have retried it
          // first), is left alone.
          const still = await this.handle.executeSql(
            `select 1 from ${JOB_SCHEMA}.job where name = $1 and id = $2 and state = 'active' and started_on = $3::timestamptz`,
            [name, id, startedOn],
          );
          if (still.rows.length === 0) continue;
          await this.boss.fail(name, id, { message: 'abandoned: the process running it stopped; retried' });
          ids.push(id);
        }
        // Not the job's fault: no back-off before the next attempt.
        await this.handle.executeSql(
          `update ${JOB_SCHEMA}.job set start_after = now() where name = $1 and id = any($2::uuid[]) and state = 'retry'`,
          [name, ids],
        );
      }
      // Leases of jobs no longer running are of no use.
      await this.handle.executeSql(
        `delete from ${JOB_SCHEMA}.${LEASE_TABLE} l where l.lease_until < now()
            and not exists (select 1 from ${JOB_SCHEMA}.job j where j.id = l.job_id and j.state = 'active')`,
      );
      return [...byName.values()].flat().map((r) => r.id);
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Holds the lease of job `id` until `release` is called. Fetching the job started its first lease
   * (`started_on` + the lease's length, which the sweep reads when there is no row), so a job shorter
   * than one renewal interval — nearly all — writes nothing; a longer one renews it on a timer.
   */
  private hold(name: JobName, id: string): { release(): void } {
    const renew = () =>
      this.handle.executeSql(
        `insert into ${JOB_SCHEMA}.${LEASE_TABLE} (job_id, job_name, lease_until) values ($1, $2, now() + make_interval(secs => $3))
         on conflict (job_id) do update set lease_until = excluded.lease_until`,
        [id, name, this.lease.seconds],
      );
    const timer = setInterval(() => {
      renew().catch(() => {
        // A missed renewal is made up by the next; a lease that lapses makes the job run again (idempotent).
      });
    }, this.lease.renewEveryMs);
    timer.unref();
    // The lease is left to lapse rather than deleted: pg-boss records the outcome after the handler
    // returns, and until then the job must not look abandoned. The sweep removes it later.
    return { release: () => clearInterval(timer) };
  }

  private stopping = false;
  /** Aborted when stop() begins: handlers that work through many items stop taking more. */
  private readonly stopSignal = new AbortController();
  private inFlight = 0;

  async enqueue<N extends JobName>(tx: Tx, name: N, payload: JobPayloads[N], options: { singletonKey?: string } = {}) {
    const id = await this.boss.send(name, payload, {
      db: executorFor(tx),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    } as PgBoss.SendOptions);
    if (id) this.enqueued(name, id);
    return id;
  }

  async enqueueAll(tx: Tx, jobs: readonly JobSpec[], options: { alongside?: CompiledQuery | undefined } = {}): Promise<string[]> {
    const alongside = options.alongside;
    if (jobs.length === 0) {
      if (alongside) await tx.executeQuery(alongside);
      return [];
    }
    // pg-boss's multi-row insert: the queue's policy (retries, expiry, retention) applies as with `send`.
    const rows = jobs.map((job) => ({ id: randomUUID(), name: job.name, data: job.payload }));
    if (alongside) {
      // pg-boss's own command, taken rather than run, with `alongside` as one more CTE of it (ADR 0035).
      const commands: { text: string; values: unknown[] }[] = [];
      const taking = {
        executeSql: async (text: string, values?: unknown[]) => {
          commands.push({ text, values: values ?? [] });
          return { rows: [] };
        },
      };
      await this.boss.insert(rows, { db: taking } as PgBoss.InsertOptions);
      // Only a single command can take the entries along; a pg-boss that sends more is run as it is.
      const together = commands.length === 1 && commands[0] ? withStatement(commands[0], alongside) : null;
      if (together) await tx.executeQuery(together);
      else {
        await tx.executeQuery(alongside);
        await this.boss.insert(rows, { db: executorFor(tx) } as PgBoss.InsertOptions);
      }
    } else {
      await this.boss.insert(rows, { db: executorFor(tx) } as PgBoss.InsertOptions);
    }
    // The jobs commit together: one of them shows when all do, so one check wakes every queue's workers.
    const first = rows[0] as (typeof rows)[number];
    const names = [...new Set(rows.map((row) => row.name))];
    const toWake = names.filter((name) => this.workers.has(name));
    if (toWake.length > 0 && (this.options.wakeWorkers ?? true)) this.wakeAfterCommit(first.name, first.id, toWake);
    for (const row of rows) this.options.onEnqueued?.(row.name);
    return rows.map((row) => row.id);
  }

  /** After job `id` of `name` is inserted (its transaction may yet roll back). */
  private enqueued(name: JobName, id: string): void {
    if (this.workers.has(name) && (this.options.wakeWorkers ?? true)) this.wakeAfterCommit(name, id, [name]);
    this.options.onEnqueued?.(name);
  }

  /**
   * Wakes the workers of the queues `wake` once job `id` is visible, i.e. once the transaction that
   * enqueued it has committed (on PGlite the check waits for that transaction's session; on a server
   * it is repeated briefly). A job whose transaction rolled back is never seen, and nothing happens.
   */
  private wakeAfterCommit(name: JobName, id: string, wake: readonly JobName[]): void {
    void (async () => {
      for (const delay of COMMIT_CHECKS_MS) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        const { rows } = await this.handle.executeSql(`select 1 from ${JOB_SCHEMA}.job where name = $1 and id = $2`, [name, id]);
        if (rows.length > 0) {
          for (const queue of wake) this.wakeIdle(queue);
          return;
        }
      }
    })().catch(() => {
      // Only a shortcut: the worker's next poll finds the job anyway.
    });
  }

  /**
   * Wakes one idle worker of `name`, if any (a busy one fetches again as soon as its job ends). A
   * woken worker that finds a job wakes the next, so a backlog draws in every worker of the queue.
   */
  private wakeIdle(name: JobName): void {
    const idle = this.workers.get(name)?.find((w) => !w.busy);
    if (idle) this.boss.notifyWorker(idle.id);
  }

  /**
   * Works `name` jobs, up to `concurrency` at a time (default 1; capped by the queue's
   * `maxConcurrency`): that many pg-boss workers, each fetching and running one job at a time, so
   * each job keeps its own lease, outcome and retries. The first worker polls every interval; the
   * others poll ten times less often and are woken when there is work. A thrown error fails the
   * attempt (and retries). Returns the first worker's id.
   */
  async work<N extends JobName>(name: N, handler: JobHandler<JobPayloads[N]>, options: { concurrency?: number } = {}): Promise<string> {
    const wanted = Math.max(1, Math.floor(options.concurrency ?? 1));
    const count = Math.min(wanted, Math.max(1, Math.floor(this.options.maxConcurrency ?? wanted)));
    this.registered.set(name, { handler: handler as JobHandler<never>, concurrency: count });
    if (this.options.poll === false) return `drain:${name}`;
    const interval = this.options.pollingIntervalSeconds ?? 0.5;
    const ids: string[] = [];
    for (let i = 0; i < count; i++)
      ids.push(await this.startWorker(name, handler, i === 0 ? interval : interval * EXTRA_WORKER_POLL_FACTOR));
    return ids[0] as string;
  }

  private async startWorker<N extends JobName>(name: N, handler: JobHandler<JobPayloads[N]>, pollingIntervalSeconds: number) {
    const slot: WorkerSlot = { id: '', busy: false };
    slot.id = await this.boss.work<JobPayloads[N]>(name, { pollingIntervalSeconds, batchSize: 1, includeMetadata: true }, async (jobs) => {
      // A fetch that was under way when stop() began may still deliver jobs: hand them back.
      if (this.stopping) throw new Error('Bosun is stopping; the job runs again after the restart');
      this.inFlight++;
      slot.busy = true;
      // There may be more where this came from: let an idle sibling look.
      this.wakeIdle(name);
      try {
        for (const job of jobs) {
          const lease = this.hold(name, job.id);
          try {
            await handler(job.data, { id: job.id, retryCount: job.retryCount, signal: this.stopSignal.signal });
          } catch (err) {
            const final = job.retryCount >= (job.retryLimit ?? this.options.retryLimit ?? 8);
            this.options.onJobFailed?.(err, { name, id: job.id, retryCount: job.retryCount, final });
            throw new JobFailure(describeError(err));
          } finally {
            lease.release();
          }
        }
      } finally {
        slot.busy = false;
        this.inFlight--;
      }
      // A backlog is worked back to back, not one job per polling interval (which held a queue to
      // two jobs a second, bench/crew.ts); after an empty fetch the worker waits the interval.
      if (jobs.length > 0 && slot.id) this.boss.notifyWorker(slot.id);
    });
    this.workers.set(name, [...(this.workers.get(name) ?? []), slot]);
    return slot.id;
  }

  /**
   * Runs the jobs that are ready, of every queue given to `work`, until none is ready, `deadline`
   * (ms since the epoch) has passed, or `signal` is aborted; then waits for the jobs under way and
   * returns what was done. Each queue runs up to its concurrency at once; each job keeps its lease,
   * outcome and retries as under a polling worker, so a failed attempt is retried per the queue's
   * policy (by this drain when the retry is due at once, else by a later one). When the deadline
   * passes or `signal` aborts, no further job is taken and the running ones see their `job.signal`
   * aborted (a batch stops taking items and goes back to the queue). A job still running when its
   * process is frozen or killed is found by its lease (ADR 0016).
   */
  async drain(options: { deadline: number; signal?: AbortSignal }): Promise<DrainResult> {
    const result: DrainResult = { completed: 0, failed: 0, byName: {}, stoppedBy: 'empty' };
    const stop = new AbortController();
    const halt = (why: DrainResult['stoppedBy']) => {
      if (stop.signal.aborted) return;
      result.stoppedBy = why;
      stop.abort();
    };
    const onSignal = () => halt('signal');
    if (options.signal?.aborted) halt('signal');
    options.signal?.addEventListener('abort', onSignal, { once: true });
    const untilDeadline = options.deadline - Date.now();
    if (untilDeadline <= 0) halt('deadline');
    const timer = untilDeadline > 0 ? setTimeout(() => halt('deadline'), untilDeadline) : undefined;
    const jobSignal = AbortSignal.any([stop.signal, this.stopSignal.signal]);
    const tally = (name: JobName, outcome: 'completed' | 'failed') => {
      const counts = result.byName[name] ?? { completed: 0, failed: 0 };
      counts[outcome]++;
      result.byName[name] = counts;
      result[outcome]++;
    };
    try {
      // Rounds until one finds nothing: a job may enqueue another (of its own or another queue).
      for (;;) {
        let ran = 0;
        const lanes: Promise<void>[] = [];
        for (const [name, { handler, concurrency }] of this.registered) {
          for (let lane = 0; lane < concurrency; lane++) {
            lanes.push(
              (async () => {
                while (!stop.signal.aborted && !this.stopping) {
                  const outcome = await this.runOne(name, handler, jobSignal);
                  if (!outcome) return;
                  ran++;
                  tally(name, outcome);
                }
              })(),
            );
          }
        }
        await Promise.all(lanes);
        if (this.stopping && !stop.signal.aborted) halt('signal');
        if (ran === 0 || stop.signal.aborted) break;
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onSignal);
    }
    return result;
  }

  /** Fetches one ready `name` job and runs it; null when none was ready. */
  private async runOne(name: JobName, handler: JobHandler<never>, signal: AbortSignal): Promise<'completed' | 'failed' | null> {
    const [job] = await this.boss.fetch<never>(name, { batchSize: 1, includeMetadata: true });
    if (!job) return null;
    this.inFlight++;
    const lease = this.hold(name, job.id);
    try {
      await handler(job.data, { id: job.id, retryCount: job.retryCount, signal });
    } catch (err) {
      const final = job.retryCount >= (job.retryLimit ?? this.options.retryLimit ?? 8);
      this.options.onJobFailed?.(err, { name, id: job.id, retryCount: job.retryCount, final });
      await this.boss.fail(name, job.id, new JobFailure(describeError(err)));
      return 'failed';
    } finally {
      lease.release();
      this.inFlight--;
    }
    await this.boss.complete(name, job.id);
    return 'completed';
  }

  /**
   * Enqueues each scheduled job whose cron time has come since it was last enqueued here — the
   * latest such time only, so a schedule missed while nothing ran is caught up once, not once per
   * missed time. For processes that do not stay up (the worker Lambda): `bosun start` has pg-boss's
   * own clock monitor. Each time is claimed in `pgboss.schedule_run` in the transaction that enqueues
   * its job, so of several processes checking at once exactly one enqueues it. Returns the names enqueued.
   */
  async runSchedules(now: Date = new Date()): Promise<JobName[]> {
    const schedules = await this.boss.getSchedules();
    const fired: JobName[] = [];
    for (const s of schedules) {
      // The latest cron time at or before `now` (cron-parser's `prev` is strictly before its date).
      const justAfter = new Date(Math.floor(now.getTime() / 1000) * 1000 + 1000);
      const due = cronParser
        .parseExpression(s.cron, { tz: (s as { timezone?: string }).timezone ?? 'UTC', currentDate: justAfter })
        .prev()
        .toDate();
      const enqueued = await this.handle.db.transaction().execute(async (tx) => {
        const db = executorFor(tx);
        const { rows } = await db.executeSql(
          `insert into ${JOB_SCHEMA}.${SCHEDULE_RUN_TABLE} (name, due_on) values ($1, $2)
           on conflict (name) do update set due_on = excluded.due_on where ${SCHEDULE_RUN_TABLE}.due_on < excluded.due_on
           returning 1`,
          [s.name, due.toISOString()],
        );
        if (rows.length === 0) return false;
        await this.boss.send(s.name, (s.data ?? {}) as object, { db } as PgBoss.SendOptions);
        return true;
      });
      if (enqueued) fired.push(s.name as JobName);
    }
    return fired;
  }

  /**
   * pg-boss's maintenance, once: expires jobs past their `expireInSeconds`, archives and drops old
   * ones. A supervising process runs it on its own timer; the worker Lambda at each invocation.
   */
  async maintain(): Promise<void> {
    await this.boss.maintain();
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

  async listFailed(limit = 50, filter: { tenantId?: string } = {}): Promise<FailedJob[]> {
    const { rows } = await this.handle.executeSql(
      `select id, name, data, output, retry_count, completed_on
         from ${JOB_SCHEMA}.job where state = 'failed' and ($2::text is null or data->>'tenantId' = $2)
        order by completed_on desc nulls last limit $1`,
      [limit, filter.tenantId ?? null],
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

  async retryFailed(tenantId: string, id: string): Promise<boolean> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return false;
    const { rows } = await this.handle.executeSql(
      `select name from ${JOB_SCHEMA}.job where id = $1 and state = 'failed' and data->>'tenantId' = $2`,
      [id, tenantId],
    );
    const name = rows[0]?.name;
    if (typeof name !== 'string') return false;
    await this.boss.retry(name, id);
    return true;
  }

  async listRunning(limit = 50): Promise<RunningJob[]> {
    const { rows } = await this.handle.executeSql(
      `select j.id, j.name, j.data, extract(epoch from now() - j.started_on)::float8 as running,
              ${LEASE_END} < now() as abandoned
         from ${JOB_SCHEMA}.job j left join ${JOB_SCHEMA}.${LEASE_TABLE} l on l.job_id = j.id
        where j.state = 'active'
        order by j.started_on limit $1`,
      [limit, this.lease.seconds],
    );
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      data: r.data,
      runningSeconds: Math.round(Number(r.running)),
      abandoned: r.abandoned === true,
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
    this.stopSignal.abort();
    if (this.sweeper) clearInterval(this.sweeper);
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: 10_000 });
    if (this.workers.size === 0) return;
    const deadline = Date.now() + 10_000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Let pg-boss record the last outcome (complete or fail) and its workers leave their loops.
    await new Promise((r) => setTimeout(r, 300));
  }
}

const LEASE_TABLE = 'job_lease';
/** The last cron time each schedule was enqueued for by `runSchedules`. */
const SCHEDULE_RUN_TABLE = 'schedule_run';

/**
 * When the lease of a running job ends (SQL over `job j` left-joined to its lease `l`, the lease's
 * length in `$2`): its last renewal, but never before this attempt's own start plus one lease. A row
 * left by an earlier attempt of the same job (retries keep the id) must not make a new one look
 * abandoned.
 */
const LEASE_END = `greatest(coalesce(l.lease_until, '-infinity'), j.started_on + make_interval(secs => $2))`;

/** Makes sure every queue exists with this retry policy, and the lease table. */
async function createQueues(boss: PgBoss, handle: DbHandle, options: JobQueueOptions): Promise<void> {
  for (const name of JOB_NAMES) {
    const policy = {
      name,
      policy: SHORT_QUEUES.has(name) ? ('short' as const) : ('standard' as const),
      retryLimit: options.retryLimit ?? 8,
      retryDelay: options.retryDelaySeconds ?? 2,
      retryBackoff: true,
      expireInSeconds: HANDLER_CEILING_SECONDS,
    };
    await boss.createQueue(name, policy);
    // createQueue leaves an existing queue as it was; the policy asked for here must apply.
    await boss.updateQueue(name, policy);
  }
  await createLeaseTable(handle);
}

/**
 * The leases of running jobs and the schedules' last runs, beside pg-boss's tables (created once,
 * under a lock: processes may start together).
 */
async function createLeaseTable(handle: DbHandle): Promise<void> {
  await handle.executeSql(`
    begin;
    select pg_advisory_xact_lock(hashtext('${JOB_SCHEMA}.${LEASE_TABLE}'));
    create table if not exists ${JOB_SCHEMA}.${LEASE_TABLE} (
      job_id uuid primary key,
      job_name text not null,
      lease_until timestamptz not null
    );
    create table if not exists ${JOB_SCHEMA}.${SCHEDULE_RUN_TABLE} (
      name text primary key,
      due_on timestamptz not null
    );
    commit;
  `);
}

function errorText(output: unknown): string {
  if (output && typeof output === 'object' && 'message' in output) return String((output as { message: unknown }).message);
  return output === null || output === undefined ? '' : JSON.stringify(output);
}
