/**
 * Sessions for people in browsers, closed by default (ADR 0021): every request under a surface needs
 * a session unless its route is on that surface's short list of public routes, so a page added later
 * is private until someone lists it. The cookie is HttpOnly and SameSite=Lax, and Secure (with the
 * `__Host-` prefix) when the surface is served over https.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export type SessionCookie = {
  read(c: Context): string | undefined;
  write(c: Context, value: string, expires: Date): void;
  clear(c: Context): void;
};

/** The session cookie `name`; `secure` when the public URL is https. */
export function sessionCookie(name: string, secure: boolean): SessionCookie {
  const options = { httpOnly: true, sameSite: 'Lax', secure, path: '/', ...(secure ? { prefix: 'host' as const } : {}) } as const;
  return {
    read: (c) => (secure ? getCookie(c, name, 'host') : getCookie(c, name)),
    write: (c, value, expires) => setCookie(c, name, value, { ...options, expires }),
    clear: (c) => deleteCookie(c, name, options),
  };
}

/**
 * A public route: a method and a path under the surface's base, Hono-style (`GET /login/:token`).
 * HEAD is served as GET.
 */
export type PublicRoute = `${'GET' | 'POST'} /${string}`;

export type SessionOptions<P> = {
  /** Where the surface is mounted, e.g. `/crew`. */
  base: string;
  cookie: SessionCookie;
  publicRoutes: readonly PublicRoute[];
  authenticate(raw: string): Promise<P | null>;
  /** Puts the principal where the surface's handlers read it. */
  signedIn(c: Context, principal: P): void;
  /** The answer without a session: a redirect to sign in for a page, a refusal for anything else. */
  signedOut(c: Context): Response | Promise<Response>;
};

/** Compiles public routes to one test of (method, path under base). */
export function publicRouteMatcher(routes: readonly PublicRoute[]): (method: string, path: string) => boolean {
  const compiled = routes.map((r) => {
    const space = r.indexOf(' ');
    const method = r.slice(0, space);
    const pattern = r
      .slice(space + 1)
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return { method, path: new RegExp(`^${pattern}$`) };
  });
  return (method, path) => {
    const m = method === 'HEAD' ? 'GET' : method;
    return compiled.some((r) => r.method === m && r.path.test(path));
  };
}

/**
 * Requires a session on every route but the public ones. Public routes (sign-in, feeds) run as for
 * anyone, signed in or not: they read no session, so they need no form token either.
 */
export function requireSession<P>(options: SessionOptions<P>): MiddlewareHandler {
  const isPublic = publicRouteMatcher(options.publicRoutes);
  return async (c, next) => {
    const path = c.req.path.slice(options.base.length) || '/';
    if (isPublic(c.req.method, path)) return next();
    const raw = options.cookie.read(c);
    const principal = raw ? await options.authenticate(raw) : null;
    if (!principal) return options.signedOut(c);
    options.signedIn(c, principal);
    await next();
  };
}
