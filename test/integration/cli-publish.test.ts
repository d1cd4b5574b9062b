/** `bosun publish` and `bosun edge-function`, run as the CLI and the control socket run them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandRuntime } from '../../src/cli/commands';
import { createBooking } from '../../src/services/bookings';
import { ServiceError } from '../../src/services/errors';
import { checkCloudFrontRuntime2 } from '../support/cloudfront-runtime';
import { runCommand } from '../support/commands';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let sites: TestSites;
let rt: CommandRuntime;
let ids: string[];

const run = (name: string, args: Record<string, unknown>, runtime: CommandRuntime = rt) => runCommand(runtime, name, args);

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t);
  rt = { deps: t.deps, sites: sites.deps.sites };
  const a = await makeTenant(t.deps, 'alpha');
  ids = [];
  for (let i = 0; i < 3; i++) ids.push((await createBooking(t.deps, a.ctx, bookingInput() as never)).booking.id);
});
afterAll(async () => {
  await t.close();
  sites.close();
});

describe('bosun publish', () => {
  it('publishes all pages with progress, then reports them unchanged', async () => {
    const progress: [number, number][] = [];
    const first = await run('publish', { tenant: 'alpha', all: true }, { ...rt, progress: (done, total) => progress.push([done, total]) });
    expect(first.text).toBe('Published 3, unchanged 0, failed 0 on alpha.localhost (3 pages).');
    expect(progress.at(-1)).toEqual([3, 3]);
    expect((first.json.published as string[]).sort()).toEqual([...ids].sort());
    const again = await run('publish', { tenant: 'alpha', all: true });
    expect(again.text).toBe('Published 0, unchanged 3, failed 0 on alpha.localhost (3 pages).');
    const one = await run('publish', { tenant: 'alpha', booking: ids[0]?.toLowerCase() });
    expect(one.json).toMatchObject({ total: 1, unchanged: [ids[0]] });
  });

  it('names a wrong or missing choice, and an unknown tenant', async () => {
    await expect(run('publish', { tenant: 'alpha' })).rejects.toMatchObject({
      errors: [{ field: '--booking', message: 'or --all is required, not both' }],
    });
    await expect(run('publish', { tenant: 'alpha', all: true, booking: 'ABCD1234' })).rejects.toBeInstanceOf(ServiceError);
    await expect(run('publish', { tenant: 'alpha', all: true, concurrency: '0' })).rejects.toMatchObject({
      errors: [{ field: '--concurrency', message: 'must be at least 1' }],
    });
    await expect(run('publish', { tenant: 'nobody', all: true })).rejects.toThrow(/Tenant "nobody" was not found/);
  });

  it('fails with a non-zero status that names each booking whose page could not be published', async () => {
    const broken = openTestSites(t, {
      wrapStore: (store) => ({
        put: async () => {
          throw new Error('bucket is read-only (test)');
        },
        get: (b, k) => store.get(b, k),
        head: async () => null,
        delete: (b, k) => store.delete(b, k),
        list: (b) => store.list(b),
      }),
    });
    try {
      await expect(run('publish', { tenant: 'alpha', booking: ids[1] }, { deps: t.deps, sites: broken.deps.sites })).rejects.toMatchObject({
        status: 502,
        message: 'Published 0, unchanged 0, failed 1 on alpha.localhost (1 page).',
        errors: [{ field: ids[1], message: 'store: bucket is read-only (test)' }],
      });
    } finally {
      broken.close();
    }
  });
});

describe('bosun edge-function', () => {
  it("prints the tenant's edge function: runtime 2.0 code that the local edge runs", async () => {
    const out = await run('edge-function', { tenant: 'alpha' });
    expect(out.json).toMatchObject({
      tenant: 'alpha',
      domain: 'alpha.localhost',
      runtime: 'cloudfront-js-2.0',
      eventType: 'viewer-request',
    });
    expect(out.text).toContain('Guest site alpha.localhost');
    expect(checkCloudFrontRuntime2(out.text)).toEqual([]);
    await expect(run('edge-function', { tenant: 'nobody' })).rejects.toThrow(/not found/);
  });
});

describe('bosun site cdn', () => {
  it('stores the distribution of the guest site, names a wrong id, and is audited', async () => {
    const out = await run('site cdn', { tenant: 'alpha', distributionId: 'E2QWRUHAPOMQZL' });
    expect(out.text).toBe('CDN settings of alpha.localhost: distributionId E2QWRUHAPOMQZL');
    await expect(run('site cdn', { tenant: 'alpha', distributionId: 'not-an-id' })).rejects.toMatchObject({
      errors: [{ field: '--distribution-id', message: 'must be a CloudFront distribution id like E2QWRUHAPOMQZL' }],
    });
    for (const wrong of ['foo:bar', 'arn:aws:s3:::bucket', 'a'.repeat(65)]) {
      await expect(run('site cdn', { tenant: 'alpha', keyValueStoreId: wrong })).rejects.toMatchObject({
        errors: [{ field: '--key-value-store-id', message: expect.stringMatching(/^must be a KeyValueStore name, id or ARN/) }],
      });
    }
    const byName = await run('site cdn', { tenant: 'alpha', keyValueStoreId: 'guest-slugs' });
    expect(byName.text).toContain('keyValueStoreId guest-slugs');
    const audit = await run('audit', { tenant: 'alpha' });
    expect(audit.text).toContain('site.cdn_set');
  });
});
