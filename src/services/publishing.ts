/**
 * Publishing guest pages: render → store → invalidate → verify → record. A page is rendered from
 * the booking's guest view, stored with its calendar file at the keys of the site layout, dropped
 * from the edge at exactly its paths, fetched back through the edge and compared by SHA-256, and
 * only then recorded as published. A failed step is recorded on the booking and thrown, so the job
 * is retried; running it again is harmless (ADR 0009).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { insertAuditEntries, insertAuditEntry } from '../db/queries/audit';
import * as pq from '../db/queries/publishing';
import { getGuestSite, getSiteByDomain, getTenantById, getTenantBySlug } from '../db/queries/tenants';
import { describeError, isDatabaseError } from '../db/safe-errors';
import { normalizeBookingId } from '../domain/ids';
import type { Cdn, CdnSite } from '../ports/cdn';
import type { EdgeKeyValueStore } from '../ports/edge-key-value-store';
import type { ObjectStore } from '../ports/object-store';
import {
  generateEdgeFunction,
  generatePlatformEdgeFunction,
  KEY_VALUE_STORE_ARN,
  KEY_VALUE_STORE_NAME,
  type PlatformEdgeFunction,
} from '../publish/edge-function';
import { renderNotFoundPage } from '../publish/guest-page';
import { type PageInput, type PageSite, type RenderedPage, renderPageFiles } from '../publish/page-files';
import { RENDER_CHUNK, renderPagesInPool, renderPoolSize, renderPoolWorthUsing, warmRenderPool } from '../publish/render-pool';
import * as layout from '../publish/site-layout';
import { getBookingForGuest, getBookingsForGuest } from './bookings';
import type { ServiceDeps, TenantContext } from './context';
import { NotFoundError, ValidationError } from './errors';

/**
 * The ports guest sites are published through. `keyValueStore` is the store the edge function reads
 * friendly slugs from (CloudFront); absent, the edge reads them from the database (the local edge).
 */
export type SitePorts = { store: ObjectStore; cdn: Cdn; keyValueStore?: EdgeKeyValueStore | undefined };
export type PublishingDeps = ServiceDeps & { sites: SitePorts };

/** A site's CDN settings (`sites.cdn`): its CloudFront distribution and key value store. */
export const siteCdnSettingsSchema = z.strictObject({
  distributionId: z
    .string()
    .regex(/^[A-Z0-9]{6,32}$/, 'must be a CloudFront distribution id like E2QWRUHAPOMQZL')
    .optional(),
  keyValueStoreId: z
    .string()
    .refine(
      (v) => KEY_VALUE_STORE_ARN.test(v) || KEY_VALUE_STORE_NAME.test(v),
      'must be a KeyValueStore name, id or ARN (arn:aws:cloudfront::ACCOUNT:key-value-store/ID)',
    )
    .optional(),
});

/** What the `site.provision` job records of a site's distribution tenant (platform mode, ADR 0027). */
export const distributionTenantRecordSchema = z.object({
  id: z.string(),
  arn: z.string(),
  /** CloudFront's state of the tenant: `InProgress` while a change deploys, then `Deployed`. */
  status: z.string(),
  /** `active` once CloudFront serves the domain (its certificate issued), else `inactive`. */
  domainStatus: z.string().nullable(),
  connectionGroupId: z.string().nullable(),
  /** The domain the tenant was made or moved for: a site that moved since waits for its next provisioning. */
  domain: z.string(),
  /** When it was recorded (ISO 8601). */
  at: z.string(),
});

/** The last failed provisioning of a site, kept until one succeeds. */
export const provisionFailureSchema = z.object({ error: z.string(), domain: z.string(), at: z.string() });

/**
 * A site's CDN record as stored (`sites.cdn`): the operator's settings and what provisioning recorded.
 * A field that does not read is left out, not fatal: the site then shows as unconfigured.
 */
const siteCdnRecordSchema = z
  .object({
    distributionId: siteCdnSettingsSchema.shape.distributionId.catch(undefined),
    keyValueStoreId: siteCdnSettingsSchema.shape.keyValueStoreId.catch(undefined),
    distributionTenant: distributionTenantRecordSchema.optional().catch(undefined),
    provisionFailure: provisionFailureSchema.optional().catch(undefined),
  })
  .catch({});

export type SiteCdnRecord = z.infer<typeof siteCdnRecordSchema>;

