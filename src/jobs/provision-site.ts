/**
 * Job `site.provision`: enqueued with a new tenant's guest site, or a site's new domain; makes the site
 * at the CDN (its distribution tenant of the one multi-tenant distribution) and records it on the site.
 * Idempotent: the tenant made by an earlier attempt is found, not made twice; a failure is recorded on
 * the site and thrown, so the queue retries with back-off (ADR 0027). Once the site is provisioned,
 * its pending cleanups are queued again at once: in platform mode they wait for the tenant's move.
 */
import { z } from 'zod';
import type { SiteJobPayload } from '../ports/job-queue';
import type { ServiceDeps } from '../services/context';
import { requeueSiteDomainCleanups } from '../services/domain-cleanup';
import { type ProvisioningDeps, provisionGuestSite } from '../services/site-provisioning';

export const provisionSitePayload = z.object({ tenantId: z.uuid(), siteId: z.uuid(), reason: z.string() });

export async function handleProvisionSite(deps: ProvisioningDeps & Pick<ServiceDeps, 'jobs'>, payload: SiteJobPayload): Promise<void> {
  const p = provisionSitePayload.parse(payload);
  const { provisioned } = await provisionGuestSite(deps, p.tenantId, { siteId: p.siteId });
  if (provisioned) await requeueSiteDomainCleanups(deps, p.tenantId, p.siteId, 'site.provisioned');
}
