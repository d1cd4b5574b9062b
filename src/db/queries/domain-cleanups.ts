/**
 * Domains a guest site left, until their objects and slugs are removed (ADR 0007 addendum). Every
 * function takes the tenant id but two: whether a domain is free to be given to a site is a question
 * across tenants, like the domain's uniqueness itself, and answers only yes or no.
 */
import { sql } from 'kysely';
import type { Queryable, Tx } from '../client';

/**
 * Serialises, until the transaction ends, every change that gives or takes these domains: a domain
 * being left and the same domain being taken wait for each other, so none is taken while its cleanup is
 * being recorded. Locks in a fixed order, so two changes never wait on each other.
 */
export async function lockDomains(tx: Tx, domains: readonly string[]): Promise<void> {
  for (const domain of [...new Set(domains)].sort()) {
    await sql`select pg_advisory_xact_lock(hashtext(${`bosun.domain:${domain}`}))`.execute(tx);
  }
}

/** Whether `domain` still holds a site's objects or slugs that are being removed (any tenant's). */
export async function isDomainCleanupPending(q: Queryable, domain: string): Promise<boolean> {
  const row = await q
    .selectFrom('domain_cleanups')
    .select('id')
    .where('domain', '=', domain)
    .where('finished_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertDomainCleanup(q: Queryable, tenantId: string, c: { siteId: string; domain: string }) {
  return q
    .insertInto('domain_cleanups')
    .values({ tenant_id: tenantId, site_id: c.siteId, domain: c.domain })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getDomainCleanup(q: Queryable, tenantId: string, id: string) {
  return q.selectFrom('domain_cleanups').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

/** The tenant's cleanups still pending, oldest first. */
export async function listPendingDomainCleanups(q: Queryable, tenantId: string) {
  return q
    .selectFrom('domain_cleanups')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('finished_at', 'is', null)
    .orderBy('created_at')
    .execute();
}

/**
 * Adds `paths` to what the cleanup must invalidate before it finishes, and returns every path recorded
 * so far: recorded before the objects are deleted, so a retry knows them once the bucket lists nothing.
 */
export async function addPathsToInvalidate(q: Queryable, tenantId: string, id: string, paths: readonly string[]): Promise<string[]> {
  const row = await q
    .updateTable('domain_cleanups')
    .set({
      paths_to_invalidate: sql<
        string[]
      >`array(select distinct p from unnest(paths_to_invalidate || ${sql.val([...paths])}::text[]) as p order by p)`,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returning('paths_to_invalidate')
    .executeTakeFirstOrThrow();
  return row.paths_to_invalidate;
}

export async function recordDomainCleanupFailure(q: Queryable, tenantId: string, id: string, error: string, at: Date) {
  await q
    .updateTable('domain_cleanups')
    .set((eb) => ({ last_error: error, last_error_at: at, failures: eb('failures', '+', 1) }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function finishDomainCleanup(q: Queryable, tenantId: string, id: string, at: Date, objectsRemoved: number) {
  await q
    .updateTable('domain_cleanups')
    .set((eb) => ({ finished_at: at, objects_removed: eb('objects_removed', '+', objectsRemoved), last_error: null, last_error_at: null }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** Every slug the site ever had (current and former): the keys it may have written at the edge under a domain. */
export async function listSiteSlugs(q: Queryable, tenantId: string, siteId: string): Promise<string[]> {
  const rows = await q
    .selectFrom('friendly_slugs')
    .select('slug')
    .where('tenant_id', '=', tenantId)
    .where('site_id', '=', siteId)
    .orderBy('slug')
    .execute();
  return rows.map((r) => r.slug);
}