/** Reads a site's stored CDN record (`sites.cdn`). */
export function readSiteCdn(stored: unknown): SiteCdnRecord {
  return siteCdnRecordSchema.parse(stored ?? {});
}

/** The stored record as an object, every key kept (what a writer merges its change into). */
export const storedSiteCdn = (stored: unknown): Record<string, unknown> =>
  stored && typeof stored === 'object' && !Array.isArray(stored) ? { ...(stored as Record<string, unknown>) } : {};

type GuestSite = {
  id: string;
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  settings: unknown;
  domain: string;
  bucket: string;
  cdn: CdnSite;
  keyValueStoreId: string | undefined;
};

export type PublishStep = 'render' | 'store' | 'redirect' | 'invalidate' | 'verify' | 'record';

/**
 * A step of publishing failed; the message names the step, e.g. `verify: /g/ABC answered 404`. A
 * database error is named by its code, not its message (which may quote a booking's values): the
 * message is recorded on the booking and the job, and logged.
 */
export class PublishError extends Error {
  override name = 'PublishError';
  constructor(
    readonly step: PublishStep,
    cause: unknown,
  ) {
    const text = isDatabaseError(cause) ? describeError(cause) : cause instanceof Error ? cause.message : String(cause);
    super(text.startsWith(`${step}: `) ? text : `${step}: ${text}`, { cause });
  }
}

export type PublishOutcome = {
  bookingId: string;
  /** published: stored and verified live · unchanged: the live page already matches · skipped: no page (no such booking, or a hold) · superseded: the booking changed meanwhile. */
  result: 'published' | 'unchanged' | 'skipped' | 'superseded' | 'failed';
  url?: string;
  pageHash?: string;
  error?: string;
};

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

async function loadGuestSite(deps: Pick<ServiceDeps, 'db'>, tenantId: string): Promise<GuestSite> {
  const [tenant, site] = await Promise.all([getTenantById(deps.db, tenantId), getGuestSite(deps.db, tenantId)]);
  if (!tenant || !site) throw new NotFoundError('The guest site of this tenant');
  const cdn = readSiteCdn(site.cdn);
  return {
    id: site.id,
    tenantId,
    tenantSlug: tenant.slug,
    tenantName: tenant.name,
    settings: tenant.settings,
    domain: site.domain,
    bucket: layout.siteBucket(site.domain),
    cdn: { domain: site.domain, distributionId: cdn.distributionId, distributionTenantId: cdn.distributionTenant?.id },
    keyValueStoreId: cdn.keyValueStoreId,
  };
}

type Rendered = {
  bookingId: string;
  version: number;
  url: string;
  page: string;
  pageHash: string;
  calendar: string;
  calendarHash: string;
  slug: string | null;
};

type GuestBooking = NonNullable<ReturnType<Awaited<ReturnType<typeof getBookingsForGuest>>['get']>>;

/** A booking's page input for the renderers, or null when it has no page (no such booking, or a hold). */
function pageInput(bookingId: string, loaded: GuestBooking | undefined): PageInput | null {
  if (!loaded || loaded.status === 'hold') return null;
  return { bookingId, view: loaded.view, revision: { version: loaded.version, updatedAt: loaded.updatedAt } };
}

const pageSiteOf = (site: GuestSite): PageSite => ({ domain: site.domain, tenant: { name: site.tenantName, settings: site.settings } });

/**
 * A booking's rendered page, or null when it has none. `files` are its files rendered already (by the
 * render pool); without them they are rendered here. A page the pool could not render throws its error.
 */
function render(
  deps: PublishingDeps,
  site: GuestSite,
  bookingId: string,
  loaded: GuestBooking | undefined,
  files?: RenderedPage | undefined,
): Rendered | null {
  const input = pageInput(bookingId, loaded);
  if (!input || !loaded) return null;
  const f = files ?? renderPageFiles(pageSiteOf(site), input);
  if ('error' in f) throw new Error(f.error);
  return {
    bookingId,
    version: loaded.version,
    url: layout.guestPageUrl(deps.guestOrigin(site.domain), bookingId),
    page: f.page,
    pageHash: f.pageHash,
    calendar: f.calendar,
    calendarHash: f.calendarHash,
    slug: loaded.friendlySlug,
  };
}

/**
 * Renders a batch's pages in the render pool, a chunk per worker message (ADR 0032); the pages of
 * bookings that have none are left out.
 */
