/** The booking pages' markup: the form (new and edit), the detail page and the confirmation steps. Props in, HTML out. */
import type { FC } from 'hono/jsx';
import type { AssignmentStatus, BookingStatus } from '../../../db/schema';
import { formatCharterTime, formatInstant } from '../../../domain/time';
import type { GuestPageStatus, StaffBookingView } from '../../../domain/visibility';
import type { AuditEntryView } from '../../../services/audit';
import type { CrewMemberView } from '../../../services/crew-members';
import type { CrewAssignmentView } from '../../../services/events';
import type { OutgoingMailView } from '../../../services/mail';
import { bookingPath, departureMessagesPath } from '../paths';
import { AppPage, type PageChrome } from '../views/layout';
import { TableWrap } from '../views/table-wrap';
import type { BookingFormField, BookingFormValues, FormError, VesselChoice } from './booking-form';
import { kindOf, MailOutcome, MailStateBadges, ResendForm } from './mail-views';

const LABELS: Record<BookingFormField, string> = {
  guestName: 'Guest name',
  guestEmail: 'Guest e-mail',
  guestPhone: 'Guest phone',
  partySize: 'Party size',
  vessel: 'Vessel',
  date: 'Date',
  startTime: 'Start time',
  endTime: 'End time',
  status: 'Status',
  priceTotal: 'Price total',
  currency: 'Currency',
  captainFee: 'Captain fee per hour',
  notesGuest: 'Notes for the guest',
  notesCrew: 'Notes for the crew',
  notesInternal: 'Internal notes',
  friendlySlug: 'Friendly slug',
};

export { bookingPath };

const StatusBadge: FC<{ status: BookingStatus | AssignmentStatus }> = ({ status }) => (
  <span class={`badge status-${status}`}>{status}</span>
);

const GUEST_PAGE_BADGE: Record<GuestPageStatus, { badge: string; text: string }> = {
  published: { badge: 'status-sent', text: 'published' },
  pending: { badge: 'status-queued', text: 'waiting to be published' },
  failed: { badge: 'status-failed', text: 'failed' },
  none: { badge: 'status-hold', text: 'no guest page' },
};

const ErrorSummary: FC<{ errors: readonly { field: string | null; label?: string; message: string }[]; lead?: string }> = ({
  errors,
  lead,
}) => (
  <div class="error-summary" role="alert">
    <h2>{lead ?? 'The booking was not saved'}</h2>
    {errors.length > 0 && (
      <ul>
        {errors.map((e) => (
          <li>{e.field ? <a href={`#${e.field}`}>{`${e.label ?? e.field}: ${e.message}`}</a> : e.message}</li>
        ))}
      </ul>
    )}
  </div>
);

/** The booking another booking overlapped: shown next to the times. */
export type OverlapNote = { id: string; when: string; status: BookingStatus } | { id: null };

export type BookingFormProps = {
  chrome: PageChrome;
  /** `new`, or `edit` with the booking's id and the version the form was filled from. */
  mode: { kind: 'new' } | { kind: 'edit'; id: string; version: number };
  values: BookingFormValues;
  vessels: readonly VesselChoice[];
  statuses: readonly BookingStatus[];
  errors?: readonly FormError[];
  overlap?: OverlapNote | undefined;
  /** A sentence above the form for the whole of it: the booking changed since the form was opened. */
  problem?: string | undefined;
};

