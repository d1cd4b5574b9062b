/**
 * Publishing in the production shape, with real parts standing in for AWS: pages stored in S3
 * (s3rver), invalidations sent to the CloudFront API (a local server speaking its XML), and guests
 * served by an edge over that bucket which drops exactly what CloudFront is told to invalidate.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFrontCdn } from '../../src/adapters/cloudfront-cdn';
import { LocalEdge } from '../../src/adapters/local-edge';
import { parseS3Url, S3ObjectStore } from '../../src/adapters/s3-object-store';
import { commands } from '../../src/cli/commands';
import { createBooking, updateBooking } from '../../src/services/bookings';
import { findEdgeSite, getGuestPageStatus, lookupFriendlySlug, type PublishingDeps, publishGuestPage } from '../../src/services/publishing';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { FakeCloudFront } from '../support/fake-cloudfront';
import { S3_TEST_CREDENTIALS, startS3Server } from '../support/s3';

const DISTRIBUTION = 'E2QWRUHAPOMQZL';
let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let s3: Awaited<ReturnType<typeof startS3Server>>;
let store: S3ObjectStore;
let cloudfront: FakeCloudFront;
let cdn: CloudFrontCdn;
let pop: Server;
let popEdge: LocalEdge;
let deps: PublishingDeps;
let invalidating = true;

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  s3 = await startS3Server(['bosun-sites']);
  store = new S3ObjectStore(parseS3Url(`s3://bosun-sites/prod?region=us-east-1&endpoint=${encodeURIComponent(s3.endpoint)}`), {
    credentials: S3_TEST_CREDENTIALS,
  });
  // The edge location: serves the bucket through the generated function, caching until invalidated.
  popEdge = new LocalEdge({
    store,
    findSite: (host) => findEdgeSite(t.deps, host),
    lookupKey: (domain, key) => lookupFriendlySlug(t.deps, domain, key),
    revalidateAfterMs: Number.POSITIVE_INFINITY,
  });
  pop = createServer(async (req, res) => {
    const out = await popEdge.serve(new Request(`http://alpha.localhost${req.url}`, { headers: { host: 'alpha.localhost' } }));
    res.writeHead(out?.status ?? 404, Object.fromEntries(out?.headers ?? []));
    res.end(Buffer.from(out ? await out.arrayBuffer() : new ArrayBuffer(0)));
  });
  await new Promise<void>((resolve) => pop.listen(0, '127.0.0.1', resolve));
  cloudfront = await new FakeCloudFront().start();
  cloudfront.distributions.add(DISTRIBUTION);
  cloudfront.onInvalidation = (inv) => {
    if (invalidating) void popEdge.invalidate({ domain: 'alpha.localhost' }, inv.paths, inv.callerReference);
  };
  cdn = new CloudFrontCdn({
    clientConfig: { endpoint: cloudfront.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
    batchWindowMs: 5,
    pollIntervalMs: 5,
    origin: () => `http://127.0.0.1:${(pop.address() as AddressInfo).port}`,
  });
  deps = { ...t.deps, sites: { store, cdn } };
  const set = commands['site cdn'];
  if (!set) throw new Error('no site cdn command');
  await set({ deps: t.deps, sites: deps.sites }, { tenant: 'alpha', distributionId: DISTRIBUTION });
});
afterAll(async () => {
  cdn.destroy();
  store.destroy();
  await cloudfront.stop();
  await new Promise<void>((resolve) => pop.close(() => resolve()));
  await s3.stop();
  await t.close();
});

describe('publishing to S3 behind CloudFront', () => {
  it('stores the page in the bucket, invalidates exactly its paths on its distribution, and verifies it live', async () => {
    const id = (await createBooking(t.deps, a.ctx, bookingInput() as never)).booking.id;
    const outcome = await publishGuestPage(deps, a.tenant.id, id);
    expect(outcome.result).toBe('published');

    const object = await fetch(`${s3.endpoint}/bosun-sites/prod/alpha.localhost/g/${id.toLowerCase()}.html`);
    expect(object.status).toBe(200);
    expect(object.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(object.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=31536000, must-revalidate');

    const create = cloudfront.creates().at(-1);
    expect(create?.path).toBe(`/2020-05-31/distribution/${DISTRIBUTION}/invalidation`);
    // The first publish on the site also writes its not-found page.
    expect(cloudfront.invalidations.at(-1)?.paths).toEqual(['/404.html', `/g/${id.toLowerCase()}.html`, `/g/${id.toLowerCase()}.ics`]);
    expect((await getGuestPageStatus(t.deps, a.ctx, id))?.verifiedAt).not.toBeNull();
  });

  it('shows a change live after the invalidation, and records a failed verification when the edge kept the old page', async () => {
    const id = (await createBooking(t.deps, a.ctx, bookingInput() as never)).booking.id;
    await publishGuestPage(deps, a.tenant.id, id);
    await updateBooking(t.deps, a.ctx, id, { partySize: 4 }, '*');
    await publishGuestPage(deps, a.tenant.id, id);
    const live = await cdn.fetch({ domain: 'alpha.localhost' }, `/g/${id}`);
    expect(Buffer.from(live.body).toString()).toContain('4 guests');

    invalidating = false;
    try {
      await updateBooking(t.deps, a.ctx, id, { partySize: 5 }, '*');
      await expect(publishGuestPage(deps, a.tenant.id, id)).rejects.toThrow(/^verify: /);
      expect((await getGuestPageStatus(t.deps, a.ctx, id))?.error).toMatch(/^verify: \/g\/\w+ on alpha.localhost serves other content/);
    } finally {
      invalidating = true;
    }
  });
});
