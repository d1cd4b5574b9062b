/** What every service receives: its dependencies, and who acts for which tenant. */
import type { Db } from '../db/client';
import type { Actor } from '../db/queries/audit';
import type { Clock } from '../ports/clock';
import type { EventHub } from '../ports/event-hub';
import type { JobQueue } from '../ports/job-queue';
import type { KeyCache } from './key-cache';

export type ServiceDeps = {
  db: Db;
  jobs: JobQueue;
  clock: Clock;
  /** The origin of a tenant's guest site, e.g. `http://demo.localhost:8080`. */
  guestOrigin(domain: string): string;
  /** The installation's own host (that of `BOSUN_PUBLIC_URL`), which no guest site may take. */
  publicHost: string;
  /** Live streams: told of each change after it commits (ADR 0014). Without it, nothing is told. */
  live?: EventHub | undefined;
  /**
   * Whether a guest site must be made at the CDN when it is created or moves (one multi-tenant
   * distribution: a distribution tenant per site, ADR 0027): a `site.provision` job is then enqueued
   * with the change. Absent: the edge serves every site as it is (the local edge, a distribution per site).
   */
  provisionSites?: boolean | undefined;
  /**
   * Keys found before, remembered by this process: only where it makes every change to keys (the
   * embedded database's owner, ADR 0005 and 0035). Absent, every request looks its key up.
   */
  keyCache?: KeyCache | undefined;
};

/** The tenant is never optional: every service call names it and the actor. */
export type TenantContext = { tenantId: string; actor: Actor };

export type { Actor };
