/**
 * JobQueue port: durable background work. `enqueue` takes the open transaction of the change
 * that causes the job, so the job exists if and only if the change committed (ADR 0003).
 */
import type { Tx } from '../db/client';

export type JobName = 'guest-page.publish' | 'crew.notify';

/** Payloads carry ids and the tenant id, never objects. */
export type JobPayload = { tenantId: string; bookingId: string; reason: string };

export type FailedJob = {
  id: string;
  name: string;
  data: unknown;
  error: string;
  retryCount: number;
  failedAt: Date | null;
};

export interface JobQueue {
  /** Inserts the job inside `tx`; returns its id. `singletonKey`, when set, keeps one pending job per key. */
  enqueue(tx: Tx, name: JobName, payload: JobPayload, options?: { singletonKey?: string }): Promise<string | null>;
  /** Failed jobs (retries used up) with their last error, newest first. */
  listFailed(limit?: number): Promise<FailedJob[]>;
}

export type JobHandler = (payload: JobPayload, job: { id: string; retryCount: number }) => Promise<void>;

/** The working side of the queue: the process that runs jobs registers a handler per job name. */
export interface JobWorker {
  work(name: JobName, handler: JobHandler): Promise<string>;
}
