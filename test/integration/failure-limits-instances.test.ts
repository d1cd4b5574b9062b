/**
 * Two instances of the app, each with its own connections to one PostgreSQL database, count failures
 * as one installation (ADR 0024): what fails through one is refused through the other, as behind a
 * load balancer or on Lambda, where consecutive requests of one client meet different processes.
 * Sign-in sessions and form tokens carry over too: sessions live in the database, form tokens are
 * signed with the installation's secret. PostgreSQL server only (PGlite has one owner).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../src/adapters/fs-object-store';
import { GUEST_NOT_FOUND_LIMIT, LocalEdge } from '../../src/adapters/local-edge';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import { PgFailureLimits } from '../../src/adapters/pg-failure-limits';
import { loadConfig } from '../../src/config/env';
import { type DbHandle, openPostgres } from '../../src/db/client';
import { API_KEY_FAILURES } from '../../src/http/middleware/failure-limits';
import { compose } from '../../src/main/compose';
import { generateEdgeFunction } from '../../src/publish/edge-function';
import { guestPageKey, NOT_FOUND_KEY, PAGE_CONTENT_TYPE, SITE_CACHE_CONTROL } from '../../src/publish/site-layout';
import { issueMagicLink } from '../../src/services/crew-access';
import { issueStaffLink } from '../../src/services/staff-access';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';
import { ORIGIN } from '../support/ops-pages';
import { addStaff } from '../support/staff-session';

let t: TestDb;
let second: { handle: DbHandle; jobs: PgBossJobQueue };
let one: TestApp;
let two: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let root: string;

beforeAll(async () => {
  t = await createTestDb();
  const handle = await openPostgres(t.url as string, { max: 4 });
  second = { handle, jobs: await PgBossJobQueue.start(handle) };
  // Each instance has its own connections and its own adapter, as two processes would.
  one = makeApp(t, { failureLimits: new PgFailureLimits(t.handle.db) });
  two = makeApp(
    { ...t, handle, jobs: second.jobs, deps: { ...t.deps, db: handle.db, jobs: second.jobs } },
    { failureLimits: new PgFailureLimits(handle.db) },
  );
  a = await makeTenant(t.deps, 'alpha');
  root = mkdtempSync(join(tmpdir(), 'bosun-limits-'));
});
afterAll(async () => {
  await second.jobs.stop();
  await second.handle.close();
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

const api = (app: TestApp, client: string, key: string) =>
  app.request('/api/v1/bookings', { headers: { 'x-service-key': key, 'x-test-client': client } });

/** Posts a form as a browser does: url-encoded, with its Origin, from `client`. */
const post = (app: TestApp, path: string, client: string, fields: Record<string, string> = {}, cookie?: string) =>
  app.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: ORIGIN,
      'x-test-client': client,
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });

const unknownKey = (i: number) => `bsk_${'x'.repeat(8)}${String(i).padStart(4, '0')}${'y'.repeat(40)}`;

