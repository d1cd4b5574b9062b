/**
 * A guest domain a site left, emptied (ADR 0007 addendum): the `site.cleanup` job that moving a site
 * enqueues removes every object under the old domain's prefix and the slugs the site wrote under it at
 * the edge, drops them from the edge's caches, and checks that the CDN no longer serves the site there.
 * Until it has finished, the domain is given to no site (`services/tenants.ts`), so nobody's guests are
 * ever shown another operator's pages. A failure is recorded on the cleanup and the site, audited, and
 * thrown, so the job retries with back-off and `bosun jobs` lists it once retries are spent.
 */

import type { Tx } from '../db/client';
import { insertAuditEntry } from '../db/queries/audit';
import * as dq from '../db/queries/domain-cleanups';
import { getGuestSite, listTenants } from '../db/queries/tenants';
import { describeError } from '../db/safe-errors';
import * as layout from '../publish/site-layout';
import type { Actor, ServiceDeps, TenantContext } from './context';
import { readSiteCdn, type SitePorts } from './publishing';

/** The cleanup runs as a job: its outcomes are the system's. */
const CLEANUP_ACTOR: Actor = { kind: 'system', id: 'site.cleanup' };

export type DomainCleanupDeps = Pick<ServiceDeps, 'db' | 'clock'> & { sites: SitePorts };

export type DomainCleanupResult = { domain: string; objectsRemoved: number; slugsRemoved: number; done: boolean };

/**
 * Empties the domain of cleanup `cleanupId` of the tenant: lists the domain's bucket, records the
 * objects' paths on the cleanup, deletes every object, deletes the site's slugs under the domain from a
 * shared key value store, invalidates every path recorded by this attempt or an earlier one, checks the CDN serves the site there no more (`Cdn.releaseDomain`), and lists the
 * bucket again; then marks the cleanup finished (audited `site.domain_cleaned`), which frees the domain.
 * Idempotent: a finished or unknown cleanup does nothing; every step may run again. A failure is
 * recorded (`site.domain_cleanup_failed`, one line) and thrown.
 */
export async function cleanUpFormerDomain(deps: DomainCleanupDeps, tenantId: string, cleanupId: string): Promise<DomainCleanupResult> {
  const cleanup = await dq.getDomainCleanup(deps.db, tenantId, cleanupId);
  if (!cleanup || cleanup.finished_at !== null) {
    return { domain: cleanup?.domain ?? '', objectsRemoved: 0, slugsRemoved: 0, done: false };
  }
  const domain = cleanup.domain;
  const bucket = layout.siteBucket(domain);
  const { store, cdn, keyValueStore } = deps.sites;
  let objectsRemoved = 0;
  try {
    const keys = await store.list(bucket);
    // Recorded before anything is deleted: an attempt that deletes and then fails to invalidate leaves
    // a bucket that lists nothing, and the retry must still drop those paths (cached for a year).
    const paths = await dq.addPathsToInvalidate(deps.db, tenantId, cleanup.id, keys.map(layout.objectPath));
    for (const key of keys) {
      await store.delete(bucket, key);
      objectsRemoved++;
    }
    const slugs = await dq.listSiteSlugs(deps.db, tenantId, cleanup.site_id);
    if (keyValueStore) await keyValueStore.deleteDomainKeys(domain, slugs);
    const site = await getGuestSite(deps.db, tenantId);
    const record = readSiteCdn(site?.id === cleanup.site_id ? site.cdn : {});
    const cdnSite = { domain, distributionId: record.distributionId, distributionTenantId: record.distributionTenant?.id };
    if (paths.length > 0) {
      try {
        await cdn.invalidate(cdnSite, paths, `cleanup:${cleanup.id}`);
      } catch (err) {
        // A site that never had a distribution or tenant was never served by CloudFront: nothing is cached.
        const unconfigured = (err as { name?: string }).name === 'CdnConfigurationError';
        if (!unconfigured || cdnSite.distributionId || cdnSite.distributionTenantId) throw err;
      }
    }
    await cdn.releaseDomain({ siteId: cleanup.site_id, domain, distributionTenantId: cdnSite.distributionTenantId });
    // A publish that read the site before it moved may have written since the listing: go again.
    const left = await store.list(bucket);
    if (left.length > 0)
      throw new Error(`${left.length} objects appeared under ${domain} while it was being emptied; removed at the next attempt`);
    await deps.db.transaction().execute(async (tx) => {
      await dq.finishDomainCleanup(tx, tenantId, cleanup.id, deps.clock.now(), objectsRemoved);
      await insertAuditEntry(tx, tenantId, {
        actor: CLEANUP_ACTOR,
        action: 'site.domain_cleaned',
        entityType: 'site',
        entityId: cleanup.site_id,
        after: { domain, objectsRemoved: cleanup.objects_removed + objectsRemoved, slugsRemoved: keyValueStore ? slugs.length : 0 },
      });
    });
    return { domain, objectsRemoved, slugsRemoved: keyValueStore ? slugs.length : 0, done: true };
  } catch (err) {
    const error = describeError(err).replace(/\s+/g, ' ').slice(0, 500);
    await deps.db.transaction().execute(async (tx) => {
      await dq.recordDomainCleanupFailure(tx, tenantId, cleanup.id, error, deps.clock.now());
      if (cleanup.last_error !== error) {
        await insertAuditEntry(tx, tenantId, {
          actor: CLEANUP_ACTOR,
          action: 'site.domain_cleanup_failed',
          entityType: 'site',
          entityId: cleanup.site_id,
          after: { domain, error },
        });
      }
    });
    throw new Error(`cleanup of ${domain}: ${error}`, { cause: err });
  }
}

