/**
 * Platform mode against the local CloudFront API server: a new tenant's guest site becomes exactly
 * one distribution tenant of the one multi-tenant distribution (made by the `site.provision` job, with
 * its domain, `sitePrefix` parameter and a certificate CloudFront requests), a lost answer or a retry
 * never makes a second, a domain that is taken is a clear failure in `bosun site cdn` and doctor, a
 * moved site moves its tenant, and publishing invalidates exactly a page's paths for its tenant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFrontCdn } from '../../src/adapters/cloudfront-cdn';
import { CloudFrontKeyValueStore } from '../../src/adapters/cloudfront-key-value-store';
import { FileMailer } from '../../src/adapters/file-mailer';
import { JOB_NAMES } from '../../src/adapters/pg-boss-job-queue';
import { commands } from '../../src/cli/commands';
import { handleProvisionSite } from '../../src/jobs/provision-site';
import { registerJobHandlers } from '../../src/jobs/register';
import { guestPageInvalidationPaths } from '../../src/publish/site-layout';
import { listAudit } from '../../src/services/audit';
import { createBooking, updateBooking } from '../../src/services/bookings';
import type { ServiceDeps } from '../../src/services/context';
import { checkInstallation } from '../../src/services/doctor';
import { cleanUpFormerDomain } from '../../src/services/domain-cleanup';
import { type PublishingDeps, publishGuestPage } from '../../src/services/publishing';
import { provisionGuestSite } from '../../src/services/site-provisioning';
import { changeGuestDomain, createTenant } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { FakeCloudFront } from '../support/fake-cloudfront';
import { FakeKeyValueStore } from '../support/fake-cloudfront-kvs';
import { openTestSites, type TestSites } from '../support/sites';

const DISTRIBUTION = 'E1PLATFORM0001';
const CONNECTION_GROUP = 'cg_2wjDWTBKTlRB87cAaUQFaakTEST';
const OPERATOR = { kind: 'operator' as const, id: 'test' };
const PLATFORM = {
  cdn: 'cloudfront' as const,
  cloudFrontPlatform: {
    distributionId: DISTRIBUTION,
    keyValueStoreArn: 'arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-0123456789ab',
    connectionGroupId: CONNECTION_GROUP,
  },
};

let t: TestDb;
let sites: TestSites;
let cloudfront: FakeCloudFront;
const cdns: CloudFrontCdn[] = [];
let deps: ServiceDeps;
let publishing: PublishingDeps;
let mailDir: string;

/** The adapter as platform mode builds it, pointed at the local CloudFront API; guests are served by the local edge. */
function platformCdn(maxAttempts = 1) {
  const cdn = new CloudFrontCdn({
    clientConfig: { endpoint: cloudfront.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts },
    platform: { distributionId: DISTRIBUTION, connectionGroupId: CONNECTION_GROUP },
    batchWindowMs: 5,
    pollIntervalMs: 5,
    fetch: async (url) => {
      const res = await sites.edge.serve(new Request(String(url).replace(/^https:/, 'http:')));
      return res ?? new Response('no such site', { status: 421 });
    },
  });
  cdns.push(cdn);
  return cdn;
}

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t);
  cloudfront = await new FakeCloudFront().start();
  cloudfront.distributions.add(DISTRIBUTION);
  // What CloudFront drops at its edges, the local edge drops too.
  cloudfront.onInvalidation = (inv) => {
    const domain = inv.distributionTenant ? cloudfront.tenant(inv.distributionTenant)?.domains[0] : undefined;
    if (domain) void sites.edge.invalidate({ domain }, inv.paths, inv.callerReference);
  };
  deps = { ...t.deps, provisionSites: true };
  publishing = { ...deps, sites: { store: sites.store, cdn: platformCdn() } };
  mailDir = mkdtempSync(join(tmpdir(), 'bosun-tenants-mail-'));
});
afterAll(async () => {
  for (const cdn of cdns) cdn.destroy();
  await cloudfront.stop();
  await t.close();
  sites.close();
  rmSync(mailDir, { recursive: true, force: true });
});

const isTenantCreate = (r: { method: string; path: string }) => r.method === 'POST' && r.path === '/2020-05-31/distribution-tenant';

