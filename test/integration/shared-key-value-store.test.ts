/**
 * Platform mode's one KeyValueStore: every site's friendly slugs are written to it under the site's
 * domain (`{domain}/{slug}`), whatever store a site's own settings name, so the one function finds
 * each slug on its own host only (ADR 0027).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudFrontKeyValueStore } from '../../src/adapters/cloudfront-key-value-store';
import { FakeCloudFront } from '../support/fake-cloudfront';
import { FakeKeyValueStore } from '../support/fake-cloudfront-kvs';

const ARN = 'arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-000000000027';

let server: FakeKeyValueStore;
let cloudFront: FakeCloudFront;
let kvs: CloudFrontKeyValueStore;

beforeEach(async () => {
  server = await new FakeKeyValueStore().start();
  server.addStore(ARN);
  cloudFront = await new FakeCloudFront().start();
  kvs = new CloudFrontKeyValueStore({
    clientConfig: server.clientConfig(),
    cloudFrontClientConfig: { endpoint: cloudFront.endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } },
    shared: { keyValueStoreArn: ARN },
  });
});
afterEach(async () => {
  kvs.destroy();
  await server.stop();
  await cloudFront.stop();
});

describe('the shared KeyValueStore of platform mode', () => {
  it("writes each site's slugs under its domain into the one store, asking CloudFront for no store by name", async () => {
    await kvs.putKeys({ domain: 'sunset.example.com' }, [{ key: 'avery-sunset', value: 'AAAA111' }]);
    // A site's own setting (single mode's) is not what platform mode writes to.
    await kvs.putKeys({ domain: 'Lagoon.Example.org', keyValueStoreId: 'some-other-store' }, [
      { key: 'blue-lagoon', value: 'BBBB222' },
      { key: 'avery-sunset', value: 'BBBB333' },
    ]);
    expect(Object.fromEntries(server.stores.get(ARN)?.keys ?? [])).toEqual({
      'sunset.example.com/avery-sunset': 'AAAA111',
      'lagoon.example.org/blue-lagoon': 'BBBB222',
      'lagoon.example.org/avery-sunset': 'BBBB333',
    });
    expect(cloudFront.requests).toHaveLength(0);
  });

  it('deletes the slugs a site wrote under a domain it left, and only those, in all-or-nothing updates', async () => {
    await kvs.putKeys({ domain: 'old.example.com' }, [
      { key: 'avery-sunset', value: 'AAAA111' },
      { key: 'former-slug', value: 'AAAA111' },
    ]);
    await kvs.putKeys({ domain: 'new.example.com' }, [{ key: 'avery-sunset', value: 'AAAA111' }]);
    await kvs.putKeys({ domain: 'old.example.com.evil.net' }, [{ key: 'avery-sunset', value: 'CCCC333' }]);
    // A slug never written under the domain is no error: the site's every slug is named.
    await kvs.deleteDomainKeys('old.example.com', ['avery-sunset', 'former-slug', 'never-written']);
    expect(Object.fromEntries(server.stores.get(ARN)?.keys ?? [])).toEqual({
      'new.example.com/avery-sunset': 'AAAA111',
      'old.example.com.evil.net/avery-sunset': 'CCCC333',
    });
    const last = server.updates().at(-1);
    expect(JSON.parse(last?.body ?? '{}')).toEqual({
      Deletes: [{ Key: 'old.example.com/avery-sunset' }, { Key: 'old.example.com/former-slug' }, { Key: 'old.example.com/never-written' }],
    });
  });

  it("leaves a site's own store (single mode) as it is: it goes with the site to its new domain", async () => {
    const own = new CloudFrontKeyValueStore({ clientConfig: server.clientConfig() });
    try {
      const before = server.requests.length;
      await own.deleteDomainKeys('old.example.com', ['avery-sunset']);
      expect(server.requests).toHaveLength(before);
    } finally {
      own.destroy();
    }
  });
});
