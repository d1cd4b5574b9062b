/**
 * `bosun doctor --live` against Bosun's own server and local edge, with real parts standing in for AWS:
 * guest sites in S3 (s3rver), the CloudFront API (a local server speaking its XML: the deployed
 * function is read back from it, the probe's invalidation sent to it), and in front of the server a
 * proxy with CloudFront's cache behaviors (`/api/*` to the API with every viewer header but Host). The
 * guest domain stays the URL's host; `--connect-to` points it at the proxy. Each failure of the system
 * Bosun replaces is made to happen and named: a function that differs, an upload layout the edge does
 * not serve, a CDN that strips X-Service-Key; and a CDN that overrides caching or sends /api/ astray.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFrontCdn } from '../../src/adapters/cloudfront-cdn';
import { LocalEdge } from '../../src/adapters/local-edge';
import { nodeWebClient } from '../../src/adapters/node-web-client';
import { parseS3Url, S3ObjectStore } from '../../src/adapters/s3-object-store';
import { type CommandRuntime, commands } from '../../src/cli/commands';
import { listenHttp } from '../../src/main/http-server';
import { GUEST_SITE_HEADERS, SITE_CACHE_CONTROL } from '../../src/publish/site-layout';
import { createBooking } from '../../src/services/bookings';
import type { Check } from '../../src/services/doctor';
import { findEdgeSite, getEdgeFunction, lookupFriendlySlug, publishGuestPage } from '../../src/services/publishing';
import { makeApp } from '../support/app';
import { type CdnProxy, startCdnProxy } from '../support/cdn-proxy';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { FakeCloudFront } from '../support/fake-cloudfront';
import { S3_TEST_CREDENTIALS, startS3Server } from '../support/s3';

const DISTRIBUTION = 'E2QWRUHAPOMQZL';
const SITE = 'http://alpha.localhost';
let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let s3: Awaited<ReturnType<typeof startS3Server>>;
let cloudfront: FakeCloudFront;
let edge: LocalEdge;
let server: Server;
let cdnProxy: CdnProxy;
const stores: S3ObjectStore[] = [];
let cdn: CloudFrontCdn;
let generated: string;

const storeAt = (prefix: string) => {
  const store = new S3ObjectStore(parseS3Url(`s3://bosun-sites/${prefix}?region=us-east-1&endpoint=${encodeURIComponent(s3.endpoint)}`), {
    credentials: S3_TEST_CREDENTIALS,
  });
  stores.push(store);
  return store;
};

/** `bosun doctor --live SITE --connect-to <the proxy>` as the command runs it, with the production ports. */
async function doctor(options: { serviceKey?: string; prefix?: string; live?: string; connectTo?: string } = {}) {
  const doctorCommand = commands.doctor;
  if (!doctorCommand) throw new Error('no doctor command');
  const rt: CommandRuntime = {
    deps: t.deps,
    sites: { store: storeAt(options.prefix ?? 'prod'), cdn },
    config: { cdn: 'cloudfront' },
    web: nodeWebClient({ timeoutMs: 10_000 }),
  };
  const result = await doctorCommand(rt, {
    live: options.live ?? SITE,
    connectTo: options.connectTo ?? cdnProxy.address,
    ...(options.serviceKey ? { serviceKey: options.serviceKey } : {}),
  });
  const checks = result.json.checks as Check[];
  return { ...result, checks, live: (name: string) => checks.find((c) => c.check === name) };
}

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  s3 = await startS3Server(['bosun-sites']);
  const store = storeAt('prod');
  edge = new LocalEdge({
    store,
    findSite: (host) => findEdgeSite(t.deps, host),
    lookupKey: (domain, key) => lookupFriendlySlug(t.deps, domain, key),
    responseHeaders: GUEST_SITE_HEADERS,
    revalidateAfterMs: Number.POSITIVE_INFINITY,
  });
  server = await listenHttp({ fetch: makeApp(t, { edge }).fetch, edge, port: 0, hostname: '127.0.0.1' });
  cdnProxy = await startCdnProxy({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  cloudfront = await new FakeCloudFront().start();
  // What CloudFront is told to invalidate, the edge drops.
  cloudfront.onInvalidation = (inv) => void edge.invalidate({ domain: 'alpha.localhost' }, inv.paths, inv.callerReference);
  cdn = new CloudFrontCdn({
    clientConfig: { endpoint: cloudfront.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
    batchWindowMs: 5,
    pollIntervalMs: 5,
  });
  const setCdn = commands['site cdn'];
  if (!setCdn) throw new Error('no site cdn command');
  await setCdn({ deps: t.deps, sites: { store, cdn } }, { tenant: 'alpha', distributionId: DISTRIBUTION });
  generated = (await getEdgeFunction(t.deps, 'alpha')).code;
  cloudfront.setViewerRequestFunction(DISTRIBUTION, cloudfront.putFunction('bosun-alpha', generated));
  // A published page, and with it the site's not-found page.
  const id = (await createBooking(t.deps, a.ctx, bookingInput() as never)).booking.id;
  await publishGuestPage({ ...t.deps, sites: { store, cdn: edge } }, a.tenant.id, id);
});
afterAll(async () => {
  cdn?.destroy();
  for (const store of stores) store.destroy();
  await cloudfront?.stop();
  await cdnProxy?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await s3?.stop();
  await t?.close();
});

describe('bosun doctor --live', () => {
  it('passes a healthy site: its function, a probe page through the CDN, its headers, its 404 and a key through /api/', async () => {
    const before = cloudfront.invalidations.length;
    const run = await doctor({ serviceKey: a.serviceKey });
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.live('live function')?.detail).toBe(
      `CloudFront function bosun-alpha (LIVE, on distribution ${DISTRIBUTION}) is the generated one`,
    );
    expect(run.live('live page')?.detail).toMatch(
      /^a page stored at alpha\.localhost\/g\/doctor\w{10}\.html in the object store came back through http:\/\/alpha\.localhost byte for byte$/,
    );
    expect(run.live('live page headers')).toEqual({
      check: 'live page headers',
      ok: true,
      detail: `Cache-Control "${SITE_CACHE_CONTROL}" and the guest site headers`,
    });
    expect(run.live('live not-found page')?.ok).toBe(true);
    expect(run.live('live api')).toEqual({
      check: 'live api',
      ok: true,
      detail: 'http://alpha.localhost/api/v1/bookings?limit=1 reached the API with X-Service-Key (200)',
    });
    // The probe went through the real path: stored under the page's key, fetched at the page's public path.
    const probeKey = /alpha\.localhost\/(g\/doctor\w{10}\.html)/.exec(run.live('live page')?.detail ?? '')?.[1] ?? '';
    const probePath = `/g/${probeKey.slice(2, -5).toUpperCase()}`;
    expect(cdnProxy.forwarded.map((f) => f.path)).toContain(probePath);
    expect(cdnProxy.forwarded.find((f) => f.path === probePath)?.headers.host).toBe('alpha.localhost');
    // And is gone afterwards: removed from the store, its object's path invalidated at CloudFront (the
    // edge caches the path after the function's rewrite, ADR 0009), and answered 404 by its viewer path.
    expect(await stores[0]?.head('alpha.localhost', probeKey)).toBeNull();
    expect(cloudfront.invalidations.slice(before).flatMap((i) => i.paths)).toEqual(expect.arrayContaining([`/${probeKey}`]));
    const answer = await nodeWebClient()({ url: `${SITE}${probePath}`, connectTo: hostPort(cdnProxy.address) });
    expect(answer.status).toBe(404);
  });

  it('names a CDN that strips X-Service-Key, and exits non-zero', async () => {
    cdnProxy.stripServiceKey = true;
    try {
      const run = await doctor({ serviceKey: a.serviceKey });
      expect(run.exitCode).toBe(1);
      expect(run.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(['live api']);
      expect(run.live('live api')?.detail).toBe(
        'the CDN in front of http://alpha.localhost strips X-Service-Key: http://alpha.localhost/api/v1/bookings?limit=1 answered 401 "no key" ' +
          'to a request that carried one; forward it: a cache behavior /api/* to the API origin with caching disabled, all methods and the ' +
          'origin request policy AllViewerExceptHostHeader',
      );
      expect(cdnProxy.forwarded.at(-1)?.headers['x-service-key']).toBeUndefined();
    } finally {
      cdnProxy.stripServiceKey = false;
    }
  });

  it('names a deployed function that differs from the generated one', async () => {
    cloudfront.putFunction('bosun-alpha', generated.replace('id.toLowerCase() + PAGE_SUFFIX', 'id + PAGE_SUFFIX'));
    try {
      const run = await doctor({ serviceKey: a.serviceKey });
      expect(run.exitCode).toBe(1);
      expect(run.live('live function')?.detail).toMatch(
        /^CloudFront function bosun-alpha \(LIVE, on distribution E2QWRUHAPOMQZL\) differs from the generated one from line \d+; deploy it: bosun edge-function alpha > edge\.js && /,
      );
    } finally {
      cloudfront.putFunction('bosun-alpha', generated);
    }
  });

  it('names a function that differs by one byte, and one never published to LIVE, offline and live alike', async () => {
    // A trailing newline lost on the way is a difference too.
    cloudfront.putFunction('bosun-alpha', generated.trimEnd());
    try {
      const run = await doctor();
      expect(run.exitCode).toBe(1);
      expect(run.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(['site alpha.localhost function', 'live function']);
    } finally {
      cloudfront.putFunction('bosun-alpha', generated);
    }
    cloudfront.setViewerRequestFunction(DISTRIBUTION, 'arn:aws:cloudfront::123456789012:function/bosun-alpha-draft');
    try {
      const run = await doctor();
      expect(run.exitCode).toBe(1);
      expect(run.live('live function')?.detail).toBe(
        `distribution ${DISTRIBUTION} names function bosun-alpha-draft, which has no LIVE stage (NoSuchFunctionExists); ` +
          'create a function (runtime cloudfront-js-2.0) from bosun edge-function alpha, publish it and associate it with viewer requests',
      );
      expect(cloudfront.functionGets().at(-1)?.path).toBe('/2020-05-31/function/bosun-alpha-draft?Stage=LIVE');
    } finally {
      cloudfront.setViewerRequestFunction(DISTRIBUTION, cloudfront.putFunction('bosun-alpha', generated));
    }
  });

  it('names an upload layout the edge does not serve: a probe stored where the distribution does not look', async () => {
    const run = await doctor({ serviceKey: a.serviceKey, prefix: 'staging' });
    expect(run.exitCode).toBe(1);
    expect(run.live('live page')?.detail).toMatch(
      /^http:\/\/alpha\.localhost\/g\/DOCTOR\w{10} answered 404 for a page stored at alpha\.localhost\/g\/doctor\w{10}\.html in the object store: the edge function and the object layout disagree, or the distribution's origin is not this object store/,
    );
    expect(await stores.at(-1)?.head('alpha.localhost', 'g/anything.html')).toBeNull();
  });

  it("names a CDN that overrides the pages' caching, and one that sends /api/ to the site", async () => {
    cdnProxy.cacheControl = 'public, max-age=86400';
    cdnProxy.apiToSite = true;
    try {
      const run = await doctor({ serviceKey: a.serviceKey });
      expect(run.exitCode).toBe(1);
      expect(run.live('live page headers')?.detail).toMatch(
        new RegExp(
          `^http://alpha\\.localhost/g/DOCTOR\\w{10}: Cache-Control is "public, max-age=86400", not "${SITE_CACHE_CONTROL}" \\(ADR 0006\\)`,
        ),
      );
      expect(run.live('live api')?.detail).toBe(
        'http://alpha.localhost/api/v1/bookings?limit=1 answered 404 text/html; charset=utf-8, not the API: add a cache behavior /api/* to the ' +
          'API origin with caching disabled, all methods and the origin request policy AllViewerExceptHostHeader',
      );
    } finally {
      cdnProxy.cacheControl = null;
      cdnProxy.apiToSite = false;
    }
  });

  it('says the API check was not run without a key, and how to run it; refuses a key this installation does not know', async () => {
    const run = await doctor();
    expect(run.exitCode).toBe(0);
    expect(run.live('live api')).toEqual({
      check: 'live api',
      ok: true,
      skipped: true,
      detail:
        'not run: to check that http://alpha.localhost/api/ reaches the API with X-Service-Key, give a service key ' +
        '(bosun key create alpha --kind service --scope bookings:read) in BOSUN_DOCTOR_SERVICE_KEY or with --service-key',
    });
    expect(run.text).toMatch(/^SKIPPED {2}live api: not run: /m);

    const unknown = await doctor({ serviceKey: `bsk_${'x'.repeat(43)}` });
    expect(unknown.exitCode).toBe(1);
    expect(unknown.live('live api')?.detail).toBe(
      'the service key given is not a live service key of this installation; create one: bosun key create alpha --kind service --scope bookings:read',
    );
    expect(JSON.stringify(unknown.json)).not.toContain('x'.repeat(43));
  });

  it('names a site it cannot reach, and an address that is no guest site here', async () => {
    const closed = await doctor({ connectTo: '127.0.0.1:1' });
    expect(closed.exitCode).toBe(1);
    expect(closed.live('live page')?.detail).toMatch(
      /^http:\/\/alpha\.localhost cannot be reached: .*ECONNREFUSED.*; check the domain's DNS record and certificate \(connecting to 127\.0\.0\.1:1\)$/,
    );
    // Nothing is left behind by a run that could not fetch its probe.
    const listed = await (await fetch(`${s3.endpoint}/bosun-sites?prefix=${encodeURIComponent('prod/alpha.localhost/g/')}`)).text();
    expect(listed).toContain('<ListBucketResult');
    expect(listed).not.toMatch(/<Key>[^<]*doctor/);
    const unknown = await doctor({ live: 'https://nosuch.example.com' });
    expect(unknown.checks.filter((c) => c.check.startsWith('live'))).toEqual([
      {
        check: 'live https://nosuch.example.com',
        ok: false,
        detail:
          "nosuch.example.com is not a guest site of this installation; --live takes a guest site's address (bosun tenant list names them)",
      },
    ]);
  });
});

function hostPort(address: string) {
  const [host, port] = address.split(':');
  return { host: host ?? '', port: Number(port) };
}
