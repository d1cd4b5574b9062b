/**
 * Error pages for browsers: an error answered as problem+json (404, 405, 500, …) becomes a small HTML
 * page with the same status, title and detail when the request asks for `text/html` and its path is
 * not one of `except` (the API always answers problem+json). Headers such as `Allow` and `Retry-After`
 * are kept.
 */
import type { MiddlewareHandler } from 'hono';
import type { Problem } from '../problem';

export function htmlErrorPages(options: {
  /** Paths that always answer problem+json, whatever the client accepts. */
  except: (path: string) => boolean;
  /** The page for a problem, and its CSP. */
  render: (problem: Pick<Problem, 'status' | 'title' | 'detail'>) => string | Promise<string>;
  csp: string;
}): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (res.status < 400 || res.headers.get('content-type') !== 'application/problem+json') return;
    if (options.except(c.req.path) || !(c.req.header('accept') ?? '').includes('text/html')) return;
    const problem = (await res.clone().json()) as Problem;
    const page = await options.render({ status: problem.status, title: problem.title, detail: problem.detail });
    const headers = new Headers(res.headers);
    headers.set('content-type', 'text/html; charset=utf-8');
    headers.set('content-security-policy', options.csp);
    headers.delete('content-length');
    c.res = undefined;
    c.res = new Response(page, { status: res.status, headers });
  };
}
