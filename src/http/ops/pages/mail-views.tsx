/**
 * The outgoing mail log's views: the list with its state filter, one message, and the pieces the
 * booking page shares — a mail's delivery state (queued, sent with the server's answer, failed with
 * the error, retried) and the "Send again" form of a failed mail.
 */
import type { FC } from 'hono/jsx';
import { formatInstant } from '../../../domain/time';
import type { OutgoingMailView } from '../../../services/mail';
import type { ArchivedMessage } from '../../../services/mail-log';
import { Csrf, Notice } from '../forms';
import { TableWrap } from '../views/table-wrap';

/** The states the log filters by: those a mail is in, and `retried` (more than one attempt). */
export const MAIL_STATES = ['queued', 'sent', 'failed', 'withdrawn', 'retried'] as const;
export type MailState = (typeof MAIL_STATES)[number];

const KINDS: Record<string, string> = {
  'crew.assigned': 'Crew assignment',
  'crew.changed': 'Charter changed',
  'crew.cancelled': 'Charter cancelled',
  'crew.login-link': 'Crew sign-in link',
  'staff.login-link': 'Staff sign-in link',
  'crew.reminder': 'Crew reminder',
  'office.crew-declined': 'Decline alert',
  'guest.confirmation': 'Guest confirmation',
  'guest.change': 'Guest: charter changed',
  'guest.cancellation': 'Guest: charter cancelled',
  'guest.reminder': 'Guest reminder',
  'guest.message': 'Message to a guest',
};
export const kindOf = (kind: string) => KINDS[kind] ?? kind;

const attemptsText = (n: number) => `${n} ${n === 1 ? 'attempt' : 'attempts'}`;

/** A mail's state in words: `sent after 3 attempts`, `failed after 1 attempt`, `queued again after 2 attempts`. */
export function stateText(m: Pick<OutgoingMailView, 'status' | 'attempts'>): string {
  if (m.status === 'queued') return m.attempts === 0 ? 'waiting to be sent' : `queued again after ${attemptsText(m.attempts)}`;
  if (m.status === 'sent') return m.attempts > 1 ? `sent after ${attemptsText(m.attempts)}` : 'sent at the first attempt';
  if (m.status === 'withdrawn') return 'not sent: it no longer applies';
  return `failed after ${attemptsText(m.attempts)}`;
}

const isRetried = (m: Pick<OutgoingMailView, 'status' | 'attempts'>) => m.attempts > 1 || (m.status === 'queued' && m.attempts > 0);

/** The state badge, a `retried` badge when it took more than one attempt, and the state in words. */
export const MailStateBadges: FC<{ mail: OutgoingMailView }> = ({ mail }) => (
  <>
    <span class={`badge status-${mail.status}`}>{mail.status}</span>
    {isRetried(mail) ? (
      <>
        {' '}
        <span class="badge status-retried">retried</span>
      </>
    ) : null}{' '}
    <span class="muted state-text">{stateText(mail)}</span>
  </>
);

/** "Send again" for a failed mail the outbox queued; `from` says where to come back to (a fixed key). */
export const ResendForm: FC<{ mail: OutgoingMailView; csrf: string; from: 'log' | 'mail' | 'booking' | 'batch' }> = ({
  mail,
  csrf,
  from,
}) =>
  mail.resendable ? (
    <form method="post" action={`/app/mail/${mail.id}/resend`} class="inline-form">
      <Csrf token={csrf} />
      <input type="hidden" name="from" value={from} />
      <button type="submit" class="secondary" aria-label={`Send again: ${mail.subject || kindOf(mail.kind)} to ${mail.recipient}`}>
        Send again
      </button>
    </form>
  ) : null;

/** What the server answered (sent), what went wrong (failed) or why it was withdrawn; the Message-ID of a sent mail. */
export const MailOutcome: FC<{ mail: OutgoingMailView }> = ({ mail }) =>
  mail.status === 'failed' || mail.status === 'withdrawn' || (mail.status === 'queued' && mail.error) ? (
    <span class="mail-error">{mail.error ?? ''}</span>
  ) : mail.status === 'sent' ? (
    <>
      {mail.response ? (
        <span class="mail-response" title={mail.response}>
          {mail.response}
        </span>
      ) : null}
      <code class="message-id" title={mail.messageId}>
        {mail.messageId}
      </code>
    </>
  ) : null;

const toOf = (m: OutgoingMailView) => (m.recipientName ? `${m.recipientName} <${m.recipient}>` : m.recipient);

