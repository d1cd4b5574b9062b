/**
 * The mails guests receive (ADR 0022): the tenant's template for the kind (or the office's own text),
 * rendered with the booking's values, then the charter's facts — date and times in the vessel's zone
 * with the zone named, vessel, meeting point with a map link, party size, the guest note, what to
 * bring and the policies — and the link to the live guest page; for a change what changed, old →
 * new; for a cancellation a notice that says so. Built only from the guest view of the booking and
 * the tenant's public settings, so no guest mail can carry money, internal or crew notes, or crew.
 * No images and no tracking: the only links are the guest page, the map, and the tenant's contacts.
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { toHeaderText } from '../domain/text';
import { formatCharterTime, formatClockTime, formatInstant, formatLongDate } from '../domain/time';
import { Button, FactsTable, MailLayout, type RenderedMail, renderHtml } from './layout';
import { type PlaceholderValues, renderTemplate } from './template';

export type GuestMailKind = 'guest.confirmation' | 'guest.change' | 'guest.cancellation' | 'guest.reminder' | 'guest.message';

/** The guest view of a booking, as a guest mail reads it. */
export type GuestMailBooking = {
  id: string;
  status: 'hold' | 'confirmed' | 'cancelled' | 'completed';
  guest: { name: string; firstName: string };
  partySize: number;
  vesselName: string;
  meetingPoint: string;
  /** Zoned ISO 8601, as the guest view gives them. */
  startsAt: string;
  endsAt: string;
  timezone: string;
  notes?: { guest: string | null } | undefined;
  guestPageUrl: string;
};

/** The tenant's public settings a guest may read (as its guest pages show them). */
export type GuestMailTenant = {
  name: string;
  contactEmail?: string | undefined;
  contactPhone?: string | undefined;
  whatToBring?: readonly string[] | undefined;
  policies?: readonly string[] | undefined;
};

export type GuestMailChangeField = 'startsAt' | 'endsAt' | 'vessel' | 'meetingPoint' | 'partySize';
/** One changed fact of a booking, with its values in the guest view before and after. */
export type GuestMailChange = { field: GuestMailChangeField; from: string | number | null; to: string | number | null };

export type GuestMailInput = {
  kind: GuestMailKind;
  /** The template (or the office's own text) with `{{placeholder}}` tags: plain tags only. */
  template: { subject: string; body: string };
  booking: GuestMailBooking;
  tenant: GuestMailTenant;
  /** What changed (a change mail); empty for the other kinds. */
  changes?: readonly GuestMailChange[];
};

/** A map search for `place` (a link the guest follows; the mail itself loads nothing). */
export const mapUrl = (place: string) => `https://www.openstreetmap.org/search?query=${encodeURIComponent(place)}`;

const MEETING_POINT_UNKNOWN = 'to be confirmed';
const guests = (n: number) => `${n} ${n === 1 ? 'guest' : 'guests'}`;

/** The value of every placeholder for `booking`, in the vessel's zone. */
export function placeholderValues(booking: GuestMailBooking, tenant: GuestMailTenant): PlaceholderValues {
  const zone = booking.timezone;
  const start = new Date(booking.startsAt);
  const end = new Date(booking.endsAt);
  const endDay = formatLongDate(end, zone);
  const sameDay = endDay === formatLongDate(start, zone);
  return {
    'guest.name': booking.guest.name,
    'guest.firstName': booking.guest.firstName,
    'booking.id': booking.id,
    'charter.date': formatLongDate(start, zone),
    'charter.startTime': formatClockTime(start, zone),
    'charter.endTime': sameDay ? formatClockTime(end, zone) : `${formatClockTime(end, zone)} on ${endDay}`,
    'charter.timeZone': zone,
    'charter.vessel': booking.vesselName,
    'charter.meetingPoint': booking.meetingPoint || MEETING_POINT_UNKNOWN,
    'charter.partySize': String(booking.partySize),
    guestPageUrl: booking.guestPageUrl,
    mapUrl: booking.meetingPoint ? mapUrl(booking.meetingPoint) : '',
    'tenant.name': tenant.name,
    'tenant.contactEmail': tenant.contactEmail ?? '',
    'tenant.contactPhone': tenant.contactPhone ?? '',
  };
}

