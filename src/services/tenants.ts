/** Tenants (operators), their sites, vessels, crew and staff: the platform operator's and office's set-up. */
import { z } from 'zod';
import { insertAuditEntry } from '../db/queries/audit';
import { insertDomainCleanup, isDomainCleanupPending, lockDomains } from '../db/queries/domain-cleanups';
import * as people from '../db/queries/people';
import { listPublishableBookingIds } from '../db/queries/publishing';
import { bumpTenantFeedGeneration } from '../db/queries/tenant-feed';
import * as q from '../db/queries/tenants';
import type { TenantSettings } from '../db/schema';
import { BOOKING_RULES } from '../domain/booking';
import { isGuestLogoUrl, isGuestPhone, MAX_LOGO_CHARS } from '../domain/branding';
import { isIpAddress, reservedHostProblem } from '../domain/hosts';
import { isValidTimeZone } from '../domain/time';
import type { Actor, ServiceDeps, TenantContext } from './context';
import { enqueueDomainCleanup } from './domain-cleanup';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { revokeStaffAccessIn } from './staff-access';
import { optionalLine, singleLine } from './text-fields';

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
  name: singleLine(200),
  guestDomain: hostname,
  timezone: timezone.default('UTC'),
});

/** `bosun site domain`: the tenant's guest site moves to another host. */
export const guestDomainSchema = z.strictObject({ guestDomain: hostname });

const vesselFields = {
  name: singleLine(200),
  capacity: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(10000),
  meetingPoint: optionalLine(500),
  turnaroundMinutes: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number of minutes')
    .min(0, 'must not be negative')
    .max(BOOKING_RULES.maxTurnaroundMinutes, `must be at most ${BOOKING_RULES.maxTurnaroundMinutes} minutes`),
};

export const addVesselSchema = z.strictObject({
  slug,
  name: vesselFields.name,
  capacity: vesselFields.capacity.default(12),
  meetingPoint: vesselFields.meetingPoint.default(''),
  timezone: timezone.optional(),
  turnaroundMinutes: vesselFields.turnaroundMinutes.optional(),
});

/** A vessel's details as the office edits them (its slug names it in the API and stays). */
export const updateVesselSchema = z.strictObject({ ...vesselFields, timezone });

export const addCrewSchema = z.strictObject({
  name: singleLine(200),
  email: z.email('must be an e-mail address'),
  phone: optionalLine(40).optional(),
  role: z.enum(['captain', 'crew'], { error: 'must be captain or crew' }).default('crew'),
});

