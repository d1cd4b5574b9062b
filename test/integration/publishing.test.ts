/**
 * The publishing pipeline's failure handling and bulk republish: a failed step is recorded on the
 * booking and retried until it succeeds; publishing again is harmless; a republish leaves unchanged
 * pages alone and sends one invalidation for the rest.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FsObjectStore } from '../../src/adapters/fs-object-store';
import type { Cdn } from '../../src/ports/cdn';
import type { ObjectStore } from '../../src/ports/object-store';
import { closeRenderPool, renderPoolSize, renderPoolStatus, warmRenderPool } from '../../src/publish/render-pool';
import { guestCalendarKey, guestPageKey, siteBucket } from '../../src/publish/site-layout';
import { createBooking, updateBooking } from '../../src/services/bookings';
import { getGuestPageStatus, type PublishingDeps, publishGuestPage, republishGuestPages } from '../../src/services/publishing';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { workJobs } from '../support/jobs';
import { eventually } from '../support/mailbox';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
const opened: TestSites[] = [];

/** A store whose puts fail while `failing` is set (as a full disk or an S3 outage would). */
function failingStore(store: FsObjectStore, state: { failing: boolean; failKey?: string }): ObjectStore {
  return {
    put: async (input) => {
      if (state.failing && (!state.failKey || input.key === state.failKey)) throw new Error('object store unavailable (test)');
      return store.put(input);
    },
    get: (bucket, key) => store.get(bucket, key),
    head: (bucket, key) => store.head(bucket, key),
    delete: (bucket, key) => store.delete(bucket, key),
    list: (bucket) => store.list(bucket),
  };
}

/** The CDN with every invalidation recorded, and failures on demand. */
function recordingCdn(inner: Cdn, state: { failInvalidate?: boolean; skipInvalidate?: boolean } = {}) {
  const calls: { paths: string[]; ref: string }[] = [];
  const cdn: Cdn = {
    invalidate: async (site, paths, ref) => {
      calls.push({ paths: [...paths], ref });
      if (state.failInvalidate) throw new Error('CDN API unavailable (test)');
      if (!state.skipInvalidate) await inner.invalidate(site, paths, ref);
    },
    fetch: (site, path) => inner.fetch(site, path),
    provisionSite: (site) => inner.provisionSite(site),
    releaseDomain: (site) => inner.releaseDomain(site),
  };
  return { cdn, calls };
}

function sitesWith(options: Parameters<typeof openTestSites>[1] = {}) {
  const s = openTestSites(t, options);
  opened.push(s);
  return s;
}

async function newBooking(overrides: Record<string, unknown> = {}) {
  const out = await createBooking(t.deps, a.ctx, bookingInput(overrides) as never);
  return out.booking.id;
}

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
});
afterAll(async () => {
  await closeRenderPool();
  await t.close();
  for (const s of opened) s.close();
});

