/**
 * Builds Bosun's dependencies from the configuration: the only place that chooses adapters.
 * Embedded PostgreSQL when `DATABASE_URL` is absent, a server otherwise; pg-boss on either.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pino, { type Logger } from 'pino';
import { CloudFrontCdn } from '../adapters/cloudfront-cdn';
import { CloudFrontKeyValueStore } from '../adapters/cloudfront-key-value-store';
import { FileMailer } from '../adapters/file-mailer';
import { FsObjectStore } from '../adapters/fs-object-store';
import { InMemoryEventHub } from '../adapters/in-memory-event-hub';
import { InMemoryFailureLimits } from '../adapters/in-memory-failure-limits';
import { GUEST_NOT_FOUND_LIMIT, LocalEdge } from '../adapters/local-edge';
import { nodeWebClient } from '../adapters/node-web-client';
import { type JobQueueOptions, PgBossJobQueue } from '../adapters/pg-boss-job-queue';
import { PgFailureLimits } from '../adapters/pg-failure-limits';
import { parseS3Url, S3ObjectStore } from '../adapters/s3-object-store';
import { SesMailer } from '../adapters/ses-mailer';
import { SmtpMailer } from '../adapters/smtp-mailer';
import { closeDataFolder } from '../config/data-folder';
import { type Config, ConfigError, gotValue } from '../config/env';
import { type DbHandle, openPglite, openPostgres } from '../db/client';
import { migrateToLatest, requireCurrentSchema } from '../db/migrate';
import { reservedHostProblem } from '../domain/hosts';
import { systemClock } from '../ports/clock';
import type { EventHub } from '../ports/event-hub';
import type { FailureLimits } from '../ports/failure-limits';
import type { MailArchive } from '../ports/mailer';
import type { WebClient } from '../ports/web-client';
import { closeRenderPool } from '../publish/render-pool';
import { GUEST_SITE_HEADERS, SITE_CACHE_CONTROL, siteOrigin } from '../publish/site-layout';
import { CHANGE_CHANNEL, type ChangeFeed, startChangeFeed } from '../services/change-feed';
import type { ServiceDeps } from '../services/context';
import { KeyCache } from '../services/key-cache';
import type { MailSettings } from '../services/mail';
import { findEdgeSite, lookupFriendlySlug, type SitePorts } from '../services/publishing';
import { type ClientAddress, clientAddressResolver } from './client-address';
import { databaseFolder, ensureEmbeddedDatabase } from './embedded-database';
import { jobQueueLogging, logOptions } from './logging';

export type Runtime = {
  config: Config;
  handle: DbHandle;
  jobs: PgBossJobQueue;
  deps: ServiceDeps;
  /** The mailer (SMTP when `SMTP_URL` is set, SES when `BOSUN_MAIL` is, else the mail folder) and what mail needs to know. */
  mail: MailSettings;
  /** The mail folder, to read sent messages back (null with SMTP or SES: they left the installation). */
  mailArchive: MailArchive | null;
  /** Where guest sites are published: the object store and the CDN in front of it. */
  sites: SitePorts;
  /** The local edge that serves guest sites on the main port, when no external CDN is configured. */
  edge: LocalEdge | null;
  /** The client's address of a request (`BOSUN_TRUSTED_PROXIES` applied), for rate limits. */
  clientAddress: ClientAddress;
  /**
   * Failed keys, sign-ins and guest-site 404s per client address (ADR 0015): in the database when it is
   * a server, which several processes may serve; in memory on the embedded one, which one process owns
   * (ADR 0005, 0024).
   */
  failureLimits: FailureLimits;
  /** Requests to public addresses, for `doctor --live`. */
  web: WebClient;
  log: Logger;
  close(): Promise<void>;
};