async function renderBatchInPool(site: GuestSite, batch: readonly string[], loaded: Awaited<ReturnType<typeof loadBatch>>) {
  const inputs = batch.flatMap((id) => pageInput(id, loaded.bookings.get(id)) ?? []);
  const chunks: PageInput[][] = [];
  for (let i = 0; i < inputs.length; i += RENDER_CHUNK) chunks.push(inputs.slice(i, i + RENDER_CHUNK));
  const pageSite = pageSiteOf(site);
  // The main thread renders its share, one chunk in every (workers + 1).
  const share = renderPoolSize() + 1;
  const rendered = await Promise.all(chunks.map((chunk, i) => renderPagesInPool(pageSite, chunk, i % share === share - 1)));
  return new Map(rendered.flat().map((r) => [r.bookingId, r]));
}

/** What publishing a batch of bookings reads from the database, in a few queries for all of them. */
async function loadBatch(deps: PublishingDeps, site: GuestSite, ids: readonly string[], withSlugTargets: boolean) {
  const [bookings, pages] = await Promise.all([
    getBookingsForGuest(deps, { tenantId: site.tenantId }, ids),
    pq.listGuestPages(deps.db, site.tenantId, ids),
  ]);
  const slugs = [...bookings.values()].flatMap((b) => (b.friendlySlug ? [b.friendlySlug] : []));
  const slugTargets = withSlugTargets ? await pq.getFriendlySlugTargets(deps.db, site.tenantId, site.id, slugs) : new Map<string, string>();
  return { bookings, pages: new Map(pages.map((p) => [p.booking_id, p])), slugTargets };
}

async function step<T>(name: PublishStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PublishError) throw err;
    throw new PublishError(name, err);
  }
}

/** Stores the site's not-found page when it differs; returns the paths that changed. */
async function ensureNotFoundPage(deps: PublishingDeps, site: GuestSite): Promise<{ paths: string[]; ref: string; hash: string }> {
  const html = renderNotFoundPage({ name: site.tenantName, settings: site.settings });
  const hash = sha256(html);
  const head = await deps.sites.store.head(site.bucket, layout.NOT_FOUND_KEY);
  if (head?.sha256 === hash) return { paths: [], ref: '', hash };
  await deps.sites.store.put({
    bucket: site.bucket,
    key: layout.NOT_FOUND_KEY,
    body: html,
    contentType: layout.PAGE_CONTENT_TYPE,
    cacheControl: layout.SITE_CACHE_CONTROL,
  });
  return { paths: [layout.objectPath(layout.NOT_FOUND_KEY)], ref: `404:${head?.sha256 ?? '-'}>${hash}`, hash };
}

/** Fetches the page's public path through the edge and compares what it serves with what was rendered. */
async function verify(deps: PublishingDeps, site: GuestSite, r: Rendered): Promise<void> {
  const path = layout.guestPagePath(r.bookingId);
  const res = await deps.sites.cdn.fetch(site.cdn, path);
  if (res.status !== 200) throw new Error(`${path} on ${site.domain} answered ${res.status}`);
  const live = sha256(res.body);
  if (live !== r.pageHash) {
    throw new Error(`${path} on ${site.domain} serves other content (sha256 ${live.slice(0, 12)}…, expected ${r.pageHash.slice(0, 12)}…)`);
  }
}

/**
 * Runs `run` over `items`, at most `limit` at once. Each item starts after the event loop has had a
 * turn: rendering is CPU work and the local store and PGlite answer without waiting on I/O, so
 * without it a long publish would hold up every request the process serves meanwhile.
 */
async function forEachLimit<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await yieldToEventLoop();
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Publishing runs as a job: its outcomes are the system's. */
const PUBLISH_ACTOR = { kind: 'system' as const, id: 'guest-page.publish' };

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

type Progress = (done: number, total: number) => void;

/**
 * Publishes the pages of `ids` on one site: renders and stores each (bounded concurrency), sends one
 * invalidation for all that changed, then verifies and records each. The database is read and
 * written a batch of bookings at a time, not a booking at a time. Never throws for one booking's
 * failure: that is recorded on the booking and reported in its outcome.
 */
