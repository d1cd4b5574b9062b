/**
 * The one viewer-request function of a multi-tenant distribution (platform mode): inside runtime 2.0
 * and 10 KB, and — run by the local edge for two guest sites at once, over one shared KeyValueStore —
 * serving each site's pages and slugs, never one site's slug on the other's host.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cloudFrontModule, loadEdgeFunction, viewerRequestEvent } from '../../src/adapters/cloudfront-function-vm';
import { FsObjectStore } from '../../src/adapters/fs-object-store';
import { LocalEdge } from '../../src/adapters/local-edge';
import { EDGE_FUNCTION_MAX_BYTES, generatePlatformEdgeFunction } from '../../src/publish/edge-function';
import {
  guestPageKey,
  guestPagePath,
  guestPagePublicPaths,
  NOT_FOUND_KEY,
  objectPath,
  PAGE_CONTENT_TYPE,
  SITE_CACHE_CONTROL,
  sharedSlugKey,
  siteBucket,
} from '../../src/publish/site-layout';
import { checkCloudFrontRuntime2 } from '../support/cloudfront-runtime';

const KVS_ID = 'a1b2c3d4-5678-90ab-cdef-0123456789ab';
const code = generatePlatformEdgeFunction({ keyValueStoreArn: `arn:aws:cloudfront::123456789012:key-value-store/${KVS_ID}` });

const A = { domain: 'sunset.example.com', id: 'AAAA111', slug: 'avery-sunset' };
const B = { domain: 'lagoon.example.org', id: 'BBBB222', slug: 'blue-lagoon' };
/** The one KeyValueStore of the distribution, as publishing writes it in platform mode. */
const shared = new Map([
  [sharedSlugKey(A.domain, A.slug), A.id],
  [sharedSlugKey(B.domain, B.slug), B.id],
]);

const HTML = { contentType: PAGE_CONTENT_TYPE, cacheControl: SITE_CACHE_CONTROL };
const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('platform edge function: CloudFront runtime 2.0', () => {
  it('uses only what runtime 2.0 documents, fits in 10 KB and reads the one store by its id', () => {
    expect(checkCloudFrontRuntime2(code)).toEqual([]);
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(EDGE_FUNCTION_MAX_BYTES);
    expect(code).toContain(`cf.kvs("${KVS_ID}")`);
  });

  it('refuses a store that is not named by its ARN (the function needs its id)', () => {
    for (const bad of ['guest-slugs', KVS_ID, 'arn:aws:s3:::bucket']) {
      expect(() => generatePlatformEdgeFunction({ keyValueStoreArn: bad })).toThrow(/not a KeyValueStore ARN/);
    }
  });

  it('looks a slug up under the host it was asked on, in lower case and without a port', async () => {
    const asked: string[] = [];
    const run = loadEdgeFunction(code, {
      cloudfront: cloudFrontModule(async (key) => {
        asked.push(key);
        return shared.get(key) ?? null;
      }),
    });
    const event = viewerRequestEvent('GET', `/${A.slug}`, {}, { domain: A.domain });
    event.request.headers.host = { value: 'Sunset.Example.COM:443' };
    const out = await run(event);
    expect(asked).toEqual([`${A.domain}/${A.slug}`]);
    expect(out).toMatchObject({ kind: 'response', response: { statusCode: 301, headers: { location: { value: guestPagePath(A.id) } } } });
  });

  it('rewrites every public path of a page to the key the publisher stores it at, on any host', async () => {
    const run = loadEdgeFunction(code, { cloudfront: cloudFrontModule(async () => null) });
    for (const site of [A, B]) {
      for (const path of guestPagePublicPaths(site.id)) {
        const out = await run(viewerRequestEvent('GET', path, {}, { domain: site.domain }));
        expect(out.kind === 'request' && out.request.uri, path).toBe(objectPath(guestPageKey(site.id)));
      }
    }
  });
});

describe('platform edge function on the local edge: two sites, one function, one store', () => {
  async function edgeWithTwoSites() {
    const root = mkdtempSync(join(tmpdir(), 'bosun-platform-edge-'));
    folders.push(root);
    const store = new FsObjectStore(root, { defaultCacheControl: SITE_CACHE_CONTROL });
    for (const site of [A, B]) {
      await store.put({ bucket: siteBucket(site.domain), key: guestPageKey(site.id), body: `<p>page of ${site.id}</p>`, ...HTML });
      await store.put({ bucket: siteBucket(site.domain), key: NOT_FOUND_KEY, body: `<p>not found on ${site.domain}</p>`, ...HTML });
    }
    const edge = new LocalEdge({
      store,
      findSite: async (host) =>
        [A, B].some((s) => s.domain === host)
          ? { domain: host, bucket: siteBucket(host), edgeFunction: code, notFoundKey: NOT_FOUND_KEY }
          : null,
      // Every site reads the one shared store: the key names the site.
      lookupKey: async (_domain, key) => shared.get(key) ?? null,
    });
    const get = async (domain: string, path: string) => {
      const res = await edge.serve(new Request(`http://${domain}${path}`));
      if (!res) throw new Error(`${domain} is not a guest site`);
      return { status: res.status, location: res.headers.get('location'), body: await res.text() };
    };
    return { get };
  }

  it("serves each site's page and redirects each site's slug on its own host", async () => {
    const { get } = await edgeWithTwoSites();
    for (const site of [A, B]) {
      const page = await get(site.domain, guestPagePath(site.id));
      expect(page).toMatchObject({ status: 200, body: `<p>page of ${site.id}</p>` });
      expect(await get(site.domain, `/${site.slug}`)).toMatchObject({ status: 301, location: guestPagePath(site.id) });
    }
  });

  it("does not resolve one site's slug or page on the other's host", async () => {
    const { get } = await edgeWithTwoSites();
    expect(await get(B.domain, `/${A.slug}`)).toMatchObject({ status: 404, location: null, body: `<p>not found on ${B.domain}</p>` });
    expect(await get(A.domain, `/${B.slug}`)).toMatchObject({ status: 404, location: null, body: `<p>not found on ${A.domain}</p>` });
    expect(await get(B.domain, guestPagePath(A.id))).toMatchObject({ status: 404, body: `<p>not found on ${B.domain}</p>` });
  });
});