export const BookingFormPage: FC<BookingFormProps> = (p) => {
  const errors = p.errors ?? [];
  const errorOf = (field: BookingFormField) =>
    errors
      .filter((e) => e.field === field)
      .map((e) => e.message)
      .join('; ');
  const invalid = (field: BookingFormField, describedBy: string[] = []) => {
    const failed = errorOf(field) !== '' || (field === 'startTime' && p.overlap !== undefined);
    const ids = [...describedBy, ...(failed ? [`${field}-error`] : [])];
    return {
      id: field,
      name: field,
      ...(failed ? { 'aria-invalid': 'true' } : {}),
      ...(ids.length > 0 ? { 'aria-describedby': ids.join(' ') } : {}),
    };
  };
  const FieldError: FC<{ field: BookingFormField }> = ({ field }) => {
    const message = errorOf(field);
    if (field === 'startTime' && p.overlap) {
      const o = p.overlap;
      return (
        <p class="field-error" id="startTime-error">
          {o.id === null ? (
            'The vessel is booked at that time by another booking.'
          ) : (
            <>
              The vessel is booked then by booking <a href={bookingPath(o.id)}>{o.id}</a>, {o.when} <StatusBadge status={o.status} />
            </>
          )}
          {message && message !== `overlaps booking ${o.id}` && message !== 'overlaps another booking of the vessel' ? ` ${message}` : ''}
        </p>
      );
    }
    return message ? (
      <p class="field-error" id={`${field}-error`}>
        {message}
      </p>
    ) : null;
  };
  const Text: FC<{ field: BookingFormField; type?: string; hint?: string; extra?: Record<string, string> }> = ({
    field,
    type,
    hint,
    extra,
  }) => (
    <div class="field">
      <label for={field}>{LABELS[field]}</label>
      {hint && (
        <p class="muted" id={`${field}-hint`}>
          {hint}
        </p>
      )}
      <input type={type ?? 'text'} value={p.values[field]} {...invalid(field, hint ? [`${field}-hint`] : [])} {...(extra ?? {})} />
      <FieldError field={field} />
    </div>
  );
  const Notes: FC<{ field: BookingFormField; hint: string }> = ({ field, hint }) => (
    <div class="field">
      <label for={field}>{LABELS[field]}</label>
      <p class="muted" id={`${field}-hint`}>
        {hint}
      </p>
      <textarea rows={3} {...invalid(field, [`${field}-hint`])}>
        {p.values[field]}
      </textarea>
      <FieldError field={field} />
    </div>
  );
  const zone = p.vessels.find((v) => v.slug === p.values.vessel)?.timezone ?? p.vessels[0]?.timezone ?? 'UTC';
  const zones = new Set(p.vessels.map((v) => v.timezone));
  const summary = errors.map((e) => ({ ...e, label: e.field ? LABELS[e.field] : '' }));
  if (p.overlap && !errors.some((e) => e.field === 'startTime')) {
    summary.push({ field: 'startTime', label: LABELS.startTime, message: 'the vessel is booked at that time' });
  }
  const action = p.mode.kind === 'new' ? '/app/bookings' : bookingPath(p.mode.id);
  return (
    <AppPage title={p.mode.kind === 'new' ? 'New booking' : `Edit booking ${p.mode.id}`} chrome={p.chrome}>
      {p.mode.kind === 'edit' && (
        <nav aria-label="Breadcrumb">
          <a href="/app/bookings">Bookings</a> › <a href={bookingPath(p.mode.id)}>Booking {p.mode.id}</a>
        </nav>
      )}
      {(summary.length > 0 || p.problem) && <ErrorSummary errors={summary} {...(p.problem ? { lead: p.problem } : {})} />}
      <form method="post" action={action} novalidate>
        <input type="hidden" name="_csrf" value={p.chrome.csrf} />
        {p.mode.kind === 'edit' && <input type="hidden" name="version" value={String(p.mode.version)} />}
        <fieldset>
          <legend>Guest</legend>
          <div class="grid">
            <Text field="guestName" extra={{ autocomplete: 'off', maxlength: '200' }} />
            <Text field="guestEmail" type="email" extra={{ autocomplete: 'off' }} />
            <Text field="guestPhone" type="tel" hint="Optional." extra={{ autocomplete: 'off' }} />
            <Text field="partySize" type="number" extra={{ min: '1', step: '1', inputmode: 'numeric' }} />
          </div>
        </fieldset>
        <fieldset>
          <legend>Charter</legend>
          <div class="grid">
            <div class="field">
              <label for="vessel">{LABELS.vessel}</label>
              <select {...invalid('vessel')}>
                {p.vessels.map((v) => (
                  <option value={v.slug} selected={v.slug === p.values.vessel}>
                    {`${v.name} (${v.timezone})`}
                  </option>
                ))}
              </select>
              <FieldError field="vessel" />
            </div>
            <div class="field">
              <label for="status">{LABELS.status}</label>
              <select {...invalid('status')}>
                {p.statuses.map((s) => (
                  <option value={s} selected={s === p.values.status}>
                    {s === 'hold' ? 'hold (not confirmed: no guest page yet)' : s}
                  </option>
                ))}
              </select>
              <FieldError field="status" />
            </div>
          </div>
          <p class="muted" id="times-zone">
            {zones.size > 1
              ? `Date and times are read in the chosen vessel’s time zone (named beside each vessel); ${zone} for ${p.values.vessel || 'the first'}.`
              : `Date and times are in ${zone}, the vessel’s time zone.`}
          </p>
          <div class="grid">
            <div class="field">
              <label for="date">{LABELS.date}</label>
              <input type="date" value={p.values.date} {...invalid('date', ['times-zone'])} />
              <FieldError field="date" />
            </div>
            <div class="field">
              <label for="startTime">
                {LABELS.startTime} <span class="muted">({zone})</span>
              </label>
              <input type="time" value={p.values.startTime} {...invalid('startTime', ['times-zone'])} />
              <FieldError field="startTime" />
            </div>
            <div class="field">
              <label for="endTime">
                {LABELS.endTime} <span class="muted">({zone})</span>
              </label>
              <input type="time" value={p.values.endTime} {...invalid('endTime', ['times-zone'])} />
              <FieldError field="endTime" />
            </div>
          </div>
        </fieldset>
        <fieldset>
          <legend>Money (office only)</legend>
          <div class="grid">
            <Text field="priceTotal" hint="The charter’s total, e.g. 840.75." extra={{ inputmode: 'decimal' }} />
            <Text field="currency" hint="A three-letter code, e.g. USD." extra={{ maxlength: '3', autocomplete: 'off' }} />
            <Text field="captainFee" hint="Optional; in the booking’s currency." extra={{ inputmode: 'decimal' }} />
          </div>
        </fieldset>
        <fieldset>
          <legend>Notes</legend>
          <Notes field="notesGuest" hint="Shown on the guest page." />
          <Notes field="notesCrew" hint="Shown to the assigned crew." />
          <Notes field="notesInternal" hint="Only the office sees these." />
        </fieldset>
        <fieldset>
          <legend>Guest page</legend>
          <Text
            field="friendlySlug"
            hint="Optional: a readable address for the guest page, e.g. avery-sunset-sail (lower-case letters, digits and dashes)."
            extra={{ autocomplete: 'off' }}
          />
        </fieldset>
        <div class="actions">
          <button type="submit">{p.mode.kind === 'new' ? 'Create booking' : 'Save changes'}</button>
          <a class="button secondary" href={p.mode.kind === 'new' ? '/app/bookings' : bookingPath(p.mode.id)}>
            Back
          </a>
        </div>
      </form>
    </AppPage>
  );
};

