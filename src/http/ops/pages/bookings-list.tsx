/**
 * The bookings list: search by guest name, e-mail or booking id, filter by status, vessel and days,
 * in pages of 25. The filters live in the URL, so a list can be bookmarked and shared with the office.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { BOOKING_STATUSES } from '../../../domain/booking';
import { formatCharterStart } from '../../../domain/time';
import { type BookingSearchPage, searchBookings } from '../../../services/booking-search';
import { ValidationError } from '../../../services/errors';
import { listVessels } from '../../../services/tenants';
import { pageChrome } from '../chrome';
import type { OpsSurfaceDeps } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { AppPage } from '../views/layout';
import { TableWrap } from '../views/table-wrap';

const FILTERS = ['q', 'status', 'vessel', 'from', 'to', 'page'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

export function createBookingsListPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();

  pages.get('/bookings', async (c) => {
    const ctx = staffContext(c);
    const filters: Filters = {};
    for (const f of FILTERS) {
      const v = c.req.query(f)?.trim();
      if (v) filters[f] = v;
    }
    const [vessels, result] = await Promise.all([
      listVessels(deps, ctx),
      // The service's schema checks every value (a status not among the four is a 422 naming it).
      searchBookings(deps, ctx, filters as Parameters<typeof searchBookings>[2]).then(
        (page) => ({ page, errors: [] as { field: string; message: string }[] }),
        (err: unknown) => {
          if (!(err instanceof ValidationError)) throw err;
          return { page: null, errors: err.errors ?? [] };
        },
      ),
    ]);
    const chrome = pageChrome(c, await deps.assets(), 'bookings', { live: true });
    return c.html(
      <AppPage title="Bookings" chrome={chrome}>
        <p class="actions">
          <a class="button" href="/app/bookings/new">
            New booking
          </a>
        </p>
        <FilterForm filters={filters} vessels={vessels} errors={result.errors} />
        {result.page ? <Results page={result.page} filters={filters} now={deps.clock.now()} /> : null}
      </AppPage>,
      result.page ? 200 : 422,
    );
  });

  return pages;
}

const LABELS: Record<string, string> = { q: 'Search', status: 'Status', vessel: 'Vessel', from: 'From', to: 'To', page: 'Page' };

const FilterForm: FC<{ filters: Filters; vessels: { slug: string; name: string }[]; errors: { field: string; message: string }[] }> = ({
  filters,
  vessels,
  errors,
}) => {
  const errorOf = (field: string) => errors.find((e) => e.field === field)?.message;
  const invalid = (field: string) => (errorOf(field) ? { 'aria-invalid': 'true', 'aria-describedby': `${field}-error` } : {});
  const fieldError = (field: string) =>
    errorOf(field) ? (
      <p class="field-error" id={`${field}-error`}>
        {LABELS[field] ?? field} {errorOf(field)}
      </p>
    ) : null;
  return (
    <>
      {errors.length > 0 ? (
        <div class="error-summary" role="alert">
          <h2>The search could not run</h2>
          <ul>
            {errors.map((e) => (
              <li>
                {LABELS[e.field] ?? e.field} {e.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <form method="get" action="/app/bookings" class="filters" aria-label="Search bookings">
        <div class="field">
          <label for="q">Guest, e-mail or booking id</label>
          <input id="q" name="q" type="search" value={filters.q ?? ''} {...invalid('q')} />
          {fieldError('q')}
        </div>
        <div class="field">
          <label for="status">Status</label>
          <select id="status" name="status" {...invalid('status')}>
            <option value="">Any</option>
            {BOOKING_STATUSES.map((s) => (
              <option value={s} selected={filters.status === s}>
                {s}
              </option>
            ))}
          </select>
          {fieldError('status')}
        </div>
        <div class="field">
          <label for="vessel">Vessel</label>
          <select id="vessel" name="vessel" {...invalid('vessel')}>
            <option value="">Any</option>
            {vessels.map((v) => (
              <option value={v.slug} selected={filters.vessel === v.slug}>
                {v.name}
              </option>
            ))}
          </select>
          {fieldError('vessel')}
        </div>
        <div class="field">
          <label for="from">From</label>
          <input id="from" name="from" type="date" value={filters.from ?? ''} {...invalid('from')} />
          {fieldError('from')}
        </div>
        <div class="field">
          <label for="to">To</label>
          <input id="to" name="to" type="date" value={filters.to ?? ''} {...invalid('to')} />
          {fieldError('to')}
        </div>
        <button type="submit">Search</button>
        <a href="/app/bookings">Clear</a>
      </form>
      {fieldError('page')}
    </>
  );
};

function pageLink(filters: Filters, page: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v && k !== 'page') params.set(k, v);
  params.set('page', String(page));
  return `/app/bookings?${params.toString()}`;
}

const Results: FC<{ page: BookingSearchPage; filters: Filters; now: Date }> = ({ page, filters, now }) => {
  const filtered = Object.keys(filters).some((k) => k !== 'page');
  if (page.total === 0) {
    return (
      <div class="empty">
        {filtered ? (
          <p>
            No booking matches these filters. <a href="/app/bookings">Clear them</a> to see every booking.
          </p>
        ) : (
          <p>
            No bookings yet. <a href="/app/bookings/new">Create the first one</a>, or send them from your booking site through the API (
            <a href="/api/docs">API docs</a>).
          </p>
        )}
      </div>
    );
  }
  const first = (page.page - 1) * page.pageSize + 1;
  const last = Math.min(page.total, page.page * page.pageSize);
  return (
    <>
      <p class="muted" role="status">
        {first}–{last} of {page.total} bookings
      </p>
      <TableWrap label="Bookings found">
        <table>
          <thead>
            <tr>
              <th scope="col">Departure</th>
              <th scope="col">Guest</th>
              <th scope="col">Vessel</th>
              <th scope="col">Party</th>
              <th scope="col">Status</th>
              <th scope="col">Booking</th>
            </tr>
          </thead>
          <tbody>
            {page.bookings.map((b) => (
              <tr>
                <td>{formatCharterStart(new Date(b.startsAt), b.timezone, now)}</td>
                <td>
                  <a href={`/app/bookings/${b.id}`}>{b.guest.name}</a>
                  <br />
                  <span class="muted">{b.guest.email}</span>
                </td>
                <td>{b.vesselName}</td>
                <td>{b.partySize}</td>
                <td>
                  <span class={`badge status-${b.status}`}>{b.status}</span>
                </td>
                <td>
                  <a href={`/app/bookings/${b.id}`}>{b.id}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {page.pages > 1 ? (
        <nav class="pager" aria-label="Pages">
          {page.page > 1 ? <a href={pageLink(filters, page.page - 1)}>← Previous</a> : null}
          <span>
            Page {page.page} of {page.pages}
          </span>
          {page.page < page.pages ? <a href={pageLink(filters, page.page + 1)}>Next →</a> : null}
        </nav>
      ) : null}
    </>
  );
};
