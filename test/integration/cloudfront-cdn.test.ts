/**
 * The CloudFront adapter against a local server that answers CloudFront's XML API: exact paths,
 * batching, CallerReference reuse on retries, and the limit of 3,000 paths in progress.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CdnConfigurationError, CloudFrontCdn, type CloudFrontCdnOptions } from '../../src/adapters/cloudfront-cdn';
import { guestPageInvalidationPaths } from '../../src/publish/site-layout';
import { FakeCloudFront } from '../support/fake-cloudfront';

let server: FakeCloudFront;
let cdns: CloudFrontCdn[];
const SITE = { domain: 'guests.example.com', distributionId: 'E2QWRUHAPOMQZL' };

function makeCdn(options: CloudFrontCdnOptions = {}) {
  const cdn = new CloudFrontCdn({
    clientConfig: {
      endpoint: server.endpoint,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 3,
    },
    batchWindowMs: 20,
    pollIntervalMs: 5,
    ...options,
  });
  cdns.push(cdn);
  return cdn;
}

const pathsIn = (body: string) => [...body.matchAll(/<Path>(.*?)<\/Path>/g)].map((m) => m[1]);
const referenceIn = (body: string) => /<CallerReference>(.*?)<\/CallerReference>/.exec(body)?.[1];
const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `/${prefix}/${i}.html`);

beforeEach(async () => {
  server = await new FakeCloudFront().start();
  server.distributions.add(SITE.distributionId);
  cdns = [];
});
afterEach(async () => {
  for (const cdn of cdns) cdn.destroy();
  await server.stop();
});

describe('CloudFront CDN adapter', () => {
  it('sends one signed CreateInvalidation with exactly the changed paths', async () => {
    const paths = guestPageInvalidationPaths('XHQGMDH');
    await makeCdn().invalidate(SITE, paths, 'XHQGMDH:v2');
    const [req, ...more] = server.creates();
    expect(more).toHaveLength(0);
    expect(req?.path).toBe('/2020-05-31/distribution/E2QWRUHAPOMQZL/invalidation');
    expect(req?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/cloudfront\/aws4_request/);
    expect(pathsIn(req?.body ?? '').sort()).toEqual([...paths].sort());
    expect(req?.body).toContain(`<Quantity>${paths.length}</Quantity>`);
    expect(req?.body).not.toContain('*');
    expect(server.invalidations).toHaveLength(1);
  });

  it('gathers the changes made within its window into one invalidation', async () => {
    const cdn = makeCdn();
    await Promise.all([
      cdn.invalidate(SITE, guestPageInvalidationPaths('AAAA111'), 'AAAA111:v1'),
      cdn.invalidate(SITE, guestPageInvalidationPaths('BBBB222'), 'BBBB222:v1'),
      cdn.invalidate(SITE, guestPageInvalidationPaths('AAAA111'), 'AAAA111:v1'),
    ]);
    expect(server.creates()).toHaveLength(1);
    expect(pathsIn(server.creates()[0]?.body ?? '').sort()).toEqual(
      [...guestPageInvalidationPaths('AAAA111'), ...guestPageInvalidationPaths('BBBB222')].sort(),
    );
  });

  it('derives the CallerReference from the change, so a retried change does not invalidate twice', async () => {
    const paths = guestPageInvalidationPaths('XHQGMDH');
    await makeCdn().invalidate(SITE, paths, 'XHQGMDH:v2');
    await makeCdn().invalidate(SITE, paths, 'XHQGMDH:v2'); // e.g. the job retried after a later step failed
    await makeCdn().invalidate(SITE, paths, 'XHQGMDH:v3'); // a new change of the same page
    const refs = server.creates().map((r) => referenceIn(r.body));
    expect(refs[0]).toBe(refs[1]);
    expect(refs[2]).not.toBe(refs[0]);
    expect(server.invalidations).toHaveLength(2);
  });

  it('retries a failed call with the same reference and creates one invalidation', async () => {
    server.failures.push({ status: 503, code: 'ServiceUnavailable' });
    await makeCdn().invalidate(SITE, ['/g/xhqgmdh.html'], 'XHQGMDH:v4');
    const creates = server.creates();
    expect(creates).toHaveLength(2);
    expect(referenceIn(creates[0]?.body ?? '')).toBe(referenceIn(creates[1]?.body ?? ''));
    expect(server.invalidations).toHaveLength(1);
  });

  it('rejects with CloudFront’s error when the distribution does not exist', async () => {
    await expect(makeCdn().invalidate({ ...SITE, distributionId: 'ENOPE' }, ['/g/x.html'], 'x')).rejects.toMatchObject({
      name: 'NoSuchDistribution',
    });
  });

  it('refuses a site without a distribution id and paths that are not exact', async () => {
    await expect(makeCdn().invalidate({ domain: 'guests.example.com' }, ['/g/x.html'], 'x')).rejects.toThrow(CdnConfigurationError);
    await expect(makeCdn().invalidate(SITE, ['/g/*'], 'x')).rejects.toThrow(/exact path/);
    expect(server.requests).toHaveLength(0);
  });

  it('resolves only once CloudFront reports the invalidation completed', async () => {
    server.completeOnFirstGet = false;
    let resolved = false;
    const done = makeCdn()
      .invalidate(SITE, ['/g/xhqgmdh.html'], 'XHQGMDH:v6')
      .then(() => {
        resolved = true;
      });
    await server.waitFor((r) => r.method === 'GET');
    expect(resolved).toBe(false);
    server.complete();
    await done;
    expect(resolved).toBe(true);
  });

  it('keeps at most 3,000 paths in progress: a further invalidation waits until earlier ones complete', async () => {
    server.completeOnFirstGet = false;
    const cdn = makeCdn({ waitForCompletion: false });
    await cdn.invalidate(SITE, many(2500, 'first'), 'first');
    const second = cdn.invalidate(SITE, many(1000, 'second'), 'second');
    // The adapter asks about the first invalidation instead of sending the second.
    await server.waitFor((r) => r.method === 'GET');
    expect(server.creates()).toHaveLength(1);
    server.complete();
    await second;
    expect(server.creates()).toHaveLength(2);
    expect(pathsIn(server.creates()[1]?.body ?? '')).toHaveLength(1000);
  });

  it('splits more than 3,000 paths into invalidations that each fit', async () => {
    server.completeOnFirstGet = false;
    const cdn = makeCdn({ waitForCompletion: false });
    const done = cdn.invalidate(SITE, many(4200, 'bulk'), 'republish');
    await server.waitFor((r) => r.method === 'GET');
    expect(server.creates()).toHaveLength(1);
    expect(pathsIn(server.creates()[0]?.body ?? '')).toHaveLength(3000);
    server.complete();
    await done;
    expect(pathsIn(server.creates()[1]?.body ?? '')).toHaveLength(1200);
  });

  it('waits and tries again when CloudFront reports too many invalidations in progress', async () => {
    server.externalInProgress = 2999;
    const done = makeCdn().invalidate(SITE, guestPageInvalidationPaths('XHQGMDH'), 'XHQGMDH:v5');
    await server.waitFor((r) => r.method === 'POST');
    expect(server.invalidations).toHaveLength(0);
    server.externalInProgress = 0;
    await done;
    expect(server.invalidations).toHaveLength(1);
  });
});
