/**
 * The office's side of a tenant's crew roster: listing crew members and deactivating one who left.
 * A crew member is never deleted: deactivating keeps their past charters, ticks and audit entries.
 */
import type { z } from 'zod';
import { insertAuditEntries, insertAuditEntry } from '../db/queries/audit';
import { deleteUpcomingAssignmentsOfCrewMember } from '../db/queries/events';
import * as people from '../db/queries/people';
import type { ServiceDeps, TenantContext } from './context';
import { revokeCrewAccessIn } from './crew-access';
import { ConflictError, NotFoundError } from './errors';
import { type CrewRef, findCrewMember, refName } from './events';
import type { addCrewSchema } from './tenants';

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

/** One crew member of the tenant, active or not. Errors: NotFoundError (no such member here). */
export async function getCrewMember(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, id: string): Promise<CrewMemberView> {
  const member = await findCrewMember(deps.db, ctx.tenantId, { crewId: id });
  if (!member) throw new NotFoundError('The crew member');
  return view(member);
}

export type RosterEntry = CrewMemberView & {
  /** Charters not over yet (and not cancelled) they are assigned to. */
  upcomingAssignments: number;
};

/** The whole roster by name, deactivated members included, each with their upcoming assignments. */
export async function listCrewRoster(deps: Pick<ServiceDeps, 'db' | 'clock'>, ctx: TenantContext): Promise<RosterEntry[]> {
  const [rows, upcoming] = await Promise.all([
    people.listCrewMembers(deps.db, ctx.tenantId, { includeDeactivated: true }),
    people.countUpcomingAssignmentsByCrewMember(deps.db, ctx.tenantId, deps.clock.now()),
  ]);
  return rows.map((r) => ({ ...view(r), upcomingAssignments: upcoming.get(r.id) ?? 0 }));
}

/**
 * Changes a crew member's name, address, phone and role, audited as `crew.updated` (nothing is
 * written when nothing changes). Errors: NotFoundError, ConflictError (another member has the address).
 */
export async function updateCrewMember(
  deps: Pick<ServiceDeps, 'db'>,
  ctx: TenantContext,
  id: string,
  input: z.infer<typeof addCrewSchema>,
): Promise<CrewMemberView> {
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const member = await findCrewMember(tx, ctx.tenantId, { crewId: id }, { forUpdate: true });
      if (!member) throw new NotFoundError('The crew member');
      const details = { name: input.name, email: input.email, phone: input.phone || null, role: input.role };
      const before = { name: member.name, email: member.email, phone: member.phone, role: member.role };
      if (JSON.stringify(before) === JSON.stringify(details)) return view(member);
      const updated = await people.updateCrewMember(tx, ctx.tenantId, member.id, details);
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'crew.updated',
        entityType: 'crew_member',
        entityId: member.id,
        before,
        after: details,
      });
      return view(updated);
    });
  } catch (err) {
    if ((err as { code?: string })?.code === '23505')
      throw new ConflictError(`A crew member with ${input.email} exists already.`, [
        { field: 'email', message: 'is taken by another crew member' },
      ]);
    throw err;
  }
}

/**
 * Makes a deactivated crew member active again, as they were (audited as `crew.reactivated`); they
 * can be assigned and ask for a sign-in link again. Reactivating an active one changes nothing.
 * Errors: NotFoundError.
 */
export async function reactivateCrewMember(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, id: string) {
  return deps.db.transaction().execute(async (tx) => {
    const member = await findCrewMember(tx, ctx.tenantId, { crewId: id }, { forUpdate: true });
    if (!member) throw new NotFoundError('The crew member');
    if (member.deactivated_at === null) return { ...view(member), changed: false };
    const details = { name: member.name, email: member.email, phone: member.phone, role: member.role };
    const row = await people.reactivateCrewMember(tx, ctx.tenantId, member.id, details);
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'crew.reactivated',
      entityType: 'crew_member',
      entityId: member.id,
      before: { active: false },
      after: { active: true },
    });
    return { ...view(row), changed: true };
  });
}

/**
 * Queues a new sign-in link for an active crew member: the same `crew.login-link` job as their own
 * request at `/crew/login` (one pending per member), audited as `crew_link.sent`.
 * Errors: NotFoundError, ConflictError (deactivated: they cannot sign in).
 */
export async function sendCrewSignInLink(deps: Pick<ServiceDeps, 'db' | 'jobs'>, ctx: TenantContext, id: string) {
  return deps.db.transaction().execute(async (tx) => {
    const member = await findCrewMember(tx, ctx.tenantId, { crewId: id });
    if (!member) throw new NotFoundError('The crew member');
    if (member.deactivated_at !== null) throw new ConflictError(`${member.name} is deactivated: reactivate them before sending a link.`);
    await deps.jobs.enqueue(
      tx,
      'crew.login-link',
      { tenantId: ctx.tenantId, crewMemberId: member.id, reason: 'crew.link_sent_by_office' },
      { singletonKey: `crew.login-link:${member.id}` },
    );
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'crew_link.sent',
      entityType: 'crew_member',
      entityId: member.id,
      after: { reason: 'office' },
    });
    return view(member);
  });
}
