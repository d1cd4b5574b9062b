/**
 * The mails crew receive: assignment notices (assigned, changed, cancelled) and sign-in links.
 * A notice is built only from `CrewBookingView` — the visibility policy's crew view — so it cannot
 * carry money, internal notes or guest contact details.
 */

import { formatCharterStart, formatCharterTime } from '../domain/time';
import type { CrewBookingView } from '../domain/visibility';
import { Button, FactsTable, MailLayout, type RenderedMail, renderHtml } from './layout';

export type CrewNoticeKind = 'crew.assigned' | 'crew.changed' | 'crew.cancelled';

export type CrewNoticeInput = {
  kind: CrewNoticeKind;
  tenantName: string;
  recipientName: string;
  role: 'captain' | 'crew';
  booking: CrewBookingView;
  /** The crew event's own notes (crew-facing by definition). */
  eventNotes: string | null;
  signInUrl: string;
  linkExpiresAt: Date;
  /** When the mail is written: a date outside this year is shown with its year. */
  now: Date;
};

const HEADLINE: Record<CrewNoticeKind, string> = {
  'crew.assigned': 'You are on the crew of a charter',
  'crew.changed': 'A charter you crew has changed',
  'crew.cancelled': 'A charter you crew is cancelled',
};

const SUBJECT_PREFIX: Record<CrewNoticeKind, string> = {
  'crew.assigned': 'New charter',
  'crew.changed': 'Changed',
  'crew.cancelled': 'Cancelled',
};

function facts(b: CrewBookingView): [string, string][] {
  const rows: [string, string][] = [
    ['When', formatCharterTime(new Date(b.startsAt), new Date(b.endsAt), b.timezone)],
    ['Vessel', b.vesselName],
    ['Meeting point', b.meetingPoint || 'to be confirmed'],
    ['Party size', String(b.partySize)],
    ['Guest', b.guest.firstName],
    ['Booking', b.id],
  ];
  if (b.status === 'hold') rows.push(['Status', 'on hold (not yet confirmed)']);
  return rows;
}

const crewNotes = (b: CrewBookingView, eventNotes: string | null | undefined) =>
  [b.notes.crew, eventNotes].filter((n): n is string => Boolean(n?.trim()));

/** The charter's facts and the crew notes in a mail's plain-text part. */
const charterText = (b: CrewBookingView, notes: string[]) => [
  ...facts(b).map(([k, v]) => `${k}: ${v}`),
  ...(notes.length > 0 ? ['', 'Notes for crew:', ...notes] : []),
];

/** The sign-in link and its warning, and the signature, that end a crew mail's plain-text part. */
const signInText = (lead: string, url: string, expires: string, tenantName: string) => [
  '',
  lead,
  url,
  '',
  `This link signs you in to your crew pages until ${expires}. Do not forward it.`,
  '',
  `— ${tenantName}`,
  '',
];

/** The charter's facts and the crew notes, as every crew mail about a charter shows them. */
const CharterDetails = ({ booking, notes }: { booking: CrewBookingView; notes: string[] }) => (
  <>
    <FactsTable rows={facts(booking)} />
    {notes.length > 0 && (
      <div style="background:#fff8e1;border-radius:6px;padding:8px 12px">
        <strong>Notes for crew</strong>
        {notes.map((n) => (
          <p style="margin:4px 0;white-space:pre-line">{n}</p>
        ))}
      </div>
    )}
  </>
);

const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? name;

