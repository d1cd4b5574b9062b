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
  const day = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  url.searchParams.set('date', day);
  url.searchParams.set('view', view);
  if (url.href !== location.href) history.replaceState(history.state, '', url);
}

function startCalendar(el: HTMLElement): void {
  const eventsUrl = el.dataset.eventsUrl;
  if (!eventsUrl) return;
  const wanted = el.dataset.initialView ?? '';
  const failure = document.createElement('p');
  failure.className = 'calendar-failure';
  failure.setAttribute('role', 'alert');
  el.before(failure);

  const calendar = new Calendar(el, {
    plugins: [dayGridPlugin, timeGridPlugin],
    initialView: VIEWS.includes(wanted) ? wanted : 'dayGridMonth',
    ...(el.dataset.initialDate ? { initialDate: el.dataset.initialDate } : {}),
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
    events: {
      url: eventsUrl,
      failure: () => {
        failure.textContent = 'The calendar could not load its charters. Reload the page to try again.';
      },
      success: () => {
        failure.textContent = '';
      },
    },
    datesSet: (info) => rememberPosition(info.view.currentStart, info.view.type),
  });
  calendar.render();
  document.addEventListener(LIVE_CHANGE_EVENT, () => calendar.refetchEvents());
}

const el = document.getElementById('calendar');
if (el) startCalendar(el);
