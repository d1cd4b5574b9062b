/**
 * JobQueue port: durable background work. `enqueue` takes the open transaction of the change
 * that causes the job, so the job exists if and only if the change committed (ADR 0003).
 */
import type { CompiledQuery } from 'kysely';
import type { Tx } from '../db/client';

export type JobName =
  | 'guest-page.publish'
  | 'crew.notify'
  | 'crew.login-link'
  | 'staff.login-link'
  | 'office.crew-declined'
  | 'crew.remind'
  | 'mail.send'
  | 'guest.remind'
  | 'site.provision'
  | 'site.cleanup'
  | 'site.cleanup-sweep';

/** Payloads carry ids and the tenant id, never objects. */
export type JobPayload = { tenantId: string; bookingId: string; reason: string };

/** The payload of a job about one crew member rather than one booking (a requested sign-in link). */
export type CrewMemberJobPayload = { tenantId: string; crewMemberId: string; reason: string };

/** The payload of a job about one staff user (a requested sign-in link). */
export type StaffUserJobPayload = { tenantId: string; staffUserId: string; reason: string };

/** The payload of a job about one crew member's assignment to one booking (a decline). */
export type AssignmentJobPayload = { tenantId: string; bookingId: string; crewMemberId: string; reason: string };

/** Mail that a request queued (`outgoing_mail`): one message, or every unsent message of a batch. */
export type MailJobPayload = { tenantId: string; mailId?: string; batchId?: string; reason: string };

/** The payload of a job about a tenant's guest site (its provisioning at the CDN). */
export type SiteJobPayload = { tenantId: string; siteId: string; reason: string };

/** The payload of a job that empties a domain a tenant's guest site left (`domain_cleanups`). */
export type DomainCleanupJobPayload = { tenantId: string; cleanupId: string; reason: string };

/** A scheduled sweep over every tenant (reminders, pending cleanups): it names no tenant, only why it runs. */
export type SweepJobPayload = { reason: string };

/** Each job name's payload. */
export type JobPayloads = {
  'guest-page.publish': JobPayload;
  'crew.notify': JobPayload;
  'crew.login-link': CrewMemberJobPayload;
  'staff.login-link': StaffUserJobPayload;
  'office.crew-declined': AssignmentJobPayload;
  'crew.remind': SweepJobPayload;
  'mail.send': MailJobPayload;
  'guest.remind': SweepJobPayload;
  'site.provision': SiteJobPayload;
  'site.cleanup': DomainCleanupJobPayload;
  'site.cleanup-sweep': SweepJobPayload;
};

/** One job to enqueue: its name and that name's payload. */
export type JobSpec = { [N in JobName]: { name: N; payload: JobPayloads[N] } }[JobName];

export type FailedJob = {
  id: string;
  name: string;
  data: unknown;
  error: string;
  retryCount: number;
  failedAt: Date | null;
};

/** A job being worked now, by the database's clock. */
export type RunningJob = {
  id: string;
  name: string;
  data: unknown;
  /** Seconds since its current attempt started. */
  runningSeconds: number;
  /** Its process stopped renewing its lease: it was abandoned, and waits for a supervising process. */
  abandoned: boolean;
};

export interface JobQueue {
  /** Inserts the job inside `tx`; returns its id. `singletonKey`, when set, keeps one pending job per key. */
  enqueue<N extends JobName>(tx: Tx, name: N, payload: JobPayloads[N], options?: { singletonKey?: string }): Promise<string | null>;
  /**
   * Inserts every job of `jobs` inside `tx` in one statement, in the order given (a change that causes
   * several jobs pays one round trip for them); returns their ids in that order. No singleton keys.
   * `alongside`, a data-modifying statement compiled for `tx` (a change's audit entries), runs in that
   * same statement, or without jobs on its own: an adapter must never drop it (ADR 0035).
   */
  enqueueAll(tx: Tx, jobs: readonly JobSpec[], options?: { alongside?: CompiledQuery | undefined }): Promise<string[]>;
  /** Failed jobs (retries used up) with their last error, newest first; with `tenantId`, only that tenant's. */
  listFailed(limit?: number, filter?: { tenantId?: string }): Promise<FailedJob[]>;
  /**
   * Puts a failed job of `tenantId` back in the queue for another round of attempts; false when no
   * failed job of that tenant has this id (another tenant's job is never touched).
   */
  retryFailed(tenantId: string, id: string): Promise<boolean>;
  /** Jobs being worked now (or abandoned by a process that died), longest-running first. */
  listRunning(limit?: number): Promise<RunningJob[]>;
}

/**
 * `job.signal` is aborted once the process begins to stop: a long handler (a message to many) stops
 * taking new work, finishes what is under way, and throws, so the job runs again after the restart.
 */
export type JobHandler<P = JobPayload> = (payload: P, job: { id: string; retryCount: number; signal: AbortSignal }) => Promise<void>;

/** The working side of the queue: the process that runs jobs registers a handler per job name. */
export interface JobWorker {
  /**
   * Runs `handler` for each `name` job, up to `concurrency` jobs at a time in this process (default 1:
   * one after another). Handlers of a queue with concurrency above 1 must not assume they run alone.
   */
  work<N extends JobName>(name: N, handler: JobHandler<JobPayloads[N]>, options?: { concurrency?: number }): Promise<string>;
  /** Enqueues `name` on a cron schedule (UTC), once across all processes; scheduling again replaces it. */
  schedule<N extends JobName>(name: N, cron: string, payload: JobPayloads[N]): Promise<void>;
}