export function createLogger(config: Config, destination: 'stdout' | 'stderr' = 'stdout'): Logger {
  // No key, token, personal data or money reaches a log line, whatever a caller passes (logging.ts).
  return pino(logOptions(config.logLevel), pino.destination(destination === 'stdout' ? 1 : 2));
}

/** The host of `BOSUN_PUBLIC_URL`: the installation's own, never a guest site's. */
export const publicHostOf = (config: Pick<Config, 'publicUrl'>) => new URL(config.publicUrl).hostname;

/**
 * Opens the configured database. An embedded one is created first if the data folder has none, built
 * aside and moved into place when complete (ADR 0030; `bosun start` has it built by a process of its
 * own before it gets here); the caller holds the data lock.
 */
export async function openDatabase(config: Config): Promise<DbHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, { tls: config.databaseTls });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  await ensureEmbeddedDatabase(config.dataDir, { where: 'here' });
  const dir = databaseFolder(config.dataDir);
  const handle = await openPglite(dir);
  // PGlite sets its files' modes itself (0666 for a new database, 0644 for the catalog caches it
  // rewrites at every start), whatever the umask: close them each time it opens.
  closeDataFolder(dir);
  return handle;
}

/**
 * What a process asks of the runtime; each role decides (main/compose.ts):
 * - `migrate`: bring the schema (and the job queue's) up to date; without it, a schema that is not
 *   current stops the opening instead.
 * - `supervise`: work jobs and run the queue's maintenance in this process.
 * - `liveFeed`: how committed changes reach this process's live streams: `always` (a serving
 *   process: the feed runs from the start), `while-streaming` (it runs only while a stream listens),
 *   `off` (no streams here).
 */
export type RuntimeOptions = {
  log: Logger;
  migrate: boolean;
  supervise: boolean;
  liveFeed: 'always' | 'while-streaming' | 'off';
  /** What the job queue does besides its role's defaults: `poll: false` in the worker Lambda (ADR 0026). */
  jobs?: Pick<JobQueueOptions, 'poll' | 'onEnqueued'>;
};