async function publishPages(
  deps: PublishingDeps,
  site: GuestSite,
  ids: readonly string[],
  options: { concurrency: number; onProgress?: Progress | undefined },
): Promise<PublishOutcome[]> {
  const { store, cdn } = deps.sites;
  const outcomes = new Map<string, PublishOutcome>();
  let done = 0;
  const tick = () => options.onProgress?.(++done, ids.length);
  const fail = async (bookingId: string, err: unknown) => {
    const error = (err instanceof PublishError ? err : new PublishError('render', err)).message.slice(0, 2000);
    outcomes.set(bookingId, { bookingId, result: 'failed', error });
    await deps.db.transaction().execute(async (tx) => {
      await pq.recordGuestPageFailure(tx, site.tenantId, bookingId, {
        siteId: site.id,
        url: layout.guestPageUrl(deps.guestOrigin(site.domain), bookingId),
        pageKey: layout.guestPageKey(bookingId),
        error,
        at: deps.clock.now(),
      });
      // The step only: the error stays on the guest page's record (`bosun` and the API show it).
      await insertAuditEntry(tx, site.tenantId, {
        actor: PUBLISH_ACTOR,
        action: 'guest_page.failed',
        entityType: 'booking',
        entityId: bookingId,
        after: { step: stepOf(error) },
      });
    });
  };

  // Many pages are rendered in the render pool, its workers loading while the first batch is read,
  // where a core is free for them; a few render inline, where starting workers costs more than it
  // saves (ADR 0032).
  const usePool = ids.length >= POOL_MIN && renderPoolWorthUsing();
  if (usePool) void warmRenderPool();

  let notFound: { paths: string[]; ref: string; hash: string };
  try {
    notFound = await step('store', () => ensureNotFoundPage(deps, site));
  } catch (err) {
    for (const id of ids) {
      await fail(id, err);
      tick();
    }
    return ids.map((id) => outcomes.get(id) as PublishOutcome);
  }

  // 1. Render and store, a batch at a time: each batch is read in a few queries, and its slugs recorded in one.
  const changed: { r: Rendered; ref: string }[] = [];
  const slugWrites: { slug: string; bookingId: string }[] = [];
  const keyValueStore = deps.sites.keyValueStore;
  // The next batch is read and rendered (in the pool) while this one is stored.
  const prepare = async (batch: readonly string[]) => {
    const loaded = await step('render', () => loadBatch(deps, site, batch, keyValueStore !== undefined));
    return { loaded, files: usePool ? await renderBatchInPool(site, batch, loaded) : new Map<string, RenderedPage>() };
  };
  const settle = (batch: readonly string[]) =>
    prepare(batch).then(
      (value) => ({ value, error: null }),
      (error: unknown) => ({ value: null, error }),
    );
  let prepared = ids.length > 0 ? settle(ids.slice(0, BATCH)) : null;
  for (let start = 0; start < ids.length; start += BATCH) {
    const batch = ids.slice(start, start + BATCH);
    const ready = await (prepared as ReturnType<typeof settle>);
    prepared = start + BATCH < ids.length ? settle(ids.slice(start + BATCH, start + 2 * BATCH)) : null;
    if (!ready.value) {
      for (const id of batch) {
        await fail(id, ready.error);
        tick();
      }
      continue;
    }
    const { loaded, files } = ready.value;
    const slugs: { slug: string; bookingId: string }[] = [];
    const unchanged: PublishOutcome[] = [];
    const changedHere: { r: Rendered; ref: string }[] = [];
    await forEachLimit(batch, options.concurrency, async (bookingId) => {
      try {
        const r = await step('render', async () => render(deps, site, bookingId, loaded.bookings.get(bookingId), files.get(bookingId)));
        if (!r) {
          outcomes.set(bookingId, { bookingId, result: 'skipped' });
          tick();
          return;
        }
        const previous = loaded.pages.get(bookingId);
        // The store is asked only when the record says this very content was published: then it may
        // be unchanged. Otherwise it is put again whatever the store holds (a put is idempotent), so a
        // template or branding change costs no HEADs.
        const recorded = previous?.page_hash === r.pageHash && previous.calendar_hash === r.calendarHash;
        const [pageHead, calendarHead] = recorded
          ? await step('store', () =>
              Promise.all([
                store.head(site.bucket, layout.guestPageKey(bookingId)),
                store.head(site.bucket, layout.guestCalendarKey(bookingId)),
              ]),
            )
          : [null, null];
        const stored = pageHead?.sha256 === r.pageHash && calendarHead?.sha256 === r.calendarHash;
        // The slug points at the page once the page is stored; a former slug keeps its row (and redirect).
        // Where the edge reads slugs from its own key value store (CloudFront), the slug is written there
        // too when it is new or moved, and whenever the page is published, so a retry after a failed
        // write writes it again (ADR 0008).
        const recordSlug = (publishing: boolean) => {
          const slug = r.slug;
          if (!slug) return;
          if (keyValueStore && (publishing || loaded.slugTargets.get(slug) !== bookingId)) {
            slugWrites.push({ slug, bookingId });
          }
          slugs.push({ slug, bookingId });
        };
        if (stored && recorded && previous?.verified_at && !previous.last_error) {
          recordSlug(false);
          unchanged.push({ bookingId, result: 'unchanged', url: r.url, pageHash: r.pageHash });
          return;
        }
        if (!stored) {
          await step('store', async () => {
            await store.put({
              bucket: site.bucket,
              key: layout.guestCalendarKey(bookingId),
              body: r.calendar,
              contentType: layout.CALENDAR_CONTENT_TYPE,
              cacheControl: layout.SITE_CACHE_CONTROL,
            });
            await store.put({
              bucket: site.bucket,
              key: layout.guestPageKey(bookingId),
              body: r.page,
              contentType: layout.PAGE_CONTENT_TYPE,
              cacheControl: layout.SITE_CACHE_CONTROL,
            });
          });
        }
        recordSlug(true);
        // The change is "from what was last published to this": a retry names the same change, a
        // later change (even back to earlier content) a new one.
        const ref = sha256(
          [
            site.tenantId,
            bookingId,
            previous?.page_hash ?? '-',
            previous?.published_at?.toISOString() ?? '-',
            r.pageHash,
            r.calendarHash,
          ].join(':'),
        );
        changedHere.push({ r, ref });
      } catch (err) {
        await fail(bookingId, err);
        tick();
      }
    });
    let slugFailure: { error: unknown } | null = null;
    try {
      await step('record', () => pq.upsertFriendlySlugs(deps.db, site.tenantId, site.id, slugs, deps.clock.now()));
    } catch (err) {
      slugFailure = { error: err };
    }
    const slugFailed = new Set(slugFailure ? slugs.map((s) => s.bookingId) : []);
    for (const o of unchanged) {
      if (slugFailed.has(o.bookingId)) await fail(o.bookingId, slugFailure?.error);
      else outcomes.set(o.bookingId, o);
      tick();
    }
    for (const c of changedHere) {
      if (slugFailed.has(c.r.bookingId)) {
        await fail(c.r.bookingId, slugFailure?.error);
        tick();
      } else changed.push(c);
    }
  }

  // 2. The edge's key value store learns the slugs, in as few updates as it allows.
  if (keyValueStore && slugWrites.length > 0) {
    try {
      await step('redirect', () =>
        keyValueStore.putKeys(
          { domain: site.domain, keyValueStoreId: site.keyValueStoreId },
          slugWrites.map((w) => ({ key: w.slug, value: w.bookingId })),
        ),
      );
    } catch (err) {
      for (const bookingId of new Set(slugWrites.map((w) => w.bookingId))) {
        await fail(bookingId, err);
        const index = changed.findIndex((c) => c.r.bookingId === bookingId);
        // An unchanged page was counted already; a changed one is counted here instead of after verifying.
        if (index >= 0) {
          changed.splice(index, 1);
          tick();
        }
      }
    }
  }

  // 2b. The site moved to another domain while this ran: what was just written under the old domain is
  // taken back, because that domain's cleanup may have emptied it already (ADR 0007 addendum). Checked
  // after every write: a move committed later has a cleanup that lists these writes itself.
  const now = await getGuestSite(deps.db, site.tenantId);
  if (now?.domain !== site.domain && (changed.length > 0 || notFound.paths.length > 0 || slugWrites.length > 0)) {
    const moved = new PublishError(
      'store',
      new Error(
        `the site moved from ${site.domain} to ${now?.domain ?? 'nowhere'} while publishing; the move's jobs publish its pages there`,
      ),
    );
    try {
      for (const { r } of changed) {
        await store.delete(site.bucket, layout.guestPageKey(r.bookingId));
        await store.delete(site.bucket, layout.guestCalendarKey(r.bookingId));
      }
      // The 404 page only while it is still this run's: the domain's next site may have written its own
      // since. What remains (slugs, the moment between head and delete): ADR 0007 addendum.
      if (notFound.paths.length > 0 && (await store.head(site.bucket, layout.NOT_FOUND_KEY))?.sha256 === notFound.hash)
        await store.delete(site.bucket, layout.NOT_FOUND_KEY);
      if (keyValueStore && slugWrites.length > 0)
        await keyValueStore.deleteDomainKeys(site.domain, [...new Set(slugWrites.map((w) => w.slug))]);
    } finally {
      for (const { r } of changed) {
        await fail(r.bookingId, moved);
        tick();
      }
    }
    return ids.map((id) => outcomes.get(id) as PublishOutcome);
  }

  // 3. One invalidation for every path that changed.
  const paths = [...notFound.paths, ...changed.flatMap(({ r }) => layout.guestPageInvalidationPaths(r.bookingId))];
  if (paths.length > 0) {
    const ref =
      changed.length === 1 && !notFound.ref
        ? (changed[0]?.ref ?? '')
        : sha256([notFound.ref, ...changed.map((c) => c.ref).sort()].join('\n'));
    try {
      await step('invalidate', () => cdn.invalidate(site.cdn, paths, ref));
    } catch (err) {
      for (const { r } of changed) {
        await fail(r.bookingId, err);
        tick();
      }
      return ids.map((id) => outcomes.get(id) as PublishOutcome);
    }
  }

  // 4. Verify through the edge, then record, a batch at a time (one query for the versions, one to record).
  for (let start = 0; start < changed.length; start += BATCH) {
    const verified: Rendered[] = [];
    await forEachLimit(changed.slice(start, start + BATCH), options.concurrency, async ({ r }) => {
      try {
        await step('verify', () => verify(deps, site, r));
        verified.push(r);
      } catch (err) {
        await fail(r.bookingId, err);
        tick();
      }
    });
    if (verified.length === 0) continue;
    try {
      const versions = await step('record', () =>
        pq.getBookingVersions(
          deps.db,
          site.tenantId,
          verified.map((r) => r.bookingId),
        ),
      );
      const current = verified.filter((r) => versions.get(r.bookingId) === r.version);
      const now = deps.clock.now();
      await step('record', () =>
        deps.db.transaction().execute(async (tx) => {
          await pq.recordGuestPagesPublished(
            tx,
            site.tenantId,
            current.map((r) => ({
              bookingId: r.bookingId,
              siteId: site.id,
              url: r.url,
              pageKey: layout.guestPageKey(r.bookingId),
              pageHash: r.pageHash,
              calendarHash: r.calendarHash,
              bookingVersion: r.version,
              publishedAt: now,
              verifiedAt: now,
            })),
          );
          await insertAuditEntries(
            tx,
            site.tenantId,
            current.map((r) => ({
              actor: PUBLISH_ACTOR,
              action: 'guest_page.published',
              entityType: 'booking',
              entityId: r.bookingId,
              after: { url: r.url, version: r.version },
            })),
          );
        }),
      );
      for (const r of verified) {
        outcomes.set(
          r.bookingId,
          versions.get(r.bookingId) === r.version
            ? { bookingId: r.bookingId, result: 'published', url: r.url, pageHash: r.pageHash }
            : { bookingId: r.bookingId, result: 'superseded', url: r.url },
        );
        tick();
      }
    } catch (err) {
      for (const r of verified) {
        await fail(r.bookingId, err);
        tick();
      }
    }
  }
  return ids.map((id) => outcomes.get(id) as PublishOutcome);
}

