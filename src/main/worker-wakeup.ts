/**
 * The worker's wake-up after a request that enqueued jobs (ADR 0026). The job queue notes each enqueue
 * (`noteEnqueued`, its `onEnqueued` option); once the app has answered the request — its transaction
 * committed — the worker is woken through the `JobWakeup` port, at most once per `everyMs` in this
 * process. A wake-up held back by that interval goes out after the next request past it; the worker's
 * schedule finds the rest. The wake-up is awaited before the answer leaves: a Lambda instance is frozen
 * as soon as it has answered, and a call still under way would be lost. A failed wake-up is reported,
 * never the request's failure.
 */
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { Logger } from 'pino';
import { LambdaJobWakeup } from '../adapters/lambda-job-wakeup';
import type { Config } from '../config/env';
import type { JobWakeup } from '../ports/job-wakeup';

export type WorkerWakeupOptions = {
  /** The least time between two wake-ups from this process (default 5 s). */
  everyMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
};

type Fetch = (request: Request, ...rest: any[]) => Response | Promise<Response>;

export class WorkerWakeup {
  private pending = false;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly port: JobWakeup,
    private readonly options: WorkerWakeupOptions = {},
  ) {}

  /** A job was enqueued (its transaction may still roll back: then the worker finds nothing). */
  readonly noteEnqueued = (): void => {
    this.pending = true;
  };

  /** Wakes the worker if a job was enqueued since the last wake-up and the interval has passed. */
  async afterRequest(): Promise<void> {
    if (!this.pending) return;
    const now = (this.options.now ?? Date.now)();
    if (now - this.last < (this.options.everyMs ?? 5000)) return;
    this.pending = false;
    this.last = now;
    try {
      await this.port.wake();
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** The app's `fetch`, waking the worker after each answer that followed an enqueue. */
  wrap<F extends Fetch>(fetch: F): F {
    return (async (request: Request, ...rest: unknown[]) => {
      try {
        return await fetch(request, ...rest);
      } finally {
        await this.afterRequest();
      }
    }) as F;
  }
}

/**
 * The API role's wake-up when `BOSUN_WORKER_FUNCTION` names the worker function, else null (the
 * schedule alone runs the jobs). `clientConfig` points the Lambda client elsewhere (tests).
 */
export function workerWakeupFor(
  config: Pick<Config, 'workerFunction'>,
  log: Logger,
  options: { clientConfig?: LambdaClientConfig; everyMs?: number } = {},
): WorkerWakeup | null {
  if (!config.workerFunction) return null;
  return new WorkerWakeup(new LambdaJobWakeup(config.workerFunction, options.clientConfig), {
    ...(options.everyMs === undefined ? {} : { everyMs: options.everyMs }),
    onError: (err) => log.warn({ err }, 'the worker could not be woken; its schedule runs the jobs within a minute'),
  });
}
