/**
 * HEAD answers with every header GET's answer has. Hono answers HEAD by running GET and copying its
 * response without a body; on @hono/node-server a response made with plain-object headers is copied
 * from those original headers, so whatever middleware added afterwards (security headers, the crew
 * pages' policy) was lost. Mounted first, this hands on a HEAD's response with its headers as they
 * finally are; GET is left alone.
 */
import type { MiddlewareHandler } from 'hono';

export function headAsGet(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.req.method !== 'HEAD') return;
    const res = c.res;
    // Read before anything else of the response: on @hono/node-server other getters rebuild it.
    const headers = new Headers(res.headers);
    c.res = undefined;
    c.res = new Response(null, { status: res.status, headers });
  };
}
