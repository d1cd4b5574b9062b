/**
 * What every bench step shares: an undo stack that stops what a step started and removes what it
 * created (also on error and on Ctrl-C), temp folders, free ports, and a bounded concurrent driver.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Step = { label: string; run: () => Promise<void> | void };

const active = new Set<Cleanup>();

/** Undo steps, run last-in first-out; a failing step is reported and the others still run. */
export class Cleanup {
  readonly #steps: Step[] = [];
  #finished: Promise<void> | undefined;

  constructor() {
    active.add(this);
  }

  defer(label: string, run: () => Promise<void> | void): void {
    this.#steps.push({ label, run });
  }

  /** Runs the steps once; a second caller (the signal handler and the failing step alike) waits for the same run. */
  runAll(): Promise<void> {
    this.#finished ??= this.#run();
    return this.#finished;
  }

  async #run(): Promise<void> {
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      try {
        await step.run();
      } catch (err) {
        process.stderr.write(`bench: could not ${step.label}: ${(err as Error).message}\n`);
      }
    }
    active.delete(this);
  }
}

/** Runs `fn` with a fresh undo stack that is emptied however `fn` ends. */
export async function withCleanup<T>(fn: (cleanup: Cleanup) => Promise<T>): Promise<T> {
  const cleanup = new Cleanup();
  try {
    return await fn(cleanup);
  } finally {
    await cleanup.runAll();
  }
}

/** On Ctrl-C or SIGTERM, undo everything still open before leaving. */
export function cleanUpOnSignals(): void {
  const leave = async (signal: NodeJS.Signals) => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    for (const cleanup of [...active].reverse()) await cleanup.runAll();
    process.exit(130);
  };
  process.once('SIGINT', leave);
  process.once('SIGTERM', leave);
}

export function makeTempDir(cleanup: Cleanup, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.defer(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type Run = { count: number; seconds: number; perSecond: number; latenciesMs: number[] };

/** Runs `task(0..count-1)` with at most `concurrency` in flight; the rate counts completed tasks. */
export async function runBounded(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<Run> {
  let next = 0;
  const latenciesMs: number[] = [];
  const started = performance.now();
  const lane = async () => {
    for (let i = next++; i < count; i = next++) {
      const t0 = performance.now();
      await task(i);
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const seconds = (performance.now() - started) / 1000;
  return { count, seconds, perSecond: count / seconds, latenciesMs };
}

/** Several runs of one path as one: total count over total time. */
export function combineRuns(runs: Run[]): Run {
  const count = runs.reduce((sum, r) => sum + r.count, 0);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  return { count, seconds, perSecond: count / seconds, latenciesMs: runs.flatMap((r) => r.latenciesMs) };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
