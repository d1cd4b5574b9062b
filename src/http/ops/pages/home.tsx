/** The first page after sign-in, until the day sheet takes its place. */
import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import { type OpsAssetUrls, pageChrome } from '../chrome';
import type { OpsEnv } from '../env';
import { AppPage } from '../views/layout';

export const HomePage: FC<{ c: Context<OpsEnv>; assets: OpsAssetUrls }> = ({ c, assets }) => (
  <AppPage title="Today" chrome={pageChrome(c, assets, 'today', { live: true })}>
    <p>
      Signed in as {c.var.staff.staffName} ({c.var.staff.role}).
    </p>
  </AppPage>
);
