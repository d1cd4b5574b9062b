/**
 * The audit entries and jobs a change gathers while it writes, written at its end with one statement
 * for the entries and one for the jobs, inside the change's transaction (ADR 0003): a change pays two
 * round trips for them, however many there are. Entries and jobs keep the order they were added in.
 */
import type { Tx } from '../db/client';
import { type AuditEntry, insertAuditEntries } from '../db/queries/audit';
import type { JobSpec } from '../ports/job-queue';
import type { ServiceDeps } from './context';

export type PendingWrites = { audit: AuditEntry[]; jobs: JobSpec[] };

/** Pending writes, starting with `audit` (the change's own entries, first in the log). */
export function pendingWrites(audit: AuditEntry[] = []): PendingWrites {
  return { audit, jobs: [] };
}

/** Writes what `pending` gathered inside `tx`; the caller's transaction commits it with the change. */
export async function writePending(deps: Pick<ServiceDeps, 'jobs'>, tx: Tx, tenantId: string, pending: PendingWrites): Promise<void> {
  await insertAuditEntries(tx, tenantId, pending.audit);
  await deps.jobs.enqueueAll(tx, pending.jobs);
}
