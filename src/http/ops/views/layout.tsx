/**
 * The frame of every ops page (Hono JSX, server-rendered): the navigation, who is signed in, the
 * stylesheet and the page's scripts by URL (no inline script or style: the CSP allows only this
 * origin), the form token for scripts in a meta tag, and the live region scripts refresh.
 */
import type { Child, FC } from 'hono/jsx';
import type { StaffPrincipal } from '../../../services/staff-access';

export type PageChrome = {
  staff: StaffPrincipal;
  csrf: string;
  nonce: string;
  /** The URLs of the stylesheet and scripts (content-hashed, served from `/app/assets`). */
  assets: { css: string; scripts: readonly string[] };
  /** Which navigation entry is current. */
  section: NavSection;
  /** Listen to the live stream and refresh `[data-live-region]` on each change. */
  live?: boolean;
  /** Refresh only on changes whose action starts with one of these; every change when absent. */
  liveActions?: readonly string[];
  /** The change feed's cursor the page was rendered at: the stream replays what came after it. */
  liveSince?: string;
};

export type NavSection = 'today' | 'bookings' | 'board' | 'calendar' | 'crew' | 'vessels' | 'staff' | 'keys' | 'settings' | 'jobs' | 'mail';

const NAV: readonly { section: NavSection; href: string; label: string; ownerOnly?: boolean }[] = [
  { section: 'today', href: '/app/today', label: 'Today' },
  { section: 'bookings', href: '/app/bookings', label: 'Bookings' },
  { section: 'board', href: '/app/board', label: 'Board' },
  { section: 'calendar', href: '/app/calendar', label: 'Calendar' },
  { section: 'crew', href: '/app/crew', label: 'Crew' },
  { section: 'vessels', href: '/app/vessels', label: 'Vessels' },
  { section: 'mail', href: '/app/mail', label: 'Mail' },
  { section: 'jobs', href: '/app/jobs', label: 'Jobs' },
  { section: 'staff', href: '/app/staff', label: 'Staff', ownerOnly: true },
  { section: 'keys', href: '/app/keys', label: 'Keys', ownerOnly: true },
  { section: 'settings', href: '/app/settings', label: 'Settings', ownerOnly: true },
];

export const AppPage: FC<{ title: string; chrome: PageChrome; children?: Child }> = ({ title, chrome, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="csrf-token" content={chrome.csrf} />
      <meta name="csp-nonce" content={chrome.nonce} />
      <title>{`${title} · ${chrome.staff.tenantName} · Bosun`}</title>
      <link rel="stylesheet" href={chrome.assets.css} />
      {chrome.assets.scripts.map((src) => (
        <script type="module" src={src} />
      ))}
    </head>
    <body
      {...(chrome.live ? { 'data-live-url': '/app/stream' } : {})}
      {...(chrome.live && chrome.liveActions ? { 'data-live-actions': chrome.liveActions.join(' ') } : {})}
      {...(chrome.live && chrome.liveSince ? { 'data-live-since': chrome.liveSince } : {})}
    >
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/app/today">
          {chrome.staff.tenantName}
        </a>
        <nav aria-label="Sections">
          <ul>
            {NAV.filter((n) => !n.ownerOnly || chrome.staff.role === 'owner').map((n) => (
              <li>
                <a href={n.href} {...(n.section === chrome.section ? { 'aria-current': 'page' } : {})}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <form method="post" action="/app/logout" class="signout">
          <input type="hidden" name="_csrf" value={chrome.csrf} />
          <span class="who">{chrome.staff.staffName}</span> <button type="submit">Sign out</button>
        </form>
      </header>
      <main id="main" data-live-region>
        <h1>{title}</h1>
        {children}
      </main>
      <p class="live-status" role="status" aria-live="polite" id="live-status"></p>
    </body>
  </html>
);

/** A page for people who are not signed in (sign-in, messages): no navigation. */
export const PlainPage: FC<{ title: string; css: string; children?: Child }> = ({ title, css, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · Bosun`}</title>
      <link rel="stylesheet" href={css} />
    </head>
    <body class="plain">
      <main id="main">
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);