export async function renderCrewNotice(input: CrewNoticeInput): Promise<RenderedMail> {
  const b = input.booking;
  const when = formatCharterStart(new Date(b.startsAt), b.timezone, input.now);
  const subject = `${SUBJECT_PREFIX[input.kind]}: ${b.vesselName}, ${when} (${input.role})`;
  const headline = HEADLINE[input.kind];
  const expires = input.linkExpiresAt.toISOString().slice(0, 10);
  const notes = crewNotes(b, input.eventNotes);
  const cancelled = input.kind === 'crew.cancelled';
  const action = cancelled ? 'Open your charters' : 'Open the charter and answer';

  const text = [
    `Hello ${firstName(input.recipientName)},`,
    '',
    `${headline}${cancelled ? '' : ` as ${input.role}`}.`,
    '',
    ...charterText(b, notes),
    ...signInText(`${action}:`, input.signInUrl, expires, input.tenantName),
  ].join('\n');

  const html = await renderHtml(
    <MailLayout title={subject} tenantName={input.tenantName}>
      <h1 style="font-size:20px;margin:0 0 8px">{headline}</h1>
      <p>
        Hello {firstName(input.recipientName)}, {cancelled ? 'this charter will not go ahead.' : `you are assigned as ${input.role}.`}
      </p>
      <CharterDetails booking={b} notes={notes} />
      <Button href={input.signInUrl}>{action}</Button>
      <p style="font-size:13px;color:#5b6b7b">
        This button signs you in to your crew pages until {expires}. Do not forward this mail. If the button does not work, copy this
        address into your browser: <span style="word-break:break-all">{input.signInUrl}</span>
      </p>
    </MailLayout>,
  );
  return { subject, text, html };
}

export type CrewLoginLinkInput = { tenantName: string; recipientName: string; signInUrl: string; linkExpiresAt: Date };

export async function renderCrewLoginLink(input: CrewLoginLinkInput): Promise<RenderedMail> {
  const subject = `Your sign-in link for ${input.tenantName}`;
  const until = input.linkExpiresAt.toISOString().replace('T', ' ').slice(0, 16);
  const text = [
    `Hello ${firstName(input.recipientName)},`,
    '',
    `Here is the link you asked for. It signs you in to your crew pages for ${input.tenantName}:`,
    input.signInUrl,
    '',
    `It works until ${until} UTC. If you did not ask for it, ignore this mail.`,
    '',
  ].join('\n');
  const html = await renderHtml(
    <MailLayout title={subject} tenantName={input.tenantName}>
      <h1 style="font-size:20px;margin:0 0 8px">Your sign-in link</h1>
      <p>Hello {firstName(input.recipientName)}, here is the link you asked for.</p>
      <Button href={input.signInUrl}>Sign in to your crew pages</Button>
      <p style="font-size:13px;color:#5b6b7b">
        It works until {until} UTC. If you did not ask for it, ignore this mail. Address:{' '}
        <span style="word-break:break-all">{input.signInUrl}</span>
      </p>
    </MailLayout>,
  );
  return { subject, text, html };
}

export type CrewReminderInput = {
  tenantName: string;
  recipientName: string;
  role: 'captain' | 'crew';
  booking: CrewBookingView;
  eventNotes: string | null;
  /** Hours before departure, as the tenant set it. */
  hoursBefore: number;
  signInUrl: string;
  linkExpiresAt: Date;
  /** When the mail is written: a date outside this year is shown with its year. */
  now: Date;
};

/** The reminder before departure: the crew view's facts, the notes, the checklist waiting on the page. */
export async function renderCrewReminder(input: CrewReminderInput): Promise<RenderedMail> {
  const b = input.booking;
  const when = formatCharterStart(new Date(b.startsAt), b.timezone, input.now);
  const subject = `Reminder: ${b.vesselName}, ${when} (${input.role})`;
  const notes = crewNotes(b, input.eventNotes);
  const soon = input.hoursBefore === 1 ? 'within the hour' : `within ${input.hoursBefore} hours`;
  const expires = input.linkExpiresAt.toISOString().slice(0, 10);
  const text = [
    `Hello ${firstName(input.recipientName)},`,
    '',
    `Your charter as ${input.role} departs ${soon}.`,
    '',
    ...charterText(b, notes),
    ...signInText('The pre-departure checklist is on the charter page:', input.signInUrl, expires, input.tenantName),
  ].join('\n');
  const html = await renderHtml(
    <MailLayout title={subject} tenantName={input.tenantName}>
      <h1 style="font-size:20px;margin:0 0 8px">Your charter departs {soon}</h1>
      <p>
        Hello {firstName(input.recipientName)}, a reminder of your charter as {input.role}.
      </p>
      <CharterDetails booking={b} notes={notes} />
      <Button href={input.signInUrl}>Open the charter and its checklist</Button>
      <p style="font-size:13px;color:#5b6b7b">
        This button signs you in to your crew pages until {expires}. Do not forward this mail. Address:{' '}
        <span style="word-break:break-all">{input.signInUrl}</span>
      </p>
    </MailLayout>,
  );
  return { subject, text, html };
}
