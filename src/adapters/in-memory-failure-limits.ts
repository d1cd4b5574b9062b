/**
 * FailureLimits in process memory: for an installation one process serves (the embedded database has
 * one owner, ADR 0005). Every call answers from memory; nothing is shared with another process.
 */
import { type Clock, systemClock } from '../ports/clock';
import { type FailureLimit, type FailureLimits, secondsUntil } from '../ports/failure-limits';

/** Beyond this many open windows of one limit, the expired ones are dropped before a new one opens. */
const PRUNE_ABOVE = 100_000;

type Windows = {
  readonly byAddress: Map<string, { count: number; resetAt: number }>;
  /** Until when some address is over the limit: while none is, callers need not look one up. */
  anyOverUntil: number;
};

export class InMemoryFailureLimits implements FailureLimits {
  readonly #limits = new Map<string, Windows>();

  constructor(private readonly clock: Clock = systemClock) {}

  async fail(limit: FailureLimit, address: string): Promise<number> {
    const now = this.clock.now().getTime();
    const windows = this.#windows(limit);
    const wait = this.#retryAfter(windows, limit, address, now);
    const w = windows.byAddress.get(address);
    if (!w || w.resetAt <= now) {
      if (windows.byAddress.size > PRUNE_ABOVE) prune(windows, now);
      windows.byAddress.set(address, { count: 1, resetAt: now + limit.windowMs });
      if (limit.limit <= 1) windows.anyOverUntil = Math.max(windows.anyOverUntil, now + limit.windowMs);
    } else {
      w.count++;
      if (w.count >= limit.limit && w.resetAt > windows.anyOverUntil) windows.anyOverUntil = w.resetAt;
    }
    return wait;
  }

  async retryAfter(limit: FailureLimit, address: string): Promise<number> {
    return this.#retryAfter(this.#windows(limit), limit, address, this.clock.now().getTime());
  }

  anyOver(limit: FailureLimit): boolean {
    const windows = this.#limits.get(limit.name);
    return windows !== undefined && this.clock.now().getTime() < windows.anyOverUntil;
  }

  #retryAfter(windows: Windows, limit: FailureLimit, address: string, now: number): number {
    const w = windows.byAddress.get(address);
    if (!w || w.resetAt <= now) return 0;
    return w.count >= limit.limit ? secondsUntil(w.resetAt, now) : 0;
  }

  #windows(limit: FailureLimit): Windows {
    let windows = this.#limits.get(limit.name);
    if (!windows) {
      windows = { byAddress: new Map(), anyOverUntil: 0 };
      this.#limits.set(limit.name, windows);
    }
    return windows;
  }
}

function prune(windows: Windows, now: number) {
  for (const [address, w] of windows.byAddress) if (w.resetAt <= now) windows.byAddress.delete(address);
}
