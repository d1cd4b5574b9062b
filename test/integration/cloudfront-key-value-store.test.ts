/**
 * Friendly slugs on CloudFront: the KeyValueStore adapter against a local server that answers the
 * KeyValueStore API (ETags, conditional updates, conflicts) and one that answers CloudFront's API
 * (a store's ARN from its name or id), and publishing writing a site's slugs there so that the
 * generated edge function, reading that store, redirects them — old slugs too.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudFrontModule, loadEdgeFunction, viewerRequestEvent } from '../../src/adapters/cloudfront-function-vm';
import { CloudFrontKeyValueStore, KeyValueStoreConfigurationError } from '../../src/adapters/cloudfront-key-value-store';
import { createBooking, updateBooking } from '../../src/services/bookings';
import { getEdgeFunction, getGuestPageStatus, type PublishingDeps, publishGuestPage, setGuestSiteCdn } from '../../src/services/publishing';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { FakeCloudFront } from '../support/fake-cloudfront';
import { FakeKeyValueStore } from '../support/fake-cloudfront-kvs';
import { openTestSites, type TestSites } from '../support/sites';

const ACCOUNT = '123456789012';
const KVS_ID = 'a1b2c3d4-5678-90ab-cdef-000000000001';
const ARN = `arn:aws:cloudfront::${ACCOUNT}:key-value-store/${KVS_ID}`;
const NAME = 'guest-slugs';
const SITE = { domain: 'guests.example.com', keyValueStoreId: ARN };
const SITE_BY_NAME = { domain: 'guests.example.com', keyValueStoreId: NAME };

let server: FakeKeyValueStore;
/** CloudFront's own API, which knows the stores by name and id. */
let cloudFront: FakeCloudFront;
let adapters: CloudFrontKeyValueStore[];

function makeStore() {
  const kvs = new CloudFrontKeyValueStore({
    clientConfig: server.clientConfig(),
    cloudFrontClientConfig: {
      endpoint: cloudFront.endpoint,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 3,
    },
  });
  adapters.push(kvs);
  return kvs;
}

const keysOf = (arn = ARN) => Object.fromEntries(server.stores.get(arn)?.keys ?? []);
const putsIn = (body: string) => (JSON.parse(body) as { Puts?: { Key: string; Value: string }[] }).Puts ?? [];
const deletesIn = (body: string) => (JSON.parse(body) as { Deletes?: unknown[] }).Deletes ?? [];

beforeEach(async () => {
  server = await new FakeKeyValueStore().start();
  server.addStore(ARN);
  cloudFront = await new FakeCloudFront().start();
  cloudFront.addKeyValueStore(NAME, ARN);
  adapters = [];
});
afterEach(async () => {
  for (const kvs of adapters) kvs.destroy();
  await server.stop();
  await cloudFront.stop();
});

