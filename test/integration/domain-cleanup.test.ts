/**
 * A guest domain a site leaves takes nothing with it (ADR 0007 addendum), on the local edge: moving
 * tenant A from d to e queues, in the move's transaction, a `site.cleanup` that a worker started
 * afterwards (a restart) runs; d then holds no object and answers none of A's pages or slugs; no
 * tenant is given d while its cleanup is pending; tenant B, given d afterwards, never sees A's pages;
 * a cleanup that fails is recorded, shown by `bosun site cdn`, and retried by the queue.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import { commands } from '../../src/cli/commands';
import { registerJobHandlers } from '../../src/jobs/register';
import { DOMAIN_CLEANUP_SWEEP_CRON, handleDomainCleanupSweep } from '../../src/jobs/sweep-domain-cleanups';
import type { Cdn } from '../../src/ports/cdn';
import type { ObjectStore } from '../../src/ports/object-store';
import { siteBucket } from '../../src/publish/site-layout';
import { listAudit } from '../../src/services/audit';
import { createBooking } from '../../src/services/bookings';
import { CLEANUP_IDLE_MS, cleanUpFormerDomain } from '../../src/services/domain-cleanup';
import { ConflictError } from '../../src/services/errors';
import { publishGuestPage } from '../../src/services/publishing';
import { changeGuestDomain, createTenant } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { openTestSites, type TestSites } from '../support/sites';

const OPERATOR = { kind: 'operator' as const, id: 'test' };

let t: TestDb;
let sites: TestSites;
/** Deletes fail while this is above 0, one failure per call (a store that is briefly unavailable). */
let failDeletes = 0;
/** Runs once, before the next put is stored (a change that commits while a publish is under way). */
let beforePut: (() => Promise<void>) | null = null;
const workers: PgBossJobQueue[] = [];

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t, {
    wrapStore: (store): ObjectStore => ({
      put: async (i) => {
        const run = beforePut;
        beforePut = null;
        await run?.();
        return store.put(i);
      },
      get: (b, k) => store.get(b, k),
      head: (b, k) => store.head(b, k),
      list: (b) => store.list(b),
      delete: async (b, k) => {
        if (failDeletes > 0) {
          failDeletes--;
          throw new Error('object store unavailable (test)');
        }
        await store.delete(b, k);
      },
    }),
  });
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await t.close();
  sites.close();
});

const visit = async (host: string, path: string) => {
  const res = await sites.edge.serve(new Request(`http://${host}${path}`));
  return { status: res?.status ?? 421, body: res ? await res.text() : '' };
};

