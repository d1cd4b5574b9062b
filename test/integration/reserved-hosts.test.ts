/**
 * A guest site's host is its own. With two tenants: a guest domain that is the installation's own
 * host, localhost, an IP address in any form, or the other tenant's domain is refused — by `bosun
 * tenant create` and `bosun site domain` alike, naming the argument — and nothing is stored; through
 * the real HTTP server both tenants' sign-in links still answer afterwards (and would even if an
 * older installation had given a tenant the host). `bosun site domain` moves a site: audited, its
 * pages published at the new host. Doctor names a reserved host and two sites answering one host.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandRuntime, commands } from '../../src/cli/commands';
import { loadConfig } from '../../src/config/env';
import { listenHttp } from '../../src/main/http-server';
import { openSitePorts } from '../../src/main/runtime';
import { listAudit } from '../../src/services/audit';
import type { ServiceDeps } from '../../src/services/context';
import { issueMagicLink } from '../../src/services/crew-access';
import { checkInstallation } from '../../src/services/doctor';
import { ServiceError } from '../../src/services/errors';
import { call, makeApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { workJobs } from '../support/jobs';
import { freePort, waitFor } from '../support/processes';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let sites: TestSites;
let harbor: Awaited<ReturnType<typeof makeTenant>>;
let marina: Awaited<ReturnType<typeof makeTenant>>;
let rt: CommandRuntime;

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t);
  harbor = await makeTenant(t.deps, 'harbor');
  marina = await makeTenant(t.deps, 'marina');
  rt = { deps: t.deps, sites: sites.deps.sites };
});
afterAll(async () => {
  sites?.close();
  await t?.close();
});

/** Runs a `bosun` command as the CLI does (in-process); resolves with its error when it fails. */
async function refusal(name: string, args: Record<string, unknown>, runtime: CommandRuntime = rt): Promise<ServiceError> {
  const run = commands[name];
  if (!run) throw new Error(`no command ${name}`);
  try {
    await run(runtime, args);
  } catch (err) {
    if (err instanceof ServiceError) return err;
    throw err;
  }
  throw new Error(`bosun ${name} ${JSON.stringify(args)} was not refused`);
}

async function counts() {
  const { rows } = await t.handle.executeSql(
    `select (select count(*)::int from tenants) as tenants, (select count(*)::int from sites) as sites,
            (select count(*)::int from audit_log) as audit, (select array_agg(domain order by domain) from sites) as domains`,
  );
  return rows[0];
}

