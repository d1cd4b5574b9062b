/**
 * The calendar: month, week and day views (FullCalendar, calendar.js) of charters coloured by vessel,
 * cancelled ones struck through, and the calendar entries posted to `POST /api/v1/calendar`. Without
 * JavaScript the page lists the same range. `?date=YYYY-MM-DD` opens that date; a click opens the
 * booking. The tenant's ICS feed for staff calendars is linked here, and an owner can reset it.
 */
import { type Context, Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { DATE_ONLY } from '../../../domain/time';
import { etagMatches } from '../../../services/calendar-feed';
import { type CalendarItem, getCalendarRange } from '../../../services/calendar-view';
import { ServiceError, ValidationError } from '../../../services/errors';
import { getTenantFeedUrl, renderTenantFeed, resetTenantFeedUrl, tenantFeedToken } from '../../../services/tenant-feed';
import { listVessels } from '../../../services/tenants';
import { pageChrome } from '../chrome';
import { type OpsSurfaceDeps, ownersOnly } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { AppPage } from '../views/layout';

const VIEWS = ['dayGridMonth', 'timeGridWeek', 'timeGridDay'] as const;

/** The month around `day` as the fallback list shows it: the 1st to the 1st of the next month. */
function monthOf(day: string): { start: string; end: string } {
  const d = new Date(`${day.slice(0, 7)}-01T00:00:00Z`);
  const start = d.toISOString().slice(0, 10);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return { start, end: d.toISOString().slice(0, 10) };
}

const withoutOffset = (iso: string) => iso.replace(/(Z|[+-]\d{2}:\d{2})$/, '');

/** A calendar item as FullCalendar's event input. */
function eventOf(item: CalendarItem) {
  return {
    id: `${item.kind}:${item.id}`,
    title: item.title,
    // A charter's wall clock in its vessel's zone, without the offset: the calendar shows it as given.
    start: item.allDay ? item.start : withoutOffset(item.start),
    end: item.allDay ? item.end : withoutOffset(item.end),
    allDay: item.allDay,
    ...(item.url ? { url: item.url } : {}),
    backgroundColor: item.color,
    borderColor: item.color,
    textColor: '#ffffff',
    classNames: item.cancelled ? ['is-cancelled'] : [],
  };
}

export function createCalendarPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();
  const feed = { publicUrl: deps.publicUrl, secret: deps.signingSecret };

  pages.get('/calendar', async (c) => {
    const asked = c.req.query('date') ?? '';
    const view = VIEWS.find((v) => v === c.req.query('view')) ?? 'dayGridMonth';
    const today = new Date(deps.clock.now()).toISOString().slice(0, 10);
    const date = DATE_ONLY.test(asked) && !Number.isNaN(new Date(`${asked}T00:00:00Z`).getTime()) ? asked : today;
    const ctx = staffContext(c);
    const [range, feedUrl, vessels] = await Promise.all([
      getCalendarRange(deps, ctx, monthOf(date)),
      getTenantFeedUrl(deps, ctx, feed),
      listVessels(deps, ctx),
    ]);
    const zones = [...new Set(vessels.map((v) => v.timezone))];
    const chrome = pageChrome(c, await deps.assets(), 'calendar', { live: true, scripts: ['calendar'] });
    return c.html(
      <AppPage title="Calendar" chrome={chrome}>
        {zones.length > 0 ? <p class="muted">Times are each vessel’s local time ({zones.join(', ')}).</p> : null}
        <div
          id="calendar"
          data-events-url="/app/calendar/data"
          data-initial-date={date}
          data-initial-view={view}
          {...(zones.length === 1 ? { 'data-time-zone': zones[0] } : {})}
        >
          <noscript>
            <MonthList items={range.items} month={date.slice(0, 7)} />
          </noscript>
        </div>
        <FeedSection url={feedUrl} owner={c.var.staff.role === 'owner'} csrf={c.var.csrf} reset={c.req.query('feed') === 'reset'} />
      </AppPage>,
    );
  });

  // FullCalendar's JSON feed: `start` and `end` as it sends them (ISO dates or date-times).
  pages.get('/calendar/data', async (c) => {
    try {
      const { items } = await getCalendarRange(deps, staffContext(c), { start: c.req.query('start') ?? '', end: c.req.query('end') ?? '' });
      c.header('cache-control', 'no-store');
      return c.json(items.map(eventOf));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return c.json({ message: 'The calendar asked for a range it cannot show.', errors: err.errors ?? [] }, 422);
    }
  });

  pages.use('/calendar/feed/reset', ownersOnly);
  pages.post('/calendar/feed/reset', async (c) => {
    await resetTenantFeedUrl(deps, staffContext(c), feed);
    return c.redirect('/app/calendar?feed=reset#feed', 303);
  });

  // Calendar apps carry no cookie: the URL is the credential (a public route, ADR 0013 and 0021).
  pages.get('/feed/:file', async (c: Context<OpsEnv>) => {
    const token = tenantFeedToken(c.req.param('file') ?? '');
    const found = token ? await renderTenantFeed(deps, token, feed) : null;
    if (!found) throw new ServiceError(404, 'Not found', 'No calendar here. Copy the feed link again from the calendar page.');
    c.header('etag', found.etag);
    c.header('cache-control', 'private, no-cache');
    if (etagMatches(c.req.header('if-none-match'), found.etag)) return c.body(null, 304);
    c.header('content-type', 'text/calendar; charset=utf-8');
    c.header('content-disposition', 'inline; filename="charters.ics"');
    return c.body(found.body);
  });

  return pages;
}

const MonthList: FC<{ items: CalendarItem[]; month: string }> = ({ items, month }) =>
  items.length === 0 ? (
    <p class="empty">Nothing on the calendar in {month}.</p>
  ) : (
    <ul>
      {items.map((i) => (
        <li>
          {i.start.slice(0, 16).replace('T', ' ')} ·{' '}
          {i.url ? <a href={i.url}>{i.cancelled ? <del>{i.title}</del> : i.title}</a> : i.cancelled ? <del>{i.title}</del> : i.title}
        </li>
      ))}
    </ul>
  );

const FeedSection: FC<{ url: string; owner: boolean; csrf: string; reset: boolean }> = ({ url, owner, csrf, reset }) => (
  <section aria-labelledby="feed" data-print="hide">
    <h2 id="feed">Subscribe from your own calendar</h2>
    {reset ? (
      <p class="notice" role="status">
        The feed link was replaced: the old one no longer works. Subscribe again with this one.
      </p>
    ) : null}
    <p>
      Every charter and calendar entry of the office, kept up to date in Google Calendar, Apple Calendar or Outlook. Anyone with this link
      can read the calendar: share it only with the office.
    </p>
    <p>
      <label for="feed-url">Calendar feed link</label>
      <input id="feed-url" type="text" readonly value={url} />
    </p>
    {owner ? (
      <form
        method="post"
        action="/app/calendar/feed/reset"
        data-confirm="Replace the feed link? Calendars subscribed to the old one stop updating."
      >
        <input type="hidden" name="_csrf" value={csrf} />
        <button type="submit" class="secondary">
          Replace the link
        </button>
      </form>
    ) : null}
  </section>
);
