/**
 * Job `guest.remind`: scheduled every few minutes (GUEST_REMINDER_CRON, UTC); queues the guest
 * reminders that are due, each then sent by its own `mail.send` job. Idempotent: a reminder is queued
 * once per booking and departure time.
 */
import { z } from 'zod';
import type { SweepJobPayload } from '../ports/job-queue';
import type { ServiceDeps } from '../services/context';
import { queueDueGuestReminders } from '../services/guest-reminders';

/** Every five minutes: a reminder is queued at most five minutes after it is due. */
export const GUEST_REMINDER_CRON = '*/5 * * * *';

export const guestRemindPayload = z.object({ reason: z.string() });

export async function handleGuestReminders(deps: ServiceDeps, payload: SweepJobPayload): Promise<void> {
  guestRemindPayload.parse(payload);
  await queueDueGuestReminders(deps);
}
