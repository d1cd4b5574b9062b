/**
 * The main host's own pages — the root page and the error page a browser gets — and its favicon:
 * small, in the crew pages' colours, every value escaped by JSX, no script (their CSP allows none).
 */
import { raw } from 'hono/html';
import type { Child, FC } from 'hono/jsx';

/** The CSP of these pages: their own inline style sheet, images from this host, nothing else. */
export const MAIN_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A sailing boat on the crew header's blue, 32×32. Served at /favicon.ico as SVG (every current browser takes it). */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b3d66"/>' +
  '<path d="M15 5v15H7z" fill="#fff"/><path d="M17 9v11h7z" fill="#cfe3f5"/><path d="M5 22h22l-3 5H8z" fill="#fff"/></svg>';

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 -apple-system,system-ui,Segoe UI,Roboto,sans-serif;color:#13212e;background:#f3f6f8}
header{background:#0b3d66;color:#fff;padding:12px 16px}
header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:16px;max-width:40rem;margin:0 auto}
h1{font-size:22px;margin:8px 0 16px}
a{color:#0b5cab}
.muted{color:#5b6b7b;font-size:15px}
`;

const Page: FC<{ title: string; children?: Child }> = ({ title, children }) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <link rel="icon" href="/favicon.ico" type="image/svg+xml" />
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <header>
          <a href="/">Bosun</a>
        </header>
        <main>{children}</main>
      </body>
    </html>
  </>
);

/** What someone opening the server's address in a browser finds: where each part of Bosun lives. */
const RootPage: FC = () => (
  <Page title="Bosun">
    <h1>Bosun</h1>
    <p>Charter operations: bookings, guest pages, crew and calendars.</p>
    <ul>
      <li>
        <a href="/api/docs">API documentation</a> (<a href="/api/v1/openapi.json">OpenAPI 3.1</a>)
      </li>
      <li>
        <a href="/crew/login">Crew sign-in</a>
      </li>
      <li>
        <a href="/healthz">Health</a>
      </li>
    </ul>
  </Page>
);

/** An error as a browser shows it: the problem's title and detail, and a way back. */
const ErrorPage: FC<{ status: number; title: string; detail: string }> = ({ status, title, detail }) => (
  <Page title={`${title} · Bosun`}>
    <h1>{title}</h1>
    <p>{detail}</p>
    <p class="muted">
      Error {String(status)} · <a href="/">Bosun home</a>
    </p>
  </Page>
);

export function renderRootPage(): string {
  return String(<RootPage />);
}

export function renderErrorPage(p: { status: number; title: string; detail: string }): string {
  return String(<ErrorPage status={p.status} title={p.title} detail={p.detail} />);
}
