/** The crew roster's views: the list with its add form, one member's page, the deactivation question. */
import type { FC } from 'hono/jsx';
import { formatInstant } from '../../../domain/time';
import type { CrewMemberView, RosterEntry } from '../../../services/crew-members';
import { Csrf, ErrorSummary, type FormState, Notice, SelectField, TextField } from '../forms';
import { TableWrap } from '../views/table-wrap';

export const CREW_FIELDS = ['name', 'email', 'phone', 'role'] as const;
const LABELS: Record<string, string> = { name: 'Name', email: 'E-mail address', phone: 'Phone', role: 'Role' };
const ROLES = [
  { value: 'crew', label: 'Crew' },
  { value: 'captain', label: 'Captain' },
];

const CrewFields: FC<{ form: string; state: FormState }> = ({ form, state }) => (
  <div class="grid">
    <TextField form={form} name="name" label={LABELS.name ?? ''} state={state} required autocomplete="off" />
    <TextField form={form} name="email" label={LABELS.email ?? ''} state={state} type="email" required autocomplete="off" />
    <TextField form={form} name="phone" label={LABELS.phone ?? ''} state={state} type="tel" hint="Optional." autocomplete="off" />
    <SelectField form={form} name="role" label={LABELS.role ?? ''} state={state} options={ROLES} />
  </div>
);

const Status: FC<{ member: CrewMemberView; zone: string }> = ({ member, zone }) =>
  member.active ? (
    <span class="badge status-accepted">Active</span>
  ) : (
    <span class="badge status-cancelled" title={member.deactivatedAt ? `Since ${formatInstant(new Date(member.deactivatedAt), zone)}` : ''}>
      Deactivated
    </span>
  );

export const CrewList: FC<{ roster: RosterEntry[]; zone: string; add: FormState; csrf: string; notice: string | null }> = ({
  roster,
  zone,
  add,
  csrf,
  notice,
}) => (
  <>
    <Notice text={notice} />
    <ErrorSummary form="add" state={add} labels={LABELS} />
    <section aria-labelledby="roster-heading">
      <h2 id="roster-heading">Roster</h2>
      {roster.length === 0 ? (
        <div class="empty">
          <p>No crew yet. Add your captains and deckhands below; each gets a sign-in link when you assign them to a charter.</p>
          <p>
            <a class="button" href="#add-name">
              Add the first crew member
            </a>
          </p>
        </div>
      ) : (
        <TableWrap label="Crew members">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">E-mail</th>
                <th scope="col">Phone</th>
                <th scope="col">Status</th>
                <th scope="col">Upcoming charters</th>
              </tr>
            </thead>
            <tbody>
              {roster.map((m) => (
                <tr>
                  <th scope="row">
                    <a href={`/app/crew/${m.id}`}>{m.name}</a>
                  </th>
                  <td>{m.role === 'captain' ? 'Captain' : 'Crew'}</td>
                  <td>{m.email}</td>
                  <td>{m.phone ?? <span class="muted">—</span>}</td>
                  <td>
                    <Status member={m} zone={zone} />
                  </td>
                  <td>{m.upcomingAssignments}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
    <section aria-labelledby="add-heading">
      <h2 id="add-heading">Add a crew member</h2>
      <form method="post" action="/app/crew">
        <Csrf token={csrf} />
        <CrewFields form="add" state={add} />
        <div class="actions">
          <button type="submit">Add crew member</button>
        </div>
      </form>
    </section>
  </>
);

export const CrewMemberPage: FC<{ member: CrewMemberView; zone: string; edit: FormState; csrf: string; notice: string | null }> = ({
  member,
  zone,
  edit,
  csrf,
  notice,
}) => (
  <>
    <Notice text={notice} />
    <ErrorSummary form="edit" state={edit} labels={LABELS} />
    <p>
      <a href="/app/crew">← Back to the roster</a>
    </p>
    <dl>
      <dt>Status</dt>
      <dd>
        <Status member={member} zone={zone} />
        {member.deactivatedAt ? <> since {formatInstant(new Date(member.deactivatedAt), zone)}</> : null}
      </dd>
    </dl>
    <section aria-labelledby="edit-heading">
      <h2 id="edit-heading">Details</h2>
      <form method="post" action={`/app/crew/${member.id}`}>
        <Csrf token={csrf} />
        <CrewFields form="edit" state={edit} />
        <div class="actions">
          <button type="submit">Save changes</button>
        </div>
      </form>
    </section>
    <section aria-labelledby="access-heading">
      <h2 id="access-heading">Access</h2>
      {member.active ? (
        <>
          <p>A new sign-in link goes to {member.email} and works for a day.</p>
          <div class="actions">
            <form method="post" action={`/app/crew/${member.id}/link`}>
              <Csrf token={csrf} />
              <button type="submit" class="secondary">
                Send a new sign-in link
              </button>
            </form>
            <a class="button danger" href={`/app/crew/${member.id}/deactivate`}>
              Deactivate…
            </a>
          </div>
        </>
      ) : (
        <>
          <p>Deactivated crew cannot sign in or be assigned. Their past charters keep their name.</p>
          <form method="post" action={`/app/crew/${member.id}/reactivate`}>
            <Csrf token={csrf} />
            <div class="actions">
              <button type="submit">Reactivate</button>
            </div>
          </form>
        </>
      )}
    </section>
  </>
);

export const ConfirmDeactivation: FC<{ member: CrewMemberView; csrf: string }> = ({ member, csrf }) => (
  <>
    <p>
      Are you sure you want to deactivate {member.name} ({member.email})? Their sign-in links stop working, their sessions end, and they are
      taken off every charter that is not over yet. Past charters keep their name, and you can reactivate them later.
    </p>
    <form method="post" action={`/app/crew/${member.id}/deactivate`} data-confirm={`Deactivate ${member.name}?`}>
      <Csrf token={csrf} />
      <div class="actions">
        <button type="submit" class="danger">
          Deactivate {member.name}
        </button>
        <a class="button secondary" href={`/app/crew/${member.id}`}>
          Cancel
        </a>
      </div>
    </form>
  </>
);