/** An edit refused by the rules (cancelled, completed): says why, with the way back. */
export const NotEditablePage: FC<{ chrome: PageChrome; id: string; reason: string }> = ({ chrome, id, reason }) => (
  <AppPage title={`Edit booking ${id}`} chrome={chrome}>
    <p class="notice">{reason}</p>
    <p class="actions">
      <a class="button secondary" href={bookingPath(id)}>
        Back to booking {id}
      </a>
    </p>
  </AppPage>
);

export type AddCrewForm = { crewId: string; role: string; errors: readonly { field: 'crewId' | 'role' | null; message: string }[] };

export type BookingDetailProps = {
  chrome: PageChrome;
  booking: StaffBookingView;
  crew: readonly CrewAssignmentView[];
  /** Active crew members who are not on this crew yet. */
  availableCrew: readonly CrewMemberView[];
  mails: readonly OutgoingMailView[];
  audit: readonly AuditEntryView[];
  notice?: string | undefined;
  addCrew?: AddCrewForm | undefined;
  /** Why crew cannot be added or removed now, or null when they can. */
  crewClosed: string | null;
};

const money = (amount: number, currency: string | null) =>
  currency ? new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount) : amount.toFixed(2);

export const BookingDetailPage: FC<BookingDetailProps> = (p) => {
  const b = p.booking;
  const zone = b.timezone;
  const at = (iso: string | null) => (iso ? formatInstant(new Date(iso), zone) : '—');
  const final = b.status === 'cancelled' || b.status === 'completed';
  const page = GUEST_PAGE_BADGE[b.guestPage.status];
  const addErrors = p.addCrew?.errors ?? [];
  const addErrorOf = (field: 'crewId' | 'role') =>
    addErrors
      .filter((e) => e.field === field || (field === 'crewId' && e.field === null))
      .map((e) => e.message)
      .join('; ');
  const addInvalid = (field: 'crewId' | 'role') =>
    addErrorOf(field) ? { 'aria-invalid': 'true', 'aria-describedby': `${field}-error` } : {};
  return (
    <AppPage title={`Booking ${b.id}`} chrome={p.chrome}>
      <nav aria-label="Breadcrumb">
        <a href="/app/bookings">Bookings</a> › Booking {b.id} · <a href="/app/bookings/new">New booking</a>
      </nav>
      {p.notice && (
        <p class="notice" role="status">
          {p.notice}
        </p>
      )}
      <div class="actions">
        {final ? (
          <span class="muted">
            {b.status === 'cancelled' ? 'Cancelled bookings can no longer be changed.' : 'Completed charters can no longer be changed.'}
          </span>
        ) : (
          <>
            <a class="button" href={`${bookingPath(b.id)}/edit`}>
              Edit
            </a>
            <a class="button danger" href={`${bookingPath(b.id)}/cancel`}>
              Cancel booking
            </a>
          </>
        )}
        <a class="button secondary" href={`${bookingPath(b.id)}/email`}>
          E-mail guest
        </a>
        <a class="button secondary" href={departureMessagesPath(b)}>
          Message all guests of this departure
        </a>
      </div>

      <h2>Charter</h2>
      <dl>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={b.status} />
        </dd>
        <dt>When</dt>
        <dd>
          {formatCharterTime(new Date(b.startsAt), new Date(b.endsAt), zone)} <span class="muted">({zone})</span>
        </dd>
        <dt>Vessel</dt>
        <dd>
          {b.vesselName} <span class="muted">({b.vessel})</span>, meeting at {b.meetingPoint}
        </dd>
        <dt>Party size</dt>
        <dd>{b.partySize}</dd>
      </dl>

      <h2>Guest</h2>
      <dl>
        <dt>Name</dt>
        <dd>{b.guest.name}</dd>
        <dt>E-mail</dt>
        <dd>
          <a href={`mailto:${b.guest.email}`}>{b.guest.email}</a>
        </dd>
        <dt>Phone</dt>
        <dd>{b.guest.phone ?? '—'}</dd>
      </dl>

      <h2>Money</h2>
      <dl>
        <dt>Price total</dt>
        <dd>{b.pricing.total === null ? 'Not set' : money(b.pricing.total, b.pricing.currency)}</dd>
        <dt>Captain fee</dt>
        <dd>{b.captainFeePerHour === null ? 'Not set' : `${money(b.captainFeePerHour, b.pricing.currency)} per hour`}</dd>
      </dl>

      <h2>Notes</h2>
      <dl>
        <dt>For the guest</dt>
        <dd>{b.notes.guest ?? '—'}</dd>
        <dt>For the crew</dt>
        <dd>{b.notes.crew ?? '—'}</dd>
        <dt>Internal (office only)</dt>
        <dd>{b.notes.internal ?? '—'}</dd>
      </dl>

      <h2>Guest page</h2>
      <dl>
        <dt>Status</dt>
        <dd>
          <span class={`badge ${page.badge}`}>{page.text}</span>
        </dd>
        <dt>Live address</dt>
        <dd>{b.guestPage.url ? <a href={b.guestPage.url}>{b.guestPage.url}</a> : 'Not published yet'}</dd>
        <dt>Friendly slug</dt>
        <dd>{b.friendlySlug ?? '—'}</dd>
        <dt>Published</dt>
        <dd>{at(b.guestPage.publishedAt)}</dd>
        <dt>Verified live</dt>
        <dd>{at(b.guestPage.verifiedAt)}</dd>
        <dt>Last error</dt>
        <dd>
          {b.guestPage.error
            ? `${b.guestPage.error} (${at(b.guestPage.errorAt)}; ${b.guestPage.failedAttempts} failed ${b.guestPage.failedAttempts === 1 ? 'attempt' : 'attempts'})`
            : 'None'}
        </dd>
      </dl>
      {b.status === 'hold' ? (
        <p class="muted">A hold has no guest page; it gets one once it is confirmed.</p>
      ) : (
        <form method="post" action={`${bookingPath(b.id)}/publish`} class="actions">
          <input type="hidden" name="_csrf" value={p.chrome.csrf} />
          <button type="submit" class="secondary">
            Publish again
          </button>
        </form>
      )}

      <h2>Crew</h2>
      {p.crew.length === 0 ? (
        <p class="empty">{p.crewClosed ? 'No crew were assigned.' : 'No crew yet. Add a captain and crew with the form below.'}</p>
      ) : (
        <TableWrap label="Crew">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Decline reason</th>
                <th scope="col">Answered</th>
                {!p.crewClosed && <th scope="col">Remove</th>}
              </tr>
            </thead>
            <tbody>
              {p.crew.map((a) => (
                <tr>
                  <th scope="row">{a.name}</th>
                  <td>{a.role}</td>
                  <td>
                    <StatusBadge status={a.status} />
                  </td>
                  <td>{a.declineReason ?? '—'}</td>
                  <td>{at(a.answeredAt)}</td>
                  {!p.crewClosed && (
                    <td>
                      <a href={`${bookingPath(b.id)}/crew/${encodeURIComponent(a.crewMemberId)}/remove`}>Remove {a.name}</a>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {p.crewClosed ? (
        <p class="muted">{p.crewClosed}</p>
      ) : p.availableCrew.length === 0 ? (
        <p class="empty">
          Every active crew member is on this charter. Add people on the <a href="/app/crew">Crew</a> page.
        </p>
      ) : (
        <form method="post" action={`${bookingPath(b.id)}/crew`}>
          <input type="hidden" name="_csrf" value={p.chrome.csrf} />
          <fieldset>
            <legend>Add crew</legend>
            {addErrors.length > 0 && (
              <div class="error-summary" role="alert">
                <h3>The crew member was not added</h3>
                <ul>
                  {addErrors.map((e) => (
                    <li>{e.message}</li>
                  ))}
                </ul>
              </div>
            )}
            <div class="grid">
              <div class="field">
                <label for="crewId">Crew member</label>
                <select id="crewId" name="crewId" {...addInvalid('crewId')}>
                  {p.availableCrew.map((m) => (
                    <option value={m.id} selected={m.id === p.addCrew?.crewId}>
                      {`${m.name} (${m.role})`}
                    </option>
                  ))}
                </select>
                {addErrorOf('crewId') && (
                  <p class="field-error" id="crewId-error">
                    {addErrorOf('crewId')}
                  </p>
                )}
              </div>
              <div class="field">
                <label for="role">Role</label>
                <select id="role" name="role" {...addInvalid('role')}>
                  <option value="" selected={!p.addCrew?.role}>
                    Their usual role
                  </option>
                  <option value="captain" selected={p.addCrew?.role === 'captain'}>
                    captain
                  </option>
                  <option value="crew" selected={p.addCrew?.role === 'crew'}>
                    crew
                  </option>
                </select>
                {addErrorOf('role') && (
                  <p class="field-error" id="role-error">
                    {addErrorOf('role')}
                  </p>
                )}
              </div>
            </div>
            <div class="actions">
              <button type="submit">Add to crew</button>
            </div>
          </fieldset>
        </form>
      )}

      <h2 id="booking-mail">Mail for this booking</h2>
      {p.mails.length === 0 ? (
        <p class="empty">
          No mail yet. Crew are mailed when they are added; see all mail on the <a href="/app/mail">Mail</a> page.
        </p>
      ) : (
        <TableWrap label="Mail for this booking">
          <table class="mail-log">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">State</th>
                <th scope="col">Kind</th>
                <th scope="col">Recipient</th>
                <th scope="col">Server's answer or error</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {p.mails.map((m) => (
                <tr data-mail-id={m.id}>
                  <th scope="row">
                    <a href={`/app/mail/${m.id}`}>{m.subject || '(no subject yet)'}</a>
                  </th>
                  <td>
                    <MailStateBadges mail={m} />
                  </td>
                  <td>{kindOf(m.kind)}</td>
                  <td>{m.recipient}</td>
                  <td>
                    <MailOutcome mail={m} />
                    <ResendForm mail={m} csrf={p.chrome.csrf} from="booking" />
                  </td>
                  <td>{at(m.sentAt ?? m.attemptedAt ?? m.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}

      <h2>History</h2>
      {p.audit.length === 0 ? (
        <p class="empty">Nothing recorded yet.</p>
      ) : (
        <TableWrap label="History">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">What changed</th>
              </tr>
            </thead>
            <tbody>
              {p.audit.map((e) => (
                <tr>
                  <td>{at(e.at)}</td>
                  <td>{e.who}</td>
                  <th scope="row">{e.action}</th>
                  <td>{e.changes.join('; ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </AppPage>
  );
};

/** "Are you sure" before a destructive action, as a page with one POST form: works without scripts. */
export const ConfirmPage: FC<{
  chrome: PageChrome;
  title: string;
  bookingId: string;
  question: string;
  detail: string;
  action: string;
  button: string;
}> = (p) => (
  <AppPage title={p.title} chrome={p.chrome}>
    <p>{p.question}</p>
    <p class="muted">{p.detail}</p>
    <form method="post" action={p.action} class="actions">
      <input type="hidden" name="_csrf" value={p.chrome.csrf} />
      <button type="submit" class="danger">
        {p.button}
      </button>
      <a class="button secondary" href={bookingPath(p.bookingId)}>
        Keep it, go back
      </a>
    </form>
  </AppPage>
);
