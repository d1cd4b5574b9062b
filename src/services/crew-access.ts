/**
 * Crew access without passwords (ADR 0010). Magic links carry 256 random bits, are bound to one crew
 * member of one tenant, expire, can be revoked, and work again within their life (crew open them
 * on several devices). Only SHA-256 digests of links and sessions are stored; a presented secret is
 * matched by its digest and the digests are compared in constant time.
 */
import { z } from 'zod';
import type { Queryable } from '../db/client';
import { insertAuditEntry } from '../db/queries/audit';
import * as q from '../db/queries/crew-access';
import { getCrewMemberById } from '../db/queries/people';
import type { MagicLinkPurpose } from '../db/schema';
import { type Audience, authenticateSession, newLinkToken, type SignInResult, signInWithLink } from './browser-access';
import type { ServiceDeps, TenantContext } from './context';
import { NotFoundError, ValidationError } from './errors';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long each kind of link works: an assignment notice for 14 days, a requested link for a day. */
export const MAGIC_LINK_LIFETIME_MS: Record<MagicLinkPurpose, number> = { assignment: 14 * DAY_MS, login: DAY_MS };
export const CREW_SESSION_LIFETIME_MS = 30 * DAY_MS;

/** The link crew follow: `{publicUrl}/crew/login/{token}`. */
export function magicLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/crew/login/${token}`;
}

export type IssuedMagicLink = { id: string; token: string; expiresAt: Date };

/**
 * Issues a link for a crew member inside the caller's transaction (the mail that carries it is
 * recorded in the same one). The token is returned once and never stored.
 */
export async function issueMagicLink(
  tx: Queryable,
  tenantId: string,
  input: { crewMemberId: string; purpose: MagicLinkPurpose; now: Date },
): Promise<IssuedMagicLink> {
  const { token, tokenHash } = newLinkToken();
  const expiresAt = new Date(input.now.getTime() + MAGIC_LINK_LIFETIME_MS[input.purpose]);
  const row = await q.insertMagicLink(tx, tenantId, {
    crewMemberId: input.crewMemberId,
    tokenHash,
    purpose: input.purpose,
    expiresAt,
    now: input.now,
  });
  return { id: row.id, token, expiresAt };
}

/** Revokes one link inside the caller's transaction (an undelivered one, say); harmless if already revoked. */
export async function revokeMagicLinkIn(tx: Queryable, tenantId: string, linkId: string, now: Date): Promise<void> {
  await q.revokeMagicLink(tx, tenantId, linkId, now);
}

/** Revokes one link; it signs no one in from now on. Sessions it opened stay (see `revokeCrewAccess`). */
export async function revokeMagicLink(deps: Pick<ServiceDeps, 'db' | 'clock'>, ctx: TenantContext, linkId: string) {
  if (!z.uuid().safeParse(linkId).success) throw new ValidationError([{ field: 'link', message: 'must be a link id (a UUID)' }]);
  return deps.db.transaction().execute(async (tx) => {
    const link = await q.getMagicLink(tx, ctx.tenantId, linkId);
    if (!link) throw new NotFoundError(`Link ${linkId}`);
    const changed = await q.revokeMagicLink(tx, ctx.tenantId, linkId, deps.clock.now());
    if (changed > 0) {
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'crew_link.revoked',
        entityType: 'crew_member',
        entityId: link.crew_member_id,
        after: { link: linkId },
      });
    }
    return { id: linkId, revoked: true };
  });
}

/** Revokes every link of a crew member and ends their sessions, inside the caller's transaction; returns how many of each. */
export async function revokeCrewAccessIn(tx: Queryable, tenantId: string, crewMemberId: string, now: Date) {
  const links = await q.revokeMagicLinksOfCrewMember(tx, tenantId, crewMemberId, now);
  const sessions = await q.deleteCrewSessionsOfCrewMember(tx, tenantId, crewMemberId);
  return { links, sessions };
}

/** Revokes every link of a crew member and ends their sessions (a lost phone, someone who left). */
export async function revokeCrewAccess(deps: Pick<ServiceDeps, 'db' | 'clock'>, ctx: TenantContext, crewMemberId: string) {
  return deps.db.transaction().execute(async (tx) => {
    const member = await getCrewMemberById(tx, ctx.tenantId, crewMemberId);
    if (!member) throw new NotFoundError(`Crew member ${crewMemberId}`);
    const { links, sessions } = await revokeCrewAccessIn(tx, ctx.tenantId, crewMemberId, deps.clock.now());
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'crew_access.revoked',
      entityType: 'crew_member',
      entityId: crewMemberId,
      after: { links, sessions },
    });
    return { links, sessions };
  });
}

/** Who a crew session belongs to. `sessionDigest` identifies the session without being the secret. */
export type CrewPrincipal = {
  tenantId: string;
  tenantName: string;
  crewMemberId: string;
  crewName: string;
  sessionDigest: string;
};

/** Where crew links and sessions live. */
const CREW: Audience<CrewPrincipal> = {
  sessionLifetimeMs: CREW_SESSION_LIFETIME_MS,
  findLink: async (db, tokenHash) => {
    const link = await q.findMagicLinkByHash(db, tokenHash);
    return (
      link && {
        id: link.id,
        tenantId: link.tenant_id,
        subjectId: link.crew_member_id,
        tokenHash: link.token_hash,
        purpose: link.purpose,
        expiresAt: link.expires_at,
        revokedAt: link.revoked_at,
      }
    );
  },
  isActive: async (db, tenantId, crewMemberId) => {
    const member = await getCrewMemberById(db, tenantId, crewMemberId);
    return member !== undefined && member.deactivated_at === null;
  },
  openSession: async (tx, link, s) => {
    await q.insertCrewSession(tx, link.tenantId, {
      idHash: s.idHash,
      crewMemberId: link.subjectId,
      magicLinkId: link.id,
      expiresAt: s.expiresAt,
      now: s.now,
    });
    await q.touchMagicLink(tx, link.tenantId, link.id, s.now);
    await insertAuditEntry(tx, link.tenantId, {
      actor: { kind: 'crew', id: link.subjectId },
      action: 'crew.signed_in',
      entityType: 'crew_member',
      entityId: link.subjectId,
      after: { link: link.id, purpose: link.purpose },
    });
    // Crew open their link on several devices: it works again within its life (ADR 0010).
    return true;
  },
  findSession: async (db, idHash, now) => {
    const row = await q.findCrewSessionByHash(db, idHash, now);
    return (
      row && {
        tenantId: row.tenant_id,
        tenantName: row.tenant_name,
        crewMemberId: row.crew_member_id,
        crewName: row.crew_name,
        sessionDigest: row.id_hash,
      }
    );
  },
};

export type CrewSignInResult =
  | { ok: true; session: string; expiresAt: Date; tenantId: string; crewMemberId: string }
  | Extract<SignInResult, { ok: false }>;

/**
 * Signs a crew member in with a magic-link token: a new session (its id returned once, stored as a
 * digest) and an audit entry. A malformed, unknown, expired or revoked token opens no session, nor
 * does the link of a deactivated crew member (it reads as revoked).
 */
export async function signInWithMagicLink(deps: Pick<ServiceDeps, 'db' | 'clock'>, token: string): Promise<CrewSignInResult> {
  const result = await signInWithLink(deps, CREW, token);
  return result.ok ? { ...result, crewMemberId: result.subjectId } : result;
}

/** The crew member a session cookie belongs to, or null for a malformed, unknown or expired one (or a deactivated member's). */
export async function authenticateCrewSession(deps: Pick<ServiceDeps, 'db' | 'clock'>, session: string): Promise<CrewPrincipal | null> {
  return authenticateSession(deps, CREW, session);
}

/** Ends the session; a second sign-out is harmless. */
export async function signOutCrew(deps: Pick<ServiceDeps, 'db'>, principal: CrewPrincipal): Promise<void> {
  await q.deleteCrewSession(deps.db, principal.tenantId, principal.sessionDigest);
}

export const requestLinkSchema = z.strictObject({ email: z.email('must be an e-mail address').max(320) });

/**
 * "Send me a new link": queues a sign-in mail for every active crew member with this address, in any
 * tenant. The caller answers the same whether or not any was found; one pending mail per member.
 */
export async function requestCrewLoginLink(deps: ServiceDeps, input: z.infer<typeof requestLinkSchema>): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const members = await q.listCrewMembersByEmailInAllTenants(tx, input.email);
    for (const m of members) {
      await deps.jobs.enqueue(
        tx,
        'crew.login-link',
        { tenantId: m.tenant_id, crewMemberId: m.id, reason: 'crew.link_requested' },
        { singletonKey: `crew.login-link:${m.id}` },
      );
    }
  });
}
