/** Names the dashboard's scripts agree on with each other and with the server's pages. */

/** Sent with every request a script makes, so the server may answer with less than a whole page. */
export const PARTIAL_HEADER = 'x-bosun-partial';

/** Dispatched on `document` for each `change` on the live stream. */
export const LIVE_CHANGE_EVENT = 'bosun:live-change';

/** Dispatched on `document` after the live region was replaced. */
export const LIVE_UPDATED_EVENT = 'bosun:live-updated';

/** Set on the live region while it must not be replaced (a card is being dragged). */
export const LIVE_HOLD_ATTRIBUTE = 'data-live-hold';

/** The text of a refused request: `{message}` (or a problem's `detail`) from JSON, else the plain body. */
export async function readRefusal(response: Response): Promise<string> {
  const fallback = `The server refused this (${response.status}).`;
  const text = (await response.text().catch(() => '')).trim();
  if (!text) return fallback;
  if (/json/.test(response.headers.get('content-type') ?? '')) {
    try {
      const body = JSON.parse(text) as { message?: unknown; detail?: unknown; title?: unknown };
      for (const value of [body.message, body.detail, body.title]) if (typeof value === 'string' && value) return value;
      return fallback;
    } catch {
      return fallback;
    }
  }
  // An HTML error page is not a message to show in a status line.
  return /^</.test(text) ? fallback : text;
}

/** The page's CSRF token, from `<meta name="csrf-token">`. */
export function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}
