/**
 * A bulk republish shares its process with the API and the guest sites: while it runs, requests
 * are still answered (rendering is CPU work, and the local store and PGlite do not wait on I/O, so
 * the publisher gives the event loop a turn between pages).
 */
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenHttp } from '../../src/main/http-server';
import { createBooking } from '../../src/services/bookings';
import type { TenantContext } from '../../src/services/context';
import { republishGuestPages } from '../../src/services/publishing';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let sites: TestSites;
let server: Server;
let ctx: TenantContext;
const ids: string[] = [];

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t);
  ctx = (await makeTenant(t.deps, 'alpha')).ctx;
  for (let i = 0; i < 120; i++) ids.push((await createBooking(t.deps, ctx, bookingInput() as never)).booking.id);
  server = await listenHttp({ fetch: () => new Response('app'), edge: sites.edge, hostname: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
  sites.close();
});

const get = (path: string) =>
  new Promise<number>((resolve, reject) => {
    const port = (server.address() as AddressInfo).port;
    const req = request({ host: '127.0.0.1', port, path, headers: { host: 'alpha.localhost' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });

describe('bulk republish', () => {
  it('leaves guest requests answered while it publishes 120 pages', async () => {
    let finished = false;
    const publishing = republishGuestPages(sites.deps, ctx, { all: true }, { concurrency: 8 }).then((summary) => {
      finished = true;
      return summary;
    });
    // The site's not-found page is stored first; any path of the site is then answered by the edge.
    const status = await get('/g/NOTHERE');
    expect(finished).toBe(false);
    expect(status).toBe(404);
    expect((await publishing).published).toHaveLength(ids.length);
    expect(await get(`/g/${ids[0]}`)).toBe(200);
  });
});
