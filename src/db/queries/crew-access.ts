/** Crew magic links and crew sessions, stored as SHA-256 digests, within one tenant. */
import { sql } from 'kysely';
import type { Queryable } from '../client';
import type { MagicLinkPurpose } from '../schema';

export async function insertMagicLink(
  q: Queryable,
  tenantId: string,
  l: { crewMemberId: string; tokenHash: string; purpose: MagicLinkPurpose; expiresAt: Date; now: Date },
) {
  return q
    .insertInto('crew_magic_links')
    .values({
      tenant_id: tenantId,
      crew_member_id: l.crewMemberId,
      token_hash: l.tokenHash,
      purpose: l.purpose,
      expires_at: l.expiresAt,
      created_at: l.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Finds a link by the digest of its token. The one lookup that runs before the tenant is known:
 * the digest is what names the tenant.
 */
export async function findMagicLinkByHash(q: Queryable, tokenHash: string) {
  return q.selectFrom('crew_magic_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function getMagicLink(q: Queryable, tenantId: string, id: string) {
  return q.selectFrom('crew_magic_links').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function listMagicLinksOfCrewMember(q: Queryable, tenantId: string, crewMemberId: string) {
  return q
    .selectFrom('crew_magic_links')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('crew_member_id', '=', crewMemberId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function touchMagicLink(q: Queryable, tenantId: string, id: string, now: Date) {
  await q.updateTable('crew_magic_links').set({ last_used_at: now }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

/** Revokes one link; returns how many were live. */
export async function revokeMagicLink(q: Queryable, tenantId: string, id: string, now: Date): Promise<number> {
  const r = await q
    .updateTable('crew_magic_links')
    .set({ revoked_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Revokes every live link of a crew member; returns how many. */
export async function revokeMagicLinksOfCrewMember(q: Queryable, tenantId: string, crewMemberId: string, now: Date): Promise<number> {
  const r = await q
    .updateTable('crew_magic_links')
    .set({ revoked_at: now })
    .where('tenant_id', '=', tenantId)
    .where('crew_member_id', '=', crewMemberId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function insertCrewSession(
  q: Queryable,
  tenantId: string,
  s: { idHash: string; crewMemberId: string; magicLinkId: string | null; expiresAt: Date; now: Date },
) {
  await q
    .insertInto('crew_sessions')
    .values({
      id_hash: s.idHash,
      tenant_id: tenantId,
      crew_member_id: s.crewMemberId,
      magic_link_id: s.magicLinkId,
      expires_at: s.expiresAt,
      created_at: s.now,
    })
    .execute();
}

/** Finds a live session by the digest of its id, with its crew member: the digest names the tenant. */
export async function findCrewSessionByHash(q: Queryable, idHash: string, now: Date) {
  return q
    .selectFrom('crew_sessions as s')
    .innerJoin('crew_members as c', (j) => j.onRef('c.id', '=', 's.crew_member_id').onRef('c.tenant_id', '=', 's.tenant_id'))
    .innerJoin('tenants as t', 't.id', 's.tenant_id')
    .select(['s.id_hash', 's.tenant_id', 's.crew_member_id', 's.expires_at', 'c.name as crew_name', 't.name as tenant_name'])
    .where('s.id_hash', '=', idHash)
    .where('s.expires_at', '>', now)
    .where('c.deactivated_at', 'is', null)
    .executeTakeFirst();
}

export async function deleteCrewSession(q: Queryable, tenantId: string, idHash: string) {
  await q.deleteFrom('crew_sessions').where('tenant_id', '=', tenantId).where('id_hash', '=', idHash).execute();
}

export async function deleteCrewSessionsOfCrewMember(q: Queryable, tenantId: string, crewMemberId: string): Promise<number> {
  const r = await q
    .deleteFrom('crew_sessions')
    .where('tenant_id', '=', tenantId)
    .where('crew_member_id', '=', crewMemberId)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/**
 * The active crew members with this address in every tenant: "send me a new link" does not know the
 * tenant, and one person may crew for several operators. Returns ids only.
 */
export async function listCrewMembersByEmailInAllTenants(q: Queryable, email: string) {
  return q
    .selectFrom('crew_members')
    .select(['id', 'tenant_id'])
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .where('deactivated_at', 'is', null)
    .execute();
}
