/**
 * API authentication: a scoped key in the header of its kind — a service key (`bsk_…`) in
 * `X-Service-Key`, a dashboard token (`bdt_…`) in `X-Dashboard-Token` — or either in `Authorization:
 * Bearer`. Missing or unknown → 401; lacking the scope → 403; two different credentials → 400.
 * Failures are counted per client address; an address over the limit gets 429 with `Retry-After`
 * for each key that fails, while a valid key is always checked and accepted (ADR 0015).
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { FailureLimits } from '../../ports/failure-limits';
import type { ServiceDeps } from '../../services/context';
import { authenticateKey, keyKindOf, type Principal, recordKeyUse, type Scope } from '../../services/keys';
import { problem } from '../problem';
import { API_KEY_FAILURES } from './failure-limits';

export type AuthVariables = { principal: Principal };

/** What a request presents: nothing, one key (with the header it came in), or two that differ. */
export type Credentials =
  | { kind: 'none' }
  | { kind: 'conflict'; headers: string[] }
  | { kind: 'key'; key: string; header: 'x-service-key' | 'x-dashboard-token' | 'authorization' };

const UNAUTHORIZED = { 'www-authenticate': 'Bearer' };

/**
 * Reads the request's credentials. The same key in two places (`X-Service-Key` and `Bearer`, as some
 * clients send) is one credential; two different values are a conflict, since either could be meant.
 * An `Authorization` header of another scheme (Basic, from a proxy) is not one of Bosun's.
 */
export function readCredentials(c: Context): Credentials {
  const found: { header: 'x-service-key' | 'x-dashboard-token' | 'authorization'; value: string }[] = [];
  for (const header of ['x-service-key', 'x-dashboard-token'] as const) {
    const raw = c.req.header(header);
    // A header sent twice arrives joined with a comma; keys never hold one.
    if (raw !== undefined) for (const value of raw.split(',')) found.push({ header, value: value.trim() });
  }
  const authorization = c.req.header('authorization');
  const bearer = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  if (bearer?.[1]) for (const value of bearer[1].split(',')) found.push({ header: 'authorization', value: value.trim() });
  const values = new Set(found.map((f) => f.value).filter(Boolean));
  if (values.size > 1) return { kind: 'conflict', headers: [...new Set(found.map((f) => f.header))] };
  const first = found.find((f) => f.value);
  return first ? { kind: 'key', key: first.value, header: first.header } : { kind: 'none' };
}

/** The key a request presents, when it presents exactly one. */
export function presentedKey(c: Context): string | undefined {
  const credentials = readCredentials(c);
  return credentials.kind === 'key' ? credentials.key : undefined;
}

export function requireKey(
  deps: Pick<ServiceDeps, 'db' | 'clock' | 'keyCache'>,
  limits: FailureLimits,
  clientAddress: (c: Context) => string,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  const refuse = async (c: Context, detail: string) => {
    const wait = await limits.fail(API_KEY_FAILURES, clientAddress(c));
    if (wait > 0) {
      return problem(
        c,
        429,
        'Too many failed attempts',
        `${detail} Too many keys from this address failed; try again in ${wait} seconds.`,
        undefined,
        {
          'retry-after': String(wait),
        },
      );
    }
    return problem(c, 401, 'Unauthorized', detail, undefined, UNAUTHORIZED);
  };
  return async (c, next) => {
    const credentials = readCredentials(c);
    if (credentials.kind === 'conflict') {
      return problem(
        c,
        400,
        'Conflicting credentials',
        `The request carries two different keys (${credentials.headers.join(', ')}); send one.`,
      );
    }
    if (credentials.kind === 'none') return refuse(c, 'Send a key in X-Service-Key, X-Dashboard-Token or Authorization: Bearer.');
    const kind = keyKindOf(credentials.key);
    if (credentials.header === 'x-service-key' && kind !== 'service') {
      return refuse(c, 'X-Service-Key takes a service key (bsk_…); send a dashboard token in X-Dashboard-Token.');
    }
    if (credentials.header === 'x-dashboard-token' && kind !== 'dashboard') {
      return refuse(c, 'X-Dashboard-Token takes a dashboard token (bdt_…); send a service key in X-Service-Key.');
    }
    // A valid key is accepted whatever its address did before: only failing keys are refused (ADR 0015).
    const principal = await authenticateKey(deps.db, credentials.key, deps.keyCache);
    if (!principal) return refuse(c, 'The key is unknown or revoked.');
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
