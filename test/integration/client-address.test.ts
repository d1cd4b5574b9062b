/**
 * The client's address behind a proxy, through a real HTTP server wired as `bosun start` wires it:
 * `X-Forwarded-For` is read only when the peer is a proxy trusted by `BOSUN_TRUSTED_PROXIES`, and
 * then from the right. The API's failure limit and the guest sites' limit on runs of 404s both
 * count by that address (an IPv6 one by its /64).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { loadConfig } from '../../src/config/env';
import { createApp } from '../../src/http/app';
import { clientAddressResolver } from '../../src/main/client-address';
import { listenHttp } from '../../src/main/http-server';
import { openSitePorts, pingDatabase } from '../../src/main/runtime';
import { guestPageKey, PAGE_CONTENT_TYPE, SITE_CACHE_CONTROL } from '../../src/publish/site-layout';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
const dirs: string[] = [];
const servers: Server[] = [];

/** A server on 127.0.0.1 as `bosun start` makes it, with BOSUN_TRUSTED_PROXIES set to `trusted`. */
async function startServer(trusted: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bosun-client-address-'));
  dirs.push(dataDir);
  const config = loadConfig({ BOSUN_DATA_DIR: dataDir, ...(trusted ? { BOSUN_TRUSTED_PROXIES: trusted } : {}) });
  const clientAddress = clientAddressResolver(config.trustedProxies);
  const { sites, edge } = openSitePorts(config, () => t.deps, undefined, clientAddress);
  await sites.store.put({
    bucket: 'alpha.localhost',
    key: guestPageKey('LIVE123'),
    body: '<!doctype html><title>page</title>',
    contentType: PAGE_CONTENT_TYPE,
    cacheControl: SITE_CACHE_CONTROL,
  });
  const app = createApp({
    ...t.deps,
    log: pino({ level: 'silent' }),
    ping: () => pingDatabase(t.handle),
    failureLimits: new InMemoryFailureLimits(),
    edge,
    clientAddress: clientAddress.ofContext,
    signingSecret: 'test-signing-secret-of-at-least-32-characters',
  });
  const server = await listenHttp({ fetch: app.fetch, edge, port: 0, hostname: '127.0.0.1' });
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

function get(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await t.close();
});

const WRONG_KEY = `bsk_${'W'.repeat(43)}`;

describe('without trusted proxies', () => {
  let port: number;
  beforeAll(async () => {
    port = await startServer('');
  });

  it('ignores a spoofed X-Forwarded-For: failing keys count against the peer whatever the header says', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await get(port, '/api/v1/bookings', { 'x-service-key': WRONG_KEY, 'x-forwarded-for': `198.51.100.${i}` });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    // The valid key from the same peer is served.
    expect((await get(port, '/api/v1/bookings', { 'x-service-key': a.serviceKey, 'x-forwarded-for': '198.51.100.200' })).status).toBe(200);
  });

  it('ignores a spoofed X-Forwarded-For on a guest host: a run of 404s is limited by the peer', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await get(port, `/g/NOPE${String(i).padStart(3, '0')}`, {
        host: 'alpha.localhost',
        'x-forwarded-for': `198.51.100.${i}`,
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 404)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});

describe('behind a trusted proxy (BOSUN_TRUSTED_PROXIES=127.0.0.1)', () => {
  let port: number;
  beforeAll(async () => {
    port = await startServer('127.0.0.1, 10.0.0.0/8');
  });

  it('counts failing keys by the client the proxy names, so one client does not limit another', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await get(port, '/api/v1/bookings', { 'x-service-key': WRONG_KEY, 'x-forwarded-for': '203.0.113.1' })).status).toBe(401);
    }
    const limited = await get(port, '/api/v1/bookings', { 'x-service-key': WRONG_KEY, 'x-forwarded-for': '203.0.113.1' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get(port, '/api/v1/bookings', { 'x-service-key': WRONG_KEY, 'x-forwarded-for': '203.0.113.2' })).status).toBe(401);
  });

  it('takes the right-most address that is not a trusted proxy: a forged left part changes nothing', async () => {
    // The client forged "192.0.2.99"; the proxy appended the address it saw, through a second trusted hop.
    const res = await get(port, '/api/v1/bookings', { 'x-service-key': WRONG_KEY, 'x-forwarded-for': '192.0.2.99, 203.0.113.1, 10.1.2.3' });
    expect(res.status).toBe(429);
  });

  it('limits a run of 404s on a guest host by the client the proxy names, and no one else', async () => {
    const client = { host: 'alpha.localhost', 'x-forwarded-for': '203.0.113.50' };
    for (let i = 0; i < 30; i++) expect((await get(port, `/g/NOPE${String(i).padStart(3, '0')}`, client)).status).toBe(404);
    const limited = await get(port, '/g/NOPE999', client);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get(port, '/g/LIVE123', client)).status).toBe(429);
    const other = { ...client, 'x-forwarded-for': '203.0.113.51' };
    expect((await get(port, '/g/NOPE999', other)).status).toBe(404);
    expect((await get(port, '/g/LIVE123', other)).status).toBe(200);
  });

  it('counts an IPv6 client by its /64: failing keys from a new address of one network each time are one client', async () => {
    const from = (address: string) => ({ 'x-service-key': WRONG_KEY, 'x-forwarded-for': address });
    for (let i = 1; i <= 20; i++) {
      expect((await get(port, '/api/v1/bookings', from(`2001:db8:aa:1:${i.toString(16)}::${i.toString(16)}`))).status).toBe(401);
    }
    expect((await get(port, '/api/v1/bookings', from('2001:db8:aa:1:ffff:ffff:ffff:ffff'))).status).toBe(429);
    expect((await get(port, '/api/v1/bookings', from('2001:db8:aa:2::1'))).status).toBe(401);
  });

  it("limits a run of 404s on a guest host by the IPv6 client's /64, served straight from Node's server", async () => {
    const from = (i: number) => ({ host: 'alpha.localhost', 'x-forwarded-for': `2001:db8:bb:1::${(i + 1).toString(16)}` });
    for (let i = 0; i < 30; i++) expect((await get(port, `/g/NOPE${String(i).padStart(3, '0')}`, from(i))).status).toBe(404);
    expect((await get(port, '/g/LIVE123', from(99))).status).toBe(429);
    expect((await get(port, '/g/LIVE123', { host: 'alpha.localhost', 'x-forwarded-for': '2001:db8:bb:2::1' })).status).toBe(200);
  });
});