/** Resolves once `check` holds; the job worker runs on its own schedule. */
async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  for (let i = 0; i < 1500; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never: ${what}`);
}

const siteCdn = (tenantSlug: string, extra: Record<string, unknown> = {}) => {
  const run = commands['site cdn'];
  if (!run) throw new Error('no site cdn command');
  return run({ deps, sites: publishing.sites, config: PLATFORM }, { tenant: tenantSlug, ...extra });
};

describe('platform mode: a distribution tenant per guest site', () => {
  it('creating a tenant makes exactly one distribution tenant, with its domain, sitePrefix and a certificate CloudFront requests', async () => {
    await registerJobHandlers(t.jobs, {
      ...deps,
      mail: { mailer: new FileMailer(mailDir), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
      sites: publishing.sites,
    });
    const tenant = await createTenant(deps, OPERATOR, { slug: 'gamma', name: 'Gamma', guestDomain: 'gamma.example.com', timezone: 'UTC' });
    // The job records it on the site once CloudFront answered.
    const view = await eventually(async () => {
      const out = await siteCdn('gamma');
      return (out.json as { distributionTenant: { id: string } | null }).distributionTenant ? out : null;
    }, 'the site.provision job recorded the tenant');

    const creates = cloudfront.tenantCreates();
    expect(creates).toHaveLength(1);
    const body = creates[0]?.body ?? '';
    const siteId = (await t.handle.db.selectFrom('sites').select('id').where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow()).id;
    expect(body).toContain(`<DistributionId>${DISTRIBUTION}</DistributionId>`);
    expect(body).toContain(`<Name>bosun-site-${siteId}</Name>`);
    expect(body).toContain('<Domains><member><Domain>gamma.example.com</Domain></member></Domains>');
    expect(body).toContain('<Parameters><member><Name>sitePrefix</Name><Value>gamma.example.com</Value></member></Parameters>');
    expect(body).toContain(`<ConnectionGroupId>${CONNECTION_GROUP}</ConnectionGroupId>`);
    expect(body).toContain(
      '<ManagedCertificateRequest><ValidationTokenHost>cloudfront</ValidationTokenHost><PrimaryDomainName>gamma.example.com</PrimaryDomainName></ManagedCertificateRequest>',
    );
    expect(body).toContain('<Enabled>true</Enabled>');
    expect(creates[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/cloudfront\//);

    const made = cloudfront.distributionTenants;
    expect(made).toHaveLength(1);
    expect(view.text).toContain(`Distribution tenant: ${made[0]?.id} (${made[0]?.arn}), InProgress, domain gamma.example.com inactive`);
    expect(view.text).toContain(`ok: distribution tenant ${made[0]?.id}, InProgress`);
    expect(view.exitCode).toBeUndefined();
    const audit = await listAudit(t.deps, { tenantId: tenant.id, actor: OPERATOR }, {});
    expect(audit.map((e) => e.action)).toContain('site.provisioned');

    // Asked again once CloudFront deployed it: nothing is made or changed, the state is read anew.
    cloudfront.deployTenants();
    const again = await siteCdn('gamma', { provision: true });
    expect(again.text).toContain(`ok: distribution tenant ${made[0]?.id}, deployed, domain active`);
    expect(cloudfront.tenantCreates()).toHaveLength(1);
    expect(cloudfront.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
    // The rest of this file calls the services itself: no worker publishes or provisions behind its back.
    for (const name of JOB_NAMES) await t.jobs.stopWorking(name);
  });

  it('a retry after a 503 whose change was made finds the tenant instead of making a second', async () => {
    const tenant = await createTenant({ ...t.deps }, OPERATOR, {
      slug: 'delta',
      name: 'Delta',
      guestDomain: 'delta.example.com',
      timezone: 'UTC',
    });
    const before = cloudfront.distributionTenants.length;
    // CloudFront made the tenant, but its answer was lost: the attempt fails and is recorded…
    cloudfront.lostAnswers.push({ test: isTenantCreate, status: 503, code: 'ServiceUnavailable' });
    await expect(provisionGuestSite(publishing, tenant.id)).rejects.toThrow(/^provision: /);
    const failed = await siteCdn('delta');
    expect(failed.text).toMatch(/PROBLEM: its distribution tenant could not be made/);
    expect(failed.exitCode).toBe(1);
    // …and the retry finds it by its domain.
    const out = await provisionGuestSite(publishing, tenant.id);
    expect(cloudfront.distributionTenants).toHaveLength(before + 1);
    expect(cloudfront.tenantCreates().filter((r) => r.body.includes('delta.example.com'))).toHaveLength(1);
    expect(out.provisioned?.distributionTenantId).toBe(cloudfront.distributionTenants.at(-1)?.id);
    expect((await siteCdn('delta')).text).toMatch(/ok: distribution tenant dt_/);
  });

  it("the SDK's own retry of a lost create meets CloudFront's refusal and takes the tenant it made", async () => {
    const tenant = await createTenant({ ...t.deps }, OPERATOR, {
      slug: 'epsilon',
      name: 'Epsilon',
      guestDomain: 'epsilon.example.com',
      timezone: 'UTC',
    });
    const before = cloudfront.distributionTenants.length;
    cloudfront.lostAnswers.push({ test: isTenantCreate, status: 503, code: 'ServiceUnavailable' });
    const retrying = { ...publishing, sites: { ...publishing.sites, cdn: platformCdn(3) } };
    const out = await provisionGuestSite(retrying, tenant.id);
    // Two creates were sent (the SDK retried the 503); CloudFront holds one tenant, and it is the site's.
    expect(cloudfront.tenantCreates().filter((r) => r.body.includes('epsilon.example.com'))).toHaveLength(2);
    expect(cloudfront.distributionTenants).toHaveLength(before + 1);
    expect(out.provisioned?.distributionTenantId).toBe(cloudfront.distributionTenants.at(-1)?.id);
  });

  it('a domain that is taken is a clear failure, named in bosun site cdn and doctor, and nothing is made', async () => {
    cloudfront.foreignDomains.add('taken.example.com');
    const foreign = await createTenant({ ...t.deps }, OPERATOR, {
      slug: 'zeta',
      name: 'Zeta',
      guestDomain: 'taken.example.com',
      timezone: 'UTC',
    });
    const before = cloudfront.distributionTenants.length;
    await expect(provisionGuestSite(publishing, foreign.id)).rejects.toThrow(
      'provision: the domain taken.example.com is already served by another CloudFront distribution or tenant; remove it there, or give this site another domain',
    );
    const shown = await siteCdn('zeta');
    expect(shown.exitCode).toBe(1);
    expect(shown.text).toContain('PROBLEM: its distribution tenant could not be made');
    expect(shown.text).toContain('taken.example.com is already served by another CloudFront distribution');
    expect(shown.text).toContain('bosun site cdn zeta --provision');

    // A domain another tenant of this very distribution holds (not this site's) is refused the same way.
    const other = cloudfront.distributionTenants[0];
    if (!other) throw new Error('no tenant');
    cloudfront.distributionTenants.push({
      ...other,
      id: 'dt_0999OtherTenantxxxxxxxxxxxxx',
      name: 'someone-else',
      domains: ['held.example.com'],
    });
    const held = await createTenant({ ...t.deps }, OPERATOR, {
      slug: 'eta',
      name: 'Eta',
      guestDomain: 'held.example.com',
      timezone: 'UTC',
    });
    await expect(provisionGuestSite(publishing, held.id)).rejects.toThrow(
      `provision: the domain held.example.com is served by another distribution tenant (someone-else of distribution ${DISTRIBUTION}); remove it there, or give this site another domain`,
    );
    expect(cloudfront.distributionTenants).toHaveLength(before + 1);

    const checks = await checkInstallation(publishing, { cdn: 'cloudfront', platform: PLATFORM.cloudFrontPlatform });
    const zeta = checks.find((c) => c.check === 'site taken.example.com cdn');
    expect(zeta).toMatchObject({
      ok: false,
      detail: expect.stringContaining('taken.example.com is already served by another CloudFront distribution'),
    });
    expect(checks.find((c) => c.check === 'site held.example.com cdn')?.ok).toBe(false);
    expect(checks.find((c) => c.check === 'site gamma.example.com cdn')?.ok).toBe(true);
  });

  it("a moved site's tenant is moved to the new domain (If-Match), not made anew", async () => {
    const tenant = await createTenant({ ...t.deps }, OPERATOR, {
      slug: 'theta',
      name: 'Theta',
      guestDomain: 'theta.example.com',
      timezone: 'UTC',
    });
    await provisionGuestSite(publishing, tenant.id);
    const made = cloudfront.distributionTenants.at(-1);
    const ctx = { tenantId: tenant.id, actor: OPERATOR };
    await changeGuestDomain({ ...t.deps }, ctx, { guestDomain: 'theta.example.net' });
    expect((await siteCdn('theta')).text).toContain('still serves theta.example.com');
    const out = await provisionGuestSite(publishing, tenant.id);
    expect(out.provisioned?.distributionTenantId).toBe(made?.id);
    const put = cloudfront.requests.filter((r) => r.method === 'PUT').at(-1);
    expect(put?.path).toBe(`/2020-05-31/distribution-tenant/${made?.id}`);
    expect(put?.headers['if-match']).toBe(`E${String(cloudfront.distributionTenants.indexOf(made as never) + 1)}V1`);
    expect(put?.body).toContain('<Domains><member><Domain>theta.example.net</Domain></member></Domains>');
    expect(put?.body).toContain('<Value>theta.example.net</Value>');
    expect(made?.domains).toEqual(['theta.example.net']);
  });

  it('publishing a page invalidates exactly its paths, for its tenant', async () => {
    const a = await makeTenant(deps, 'iota');
    const { provisioned } = await provisionGuestSite(publishing, a.tenant.id);
    const tenantId = provisioned?.distributionTenantId;
    const id = (await createBooking(t.deps, a.ctx, bookingInput() as never)).booking.id;
    const first = cloudfront.invalidations.length;
    expect(await publishGuestPage(publishing, a.tenant.id, id)).toMatchObject({ result: 'published' });
    const sent = cloudfront.invalidations.slice(first);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ distribution: DISTRIBUTION, distributionTenant: tenantId });
    // The first page of a site also stores its not-found page.
    expect(sent[0]?.paths.sort()).toEqual([...guestPageInvalidationPaths(id), '/404.html'].sort());

    await updateBooking(t.deps, a.ctx, id, { partySize: 5 }, '*');
    expect(await publishGuestPage(publishing, a.tenant.id, id)).toMatchObject({ result: 'published' });
    const next = cloudfront.invalidations.slice(first + 1);
    expect(next).toHaveLength(1);
    expect(next[0]?.distributionTenant).toBe(tenantId);
    expect(next[0]?.paths.sort()).toEqual(guestPageInvalidationPaths(id).sort());
    const paths = cloudfront.requests.filter((r) => r.method === 'POST' && r.path.includes('/invalidation')).map((r) => r.path);
    expect(new Set(paths)).toEqual(new Set([`/2020-05-31/distribution-tenant/${tenantId}/invalidation`]));
  });
});

describe("platform mode: a domain a site leaves, and tenants that are not the site's own", () => {
  let kvsServer: FakeKeyValueStore;
  let kvs: CloudFrontKeyValueStore;
  beforeAll(async () => {
    kvsServer = await new FakeKeyValueStore().start();
    kvsServer.addStore(PLATFORM.cloudFrontPlatform.keyValueStoreArn);
    kvs = new CloudFrontKeyValueStore({
      clientConfig: kvsServer.clientConfig(),
      shared: { keyValueStoreArn: PLATFORM.cloudFrontPlatform.keyValueStoreArn },
    });
  });
  afterAll(async () => {
    kvs.destroy();
    await kvsServer.stop();
  });

  const keysOf = () => Object.fromEntries(kvsServer.stores.get(PLATFORM.cloudFrontPlatform.keyValueStoreArn)?.keys ?? []);

  it('the old domain loses its objects, its slugs in the one store and its cached paths; the cleanup waits for the tenant to leave it', async () => {
    const withSlugs = { ...publishing, sites: { ...publishing.sites, keyValueStore: kvs } };
    const a = await makeTenant(deps, 'kappa');
    const { provisioned } = await provisionGuestSite(publishing, a.tenant.id);
    const tenantId = provisioned?.distributionTenantId;
    const id = (await createBooking(t.deps, a.ctx, bookingInput({ friendlySlug: 'kappa-sunset' }) as never)).booking.id;
    expect(await publishGuestPage(withSlugs, a.tenant.id, id)).toMatchObject({ result: 'published' });
    expect(keysOf()['kappa.localhost/kappa-sunset']).toBe(id);
    const stored = await sites.store.list('kappa.localhost');
    expect(stored.length).toBeGreaterThan(0);

    await changeGuestDomain(deps, a.ctx, { guestDomain: 'kappa-new.localhost' });
    const cleanup = await t.handle.db
      .selectFrom('domain_cleanups')
      .selectAll()
      .where('domain', '=', 'kappa.localhost')
      .executeTakeFirstOrThrow();
    const first = cloudfront.invalidations.length;
    // The tenant still has the old domain (site.provision has not moved it yet): everything else is done, and the cleanup waits.
    await expect(cleanUpFormerDomain(withSlugs, a.tenant.id, cleanup.id)).rejects.toThrow(
      `cleanup of kappa.localhost: distribution tenant ${tenantId} still serves kappa.localhost; the site.provision job moves it to the site's new domain first`,
    );
    expect(await sites.store.list('kappa.localhost')).toEqual([]);
    expect(keysOf()['kappa.localhost/kappa-sunset']).toBeUndefined();
    const sent = cloudfront.invalidations.slice(first);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ distribution: DISTRIBUTION, distributionTenant: tenantId });
    expect(sent[0]?.paths.sort()).toEqual(stored.map((k) => `/${k}`).sort());
    const shown = await siteCdn('kappa');
    expect(shown.text).toContain(`PROBLEM: 1 failed attempt(s), the last: distribution tenant ${tenantId} still serves kappa.localhost`);
    expect(shown.exitCode).toBe(1);

    // The cleanup's job spent its retries before the tenant moved: the provisioning that moves it queues the cleanup again.
    const queued = () =>
      sql<{ state: string }>`select state from pgboss.job where name = 'site.cleanup' and data->>'cleanupId' = ${cleanup.id}`
        .execute(t.handle.db)
        .then((r) => r.rows.map((row) => row.state).sort());
    await sql`update pgboss.job set state = 'failed' where name = 'site.cleanup' and data->>'cleanupId' = ${cleanup.id}`.execute(
      t.handle.db,
    );
    expect(await queued()).toEqual(['failed']);
    const site = await t.handle.db.selectFrom('sites').select('id').where('tenant_id', '=', a.tenant.id).executeTakeFirstOrThrow();
    await handleProvisionSite(publishing, { tenantId: a.tenant.id, siteId: site.id, reason: 'site.domain_changed' });
    expect(cloudfront.tenant(tenantId ?? '')?.domains).toEqual(['kappa-new.localhost']);
    expect(await queued()).toEqual(['created', 'failed']);
    expect(await cleanUpFormerDomain(withSlugs, a.tenant.id, cleanup.id)).toMatchObject({ done: true });
    // Another operator may now have the domain: a tenant of its own, serving nothing of kappa's.
    const b = await createTenant(deps, OPERATOR, { slug: 'lambda', name: 'Lambda', guestDomain: 'kappa.localhost', timezone: 'UTC' });
    const made = await provisionGuestSite(publishing, b.id);
    expect(made.provisioned?.distributionTenantId).not.toBe(tenantId);
    expect(await sites.store.list('kappa.localhost')).toEqual([]);
    expect(keysOf()['kappa.localhost/kappa-sunset']).toBeUndefined();
  });

  it("a tenant recorded on the site that is another distribution's, or another site's, is never updated", async () => {
    const a = await makeTenant(deps, 'mu');
    await provisionGuestSite(publishing, a.tenant.id);
    const site = await t.handle.db.selectFrom('sites').selectAll().where('tenant_id', '=', a.tenant.id).executeTakeFirstOrThrow();
    const own = cloudfront.distributionTenants.at(-1);
    const foreign = {
      ...(own as NonNullable<typeof own>),
      id: 'dt_9999ForeignTenantxxxxxxxxxxxxx',
      arn: 'arn:aws:cloudfront::123456789012:distribution-tenant/dt_9999ForeignTenantxxxxxxxxxxxxx',
      distributionId: 'E9FOREIGN0001',
      name: 'someone-elses-shop',
      domains: ['shop.example.org'],
      etag: 'E99V1',
    };
    cloudfront.distributionTenants.push(foreign);
    const recordTenant = async (id: string) => {
      const cdn = { ...(site.cdn as Record<string, unknown>) };
      cdn.distributionTenant = { ...(cdn.distributionTenant as Record<string, unknown>), id };
      await t.handle.db
        .updateTable('sites')
        .set({ cdn: JSON.stringify(cdn) })
        .where('id', '=', site.id)
        .execute();
    };
    await recordTenant(foreign.id);
    await changeGuestDomain(deps, a.ctx, { guestDomain: 'mu-new.localhost' });
    const puts = () => cloudfront.requests.filter((r) => r.method === 'PUT').length;
    const before = puts();
    await expect(provisionGuestSite(publishing, a.tenant.id)).rejects.toThrow(
      `provision: distribution tenant ${foreign.id} recorded for this site belongs to distribution E9FOREIGN0001, not ${DISTRIBUTION}; it is not updated`,
    );
    expect(puts()).toBe(before);
    expect(foreign.domains).toEqual(['shop.example.org']);
    expect((await siteCdn('mu')).text).toContain(`belongs to distribution E9FOREIGN0001, not ${DISTRIBUTION}; it is not updated`);

    // Of this distribution, but named for another site.
    foreign.distributionId = DISTRIBUTION;
    await expect(provisionGuestSite(publishing, a.tenant.id)).rejects.toThrow(
      `provision: distribution tenant ${foreign.id} recorded for this site is named someone-elses-shop, not bosun-site-${site.id}; it is not updated`,
    );
    expect(puts()).toBe(before);
    expect(foreign.domains).toEqual(['shop.example.org']);

    // The site's own tenant, recorded again, is moved.
    await recordTenant(own?.id ?? '');
    await provisionGuestSite(publishing, a.tenant.id);
    expect(own?.domains).toEqual(['mu-new.localhost']);
  });
});
