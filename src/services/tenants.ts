/** Tenants (operators), their sites, vessels, crew and staff: the platform operator's and office's set-up. */
import { z } from 'zod';
import { insertAuditEntry } from '../db/queries/audit';
import * as people from '../db/queries/people';
import { listPublishableBookingIds } from '../db/queries/publishing';
import * as q from '../db/queries/tenants';
import { isIpAddress, reservedHostProblem } from '../domain/hosts';
import { isValidTimeZone } from '../domain/time';
import type { Actor, ServiceDeps, TenantContext } from './context';
import { ConflictError, NotFoundError, ValidationError } from './errors';

const hostname = z
  .string()
  .toLowerCase()
  .refine((v) => !isIpAddress(v), { error: 'is an IP address; a guest site needs a host name like guests.example.com', abort: true })
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    'must be a host name like guests.example.com',
  );
const timezone = z.string().refine(isValidTimeZone, 'must be an IANA time zone like America/Los_Angeles');
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');

export const createTenantSchema = z.strictObject({
  slug,
  name: z.string().trim().min(1, 'must not be empty').max(200),
  guestDomain: hostname,
  timezone: timezone.default('UTC'),
});

/** `bosun site domain`: the tenant's guest site moves to another host. */
export const guestDomainSchema = z.strictObject({ guestDomain: hostname });

export const addVesselSchema = z.strictObject({
  slug,
  name: z.string().trim().min(1, 'must not be empty').max(200),
  capacity: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(10000).default(12),
  meetingPoint: z.string().trim().max(500).default(''),
  timezone: timezone.optional(),
});

export const addCrewSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  email: z.email('must be an e-mail address'),
  phone: z.string().trim().max(40).optional(),
  role: z.enum(['captain', 'crew'], { error: 'must be captain or crew' }).default('crew'),
});

export const addStaffSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  email: z.email('must be an e-mail address'),
  role: z.enum(['owner', 'staff'], { error: 'must be owner or staff' }).default('staff'),
});

const isUnique = (err: unknown) => (err as { code?: string })?.code === '23505';

/** Refuses a guest domain the installation keeps for itself (domain/hosts.ts), naming the field. */
function assertGuestDomainAllowed(deps: Pick<ServiceDeps, 'publicHost'>, domain: string) {
  const problem = reservedHostProblem(domain, deps.publicHost);
  if (problem) throw new ValidationError([{ field: 'guestDomain', message: problem }], `The guest domain ${domain} cannot be used.`);
}

const domainTaken = (domain: string) =>
  new ConflictError(`The domain ${domain} belongs to a tenant already.`, [{ field: 'guestDomain', message: 'is taken' }]);

/**
 * Creates a tenant with its guest site. Errors: ValidationError (a reserved guest domain: the
 * installation's own host, localhost, an IP address), ConflictError (slug or domain taken).
 */
export async function createTenant(deps: Pick<ServiceDeps, 'db' | 'publicHost'>, actor: Actor, input: z.infer<typeof createTenantSchema>) {
  assertGuestDomainAllowed(deps, input.guestDomain);
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const tenant = await q.insertTenant(tx, { slug: input.slug, name: input.name, timezone: input.timezone });
      const site = await q.insertSite(tx, tenant.id, { domain: input.guestDomain, role: 'guest' });
      await insertAuditEntry(tx, tenant.id, {
        actor,
        action: 'tenant.created',
        entityType: 'tenant',
        entityId: tenant.id,
        after: { slug: tenant.slug, name: tenant.name, timezone: tenant.timezone, guestDomain: site.domain },
      });
      return { id: tenant.id, slug: tenant.slug, name: tenant.name, timezone: tenant.timezone, guestDomain: site.domain };
    });
  } catch (err) {
    if (isUnique(err)) {
      const constraint = (err as { constraint?: string }).constraint ?? '';
      throw constraint.startsWith('sites')
        ? domainTaken(input.guestDomain)
        : new ConflictError(`A tenant "${input.slug}" exists already.`, [{ field: 'slug', message: 'is taken' }]);
    }
    throw err;
  }
}

export type GuestDomainChange = { domain: string; previous: string; changed: boolean; republishing: number };

/**
 * Moves the tenant's guest site to `guestDomain`, audited, and enqueues in the same transaction a
 * publish of every page the site has (confirmed, completed, and cancelled ones that had a page), so
 * the pages appear at the new host. The old host stops answering at once (the local edge forgets a
 * host within seconds); its objects stay in the store. Same rules as at creation; the same domain
 * again changes nothing. Errors: ValidationError (reserved), ConflictError (another tenant's),
 * NotFoundError (no guest site).
 */