export const addStaffSchema = z.strictObject({
  name: singleLine(200),
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
 * Refuses a domain whose former site's pages and slugs are still being removed (ADR 0007 addendum):
 * given now, the new site would serve them until the cleanup ran, or lose its own first pages to it.
 * Run under `lockDomains`, so a domain being left cannot be taken before its cleanup is recorded.
 */
async function assertDomainCleanedUp(tx: Parameters<typeof isDomainCleanupPending>[0], domain: string) {
  if (await isDomainCleanupPending(tx, domain)) {
    throw new ConflictError(
      `The domain ${domain} is not free yet: the pages of the site that had it are still being removed (cleanup pending).`,
      [{ field: 'guestDomain', message: 'is being cleaned up' }],
    );
  }
}

/**
 * Creates a tenant with its guest site. Errors: ValidationError (a reserved guest domain: the
 * installation's own host, localhost, an IP address), ConflictError (slug or domain taken, or the
 * domain's former site still being cleaned up).
 */
export async function createTenant(
  deps: Pick<ServiceDeps, 'db' | 'publicHost'> & Partial<Pick<ServiceDeps, 'jobs' | 'provisionSites'>>,
  actor: Actor,
  input: z.infer<typeof createTenantSchema>,
) {
  assertGuestDomainAllowed(deps, input.guestDomain);
  try {
    return await deps.db.transaction().execute(async (tx) => {
      await lockDomains(tx, [input.guestDomain]);
      await assertDomainCleanedUp(tx, input.guestDomain);
      const tenant = await q.insertTenant(tx, { slug: input.slug, name: input.name, timezone: input.timezone });
      const site = await q.insertSite(tx, tenant.id, { domain: input.guestDomain, role: 'guest' });
      await insertAuditEntry(tx, tenant.id, {
        actor,
        action: 'tenant.created',
        entityType: 'tenant',
        entityId: tenant.id,
        after: { slug: tenant.slug, name: tenant.name, timezone: tenant.timezone, guestDomain: site.domain },
      });
      await enqueueSiteProvision(deps, tx, tenant.id, site.id, 'tenant.created');
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

export type GuestDomainChange = {
  domain: string;
  previous: string;
  changed: boolean;
  republishing: number;
  /** Whether the previous domain's pages and slugs are queued for removal (`site.cleanup`). */
  cleaningUp: boolean;
};

/**
 * Moves the tenant's guest site to `guestDomain`, audited, and enqueues in the same transaction a
 * publish of every page the site has (confirmed, completed, and cancelled ones that had a page), so
 * the pages appear at the new host, and a `site.cleanup` of the old domain, which removes the objects
 * and edge slugs the site left there (ADR 0007 addendum). The old host stops answering at once (the
 * local edge forgets a host within seconds), and no site is given it until its cleanup has finished.
 * Same rules as at creation; the same domain again changes nothing. Errors: ValidationError
 * (reserved), ConflictError (another tenant's, or a domain whose cleanup is pending), NotFoundError
 * (no guest site).
 */
export async function changeGuestDomain(
  deps: Pick<ServiceDeps, 'db' | 'jobs' | 'publicHost' | 'provisionSites'>,
  ctx: TenantContext,
  input: z.infer<typeof guestDomainSchema>,
): Promise<GuestDomainChange> {
  const domain = input.guestDomain;
  assertGuestDomainAllowed(deps, domain);
  try {
    return await deps.db.transaction().execute(async (tx) => {
      // The site's row first, then its domains: of two moves at once the second reads the domain the
      // first moved it to, and leaves that one (not the domain the first already left).
      const site = await q.getGuestSite(tx, ctx.tenantId, { forUpdate: true });
      if (!site) throw new NotFoundError('The guest site of this tenant');
      if (site.domain === domain) return { domain, previous: site.domain, changed: false, republishing: 0, cleaningUp: false };
      await lockDomains(tx, [site.domain, domain]);
      await assertDomainCleanedUp(tx, domain);
      await q.updateSiteDomain(tx, ctx.tenantId, site.id, domain);
      // What the site leaves under the old domain is removed by a job, before any site may take it.
      const cleanup = await insertDomainCleanup(tx, ctx.tenantId, { siteId: site.id, domain: site.domain });
      await enqueueDomainCleanup(deps.jobs, tx, ctx.tenantId, cleanup.id, 'site.domain_changed');
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'site.domain_changed',
        entityType: 'site',
        entityId: site.id,
        before: { domain: site.domain },
        after: { domain, cleanupId: cleanup.id },
      });
      await enqueueSiteProvision(deps, tx, ctx.tenantId, site.id, 'site.domain_changed');
      const pages = await listPublishableBookingIds(tx, ctx.tenantId);
      for (const bookingId of pages) {
        await deps.jobs.enqueue(tx, 'guest-page.publish', { tenantId: ctx.tenantId, bookingId, reason: 'site.domain_changed' });
      }
      return { domain, previous: site.domain, changed: true, republishing: pages.length, cleaningUp: true };
    });
  } catch (err) {
    if (isUnique(err)) throw domainTaken(domain);
    throw err;
  }
}

/**
 * Enqueues, in the change's transaction, the job that makes the site at the CDN (a distribution tenant
 * in platform mode, ADR 0027): no CDN call happens inside the transaction. Nothing where the edge
 * needs nothing made (`provisionSites` unset).
 */
async function enqueueSiteProvision(
  deps: Partial<Pick<ServiceDeps, 'jobs' | 'provisionSites'>>,
  tx: Parameters<ServiceDeps['jobs']['enqueue']>[0],
  tenantId: string,
  siteId: string,
  reason: string,
) {
  if (!deps.provisionSites) return;
  if (!deps.jobs) throw new Error('guest sites are provisioned by a job, but no job queue was given');
  await deps.jobs.enqueue(tx, 'site.provision', { tenantId, siteId, reason });
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
        turnaroundMinutes: input.turnaroundMinutes ?? 0,
      });
      const vessel = vesselView(v);
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

/**
 * Adds a crew member. Adding again the address of a deactivated one reactivates them with the
 * details given (`reactivated: true`, audited as `crew.reactivated`): their history stays theirs.
 * Errors: ConflictError when an active crew member has the address.
 */
export async function addCrewMember(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, input: z.infer<typeof addCrewSchema>) {
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const details = { name: input.name, email: input.email, phone: input.phone ?? null, role: input.role };
      const former = await people.getCrewMemberByEmail(tx, ctx.tenantId, input.email, { forUpdate: true });
      if (former && former.deactivated_at !== null) {
        const c = await people.reactivateCrewMember(tx, ctx.tenantId, former.id, details);
        const member = { id: c.id, name: c.name, email: c.email, phone: c.phone, role: c.role };
        await insertAuditEntry(tx, ctx.tenantId, {
          actor: ctx.actor,
          action: 'crew.reactivated',
          entityType: 'crew_member',
          entityId: c.id,
          before: { name: former.name, email: former.email, phone: former.phone, role: former.role, active: false },
          after: { ...member, active: true },
        });
        return { ...member, reactivated: true };
      }
      const c = await people.insertCrewMember(tx, ctx.tenantId, details);
      const member = { id: c.id, name: c.name, email: c.email, phone: c.phone, role: c.role };
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'crew.added',
        entityType: 'crew_member',
        entityId: c.id,
        after: member,
      });
      return { ...member, reactivated: false };
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

/** A vessel as services answer it. */
function vesselView(v: Awaited<ReturnType<typeof people.listVessels>>[number]) {
  return {
    id: v.id,
    slug: v.slug,
    name: v.name,
    capacity: v.capacity,
    meetingPoint: v.meeting_point,
    timezone: v.timezone,
    turnaroundMinutes: v.turnaround_minutes,
  };
}

/** One vessel of the tenant. Errors: NotFoundError (none such here, or not an id). */
export async function getVessel(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, id: string) {
  const row = z.uuid().safeParse(id).success ? await people.getVesselById(deps.db, ctx.tenantId, id) : undefined;
  if (!row) throw new NotFoundError('The vessel');
  return vesselView(row);
}

/**
 * Changes a vessel's name, capacity, meeting point, time zone and turnaround, audited as
 * `vessel.updated` (nothing is written when nothing changes). Bookings keep the turnaround they were
 * made or last moved with. Errors: NotFoundError.
 */
export async function updateVessel(
  deps: Pick<ServiceDeps, 'db'>,
  ctx: TenantContext,
  id: string,
  input: z.infer<typeof updateVesselSchema>,
) {
  return deps.db.transaction().execute(async (tx) => {
    const row = z.uuid().safeParse(id).success ? await people.getVesselById(tx, ctx.tenantId, id, { forUpdate: true }) : undefined;
    if (!row) throw new NotFoundError('The vessel');
    const before = vesselView(row);
    const after = { ...before, ...input };
    if (JSON.stringify(before) === JSON.stringify(after)) return before;
    const updated = vesselView(await people.updateVessel(tx, ctx.tenantId, row.id, input));
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'vessel.updated',
      entityType: 'vessel',
      entityId: row.id,
      before,
      after: updated,
    });
    return updated;
  });
}