/**
 * Queues `site.cleanup` of one cleanup in `tx`, keyed by the cleanup's id: while one is queued, queueing
 * it again (a move, the sweep, a provisioning) adds nothing (the queue's `short` policy).
 */
export async function enqueueDomainCleanup(jobs: ServiceDeps['jobs'], tx: Tx, tenantId: string, cleanupId: string, reason: string) {
  await jobs.enqueue(tx, 'site.cleanup', { tenantId, cleanupId, reason }, { singletonKey: `site.cleanup:${cleanupId}` });
}

/**
 * How long a pending cleanup is left to its own job's retries (8, with back-off: about 8.5 minutes)
 * before the sweep queues it again.
 */
export const CLEANUP_IDLE_MS = 15 * 60_000;

/**
 * Queues again every pending cleanup of every tenant that has not been attempted for `CLEANUP_IDLE_MS`
 * (or never was, since): one whose job spent its retries (e.g. its distribution tenant was still on the
 * domain) or was archived would otherwise keep its domain from every site for good. Returns how many
 * were queued (one already queued is not queued twice).
 */
export async function requeueIdleDomainCleanups(
  deps: Pick<ServiceDeps, 'db' | 'jobs' | 'clock'>,
  reason = 'site.cleanup-sweep',
): Promise<number> {
  const idleSince = deps.clock.now().getTime() - CLEANUP_IDLE_MS;
  let queued = 0;
  for (const tenant of await listTenants(deps.db)) {
    const pending = await dq.listPendingDomainCleanups(deps.db, tenant.id);
    const idle = pending.filter((c) => (c.last_error_at ?? c.created_at).getTime() <= idleSince);
    if (idle.length === 0) continue;
    await deps.db.transaction().execute(async (tx) => {
      for (const c of idle) await enqueueDomainCleanup(deps.jobs, tx, tenant.id, c.id, reason);
    });
    queued += idle.length;
  }
  return queued;
}

/**
 * Queues again every pending cleanup of the tenant's site `siteId`, at once: called when `site.provision`
 * has moved the site's distribution tenant, the step a cleanup in platform mode waits for.
 */
export async function requeueSiteDomainCleanups(
  deps: Pick<ServiceDeps, 'db' | 'jobs'>,
  tenantId: string,
  siteId: string,
  reason: string,
): Promise<number> {
  const pending = (await dq.listPendingDomainCleanups(deps.db, tenantId)).filter((c) => c.site_id === siteId);
  if (pending.length === 0) return 0;
  await deps.db.transaction().execute(async (tx) => {
    for (const c of pending) await enqueueDomainCleanup(deps.jobs, tx, tenantId, c.id, reason);
  });
  return pending.length;
}

export type PendingDomainCleanup = {
  domain: string;
  /** When the site left the domain (ISO 8601). */
  since: string;
  failures: number;
  /** The last attempt's one-line failure, or null. */
  error: string | null;
};

/** The domains the tenant's site left whose cleanup is still pending, oldest first. */
export async function listPendingDomainCleanups(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext): Promise<PendingDomainCleanup[]> {
  const rows = await dq.listPendingDomainCleanups(deps.db, ctx.tenantId);
  return rows.map((r) => ({ domain: r.domain, since: r.created_at.toISOString(), failures: r.failures, error: r.last_error }));
}
