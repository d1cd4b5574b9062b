/**
 * Job `office.crew-declined`: enqueued with a crew member's decline; mails the office (contact
 * address or owners). The job's id keys each mail, so a retry sends each recipient at most one.
 */
import { z } from 'zod';
import type { AssignmentJobPayload } from '../ports/job-queue';
import type { MailDeps } from '../services/mail';
import { alertOfficeOfDecline } from '../services/office-alerts';

export const officeDeclinePayload = z.object({
  tenantId: z.uuid(),
  bookingId: z.string().min(1).max(16),
  crewMemberId: z.uuid(),
  reason: z.string(),
});

export async function handleOfficeDecline(deps: MailDeps, payload: AssignmentJobPayload, job: { id: string }): Promise<void> {
  const p = officeDeclinePayload.parse(payload);
  await alertOfficeOfDecline(deps, { tenantId: p.tenantId, bookingId: p.bookingId, crewMemberId: p.crewMemberId, requestId: job.id });
}
