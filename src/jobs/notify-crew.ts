/**
 * Job `crew.notify`: after a crew event is created or changed, or its booking changes time, vessel
 * or status, mails each assigned crew member a notice with a magic link. Idempotent per (booking,
 * crew member, booking version); a failed send throws so the queue retries with back-off.
 */
import { z } from 'zod';
import type { JobPayload } from '../ports/job-queue';
import { publishChange } from '../services/changes';
import { notifyCrewOfBooking } from '../services/crew-notices';
import type { MailDeps } from '../services/mail';

export const notifyCrewPayload = z.object({ tenantId: z.uuid(), bookingId: z.string().min(1).max(16), reason: z.string() });

export async function handleNotifyCrew(deps: MailDeps, payload: JobPayload): Promise<void> {
  const p = notifyCrewPayload.parse(payload);
  // A booking's own changes (time, vessel, status) reach live streams here: this job follows each
  // committed change. Crew events and answers are published by their services.
  if (!p.reason.startsWith('event.')) publishChange(deps, { tenantId: p.tenantId, bookingId: p.bookingId, type: 'booking.changed' });
  await notifyCrewOfBooking(deps, p.tenantId, p.bookingId);
}