/** Opens the database, migrates it when asked, starts the job queue (working jobs only when `supervise`). */
export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  // Chosen first, so a wrong BOSUN_OBJECT_STORE stops start-up before anything is opened.
  let current: ServiceDeps | undefined;
  const depsNow = () => {
    if (!current) throw new Error('guest sites were asked for before the runtime was open');
    return current;
  };
  const clientAddress = clientAddressResolver(config.trustedProxies);
  let limits: FailureLimits | undefined;
  const { sites, edge } = openSitePorts(
    config,
    depsNow,
    options.log,
    clientAddress,
    openedLater(() => limits),
  );
  const handle = await openDatabase(config);
  try {
    if (options.migrate) await migrateToLatest(handle.db);
    else await requireCurrentSchema(handle.db);
    const supervise = options.supervise;
    const jobs = await PgBossJobQueue.start(handle, {
      supervise,
      migrate: options.migrate,
      // The embedded database has one owner (the data lock, ADR 0005): whatever is still running in it
      // was left by a process that died, and is retried at once (ADR 0016).
      abandonedAtStart: supervise && handle.engine === 'pglite',
      ...jobQueueLogging(options.log),
      ...options.jobs,
    });
    const hub = new InMemoryEventHub((err) => options.log.error({ err }, 'live update listener failed'));
    const feed = liveFeedOf(options.liveFeed, handle, hub, options.log);
    const deps: ServiceDeps = {
      db: handle.db,
      jobs,
      clock: systemClock,
      guestOrigin: (domain) => siteOrigin(domain, { https: config.cdn === 'cloudfront', port: config.port }),
      publicHost: publicHostOf(config),
      // This process's streams subscribe here; the change feed fills it from the audit log (ADR 0019).
      live: feed.hub,
      // One multi-tenant distribution: each guest site's distribution tenant is made by a job (ADR 0027).
      provisionSites: config.cloudFrontPlatform !== undefined,
      // The embedded database's owner makes every change to keys, its CLI's included (ADR 0005): it
      // may remember the keys it found (ADR 0035). A server shares keys with other processes: no cache.
      ...(handle.engine === 'pglite' ? { keyCache: new KeyCache() } : {}),
    };
    // Both mailers sign with DKIM when it is configured (the key was read once, with the configuration).
    const signing = { dkim: config.dkim };
    const mailFolder = config.smtpUrl || config.sesMail ? null : FileMailer.inDataDir(config.dataDir, signing);
    await feed.start();
    const mail: MailSettings = {
      mailer: mailFolder ?? (config.sesMail ? new SesMailer(config.sesMail, signing) : new SmtpMailer(config.smtpUrl ?? '', signing)),
      publicUrl: config.publicUrl,
      fromAddress: config.mailFrom,
    };
    current = deps;
    limits = handle.engine === 'postgres' ? new PgFailureLimits(handle.db) : new InMemoryFailureLimits();
    return {
      config,
      handle,
      jobs,
      deps,
      mail,
      mailArchive: mailFolder,
      sites,
      edge,
      clientAddress,
      failureLimits: limits,
      web: nodeWebClient(),
      log: options.log,
      close: async () => {
        await feed.stop();
        await jobs.stop();
        // After the jobs: a publish the worker was finishing has rendered what it needs.
        await closeRenderPool();
        await mail.mailer.close();
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * The object store (`BOSUN_OBJECT_STORE`: absent → files under the data folder, `s3://…` → S3) and
 * the CDN (`BOSUN_CDN`: absent → the local edge, `cloudfront` → CloudFront). ADR 0007, 0008.
 */
export function openSitePorts(
  config: Config,
  deps: () => ServiceDeps,
  log?: Logger,
  clientAddress: ClientAddress = clientAddressResolver(config.trustedProxies),
  failureLimits: FailureLimits = new InMemoryFailureLimits(),
): { sites: SitePorts; edge: LocalEdge | null } {
  let store: SitePorts['store'];
  if (config.objectStore) {
    try {
      store = new S3ObjectStore(parseS3Url(config.objectStore));
    } catch (err) {
      throw new ConfigError(`BOSUN_OBJECT_STORE: ${(err as Error).message}${gotValue('BOSUN_OBJECT_STORE', config.objectStore)}`);
    }
  } else {
    store = new FsObjectStore(join(config.dataDir, 'objects'), { defaultCacheControl: SITE_CACHE_CONTROL });
  }
  if (config.cdn === 'cloudfront') {
    // The edge function reads friendly slugs from the site's KeyValueStore, so publishing writes them there;
    // in platform mode every site is a tenant of one distribution, its slugs in its one store (ADR 0027).
    const platform = config.cloudFrontPlatform;
    const cdn = new CloudFrontCdn({
      platform: platform && {
        distributionId: platform.distributionId,
        connectionGroupId: platform.connectionGroupId,
        storePrefix: config.objectStore ? parseS3Url(config.objectStore).prefix : undefined,
      },
    });
    const keyValueStore = new CloudFrontKeyValueStore({ shared: platform && { keyValueStoreArn: platform.keyValueStoreArn } });
    return { sites: { store, cdn, keyValueStore }, edge: null };
  }
  const publicHost = publicHostOf(config);
  const edge = new LocalEdge({
    store,
    // The installation's own host, localhost and IP addresses are never a guest site here, even if an
    // older installation gave one to a tenant (doctor names it): the app answers them.
    findSite: (host) => (reservedHostProblem(host, publicHost) ? Promise.resolve(null) : findEdgeSite(deps(), host)),
    lookupKey: (domain, key) => lookupFriendlySlug(deps(), domain, key),
    onError: (err, request) => log?.error({ err, ...request }, 'guest site request failed'),
    // What a CloudFront response headers policy adds in production (GUEST_SITE_HEADERS).
    responseHeaders: GUEST_SITE_HEADERS,
    clientAddress: clientAddress.ofNode,
    notFound: { limits: failureLimits, limit: GUEST_NOT_FOUND_LIMIT },
  });
  return { sites: { store, cdn: edge }, edge };
}

/** Failure limits that are chosen once the database is open, for what is built before it. */
function openedLater(opened: () => FailureLimits | undefined): FailureLimits {
  const limits = () => {
    const found = opened();
    if (!found) throw new Error('failure limits were asked for before the runtime was open');
    return found;
  };
  return {
    fail: async (limit, address) => limits().fail(limit, address),
    retryAfter: async (limit, address) => limits().retryAfter(limit, address),
    anyOver: (limit) => opened()?.anyOver(limit) ?? false,
  };
}

/** How often the change feed reads without a notification (one is lost while its connection is down). */
const LIVE_FALLBACK_MS = 3000;

function startLiveFeed(handle: DbHandle, hub: EventHub, log: Logger) {
  return startChangeFeed(
    { db: handle.db, live: hub },
    {
      notifications: (wake) => handle.listen(CHANGE_CHANNEL, wake),
      fallbackMs: LIVE_FALLBACK_MS,
      onError: (err) => log.error({ err }, 'live change feed read failed'),
    },
  );
}

type LiveFeed = { hub: EventHub; start(): Promise<void>; stop(): Promise<void> };

function liveFeedOf(mode: RuntimeOptions['liveFeed'], handle: DbHandle, hub: EventHub, log: Logger): LiveFeed {
  if (mode === 'off') return { hub, start: async () => {}, stop: async () => {} };
  if (mode === 'always') {
    let feed: ChangeFeed | undefined;
    return {
      hub,
      start: async () => {
        feed = await startLiveFeed(handle, hub, log);
      },
      stop: async () => {
        await feed?.stop();
      },
    };
  }
  return feedWhileStreaming(hub, () => startLiveFeed(handle, hub, log), log);
}

/**
 * The hub of a process whose streams are few and short (an API function on Lambda): the first
 * subscriber starts the change feed, the last one to leave stops it, so nothing reads or listens
 * between requests. A stream that subscribes while the feed starts may miss a change that commits
 * meanwhile; it replays from the log when it reconnects (ADR 0019, 0023).
 */
export function feedWhileStreaming(hub: EventHub, open: () => Promise<ChangeFeed>, log: Logger): LiveFeed {
  let listeners = 0;
  // Starts and stops in order, one after the other.
  let chain: Promise<ChangeFeed | null> = Promise.resolve(null);
  let closed = false;
  const step = (next: (feed: ChangeFeed | null) => Promise<ChangeFeed | null>) => {
    chain = chain.then(next).catch((err: unknown) => {
      log.error({ err }, 'live change feed could not start');
      return null;
    });
  };
  const wrapped: EventHub = {
    publish: (signal) => hub.publish(signal),
    listenerCount: (tenantId) => hub.listenerCount(tenantId),
    subscribe: (tenantId, listener) => {
      const unsubscribe = hub.subscribe(tenantId, listener);
      listeners += 1;
      if (listeners === 1 && !closed) step(async (feed) => feed ?? (await open()));
      let left = false;
      return () => {
        if (left) return;
        left = true;
        unsubscribe();
        listeners -= 1;
        if (listeners > 0) return;
        step(async (feed) => {
          // Someone subscribed again before this step ran: the feed keeps running for them.
          if (listeners > 0) return feed;
          await feed?.stop();
          return null;
        });
      };
    },
  };
  return {
    hub: wrapped,
    start: async () => {},
    stop: async () => {
      closed = true;
      step(async (feed) => {
        await feed?.stop();
        return null;
      });
      await chain;
    },
  };
}

export async function pingDatabase(handle: DbHandle): Promise<void> {
  await sql`select 1`.execute(handle.db);
}