describe('CloudFront KeyValueStore adapter', () => {
  it("writes keys with one SigV4A-signed UpdateKeys, conditional on the store's ETag", async () => {
    await makeStore().putKeys(SITE, [
      { key: 'sunset-sail', value: 'XHQGMDH' },
      { key: 'evening-sail', value: 'XHQGMDH' },
    ]);
    const [describe, update, ...more] = server.requests;
    expect(more).toHaveLength(0);
    expect(describe?.method).toBe('GET');
    expect(describe?.path).toBe(`/key-value-stores/${encodeURIComponent(ARN)}`);
    expect(update?.method).toBe('POST');
    expect(update?.path).toBe(`/key-value-stores/${encodeURIComponent(ARN)}/keys`);
    expect(update?.headers['if-match']).toBe('KV0000000001');
    expect(update?.headers.host).toMatch(new RegExp(`^${ACCOUNT}\\.localhost:\\d+$`));
    expect(update?.headers.authorization).toMatch(
      /^AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/cloudfront-keyvaluestore\/aws4_request/,
    );
    expect(update?.headers['x-amz-region-set']).toBe('*');
    expect(putsIn(update?.body ?? '{}')).toEqual([
      { Key: 'sunset-sail', Value: 'XHQGMDH' },
      { Key: 'evening-sail', Value: 'XHQGMDH' },
    ]);
    expect(deletesIn(update?.body ?? '{}')).toEqual([]);
    expect(keysOf()).toEqual({ 'sunset-sail': 'XHQGMDH', 'evening-sail': 'XHQGMDH' });
  });

  it('reads the ETag again and repeats the update when someone else changed the store in between', async () => {
    let changed = false;
    server.onRequest = (r) => {
      if (!changed && r.method === 'GET') {
        changed = true;
        server.writeElsewhere(ARN, 'from-the-console', 'ABCDEFG');
      }
    };
    await makeStore().putKeys(SITE, [{ key: 'sunset-sail', value: 'XHQGMDH' }]);
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'POST']);
    expect(server.requests[1]?.headers['if-match']).not.toBe(server.requests[3]?.headers['if-match']);
    expect(keysOf()).toEqual({ 'from-the-console': 'ABCDEFG', 'sunset-sail': 'XHQGMDH' });
  });

  it('splits more than 50 keys into updates of 50, each conditional on the ETag the previous one returned', async () => {
    const entries = Array.from({ length: 120 }, (_, i) => ({ key: `slug-${i}`, value: `BOOK${String(i).padStart(3, '0')}` }));
    await makeStore().putKeys(SITE, entries);
    const updates = server.updates();
    expect(updates.map((r) => putsIn(r.body).length)).toEqual([50, 50, 20]);
    expect(updates.map((r) => r.headers['if-match'])).toEqual(['KV0000000001', 'KV0000000002', 'KV0000000003']);
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    expect(Object.keys(keysOf())).toHaveLength(120);
  });

  it('keeps the last value given for a key and sends each key once', async () => {
    await makeStore().putKeys(SITE, [
      { key: 'sunset-sail', value: 'AAAA111' },
      { key: 'sunset-sail', value: 'BBBB222' },
    ]);
    expect(putsIn(server.updates()[0]?.body ?? '{}')).toEqual([{ Key: 'sunset-sail', Value: 'BBBB222' }]);
    expect(keysOf()).toEqual({ 'sunset-sail': 'BBBB222' });
  });

  it('refuses a site without a KeyValueStore, or with one that is neither a name nor an ARN, naming the setting, and sends nothing', async () => {
    const kvs = makeStore();
    const write = (keyValueStoreId?: string) =>
      kvs.putKeys({ domain: 'guests.example.com', keyValueStoreId }, [{ key: 'a-slug', value: 'XHQGMDH' }]);
    await expect(write()).rejects.toThrow(KeyValueStoreConfigurationError);
    await expect(write(`arn:aws:cloudfront::${ACCOUNT}:distribution/E2QWRUHAPOMQZL`)).rejects.toThrow(
      /--key-value-store-id NAME \(or arn:aws:cloudfront::ACCOUNT:key-value-store\/ID\)/,
    );
    await expect(write('key-value-store/guest-slugs')).rejects.toThrow(KeyValueStoreConfigurationError);
    expect(server.requests).toHaveLength(0);
    expect(cloudFront.requests).toHaveLength(0);
  });

  it('uses an ARN as it is, without asking CloudFront', async () => {
    const kvs = makeStore();
    await kvs.putKeys(SITE, [{ key: 'sunset-sail', value: 'XHQGMDH' }]);
    await kvs.putKeys(SITE, [{ key: 'evening-sail', value: 'XHQGMDH' }]);
    expect(cloudFront.requests).toHaveLength(0);
    expect(keysOf()).toEqual({ 'sunset-sail': 'XHQGMDH', 'evening-sail': 'XHQGMDH' });
  });

  it("finds the ARN of a store given by name once, with a signed DescribeKeyValueStore, and writes every key to that ARN's store", async () => {
    const kvs = makeStore();
    await Promise.all([
      kvs.putKeys(SITE_BY_NAME, [{ key: 'slug-a', value: 'AAAA111' }]),
      kvs.putKeys(SITE_BY_NAME, [{ key: 'slug-b', value: 'BBBB222' }]),
      kvs.putKeys(SITE_BY_NAME, [{ key: 'slug-c', value: 'CCCC333' }]),
    ]);
    await kvs.putKeys(SITE_BY_NAME, [{ key: 'slug-d', value: 'DDDD444' }]);
    await kvs.putKeys(SITE_BY_NAME, [{ key: 'slug-e', value: 'EEEE555' }]);

    const [describe, ...more] = cloudFront.requests;
    expect(more).toHaveLength(0);
    expect(describe?.method).toBe('GET');
    expect(describe?.path).toBe(`/2020-05-31/key-value-store/${NAME}`);
    expect(describe?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/cloudfront\/aws4_request/);
    expect(server.updates()).toHaveLength(5);
    for (const r of server.requests) expect(r.path.startsWith(`/key-value-stores/${encodeURIComponent(ARN)}`), r.path).toBe(true);
    expect(keysOf()).toEqual({ 'slug-a': 'AAAA111', 'slug-b': 'BBBB222', 'slug-c': 'CCCC333', 'slug-d': 'DDDD444', 'slug-e': 'EEEE555' });
  });

  it('finds the ARN of a store given by its id in the list of stores, which DescribeKeyValueStore does not search', async () => {
    // Enough stores before it that the one sought is on the list's second page.
    for (let i = 0; i < 120; i++) {
      cloudFront.addKeyValueStore(
        `other-${i}`,
        `arn:aws:cloudfront::${ACCOUNT}:key-value-store/00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      );
    }
    const moved = cloudFront.keyValueStores.splice(0, 1);
    cloudFront.keyValueStores.push(...moved);
    const kvs = makeStore();
    await kvs.putKeys({ domain: 'guests.example.com', keyValueStoreId: KVS_ID }, [{ key: 'sunset-sail', value: 'XHQGMDH' }]);
    await kvs.putKeys({ domain: 'guests.example.com', keyValueStoreId: KVS_ID }, [{ key: 'evening-sail', value: 'XHQGMDH' }]);
    expect(cloudFront.keyValueStoreDescribes().map((r) => r.path)).toEqual([`/2020-05-31/key-value-store/${KVS_ID}`]);
    expect(cloudFront.keyValueStoreLists()).toHaveLength(2);
    expect(keysOf()).toEqual({ 'sunset-sail': 'XHQGMDH', 'evening-sail': 'XHQGMDH' });
  });

  it('rejects a name CloudFront does not know, naming the setting and the name, and looks it up again on the next attempt', async () => {
    const kvs = makeStore();
    const write = () =>
      kvs.putKeys({ domain: 'guests.example.com', keyValueStoreId: 'no-such-store' }, [{ key: 'a-slug', value: 'XHQGMDH' }]);
    const err = await write().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyValueStoreConfigurationError);
    expect((err as Error).message).toBe(
      'the site guests.example.com names its KeyValueStore "no-such-store" (bosun site cdn <tenant> --key-value-store-id), but CloudFront has no KeyValueStore with that name; give the store\'s name or ARN',
    );
    expect(server.requests).toHaveLength(0);

    cloudFront.addKeyValueStore('no-such-store', ARN);
    await write();
    expect(cloudFront.keyValueStoreDescribes()).toHaveLength(2);
    expect(keysOf()).toEqual({ 'a-slug': 'XHQGMDH' });
  });

  it('looks a name up again after its store was not found, so a store made again under the same name is written', async () => {
    const kvs = makeStore();
    await kvs.putKeys(SITE_BY_NAME, [{ key: 'slug-a', value: 'AAAA111' }]);
    const newArn = `arn:aws:cloudfront::${ACCOUNT}:key-value-store/a1b2c3d4-5678-90ab-cdef-000000000002`;
    server.stores.delete(ARN);
    server.addStore(newArn);
    cloudFront.keyValueStores.splice(0, cloudFront.keyValueStores.length);
    cloudFront.addKeyValueStore(NAME, newArn);
    await expect(kvs.putKeys(SITE_BY_NAME, [{ key: 'slug-b', value: 'BBBB222' }])).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await kvs.putKeys(SITE_BY_NAME, [{ key: 'slug-b', value: 'BBBB222' }]);
    expect(cloudFront.keyValueStoreDescribes()).toHaveLength(2);
    expect(keysOf(newArn)).toEqual({ 'slug-b': 'BBBB222' });
  });

  it('rejects an id CloudFront does not know, saying that a name or ARN is wanted', async () => {
    const unknown = 'ffffffff-0000-0000-0000-000000000000';
    await expect(
      makeStore().putKeys({ domain: 'guests.example.com', keyValueStoreId: unknown }, [{ key: 'a-slug', value: 'XHQGMDH' }]),
    ).rejects.toThrow(
      `names its KeyValueStore "${unknown}" (bosun site cdn <tenant> --key-value-store-id), but CloudFront has no KeyValueStore with that name or id; give the store's name or ARN`,
    );
    expect(cloudFront.keyValueStoreLists()).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
  });

  it("rejects with the API's error when the store does not exist", async () => {
    const other = `arn:aws:cloudfront::${ACCOUNT}:key-value-store/ffffffff-0000-0000-0000-000000000000`;
    await expect(
      makeStore().putKeys({ domain: 'x.example.com', keyValueStoreId: other }, [{ key: 'a-slug', value: 'XHQGMDH' }]),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('publishing friendly slugs to the KeyValueStore', () => {
  let t: TestDb;
  let a: Awaited<ReturnType<typeof makeTenant>>;
  let sites: TestSites;
  let deps: PublishingDeps;

  beforeAll(async () => {
    t = await createTestDb();
    a = await makeTenant(t.deps, 'alpha');
    await setGuestSiteCdn(t.deps, a.ctx, { keyValueStoreId: ARN });
    sites = openTestSites(t);
  });
  afterAll(async () => {
    sites.close();
    await t.close();
  });
  beforeEach(() => {
    deps = { ...sites.deps, sites: { ...sites.deps.sites, keyValueStore: makeStore() } };
  });

  /** Runs the site's generated edge function, its `cf.kvs()` reading what the fake store holds. */
  async function viaEdgeFunction(path: string) {
    const { code } = await getEdgeFunction(t.deps, 'alpha');
    const run = loadEdgeFunction(code, { cloudfront: cloudFrontModule(async (key) => server.stores.get(ARN)?.keys.get(key) ?? null) });
    return run(viewerRequestEvent('GET', new URL(`https://alpha.localhost${path}`), new Headers(), { domain: 'alpha.localhost' }));
  }

  const locationOf = (outcome: Awaited<ReturnType<typeof viaEdgeFunction>>) =>
    outcome.kind === 'response' ? { status: outcome.response.statusCode, location: outcome.response.headers?.location?.value } : null;

  it('writes a booking’s slug to the site’s store when its page is published, and the edge function redirects it', async () => {
    const id = (await createBooking(t.deps, a.ctx, bookingInput({ friendlySlug: 'sunset-sail' }) as never)).booking.id;
    expect(locationOf(await viaEdgeFunction('/sunset-sail'))).toBeNull();
    expect((await publishGuestPage(deps, a.tenant.id, id)).result).toBe('published');
    expect(keysOf()['sunset-sail']).toBe(id);
    expect(locationOf(await viaEdgeFunction('/sunset-sail'))).toEqual({ status: 301, location: `/g/${id}` });
    expect((await getEdgeFunction(t.deps, 'alpha')).code).toContain(`cf.kvs("${KVS_ID}")`);
  });

  it('writes a changed slug and never removes the former one, so both redirect', async () => {
    const id = (await createBooking(t.deps, a.ctx, bookingInput({ friendlySlug: 'morning-sail' }) as never)).booking.id;
    await publishGuestPage(deps, a.tenant.id, id);
    await updateBooking(t.deps, a.ctx, id, { friendlySlug: 'noon-sail' }, '*');
    await publishGuestPage(deps, a.tenant.id, id);
    expect(keysOf()).toMatchObject({ 'morning-sail': id, 'noon-sail': id });
    for (const slug of ['/morning-sail', '/noon-sail']) {
      expect(locationOf(await viaEdgeFunction(slug)), slug).toEqual({ status: 301, location: `/g/${id}` });
    }
    for (const update of server.updates()) expect(deletesIn(update.body)).toEqual([]);
    expect(server.updates().every((r) => r.method === 'POST')).toBe(true);
  });

  it('writes nothing to the store when a page is published again unchanged', async () => {
    const id = (await createBooking(t.deps, a.ctx, bookingInput({ friendlySlug: 'quiet-sail' }) as never)).booking.id;
    await publishGuestPage(deps, a.tenant.id, id);
    const before = server.requests.length;
    expect((await publishGuestPage(deps, a.tenant.id, id)).result).toBe('unchanged');
    expect(server.requests).toHaveLength(before);
  });

  it("writes the slugs of a site that names its store by name to that store's ARN", async () => {
    const b = await makeTenant(t.deps, 'bravo');
    await setGuestSiteCdn(t.deps, b.ctx, { keyValueStoreId: NAME });
    const id = (await createBooking(t.deps, b.ctx, bookingInput({ friendlySlug: 'named-sail' }) as never)).booking.id;
    expect((await publishGuestPage(deps, b.tenant.id, id)).result).toBe('published');
    expect(keysOf()['named-sail']).toBe(id);
    expect(cloudFront.keyValueStoreDescribes()).toHaveLength(1);
  });

  it('records on the booking that the store named in its site settings does not exist', async () => {
    const c = await makeTenant(t.deps, 'charlie');
    await setGuestSiteCdn(t.deps, c.ctx, { keyValueStoreId: 'no-such-store' });
    const id = (await createBooking(t.deps, c.ctx, bookingInput({ friendlySlug: 'lost-sail' }) as never)).booking.id;
    await expect(publishGuestPage(deps, c.tenant.id, id)).rejects.toThrow(/^redirect: .*"no-such-store"/);
    const status = await getGuestPageStatus(t.deps, c.ctx, id);
    expect(status?.error).toMatch(
      /^redirect: .*KeyValueStore "no-such-store" \(bosun site cdn <tenant> --key-value-store-id\).*no KeyValueStore with that name/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it('records a failed write on the booking and writes the slug when the job is retried', async () => {
    const id = (await createBooking(t.deps, a.ctx, bookingInput({ friendlySlug: 'stormy-sail' }) as never)).booking.id;
    server.failures.push(
      { status: 503, code: 'InternalServerException' },
      { status: 503, code: 'InternalServerException' },
      { status: 503, code: 'InternalServerException' },
    );
    await expect(publishGuestPage(deps, a.tenant.id, id)).rejects.toThrow(/^redirect: /);
    expect(keysOf()['stormy-sail']).toBeUndefined();
    expect((await getGuestPageStatus(t.deps, a.ctx, id))?.error).toMatch(/^redirect: /);

    expect((await publishGuestPage(deps, a.tenant.id, id)).result).toBe('published');
    expect(keysOf()['stormy-sail']).toBe(id);
    const status = await getGuestPageStatus(t.deps, a.ctx, id);
    expect(status?.error).toBeNull();
    expect(status?.verifiedAt).not.toBeNull();
  });
});