export const MailList: FC<{
  mail: OutgoingMailView[];
  zone: string;
  state: MailState | null;
  csrf: string;
  notice: string | null;
  problem?: string | null;
}> = ({ mail, zone, state, csrf, notice, problem }) => (
  <>
    <Notice text={notice} />
    {problem ? (
      <div class="error-summary" role="alert">
        <p>{problem}</p>
      </div>
    ) : null}
    <form method="get" action="/app/mail" class="filters">
      <div class="field">
        <label for="filter-status">State</label>
        <select id="filter-status" name="status">
          <option value="">All</option>
          {MAIL_STATES.map((s) => (
            <option value={s} {...(s === state ? { selected: true } : {})}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div class="actions">
        <button type="submit" class="secondary">
          Filter
        </button>
      </div>
    </form>
    {mail.length === 0 ? (
      <div class="empty">
        {state ? (
          <p>
            No {state} mail. <a href="/app/mail">Show all mail</a>.
          </p>
        ) : (
          <p>
            No mail sent yet. Mail goes out when you assign crew to a charter, when someone asks for a sign-in link, and before departures.{' '}
            <a href="/app/crew">Go to the crew roster</a>.
          </p>
        )}
      </div>
    ) : (
      <TableWrap label="Outgoing mail">
        <table class="mail-log">
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">State</th>
              <th scope="col">To</th>
              <th scope="col">Kind</th>
              <th scope="col">When ({zone})</th>
              <th scope="col">Server's answer or error</th>
            </tr>
          </thead>
          <tbody>
            {mail.map((m) => (
              <tr data-mail-id={m.id}>
                <th scope="row">
                  <a href={`/app/mail/${m.id}`}>{m.subject || '(no subject yet)'}</a>
                </th>
                <td>
                  <MailStateBadges mail={m} />
                </td>
                <td>{toOf(m)}</td>
                <td>{kindOf(m.kind)}</td>
                <td>{formatInstant(new Date(m.createdAt), zone)}</td>
                <td>
                  <MailOutcome mail={m} />
                  <ResendForm mail={m} csrf={csrf} from="log" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    )}
  </>
);

export const MailPage: FC<{
  mail: OutgoingMailView;
  message: ArchivedMessage | null;
  archived: boolean;
  zone: string;
  csrf: string;
  notice: string | null;
  problem?: string | null;
}> = ({ mail, message, archived, zone, csrf, notice, problem }) => (
  <>
    <p>
      <a href="/app/mail">← Back to the mail log</a>
    </p>
    <Notice text={notice} />
    {problem ? (
      <div class="error-summary" role="alert">
        <p>{problem}</p>
      </div>
    ) : null}
    <dl>
      <dt>State</dt>
      <dd>
        <MailStateBadges mail={mail} />
      </dd>
      <dt>Kind</dt>
      <dd>
        {kindOf(mail.kind)} <span class="muted">({mail.automatic ? 'sent by Bosun on its own' : 'written by the office'})</span>
      </dd>
      <dt>To</dt>
      <dd>{toOf(mail)}</dd>
      <dt>Recorded</dt>
      <dd>{formatInstant(new Date(mail.createdAt), zone)}</dd>
      {mail.attemptedAt ? (
        <>
          <dt>Last attempt</dt>
          <dd>{formatInstant(new Date(mail.attemptedAt), zone)}</dd>
        </>
      ) : null}
      {mail.sentAt ? (
        <>
          <dt>Sent</dt>
          <dd>{formatInstant(new Date(mail.sentAt), zone)}</dd>
        </>
      ) : null}
      {mail.response ? (
        <>
          <dt>Server's answer</dt>
          <dd>
            <code>{mail.response}</code>
          </dd>
        </>
      ) : null}
      {mail.bookingId ? (
        <>
          <dt>Booking</dt>
          <dd>
            <a href={`/app/bookings/${encodeURIComponent(mail.bookingId)}`}>{mail.bookingId}</a>
          </dd>
        </>
      ) : null}
      {mail.batchId ? (
        <>
          <dt>Sent with</dt>
          <dd>
            <a href={`/app/messages/${mail.batchId}`}>the message to all guests of its departure</a>
          </dd>
        </>
      ) : null}
      {mail.error ? (
        <>
          <dt>{mail.status === 'withdrawn' ? 'Why it was withdrawn' : 'Error'}</dt>
          <dd>{mail.error}</dd>
        </>
      ) : null}
      <dt>Message-ID</dt>
      <dd>
        <code>{mail.messageId}</code>
      </dd>
    </dl>
    {mail.resendable ? (
      <div class="actions">
        <ResendForm mail={mail} csrf={csrf} from="mail" />
        <span class="muted">It goes back in the queue and is sent once more, as it was written.</span>
      </div>
    ) : mail.status === 'failed' ? (
      <p class="muted">
        This message is made by the job that sends it: retry that job on the <a href="/app/jobs">Jobs</a> page once the cause of the error
        is fixed.
      </p>
    ) : null}
    <section aria-labelledby="message-heading">
      <h2 id="message-heading">The message</h2>
      {message ? (
        <>
          <dl>
            <dt>From</dt>
            <dd>{message.from}</dd>
            <dt>To</dt>
            <dd>{message.to}</dd>
            <dt>Subject</dt>
            <dd>{message.subject}</dd>
            <dt>Date</dt>
            <dd>{message.date ? formatInstant(new Date(message.date), zone) : ''}</dd>
          </dl>
          <h3>Text</h3>
          <pre>{message.text}</pre>
          {message.carriesSignInLink ? (
            <p class="muted">
              This message carries a personal sign-in link, so its link is hidden here and the message is not offered for download.
            </p>
          ) : (
            <div class="actions">
              <a class="button secondary" href={`/app/mail/${mail.id}/message.eml`} download>
                Download the message (.eml)
              </a>
            </div>
          )}
        </>
      ) : (
        <p class="muted">
          {archived
            ? 'The mail folder holds no copy of this message (it was not sent, or its file was removed). The fields above are what Bosun recorded.'
            : 'Mail goes out through SMTP, so Bosun keeps no copy of the message; the fields above are what it recorded.'}
        </p>
      )}
    </section>
  </>
);
