/**
 * The board: cards dragged between status columns are moved by `POST /app/board/move`; a refused
 * move puts the card back and says why. Each card's own form (select + button) stays: it is the
 * keyboard and phone route, and the route without JavaScript.
 */
import Sortable from 'sortablejs';
import { csrfToken, LIVE_HOLD_ATTRIBUTE, LIVE_UPDATED_EVENT, PARTIAL_HEADER, readRefusal } from './shared';

const MOVE_URL = '/app/board/move';
const COLUMNS = 'ol[data-board-column]';

let sortables: Sortable[] = [];

/** The assertive region for refusals, made once before anything is said in it (so it is announced). */
function statusRegion(): HTMLElement {
  let region = document.querySelector<HTMLElement>('[data-board-status]');
  if (!region) {
    region = document.createElement('p');
    region.setAttribute('data-board-status', '');
    region.className = 'board-status';
    const first = document.querySelector(COLUMNS);
    const board = first?.closest('[data-board]') ?? first?.parentElement ?? document.body;
    board.before(region);
  }
  region.setAttribute('role', 'alert');
  region.setAttribute('aria-live', 'assertive');
  return region;
}

function say(text: string): void {
  const region = statusRegion();
  region.textContent = text;
}

function putBack(card: HTMLElement, from: HTMLElement, oldIndex: number): void {
  from.insertBefore(card, from.children[oldIndex] ?? null);
}

async function moveCard(card: HTMLElement, from: HTMLElement, to: HTMLElement, oldIndex: number): Promise<void> {
  const body = new URLSearchParams({
    bookingId: card.dataset.bookingId ?? '',
    to: to.dataset.boardColumn ?? '',
    version: card.dataset.version ?? '',
    _csrf: csrfToken(),
  });
  let refusal: string | null;
  try {
    const response = await fetch(MOVE_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded', [PARTIAL_HEADER]: '1' },
      body,
    });
    refusal = response.ok ? null : await readRefusal(response);
  } catch {
    refusal = 'The server could not be reached; the card is back where it was.';
  }
  if (refusal === null) {
    say('');
    return;
  }
  putBack(card, from, oldIndex);
  say(refusal);
}

function bindColumns(): void {
  for (const s of sortables) s.destroy();
  const region = () => document.querySelector('[data-live-region]');
  sortables = Array.from(document.querySelectorAll<HTMLElement>(COLUMNS), (column) =>
    Sortable.create(column, {
      group: 'bosun-board',
      draggable: 'li[data-booking-id]',
      // Controls inside a card keep working: a press on them is not a drag.
      filter: 'a, button, select, input, label, summary',
      preventOnFilter: false,
      animation: 120,
      onStart: () => region()?.setAttribute(LIVE_HOLD_ATTRIBUTE, ''),
      onEnd: (event) => {
        region()?.removeAttribute(LIVE_HOLD_ATTRIBUTE);
        if (event.from === event.to) return;
        void moveCard(event.item, event.from, event.to, event.oldIndex ?? 0);
      },
    }),
  );
}

if (document.querySelector(COLUMNS)) {
  statusRegion();
  bindColumns();
  document.addEventListener(LIVE_UPDATED_EVENT, bindColumns);
}
