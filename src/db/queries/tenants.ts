/** Tenants and their sites. Tenants are the one table not owned by a tenant; sites are keyed by tenant. */
import type { Queryable } from '../client';
import type { TenantSettings } from '../schema';

export async function insertTenant(q: Queryable, t: { slug: string; name: string; timezone: string; settings?: TenantSettings }) {
  return q
    .insertInto('tenants')
    .values({ slug: t.slug, name: t.name, timezone: t.timezone, settings: JSON.stringify(t.settings ?? {}) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getTenantBySlug(q: Queryable, slug: string) {
  return q.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function getTenantById(q: Queryable, tenantId: string) {
  return q.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
}

export async function listTenants(q: Queryable) {
  return q.selectFrom('tenants').selectAll().orderBy('slug').execute();
}

export async function insertSite(q: Queryable, tenantId: string, s: { domain: string; role: 'guest' | 'ops' }) {
  return q.insertInto('sites').values({ tenant_id: tenantId, domain: s.domain, role: s.role }).returningAll().executeTakeFirstOrThrow();
}

export async function listSites(q: Queryable, tenantId: string) {
  return q.selectFrom('sites').selectAll().where('tenant_id', '=', tenantId).orderBy('domain').execute();
}

/**
 * The tenant's guest site. With `forUpdate`, its row is locked until the transaction ends: a change of
 * its domain reads the domain it leaves only once no other change of it is under way (READ COMMITTED
 * re-reads the row).
 */
export async function getGuestSite(q: Queryable, tenantId: string, options: { forUpdate?: boolean } = {}) {
  const query = q.selectFrom('sites').selectAll().where('tenant_id', '=', tenantId).where('role', '=', 'guest').orderBy('created_at');
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/** Moves a tenant's site to another domain (unique across sites: a taken one fails on `sites_domain_key`). */
export async function updateSiteDomain(q: Queryable, tenantId: string, siteId: string, domain: string) {
  await q.updateTable('sites').set({ domain }).where('tenant_id', '=', tenantId).where('id', '=', siteId).execute();
}

/** Every site of every tenant, with its tenant's slug: for checks across tenants (doctor). */
export async function listAllSites(q: Queryable) {
  return q
    .selectFrom('sites as s')
    .innerJoin('tenants as t', 't.id', 's.tenant_id')
    .select(['s.id', 's.tenant_id', 's.domain', 's.role', 't.slug as tenant_slug'])
    .orderBy('s.domain')
    .execute();
}

/** Looks a site up by its domain: how a guest request finds its tenant. */
export async function getSiteByDomain(q: Queryable, domain: string) {
  return q.selectFrom('sites').selectAll().where('domain', '=', domain.toLowerCase()).executeTakeFirst();
}

/** Replaces a tenant's settings (branding, contact, what to bring, policies). */
export async function updateTenantSettings(q: Queryable, tenantId: string, settings: TenantSettings) {
  await q
    .updateTable('tenants')
    .set({ settings: JSON.stringify(settings) })
    .where('id', '=', tenantId)
    .execute();
}

/** Changes a tenant's name, time zone and settings (the whole settings object is replaced). */
export async function updateTenant(q: Queryable, tenantId: string, t: { name: string; timezone: string; settings: TenantSettings }) {
  await q
    .updateTable('tenants')
    .set({ name: t.name, timezone: t.timezone, settings: JSON.stringify(t.settings) })
    .where('id', '=', tenantId)
    .execute();
}
