/**
 * The audit entries and jobs a change gathers while it writes, written at its end in one statement,
 * inside the change's transaction (ADR 0003): a change pays one round trip for them, however many
 * there are (ADR 0031, 0035). Entries and jobs keep the order they were added in.
 */
import type { Tx } from '../db/client';
import { type AuditEntry, compileAuditEntries } from '../db/queries/audit';
import type { JobSpec } from '../ports/job-queue';
import type { ServiceDeps } from './context';

export type PendingWrites = { audit: AuditEntry[]; jobs: JobSpec[] };

/** Pending writes, starting with `audit` (the change's own entries, first in the log). */
export function pendingWrites(audit: AuditEntry[] = []): PendingWrites {
  return { audit, jobs: [] };
}

/**
 * Writes what `pending` gathered inside `tx`; the caller's transaction commits it with the change. The
 * entries go with the jobs, in the job queue's one statement (ADR 0035): one round trip for both.
 */
export async function writePending(deps: Pick<ServiceDeps, 'jobs'>, tx: Tx, tenantId: string, pending: PendingWrites): Promise<void> {
  const entries = compileAuditEntries(tx, tenantId, pending.audit);
  if (pending.jobs.length === 0) {
    if (entries) await tx.executeQuery(entries);
    return;
  }
  await deps.jobs.enqueueAll(tx, pending.jobs, { alongside: entries });
}
