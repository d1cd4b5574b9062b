/**
 * Mail to the office when crew decline: to the tenant's `contactEmail` setting, or else to each of
 * its owners. Sent by the `office.crew-declined` job; the job's id keys each message, so a retry
 * sends every recipient at most one (ADR 0011).
 */
import { listAssignmentsOfBooking } from '../db/queries/crew';
import { listStaffUsers } from '../db/queries/people';
import { getTenantById } from '../db/queries/tenants';
import { renderDeclineAlert } from '../mail/office-mail';
import { getBooking } from './bookings';
import { NotFoundError } from './errors';
import { MailDeliveryError, type MailDeps, sendMailOnce } from './mail';

const SYSTEM = { kind: 'system' as const, id: 'office.alert' };

export type AlertOutcome = { recipient: string; outcome: 'sent' | 'already-sent' | 'failed'; error?: string };

/** Who hears of crew matters: the contact address if the tenant set one, else its owners. */
export async function officeRecipients(deps: Pick<MailDeps, 'db'>, tenantId: string): Promise<{ name: string; address: string }[]> {
  const tenant = await getTenantById(deps.db, tenantId);
  if (!tenant) return [];
  if (tenant.settings.contactEmail) return [{ name: tenant.name, address: tenant.settings.contactEmail }];
  const staff = await listStaffUsers(deps.db, tenantId);
  return staff.filter((s) => s.role === 'owner').map((s) => ({ name: s.name, address: s.email }));
}

/**
 * Tells the office that `crewMemberId` declined `bookingId`. Nothing is sent if they have since
 * accepted again or the booking is gone. Throws MailDeliveryError after trying every recipient.
 */
export async function alertOfficeOfDecline(
  deps: MailDeps,
  input: { tenantId: string; bookingId: string; crewMemberId: string; requestId: string },
): Promise<AlertOutcome[]> {
  const { tenantId, bookingId } = input;
  const tenant = await getTenantById(deps.db, tenantId);
  if (!tenant) return [];
  let booking: Awaited<ReturnType<typeof getBooking>>['booking'];
  try {
    booking = (await getBooking(deps, { tenantId, actor: SYSTEM }, bookingId)).booking;
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
  const assignments = await listAssignmentsOfBooking(deps.db, tenantId, bookingId);
  const declined = assignments.find((a) => a.crew_member_id === input.crewMemberId);
  if (declined?.status !== 'declined') return [];
  const stillAssigned = assignments.filter((a) => a.status !== 'declined').map((a) => ({ name: a.name, role: a.role, status: a.status }));
  const outcomes: AlertOutcome[] = [];
  for (const to of await officeRecipients(deps, tenantId)) {
    try {
      const outcome = await sendMailOnce(deps, tenantId, {
        kind: 'office.crew-declined',
        dedupeKey: `office-decline:${input.requestId}:${to.address.toLowerCase()}`,
        to,
        crewMemberId: input.crewMemberId,
        bookingId,
        prepare: async () => ({
          ...(await renderDeclineAlert({
            tenantName: tenant.name,
            booking,
            crewName: declined.name,
            role: declined.role,
            reason: declined.decline_reason,
            stillAssigned,
          })),
          magicLinkId: null,
        }),
      });
      outcomes.push({ recipient: to.address, outcome });
    } catch (err) {
      if (!(err instanceof MailDeliveryError)) throw err;
      outcomes.push({ recipient: to.address, outcome: 'failed', error: err.message });
    }
  }
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  if (failed.length > 0) throw new MailDeliveryError(failed.map((f) => f.error).join('; '));
  return outcomes;
}
