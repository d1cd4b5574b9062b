/**
 * Job `crew.remind`: scheduled every few minutes (REMINDER_CRON, UTC); mails the reminders that are
 * due. Idempotent: each reminder is sent once per (booking, crew member, departure time).
 */
import { z } from 'zod';
import type { SweepJobPayload } from '../ports/job-queue';
import { sendDueCrewReminders } from '../services/crew-reminders';
import type { MailDeps } from '../services/mail';

/** Every five minutes: a reminder leaves at most five minutes after it is due. */
export const REMINDER_CRON = '*/5 * * * *';

export const crewRemindPayload = z.object({ reason: z.string() });

export async function handleCrewReminders(deps: MailDeps, payload: SweepJobPayload): Promise<void> {
  crewRemindPayload.parse(payload);
  await sendDueCrewReminders(deps);
}