/** How many bookings are read, and recorded, together. */
const BATCH = 250;

/** From how many pages on a publish renders in the render pool. */
const POOL_MIN = 2 * RENDER_CHUNK;

const MAX_SUPERSEDED = 3;

/**
 * Publishes one booking's guest page (the `guest-page.publish` job). Throws a PublishError when a
 * step fails — after recording it on the booking — so the job queue retries with back-off.
 */
export async function publishGuestPage(deps: PublishingDeps, tenantId: string, bookingId: string): Promise<PublishOutcome> {
  const site = await loadGuestSite(deps, tenantId);
  const id = normalizeBookingId(bookingId);
  for (let attempt = 1; ; attempt++) {
    const [outcome] = await publishPages(deps, site, [id], { concurrency: 1 });
    if (!outcome) throw new Error(`no outcome for ${id}`);
    if (outcome.result === 'failed') throw new PublishError(stepOf(outcome.error), outcome.error ?? 'failed');
    // A change that committed while this ran has its own job; publishing again here keeps the
    // newest version live even if that job ran first.
    if (outcome.result !== 'superseded') return outcome;
    if (attempt >= MAX_SUPERSEDED) throw new PublishError('record', `booking ${id} kept changing while it was published`);
  }
}

function stepOf(error: string | undefined): PublishStep {
  const name = error?.split(':')[0];
  return name === 'render' || name === 'store' || name === 'redirect' || name === 'invalidate' || name === 'verify' || name === 'record'
    ? name
    : 'render';
}