/** The tenant's vessels by slug. */
export async function listVessels(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext) {
  return (await people.listVessels(deps.db, ctx.tenantId)).map(vesselView);
}

const staffView = (u: Awaited<ReturnType<typeof people.listStaffUsers>>[number]) => ({
  id: u.id,
  name: u.name,
  email: u.email,
  role: u.role,
  active: u.deactivated_at === null,
  /** When they were deactivated (ISO 8601 in UTC); null while active. */
  deactivatedAt: u.deactivated_at?.toISOString() ?? null,
});

export type StaffUserView = ReturnType<typeof staffView>;

/** The tenant's staff users by name, deactivated ones included (`active` says which). */
export async function listStaff(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext): Promise<StaffUserView[]> {
  return (await people.listStaffUsers(deps.db, ctx.tenantId)).map(staffView);
}

/** One staff user of the tenant. Errors: NotFoundError (none such here, or not an id). */
export async function getStaffUser(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, id: string): Promise<StaffUserView> {
  const row = z.uuid().safeParse(id).success ? await people.getStaffUserById(deps.db, ctx.tenantId, id) : undefined;
  if (!row) throw new NotFoundError('The staff user');
  return staffView(row);
}

/**
 * Deactivates a staff user at once: their sign-in links are revoked and their sessions end, in the
 * same transaction, audited as `staff.deactivated`. Nobody deactivates themselves, and the last
 * active owner stays (the owners are locked, so two owners cannot remove each other at once).
 * Deactivating twice changes nothing. Errors: NotFoundError, ConflictError.
 */