describe('publishing failures', () => {
  it('records a failed store on the booking, and the job queue retries until it succeeds', async () => {
    const state = { failing: true };
    const s = sitesWith({ wrapStore: (store) => failingStore(store, state) });
    const worker = await workJobs(t, s);
    try {
      const id = await newBooking();
      const failed = await eventually(async () => {
        const status = await getGuestPageStatus(t.deps, a.ctx, id);
        return status?.error ? status : undefined;
      }, 'the recorded error');
      expect(failed.error).toMatch(/^store: object store unavailable \(test\)/);
      expect(failed.publishedAt).toBeNull();
      expect((await s.edge.fetch({ domain: 'alpha.localhost' }, `/g/${id}`)).status).toBe(404);

      state.failing = false;
      const ok = await eventually(async () => {
        const status = await getGuestPageStatus(t.deps, a.ctx, id);
        return status?.verifiedAt ? status : undefined;
      }, 'the retried publish');
      expect(ok.error).toBeNull();
      expect(ok.failures).toBe(0);
      expect((await s.edge.fetch({ domain: 'alpha.localhost' }, `/g/${id}`)).status).toBe(200);
    } finally {
      // The later tests publish by hand: no worker may publish their bookings meanwhile.
      await t.jobs.stopWorking('guest-page.publish');
      worker.close();
    }
  });

  it('records a failed invalidation and a failed verification with their step, until a publish succeeds', async () => {
    const s = sitesWith();
    const state = { failInvalidate: true, skipInvalidate: false };
    const { cdn } = recordingCdn(s.edge, state);
    const deps: PublishingDeps = { ...s.deps, sites: { store: s.store, cdn } };
    const id = await newBooking();

    await expect(publishGuestPage(deps, a.tenant.id, id)).rejects.toThrow(/^invalidate: CDN API unavailable \(test\)/);
    expect(await getGuestPageStatus(t.deps, a.ctx, id)).toMatchObject({ error: 'invalidate: CDN API unavailable (test)', failures: 1 });

    // The edge holds the first version; an invalidation that does not happen leaves it stale.
    state.failInvalidate = false;
    await publishGuestPage(deps, a.tenant.id, id);
    await updateBooking(t.deps, a.ctx, id, { partySize: 3 }, '*');
    state.skipInvalidate = true;
    await expect(publishGuestPage(deps, a.tenant.id, id)).rejects.toThrow(/^verify: \/g\/\w+ on alpha.localhost serves other content/);
    const stale = await getGuestPageStatus(t.deps, a.ctx, id);
    expect(stale?.error).toMatch(/^verify:/);
    expect(stale?.publishedAt).not.toBeNull();

    state.skipInvalidate = false;
    await publishGuestPage(deps, a.tenant.id, id);
    expect(await getGuestPageStatus(t.deps, a.ctx, id)).toMatchObject({ error: null, failures: 0 });
    expect(Buffer.from((await s.edge.fetch({ domain: 'alpha.localhost' }, `/g/${id}`)).body).toString()).toContain('3 guests');
  });

  it('is idempotent: publishing an unchanged page again stores and invalidates nothing', async () => {
    const s = sitesWith();
    const { cdn, calls } = recordingCdn(s.edge);
    const deps: PublishingDeps = { ...s.deps, sites: { store: s.store, cdn } };
    const id = await newBooking();
    expect((await publishGuestPage(deps, a.tenant.id, id)).result).toBe('published');
    const invalidations = calls.length;
    // A first publish on the site also writes its not-found page.
    expect(calls.at(-1)?.paths).toEqual(['/404.html', `/g/${id.toLowerCase()}.html`, `/g/${id.toLowerCase()}.ics`]);
    expect((await publishGuestPage(deps, a.tenant.id, id)).result).toBe('unchanged');
    expect(calls.length).toBe(invalidations);
  });
});

describe('invalidating a changed page', () => {
  it("invalidates only the objects' paths, and every viewer path of the page then serves the change", async () => {
    const s = sitesWith();
    const { cdn, calls } = recordingCdn(s.edge);
    const deps: PublishingDeps = { ...s.deps, sites: { store: s.store, cdn } };
    const id = await newBooking({ partySize: 2 });
    const lower = id.toLowerCase();
    const viewerPaths = [`/g/${id}`, `/g/${lower}`, `/g/${id}/`, `/g/${lower}/`];
    expect((await publishGuestPage(deps, a.tenant.id, id)).result).toBe('published');
    // Guests reach the page by every viewer path, so the edge holds what it served for each of them.
    for (const path of viewerPaths) {
      expect(Buffer.from((await s.edge.fetch({ domain: 'alpha.localhost' }, path)).body).toString()).toContain('2 guests');
    }

    await updateBooking(t.deps, a.ctx, id, { partySize: 7 }, '*');
    const before = calls.length;
    expect((await publishGuestPage(deps, a.tenant.id, id)).result).toBe('published');
    expect(calls.slice(before).map((c) => c.paths)).toEqual([[`/g/${lower}.html`, `/g/${lower}.ics`]]);
    for (const path of viewerPaths) {
      const answer = await s.edge.fetch({ domain: 'alpha.localhost' }, path);
      expect(answer.status).toBe(200);
      const html = Buffer.from(answer.body).toString();
      expect(html).toContain('7 guests');
      expect(html).not.toContain('2 guests');
    }
  });
});