export const republishSchema = z.union([
  z.strictObject({ bookingId: z.string().regex(/^[A-Za-z0-9]{4,16}$/, 'must be a booking id') }),
  z.strictObject({ all: z.literal(true) }),
]);

export type RepublishSummary = {
  tenant: string;
  domain: string;
  total: number;
  published: string[];
  unchanged: string[];
  skipped: string[];
  failed: { bookingId: string; error: string }[];
};

/**
 * Republishes one booking's page or all of a tenant's (after a template or branding change): pages
 * whose stored hash already matches are left alone; the rest share one invalidation.
 */
export async function republishGuestPages(
  deps: PublishingDeps,
  ctx: TenantContext,
  selection: z.infer<typeof republishSchema>,
  options: { concurrency?: number; onProgress?: Progress } = {},
): Promise<RepublishSummary> {
  const site = await loadGuestSite(deps, ctx.tenantId);
  let ids: string[];
  if ('bookingId' in selection) {
    ids = [await publishableBookingId(deps, ctx, selection.bookingId)];
  } else {
    ids = await pq.listPublishableBookingIds(deps.db, ctx.tenantId);
  }
  const outcomes = await publishPages(deps, site, ids, { concurrency: options.concurrency ?? 8, onProgress: options.onProgress });
  const summary: RepublishSummary = {
    tenant: site.tenantSlug,
    domain: site.domain,
    total: ids.length,
    published: [],
    unchanged: [],
    skipped: [],
    failed: [],
  };
  for (let o of outcomes) {
    if (o.result === 'superseded') {
      try {
        o = await publishGuestPage(deps, ctx.tenantId, o.bookingId);
      } catch (err) {
        o = { bookingId: o.bookingId, result: 'failed', error: (err as Error).message };
      }
    }
    if (o.result === 'published') summary.published.push(o.bookingId);
    else if (o.result === 'unchanged') summary.unchanged.push(o.bookingId);
    else if (o.result === 'skipped') summary.skipped.push(o.bookingId);
    else summary.failed.push({ bookingId: o.bookingId, error: o.error ?? 'failed' });
  }
  return summary;
}

