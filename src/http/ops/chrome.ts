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
    assets: { css: assets.css, scripts: [assets.app, ...(options.scripts ?? []).map((s) => assets[s])] },
  };
}

/** The URLs of the built assets; the first call builds them. */
export async function builtAssetUrls(): Promise<OpsAssetUrls> {
  await loadOpsAssets();
  return { css: assetUrl('app.css'), app: assetUrl('app.js'), board: assetUrl('board.js'), calendar: assetUrl('calendar.js') };
}