/** Runs `use` against Node's HTTP server with the server's own wiring: the local edge first, then the app. */
async function withServer(deps: ServiceDeps, use: (port: number) => Promise<void>) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'bosun-hosts-'));
  const config = loadConfig({ BOSUN_DATA_DIR: dataDir, PORT: String(port), BOSUN_DEMO: '0' });
  const { edge } = openSitePorts(config, () => deps);
  const app = makeApp(t, { ...(edge ? { edge } : {}), publicUrl: config.publicUrl });
  const server = await listenHttp({ fetch: app.fetch, edge, port });
  try {
    await use(port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Opens a crew sign-in link at http://localhost:{port} as a browser does, then presses its button. */
async function openLink(port: number, token: string) {
  const page = await fetch(`http://localhost:${port}/crew/login/${token}`);
  const signIn = await fetch(`http://localhost:${port}/crew/login/${token}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: `http://localhost:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
  });
  return { page: page.status, html: await page.text(), signIn: signIn.status, cookie: signIn.headers.get('set-cookie') ?? '' };
}

const RESERVED = ['localhost', 'LocalHost', '127.0.0.1', '127.1', '0x7f.1', '2130706433', '10.0.0.1', '[::1]', '::1', '2001:db8::1'];

describe('reserved host names', () => {
  it('refuses a reserved guest domain at creation and on a move, naming the argument, and stores nothing', async () => {
    const before = await counts();
    for (const host of RESERVED) {
      const created = await refusal('tenant create', { slug: 'evil', name: 'Evil', guestDomain: host });
      expect(created.status, host).toBe(422);
      expect(created.errors?.map((e) => e.field)).toEqual(['--guest-domain']);
      const moved = await refusal('site domain', { tenant: 'marina', newHost: host });
      expect(moved.status, host).toBe(422);
      expect(moved.errors?.map((e) => e.field)).toEqual(['<new-host>']);
    }
    // The installation's own host, whatever it is.
    const own: CommandRuntime = { ...rt, deps: { ...t.deps, publicHost: 'bosun.example.com' } };
    const ownHost = await refusal('tenant create', { slug: 'evil', name: 'Evil', guestDomain: 'Bosun.Example.com' }, own);
    expect(ownHost.errors).toEqual([{ field: '--guest-domain', message: expect.stringContaining("this installation's own host") }]);
    expect((await refusal('site domain', { tenant: 'marina', newHost: 'bosun.example.com' }, own)).status).toBe(422);
    // Another tenant's domain.
    const taken = await refusal('tenant create', { slug: 'evil', name: 'Evil', guestDomain: 'harbor.localhost' });
    expect(taken.status).toBe(409);
    expect(taken.errors).toEqual([{ field: '--guest-domain', message: 'is taken' }]);
    const takenMove = await refusal('site domain', { tenant: 'marina', newHost: 'harbor.localhost' });
    expect(takenMove.status).toBe(409);
    expect(takenMove.errors).toEqual([{ field: '<new-host>', message: 'is taken' }]);
    expect(await counts()).toEqual(before);

    // Names under localhost and mDNS names stay allowed.
    const allowed = commands['tenant create'];
    await allowed?.(rt, { slug: 'lan', name: 'Lan', guestDomain: 'guests.localhost' });
    await commands['site domain']?.(rt, { tenant: 'lan', newHost: 'bosun.local' });
    expect((await counts())?.domains).toContain('bosun.local');
  });

  it('keeps sign-in links of both tenants answering through the HTTP server after refused attempts', async () => {
    const deps: ServiceDeps = { ...t.deps, publicHost: 'localhost' };
    for (const [slug, host] of [
      ['marina', 'localhost'],
      ['marina', '127.0.0.1'],
      ['harbor', 'LOCALHOST'],
    ] as const) {
      expect((await refusal('site domain', { tenant: slug, newHost: host }, { ...rt, deps })).status).toBe(422);
    }
    expect((await refusal('tenant create', { slug: 'evil', name: 'Evil', guestDomain: 'localhost' }, { ...rt, deps })).status).toBe(422);

    const linkFor = (tenant: typeof harbor) =>
      t.deps.db
        .transaction()
        .execute((tx) =>
          issueMagicLink(tx, tenant.tenant.id, { crewMemberId: tenant.captain.id, purpose: 'login', now: t.deps.clock.now() }),
        );
    await withServer(deps, async (port) => {
      for (const tenant of [harbor, marina]) {
        const res = await openLink(port, (await linkFor(tenant)).token);
        expect(res.page, tenant.tenant.slug).toBe(200);
        expect(res.html).toContain('<form');
        expect(res.signIn, tenant.tenant.slug).toBe(303);
        expect(res.cookie).toContain('bosun_crew=');
      }
    });

    // An older installation may have given a tenant the host already: a server started on it still
    // leaves the host to the app.
    await t.handle.executeSql(`update sites set domain = 'localhost' where tenant_id = $1`, [marina.tenant.id]);
    try {
      await withServer(deps, async (port) => {
        const res = await openLink(port, (await linkFor(harbor)).token);
        expect([res.page, res.signIn]).toEqual([200, 303]);
        expect((await fetch(`http://localhost:${port}/healthz`)).status).toBe(200);
      });
    } finally {
      await t.handle.executeSql(`update sites set domain = 'marina.localhost' where tenant_id = $1`, [marina.tenant.id]);
    }
  });

  it('moves a guest site to another host: audited, its pages published there, the old host no longer a site', async () => {
    const app = makeApp(t);
    const made = await call(app, 'POST', '/api/v1/bookings', harbor.serviceKey, bookingInput());
    expect(made.status).toBe(201);
    const id = made.json.id as string;
    const worker = await workJobs(t, sites);
    try {
      const page = (host: string) => sites.edge.serve(new Request(`http://${host}/g/${id}`));
      await waitFor('the page at harbor.localhost', async () => ((await page('harbor.localhost'))?.status === 200 ? true : undefined));

      const moved = await commands['site domain']?.(rt, { tenant: 'harbor', newHost: 'Guests.Harbor.localhost' });
      expect(moved?.json).toMatchObject({
        domain: 'guests.harbor.localhost',
        previous: 'harbor.localhost',
        changed: true,
        republishing: 1,
      });
      expect(moved?.text).toContain('bosun publish harbor --all');

      const served = await waitFor('the page at the new host', async () => {
        const res = await page('guests.harbor.localhost');
        return res?.status === 200 ? res.text() : undefined;
      });
      expect(served).toContain(id);
      expect(await page('harbor.localhost')).toBeNull();
      const status = await waitFor('the recorded URL', async () => {
        const res = await call(app, 'GET', `/api/v1/bookings/${id}`, harbor.serviceKey);
        return res.json.guestPage?.url?.startsWith('http://guests.harbor.localhost') ? res.json.guestPage : undefined;
      });
      expect(status.status).toBe('published');

      const audit = await listAudit(t.deps, harbor.ctx, {});
      expect(audit.find((e) => e.action === 'site.domain_changed')).toBeDefined();
      const again = await commands['site domain']?.(rt, { tenant: 'harbor', newHost: 'guests.harbor.localhost' });
      expect(again?.json).toMatchObject({ changed: false, republishing: 0 });
    } finally {
      await t.jobs.stopWorking('guest-page.publish');
      worker.close();
    }
  });

  it('doctor names a guest site on a reserved host and two sites answering one host', async () => {
    const doctor = () => checkInstallation({ ...t.deps, sites: sites.deps.sites }, { cdn: 'local' });
    expect(await doctor()).toContainEqual({ check: 'guest hosts', ok: true, detail: 'every guest site has a host of its own' });
    // As an older installation could have them: stored without the rules.
    await t.handle.executeSql(`update sites set domain = 'localhost' where tenant_id = $1`, [marina.tenant.id]);
    await t.handle.executeSql(`insert into sites (tenant_id, domain, role) values ($1, 'Bosun.local', 'ops')`, [harbor.tenant.id]);
    const checks = await doctor();
    expect(checks).toContainEqual({
      check: 'site localhost',
      ok: false,
      detail: expect.stringMatching(/own host \(BOSUN_PUBLIC_URL\).*; move it with bosun site domain marina <host>$/),
    });
    expect(checks).toContainEqual({ check: 'host bosun.local', ok: false, detail: expect.stringContaining('answered by 2 sites') });
  });
});
