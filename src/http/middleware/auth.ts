/**
 * API authentication: a scoped key in `X-Service-Key`, `X-Dashboard-Token` or `Authorization:
 * Bearer`. Missing or unknown → 401; lacking the scope → 403. Failed attempts are counted per
 * client address, and an address over the limit gets 429 with `Retry-After` until its window ends.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { ServiceDeps } from '../../services/context';
import { authenticateKey, type Principal, recordKeyUse, type Scope } from '../../services/keys';
import { problem } from '../problem';

export type AuthVariables = { principal: Principal };

export function presentedKey(c: Context): string | undefined {
  const direct = c.req.header('x-service-key') ?? c.req.header('x-dashboard-token');
  if (direct) return direct.trim();
  const authorization = c.req.header('authorization');
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return match?.[1]?.trim();
}

/** Counts failures per address in fixed windows; in-process, which suffices for one server (ADR 0004). */
export class FailureLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
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
    }
  }

  #prune(now: number) {
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
  }
}

export function requireKey(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  limiter: FailureLimiter,
  clientAddress: (c: Context) => string,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const address = clientAddress(c);
    const wait = limiter.retryAfter(address);
    if (wait > 0) {
      return problem(c, 429, 'Too many failed attempts', `Try again in ${wait} seconds.`, undefined, {
        'retry-after': String(wait),
      });
    }
    const key = presentedKey(c);
    if (!key) {
      limiter.recordFailure(address);
      return problem(c, 401, 'Unauthorized', 'Send a key in X-Service-Key, X-Dashboard-Token or Authorization: Bearer.', undefined, {
        'www-authenticate': 'Bearer',
      });
    }
    const principal = await authenticateKey(deps.db, key);
    if (!principal) {
      limiter.recordFailure(address);
      return problem(c, 401, 'Unauthorized', 'The key is unknown or revoked.', undefined, { 'www-authenticate': 'Bearer' });
    }
    c.set('principal', principal);
    await recordKeyUse(deps, principal);
    await next();
  };
}

export function requireScope(scope: Scope): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    if (!c.var.principal.scopes.includes(scope)) {
      return problem(c, 403, 'Forbidden', `This key lacks the scope ${scope}.`);
    }
    await next();
  };
}
