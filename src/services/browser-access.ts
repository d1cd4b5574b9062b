/**
 * Sign-in for people in browsers, crew and staff alike (ADR 0010, ADR 0021): a magic link opens a
 * session; both are random secrets stored only as SHA-256 digests (`secrets.ts`). Each audience
 * says where its links and sessions live and who they belong to; the rules are the same for all:
 * a malformed, unknown, expired or revoked link opens nothing, nor does the link of someone no longer
 * active, and a presented secret is matched by its digest and compared in constant time.
 */
import type { Queryable, Tx } from '../db/client';
import type { ServiceDeps } from './context';
import { digestOf, newSecret, SECRET_PATTERN, sameDigest } from './secrets';

/** A stored magic link, as every audience keeps it. */
export type StoredLink = {
  id: string;
  tenantId: string;
  subjectId: string;
  tokenHash: string;
  purpose: string;
  expiresAt: Date;
  revokedAt: Date | null;
};

/** Where one audience keeps its links and sessions. `P` is who a session belongs to. */
export type Audience<P extends { sessionDigest: string }> = {
  sessionLifetimeMs: number;
  /** The link with this token digest, in any tenant: the digest is what names the tenant. */
  findLink(q: Queryable, tokenHash: string): Promise<StoredLink | undefined>;
  /** Whether the link's person may still sign in (not deactivated or removed). */
  isActive(q: Queryable, tenantId: string, subjectId: string): Promise<boolean>;
  /**
   * Stores the session, marks the link used and writes the audit entry, in one transaction; false when
   * the link may open no more sessions (an audience whose links work once, used already).
   */
  openSession(tx: Tx, link: StoredLink, session: { idHash: string; expiresAt: Date; now: Date }): Promise<boolean>;
  /** The live session with this id digest, with its person; undefined when unknown, expired or inactive. */
  findSession(q: Queryable, idHash: string, now: Date): Promise<P | undefined>;
};

export type SignInResult =
  | { ok: true; session: string; expiresAt: Date; tenantId: string; subjectId: string }
  | { ok: false; reason: 'invalid' | 'expired' | 'revoked' };

/** Issues a link token: returns the token (once) and the digest to store. */
export function newLinkToken(): { token: string; tokenHash: string } {
  const token = newSecret();
  return { token, tokenHash: digestOf(token).toString('hex') };
}

/** Signs someone in with a magic-link token: a new session, its id returned once. */
export async function signInWithLink<P extends { sessionDigest: string }>(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  audience: Audience<P>,
  token: string,
): Promise<SignInResult> {
  if (!SECRET_PATTERN.test(token)) return { ok: false, reason: 'invalid' };
  const actual = digestOf(token);
  const link = await audience.findLink(deps.db, actual.toString('hex'));
  if (!link || !sameDigest(link.tokenHash, actual)) return { ok: false, reason: 'invalid' };
  const now = deps.clock.now();
  if (link.revokedAt !== null) return { ok: false, reason: 'revoked' };
  if (link.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  if (!(await audience.isActive(deps.db, link.tenantId, link.subjectId))) return { ok: false, reason: 'revoked' };
  const session = newSecret();
  const expiresAt = new Date(now.getTime() + audience.sessionLifetimeMs);
  const opened = await deps.db
    .transaction()
    .execute((tx) => audience.openSession(tx, link, { idHash: digestOf(session).toString('hex'), expiresAt, now }));
  if (!opened) return { ok: false, reason: 'revoked' };
  return { ok: true, session, expiresAt, tenantId: link.tenantId, subjectId: link.subjectId };
}

/** Who a session cookie belongs to, or null for a malformed, unknown or expired one. */
export async function authenticateSession<P extends { sessionDigest: string }>(
  deps: Pick<ServiceDeps, 'db' | 'clock'>,
  audience: Audience<P>,
  session: string,
): Promise<P | null> {
  if (!SECRET_PATTERN.test(session)) return null;
  const actual = digestOf(session);
  const found = await audience.findSession(deps.db, actual.toString('hex'), deps.clock.now());
  if (!found || !sameDigest(found.sessionDigest, actual)) return null;
  return found;
}
