/**
 * Connects each job name to its handler, in the process that works jobs (`bosun start`).
 * Handlers are idempotent: a job may run again after a crash or a retry.
 */
import type { JobWorker } from '../ports/job-queue';
import type { ServiceDeps } from '../services/context';

/** What job handlers may use: the services' dependencies and the ports of side effects. */
export type JobDeps = ServiceDeps;

export async function registerJobHandlers(worker: JobWorker, deps: JobDeps): Promise<void> {
  void worker;
  void deps;
}
