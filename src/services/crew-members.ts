/**
 * The office's side of a tenant's crew roster: listing crew members and deactivating one who left.
 * A crew member is never deleted: deactivating keeps their past charters, ticks and audit entries.
 */
import { insertAuditEntries } from '../db/queries/audit';
import { deleteUpcomingAssignmentsOfCrewMember } from '../db/queries/events';
import * as people from '../db/queries/people';
import type { ServiceDeps, TenantContext } from './context';
import { revokeCrewAccessIn } from './crew-access';
import { NotFoundError } from './errors';
import { type CrewRef, findCrewMember, refName } from './events';

export type CrewMemberView = {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  role: 'captain' | 'crew';
  active: boolean;
  /** When they were deactivated (ISO 8601 in UTC); null while active. */
  deactivatedAt: string | null;
};

function view(row: Awaited<ReturnType<typeof people.listCrewMembers>>[number]): CrewMemberView {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    role: row.role,
    active: row.deactivated_at === null,
    deactivatedAt: row.deactivated_at?.toISOString() ?? null,
  };
}

/** The tenant's crew members by name: the active ones, or with `includeDeactivated` everyone. */
export async function listCrew(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, options: { includeDeactivated?: boolean } = {}) {
  const rows = await people.listCrewMembers(deps.db, ctx.tenantId, options);
  return rows.map(view);
}

/** How many of the tenant's crew members are deactivated (a list of active ones says so). */
export async function countDeactivatedCrew(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext): Promise<number> {
  const all = await people.listCrewMembers(deps.db, ctx.tenantId, { includeDeactivated: true });
  return all.filter((c) => c.deactivated_at !== null).length;
}

export type DeactivationResult = CrewMemberView & {
  /** False when the member was inactive already (nothing changed). */
  changed: boolean;
  /** Sign-in links revoked and sessions ended. */
  links: number;
  sessions: number;
  /** The charters (not over yet) they were taken off. */
  removedFrom: string[];
};

/**
 * Deactivates a crew member at once, in one transaction: every sign-in link is revoked and every
 * session ended, they are taken off each charter that is not over (audited as
 * `assignment.removed` on each), and they can no longer be assigned, ask for a link or sign in.
 * Their past assignments and audit entries stay. Deactivating twice changes nothing the second time.
 * Errors: NotFoundError when no such crew member is in the tenant.
 */
export async function deactivateCrewMember(deps: ServiceDeps, ctx: TenantContext, ref: CrewRef): Promise<DeactivationResult> {
  const { tenantId } = ctx;
  const out = await deps.db.transaction().execute(async (tx) => {
    const member = await findCrewMember(tx, tenantId, ref, { forUpdate: true });
    if (!member) throw new NotFoundError(`Crew member ${refName(ref)}`);
    if (member.deactivated_at !== null) return { member, changed: false, links: 0, sessions: 0, removed: [] };
    const now = deps.clock.now();
    await people.deactivateCrewMember(tx, tenantId, member.id, now);
    const { links, sessions } = await revokeCrewAccessIn(tx, tenantId, member.id, now);
    const removed = await deleteUpcomingAssignmentsOfCrewMember(tx, tenantId, member.id, now);
    await insertAuditEntries(tx, tenantId, [
      ...removed.map((a) => ({
        actor: ctx.actor,
        action: 'assignment.removed',
        entityType: 'event',
        entityId: a.booking_id,
        before: { crewMember: member.id, role: a.role, status: a.status },
      })),
      {
        actor: ctx.actor,
        action: 'crew.deactivated',
        entityType: 'crew_member',
        entityId: member.id,
        before: { active: true },
        after: { active: false, links, sessions, removedFrom: removed.map((a) => a.booking_id) },
      },
    ]);
    return { member: { ...member, deactivated_at: now }, changed: true, links, sessions, removed };
  });
  return {
    ...view(out.member),
    changed: out.changed,
    links: out.links,
    sessions: out.sessions,
    removedFrom: out.removed.map((a) => a.booking_id).sort(),
  };
}
