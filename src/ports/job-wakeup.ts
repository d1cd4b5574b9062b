/**
 * JobWakeup port: tells whatever works jobs elsewhere that jobs were enqueued (the worker Lambda, ADR
 * 0026). Only a shortcut: the worker's schedule finds every job anyway, so a wake-up may be lost.
 */
export interface JobWakeup {
  /** Asks the worker to drain now; resolves once the request was handed over (not when jobs ran). */
  wake(): Promise<void>;
}
