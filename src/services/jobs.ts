/**
 * The office's view of its failed background jobs: only this tenant's (payloads carry the tenant id),
 * never a payload as it is — the job, what it was about, its recorded error (already made safe by
 * `db/safe-errors.ts` when it was recorded), its attempts — and a retry of one of them.
 */

import { insertAuditEntry } from '../db/queries/audit';
import type { ServiceDeps, TenantContext } from './context';
import { NotFoundError } from './errors';

export type FailedJobView = {
  id: string;
  name: string;
  /** What the job was about: a booking, a crew member or a staff user, by id (none for a sweep). */
  about: { kind: 'booking' | 'crew member' | 'staff user'; id: string } | null;
  error: string;
  attempts: number;
  /** ISO 8601 in UTC, or null when the queue did not record it. */
  failedAt: string | null;
};

function aboutOf(data: unknown): FailedJobView['about'] {
  if (!data || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  if (typeof d.bookingId === 'string') return { kind: 'booking', id: d.bookingId };
  if (typeof d.crewMemberId === 'string') return { kind: 'crew member', id: d.crewMemberId };
  if (typeof d.staffUserId === 'string') return { kind: 'staff user', id: d.staffUserId };
  return null;
}

/** The tenant's failed jobs, newest first (at most 100). */
export async function listFailedJobs(deps: Pick<ServiceDeps, 'jobs'>, ctx: TenantContext): Promise<FailedJobView[]> {
  const failed = await deps.jobs.listFailed(100, { tenantId: ctx.tenantId });
  return failed.map((j) => ({
    id: j.id,
    name: j.name,
    about: aboutOf(j.data),
    error: j.error,
    attempts: j.retryCount + 1,
    failedAt: j.failedAt?.toISOString() ?? null,
  }));
}

/** Queues a failed job of the tenant again, audited as `job.retried`. Errors: NotFoundError (no such failed job here). */
export async function retryFailedJob(deps: Pick<ServiceDeps, 'db' | 'jobs'>, ctx: TenantContext, id: string): Promise<void> {
  if (!(await deps.jobs.retryFailed(ctx.tenantId, id))) throw new NotFoundError('The failed job');
  await insertAuditEntry(deps.db, ctx.tenantId, { actor: ctx.actor, action: 'job.retried', entityType: 'job', entityId: id });
}
