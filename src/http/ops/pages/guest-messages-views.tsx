/**
 * Mail the office writes to guests: "E-mail guest" on a booking (start from a template or free text,
 * preview, send), "Message all guests" of a departure day or one vessel's day (the recipients listed
 * before anything is sent), and the page of a sent message to many with each recipient's state.
 * Props in, HTML out.
 */
import type { FC } from 'hono/jsx';
import type { OutgoingMailView } from '../../../services/mail';
import { Csrf, ErrorSummary, type FormState, Notice, TextArea, TextField } from '../forms';
import { bookingPath } from '../paths';
import { MailPreview, type MailPreviewProps } from '../views/mail-preview';
import { TableWrap } from '../views/table-wrap';
import { PlaceholderList, type PlaceholderRow, type TemplateRow } from './guest-mail-settings-views';
import { MailOutcome, MailStateBadges, ResendForm } from './mail-views';

export const MESSAGE_FIELDS = ['subject', 'body'] as const;
// A refusal of the day or vessel (nobody departs) is a sentence of its own: only these two fields are on the form.
const LABELS: Record<string, string> = { subject: 'Subject', body: 'Body' };

/** The two buttons of a message form: Preview (which lands on the preview) and Send. */
const PreviewAndSend: FC<{ action: string; send: string }> = ({ action, send }) => (
  <div class="actions">
    <button type="submit" name="action" value="preview" class="secondary" formaction={`${action}#mail-preview-heading`}>
      Preview
    </button>
    <button type="submit" name="action" value="send">
      {send}
    </button>
  </div>
);

/** The booking the "E-mail guest" page writes about, as it shows it. */
export type EmailGuestBooking = {
  id: string;
  status: string;
  guestName: string;
  guestEmail: string;
  when: string;
  vesselName: string;
};

