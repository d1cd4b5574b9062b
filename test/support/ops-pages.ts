/** A staff user's browser on the dashboard, for page tests: open a page, submit a form with its token. */
import type { TestApp } from './app';

export const ORIGIN = 'http://localhost:8080';

export type Page = { status: number; html: string; location: string | null; headers: Headers };

const csrfOf = (html: string) => /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? '';

/** A browser signed in with `cookie`: GETs pages and POSTs forms carrying the token its pages hold. */
export function browserFor(app: TestApp, cookie: string) {
  let token = '';
  const read = async (res: Response): Promise<Page> => ({
    status: res.status,
    html: await res.text(),
    location: res.headers.get('location'),
    headers: res.headers,
  });
  const open = async (path: string) => {
    const page = await read(await app.request(path, { headers: { cookie } }));
    token = csrfOf(page.html) || token;
    return page;
  };
  return {
    open,
    /** Posts `fields` as a browser does, with the session's form token (a page is opened first when none was). */
    async submit(action: string, fields: Record<string, string> = {}) {
      if (!token) await open('/app/today');
      const res = await app.request(action, {
        method: 'POST',
        headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
      });
      return read(res);
    },
  };
}

export type Browser = ReturnType<typeof browserFor>;

/** The text of the `field-error` paragraph of `id` (`add-email`) and whether its input is marked invalid. */
export function fieldError(html: string, id: string): { message: string | null; invalid: boolean } {
  const message = new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`).exec(html)?.[1] ?? null;
  const control = new RegExp(`<(input|select|textarea)\\b[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0] ?? '';
  return { message, invalid: control.includes('aria-invalid="true"') && control.includes(`${id}-error`) };
}

/** The value an input of the page holds (`id="edit-name"`). */
export function inputValue(html: string, id: string): string | null {
  const tag = new RegExp(`<input\\b[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0];
  if (!tag) return null;
  return (
    /\bvalue="([^"]*)"/
      .exec(tag)?.[1]
      ?.replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'") ?? ''
  );
}
