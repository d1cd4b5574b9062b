/** The fleet's views: the list of vessels with the add form, and one vessel's edit form. */
import type { FC } from 'hono/jsx';
import { BOOKING_RULES } from '../../../domain/booking';
import { Csrf, ErrorSummary, type FormState, Notice, TextField } from '../forms';
import { TableWrap } from '../views/table-wrap';

export type VesselView = {
  id: string;
  slug: string;
  name: string;
  capacity: number;
  meetingPoint: string;
  timezone: string;
  turnaroundMinutes: number;
};

export const VESSEL_FIELDS = ['slug', 'name', 'capacity', 'meetingPoint', 'timezone', 'turnaroundMinutes'] as const;
const LABELS: Record<string, string> = {
  slug: 'Short name',
  name: 'Name',
  capacity: 'Capacity (guests)',
  meetingPoint: 'Meeting point',
  timezone: 'Time zone',
  turnaroundMinutes: 'Turnaround (minutes)',
};

const VesselFields: FC<{ form: string; state: FormState; withSlug: boolean }> = ({ form, state, withSlug }) => (
  <div class="grid">
    {withSlug ? (
      <TextField
        form={form}
        name="slug"
        label={LABELS.slug ?? ''}
        state={state}
        required
        hint="Lower-case letters, digits and dashes, e.g. jada; the API names the vessel by it and it cannot change."
      />
    ) : null}
    <TextField form={form} name="name" label={LABELS.name ?? ''} state={state} required />
    <TextField form={form} name="capacity" label={LABELS.capacity ?? ''} state={state} type="number" min={1} required />
    <TextField form={form} name="meetingPoint" label={LABELS.meetingPoint ?? ''} state={state} hint="Where guests meet the crew." />
    <TextField
      form={form}
      name="timezone"
      label={LABELS.timezone ?? ''}
      state={state}
      required
      hint="An IANA time zone like America/Los_Angeles."
    />
    <TextField
      form={form}
      name="turnaroundMinutes"
      label={LABELS.turnaroundMinutes ?? ''}
      state={state}
      type="number"
      min={0}
      hint={`Time the vessel needs between charters (0–${BOOKING_RULES.maxTurnaroundMinutes}). A change applies to bookings made or moved from now on.`}
    />
  </div>
);

export const VesselList: FC<{ vessels: VesselView[]; add: FormState; csrf: string; notice: string | null }> = ({
  vessels,
  add,
  csrf,
  notice,
}) => (
  <>
    <Notice text={notice} />
    <ErrorSummary form="add" state={add} labels={LABELS} />
    <section aria-labelledby="fleet-heading">
      <h2 id="fleet-heading">Fleet</h2>
      {vessels.length === 0 ? (
        <div class="empty">
          <p>No vessels yet. Add your first boat below; bookings name the vessel they take.</p>
          <p>
            <a class="button" href="#add-slug">
              Add a vessel
            </a>
          </p>
        </div>
      ) : (
        <TableWrap label="Vessels">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Short name</th>
                <th scope="col">Capacity</th>
                <th scope="col">Meeting point</th>
                <th scope="col">Time zone</th>
                <th scope="col">Turnaround</th>
              </tr>
            </thead>
            <tbody>
              {vessels.map((v) => (
                <tr>
                  <th scope="row">
                    <a href={`/app/vessels/${v.id}`}>{v.name}</a>
                  </th>
                  <td>{v.slug}</td>
                  <td>{v.capacity}</td>
                  <td>{v.meetingPoint || <span class="muted">—</span>}</td>
                  <td>{v.timezone}</td>
                  <td>{v.turnaroundMinutes} min</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
    <section aria-labelledby="add-heading">
      <h2 id="add-heading">Add a vessel</h2>
      <form method="post" action="/app/vessels">
        <Csrf token={csrf} />
        <VesselFields form="add" state={add} withSlug />
        <div class="actions">
          <button type="submit">Add vessel</button>
        </div>
      </form>
    </section>
  </>
);

export const VesselPage: FC<{ vessel: VesselView; edit: FormState; csrf: string; notice: string | null }> = ({
  vessel,
  edit,
  csrf,
  notice,
}) => (
  <>
    <Notice text={notice} />
    <ErrorSummary form="edit" state={edit} labels={LABELS} />
    <p>
      <a href="/app/vessels">← Back to the fleet</a>
    </p>
    <dl>
      <dt>Short name</dt>
      <dd>{vessel.slug}</dd>
    </dl>
    <form method="post" action={`/app/vessels/${vessel.id}`}>
      <Csrf token={csrf} />
      <VesselFields form="edit" state={edit} withSlug={false} />
      <div class="actions">
        <button type="submit">Save changes</button>
        <a class="button secondary" href="/app/vessels">
          Cancel
        </a>
      </div>
    </form>
  </>
);
