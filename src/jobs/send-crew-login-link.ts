/**
 * Job `crew.login-link`: mails a crew member the sign-in link they asked for at `/crew/login`.
 * The job's id keys the mail, so a retry sends at most one.
 */
import { z } from 'zod';
import type { CrewMemberJobPayload } from '../ports/job-queue';
import { sendCrewLoginLink } from '../services/crew-notices';
import type { MailDeps } from '../services/mail';

export const crewLoginLinkPayload = z.object({ tenantId: z.uuid(), crewMemberId: z.uuid(), reason: z.string() });

export async function handleCrewLoginLink(deps: MailDeps, payload: CrewMemberJobPayload, job: { id: string }): Promise<void> {
  const p = crewLoginLinkPayload.parse(payload);
  await sendCrewLoginLink(deps, p.tenantId, p.crewMemberId, job.id);
}
