/**
 * Mail to crew: assignment notices (assigned, changed, cancelled) and requested sign-in links. Each
 * notice carries a fresh magic link and is sent at most once per (booking, crew member, booking
 * version, invitation), so a retried job never mails twice (ADR 0011), while a member invited again
 * after declining is told anew. Notices are built from the crew view.
 */
import { insertAuditEntry } from '../db/queries/audit';
import { getBooking, listCrewOfBooking } from '../db/queries/bookings';
import { listAssignmentsOfBooking } from '../db/queries/crew';
import { getCrewEvent } from '../db/queries/events';
import { hasSentCrewMail } from '../db/queries/mail';
import { getCrewMemberById } from '../db/queries/people';
import { getTenantById } from '../db/queries/tenants';
import { type CrewNoticeKind, renderCrewLoginLink, renderCrewNotice } from '../mail/crew-mail';
import { getBookingForCrew } from './bookings';
import { issueMagicLink, magicLinkUrl, revokeMagicLinkIn } from './crew-access';
import { MailDeliveryError, type MailDeps, sendMailOnce } from './mail';

const NOTICE_KINDS: readonly CrewNoticeKind[] = ['crew.assigned', 'crew.changed', 'crew.cancelled'];
const SYSTEM = { kind: 'system' as const, id: 'crew.notify' };

export type NoticeOutcome = { crewMemberId: string; outcome: 'sent' | 'already-sent' | 'not-needed' | 'failed'; error?: string };

/**
 * Mails every crew member of a booking who has not declined about its current version. Members
 * never told of a charter get no cancellation. Throws MailDeliveryError when any send failed, after
 * trying every member; the sent ones are not sent again on the retry.
 */
export async function notifyCrewOfBooking(deps: MailDeps, tenantId: string, bookingId: string): Promise<NoticeOutcome[]> {
  const ctx = { tenantId, actor: SYSTEM };
  const [row, tenant, event] = await Promise.all([
    getBooking(deps.db, tenantId, bookingId),
    getTenantById(deps.db, tenantId),
    getCrewEvent(deps.db, tenantId, bookingId),
  ]);
  if (!row || !tenant || !event) return [];
  const view = await getBookingForCrew(deps, ctx, bookingId);
  const ended = row.ends_at.getTime() <= deps.clock.now().getTime();
  const [crew, assignments] = await Promise.all([
    listCrewOfBooking(deps.db, tenantId, bookingId),
    listAssignmentsOfBooking(deps.db, tenantId, bookingId),
  ]);
  // A member invited again after declining is told as if newly assigned: each invitation has its own notices.
  const invitationOf = new Map(assignments.map((a) => [a.crew_member_id, `i${a.invited_at.getTime()}`]));
  const outcomes: NoticeOutcome[] = [];
  for (const member of crew) {
    const invitation = invitationOf.get(member.id) ?? 'i0';
    const told = await hasSentCrewMail(deps.db, tenantId, {
      bookingId,
      crewMemberId: member.id,
      kinds: NOTICE_KINDS,
      dedupeKeyLike: `crew-notice:${bookingId}:${member.id}:%:${invitation}`,
    });
    const kind: CrewNoticeKind = view.status === 'cancelled' ? 'crew.cancelled' : told ? 'crew.changed' : 'crew.assigned';
    if (member.status === 'declined' || ended || (kind === 'crew.cancelled' && !told)) {
      outcomes.push({ crewMemberId: member.id, outcome: 'not-needed' });
      continue;
    }
    try {
      const outcome = await sendMailOnce(
        deps,
        tenantId,
        {
          kind,
          dedupeKey: `crew-notice:${bookingId}:${member.id}:v${row.version}:${invitation}`,
          to: { name: member.name, address: member.email },
          crewMemberId: member.id,
          bookingId,
          prepare: async (tx, attempt) => {
            const now = deps.clock.now();
            if (attempt.previousMagicLinkId) await revokeMagicLinkIn(tx, tenantId, attempt.previousMagicLinkId, now);
            const link = await issueMagicLink(tx, tenantId, { crewMemberId: member.id, purpose: 'assignment', now });
            const mail = await renderCrewNotice({
              kind,
              tenantName: tenant.name,
              recipientName: member.name,
              role: member.role === 'captain' ? 'captain' : 'crew',
              booking: view,
              eventNotes: event.notes,
              signInUrl: magicLinkUrl(deps.mail.publicUrl, link.token),
              linkExpiresAt: link.expiresAt,
              now,
            });
            return { ...mail, magicLinkId: link.id };
          },
        },
        { tenant },
      );
      if (outcome === 'sent') {
        await insertAuditEntry(deps.db, tenantId, {
          actor: SYSTEM,
          action: 'crew.notified',
          entityType: 'event',
          entityId: bookingId,
          after: { crewMember: member.id, kind, version: row.version },
        });
      }
      outcomes.push({ crewMemberId: member.id, outcome });
    } catch (err) {
      if (!(err instanceof MailDeliveryError)) throw err;
      outcomes.push({ crewMemberId: member.id, outcome: 'failed', error: err.message });
    }
  }
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  if (failed.length > 0) throw new MailDeliveryError(failed.map((f) => f.error).join('; '));
  return outcomes;
}

/**
 * Mails a crew member the sign-in link they asked for. `requestId` (the job's id) makes a retry of
 * the same request send at most one mail.
 */
export async function sendCrewLoginLink(deps: MailDeps, tenantId: string, crewMemberId: string, requestId: string) {
  const [member, tenant] = await Promise.all([getCrewMemberById(deps.db, tenantId, crewMemberId), getTenantById(deps.db, tenantId)]);
  if (!member || !tenant || member.deactivated_at !== null) return 'not-needed' as const;
  return sendMailOnce(deps, tenantId, {
    kind: 'crew.login-link',
    dedupeKey: `crew-login-link:${requestId}`,
    to: { name: member.name, address: member.email },
    crewMemberId: member.id,
    bookingId: null,
    prepare: async (tx, attempt) => {
      const now = deps.clock.now();
      if (attempt.previousMagicLinkId) await revokeMagicLinkIn(tx, tenantId, attempt.previousMagicLinkId, now);
      const link = await issueMagicLink(tx, tenantId, { crewMemberId: member.id, purpose: 'login', now });
      const mail = await renderCrewLoginLink({
        tenantName: tenant.name,
        recipientName: member.name,
        signInUrl: magicLinkUrl(deps.mail.publicUrl, link.token),
        linkExpiresAt: link.expiresAt,
      });
      return { ...mail, magicLinkId: link.id };
    },
  });
}
