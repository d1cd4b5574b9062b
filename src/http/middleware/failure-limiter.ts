/**
 * Counts failures per client address in fixed windows, in process (one server per installation,
 * ADR 0004). What an address over the limit is refused is the caller's choice: the API and crew
 * sign-in refuse only credentials that fail (ADR 0015), so one client's typos lock no one else out.
 */
export class FailureLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  /** Until when some address is over the limit: while none is, callers need not look one up. */
  #anyOverUntil = 0;
  constructor(
    private readonly limit = 20,
    private readonly windowMs = 5 * 60_000,
  ) {}

  /** Seconds to wait when `address` is over the limit, else 0. */
  retryAfter(address: string, now = Date.now()): number {
    const w = this.#windows.get(address);
    if (!w || w.resetAt <= now) return 0;
    return w.count >= this.limit ? Math.ceil((w.resetAt - now) / 1000) : 0;
  }

  recordFailure(address: string, now = Date.now()): void {
    const w = this.#windows.get(address);
    if (!w || w.resetAt <= now) {
      if (this.#windows.size > 100_000) this.#prune(now);
      this.#windows.set(address, { count: 1, resetAt: now + this.windowMs });
    } else {
      w.count++;
      if (w.count >= this.limit && w.resetAt > this.#anyOverUntil) this.#anyOverUntil = w.resetAt;
    }
  }

  /** True while some address is over the limit (cheap: no address needed). */
  anyOver(now = Date.now()): boolean {
    return now < this.#anyOverUntil;
  }

  /**
   * Records a failure and returns the seconds to wait when the address was already over the limit
   * before it (0 while it was not): the answer to give this failure.
   */
  fail(address: string, now = Date.now()): number {
    const wait = this.retryAfter(address, now);
    this.recordFailure(address, now);
    return wait;
  }

  #prune(now: number) {
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
  }
}
