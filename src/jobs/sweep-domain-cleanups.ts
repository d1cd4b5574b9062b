/**
 * Job `site.cleanup-sweep`: scheduled (DOMAIN_CLEANUP_SWEEP_CRON, UTC); queues `site.cleanup` again for
 * every pending cleanup left idle, so a cleanup whose job spent its retries or was archived still frees
 * its domain (ADR 0007 addendum). Idempotent: a cleanup already queued is not queued twice.
 */
import { z } from 'zod';
import type { SweepJobPayload } from '../ports/job-queue';
import type { ServiceDeps } from '../services/context';
import { requeueIdleDomainCleanups } from '../services/domain-cleanup';

/** Every ten minutes: an idle cleanup is attempted again at most 25 minutes after its last attempt. */
export const DOMAIN_CLEANUP_SWEEP_CRON = '*/10 * * * *';

export const cleanupSweepPayload = z.object({ reason: z.string() });

export async function handleDomainCleanupSweep(deps: Pick<ServiceDeps, 'db' | 'jobs' | 'clock'>, payload: SweepJobPayload): Promise<void> {
  cleanupSweepPayload.parse(payload);
  await requeueIdleDomainCleanups(deps);
}
