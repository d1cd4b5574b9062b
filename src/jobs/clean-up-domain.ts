/**
 * Job `site.cleanup`: enqueued with a site's move to another domain, in the move's transaction; removes
 * what the site left under the old domain (its objects, its slugs at the edge) and frees the domain for
 * another site. Idempotent: every step may run again; a finished cleanup does nothing. A failure is
 * recorded on the cleanup and thrown, so the queue retries with back-off (ADR 0007 addendum).
 */
import { z } from 'zod';
import type { DomainCleanupJobPayload } from '../ports/job-queue';
import { cleanUpFormerDomain, type DomainCleanupDeps } from '../services/domain-cleanup';

export const domainCleanupPayload = z.object({ tenantId: z.uuid(), cleanupId: z.uuid(), reason: z.string() });

export async function handleDomainCleanup(deps: DomainCleanupDeps, payload: DomainCleanupJobPayload): Promise<void> {
  const p = domainCleanupPayload.parse(payload);
  await cleanUpFormerDomain(deps, p.tenantId, p.cleanupId);
}