async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  for (let i = 0; i < 1500; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never: ${what}`);
}

const pendingCleanups = (domain: string) =>
  t.handle.db.selectFrom('domain_cleanups').selectAll().where('domain', '=', domain).where('finished_at', 'is', null).execute();

const siteCdn = (tenant: string) => {
  const run = commands['site cdn'];
  if (!run) throw new Error('no site cdn command');
  return run({ deps: t.deps, sites: sites.deps.sites, config: { cdn: 'local' } } as never, { tenant });
};

/** A worker started after the change committed, as `bosun start` after a crash or restart. */
async function startWorker(): Promise<void> {
  const worker = await PgBossJobQueue.start(t.handle, { supervise: true, retryDelaySeconds: 1 });
  workers.push(worker);
  await registerJobHandlers(worker, {
    ...t.deps,
    jobs: worker,
    mail: { mailer: new FileMailer(sites.root), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
    sites: sites.deps.sites,
  });
}

describe('a guest domain a site leaves', () => {
  let a: Awaited<ReturnType<typeof makeTenant>>;
  let pageId: string;

  it('is emptied by a durable job after the move, and answers none of the old pages or slugs', async () => {
    a = await makeTenant(t.deps, 'anchor');
    pageId = (await createBooking(t.deps, a.ctx, bookingInput({ friendlySlug: 'anchor-sunset' }) as never)).booking.id;
    expect(await publishGuestPage(sites.deps, a.tenant.id, pageId)).toMatchObject({ result: 'published' });
    expect((await visit('anchor.localhost', `/g/${pageId}`)).body).toContain('Ahoy, Avery');
    expect((await visit('anchor.localhost', '/anchor-sunset')).status).toBe(301);

    // Nothing works jobs yet: the move and its cleanup are committed together, and wait in the queue.
    const moved = await changeGuestDomain(t.deps, a.ctx, { guestDomain: 'anchor-new.localhost' });
    expect(moved).toMatchObject({ previous: 'anchor.localhost', changed: true, cleaningUp: true });
    expect(await pendingCleanups('anchor.localhost')).toHaveLength(1);
    expect(await sites.store.list(siteBucket('anchor.localhost'))).not.toEqual([]);
    const shown = await siteCdn('anchor');
    expect(shown.text).toContain('Former domain anchor.localhost: its pages and slugs are being removed');
    expect(shown.exitCode).toBeUndefined();

    await startWorker();
    await eventually(async () => (await pendingCleanups('anchor.localhost')).length === 0, 'the cleanup finished');
    expect(await sites.store.list(siteBucket('anchor.localhost'))).toEqual([]);
    expect((await visit('anchor.localhost', `/g/${pageId}`)).status).not.toBe(200);
    expect((await visit('anchor.localhost', '/anchor-sunset')).status).not.toBe(301);
    const audit = await listAudit(t.deps, a.ctx, {});
    expect(audit.map((e) => e.action)).toContain('site.domain_cleaned');
    expect((await siteCdn('anchor')).text).not.toContain('Former domain');
    // The site itself is published at its new domain by the move's jobs.
    await eventually(async () => (await visit('anchor-new.localhost', `/g/${pageId}`)).status === 200, 'the page at the new domain');
  });

  it('tenant B given the freed domain never sees A’s pages or slugs', async () => {
    const b = await createTenant(t.deps, OPERATOR, { slug: 'buoy', name: 'Buoy', guestDomain: 'anchor.localhost', timezone: 'UTC' });
    expect(b.guestDomain).toBe('anchor.localhost');
    for (const path of [`/g/${pageId}`, `/g/${pageId.toLowerCase()}`, `/g/${pageId.toLowerCase()}.ics`, '/anchor-sunset']) {
      const res = await visit('anchor.localhost', path);
      expect([404, 429]).toContain(res.status);
      expect(res.body).not.toContain('Ahoy, Avery');
    }
  });

  it('no site is given a domain while its cleanup is pending, and a failed cleanup is shown and retried', async () => {
    const c = await makeTenant(t.deps, 'cleat');
    const id = (await createBooking(t.deps, c.ctx, bookingInput() as never)).booking.id;
    expect(await publishGuestPage(sites.deps, c.tenant.id, id)).toMatchObject({ result: 'published' });
    // The store refuses deletes for longer than the first attempts.
    failDeletes = 2;
    await changeGuestDomain(t.deps, c.ctx, { guestDomain: 'cleat-new.localhost' });

    // While it is pending, neither a new tenant nor another tenant's move may take the domain.
    const refusal = createTenant(t.deps, OPERATOR, { slug: 'dory', name: 'Dory', guestDomain: 'cleat.localhost', timezone: 'UTC' });
    await expect(refusal).rejects.toThrow(ConflictError);
    await expect(refusal).rejects.toThrow(
      'The domain cleat.localhost is not free yet: the pages of the site that had it are still being removed (cleanup pending).',
    );
    await expect(changeGuestDomain(t.deps, a.ctx, { guestDomain: 'cleat.localhost' })).rejects.toThrow(/cleat\.localhost is not free yet/);
    // Nor may the site itself go back to it.
    await expect(changeGuestDomain(t.deps, c.ctx, { guestDomain: 'cleat.localhost' })).rejects.toThrow(/cleanup pending/);

    const failed = await eventually(async () => {
      const [row] = await pendingCleanups('cleat.localhost');
      return row && row.failures > 0 ? row : null;
    }, 'a failed attempt recorded');
    expect(failed.last_error).toBe('object store unavailable (test)');
    const audit = await listAudit(t.deps, c.ctx, {});
    expect(audit.find((e) => e.action === 'site.domain_cleanup_failed')?.after).toMatchObject({
      domain: 'cleat.localhost',
      error: 'object store unavailable (test)',
    });

    // The queue retries with back-off until the store answers; then the domain is free.
    await eventually(async () => (await pendingCleanups('cleat.localhost')).length === 0, 'the retried cleanup finished');
    expect(failDeletes).toBe(0);
    expect(await sites.store.list(siteBucket('cleat.localhost'))).toEqual([]);
    const d = await createTenant(t.deps, OPERATOR, { slug: 'dory', name: 'Dory', guestDomain: 'cleat.localhost', timezone: 'UTC' });
    expect(d.guestDomain).toBe('cleat.localhost');
  }, 90_000);

  it('a failing cleanup is a PROBLEM line in bosun site cdn, and runs again to the end', async () => {
    const e = await makeTenant(t.deps, 'eddy');
    const id = (await createBooking(t.deps, e.ctx, bookingInput() as never)).booking.id;
    expect(await publishGuestPage(sites.deps, e.tenant.id, id)).toMatchObject({ result: 'published' });
    // From here on the tests run the cleanup themselves: no worker may take it first.
    for (const w of workers.splice(0)) await w.stop();
    await changeGuestDomain(t.deps, e.ctx, { guestDomain: 'eddy-new.localhost' });
    const [row] = await pendingCleanups('eddy.localhost');
    if (!row) throw new Error('no cleanup recorded');
    failDeletes = 1;
    await expect(cleanUpFormerDomain({ ...t.deps, sites: sites.deps.sites }, e.tenant.id, row.id)).rejects.toThrow(
      'cleanup of eddy.localhost: object store unavailable (test)',
    );
    const shown = await siteCdn('eddy');
    expect(shown.text).toContain('Former domain eddy.localhost: its pages and slugs are being removed (since');
    expect(shown.text).toContain('PROBLEM: 1 failed attempt(s), the last: object store unavailable (test)');
    expect(shown.exitCode).toBe(1);
    // Another tenant's cleanup is not this tenant's to run: nothing happens.
    expect(await cleanUpFormerDomain({ ...t.deps, sites: sites.deps.sites }, a.tenant.id, row.id)).toMatchObject({ done: false });
    expect(await pendingCleanups('eddy.localhost')).toHaveLength(1);
    expect(await cleanUpFormerDomain({ ...t.deps, sites: sites.deps.sites }, e.tenant.id, row.id)).toMatchObject({ done: true });
    expect(await sites.store.list(siteBucket('eddy.localhost'))).toEqual([]);
    expect((await siteCdn('eddy')).exitCode).toBeUndefined();
  });

  it('a publish that read the site before it moved takes back what it wrote under the old domain', async () => {
    const f = await makeTenant(t.deps, 'fathom');
    const first = (await createBooking(t.deps, f.ctx, bookingInput() as never)).booking.id;
    expect(await publishGuestPage(sites.deps, f.tenant.id, first)).toMatchObject({ result: 'published' });
    const id = (await createBooking(t.deps, f.ctx, bookingInput({ friendlySlug: 'fathom-late' }) as never)).booking.id;
    // The move commits, and its cleanup runs to the end, after this publish read the site and before it stores the page.
    beforePut = async () => {
      await changeGuestDomain(t.deps, f.ctx, { guestDomain: 'fathom-new.localhost' });
      const [row] = await pendingCleanups('fathom.localhost');
      if (!row) throw new Error('no cleanup recorded');
      expect(await cleanUpFormerDomain({ ...t.deps, sites: sites.deps.sites }, f.tenant.id, row.id)).toMatchObject({ done: true });
    };
    const outcome = await publishGuestPage(sites.deps, f.tenant.id, id).catch((err: Error) => ({ result: 'failed', error: err.message }));
    expect(outcome).toMatchObject({ result: 'failed' });
    expect(JSON.stringify(outcome)).toContain('the site moved from fathom.localhost to fathom-new.localhost while publishing');
    expect(await sites.store.list(siteBucket('fathom.localhost'))).toEqual([]);
    expect((await visit('fathom.localhost', `/g/${id}`)).status).not.toBe(200);
  });

  it("a stale publish takes back only its own writes, not the next owner's 404 page", async () => {
    const p = await makeTenant(t.deps, 'painter');
    const id = (await createBooking(t.deps, p.ctx, bookingInput() as never)).booking.id;
    let ownerPage = '';
    // The publish stores its 404 page; before its guest page, the site moves, the old domain is emptied,
    // and another operator takes it and publishes (its own 404 page).
    beforePut = async () => {
      beforePut = async () => {
        await changeGuestDomain(t.deps, p.ctx, { guestDomain: 'painter-new.localhost' });
        const [row] = await pendingCleanups('painter.localhost');
        if (!row) throw new Error('no cleanup recorded');
        expect(await cleanUpFormerDomain({ ...t.deps, sites: sites.deps.sites }, p.tenant.id, row.id)).toMatchObject({ done: true });
        const q = await makeTenant(t.deps, 'quay');
        await changeGuestDomain(t.deps, q.ctx, { guestDomain: 'painter.localhost' });
        const qid = (await createBooking(t.deps, q.ctx, bookingInput() as never)).booking.id;
        expect(await publishGuestPage(sites.deps, q.tenant.id, qid)).toMatchObject({ result: 'published' });
        ownerPage = (await sites.store.get(siteBucket('painter.localhost'), '404.html'))?.body.toString() ?? '';
        expect(ownerPage).toContain('quay Charters');
      };
    };
    const outcome = await publishGuestPage(sites.deps, p.tenant.id, id).catch((err: Error) => ({ result: 'failed', error: err.message }));
    expect(JSON.stringify(outcome)).toContain('the site moved from painter.localhost to painter-new.localhost while publishing');
    expect(await sites.store.list(siteBucket('painter.localhost'))).not.toContain(`g/${id}.html`);
    // The next owner's 404 page is still stored, as it wrote it.
    expect((await sites.store.get(siteBucket('painter.localhost'), '404.html'))?.body.toString()).toBe(ownerPage);
  });

  it('a cleanup whose job spent its retries is queued again by the sweep, once, and frees the domain', async () => {
    const k = await makeTenant(t.deps, 'kedge');
    const id = (await createBooking(t.deps, k.ctx, bookingInput() as never)).booking.id;
    expect(await publishGuestPage(sites.deps, k.tenant.id, id)).toMatchObject({ result: 'published' });
    await changeGuestDomain(t.deps, k.ctx, { guestDomain: 'kedge-new.localhost' });
    const [row] = await pendingCleanups('kedge.localhost');
    if (!row) throw new Error('no cleanup recorded');
    const jobsOf = () =>
      sql<{ state: string }>`select state from pgboss.job where name = 'site.cleanup' and data->>'cleanupId' = ${row.id}`
        .execute(t.handle.db)
        .then((r) => r.rows.map((j) => j.state).sort());
    // Its attempts failed until the retries were spent (pg-boss archives such a job after 12 hours).
    failDeletes = 1;
    await expect(cleanUpFormerDomain({ ...t.deps, sites: sites.deps.sites }, k.tenant.id, row.id)).rejects.toThrow(
      /object store unavailable/,
    );
    await sql`update pgboss.job set state = 'failed' where name = 'site.cleanup' and data->>'cleanupId' = ${row.id}`.execute(t.handle.db);
    const sweep = () => handleDomainCleanupSweep(t.deps, { reason: 'schedule' });
    // A cleanup attempted a moment ago is left to its own retries.
    await sweep();
    expect(await jobsOf()).toEqual(['failed']);
    // Idle for longer than the retries take, it is queued again: by two sweeps, once.
    t.clock.set(new Date(t.clock.now().getTime() + CLEANUP_IDLE_MS));
    await sweep();
    await sweep();
    expect(await jobsOf()).toEqual(['created', 'failed']);
    await startWorker();
    await eventually(async () => (await pendingCleanups('kedge.localhost')).length === 0, 'the swept cleanup finished');
    for (const w of workers.splice(0)) await w.stop();
    expect(await sites.store.list(siteBucket('kedge.localhost'))).toEqual([]);
    const free = await createTenant(t.deps, OPERATOR, {
      slug: 'kedge2',
      name: 'Kedge Two',
      guestDomain: 'kedge.localhost',
      timezone: 'UTC',
    });
    expect(free.guestDomain).toBe('kedge.localhost');
    // The sweep is scheduled wherever cleanups are worked.
    const schedules = await sql<{ name: string; cron: string }>`select name, cron from pgboss.schedule`.execute(t.handle.db);
    expect(schedules.rows).toContainEqual({ name: 'site.cleanup-sweep', cron: DOMAIN_CLEANUP_SWEEP_CRON });
  }, 90_000);

  it('an invalidation that failed after the deletes is made by the retry, so the next owner never serves the old page', async () => {
    const h = await makeTenant(t.deps, 'hawser');
    const id = (await createBooking(t.deps, h.ctx, bookingInput() as never)).booking.id;
    expect(await publishGuestPage(sites.deps, h.tenant.id, id)).toMatchObject({ result: 'published' });
    // The edge has the page cached (for a year behind CloudFront).
    expect((await visit('hawser.localhost', `/g/${id}`)).body).toContain(id);
    await changeGuestDomain(t.deps, h.ctx, { guestDomain: 'hawser-new.localhost' });
    const [row] = await pendingCleanups('hawser.localhost');
    if (!row) throw new Error('no cleanup recorded');
    // The CDN refuses the first invalidation (throttled), after every object was deleted.
    let refusals = 1;
    const cdn: Cdn = {
      invalidate: async (site, paths, ref) => {
        if (refusals-- > 0) throw new Error('Rate exceeded (test)');
        await sites.edge.invalidate(site, paths, ref);
      },
      fetch: (site, path) => sites.edge.fetch(site, path),
      provisionSite: () => sites.edge.provisionSite(),
      releaseDomain: () => sites.edge.releaseDomain(),
    };
    const deps = { ...t.deps, sites: { ...sites.deps.sites, cdn } };
    await expect(cleanUpFormerDomain(deps, h.tenant.id, row.id)).rejects.toThrow('cleanup of hawser.localhost: Rate exceeded (test)');
    expect(await sites.store.list(siteBucket('hawser.localhost'))).toEqual([]);
    expect(await pendingCleanups('hawser.localhost')).toHaveLength(1);
    expect(await cleanUpFormerDomain(deps, h.tenant.id, row.id)).toMatchObject({ done: true });
    // Another operator given the domain serves none of the former site's pages.
    await createTenant(t.deps, OPERATOR, { slug: 'ketch', name: 'Ketch', guestDomain: 'hawser.localhost', timezone: 'UTC' });
    const seen = await visit('hawser.localhost', `/g/${id}`);
    expect(seen.status).toBe(404);
    expect(seen.body).not.toContain(id);
  });
});
