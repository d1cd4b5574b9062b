/**
 * Mail to the office (the tenant's contact address or its owners): a crew member declined a charter.
 * Built from the staff view of the booking and the crew member's answer; props in, message out.
 */

import { formatCharterTime } from '../domain/time';
import type { StaffBookingView } from '../domain/visibility';
import { FactsTable, MailLayout, type RenderedMail, renderHtml } from './layout';

export type DeclineAlertInput = {
  tenantName: string;
  booking: StaffBookingView;
  crewName: string;
  role: 'captain' | 'crew';
  reason: string | null;
  /** Crew still on the charter and not declined, with their answers. */
  stillAssigned: { name: string; role: string; status: string }[];
};

export async function renderDeclineAlert(input: DeclineAlertInput): Promise<RenderedMail> {
  const b = input.booking;
  const when = formatCharterTime(new Date(b.startsAt), new Date(b.endsAt), b.timezone);
  const subject = `Crew declined: ${input.crewName} (${input.role}), ${b.vesselName}, ${b.id}`;
  const facts: [string, string][] = [
    ['Crew member', `${input.crewName} (${input.role})`],
    ['Reason', input.reason ?? 'none given'],
    ['Charter', `${b.vesselName}, ${when}`],
    ['Guest', `${b.guest.name}, party of ${b.partySize}`],
    ['Booking', b.id],
  ];
  const crewLine = input.stillAssigned.length
    ? input.stillAssigned.map((c) => `${c.name} (${c.role}, ${c.status})`).join(', ')
    : 'nobody — find crew for this charter';
  const text = [
    `${input.crewName} declined a charter.`,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    `Crew now: ${crewLine}`,
    '',
    `— Bosun for ${input.tenantName}`,
    '',
  ].join('\n');
  const html = await renderHtml(
    <MailLayout title={subject} tenantName={input.tenantName}>
      <h1 style="font-size:20px;margin:0 0 8px">{input.crewName} declined a charter</h1>
      <FactsTable rows={facts} />
      <p>Crew now: {crewLine}</p>
    </MailLayout>,
  );
  return { subject, text, html };
}