describe('bulk republish', () => {
  it('publishes every page once, then finds them unchanged, then republishes all after a branding change with one invalidation', async () => {
    const b = await makeTenant(t.deps, 'bulk');
    const s = sitesWith();
    const { cdn, calls } = recordingCdn(s.edge);
    const deps: PublishingDeps = { ...s.deps, sites: { store: s.store, cdn } };
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await createBooking(t.deps, b.ctx, bookingInput() as never)).booking.id);
    const hold = (await createBooking(t.deps, b.ctx, bookingInput({ status: 'hold' }) as never)).booking.id;

    const progress: number[] = [];
    const first = await republishGuestPages(deps, b.ctx, { all: true }, { concurrency: 3, onProgress: (done) => progress.push(done) });
    expect(first.published.sort()).toEqual([...ids].sort());
    expect(first.failed).toEqual([]);
    expect(first.published).not.toContain(hold);
    expect(progress.at(-1)).toBe(6);
    expect(calls).toHaveLength(1);

    const second = await republishGuestPages(deps, b.ctx, { all: true });
    expect(second.unchanged.sort()).toEqual([...ids].sort());
    expect(second.published).toEqual([]);
    expect(calls).toHaveLength(1);

    await t.deps.db
      .updateTable('tenants')
      .set({ settings: JSON.stringify({ accentColor: '#7a1f5c', whatToBring: ['A hat'] }) })
      .where('id', '=', b.tenant.id)
      .execute();
    const third = await republishGuestPages(deps, b.ctx, { all: true });
    expect(third.published.sort()).toEqual([...ids].sort());
    expect(calls).toHaveLength(2);
    expect(calls[1]?.paths).toContain('/404.html');
    for (const id of ids) expect(calls[1]?.paths).toContain(`/g/${id.toLowerCase()}.html`);
    const html = Buffer.from((await s.edge.fetch({ domain: 'bulk.localhost' }, `/g/${ids[0]}`)).body).toString();
    expect(html).toContain('A hat');
  });

  it('reports the pages that failed, records their error, and publishes the others', async () => {
    const c = await makeTenant(t.deps, 'partial');
    const broken = (await createBooking(t.deps, c.ctx, bookingInput() as never)).booking.id;
    const fine = (await createBooking(t.deps, c.ctx, bookingInput() as never)).booking.id;
    const state = { failing: true, failKey: `g/${broken.toLowerCase()}.html` };
    const s = sitesWith({ wrapStore: (store) => failingStore(store, state) });
    const summary = await republishGuestPages(s.deps, c.ctx, { all: true });
    expect(summary.published).toEqual([fine]);
    expect(summary.failed).toEqual([{ bookingId: broken, error: 'store: object store unavailable (test)' }]);
    expect((await getGuestPageStatus(t.deps, c.ctx, broken))?.error).toBe('store: object store unavailable (test)');
  });

  it('republishes one booking by id and refuses a hold', async () => {
    const s = sitesWith();
    const id = await newBooking();
    expect((await republishGuestPages(s.deps, a.ctx, { bookingId: id.toLowerCase() })).published).toEqual([id]);
    const hold = await newBooking({ status: 'hold' });
    await expect(republishGuestPages(s.deps, a.ctx, { bookingId: hold })).rejects.toThrow(/invalid fields/i);
    await expect(republishGuestPages(s.deps, a.ctx, { bookingId: 'NOSUCH99' })).rejects.toThrow(/not found/);
  });
});

