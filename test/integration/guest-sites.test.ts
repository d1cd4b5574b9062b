/**
 * Guest sites end to end, through `app.request` with a Host header as a guest's browser sends it:
 * a booking written through the API is published by the real job queue (render → store →
 * invalidate → verify → record) and served by the local edge running the generated function.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GuestPageStatus, getGuestPageStatus } from '../../src/services/publishing';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { workJobs } from '../support/jobs';
import { eventually } from '../support/mailbox';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let sites: TestSites;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let worker: Awaited<ReturnType<typeof workJobs>>;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A guest's request: the guest site's host on the main port. */
const visit = (host: string, path: string, headers: Record<string, string> = {}) =>
  app.request(path, { headers: { host: `${host}:8080`, ...headers } });

/** Waits until the booking's page is published from a version at least `version`, with no error. */
async function published(tenant: typeof a, id: string, version = 1): Promise<GuestPageStatus> {
  return eventually(async () => {
    const status = await getGuestPageStatus(t.deps, tenant.ctx, id);
    const row = await t.deps.db
      .selectFrom('guest_pages')
      .select('booking_version')
      .where('tenant_id', '=', tenant.tenant.id)
      .where('booking_id', '=', id)
      .executeTakeFirst();
    return status?.verifiedAt && !status.error && (row?.booking_version ?? 0) >= version ? status : undefined;
  }, `the guest page of ${id} (version ${version})`);
}

async function create(tenant: typeof a, overrides: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/bookings', tenant.serviceKey, bookingInput(overrides));
  expect(res.status).toBe(201);
  return res.json.id as string;
}

async function patch(tenant: typeof a, id: string, body: Record<string, unknown>) {
  const res = await call(app, 'PATCH', `/api/v1/bookings/${id}`, tenant.serviceKey, body, { 'if-match': '*' });
  expect(res.status).toBe(200);
  return Number(/"v(\d+)"/.exec(res.headers.get('etag') ?? '')?.[1]);
}

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t);
  app = makeApp(t, { edge: sites.edge });
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  worker = await workJobs(t, sites);
});
afterAll(async () => {
  await t.close();
  sites.close();
  worker.close();
});

describe('guest sites', () => {
  it('publishes a confirmed booking: /g/{ID} on its guest host is 200, in any case, and matches the recorded hash', async () => {
    const id = await create(a);
    const status = await published(a, id);
    expect(status.url).toBe(`http://alpha.localhost:8080/g/${id}`);

    const res = await visit('alpha.localhost', `/g/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('Ahoy, Avery!');
    expect(html).toContain('alpha Charters');
    expect(sha256(html)).toBe(status.pageHash);
    expect((await visit('alpha.localhost', `/g/${id.toLowerCase()}`)).status).toBe(200);
    expect((await visit('alpha.localhost', `/g/${id}/`)).status).toBe(200);

    const ics = await visit('alpha.localhost', `/g/${id.toLowerCase()}.ics`);
    expect(ics.status).toBe(200);
    expect(ics.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(await ics.text()).toContain(`UID:${id}@alpha.localhost`);
  });

  it('never shows money, internal or crew notes, crew contacts or the guest contact on the live page', async () => {
    const id = await create(a);
    await published(a, id);
    const html = await (await visit('alpha.localhost', `/g/${id}`)).text();
    for (const secret of ['840.75', 'Revenue', 'spare fenders', 'captain@alpha.test', 'Casey', 'avery@example.com', '619 555 0100']) {
      expect(html, secret).not.toContain(secret);
    }
  });

  it('shows a change on the next request after it is published (no stale copy at the edge)', async () => {
    const id = await create(a);
    await published(a, id);
    expect(await (await visit('alpha.localhost', `/g/${id}`)).text()).toContain('6 guests');
    const version = await patch(a, id, { partySize: 9, notes: { guest: 'Meet at the blue gate.' } });
    await published(a, id, version);
    const html = await (await visit('alpha.localhost', `/g/${id}`)).text();
    expect(html).toContain('9 guests');
    expect(html).toContain('Meet at the blue gate.');
  });

  it('answers a revalidation with 304 until the page changes, then with the new page', async () => {
    const id = await create(a);
    await published(a, id);
    const first = await visit('alpha.localhost', `/g/${id}`);
    const etag = first.headers.get('etag') ?? '';
    expect((await visit('alpha.localhost', `/g/${id}`, { 'if-none-match': etag })).status).toBe(304);
    const version = await patch(a, id, { partySize: 2 });
    await published(a, id, version);
    const after = await visit('alpha.localhost', `/g/${id}`, { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('2 guests');
  });

  it('replaces the page with a cancellation notice at the same URL', async () => {
    const id = await create(a);
    await published(a, id);
    const cancel = await call(app, 'POST', `/api/v1/bookings/${id}/cancel`, a.serviceKey);
    expect(cancel.status).toBe(200);
    const version = Number(/"v(\d+)"/.exec(cancel.headers.get('etag') ?? '')?.[1]);
    await published(a, id, version);
    const res = await visit('alpha.localhost', `/g/${id}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('This charter has been cancelled');
  });

  it('redirects a friendly slug with 301 to /g/{ID}, and a former slug too after it changes', async () => {
    const id = await create(a, { friendlySlug: 'sunset-sail' });
    await published(a, id);
    const res = await visit('alpha.localhost', '/sunset-sail');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`/g/${id}`);

    const version = await patch(a, id, { friendlySlug: 'evening-sail' });
    await published(a, id, version);
    for (const slug of ['/evening-sail', '/sunset-sail']) {
      const moved = await visit('alpha.localhost', slug);
      expect(moved.status, slug).toBe(301);
      expect(moved.headers.get('location')).toBe(`/g/${id}`);
    }
  });

  it("answers an unknown id or path with 404 and the tenant's not-found page", async () => {
    await published(a, await create(a));
    for (const path of ['/g/NOSUCH1', '/no-such-slug', '/g/', '/g/abc/def', '/..%2f..%2fetc/passwd']) {
      const res = await visit('alpha.localhost', path);
      expect(res.status, path).toBe(404);
      const html = await res.text();
      expect(html, path).toContain('We could not find this page');
      expect(html, path).toContain('alpha Charters');
    }
  });

  it("never serves one tenant's page or slug on another tenant's host", async () => {
    const id = await create(a, { friendlySlug: 'alpha-only' });
    await published(a, id);
    await published(b, await create(b));
    for (const path of [`/g/${id}`, `/g/${id.toLowerCase()}.ics`, '/alpha-only']) {
      const res = await visit('beta.localhost', path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toContain('beta Charters');
    }
  });

  it('publishes no page for a hold, and one once it is confirmed', async () => {
    const id = await create(a, { status: 'hold' });
    expect((await visit('alpha.localhost', `/g/${id}`)).status).toBe(404);
    const version = await patch(a, id, { status: 'confirmed' });
    await published(a, id, version);
    expect((await visit('alpha.localhost', `/g/${id}`)).status).toBe(200);
  });

  it('keeps the API off guest hosts and guest pages off the API host', async () => {
    expect((await visit('alpha.localhost', '/api/v1/bookings')).status).toBe(404);
    expect((await visit('alpha.localhost', '/healthz')).status).toBe(404);
    expect((await app.request('/healthz', { headers: { host: 'localhost:8080' } })).status).toBe(200);
    const id = await create(a);
    await published(a, id);
    const onApiHost = await app.request(`/g/${id}`, { headers: { host: 'localhost:8080' } });
    expect(onApiHost.status).toBe(404);
    expect(onApiHost.headers.get('content-type')).toBe('application/problem+json');
  });
});
