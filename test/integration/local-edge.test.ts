/**
 * The local edge over a real folder of objects: routing by host through the generated edge function,
 * the cache and its exact-path invalidation, conditional requests and compression.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../src/adapters/fs-object-store';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { type EdgeSite, LocalEdge } from '../../src/adapters/local-edge';
import { listenHttp } from '../../src/main/http-server';
import type { ObjectStore } from '../../src/ports/object-store';
import { generateEdgeFunction } from '../../src/publish/edge-function';
import {
  GUEST_SITE_HEADERS,
  guestPageInvalidationPaths,
  guestPageKey,
  NOT_FOUND_KEY,
  PAGE_CONTENT_TYPE,
  SITE_CACHE_CONTROL,
} from '../../src/publish/site-layout';

let root: string;
let store: FsObjectStore;

const site = (domain: string): EdgeSite => ({
  domain,
  bucket: domain,
  edgeFunction: generateEdgeFunction({ domain, tenantSlug: domain.split('.')[0] ?? 'x' }),
  notFoundKey: NOT_FOUND_KEY,
});
const SITES: Record<string, EdgeSite> = { 'alpha.localhost': site('alpha.localhost'), 'beta.localhost': site('beta.localhost') };
const SLUGS: Record<string, Record<string, string>> = { 'alpha.localhost': { 'sunset-sail': 'ABC1234' } };

/** An edge as `bosun start` makes it: the site's headers on every answer, and a limit on runs of 404s. */
function guardedEdge(notFoundLimit: number) {
  return new LocalEdge({
    revalidateAfterMs: Number.POSITIVE_INFINITY,
    store,
    findSite: async (host) => SITES[host] ?? null,
    lookupKey: async (domain, key) => SLUGS[domain]?.[key] ?? null,
    responseHeaders: GUEST_SITE_HEADERS,
    clientAddress: (req) => String(req.headers['x-test-client'] ?? 'unknown'),
    notFound: { limits: new InMemoryFailureLimits(), limit: { name: 'guest-not-found', limit: notFoundLimit, windowMs: 60_000 } },
  });
}

function makeEdge(objects: ObjectStore = store, revalidateAfterMs = Number.POSITIVE_INFINITY) {
  return new LocalEdge({
    revalidateAfterMs,
    store: objects,
    findSite: async (host) => SITES[host] ?? null,
    lookupKey: async (domain, key) => SLUGS[domain]?.[key] ?? null,
  });
}

const page = (text: string) => `<!doctype html><html><body><p>${text}</p>${' '.repeat(600)}</body></html>`;
const put = (bucket: string, key: string, body: string) =>
  store.put({ bucket, key, body, contentType: PAGE_CONTENT_TYPE, cacheControl: SITE_CACHE_CONTROL });
/** Sends a request to the edge, through its Fetch entry or through a real HTTP server; null: left to the app. */
type Send = (edge: LocalEdge, method: string, host: string, path: string, headers?: Record<string, string>) => Promise<Response | null>;

// The app hands the edge the client's address it determined; here a test names it in a header.
const throughFetch: Send = (edge, method, host, path, headers = {}) =>
  edge.serve(new Request(`http://localhost:8080${path}`, { method, headers: { host, ...headers } }), headers['x-test-client']);

