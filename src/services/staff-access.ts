/**
 * Staff sign-in for the ops dashboard (ADR 0021): the office enters an e-mail address at `/app/login`
 * and each active staff user with it — one per tenant they work for — is mailed a link that works once,
 * within an hour, and opens a session of 12 hours. Links and sessions are kept as digests by the same rules as
 * the crew's (`browser-access.ts`). A staff session belongs to one staff user of one tenant.
 */
import { z } from 'zod';
import type { Queryable } from '../db/client';
import { insertAuditEntry } from '../db/queries/audit';
import * as q from '../db/queries/staff-access';
import { getTenantById } from '../db/queries/tenants';
import { renderStaffLoginLink } from '../mail/staff-mail';
import { type Audience, authenticateSession, newLinkToken, type SignInResult, signInWithLink } from './browser-access';
import type { ServiceDeps } from './context';
import { type MailDeps, sendMailOnce } from './mail';

export const STAFF_LINK_LIFETIME_MS = 60 * 60 * 1000;
export const STAFF_SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

export type StaffRole = 'owner' | 'staff';

/** Who a staff session belongs to. `sessionDigest` identifies the session without being the secret. */
export type StaffPrincipal = {
  tenantId: string;
  tenantName: string;
  tenantSlug: string;
  staffUserId: string;
  staffName: string;
  role: StaffRole;
  sessionDigest: string;
};

const STAFF: Audience<StaffPrincipal> = {
  sessionLifetimeMs: STAFF_SESSION_LIFETIME_MS,
  findLink: async (db, tokenHash) => {
    const link = await q.findStaffLinkByHash(db, tokenHash);
    return (
      link && {
        id: link.id,
        tenantId: link.tenant_id,
        subjectId: link.staff_user_id,
        tokenHash: link.token_hash,
        purpose: 'login',
        expiresAt: link.expires_at,
        revokedAt: link.revoked_at,
      }
    );
  },
  isActive: async (db, tenantId, staffUserId) => (await q.getActiveStaffUser(db, tenantId, staffUserId)) !== undefined,
  // A staff link works once: the office's mail may be read by others (a shared inbox, the mail log).
  openSession: async (tx, link, s) => {
    if (!(await q.claimStaffLink(tx, link.tenantId, link.id, s.now))) return false;
    await q.insertStaffSession(tx, link.tenantId, {
      idHash: s.idHash,
      staffUserId: link.subjectId,
      magicLinkId: link.id,
      expiresAt: s.expiresAt,
      now: s.now,
    });
    await insertAuditEntry(tx, link.tenantId, {
      actor: { kind: 'staff', id: link.subjectId },
      action: 'staff.signed_in',
      entityType: 'staff_user',
      entityId: link.subjectId,
      after: { link: link.id },
    });
    return true;
  },
  findSession: async (db, idHash, now) => {
    const row = await q.findStaffSessionByHash(db, idHash, now);
    return (
      row && {
        tenantId: row.tenant_id,
        tenantName: row.tenant_name,
        tenantSlug: row.tenant_slug,
        staffUserId: row.staff_user_id,
        staffName: row.staff_name,
        role: row.role,
        sessionDigest: row.id_hash,
      }
    );
  },
};

/** The link staff follow: `{publicUrl}/app/login/{token}`. */
export function staffLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/app/login/${token}`;
}

/** Issues a sign-in link for a staff user inside the caller's transaction; the token is returned once. */
export async function issueStaffLink(tx: Queryable, tenantId: string, input: { staffUserId: string; now: Date }) {
  const { token, tokenHash } = newLinkToken();
  const expiresAt = new Date(input.now.getTime() + STAFF_LINK_LIFETIME_MS);
  const row = await q.insertStaffLink(tx, tenantId, { staffUserId: input.staffUserId, tokenHash, expiresAt, now: input.now });
  return { id: row.id, token, expiresAt };
}

export type StaffSignInResult =
  | { ok: true; session: string; expiresAt: Date; tenantId: string; staffUserId: string }
  | Extract<SignInResult, { ok: false }>;

export async function signInStaff(deps: Pick<ServiceDeps, 'db' | 'clock'>, token: string): Promise<StaffSignInResult> {
  const result = await signInWithLink(deps, STAFF, token);
  return result.ok ? { ...result, staffUserId: result.subjectId } : result;
}

/** The staff user a session cookie belongs to, or null (malformed, unknown, expired, deactivated). */
export async function authenticateStaffSession(deps: Pick<ServiceDeps, 'db' | 'clock'>, session: string): Promise<StaffPrincipal | null> {
  return authenticateSession(deps, STAFF, session);
}

/** Ends the session; a second sign-out is harmless. */
export async function signOutStaff(deps: Pick<ServiceDeps, 'db'>, principal: StaffPrincipal): Promise<void> {
  await q.deleteStaffSession(deps.db, principal.tenantId, principal.sessionDigest);
}

export const requestStaffLinkSchema = z.strictObject({ email: z.email('must be an e-mail address').max(320) });

/**
 * Queues a sign-in mail for every active staff user with this address, in any tenant. The caller
 * answers the same whether or not any was found; one pending mail per staff user.
 */
export async function requestStaffLoginLink(deps: ServiceDeps, input: z.infer<typeof requestStaffLinkSchema>): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    for (const u of await q.listStaffUsersByEmailInAllTenants(tx, input.email)) {
      await deps.jobs.enqueue(
        tx,
        'staff.login-link',
        { tenantId: u.tenant_id, staffUserId: u.id, reason: 'staff.link_requested' },
        { singletonKey: `staff.login-link:${u.id}` },
      );
    }
  });
}

/** Mails a staff user the link they asked for; `requestId` (the job's id) keys the mail, so a retry sends at most one. */
export async function sendStaffLoginLink(deps: MailDeps, tenantId: string, staffUserId: string, requestId: string) {
  const [user, tenant] = await Promise.all([q.getActiveStaffUser(deps.db, tenantId, staffUserId), getTenantById(deps.db, tenantId)]);
  if (!user || !tenant) return 'not-needed' as const;
  return sendMailOnce(deps, tenantId, {
    kind: 'staff.login-link',
    dedupeKey: `staff-login-link:${requestId}`,
    to: { name: user.name, address: user.email },
    crewMemberId: null,
    bookingId: null,
    prepare: async (tx) => {
      const link = await issueStaffLink(tx, tenantId, { staffUserId: user.id, now: deps.clock.now() });
      const mail = await renderStaffLoginLink({
        tenantName: tenant.name,
        recipientName: user.name,
        signInUrl: staffLinkUrl(deps.mail.publicUrl, link.token),
        linkExpiresAt: link.expiresAt,
      });
      return { ...mail, magicLinkId: null };
    },
  });
}

/** Ends every session and link of a staff user inside the caller's transaction (deactivation, a lost laptop). */
export async function revokeStaffAccessIn(tx: Queryable, tenantId: string, staffUserId: string, now: Date) {
  const links = await q.revokeStaffLinksOfUser(tx, tenantId, staffUserId, now);
  const sessions = await q.deleteStaffSessionsOfUser(tx, tenantId, staffUserId);
  return { links, sessions };
}