export async function deactivateStaffUser(deps: Pick<ServiceDeps, 'db' | 'clock'>, ctx: TenantContext, id: string) {
  return deps.db.transaction().execute(async (tx) => {
    const owners = await people.listActiveOwnersForUpdate(tx, ctx.tenantId);
    const row = z.uuid().safeParse(id).success ? await people.getStaffUserById(tx, ctx.tenantId, id, { forUpdate: true }) : undefined;
    if (!row) throw new NotFoundError('The staff user');
    if (row.deactivated_at !== null) return { ...staffView(row), changed: false, links: 0, sessions: 0 };
    if (ctx.actor.kind === 'staff' && ctx.actor.id === row.id) {
      throw new ConflictError('You cannot deactivate yourself; ask another owner.');
    }
    if (row.role === 'owner' && owners.length <= 1) {
      throw new ConflictError(`${row.name} is the last owner; add another owner first.`);
    }
    const now = deps.clock.now();
    await people.deactivateStaffUser(tx, ctx.tenantId, row.id, now);
    const { links, sessions } = await revokeStaffAccessIn(tx, ctx.tenantId, row.id, now);
    // Every staff user could copy the office's calendar feed link: someone who leaves takes it with them.
    await bumpTenantFeedGeneration(tx, ctx.tenantId, now);
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'staff.deactivated',
      entityType: 'staff_user',
      entityId: row.id,
      before: { active: true },
      after: { active: false, links, sessions },
    });
    return { ...staffView({ ...row, deactivated_at: now }), changed: true, links, sessions };
  });
}

const itemList = (max: number, items: number) =>
  z
    .array(singleLine(max))
    .max(items, `must have at most ${items} entries`)
    .refine((list) => new Set(list).size === list.length, 'must not repeat an entry');
