/** The outgoing mail log's views: the list with its status filter, and one message. */
import type { FC } from 'hono/jsx';
import { formatInstant } from '../../../domain/time';
import type { OutgoingMailView } from '../../../services/mail';
import type { ArchivedMessage } from '../../../services/mail-log';
import { TableWrap } from '../views/table-wrap';

export const MAIL_STATUSES = ['queued', 'sent', 'failed'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

const KINDS: Record<string, string> = {
  'crew.assigned': 'Crew assignment',
  'crew.changed': 'Charter changed',
  'crew.cancelled': 'Charter cancelled',
  'crew.login-link': 'Crew sign-in link',
  'staff.login-link': 'Staff sign-in link',
  'crew.reminder': 'Crew reminder',
  'office.crew-declined': 'Decline alert',
};
const kindOf = (kind: string) => KINDS[kind] ?? kind;

const StatusBadge: FC<{ status: OutgoingMailView['status'] }> = ({ status }) => <span class={`badge status-${status}`}>{status}</span>;

export const MailList: FC<{ mail: OutgoingMailView[]; zone: string; status: MailStatus | null }> = ({ mail, zone, status }) => (
  <>
    <form method="get" action="/app/mail" class="filters">
      <div class="field">
        <label for="filter-status">Status</label>
        <select id="filter-status" name="status">
          <option value="">All</option>
          {MAIL_STATUSES.map((s) => (
            <option value={s} {...(s === status ? { selected: true } : {})}>
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
        {status ? (
          <p>
            No {status} mail. <a href="/app/mail">Show all mail</a>.
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
        <table>
          <thead>
            <tr>
              <th scope="col">When ({zone})</th>
              <th scope="col">Kind</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Status</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {mail.map((m) => (
              <tr>
                <td>{formatInstant(new Date(m.createdAt), zone)}</td>
                <td>{kindOf(m.kind)}</td>
                <td>{m.recipient}</td>
                <th scope="row">
                  <a href={`/app/mail/${m.id}`}>{m.subject || '(no subject yet)'}</a>
                </th>
                <td>
                  <StatusBadge status={m.status} />
                </td>
                <td>{m.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    )}
  </>
);

export const MailPage: FC<{ mail: OutgoingMailView; message: ArchivedMessage | null; archived: boolean; zone: string }> = ({
  mail,
  message,
  archived,
  zone,
}) => (
  <>
    <p>
      <a href="/app/mail">← Back to the mail log</a>
    </p>
    <dl>
      <dt>Status</dt>
      <dd>
        <StatusBadge status={mail.status} /> after {mail.attempts} {mail.attempts === 1 ? 'attempt' : 'attempts'}
      </dd>
      <dt>Kind</dt>
      <dd>{kindOf(mail.kind)}</dd>
      <dt>To</dt>
      <dd>{mail.recipient}</dd>
      <dt>Recorded</dt>
      <dd>{formatInstant(new Date(mail.createdAt), zone)}</dd>
      {mail.sentAt ? (
        <>
          <dt>Sent</dt>
          <dd>{formatInstant(new Date(mail.sentAt), zone)}</dd>
        </>
      ) : null}
      {mail.bookingId ? (
        <>
          <dt>Booking</dt>
          <dd>{mail.bookingId}</dd>
        </>
      ) : null}
      {mail.error ? (
        <>
          <dt>Error</dt>
          <dd>{mail.error}</dd>
        </>
      ) : null}
      <dt>Message-ID</dt>
      <dd>
        <code>{mail.messageId}</code>
      </dd>
    </dl>
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
