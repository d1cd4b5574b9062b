/**
 * Every dashboard page: live refresh of the page's `[data-live-region]` on the stream's `change`
 * events (keeping focus, open details and unsent input) — only those whose action a page names in
 * `data-live-actions`, when it names any — and `confirm()` before forms marked
 * `data-confirm`. Pages work without it (ADR 0020).
 */
import { LIVE_CHANGE_EVENT, LIVE_HOLD_ATTRIBUTE, LIVE_UPDATED_EVENT, PARTIAL_HEADER } from './shared';

const DEBOUNCE_MS = 300;

function liveRegion(root: ParentNode): HTMLElement | null {
  return root.querySelector<HTMLElement>('[data-live-region]');
}

/** A selector that finds the same control in the refreshed region: by id, else by its form and name. */
function controlKey(control: Element): string | null {
  if (control.id) return `#${CSS.escape(control.id)}`;
  const name = control.getAttribute('name');
  const action = control.closest('form')?.getAttribute('action');
  if (name && action) return `form[action="${CSS.escape(action)}"] [name="${CSS.escape(name)}"]`;
  return null;
}

function focusKey(region: HTMLElement): string | null {
  const active = document.activeElement;
  return active instanceof HTMLElement && region.contains(active) ? controlKey(active) : null;
}

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

function isEdited(field: Field): boolean {
  if (field instanceof HTMLSelectElement) return Array.from(field.options).some((o) => o.selected !== o.defaultSelected);
  if (field.type === 'checkbox' || field.type === 'radio')
    return (field as HTMLInputElement).checked !== (field as HTMLInputElement).defaultChecked;
  return field.value !== field.defaultValue;
}

/** What the user has typed or chosen but not sent, so a refresh does not throw it away. */
function editedFields(region: HTMLElement): Map<string, Field> {
  const edited = new Map<string, Field>();
  for (const field of region.querySelectorAll<Field>('input, textarea, select')) {
    const key = controlKey(field);
    if (key && field.type !== 'hidden' && isEdited(field)) edited.set(key, field);
  }
  return edited;
}

function restoreField(target: Element | null, from: Field): void {
  if (target instanceof HTMLInputElement && (from.type === 'checkbox' || from.type === 'radio'))
    target.checked = (from as HTMLInputElement).checked;
  else if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement)
    target.value = from.value;
}

/** Open `<details>` by id, else by their position among the region's details. */
function openDetails(region: HTMLElement): { ids: Set<string>; positions: Set<number> } {
  const ids = new Set<string>();
  const positions = new Set<number>();
  region.querySelectorAll('details').forEach((d, i) => {
    if (!d.open) return;
    if (d.id) ids.add(d.id);
    else positions.add(i);
  });
  return { ids, positions };
}

/** Elements marked `data-live-keep` (with an id) stay as they are: a calendar keeps its state. */
function carryKeptElements(current: HTMLElement, next: HTMLElement): void {
  for (const kept of current.querySelectorAll<HTMLElement>('[data-live-keep][id]')) {
    const incoming = next.querySelector(`#${CSS.escape(kept.id)}`);
    incoming?.replaceWith(kept);
  }
}

function announce(text: string): void {
  let status = document.getElementById('live-status');
  if (!status) {
    status = document.createElement('p');
    status.id = 'live-status';
    status.className = 'live-status';
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    document.body.append(status);
  }
  // A new text node each time, so the same words are announced again.
  status.textContent = '';
  status.append(document.createTextNode(text));
}

async function refreshRegion(): Promise<void> {
  const region = liveRegion(document);
  if (!region) return;
  const response = await fetch(location.href, { credentials: 'same-origin', headers: { [PARTIAL_HEADER]: '1' } });
  if (!response.ok) return;
  const parsed = new DOMParser().parseFromString(await response.text(), 'text/html');
  const next = liveRegion(parsed);
  if (!next) return;

  const focus = focusKey(region);
  const open = openDetails(region);
  const edited = editedFields(region);
  carryKeptElements(region, next);
  region.replaceChildren(...Array.from(next.childNodes));
  region.querySelectorAll('details').forEach((d, i) => {
    if ((d.id && open.ids.has(d.id)) || (!d.id && open.positions.has(i))) d.open = true;
  });
  for (const [key, field] of edited) restoreField(region.querySelector(key), field);
  if (focus) region.querySelector<HTMLElement>(focus)?.focus({ preventScroll: true });
  document.dispatchEvent(new CustomEvent(LIVE_UPDATED_EVENT));
  announce('Updated just now');
}

/** The action prefixes a page refreshes on (`data-live-actions="mail."`); every change when it names none. */
const liveActions = (document.body.dataset.liveActions ?? '').split(' ').filter((a) => a !== '');

function concernsPage(event: MessageEvent): boolean {
  if (liveActions.length === 0) return true;
  try {
    const action = (JSON.parse(String(event.data)) as { action?: unknown }).action;
    return typeof action === 'string' && liveActions.some((prefix) => action.startsWith(prefix));
  } catch {
    return true;
  }
}

function startLiveUpdates(url: string): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  };
  async function run(): Promise<void> {
    // Never under a running refresh or a card being dragged: try again once it is over.
    if (running || liveRegion(document)?.hasAttribute(LIVE_HOLD_ATTRIBUTE)) {
      again = true;
      if (!running) schedule();
      return;
    }
    running = true;
    again = false;
    try {
      await refreshRegion();
    } catch {
      // The next change refreshes again; the page as shown is still a true (older) picture.
    } finally {
      running = false;
      if (again) schedule();
    }
  }

  // EventSource reconnects by itself and sends Last-Event-ID; before any event, the stream replays
  // from the cursor the page was rendered at, so nothing between the page and the stream is missed.
  const since = document.body.dataset.liveSince;
  const source = new EventSource(since ? `${url}?since=${encodeURIComponent(since)}` : url, { withCredentials: true });
  source.addEventListener('change', (event) => {
    document.dispatchEvent(new CustomEvent(LIVE_CHANGE_EVENT));
    if (liveRegion(document) && concernsPage(event)) schedule();
  });
}

function confirmMarkedForms(): void {
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
}

const liveUrl = document.body.dataset.liveUrl;
if (liveUrl) startLiveUpdates(liveUrl);
confirmMarkedForms();
