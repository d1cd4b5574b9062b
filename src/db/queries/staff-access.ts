/** Staff magic links and staff sessions, stored as SHA-256 digests, within one tenant. */
import { sql } from 'kysely';
import type { Queryable } from '../client';

export async function insertStaffLink(
  q: Queryable,
  tenantId: string,
  l: { staffUserId: string; tokenHash: string; expiresAt: Date; now: Date },
) {
  return q
    .insertInto('staff_magic_links')
    .values({ tenant_id: tenantId, staff_user_id: l.staffUserId, token_hash: l.tokenHash, expires_at: l.expiresAt, created_at: l.now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Finds a link by the digest of its token, before the tenant is known: the digest names it. */
export async function findStaffLinkByHash(q: Queryable, tokenHash: string) {
  return q.selectFrom('staff_magic_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Marks a link used unless it was already; whether this call did (a link opens one session). */
export async function claimStaffLink(q: Queryable, tenantId: string, id: string, now: Date): Promise<boolean> {
  const r = await q
    .updateTable('staff_magic_links')
    .set({ last_used_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('last_used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function revokeStaffLinksOfUser(q: Queryable, tenantId: string, staffUserId: string, now: Date): Promise<number> {
  const r = await q
    .updateTable('staff_magic_links')
    .set({ revoked_at: now })
    .where('tenant_id', '=', tenantId)
    .where('staff_user_id', '=', staffUserId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function insertStaffSession(
  q: Queryable,
  tenantId: string,
  s: { idHash: string; staffUserId: string; magicLinkId: string | null; expiresAt: Date; now: Date },
) {
  await q
    .insertInto('staff_sessions')
    .values({
      id_hash: s.idHash,
      tenant_id: tenantId,
      staff_user_id: s.staffUserId,
      magic_link_id: s.magicLinkId,
      expires_at: s.expiresAt,
      created_at: s.now,
    })
    .execute();
}

/** A live session by the digest of its id, with its staff user and tenant: the digest names the tenant. */
export async function findStaffSessionByHash(q: Queryable, idHash: string, now: Date) {
  return q
    .selectFrom('staff_sessions as s')
    .innerJoin('staff_users as u', (j) => j.onRef('u.id', '=', 's.staff_user_id').onRef('u.tenant_id', '=', 's.tenant_id'))
    .innerJoin('tenants as t', 't.id', 's.tenant_id')
    .select([
      's.id_hash',
      's.tenant_id',
      's.staff_user_id',
      'u.name as staff_name',
      'u.role',
      't.name as tenant_name',
      't.slug as tenant_slug',
    ])
    .where('s.id_hash', '=', idHash)
    .where('s.expires_at', '>', now)
    .where('u.deactivated_at', 'is', null)
    .executeTakeFirst();
}

export async function deleteStaffSession(q: Queryable, tenantId: string, idHash: string) {
  await q.deleteFrom('staff_sessions').where('tenant_id', '=', tenantId).where('id_hash', '=', idHash).execute();
}

export async function deleteStaffSessionsOfUser(q: Queryable, tenantId: string, staffUserId: string): Promise<number> {
  const r = await q
    .deleteFrom('staff_sessions')
    .where('tenant_id', '=', tenantId)
    .where('staff_user_id', '=', staffUserId)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The active staff users with this address in every tenant: sign-in does not know the tenant yet. */
export async function listStaffUsersByEmailInAllTenants(q: Queryable, email: string) {
  return q
    .selectFrom('staff_users as u')
    .innerJoin('tenants as t', 't.id', 'u.tenant_id')
    .select(['u.id', 'u.tenant_id', 'u.name', 'u.email', 't.name as tenant_name'])
    .where(sql`lower(u.email)`, '=', email.toLowerCase())
    .where('u.deactivated_at', 'is', null)
    .orderBy('t.name')
    .execute();
}

export async function getActiveStaffUser(q: Queryable, tenantId: string, staffUserId: string) {
  return q
    .selectFrom('staff_users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', staffUserId)
    .where('deactivated_at', 'is', null)
    .executeTakeFirst();
}
