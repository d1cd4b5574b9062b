/**
 * FailureLimits port: counts failures per client address in fixed windows, one count per named limit
 * (ADR 0015). What an address over a limit is refused is the caller's choice: the API and the sign-in
 * links refuse only credentials that fail, the local edge every page of the site. Where several
 * processes serve one installation they share the counts (ADR 0024).
 */

/**
 * One limit: at most `limit` failures per address in a window of `windowMs` that opens at the
 * address's first failure. The name keeps each limit's counts apart from every other's.
 */
export type FailureLimit = { readonly name: string; readonly limit: number; readonly windowMs: number };

export interface FailureLimits {
  /**
   * Records a failure of `address` and returns the seconds to wait when the address was already over
   * the limit before it (0 while it was not): the answer to give this failure.
   */
  fail(limit: FailureLimit, address: string): Promise<number>;
  /** Seconds to wait while `address` is over the limit, else 0. Records nothing. */
  retryAfter(limit: FailureLimit, address: string): Promise<number>;
  /**
   * False while no address is known, in this process, to be over the limit: a caller that refuses
   * more than failures (the local edge) then need not look the address up for a request that
   * succeeded. Costs no I/O. An address counted over by another process becomes known here at its
   * next failure in this one.
   */
  anyOver(limit: FailureLimit): boolean;
}

/** Seconds from `now` to `until`, rounded up: what `Retry-After` says. */
export const secondsUntil = (until: number, now: number) => Math.max(1, Math.ceil((until - now) / 1000));
