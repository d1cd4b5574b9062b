/**
 * Counts requests (not only failures) against limiters, for forms anyone may post, such as "mail me a
 * sign-in link": each limiter has its own key (the address; the address and the e-mail asked for), a
 * key of null is not counted, and over any limit the request is answered with `limited`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { FailureLimiter } from './failure-limiter';

export function limitRequests(options: {
  limits: readonly { limiter: FailureLimiter; key(c: Context): string | null }[];
  limited(c: Context, retryAfterSeconds: number): Response | Promise<Response>;
}): MiddlewareHandler {
  return async (c, next) => {
    let wait = 0;
    for (const { limiter, key } of options.limits) {
      const k = key(c);
      if (k !== null) wait = Math.max(wait, limiter.fail(k));
    }
    if (wait > 0) {
      c.header('retry-after', String(wait));
      return options.limited(c, wait);
    }
    await next();
  };
}
