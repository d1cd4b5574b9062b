/** Vessels, crew members and staff users of one tenant. */
import { sql } from 'kysely';
import type { Queryable } from '../client';

export async function insertVessel(
  q: Queryable,
  tenantId: string,
  v: { slug: string; name: string; capacity: number; meetingPoint: string; timezone: string; turnaroundMinutes?: number },
) {
  return q
    .insertInto('vessels')
    .values({
      tenant_id: tenantId,
      slug: v.slug,
      name: v.name,
      capacity: v.capacity,
      meeting_point: v.meetingPoint,
      timezone: v.timezone,
      turnaround_minutes: v.turnaroundMinutes ?? 0,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getVesselBySlug(q: Queryable, tenantId: string, slug: string) {
  return q.selectFrom('vessels').selectAll().where('tenant_id', '=', tenantId).where('slug', '=', slug).executeTakeFirst();
}

export async function listVessels(q: Queryable, tenantId: string) {
  return q.selectFrom('vessels').selectAll().where('tenant_id', '=', tenantId).orderBy('slug').execute();
}

export async function insertCrewMember(
  q: Queryable,
  tenantId: string,
  c: { name: string; email: string; phone: string | null; role: 'captain' | 'crew' },
) {
  return q
    .insertInto('crew_members')
    .values({ tenant_id: tenantId, name: c.name, email: c.email, phone: c.phone, role: c.role })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listCrewMembers(q: Queryable, tenantId: string) {
  return q.selectFrom('crew_members').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
}

export async function getCrewMemberById(q: Queryable, tenantId: string, id: string) {
  return q.selectFrom('crew_members').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function getCrewMemberByEmail(q: Queryable, tenantId: string, email: string) {
  return q
    .selectFrom('crew_members')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export async function insertStaffUser(q: Queryable, tenantId: string, s: { name: string; email: string; role: 'owner' | 'staff' }) {
  return q
    .insertInto('staff_users')
    .values({ tenant_id: tenantId, name: s.name, email: s.email, role: s.role })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listStaffUsers(q: Queryable, tenantId: string) {
  return q.selectFrom('staff_users').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
}