const HEADLINE: Record<GuestMailKind, string> = {
  'guest.confirmation': 'Your charter is confirmed',
  'guest.change': 'Your charter has changed',
  'guest.cancellation': 'Your charter has been cancelled',
  'guest.reminder': 'Your charter is coming up',
  'guest.message': '',
};

const CHANGE_LABEL: Record<GuestMailChangeField, string> = {
  startsAt: 'Departure',
  endsAt: 'Return',
  vessel: 'Vessel',
  meetingPoint: 'Meeting point',
  partySize: 'Party size',
};

/** A changed value as the guest reads it: times in the vessel's zone, the zone named. */
function changeValue(field: GuestMailChangeField, value: string | number | null, zone: string): string {
  if (value === null || value === '') return field === 'meetingPoint' ? MEETING_POINT_UNKNOWN : '—';
  if (field === 'startsAt' || field === 'endsAt') {
    const at = new Date(String(value));
    return Number.isNaN(at.getTime()) ? String(value) : formatInstant(at, zone);
  }
  if (field === 'partySize') return typeof value === 'number' ? guests(value) : String(value);
  return String(value);
}

/** Paragraphs from blank lines; the lines within one kept. */
const paragraphsOf = (text: string) =>
  text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim() !== '');

/** A phone number shown whole: one split over two lines is easily misread or misdialled. */
const unbroken = (phone: string) => phone.replace(/ /g, '\u00a0').replace(/-/g, '\u2011');

const Heading = ({ children }: { children?: Child }) => <h2 style="font-size:17px;margin:20px 0 4px">{children}</h2>;

const List = ({ items }: { items: readonly string[] }) => (
  <ul style="margin:4px 0;padding-left:20px">
    {items.map((item) => (
      <li>{item}</li>
    ))}
  </ul>
);

