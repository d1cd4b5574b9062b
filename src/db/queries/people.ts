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

/** The tenant's crew members by name; deactivated ones only with `includeDeactivated`. */
export async function listCrewMembers(q: Queryable, tenantId: string, options: { includeDeactivated?: boolean } = {}) {
  let query = q.selectFrom('crew_members').selectAll().where('tenant_id', '=', tenantId);
  if (!options.includeDeactivated) query = query.where('deactivated_at', 'is', null);
  return query.orderBy('name').orderBy('email').execute();
}

/** `forUpdate` locks the row until the transaction ends (assigning and deactivating take it in turn). */
export async function getCrewMemberById(q: Queryable, tenantId: string, id: string, options: { forUpdate?: boolean } = {}) {
  const query = q.selectFrom('crew_members').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function getCrewMemberByEmail(q: Queryable, tenantId: string, email: string, options: { forUpdate?: boolean } = {}) {
  const query = q
    .selectFrom('crew_members')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(sql`lower(email)`, '=', email.toLowerCase());
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/** Marks a crew member deactivated; returns whether they were active until now. */
export async function deactivateCrewMember(q: Queryable, tenantId: string, id: string, now: Date): Promise<boolean> {
  const r = await q
    .updateTable('crew_members')
    .set({ deactivated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('deactivated_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Makes a deactivated crew member active again with the details given. */
export async function reactivateCrewMember(
  q: Queryable,
  tenantId: string,
  id: string,
  c: { name: string; email: string; phone: string | null; role: 'captain' | 'crew' },
) {
  return q
    .updateTable('crew_members')
    .set({ name: c.name, email: c.email, phone: c.phone, role: c.role, deactivated_at: null })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
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

/** Changes a crew member's details (not whether they are active). */
export async function updateCrewMember(
  q: Queryable,
  tenantId: string,
  id: string,
  c: { name: string; email: string; phone: string | null; role: 'captain' | 'crew' },
) {
  return q
    .updateTable('crew_members')
    .set({ name: c.name, email: c.email, phone: c.phone, role: c.role })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** How many charters not over by `now` (and not completed) each crew member is on; members on none are absent. */
export async function countUpcomingAssignmentsByCrewMember(q: Queryable, tenantId: string, now: Date) {
  const rows = await q
    .selectFrom('assignments as a')
    .innerJoin('bookings as b', (j) => j.onRef('b.tenant_id', '=', 'a.tenant_id').onRef('b.id', '=', 'a.booking_id'))
    .select(['a.crew_member_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('a.tenant_id', '=', tenantId)
    .where('b.ends_at', '>', now)
    .where('b.status', 'not in', ['completed', 'cancelled'])
    .groupBy('a.crew_member_id')
    .execute();
  return new Map(rows.map((r) => [r.crew_member_id, Number(r.n)]));
}

export async function getVesselById(q: Queryable, tenantId: string, id: string, options: { forUpdate?: boolean } = {}) {
  const query = q.selectFrom('vessels').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function updateVessel(
  q: Queryable,
  tenantId: string,
  id: string,
  v: { name: string; capacity: number; meetingPoint: string; timezone: string; turnaroundMinutes: number },
) {
  return q
    .updateTable('vessels')
    .set({
      name: v.name,
      capacity: v.capacity,
      meeting_point: v.meetingPoint,
      timezone: v.timezone,
      turnaround_minutes: v.turnaroundMinutes,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getStaffUserById(q: Queryable, tenantId: string, id: string, options: { forUpdate?: boolean } = {}) {
  const query = q.selectFrom('staff_users').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/** The tenant's active owners, locked until the transaction ends (so two owners cannot remove each other at once). */
export async function listActiveOwnersForUpdate(q: Queryable, tenantId: string) {
  return q
    .selectFrom('staff_users')
    .select(['id'])
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'owner')
    .where('deactivated_at', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Marks a staff user deactivated; returns whether they were active until now. */
export async function deactivateStaffUser(q: Queryable, tenantId: string, id: string, now: Date): Promise<boolean> {
  const r = await q
    .updateTable('staff_users')
    .set({ deactivated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('deactivated_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}