const hours = (max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .max(max, `must be at most ${max}`);

/**
 * What `updateTenant` may change. A setting given as null goes back to its default (or is removed);
 * a list given as [] is cleared; a field left out stays as it is.
 */
export const updateTenantSchema = z
  .strictObject({
    name: singleLine(200).optional(),
    timezone: timezone.optional(),
    contactEmail: z.email('must be an e-mail address').max(254).nullable().optional(),
    contactPhone: singleLine(40).refine(isGuestPhone, 'must be a phone number like +1 619 555 0123').nullable().optional(),
    whatToBring: itemList(200, 20).optional(),
    policies: itemList(500, 20).optional(),
    checklist: itemList(200, 30).optional(),
    accentColor: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #0b4f6c')
      .transform((v) => v.toLowerCase())
      .nullable()
      .optional(),
    logoUrl: z
      .string()
      .refine(
        isGuestLogoUrl,
        `must be an inline image (data:image/png;base64,…, at most ${MAX_LOGO_CHARS} characters) or a path on the guest site like /logo.png: guest pages ask no other host`,
      )
      .nullable()
      .optional(),
    checklistOpensHours: hours(24 * 30)
      .nullable()
      .optional(),
    crewReminderHours: hours(24 * 14)
      .nullable()
      .optional(),
    guestReminderHours: hours(24 * 14)
      .nullable()
      .optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'give at least one setting to change', path: [] });

export type UpdateTenantInput = z.infer<typeof updateTenantSchema>;

const SETTING_KEYS = [
  'contactEmail',
  'contactPhone',
  'whatToBring',
  'policies',
  'checklist',
  'accentColor',
  'logoUrl',
  'checklistOpensHours',
  'crewReminderHours',
  'guestReminderHours',
] as const satisfies readonly (keyof TenantSettings & keyof UpdateTenantInput)[];

/**
 * Changes a tenant's name, time zone, contact details, guest information, branding, crew settings and
 * the guest reminder's lead time.
 * Only the fields given change; the change and its before/after are audited as `tenant.updated`
 * (nothing is written when nothing changes). Returns the fields that changed and the tenant as it is now.
 * Published guest pages show a change once published again (`bosun publish <tenant> --all`).
 */
export async function updateTenant(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, input: UpdateTenantInput) {
  return deps.db.transaction().execute(async (tx) => {
    const tenant = await q.getTenantById(tx, ctx.tenantId);
    if (!tenant) throw new NotFoundError('Tenant');
    const settings: TenantSettings = { ...tenant.settings };
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const record = (key: string, was: unknown, now: unknown) => {
      if (JSON.stringify(was ?? null) === JSON.stringify(now ?? null)) return;
      before[key] = was ?? null;
      after[key] = now ?? null;
    };
    const name = input.name ?? tenant.name;
    const zone = input.timezone ?? tenant.timezone;
    record('name', tenant.name, name);
    record('timezone', tenant.timezone, zone);
    for (const key of SETTING_KEYS) {
      const value = input[key];
      if (value === undefined) continue;
      const cleared = value === null || (Array.isArray(value) && value.length === 0);
      record(key, settings[key], cleared ? null : value);
      if (cleared) delete settings[key];
      else (settings as Record<string, unknown>)[key] = value;
    }
    const changed = Object.keys(after);
    if (changed.length > 0) {
      await q.updateTenant(tx, ctx.tenantId, { name, timezone: zone, settings });
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'tenant.updated',
        entityType: 'tenant',
        entityId: ctx.tenantId,
        before,
        after,
      });
    }
    return { changed, tenant: { id: tenant.id, slug: tenant.slug, name, timezone: zone, settings } };
  });
}

export type TenantProfile = {
  id: string;
  slug: string;
  name: string;
  timezone: string;
  /** The guest site's host, or null when the tenant has none. */
  guestDomain: string | null;
  settings: TenantSettings;
};

/** The tenant's name, zone, guest domain and settings, as the office sees them. Errors: NotFoundError. */
export async function getTenantProfile(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext): Promise<TenantProfile> {
  const [tenant, site] = await Promise.all([q.getTenantById(deps.db, ctx.tenantId), q.getGuestSite(deps.db, ctx.tenantId)]);
  if (!tenant) throw new NotFoundError('Tenant');
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    timezone: tenant.timezone,
    guestDomain: site?.domain ?? null,
    settings: { ...tenant.settings },
  };
}
