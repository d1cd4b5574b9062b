/**
 * Job `staff.login-link`: mails a staff user the sign-in link they asked for at `/app/login`.
 * The job's id keys the mail, so a retry sends at most one.
 */
import { z } from 'zod';
import type { StaffUserJobPayload } from '../ports/job-queue';
import type { MailDeps } from '../services/mail';
import { sendStaffLoginLink } from '../services/staff-access';

export const staffLoginLinkPayload = z.object({ tenantId: z.uuid(), staffUserId: z.uuid(), reason: z.string() });

export async function handleStaffLoginLink(deps: MailDeps, payload: StaffUserJobPayload, job: { id: string }): Promise<void> {
  const p = staffLoginLinkPayload.parse(payload);
  await sendStaffLoginLink(deps, p.tenantId, p.staffUserId, job.id);
}
