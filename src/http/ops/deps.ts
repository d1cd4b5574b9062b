/** What the dashboard's routers are given, and the one access rule pages add to a signed-in session. */
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { FailureLimits } from '../../ports/failure-limits';
import type { MailArchive } from '../../ports/mailer';
import type { ServiceDeps } from '../../services/context';
import { ServiceError } from '../../services/errors';
import type { OpsAssetUrls } from './chrome';
import type { OpsEnv } from './env';

export type OpsSurfaceDeps = ServiceDeps & {
  log: Logger;
  /** `BOSUN_PUBLIC_URL`: decides the Secure cookie flag and an accepted form origin. */
  publicUrl: string;
  /** Signs the forms' tokens. */
  signingSecret: string;
  clientAddress: (c: Context) => string;
  /** A form may also come from the origin the request names (the Node server); else only the public URL's. */
  acceptRequestOrigin?: boolean;
  /** The stylesheet's and scripts' URLs, once built. */
  assets: () => Promise<OpsAssetUrls>;
  /** Counts failed sign-ins and requests for a link (`signInLimits('staff')`), shared by every serving process. */
  failureLimits: FailureLimits;
  liveHeartbeatMs?: number;
  /** The mail folder, to show a sent message as it went out; absent with SMTP. */
  mailArchive?: MailArchive | undefined;
};

/** Refuses a staff user who is not an owner: keys, staff and settings are the owner's. */
export const ownersOnly: MiddlewareHandler<OpsEnv> = async (c, next) => {
  if (c.var.staff.role !== 'owner') throw new ServiceError(403, 'Owners only', 'Only an owner of this operator can open this page.');
  await next();
};