/** Renders a guest mail: subject, plain text and HTML. The template must hold only plain placeholders. */
export async function renderGuestMail(input: GuestMailInput): Promise<RenderedMail> {
  const { booking: b, tenant } = input;
  const zone = b.timezone;
  const values = placeholderValues(b, tenant);
  // A subject whose placeholders all had no value (a phone the tenant never set) still names the charter.
  const subject = toHeaderText(renderTemplate(input.template.subject, values, 'text')) || toHeaderText(`Your charter with ${tenant.name}`);
  const bodyText = paragraphsOf(renderTemplate(input.template.body, values, 'text'));
  const bodyHtml = paragraphsOf(renderTemplate(input.template.body, values, 'html'));

  const cancelled = input.kind === 'guest.cancellation' || b.status === 'cancelled';
  const headline = input.kind === 'guest.message' ? subject : HEADLINE[cancelled ? 'guest.cancellation' : input.kind];
  const changes = (input.changes ?? []).map((c) => ({
    label: CHANGE_LABEL[c.field],
    from: changeValue(c.field, c.from, zone),
    to: changeValue(c.field, c.to, zone),
  }));
  const when = `${formatCharterTime(new Date(b.startsAt), new Date(b.endsAt), zone)} (${zone})`;
  const meetingPoint = b.meetingPoint.trim();
  const note = cancelled ? '' : (b.notes?.guest?.trim() ?? '');
  const whatToBring = cancelled ? [] : (tenant.whatToBring ?? []);
  const policies = cancelled ? [] : (tenant.policies ?? []);
  const hasPage = b.status !== 'hold';
  const contacts = [
    tenant.contactPhone ? `Phone: ${tenant.contactPhone}` : '',
    tenant.contactEmail ? `E-mail: ${tenant.contactEmail}` : '',
  ].filter(Boolean);
  const cancelledNotice = `This charter has been cancelled: it will not go ahead on ${values['charter.date']}.`;

  const factsText: [string, string][] = [
    ['When', when],
    ['Vessel', b.vesselName],
    ...(cancelled ? [] : ([['Meeting point', meetingPoint || MEETING_POINT_UNKNOWN]] as [string, string][])),
    ...(cancelled || !meetingPoint ? [] : ([['Map', mapUrl(meetingPoint)]] as [string, string][])),
    ['Party size', guests(b.partySize)],
    ['Booking', b.id],
  ];

  const text = [
    ...(cancelled ? [`CANCELLED. ${cancelledNotice}`, ''] : []),
    ...bodyText.flatMap((p) => [p, '']),
    ...(changes.length > 0 ? ['What changed:', ...changes.map((c) => `- ${c.label}: ${c.from} → ${c.to}`), ''] : []),
    cancelled ? 'The cancelled charter:' : 'Your charter:',
    ...factsText.map(([k, v]) => `${k}: ${v}`),
    '',
    ...(note ? ['A note for you:', note, ''] : []),
    ...(whatToBring.length > 0 ? ['What to bring:', ...whatToBring.map((i) => `- ${i}`), ''] : []),
    ...(policies.length > 0 ? ['Policies:', ...policies.map((p) => `- ${p}`), ''] : []),
    ...(hasPage ? ['Your booking page (always up to date):', b.guestPageUrl, ''] : []),
    `— ${tenant.name}`,
    ...(contacts.length > 0 ? [contacts.join(' · ')] : []),
    '',
  ].join('\n');

  const factsHtml: [string, Child][] = [
    ['When', when],
    ['Vessel', b.vesselName],
    ...(cancelled
      ? []
      : ([
          [
            'Meeting point',
            meetingPoint ? (
              <>
                {meetingPoint} (<a href={mapUrl(meetingPoint)}>open in a map</a>)
              </>
            ) : (
              MEETING_POINT_UNKNOWN
            ),
          ],
        ] as [string, Child][])),
    ['Party size', guests(b.partySize)],
    ['Booking', b.id],
  ];

  const html = await renderHtml(
    <MailLayout title={subject} tenantName={tenant.name}>
      <h1 style="font-size:20px;margin:0 0 8px">{headline}</h1>
      {cancelled ? (
        <p style="border:2px solid #b3261e;background:#fff4f2;color:#5c1410;border-radius:6px;padding:8px 12px">
          <strong>Cancelled.</strong> {cancelledNotice}
        </p>
      ) : null}
      {bodyHtml.map((p) => (
        <p>{raw(p.split('\n').join('<br>'))}</p>
      ))}
      {changes.length > 0 ? (
        <>
          <Heading>What changed</Heading>
          <table style="border-collapse:collapse;margin:8px 0">
            <thead>
              <tr>
                <th scope="col" style="text-align:left;padding:4px 12px 4px 0">
                  What
                </th>
                <th scope="col" style="text-align:left;padding:4px 12px 4px 0">
                  Before
                </th>
                <th scope="col" style="text-align:left;padding:4px 0">
                  Now
                </th>
              </tr>
            </thead>
            <tbody>
              {changes.map((c) => (
                <tr>
                  <th scope="row" style="text-align:left;padding:4px 12px 4px 0;color:#5b6b7b;font-weight:normal;vertical-align:top">
                    {c.label}
                  </th>
                  <td style="padding:4px 12px 4px 0;color:#5b6b7b;text-decoration:line-through">{c.from}</td>
                  <td style="padding:4px 0;font-weight:bold">{c.to}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <Heading>{cancelled ? 'The cancelled charter' : 'Your charter'}</Heading>
      <FactsTable rows={factsHtml} />
      {note ? (
        <>
          <Heading>A note for you</Heading>
          <p style="margin:4px 0;white-space:pre-line">{note}</p>
        </>
      ) : null}
      {whatToBring.length > 0 ? (
        <>
          <Heading>What to bring</Heading>
          <List items={whatToBring} />
        </>
      ) : null}
      {policies.length > 0 ? (
        <>
          <Heading>Policies</Heading>
          <List items={policies} />
        </>
      ) : null}
      {hasPage ? (
        <>
          <Button href={b.guestPageUrl}>Open your booking page</Button>
          <p style="font-size:13px;color:#5b6b7b">
            The page is always up to date. If the button does not work, copy this address into your browser:{' '}
            <span style="word-break:break-all">{b.guestPageUrl}</span>
          </p>
        </>
      ) : null}
      {contacts.length > 0 ? (
        <p style="font-size:14px">
          {tenant.name}
          {tenant.contactPhone ? (
            <>
              {' · '}
              <a href={`tel:${tenant.contactPhone.replace(/[^+0-9]/g, '')}`}>{unbroken(tenant.contactPhone)}</a>
            </>
          ) : null}
          {tenant.contactEmail ? (
            <>
              {' · '}
              <a href={`mailto:${tenant.contactEmail}`}>{tenant.contactEmail}</a>
            </>
          ) : null}
        </p>
      ) : null}
    </MailLayout>,
  );
  return { subject, text, html };
}
