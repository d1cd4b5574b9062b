/** The office's people: the staff list with the add form, and the deactivation question. */
import type { FC } from 'hono/jsx';
import { formatInstant } from '../../../domain/time';
import type { StaffUserView } from '../../../services/tenants';
import { Csrf, ErrorSummary, type FormState, Notice, SelectField, TextField } from '../forms';
import { TableWrap } from '../views/table-wrap';

export const STAFF_FIELDS = ['name', 'email', 'role'] as const;
const LABELS: Record<string, string> = { name: 'Name', email: 'E-mail address', role: 'Role' };
const ROLES = [
  { value: 'staff', label: 'Staff — bookings, crew, vessels, mail and jobs' },
  { value: 'owner', label: 'Owner — also staff, keys and settings' },
];

export const StaffList: FC<{
  staff: StaffUserView[];
  me: string;
  zone: string;
  add: FormState;
  csrf: string;
  notice: string | null;
}> = ({ staff, me, zone, add, csrf, notice }) => (
  <>
    <Notice text={notice} />
    <ErrorSummary form="add" state={add} labels={LABELS} />
    <section aria-labelledby="staff-heading">
      <h2 id="staff-heading">People in the office</h2>
      <TableWrap label="Staff">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {staff.map((u) => (
              <tr>
                <th scope="row">
                  {u.name}
                  {u.id === me ? <span class="muted"> (you)</span> : null}
                </th>
                <td>{u.email}</td>
                <td>{u.role === 'owner' ? 'Owner' : 'Staff'}</td>
                <td>
                  {u.active ? (
                    <span class="badge status-accepted">Active</span>
                  ) : (
                    <span class="badge status-cancelled">
                      Deactivated {u.deactivatedAt ? formatInstant(new Date(u.deactivatedAt), zone) : ''}
                    </span>
                  )}
                </td>
                <td>
                  {u.active && u.id !== me ? (
                    <a class="button danger" href={`/app/staff/${u.id}/deactivate`}>
                      Deactivate…
                    </a>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {staff.length === 1 ? (
        <p class="empty">Only you so far. Add the people who take bookings below; each signs in with a link mailed to them.</p>
      ) : null}
    </section>
    <section aria-labelledby="add-heading">
      <h2 id="add-heading">Add someone</h2>
      <p class="muted">They sign in at /app/login with this address; no password.</p>
      <form method="post" action="/app/staff">
        <Csrf token={csrf} />
        <div class="grid">
          <TextField form="add" name="name" label="Name" state={add} required autocomplete="off" />
          <TextField form="add" name="email" label="E-mail address" state={add} type="email" required autocomplete="off" />
          <SelectField form="add" name="role" label="Role" state={add} options={ROLES} />
        </div>
        <div class="actions">
          <button type="submit">Add</button>
        </div>
      </form>
    </section>
  </>
);

export const ConfirmStaffDeactivation: FC<{ user: StaffUserView; csrf: string }> = ({ user, csrf }) => (
  <>
    <p>
      Are you sure you want to deactivate {user.name} ({user.email})? They are signed out everywhere at once and their sign-in links stop
      working. The audit trail keeps their name.
    </p>
    <form method="post" action={`/app/staff/${user.id}/deactivate`} data-confirm={`Deactivate ${user.name}?`}>
      <Csrf token={csrf} />
      <div class="actions">
        <button type="submit" class="danger">
          Deactivate {user.name}
        </button>
        <a class="button secondary" href="/app/staff">
          Cancel
        </a>
      </div>
    </form>
  </>
);
