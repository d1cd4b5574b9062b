/**
 * Headers everywhere, as a browser and an API client meet them: every answer of the main host — root
 * page, docs, health, favicon, API, crew pages and errors — carries the security headers, HEAD as GET;
 * guest sites carry theirs; a browser that hits an error on the main host gets an HTML page, an API
 * client a problem; `/favicon.ico` is a small cached icon.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { listenHttp } from '../../src/main/http-server';
import { openSitePorts } from '../../src/main/runtime';
import { GUEST_SITE_HEADERS, guestPageKey, PAGE_CONTENT_TYPE, SITE_CACHE_CONTROL } from '../../src/publish/site-layout';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let dataDir: string;

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  // The guest sites' edge as `bosun start` wires it, over a folder of objects.
  dataDir = mkdtempSync(join(tmpdir(), 'bosun-headers-'));
  const { sites, edge } = openSitePorts(loadConfig({ BOSUN_DATA_DIR: dataDir }), () => t.deps);
  await sites.store.put({
    bucket: 'alpha.localhost',
    key: guestPageKey('LIVE123'),
    body: '<!doctype html><title>page</title>',
    contentType: PAGE_CONTENT_TYPE,
    cacheControl: SITE_CACHE_CONTROL,
  });
  app = makeApp(t, edge ? { edge } : {});
});
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await t.close();
});

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const SECURITY = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'content-security-policy'] as const;

function securityHeaders(res: Response) {
  return Object.fromEntries(SECURITY.map((name) => [name, res.headers.get(name)]));
}

describe('security headers on the main host', () => {
  const paths: [string, Record<string, string>, number][] = [
    ['/', {}, 200],
    ['/healthz', {}, 200],
    ['/api/docs', {}, 200],
    ['/api/v1/openapi.json', {}, 200],
    ['/favicon.ico', {}, 200],
    ['/api/v1/bookings', {}, 401],
    ['/no-such-page', {}, 404],
    ['/no-such-page', BROWSER, 404],
    ['/crew/login', {}, 200],
    ['/crew', {}, 303],
    ['/crew/feed/nothing.ics', {}, 404],
  ];

  it.each(paths)('GET and HEAD %s carry the same security headers', async (path, headers, status) => {
    const get = await app.request(path, { headers });
    const head = await app.request(path, { method: 'HEAD', headers });
    expect(get.status).toBe(status);
    expect(head.status).toBe(status);
    expect(await head.text()).toBe('');
    const sent = securityHeaders(get);
    expect(sent['x-content-type-options']).toBe('nosniff');
    expect(sent['x-frame-options']).toBe('DENY');
    expect(sent['referrer-policy']).toBe('no-referrer');
    expect(sent['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(securityHeaders(head)).toEqual(sent);
  });

  it('gives a valid key’s API answers the same headers', async () => {
    const res = await app.request('/api/v1/bookings', { headers: { 'x-service-key': a.serviceKey } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('keeps the crew pages’ own stricter policy', async () => {
    const res = await app.request('/crew/login');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('lets the root page load nothing but its own style sheet and images', async () => {
    const res = await app.request('/');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });
});

describe("HEAD as GET through Node's HTTP server", () => {
  it('answers HEAD with the headers of GET on the main host and on a guest site', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bosun-headers-node-'));
    const { edge } = openSitePorts(loadConfig({ BOSUN_DATA_DIR: dir }), () => t.deps);
    const served = makeApp(t, edge ? { edge } : {});
    const server = await listenHttp({ fetch: served.fetch, edge, port: 0, hostname: '127.0.0.1' });
    const port = (server.address() as AddressInfo).port;
    const ask = (method: string, path: string, host: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers: { host } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, ...res.headers }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      for (const [path, host] of [
        ['/', 'localhost'],
        ['/api/v1/bookings', 'localhost'],
        ['/crew/login', 'localhost'],
        ['/no-such-page', 'localhost'],
        ['/g/NOPE123', 'alpha.localhost'],
      ] as const) {
        const get = await ask('GET', path, host);
        const head = await ask('HEAD', path, host);
        expect(head.status, path).toBe(get.status);
        for (const name of SECURITY) {
          expect(get[name], `${path} ${name}`).toBeDefined();
          expect(head[name], `${path} ${name}`).toBe(get[name]);
        }
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('security headers on guest sites', () => {
  it.each([
    ['/g/LIVE123', 200],
    ['/g/NOPE123', 404],
    ['/favicon.ico', 404],
  ])('GET and HEAD %s carry the guest-site headers', async (path, status) => {
    for (const method of ['GET', 'HEAD']) {
      const res = await app.request(path, { method, headers: { host: 'alpha.localhost' } });
      expect(res.status, `${method} ${path}`).toBe(status);
      for (const [name, value] of Object.entries(GUEST_SITE_HEADERS))
        expect(res.headers.get(name), `${method} ${path} ${name}`).toBe(value);
    }
  });
});

describe('error pages for browsers', () => {
  it('answers a browser’s unknown path with an HTML page that says what happened', async () => {
    const res = await app.request('/no-such-page', { headers: BROWSER });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<h1>Not found</h1>');
    expect(html).toContain('Nothing at GET /no-such-page.');
    expect(html).toContain('href="/"');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('escapes what the request put in the page', async () => {
    const res = await app.request('/%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E', { headers: BROWSER });
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/<[^>]*alert/);
  });

  it('answers a browser’s POST to the root page with a 405 page that keeps Allow', async () => {
    const res = await app.request('/', { method: 'POST', headers: BROWSER });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('Method not allowed');
  });

  it('answers an internal error with a page to a browser and a problem to an API client, logging each once', async () => {
    const logs: string[] = [];
    const failing = makeApp(t, {
      logs,
      edge: {
        serve: async () => {
          throw new Error('edge down');
        },
      },
    });
    const page = await failing.request('/', { headers: BROWSER });
    expect(page.status).toBe(500);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('Internal error');
    expect(html).not.toContain('edge down');
    const problem = await failing.request('/');
    expect(problem.status).toBe(500);
    expect(problem.headers.get('content-type')).toBe('application/problem+json');
    expect(logs.filter((l) => l.includes('edge down'))).toHaveLength(2);
  });

  it('answers /api/* with problem+json whatever the client accepts', async () => {
    for (const path of ['/api/v1/bookings', '/api/v1/nothing', '/api/nothing']) {
      const res = await app.request(path, { headers: BROWSER });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
    }
    const invalid = await app.request('/api/v1/bookings?status=archived', { headers: { ...BROWSER, 'x-service-key': a.serviceKey } });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers an API client (curl’s */*) on the main host with problem+json', async () => {
    const res = await app.request('/no-such-page', { headers: { accept: '*/*' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const post = await app.request('/healthz', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('favicon', () => {
  it('serves a small SVG icon at /favicon.ico, cached, and answers its ETag with 304', async () => {
    const res = await app.request('/favicon.ico');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d{5,}/);
    const body = await res.text();
    expect(body.startsWith('<svg')).toBe(true);
    expect(body.length).toBeLessThan(1024);
    const etag = res.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);
    const again = await app.request('/favicon.ico', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('is named by the main host’s pages', async () => {
    expect(await (await app.request('/')).text()).toContain('<link rel="icon" href="/favicon.ico" type="image/svg+xml"/>');
  });
});