describe('bulk republish in the render pool', () => {
  /** Enough pages that a republish renders them in the pool's workers, not inline. */
  const MANY = 60;

  /** Each page file's identity on disk: a write (a new file renamed into place) changes it. */
  function fileIdentities(s: TestSites, domain: string, ids: readonly string[]) {
    const of = (key: string) => {
      const st = statSync(join(s.root, siteBucket(domain), ...key.split('/')));
      return `${st.ino}:${st.mtimeMs}`;
    };
    return new Map(ids.map((id) => [id, [of(guestPageKey(id)), of(guestCalendarKey(id))].join(' ')]));
  }

  it('renders many pages in worker threads as one page renders inline, and shows no money or internal notes', async () => {
    const p = await makeTenant(t.deps, 'pooled');
    const s = sitesWith();
    const ids: string[] = [];
    for (let i = 0; i < MANY; i++) ids.push((await createBooking(t.deps, p.ctx, bookingInput() as never)).booking.id);
    await closeRenderPool();
    // Until a worker has loaded, pages render inline; here the workers are ready first.
    await warmRenderPool();
    expect(renderPoolSize()).toBeGreaterThan(0);
    expect(renderPoolStatus()).toEqual({ workers: renderPoolSize(), rendered: 0 });

    const first = await republishGuestPages(s.deps, p.ctx, { all: true });
    expect(first.published.sort()).toEqual([...ids].sort());
    expect(first.failed).toEqual([]);
    // The workers rendered them (the main thread its share, one chunk in every workers + 1), and stay
    // (idle) for the next bulk publish.
    expect(renderPoolStatus().workers).toBe(renderPoolSize());
    expect(renderPoolStatus().rendered).toBeGreaterThan(0);

    // The one-page publish renders inline and finds the same bytes: nothing to store.
    for (const id of [ids[0], ids[MANY - 1]] as string[]) {
      expect((await publishGuestPage(s.deps, p.tenant.id, id)).result).toBe('unchanged');
    }
    const html = Buffer.from((await s.edge.fetch({ domain: 'pooled.localhost' }, `/g/${ids[7]}`)).body).toString();
    expect(html).toContain('Avery');
    expect(html).toContain('Bring sunscreen');
    for (const secret of ['840.75', 'Revenue', 'spare fenders', 'avery@example.com', '555 0100']) expect(html).not.toContain(secret);

    await closeRenderPool();
    expect(renderPoolStatus().workers).toBe(0);
  });

  it('writes nothing for unchanged pages, and only the changed page when one booking changes', async () => {
    const u = await makeTenant(t.deps, 'untouched');
    const s = sitesWith();
    const ids: string[] = [];
    for (let i = 0; i < MANY; i++) ids.push((await createBooking(t.deps, u.ctx, bookingInput() as never)).booking.id);
    // A running pool is used however busy the machine is.
    await warmRenderPool();
    const rendered = renderPoolStatus().rendered;
    expect((await republishGuestPages(s.deps, u.ctx, { all: true })).published).toHaveLength(MANY);
    expect(renderPoolStatus().rendered).toBeGreaterThan(rendered);
    const before = fileIdentities(s, 'untouched.localhost', ids);

    const again = await republishGuestPages(s.deps, u.ctx, { all: true });
    expect(again.unchanged).toHaveLength(MANY);
    expect(fileIdentities(s, 'untouched.localhost', ids)).toEqual(before);

    const changed = ids[11] as string;
    await updateBooking(t.deps, u.ctx, changed, { partySize: 3 }, '*');
    const third = await republishGuestPages(s.deps, u.ctx, { all: true });
    expect(third.published).toEqual([changed]);
    expect(third.unchanged).toHaveLength(MANY - 1);
    const after = fileIdentities(s, 'untouched.localhost', ids);
    for (const id of ids) {
      if (id === changed) expect(after.get(id)).not.toBe(before.get(id));
      else expect(after.get(id)).toBe(before.get(id));
    }
  });

  it("publishes the rest of a batch when one of its pages fails, and records that page's error", async () => {
    const f = await makeTenant(t.deps, 'onefails');
    const ids: string[] = [];
    for (let i = 0; i < MANY; i++) ids.push((await createBooking(t.deps, f.ctx, bookingInput() as never)).booking.id);
    const broken = ids[23] as string;
    const s = sitesWith({ wrapStore: (store) => failingStore(store, { failing: true, failKey: `g/${broken.toLowerCase()}.ics` }) });
    await warmRenderPool();
    const progress: number[] = [];
    const summary = await republishGuestPages(s.deps, f.ctx, { all: true }, { onProgress: (done) => progress.push(done) });
    expect(summary.failed).toEqual([{ bookingId: broken, error: 'store: object store unavailable (test)' }]);
    expect(summary.published.sort()).toEqual(ids.filter((id) => id !== broken).sort());
    expect(progress.at(-1)).toBe(MANY);
    expect((await getGuestPageStatus(t.deps, f.ctx, broken))?.error).toBe('store: object store unavailable (test)');
    expect((await s.edge.fetch({ domain: 'onefails.localhost' }, `/g/${broken}`)).status).toBe(404);
  });
});
