/** What a page handler passes to `AppPage`: the signed-in staff user, the form token, the nonce and the asset URLs. */
import type { Context } from 'hono';
import { assetUrl, loadOpsAssets } from './assets/assets';
import type { OpsEnv } from './env';
import type { NavSection, PageChrome } from './views/layout';

/** The URLs of the dashboard's stylesheet and scripts. */
export type OpsAssetUrls = { css: string; app: string; board: string; calendar: string };

export type ChromeOptions = {
  live?: boolean;
  /** Refresh only on changes whose action starts with one of these (`mail.`); every change when absent. */
  liveActions?: readonly string[];
  scripts?: readonly ('board' | 'calendar')[];
};

export function pageChrome(c: Context<OpsEnv>, assets: OpsAssetUrls, section: NavSection, options: ChromeOptions = {}): PageChrome {
  return {
    staff: c.var.staff,
    csrf: c.var.csrf,
    nonce: c.var.nonce,
    section,
    live: options.live ?? false,
    ...(options.liveActions ? { liveActions: options.liveActions } : {}),
    ...(c.var.liveSince ? { liveSince: c.var.liveSince } : {}),
    assets: { css: assets.css, scripts: [assets.app, ...(options.scripts ?? []).map((s) => assets[s])] },
  };
}

/**
 * A page's CSP: scripts and styles only from this origin; FullCalendar's injected styles by nonce.
 * With `mailPreview`, style attributes are allowed too: a mail's HTML, shown in a sandboxed `srcdoc`
 * frame (which takes its page's CSP), is styled by them. Scripts stay refused everywhere.
 */
export function pageCsp(nonce: string, options: { mailPreview?: boolean } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    ...(options.mailPreview ? ["style-src-attr 'unsafe-inline'"] : []),
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** Sets the CSP of a page that shows a mail preview (`MailPreview`): its HTML keeps its inline styles. */
export function allowMailPreview(c: Context<OpsEnv>): void {
  c.header('content-security-policy', pageCsp(c.var.nonce, { mailPreview: true }));
}

/** The URLs of the built assets; the first call builds them. */
export async function builtAssetUrls(): Promise<OpsAssetUrls> {
  await loadOpsAssets();
  return { css: assetUrl('app.css'), app: assetUrl('app.js'), board: assetUrl('board.js'), calendar: assetUrl('calendar.js') };
}