describe('two instances over one PostgreSQL database', () => {
  it('count failing API keys together: an address that failed through one gets 429 through the other, a valid key still works', async () => {
    const client = '198.51.100.20';
    for (let i = 0; i < 20; i++) expect((await api(i % 2 ? two : one, client, unknownKey(i))).status).toBe(401);
    const refused = await api(two, client, unknownKey(99));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api(one, client, unknownKey(100))).status).toBe(429);
    // Only failing keys are refused (ADR 0015): the office's key on the same address works through both.
    expect((await api(two, client, a.serviceKey)).status).toBe(200);
    expect((await api(one, client, a.serviceKey)).status).toBe(200);
    // Another address is not limited.
    expect((await api(two, '198.51.100.21', unknownKey(101))).status).toBe(401);
  });

  it('count failing crew sign-in links together, and a valid link still signs in through the other', async () => {
    const client = '198.51.100.30';
    for (let i = 0; i < 10; i++) expect((await post(i < 5 ? one : two, `/crew/login/${'y'.repeat(43)}`, client)).status).toBe(400);
    const refused = await post(two, `/crew/login/${'z'.repeat(43)}`, client);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const link = await t.deps.db
      .transaction()
      .execute((tx) => issueMagicLink(tx, a.tenant.id, { crewMemberId: a.captain.id, purpose: 'login', now: t.deps.clock.now() }));
    const signedIn = await post(one, `/crew/login/${link.token}`, client);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('set-cookie')).toContain('bosun_crew=');
  });

  it('count requests for a staff sign-in link together, per e-mail address and per address', async () => {
    const client = '198.51.100.40';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await post(i % 2 ? two : one, '/app/login', client, { email: 'nobody@example.com' })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await post(one, '/app/login', client, { email: 'somebody@example.com' })).status).toBe(200);
  });

  it('share a staff session and its form token: signed in through one, a form of one is accepted by the other', async () => {
    const user = await addStaff(t.deps, a.tenant.id);
    const link = await t.deps.db
      .transaction()
      .execute((tx) => issueStaffLink(tx, a.tenant.id, { staffUserId: user.id, now: t.deps.clock.now() }));
    const signIn = await post(one, `/app/login/${link.token}`, '198.51.100.50');
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^bosun_staff=/);

    const page = await two.request('/app/today', { headers: { cookie } });
    expect(page.status).toBe(200);
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    expect(token).not.toBe('');
    // A missing or forged token is refused by both, and the session stays.
    for (const app of [one, two]) {
      for (const forged of [{}, { _csrf: '' }, { _csrf: `${token.slice(0, -2)}AA` }, { _csrf: 'x'.repeat(token.length) }]) {
        expect((await post(app, '/app/logout', '198.51.100.50', forged, cookie)).status).toBe(403);
      }
    }
    expect((await one.request('/app/today', { headers: { cookie } })).status).toBe(200);
    // The token of a page of the second is accepted by the first.
    const out = await post(one, '/app/logout', '198.51.100.50', { _csrf: token }, cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/app/login');
    expect((await two.request('/app/today', { headers: { cookie } })).status).toBe(303);
  });

  it('count a guest site’s 404s together: a run through one refuses the next 404 through the other, and then its pages', async () => {
    const store = new FsObjectStore(root);
    const put = (key: string, body: string) =>
      store.put({ bucket: 'alpha.localhost', key, body, contentType: PAGE_CONTENT_TYPE, cacheControl: SITE_CACHE_CONTROL });
    await put(guestPageKey('ABC1234'), '<!doctype html><p>alpha page</p>');
    await put(NOT_FOUND_KEY, '<!doctype html><h1>alpha not found</h1>');
    const site = {
      domain: 'alpha.localhost',
      bucket: 'alpha.localhost',
      edgeFunction: generateEdgeFunction({ domain: 'alpha.localhost', tenantSlug: 'alpha' }),
      notFoundKey: NOT_FOUND_KEY,
    };
    const limit = { ...GUEST_NOT_FOUND_LIMIT, limit: 4 };
    const edgeOver = (handle: DbHandle) =>
      new LocalEdge({
        store,
        findSite: async (host) => (host === site.domain ? site : null),
        lookupKey: async () => null,
        notFound: { limits: new PgFailureLimits(handle.db), limit },
      });
    const first = edgeOver(t.handle);
    const other = edgeOver(second.handle);
    const get = async (edge: LocalEdge, path: string, client: string) =>
      (await edge.serve(new Request(`http://alpha.localhost${path}`, { headers: { host: 'alpha.localhost' } }), client))?.status;

    const client = '198.51.100.60';
    expect(await get(other, '/g/ABC1234', client)).toBe(200);
    for (let i = 0; i < 4; i++) expect(await get(first, `/g/NOPE00${i}`, client)).toBe(404);
    expect(await get(first, '/g/ABC1234', client)).toBe(429);
    // The other process learns of the run at the address's next 404 there, and from then refuses its pages too.
    expect(await get(other, '/g/NOPE009', client)).toBe(429);
    expect(await get(other, '/g/ABC1234', client)).toBe(429);
    expect(await get(other, '/g/ABC1234', '198.51.100.61')).toBe(200);
  });

  it('are what the runtime builds on a PostgreSQL server: two processes composed over DATABASE_URL count together', async () => {
    const config = loadConfig({ DATABASE_URL: t.url, BOSUN_DATA_DIR: root, BOSUN_SECRET: 'x'.repeat(40) });
    const first = await compose(config, { role: 'command', log: pino({ level: 'silent' }) });
    const other = await compose(config, { role: 'command', log: pino({ level: 'silent' }) });
    try {
      const client = '198.51.100.70';
      for (let i = 0; i < API_KEY_FAILURES.limit; i++) expect(await first.runtime.failureLimits.fail(API_KEY_FAILURES, client)).toBe(0);
      expect(await other.runtime.failureLimits.fail(API_KEY_FAILURES, client)).toBeGreaterThan(0);
      const { rows } = await t.handle.executeSql('select count from failure_windows where limiter = $1 and address = $2', [
        API_KEY_FAILURES.name,
        client,
      ]);
      expect(rows).toEqual([{ count: API_KEY_FAILURES.limit + 1 }]);
    } finally {
      await first.close();
      await other.close();
    }
  });
});