/** The booking's id if it has a guest page to publish; NotFoundError, or ValidationError for a hold. */
async function publishableBookingId(deps: ServiceDeps, ctx: TenantContext, bookingId: string): Promise<string> {
  const id = normalizeBookingId(bookingId);
  const booking = await getBookingForGuest(deps, ctx, id);
  if (booking.status === 'hold') {
    throw new ValidationError([{ field: 'booking', message: `${id} is on hold; it gets a guest page once it is confirmed` }]);
  }
  return id;
}

/**
 * Queues one booking's guest page to be published again (the dashboard's "Publish again"): the
 * booking `bosun publish --booking` accepts, published by the worker's job after the commit rather
 * than inside the request; a page already live as it is stays untouched. Audited as
 * `guest_page.publish_requested`. Errors: NotFoundError, ValidationError (a hold has no guest page).
 */
export async function requestGuestPagePublish(deps: ServiceDeps, ctx: TenantContext, bookingId: string): Promise<void> {
  const id = await publishableBookingId(deps, ctx, bookingId);
  await deps.db.transaction().execute(async (tx) => {
    await insertAuditEntry(tx, ctx.tenantId, {
      actor: ctx.actor,
      action: 'guest_page.publish_requested',
      entityType: 'booking',
      entityId: id,
    });
    await deps.jobs.enqueue(tx, 'guest-page.publish', { tenantId: ctx.tenantId, bookingId: id, reason: 'guest_page.publish_requested' });
  });
}

