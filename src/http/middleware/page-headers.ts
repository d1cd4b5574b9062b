/**
 * The headers of pages for people who are signed in (crew, staff): never cached, never indexed, no
 * Referer (sign-in links carry their token in the path), no framing, and a strict CSP. A handler may
 * set a stricter or page-specific header; it is kept.
 */
import type { MiddlewareHandler } from 'hono';

export function pageHeaders(options: { csp: string }): MiddlewareHandler {
  const headers: Record<string, string> = {
    'cache-control': 'no-store',
    'x-robots-tag': 'noindex, nofollow',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': options.csp,
  };
  return async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(headers)) if (!c.res.headers.has(k)) c.res.headers.set(k, v);
  };
}