export const EmailGuestForm: FC<{
  booking: EmailGuestBooking;
  templates: readonly TemplateRow[];
  startedFrom: string;
  state: FormState;
  csrf: string;
  /** Names this message across a preview and a second press of Send: it is queued once. */
  requestId: string;
  placeholders: readonly PlaceholderRow[];
  preview: MailPreviewProps | null;
}> = ({ booking, templates, startedFrom, state, csrf, requestId, placeholders, preview }) => {
  const action = `${bookingPath(booking.id)}/email`;
  return (
    <>
      <nav aria-label="Breadcrumb">
        <a href="/app/bookings">Bookings</a> › <a href={bookingPath(booking.id)}>Booking {booking.id}</a> › E-mail guest
      </nav>
      <dl class="facts">
        <dt>To</dt>
        <dd>
          {booking.guestName} &lt;{booking.guestEmail}&gt;
        </dd>
        <dt>Charter</dt>
        <dd>
          {booking.when} · {booking.vesselName} · <span class={`badge status-${booking.status}`}>{booking.status}</span>
        </dd>
      </dl>
      {booking.status === 'cancelled' ? <p class="notice">This charter is cancelled; the guest can still be written to.</p> : null}
      <form method="get" action={action} class="filters">
        <div class="field">
          <label for="start-template">Start from</label>
          <select id="start-template" name="template">
            <option value="">Free text</option>
            {templates.map((t) => (
              <option value={t.kind} {...(t.kind === startedFrom ? { selected: true } : {})}>
                {`The wording of: ${t.label}`}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Use this wording
        </button>
      </form>
      <div class="editor">
        <form method="post" action={action} class="editor-form">
          <Csrf token={csrf} />
          <input type="hidden" name="requestId" value={requestId} />
          <ErrorSummary form="message" state={state} labels={LABELS} />
          <TextField form="message" name="subject" label="Subject" state={state} required />
          <TextArea
            form="message"
            name="body"
            label="Body"
            state={state}
            rows={12}
            hint="Plain text; placeholders are filled in for this guest."
          />
          <PreviewAndSend action={action} send={`Send to ${booking.guestName}`} />
        </form>
        <PlaceholderList placeholders={placeholders} />
      </div>
      {preview ? (
        <MailPreview preview={preview} heading="Preview" note={`As ${booking.guestName} would get it. Nothing is sent yet.`} />
      ) : null}
    </>
  );
};

/** One guest of a departure (the services' `DepartureRecipient`). */
export type RecipientRow = { bookingId: string; guestName: string; guestEmail: string; vesselName: string; startsAt: string };
export type VesselOption = { slug: string; name: string };

/** A zoned ISO time's wall clock: `2026-05-30T10:00:00-07:00` → `10:00`. */
const wallTime = (zoned: string) => zoned.slice(11, 16);

export const longDay = (day: string) =>
  new Date(`${day}T12:00:00Z`).toLocaleDateString('en-US', {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });

export const MessageGuestsForm: FC<{
  date: string;
  vessel: string | null;
  vessels: readonly VesselOption[];
  recipients: readonly RecipientRow[];
  state: FormState;
  csrf: string;
  /** Names this message across a preview and a second press of Send: it is queued once. */
  requestId: string;
  placeholders: readonly PlaceholderRow[];
  preview: MailPreviewProps | null;
  /** A problem with the day or vessel asked for (shown above, the page shows the day it could). */
  problem?: string | null;
}> = ({ date, vessel, vessels, recipients, state, csrf, requestId, placeholders, preview, problem }) => {
  const vesselName = vessel ? (vessels.find((v) => v.slug === vessel)?.name ?? vessel) : null;
  const whose = vesselName ? `${vesselName}’s departures on ${longDay(date)}` : `every departure on ${longDay(date)}`;
  const count = recipients.length;
  return (
    <>
      {problem ? (
        <div class="error-summary" role="alert">
          <p>{problem}</p>
        </div>
      ) : null}
      <form method="get" action="/app/messages/new" class="filters">
        <div class="field">
          <label for="departure-date">Day</label>
          <input id="departure-date" name="date" type="date" value={date} required />
        </div>
        <div class="field">
          <label for="departure-vessel">Vessel</label>
          <select id="departure-vessel" name="vessel">
            <option value="">All vessels</option>
            {vessels.map((v) => (
              <option value={v.slug} {...(v.slug === vessel ? { selected: true } : {})}>
                {v.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Show recipients
        </button>
        <a href={`/app/today?date=${date}`}>Back to the day sheet</a>
      </form>
      <section aria-labelledby="recipients-heading">
        <h2 id="recipients-heading">
          {count === 0 ? 'Recipients' : `${count} ${count === 1 ? 'recipient' : 'recipients'}`}: guests of {whose}
        </h2>
        {count === 0 ? (
          <div class="empty">
            <p>
              No confirmed charter departs {vesselName ? `on ${vesselName} ` : ''}on {longDay(date)}, so there is nobody to message. Holds
              and cancelled charters are not messaged.
            </p>
            <p>
              <a href={`/app/today?date=${date}`}>See the day sheet</a>
            </p>
          </div>
        ) : (
          <TableWrap label="Recipients">
            <table>
              <thead>
                <tr>
                  <th scope="col">Guest</th>
                  <th scope="col">E-mail</th>
                  <th scope="col">Vessel</th>
                  <th scope="col">Departs (local time)</th>
                  <th scope="col">Booking</th>
                </tr>
              </thead>
              <tbody>
                {recipients.map((r) => (
                  <tr>
                    <th scope="row">{r.guestName}</th>
                    <td>{r.guestEmail}</td>
                    <td>{r.vesselName}</td>
                    <td>{wallTime(r.startsAt)}</td>
                    <td>
                      <a href={bookingPath(r.bookingId)}>{r.bookingId}</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      {count === 0 ? null : (
        <>
          <h2>The message</h2>
          <div class="editor">
            <form method="post" action="/app/messages" class="editor-form">
              <Csrf token={csrf} />
              <input type="hidden" name="requestId" value={requestId} />
              <input type="hidden" name="date" value={date} />
              <input type="hidden" name="vessel" value={vessel ?? ''} />
              <ErrorSummary form="message" state={state} labels={LABELS} />
              <TextField form="message" name="subject" label="Subject" state={state} required />
              <TextArea
                form="message"
                name="body"
                label="Body"
                state={state}
                rows={12}
                hint="Plain text; placeholders are filled in for each guest with their own charter."
              />
              <PreviewAndSend action="/app/messages" send={`Send to ${count} ${count === 1 ? 'guest' : 'guests'}`} />
            </form>
            <PlaceholderList placeholders={placeholders} />
          </div>
        </>
      )}
      {preview ? (
        <MailPreview
          preview={preview}
          heading="Preview"
          note={`For the first recipient, ${recipients[0]?.guestName ?? ''}; every guest gets their own values. Nothing is sent yet.`}
        />
      ) : null}
    </>
  );
};

export const BatchPage: FC<{ mail: readonly OutgoingMailView[]; csrf: string; notice: string | null }> = ({ mail, csrf, notice }) => {
  const by = (status: string) => mail.filter((m) => m.status === status).length;
  const [sent, queued, failed] = [by('sent'), by('queued'), by('failed')];
  return (
    <>
      <Notice text={notice} />
      <p class="batch-summary" role="status">
        {mail.length} {mail.length === 1 ? 'recipient' : 'recipients'}: <span class="badge status-sent">{sent} sent</span>{' '}
        <span class="badge status-queued">{queued} queued</span> <span class="badge status-failed">{failed} failed</span>
      </p>
      {queued > 0 ? <p class="muted">This page updates by itself as the messages go out.</p> : null}
      <TableWrap label="Recipients and their mail">
        <table class="batch-log">
          <thead>
            <tr>
              <th scope="col">Guest</th>
              <th scope="col">State</th>
              <th scope="col">Booking</th>
              <th scope="col">Server's answer or error</th>
            </tr>
          </thead>
          <tbody>
            {mail.map((m) => (
              <tr data-mail-id={m.id}>
                <th scope="row">
                  <a href={`/app/mail/${m.id}`}>{m.recipientName ? `${m.recipientName} <${m.recipient}>` : m.recipient}</a>
                </th>
                <td>
                  <MailStateBadges mail={m} />
                </td>
                <td>{m.bookingId ? <a href={bookingPath(m.bookingId)}>{m.bookingId}</a> : '—'}</td>
                <td>
                  <MailOutcome mail={m} />
                  <ResendForm mail={m} csrf={csrf} from="batch" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
};
