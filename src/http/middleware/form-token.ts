/**
 * A form token bound to the session, on top of Hono's Origin check (`csrf()`): every state-changing
 * request of a signed-in person must carry `_csrf` (a form field) or `x-csrf-token` (a script's
 * header) equal to an HMAC of their session's digest. Without a session there is nothing to forge.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { sameText, signature } from '../../services/secrets';
import { formOf } from './strict-form';

/** The token a signed-in person's forms carry. */
export function formTokenFor(secret: string, purpose: string, sessionDigest: string): string {
  return signature(secret, `${purpose}-csrf:${sessionDigest}`);
}

export function formToken(options: {
  secret: string;
  /** Keeps one surface's tokens from working on another's (`crew`, `staff`). */
  purpose: string;
  /** The session's digest, or undefined when no one is signed in. */
  sessionDigest(c: Context): string | undefined;
  refuse(c: Context): Response | Promise<Response>;
}): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const digest = options.sessionDigest(c);
    if (digest === undefined) return next();
    const field = formOf(c)._csrf;
    const sent = c.req.header('x-csrf-token') ?? (typeof field === 'string' ? field : '');
    if (!sameText(sent, formTokenFor(options.secret, options.purpose, digest))) return options.refuse(c);
    await next();
  };
}