export async function changeGuestDomain(
  deps: Pick<ServiceDeps, 'db' | 'jobs' | 'publicHost'>,
  ctx: TenantContext,
  input: z.infer<typeof guestDomainSchema>,
): Promise<GuestDomainChange> {
  const domain = input.guestDomain;
  assertGuestDomainAllowed(deps, domain);
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const site = await q.getGuestSite(tx, ctx.tenantId);
      if (!site) throw new NotFoundError('The guest site of this tenant');
      if (site.domain === domain) return { domain, previous: site.domain, changed: false, republishing: 0 };
      await q.updateSiteDomain(tx, ctx.tenantId, site.id, domain);
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'site.domain_changed',
        entityType: 'site',
        entityId: site.id,
        before: { domain: site.domain },
        after: { domain },
      });
      const pages = await listPublishableBookingIds(tx, ctx.tenantId);
      for (const bookingId of pages) {
        await deps.jobs.enqueue(tx, 'guest-page.publish', { tenantId: ctx.tenantId, bookingId, reason: 'site.domain_changed' });
      }
      return { domain, previous: site.domain, changed: true, republishing: pages.length };
    });
  } catch (err) {
    if (isUnique(err)) throw domainTaken(domain);
    throw err;
  }
}

/** Resolves a tenant slug to its id, or NotFoundError. */
export async function resolveTenant(deps: Pick<ServiceDeps, 'db'>, tenantSlug: string) {
  const tenant = await q.getTenantBySlug(deps.db, tenantSlug);
  if (!tenant) throw new NotFoundError(`Tenant "${tenantSlug}"`);
  return tenant;
}

export async function listTenants(deps: Pick<ServiceDeps, 'db'>) {
  const tenants = await q.listTenants(deps.db);
  const out = [];
  for (const t of tenants) {
    const sites = await q.listSites(deps.db, t.id);
    out.push({ id: t.id, slug: t.slug, name: t.name, timezone: t.timezone, sites: sites.map((s) => ({ domain: s.domain, role: s.role })) });
  }
  return out;
}

export async function addVessel(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, input: z.infer<typeof addVesselSchema>) {
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const tenant = await q.getTenantById(tx, ctx.tenantId);
      if (!tenant) throw new NotFoundError('Tenant');
      const v = await people.insertVessel(tx, ctx.tenantId, {
        slug: input.slug,
        name: input.name,
        capacity: input.capacity,
        meetingPoint: input.meetingPoint,
        timezone: input.timezone ?? tenant.timezone,
      });
      const vessel = { id: v.id, slug: v.slug, name: v.name, capacity: v.capacity, meetingPoint: v.meeting_point, timezone: v.timezone };
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'vessel.added',
        entityType: 'vessel',
        entityId: v.id,
        after: vessel,
      });
      return vessel;
    });
  } catch (err) {
    if (isUnique(err)) throw new ConflictError(`A vessel "${input.slug}" exists already.`, [{ field: 'slug', message: 'is taken' }]);
    throw err;
  }
}

export async function addCrewMember(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, input: z.infer<typeof addCrewSchema>) {
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const c = await people.insertCrewMember(tx, ctx.tenantId, {
        name: input.name,
        email: input.email,
        phone: input.phone ?? null,
        role: input.role,
      });
      const member = { id: c.id, name: c.name, email: c.email, phone: c.phone, role: c.role };
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'crew.added',
        entityType: 'crew_member',
        entityId: c.id,
        after: member,
      });
      return member;
    });
  } catch (err) {
    if (isUnique(err))
      throw new ConflictError(`A crew member with ${input.email} exists already.`, [{ field: 'email', message: 'is taken' }]);
    throw err;
  }
}

export async function addStaffUser(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, input: z.infer<typeof addStaffSchema>) {
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const s = await people.insertStaffUser(tx, ctx.tenantId, { name: input.name, email: input.email, role: input.role });
      const staff = { id: s.id, name: s.name, email: s.email, role: s.role };
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'staff.added',
        entityType: 'staff_user',
        entityId: s.id,
        after: staff,
      });
      return staff;
    });
  } catch (err) {
    if (isUnique(err))
      throw new ConflictError(`A staff user with ${input.email} exists already.`, [{ field: 'email', message: 'is taken' }]);
    throw err;
  }
}
