/**
 * Today: the day sheet an office opens in the morning — each vessel's departures with crew answers,
 * checklist progress and the guest page's state, what needs attention in the next two days, and the
 * day's cancellations apart. `?date=YYYY-MM-DD` moves it to any day; printed, it is the day's manifest.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { type DaySheet, type DepartureView, getDaySheet } from '../../../services/day-sheet';
import { ValidationError } from '../../../services/errors';
import { pageChrome } from '../chrome';
import type { OpsSurfaceDeps } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { messagesPath } from '../paths';
import { AppPage } from '../views/layout';
import { TableWrap } from '../views/table-wrap';

/** The day after or before `day` (`YYYY-MM-DD`), by the calendar. */
function shiftDay(day: string, by: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + by);
  return d.toISOString().slice(0, 10);
}

function longDate(day: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString('en-US', {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

export function createTodayPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();

  pages.get('/today', async (c) => {
    const asked = c.req.query('date');
    const ctx = staffContext(c);
    let sheet: DaySheet;
    let error: string | null = null;
    try {
      sheet = await getDaySheet(deps, ctx, asked ? { date: asked } : {});
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      error = `The day ${(err.errors ?? []).map((e) => e.message).join('; ')}. Showing today instead.`;
      sheet = await getDaySheet(deps, ctx, {});
    }
    const chrome = pageChrome(c, await deps.assets(), 'today', { live: true });
    return c.html(
      <AppPage title={`Departures · ${longDate(sheet.date)}`} chrome={chrome}>
        <DayPicker date={sheet.date} error={error} />
        <Attention sheet={sheet} />
        {sheet.vessels.length === 0 ? (
          <div class="empty">
            <p>No vessels yet. Add the first one and its charters will show here.</p>
            <p>
              <a class="button" href="/app/vessels">
                Add a vessel
              </a>
            </p>
          </div>
        ) : (
          sheet.vessels.map((v) => <VesselDay vessel={v} date={sheet.date} />)
        )}
        {sheet.cancelled.length > 0 ? (
          <section aria-labelledby="cancelled">
            <h2 id="cancelled">Cancelled this day</h2>
            <ul>
              {sheet.cancelled.map((b) => (
                <li>
                  <del>
                    {b.time} · {b.vesselName} · {b.guestName}
                  </del>{' '}
                  <a href={`/app/bookings/${b.id}`}>{b.id}</a>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </AppPage>,
      error ? 422 : 200,
    );
  });

  return pages;
}

const DayPicker: FC<{ date: string; error: string | null }> = ({ date, error }) => (
  <>
    {error ? (
      <div class="error-summary" role="alert">
        <p>{error}</p>
      </div>
    ) : null}
    <form method="get" action="/app/today" class="filters" data-print="hide">
      <div class="field">
        <label for="date">Day</label>
        <input id="date" name="date" type="date" value={date} required />
      </div>
      <button type="submit" class="secondary">
        Show
      </button>
      <a href={`/app/today?date=${shiftDay(date, -1)}`}>← Previous day</a>
      <a href={`/app/today?date=${shiftDay(date, 1)}`}>Next day →</a>
      <a href="/app/today">Today</a>
      <a class="button secondary" href={messagesPath(date)}>
        Message all guests of this day
      </a>
    </form>
  </>
);

const Attention: FC<{ sheet: DaySheet }> = ({ sheet }) =>
  sheet.attention.length === 0 ? null : (
    <section aria-labelledby="attention">
      <h2 id="attention">Needs attention in the next two days</h2>
      {sheet.attention.map((a) => (
        <div class="attention">
          <p>
            <a href={`/app/bookings/${a.id}`}>
              {a.when} · {a.vesselName} · {a.guestName}
            </a>
          </p>
          <ul>
            {a.items.map((i) => (
              <li>{i.text}</li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );

const VesselDay: FC<{ vessel: DaySheet['vessels'][number]; date: string }> = ({ vessel, date }) => (
  <section aria-labelledby={`vessel-${vessel.slug}`}>
    <h2 id={`vessel-${vessel.slug}`}>
      {vessel.name} <span class="muted">({vessel.timezone})</span>
    </h2>
    {vessel.departures.some((d) => d.status === 'confirmed') ? (
      <p class="actions" data-print="hide">
        <a class="button secondary" href={messagesPath(date, vessel.slug)}>
          Message the guests of {vessel.name}
        </a>
      </p>
    ) : null}
    {vessel.departures.length === 0 ? (
      <p class="muted">
        No departures this day. <a href="/app/bookings/new">Create a booking</a>
      </p>
    ) : (
      <TableWrap label={`Departures of ${vessel.name}`}>
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Guest</th>
              <th scope="col">Party</th>
              <th scope="col">Crew</th>
              <th scope="col">Checklist</th>
              <th scope="col">Guest page</th>
            </tr>
          </thead>
          <tbody>
            {vessel.departures.map((d) => (
              <Departure d={d} />
            ))}
          </tbody>
        </table>
      </TableWrap>
    )}
  </section>
);

const Departure: FC<{ d: DepartureView }> = ({ d }) => (
  <tr>
    <td>
      {d.time}
      {d.status === 'hold' ? (
        <>
          {' '}
          <span class="badge status-hold">hold</span>
        </>
      ) : null}
    </td>
    <td>
      <a href={`/app/bookings/${d.id}`}>{d.guestName}</a>
      {d.attention.map((a) => (
        <p class="field-error">{a.text}</p>
      ))}
    </td>
    <td>{d.partySize}</td>
    <td>
      {d.crew.length === 0 ? (
        <span class="muted">No crew assigned</span>
      ) : (
        <ul>
          {d.crew.map((m) => (
            <li>
              {m.name} ({m.role}) <span class={`badge status-${m.status}`}>{m.status}</span>
            </li>
          ))}
        </ul>
      )}
    </td>
    <td>{d.checklist.total === 0 ? <span class="muted">No checklist</span> : `${d.checklist.ticked} of ${d.checklist.total}`}</td>
    <td>
      {d.guestPage.url ? <a href={d.guestPage.url}>{d.guestPage.status}</a> : <span>{d.guestPage.status}</span>}
      {d.guestPage.error ? <p class="field-error">Last publish failed: {d.guestPage.error}</p> : null}
    </td>
  </tr>
);