// As `bosun start` serves it: the edge on Node's request and response, the app behind it.
const servers = new Map<LocalEdge, Server>();
const APP_STATUS = 599;
const throughNode: Send = async (edge, method, host, path, headers = {}) => {
  let server = servers.get(edge);
  if (!server) {
    server = await listenHttp({ fetch: () => new Response('app', { status: APP_STATUS }), edge, hostname: '127.0.0.1', port: 0 });
    servers.set(edge, server);
  }
  const port = (server.address() as AddressInfo).port;
  const answer = await new Promise<{ status: number; headers: Headers; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out.set(name, String(value));
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
  if (answer.status === APP_STATUS) return null;
  return new Response(answer.body.byteLength ? new Uint8Array(answer.body) : null, { status: answer.status, headers: answer.headers });
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bosun-edge-'));
  store = new FsObjectStore(root);
  await put('alpha.localhost', guestPageKey('ABC1234'), page('alpha page'));
  await put('alpha.localhost', NOT_FOUND_KEY, '<!doctype html><h1>alpha not found</h1>');
  await put('beta.localhost', guestPageKey('BETA999'), page('beta page'));
});
afterAll(async () => {
  for (const server of servers.values()) await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe.each([
  ['through its Fetch entry', throughFetch],
  ["on Node's HTTP server", throughNode],
])('local edge, %s', (_, send) => {
  const get = (edge: LocalEdge, host: string, path: string, headers: Record<string, string> = {}) => send(edge, 'GET', host, path, headers);

  it('leaves requests for hosts that are not guest sites to the app', async () => {
    expect(await get(makeEdge(), 'localhost:8080', '/g/ABC1234')).toBeNull();
    expect(await get(makeEdge(), 'unknown.localhost', '/g/ABC1234')).toBeNull();
    expect((await makeEdge().fetch({ domain: 'unknown.localhost' }, '/g/ABC1234')).status).toBe(404);
  });

  it('serves a page at /g/{ID} in any case, with its type, cache control and tag; the second request is a hit', async () => {
    const edge = makeEdge();
    for (const path of ['/g/ABC1234', '/g/abc1234', '/g/ABC1234/']) {
      const res = await get(edge, 'alpha.localhost:8080', path);
      expect(res?.status, path).toBe(200);
      expect(await res?.text()).toBe(page('alpha page'));
      expect(res?.headers.get('content-type')).toBe(PAGE_CONTENT_TYPE);
      expect(res?.headers.get('cache-control')).toBe(SITE_CACHE_CONTROL);
      expect(res?.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    }
    expect(edge.stats()).toMatchObject({ misses: 1, hits: 2 });
  });

  it('reads the path as a URL would: dot segments resolved, escapes kept, the query string not part of it', async () => {
    const edge = makeEdge();
    expect((await get(edge, 'alpha.localhost', '/x/../g/ABC1234'))?.status).toBe(200);
    expect((await get(edge, 'alpha.localhost', '/g/ABC1234?utm_source=mail'))?.status).toBe(200);
    expect((await get(edge, 'alpha.localhost', '/g/%2e%2e/ABC1234'))?.status).toBe(404);
    expect((await get(edge, 'alpha.localhost', '//g/ABC1234'))?.status).toBe(404);
  });

  it('answers 503 when the edge function fails, as CloudFront does, and reports the failure', async () => {
    const errors: unknown[] = [];
    const broken: EdgeSite = { ...site('alpha.localhost'), edgeFunction: "function handler(event) { throw new Error('boom'); }" };
    const edge = new LocalEdge({
      store,
      findSite: async () => broken,
      lookupKey: async () => null,
      onError: (err) => errors.push(err),
    });
    const res = await get(edge, 'alpha.localhost', '/g/ABC1234');
    expect(res?.status).toBe(503);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
    // The server goes on answering.
    expect((await get(makeEdge(), 'alpha.localhost', '/g/ABC1234'))?.status).toBe(200);
  });

  it("never serves one site's page on another site's host", async () => {
    const edge = makeEdge();
    expect((await get(edge, 'beta.localhost', '/g/ABC1234'))?.status).toBe(404);
    expect((await get(edge, 'alpha.localhost', '/g/BETA999'))?.status).toBe(404);
    expect(await (await get(edge, 'beta.localhost', '/g/BETA999'))?.text()).toBe(page('beta page'));
  });

  it("answers an unknown id with the site's not-found page and status 404", async () => {
    const res = await get(makeEdge(), 'alpha.localhost', '/g/NOPE999');
    expect(res?.status).toBe(404);
    expect(await res?.text()).toContain('alpha not found');
    const bare = await get(makeEdge(), 'beta.localhost', '/g/NOPE999');
    expect(bare?.status).toBe(404);
    expect(await bare?.text()).toBe('Not found');
  });

  it('redirects a friendly slug with 301 to the page', async () => {
    const res = await get(makeEdge(), 'alpha.localhost', '/sunset-sail');
    expect(res?.status).toBe(301);
    expect(res?.headers.get('location')).toBe('/g/ABC1234');
    expect((await get(makeEdge(), 'beta.localhost', '/sunset-sail'))?.status).toBe(404);
  });

  it('redirects a friendly slug added to the key value store from the next request on, and follows it when it moves', async () => {
    const edge = makeEdge();
    expect((await get(edge, 'alpha.localhost', '/late-slug'))?.status).toBe(404);
    const slugs = SLUGS['alpha.localhost'] as Record<string, string>;
    try {
      slugs['late-slug'] = 'ABC1234';
      const added = await get(edge, 'alpha.localhost', '/late-slug');
      expect(added?.status).toBe(301);
      expect(added?.headers.get('location')).toBe('/g/ABC1234');
      slugs['late-slug'] = 'DEF5678';
      expect((await get(edge, 'alpha.localhost', '/late-slug'))?.headers.get('location')).toBe('/g/DEF5678');
    } finally {
      delete slugs['late-slug'];
    }
  });

  it('runs a function that reads a request header for every request: each gets the page its header chooses', async () => {
    await put('gamma.localhost', 'en.html', page('english'));
    await put('gamma.localhost', 'fr.html', page('français'));
    const byLanguage: EdgeSite = {
      ...site('gamma.localhost'),
      edgeFunction: `async function handler(event) {
  const request = event.request;
  const language = request.headers['accept-language'];
  request.uri = language && language.value === 'fr' ? '/fr.html' : '/en.html';
  return request;
}`,
    };
    const edge = new LocalEdge({ store, findSite: async () => byLanguage, lookupKey: async () => null });
    for (const [language, text] of [
      [undefined, 'english'],
      ['fr', 'français'],
      [undefined, 'english'],
      ['fr', 'français'],
    ] as const) {
      const res = await get(edge, 'gamma.localhost', '/welcome', language ? { 'accept-language': language } : {});
      expect(await res?.text(), language ?? 'no language').toBe(page(text));
    }
  });

  it("answers with the site's new function as soon as its code changes, for targets answered before too", async () => {
    await put('alpha.localhost', 'moved.html', page('moved'));
    let current = site('alpha.localhost');
    const edge = new LocalEdge({ store, siteTtlMs: 0, findSite: async () => current, lookupKey: async () => null });
    for (let i = 0; i < 2; i++) expect(await (await get(edge, 'alpha.localhost', '/g/ABC1234'))?.text()).toBe(page('alpha page'));
    current = {
      ...current,
      edgeFunction: "async function handler(event) { event.request.uri = '/moved.html'; return event.request; }",
    };
    expect(await (await get(edge, 'alpha.localhost', '/g/ABC1234'))?.text()).toBe(page('moved'));
  });

  it('answers If-None-Match with 304 and no body', async () => {
    const edge = makeEdge();
    const first = await get(edge, 'alpha.localhost', '/g/ABC1234');
    const etag = first?.headers.get('etag') ?? '';
    const again = await get(edge, 'alpha.localhost', '/g/ABC1234', { 'if-none-match': etag });
    expect(again?.status).toBe(304);
    expect(await again?.text()).toBe('');
    expect(again?.headers.get('etag')).toBe(etag);
  });

  it('compresses with br or gzip as the client accepts, and answers HEAD without a body', async () => {
    const edge = makeEdge();
    const br = await get(edge, 'alpha.localhost', '/g/ABC1234', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br?.headers.get('content-encoding')).toBe('br');
    expect(br?.headers.get('vary')).toBe('accept-encoding');
    expect(brotliDecompressSync(Buffer.from(await (br as Response).arrayBuffer())).toString()).toBe(page('alpha page'));
    const gz = await get(edge, 'alpha.localhost', '/g/ABC1234', { 'accept-encoding': 'gzip' });
    expect(gz?.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await (gz as Response).arrayBuffer())).toString()).toBe(page('alpha page'));
    const plain = await get(edge, 'alpha.localhost', '/g/ABC1234', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(plain?.headers.get('content-encoding')).toBeNull();
    const head = await send(edge, 'HEAD', 'alpha.localhost', '/g/ABC1234');
    expect(head?.status).toBe(200);
    expect(await head?.text()).toBe('');
    const post = await send(edge, 'POST', 'alpha.localhost', '/g/ABC1234');
    expect(post?.status).toBe(405);
  });

  it('keeps at most maxEntries objects, dropping the least recently loaded first', async () => {
    const edge = new LocalEdge({
      store,
      maxEntries: 2,
      revalidateAfterMs: Number.POSITIVE_INFINITY,
      findSite: async (host) => SITES[host] ?? null,
      lookupKey: async () => null,
    });
    await put('alpha.localhost', guestPageKey('LRU0001'), page('one'));
    await put('alpha.localhost', guestPageKey('LRU0002'), page('two'));
    for (const id of ['ABC1234', 'LRU0001', 'LRU0002']) expect((await get(edge, 'alpha.localhost', `/g/${id}`))?.status).toBe(200);
    expect(edge.stats()).toMatchObject({ entries: 2, misses: 3 });
    expect((await get(edge, 'alpha.localhost', '/g/LRU0002'))?.headers.get('x-cache')).toBe('Hit from bosun-edge');
    expect((await get(edge, 'alpha.localhost', '/g/ABC1234'))?.headers.get('x-cache')).toBe('Miss from bosun-edge');
  });

  it('keeps serving its copy until exactly that path is invalidated', async () => {
    const edge = makeEdge();
    await put('alpha.localhost', guestPageKey('CHG1234'), page('before'));
    expect(await (await get(edge, 'alpha.localhost', '/g/CHG1234'))?.text()).toBe(page('before'));
    await put('alpha.localhost', guestPageKey('CHG1234'), page('after'));
    expect(await (await get(edge, 'alpha.localhost', '/g/CHG1234'))?.text()).toBe(page('before'));
    await edge.invalidate({ domain: 'alpha.localhost' }, ['/g/OTHER99.html'], 'unrelated');
    expect(await (await get(edge, 'alpha.localhost', '/g/CHG1234'))?.text()).toBe(page('before'));
    await edge.invalidate({ domain: 'alpha.localhost' }, guestPageInvalidationPaths('CHG1234'), 'change-1');
    expect(await (await get(edge, 'alpha.localhost', '/g/CHG1234'))?.text()).toBe(page('after'));
  });

  it('keys its cache by the rewritten path: invalidating the object paths refreshes every viewer path of the page', async () => {
    const edge = makeEdge();
    const viewerPaths = ['/g/VIEW123', '/g/view123', '/g/VIEW123/', '/g/view123/', '/g/ViEw123'];
    await put('alpha.localhost', guestPageKey('VIEW123'), page('before'));
    for (const path of viewerPaths) expect(await (await get(edge, 'alpha.localhost', path))?.text()).toBe(page('before'));
    // One load and one entry for all of them: no viewer path is an entry of its own.
    expect(edge.stats()).toMatchObject({ misses: 1, hits: viewerPaths.length - 1, entries: 1 });

    await put('alpha.localhost', guestPageKey('VIEW123'), page('after'));
    for (const path of viewerPaths) expect(await (await get(edge, 'alpha.localhost', path))?.text()).toBe(page('before'));
    expect(guestPageInvalidationPaths('VIEW123')).toEqual(['/g/view123.html', '/g/view123.ics']);
    await edge.invalidate({ domain: 'alpha.localhost' }, guestPageInvalidationPaths('VIEW123'), 'change-view');
    for (const path of viewerPaths) {
      const res = await get(edge, 'alpha.localhost', path);
      expect(res?.status).toBe(200);
      expect(await res?.text()).toBe(page('after'));
    }
  });

  it('checks an aged copy against the store, so a change written by another process shows without an invalidation', async () => {
    const edge = makeEdge(store, 0);
    await store.delete('alpha.localhost', guestPageKey('NEWPAGE1'));
    await put('alpha.localhost', guestPageKey('OTHER12'), page('first'));
    expect(await (await get(edge, 'alpha.localhost', '/g/OTHER12'))?.text()).toBe(page('first'));
    expect((await get(edge, 'alpha.localhost', '/g/OTHER12'))?.headers.get('x-cache')).toBe('Hit from bosun-edge');
    await put('alpha.localhost', guestPageKey('OTHER12'), page('second'));
    expect(await (await get(edge, 'alpha.localhost', '/g/OTHER12'))?.text()).toBe(page('second'));
    expect((await get(edge, 'alpha.localhost', '/g/NEWPAGE1'))?.status).toBe(404);
    await put('alpha.localhost', guestPageKey('NEWPAGE1'), page('new'));
    expect((await get(edge, 'alpha.localhost', '/g/NEWPAGE1'))?.status).toBe(200);
  });

  it('does not keep a copy loaded before an invalidation that arrived while it was loading', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let loaded: () => void = () => {};
    const readOld = new Promise<void>((r) => {
      loaded = r;
    });
    let holdNext = true;
    const slow: ObjectStore = {
      put: (i) => store.put(i),
      head: (b, k) => store.head(b, k),
      delete: (b, k) => store.delete(b, k),
      list: (b) => store.list(b),
      get: async (b, k) => {
        const object = await store.get(b, k);
        if (holdNext) {
          // The old object is read; the load finishes only after the change and its invalidation.
          holdNext = false;
          loaded();
          await gate;
        }
        return object;
      },
    };
    const edge = makeEdge(slow);
    await put('alpha.localhost', guestPageKey('RACE123'), page('old'));
    const inFlight = get(edge, 'alpha.localhost', '/g/RACE123');
    await readOld;
    await put('alpha.localhost', guestPageKey('RACE123'), page('new'));
    await edge.invalidate({ domain: 'alpha.localhost' }, guestPageInvalidationPaths('RACE123'), 'change-2');
    release();
    expect(await (await inFlight)?.text()).toBe(page('old'));
    expect(await (await get(edge, 'alpha.localhost', '/g/RACE123'))?.text()).toBe(page('new'));
  });

  it('answers a run of 404s from one address with 429 and Retry-After, then every page to it; other addresses are still served', async () => {
    const edge = guardedEdge(5);
    const from = (client: string) => ({ 'x-test-client': client });
    for (let i = 0; i < 5; i++) expect((await get(edge, 'alpha.localhost', `/g/NOPE00${i}`, from('a')))?.status).toBe(404);
    const limited = await get(edge, 'alpha.localhost', '/g/NOPE999', from('a'));
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited?.text()).toContain('Try again in');
    expect(limited?.headers.get('x-content-type-options')).toBe('nosniff');
    const head = await send(edge, 'HEAD', 'alpha.localhost', '/g/NOPE998', from('a'));
    expect(head?.status).toBe(429);
    expect(await head?.text()).toBe('');
    // A guesser must not tell hits from misses: a page that exists, or a friendly slug, is refused
    // to that address alike until its window ends.
    expect((await get(edge, 'alpha.localhost', '/g/ABC1234', from('a')))?.status).toBe(429);
    expect((await get(edge, 'alpha.localhost', '/sunset-sail', from('a')))?.status).toBe(429);
    // A browser's own asks are no guesses, and another address is not limited.
    expect((await get(edge, 'alpha.localhost', '/favicon.ico', from('a')))?.status).toBe(404);
    expect((await get(edge, 'alpha.localhost', '/robots.txt', from('a')))?.status).toBe(404);
    expect((await get(edge, 'alpha.localhost', '/g/NOPE999', from('b')))?.status).toBe(404);
    expect((await get(edge, 'alpha.localhost', '/g/ABC1234', from('b')))?.status).toBe(200);
  });

  it('limits a run of 404s for one and the same unknown page as for different ones', async () => {
    const edge = guardedEdge(5);
    const from = { 'x-test-client': 'c' };
    for (let i = 0; i < 5; i++) expect((await get(edge, 'alpha.localhost', '/g/NOPE777', from))?.status).toBe(404);
    expect((await get(edge, 'alpha.localhost', '/g/NOPE777', from))?.status).toBe(429);
    expect((await get(edge, 'alpha.localhost', '/g/ABC1234', from))?.status).toBe(429);
  });

  it('carries the guest-site security headers on every answer, HEAD as GET', async () => {
    const edge = guardedEdge(1000);
    const answers: [string, string, Record<string, string>, number][] = [
      ['GET', '/g/ABC1234', {}, 200],
      ['GET', '/g/ABC1234', { 'accept-encoding': 'gzip' }, 200],
      ['GET', '/g/NOPE123', {}, 404],
      ['GET', '/sunset-sail', {}, 301],
      ['POST', '/g/ABC1234', {}, 405],
    ];
    const etag = (await get(edge, 'alpha.localhost', '/g/ABC1234'))?.headers.get('etag') ?? '';
    answers.push(['GET', '/g/ABC1234', { 'if-none-match': etag }, 304]);
    for (const [method, path, headers, status] of answers) {
      for (const m of method === 'GET' ? ['GET', 'HEAD'] : [method]) {
        const res = await send(edge, m, 'alpha.localhost', path, headers);
        expect(res?.status, `${m} ${path}`).toBe(status);
        for (const [name, value] of Object.entries(GUEST_SITE_HEADERS)) expect(res?.headers.get(name), `${m} ${path} ${name}`).toBe(value);
      }
    }
  });

  it('answers 502 when the object store fails, and recovers when it answers again', async () => {
    let broken = true;
    const flaky: ObjectStore = {
      put: (i) => store.put(i),
      head: (b, k) => store.head(b, k),
      delete: (b, k) => store.delete(b, k),
      list: (b) => store.list(b),
      get: async (b, k) => {
        if (broken) throw new Error('disk unavailable');
        return store.get(b, k);
      },
    };
    const edge = makeEdge(flaky);
    expect((await get(edge, 'alpha.localhost', '/g/ABC1234'))?.status).toBe(502);
    broken = false;
    expect((await get(edge, 'alpha.localhost', '/g/ABC1234'))?.status).toBe(200);
  });
});

describe("local edge on Node's HTTP server", () => {
  const raw = (edge: LocalEdge, target: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      void throughNode(edge, 'GET', 'alpha.localhost', '/').then(() => {
        const port = ((servers.get(edge) as Server).address() as AddressInfo).port;
        const req = request({ host: '127.0.0.1', port, path: target, headers: { host: 'alpha.localhost' } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      }, reject);
    });

  it('takes a request target in absolute form by its path, never by its host', async () => {
    const edge = makeEdge();
    expect(await raw(edge, 'http://alpha.localhost/g/ABC1234')).toMatchObject({ status: 200, body: page('alpha page') });
    expect((await raw(edge, 'http://beta.localhost/g/BETA999')).status).toBe(404);
  });
});
