/**
 * Guests' reminders before departure: a sweep (the scheduled `guest.remind` job) queues a
 * `guest.reminder` mail for the guest of each confirmed charter departing within the tenant's
 * `guestReminderHours` (default 24; 0 turns them off), and the `mail.send` job sends it (ADR 0022).
 * Once per booking and departure time: the dedupe key names both (`guestReminderKey`), so a moved
 * charter is reminded for its new time only, a cancelled one never, and a sweep that runs again — a
 * retry, an overlap, a restart — queues nothing twice. The queued row and its job commit together.
 */
import { listBookingsDueForGuestReminder } from '../db/queries/bookings';
import { listTenants } from '../db/queries/tenants';
import { guestReminderKey } from '../domain/guest-follow-ups';
import type { ServiceDeps, TenantContext } from './context';
import { queueMail } from './mail';

export const DEFAULT_GUEST_REMINDER_HOURS = 24;
const SYSTEM = { kind: 'system' as const, id: 'guest.remind' };
const HOUR_MS = 3_600_000;
/** Reminders queued per tenant and sweep; the next sweep (minutes later) takes the rest. */
const SWEEP_LIMIT = 500;

export type QueuedReminder = { tenantId: string; bookingId: string; mailId: string };

/**
 * Queues every guest reminder that is due at `deps.clock.now()`, in every tenant: one transaction per
 * tenant, each reminder a queued row, its `mail.queued` audit entry and its `mail.send` job. Returns
 * what it queued (nothing that was queued before).
 */
export async function queueDueGuestReminders(deps: Pick<ServiceDeps, 'db' | 'jobs' | 'clock' | 'publicHost'>): Promise<QueuedReminder[]> {
  const queued: QueuedReminder[] = [];
  for (const tenant of await listTenants(deps.db)) {
    const hours = tenant.settings.guestReminderHours ?? DEFAULT_GUEST_REMINDER_HOURS;
    if (!(hours > 0)) continue;
    const ctx: TenantContext = { tenantId: tenant.id, actor: SYSTEM };
    await deps.db.transaction().execute(async (tx) => {
      const now = deps.clock.now();
      const due = await listBookingsDueForGuestReminder(tx, tenant.id, {
        from: now,
        to: new Date(now.getTime() + hours * HOUR_MS),
        limit: SWEEP_LIMIT,
      });
      for (const b of due) {
        const mailId = await queueMail(deps, tx, ctx, {
          kind: 'guest.reminder',
          dedupeKey: guestReminderKey(b.id, b.starts_at),
          to: { name: b.guest_name, address: b.guest_email },
          bookingId: b.id,
          content: {},
          automatic: true,
        });
        if (mailId) queued.push({ tenantId: tenant.id, bookingId: b.id, mailId });
      }
    });
  }
  return queued;
}
