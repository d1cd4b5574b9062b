/**
 * Job `crew.notify`: after a crew event is created or changed, or its booking changes time, vessel
 * or status, mails each assigned crew member a notice with a magic link. Idempotent per (booking,
 * crew member, booking version); a failed send throws so the queue retries with back-off.
 */
import { z } from 'zod';
import type { JobPayload } from '../ports/job-queue';
import { notifyCrewOfBooking } from '../services/crew-notices';
import type { MailDeps } from '../services/mail';

export const notifyCrewPayload = z.object({ tenantId: z.uuid(), bookingId: z.string().min(1).max(16), reason: z.string() });

export async function handleNotifyCrew(deps: MailDeps, payload: JobPayload): Promise<void> {
  const p = notifyCrewPayload.parse(payload);
  await notifyCrewOfBooking(deps, p.tenantId, p.bookingId);
}
