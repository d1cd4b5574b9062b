/**
 * The calendar page: FullCalendar (month, week, day) on `#calendar`, its events from the page's
 * JSON feed. FullCalendar injects its own CSS into a `<style>` that takes the nonce of
 * `<meta name="csp-nonce">`, so the page must carry that meta (ADR 0020).
 */
import { Calendar } from '@fullcalendar/core';
import dayGridPlugin from '@fullcalendar/daygrid';
import timeGridPlugin from '@fullcalendar/timegrid';
import { LIVE_CHANGE_EVENT } from './shared';

const VIEWS = ['dayGridMonth', 'timeGridWeek', 'timeGridDay'];

/** The page's address follows the calendar, so a reload or a shared link shows the same dates. */
function rememberPosition(date: Date, view: string): void {
  const url = new URL(location.href);
  // In the calendar's "UTC" zone a date's UTC fields are the day shown.
  const day = date.toISOString().slice(0, 10);
  url.searchParams.set('date', day);
  url.searchParams.set('view', view);
  if (url.href !== location.href) history.replaceState(history.state, '', url);
}

/** The wall clock of `zone` now, as FullCalendar reads a date without an offset. */
function wallClockNow(zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date());
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}`;
}

function startCalendar(el: HTMLElement): void {
  const eventsUrl = el.dataset.eventsUrl;
  if (!eventsUrl) return;
  const wanted = el.dataset.initialView ?? '';
  const zone = el.dataset.timeZone;
  const failure = document.createElement('p');
  failure.className = 'calendar-failure';
  failure.setAttribute('role', 'alert');
  el.before(failure);

  const calendar = new Calendar(el, {
    plugins: [dayGridPlugin, timeGridPlugin],
    initialView: VIEWS.includes(wanted) ? wanted : 'dayGridMonth',
    ...(el.dataset.initialDate ? { initialDate: el.dataset.initialDate } : {}),
    // The feed's times are each vessel's wall clock, without an offset: shown as given, whatever the
    // browser's own zone ("UTC" is FullCalendar's zone that converts nothing). "Now" is the vessels' too.
    timeZone: 'UTC',
    ...(zone ? { now: () => wallClockNow(zone) } : {}),
    firstDay: 1,
    height: 'auto',
    nowIndicator: true,
    // Blocks in the feed's own colours (a cancelled charter's are the server's to choose), not dots.
    eventDisplay: 'block',
    headerToolbar: { left: 'prev,next today', center: 'title', right: 'dayGridMonth,timeGridWeek,timeGridDay' },
    // Words, not FullCalendar's icon font: that font is a data: URL a strict CSP's font-src refuses.
    buttonIcons: false,
    buttonText: { prev: '‹ Previous', next: 'Next ›', today: 'Today', month: 'Month', week: 'Week', day: 'Day' },
    eventTimeFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
    slotLabelFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
    // The range as days, which the server reads in the operator's zone.
    events: (range, success, fail) => {
      const url = new URL(eventsUrl, location.href);
      url.searchParams.set('start', range.startStr.slice(0, 10));
      url.searchParams.set('end', range.endStr.slice(0, 10));
      fetch(url, { credentials: 'same-origin' })
        .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
        .then((events) => {
          failure.textContent = '';
          success(events);
        })
        .catch((err: unknown) => {
          failure.textContent = 'The calendar could not load its charters. Reload the page to try again.';
          fail(err instanceof Error ? err : new Error(String(err)));
        });
    },
    // A day cell named by its date alone hides the charters in it from a screen reader (axe:
    // label-content-name-mismatch); without the label the cell is named by what it shows.
    dayCellDidMount: ({ el: cell }) => cell.removeAttribute('aria-labelledby'),
    datesSet: (info) => rememberPosition(info.view.currentStart, info.view.type),
  });
  calendar.render();
  document.addEventListener(LIVE_CHANGE_EVENT, () => calendar.refetchEvents());
}

const el = document.getElementById('calendar');
if (el) startCalendar(el);