export type GuestPageStatus = {
  bookingId: string;
  url: string;
  pageHash: string | null;
  publishedAt: string | null;
  verifiedAt: string | null;
  error: string | null;
  errorAt: string | null;
  failures: number;
};

/** What was last published for a booking, and the error of the last attempt until one succeeds. */
export async function getGuestPageStatus(deps: ServiceDeps, ctx: TenantContext, bookingId: string): Promise<GuestPageStatus | null> {
  const row = await pq.getGuestPage(deps.db, ctx.tenantId, normalizeBookingId(bookingId));
  if (!row) return null;
  return {
    bookingId: row.booking_id,
    url: row.url,
    pageHash: row.page_hash,
    publishedAt: row.published_at?.toISOString() ?? null,
    verifiedAt: row.verified_at?.toISOString() ?? null,
    error: row.last_error,
    errorAt: row.last_error_at?.toISOString() ?? null,
    failures: row.failures,
  };
}

/**
 * Sets the CDN settings of the tenant's guest site (a distribution per site with `BOSUN_CDN=cloudfront`),
 * with an audit entry; what provisioning recorded stays. Nothing is written when nothing changes.
 */
export async function setGuestSiteCdn(deps: Pick<ServiceDeps, 'db'>, ctx: TenantContext, settings: z.infer<typeof siteCdnSettingsSchema>) {
  return deps.db.transaction().execute(async (tx) => {
    const site = await getGuestSite(tx, ctx.tenantId);
    if (!site) throw new NotFoundError('The guest site of this tenant');
    const record = readSiteCdn(site.cdn);
    const before = { distributionId: record.distributionId, keyValueStoreId: record.keyValueStoreId };
    const after = { ...before, ...settings };
    const given = Object.fromEntries(Object.entries(after).filter(([, v]) => v !== undefined));
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      const stored = { ...storedSiteCdn(site.cdn), ...given };
      await pq.updateSiteCdn(tx, ctx.tenantId, site.id, stored);
      await insertAuditEntry(tx, ctx.tenantId, {
        actor: ctx.actor,
        action: 'site.cdn_set',
        entityType: 'site',
        entityId: site.id,
        before,
        after: given,
      });
    }
    return { domain: site.domain, cdn: given };
  });
}

/**
 * The edge function of a tenant's guest site, exactly as the local edge runs it; with `platform` (one
 * multi-tenant distribution, ADR 0027) the one function that serves every site of the distribution.
 */
export async function getEdgeFunction(
  deps: Pick<ServiceDeps, 'db'>,
  tenantSlug: string,
  platform?: PlatformEdgeFunction,
): Promise<{ domain: string; code: string }> {
  const tenant = await getTenantBySlug(deps.db, tenantSlug);
  if (!tenant) throw new NotFoundError(`Tenant "${tenantSlug}"`);
  const site = await loadGuestSite(deps, tenant.id);
  return {
    domain: site.domain,
    code: platform
      ? generatePlatformEdgeFunction(platform)
      : generateEdgeFunction({ domain: site.domain, tenantSlug: tenant.slug, keyValueStoreId: site.keyValueStoreId }),
  };
}

/** A guest site as an edge serves it. */
export type EdgeSiteInfo = { domain: string; bucket: string; edgeFunction: string; notFoundKey: string };

/** The guest site served at `host`, or null when no tenant has a guest site there. */
export async function findEdgeSite(deps: Pick<ServiceDeps, 'db'>, host: string): Promise<EdgeSiteInfo | null> {
  const site = await getSiteByDomain(deps.db, host);
  if (site?.role !== 'guest') return null;
  const tenant = await getTenantById(deps.db, site.tenant_id);
  if (!tenant) return null;
  const cdn = readSiteCdn(site.cdn);
  return {
    domain: site.domain,
    bucket: layout.siteBucket(site.domain),
    edgeFunction: generateEdgeFunction({ domain: site.domain, tenantSlug: tenant.slug, keyValueStoreId: cdn.keyValueStoreId }),
    notFoundKey: layout.NOT_FOUND_KEY,
  };
}

/** The booking id a friendly slug of the site leads to (current or former slug), or null. */
export async function lookupFriendlySlug(deps: Pick<ServiceDeps, 'db'>, domain: string, slug: string): Promise<string | null> {
  return (await pq.getFriendlySlugTarget(deps.db, domain, slug)) ?? null;
}
