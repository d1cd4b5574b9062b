/**
 * Counts requests (not only failures) against limits, for forms anyone may post, such as "mail me a
 * sign-in link": each limit has its own key (the address; the address and the e-mail asked for), a
 * key of null is not counted, and over any limit the request is answered with `limited`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { FailureLimit, FailureLimits } from '../../ports/failure-limits';

export function limitRequests(options: {
  counts: FailureLimits;
  limits: readonly { limit: FailureLimit; key(c: Context): string | null }[];
  limited(c: Context, retryAfterSeconds: number): Response | Promise<Response>;
}): MiddlewareHandler {
  return async (c, next) => {
    let wait = 0;
    for (const { limit, key } of options.limits) {
      const k = key(c);
      if (k !== null) wait = Math.max(wait, await options.counts.fail(limit, k));
    }
    if (wait > 0) {
      c.header('retry-after', String(wait));
      return options.limited(c, wait);
    }
    await next();
  };
}
