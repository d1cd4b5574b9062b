/**
 * Reminders before departure: a sweep (the scheduled `crew.remind` job) mails each crew member who
 * has not declined a confirmed charter departing within the tenant's `crewReminderHours` (default
 * 24). Exactly once per (booking, crew member, departure time): the mail's dedupe key names all
 * three, so a moved charter is reminded again and a retried or overlapping sweep sends nothing twice.
 */
import { listAssignmentsDueForReminder } from '../db/queries/crew';
import { getCrewEvent } from '../db/queries/events';
import { listTenants } from '../db/queries/tenants';
import { renderCrewReminder } from '../mail/crew-mail';
import { getBookingForCrew } from './bookings';
import { issueMagicLink, magicLinkUrl, revokeMagicLinkIn } from './crew-access';
import { MailDeliveryError, type MailDeps, sendMailOnce } from './mail';

export const DEFAULT_REMINDER_HOURS = 24;
const SYSTEM = { kind: 'system' as const, id: 'crew.remind' };
const HOUR_MS = 3_600_000;

export type ReminderOutcome = {
  tenantId: string;
  bookingId: string;
  crewMemberId: string;
  outcome: 'sent' | 'already-sent' | 'failed';
  error?: string;
};

/** The dedupe key of a reminder; the query that finds due reminders builds the same string. */
export function reminderKey(bookingId: string, crewMemberId: string, startsAt: Date): string {
  return `crew-reminder:${bookingId}:${crewMemberId}:${Math.floor(startsAt.getTime() / 1000)}`;
}

/**
 * Sends every reminder that is due at `deps.clock.now()`, in every tenant. Throws MailDeliveryError
 * after trying them all when any failed (the job retries; sent ones are not sent again).
 */
export async function sendDueCrewReminders(deps: MailDeps): Promise<ReminderOutcome[]> {
  const outcomes: ReminderOutcome[] = [];
  for (const tenant of await listTenants(deps.db)) {
    const hours = tenant.settings.crewReminderHours ?? DEFAULT_REMINDER_HOURS;
    if (!(hours > 0)) continue;
    const now = deps.clock.now();
    const due = await listAssignmentsDueForReminder(deps.db, tenant.id, {
      from: now,
      to: new Date(now.getTime() + hours * HOUR_MS),
      limit: 500,
    });
    for (const a of due) {
      const ctx = { tenantId: tenant.id, actor: SYSTEM };
      try {
        const [view, event] = await Promise.all([
          getBookingForCrew(deps, ctx, a.booking_id),
          getCrewEvent(deps.db, tenant.id, a.booking_id),
        ]);
        const outcome = await sendMailOnce(
          deps,
          tenant.id,
          {
            kind: 'crew.reminder',
            dedupeKey: reminderKey(a.booking_id, a.crew_member_id, a.starts_at),
            to: { name: a.name, address: a.email },
            crewMemberId: a.crew_member_id,
            bookingId: a.booking_id,
            prepare: async (tx, attempt) => {
              const at = deps.clock.now();
              if (attempt.previousMagicLinkId) await revokeMagicLinkIn(tx, tenant.id, attempt.previousMagicLinkId, at);
              const link = await issueMagicLink(tx, tenant.id, { crewMemberId: a.crew_member_id, purpose: 'assignment', now: at });
              const mail = await renderCrewReminder({
                tenantName: tenant.name,
                recipientName: a.name,
                role: a.role,
                booking: view,
                eventNotes: event?.notes ?? null,
                hoursBefore: hours,
                signInUrl: magicLinkUrl(deps.mail.publicUrl, link.token),
                linkExpiresAt: link.expiresAt,
                now: at,
              });
              return { ...mail, magicLinkId: link.id };
            },
          },
          { tenant },
        );
        outcomes.push({ tenantId: tenant.id, bookingId: a.booking_id, crewMemberId: a.crew_member_id, outcome });
      } catch (err) {
        if (!(err instanceof MailDeliveryError)) throw err;
        outcomes.push({
          tenantId: tenant.id,
          bookingId: a.booking_id,
          crewMemberId: a.crew_member_id,
          outcome: 'failed',
          error: err.message,
        });
      }
    }
  }
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  if (failed.length > 0) throw new MailDeliveryError(failed.map((f) => f.error).join('; '));
  return outcomes;
}
