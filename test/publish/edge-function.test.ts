/**
 * The generated CloudFront Function: inside runtime 2.0's documented language (checked on the parsed
 * code), ≤ 10 KB, and — run in node:vm with a `cloudfront` module — rewriting every public path of a
 * page to the key the publisher stores it at, and redirecting friendly slugs.
 */
import { describe, expect, it } from 'vitest';
import { cloudFrontModule, loadEdgeFunction, viewerRequestEvent } from '../../src/adapters/cloudfront-function-vm';
import { EDGE_FUNCTION_MAX_BYTES, generateEdgeFunction } from '../../src/publish/edge-function';
import { friendlySlugPath, guestPageKey, guestPagePath, guestPagePublicPaths, objectPath } from '../../src/publish/site-layout';
import { checkCloudFrontRuntime2 } from '../support/cloudfront-runtime';

const code = generateEdgeFunction({ domain: 'demo.localhost', tenantSlug: 'demo' });
const slugs: Record<string, string> = { 'avery-sunset': 'ABC1234', 'old-name': 'ABC1234', broken: 'javascript:alert(1)' };
const edge = loadEdgeFunction(code, { cloudfront: cloudFrontModule(async (key) => slugs[key] ?? null) });

async function run(path: string) {
  const url = new URL(path, 'http://demo.localhost');
  return edge(viewerRequestEvent('GET', url, new Headers({ accept: 'text/html' }), { domain: 'demo.localhost' }));
}

async function rewrittenUri(path: string): Promise<string> {
  const out = await run(path);
  if (out.kind !== 'request') throw new Error(`expected the request to pass on, got ${JSON.stringify(out)}`);
  return out.request.uri;
}

describe('edge function: CloudFront runtime 2.0', () => {
  it('uses only what runtime 2.0 documents and fits in 10 KB', () => {
    expect(checkCloudFrontRuntime2(code)).toEqual([]);
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(EDGE_FUNCTION_MAX_BYTES);
    expect(code).toContain("import cf from 'cloudfront';");
    expect(code).toContain('cf.kvs()');
  });

  it("names the site's key value store by its id (given as an id or an ARN); a store's name is not an id", () => {
    const id = 'a1b2c3d4-5678-90ab-cdef-0123456789ab';
    const byId = generateEdgeFunction({ domain: 'demo.example.com', tenantSlug: 'demo', keyValueStoreId: id });
    expect(byId).toContain(`cf.kvs("${id}")`);
    expect(checkCloudFrontRuntime2(byId)).toEqual([]);
    const arn = `arn:aws:cloudfront::123456789012:key-value-store/${id}`;
    expect(generateEdgeFunction({ domain: 'demo.example.com', tenantSlug: 'demo', keyValueStoreId: arn })).toContain(`cf.kvs("${id}")`);
    // The runtime takes no name: the function reads its only associated store.
    const byName = generateEdgeFunction({ domain: 'demo.example.com', tenantSlug: 'demo', keyValueStoreId: 'guest-slugs' });
    expect(byName).toContain('cf.kvs()');
  });

  it.each([
    ['destructuring', 'const { uri } = event.request;'],
    ['array destructuring', 'const [a] = [1];'],
    ['optional chaining', 'const x = event.request?.uri;'],
    ['nullish coalescing', 'const x = event.request.uri ?? "/";'],
    ['spread', 'const x = { ...event.request };'],
    ['classes', 'class Router {}'],
    ['export', 'export const x = 1;'],
    ['timers', 'setTimeout(() => 1, 10);'],
    ['network', 'fetch("https://example.com");'],
    ['eval', 'eval("1");'],
    ['generators', 'function* gen() { yield 1; }'],
    ['for…of', 'for (const x of [1]) {}'],
    ['default parameters', 'function f(a = 1) { return a; }'],
    ['shorthand properties', 'const a = 1; const o = { a };'],
    ['catch without binding', 'try { x(); } catch { }'],
    ['logical assignment', 'let a = 1; a ||= 2;'],
    ['other modules', "import http from 'http';"],
  ])('rejects %s', (_what, snippet) => {
    const problems = checkCloudFrontRuntime2(`${snippet}\nasync function handler(event) { return event.request; }`);
    expect(problems.length).toBeGreaterThan(0);
  });

  it('rejects code without a handler', () => {
    expect(checkCloudFrontRuntime2('var x = 1;')).toContain('no top-level function handler(event)');
  });
});

describe('edge function: rewrites and redirects (run in node:vm)', () => {
  it.each(['/g/ABC1234', '/g/abc1234', '/g/ABC1234/', '/g/AbC1234'])('rewrites %s to the stored page /g/abc1234.html', async (path) => {
    expect(await rewrittenUri(path)).toBe('/g/abc1234.html');
  });

  it('rewrites every public path of a page to exactly the key the publisher stores it at', async () => {
    for (const id of ['XHQGMDH', 'ABCD', 'A1B2C3D4E5F6G7H8']) {
      for (const path of guestPagePublicPaths(id)) {
        expect(await rewrittenUri(path), path).toBe(objectPath(guestPageKey(id)));
      }
    }
  });

  it('redirects a friendly slug (and an old one) with 301 to the canonical page path', async () => {
    for (const slug of ['avery-sunset', 'old-name']) {
      for (const path of [friendlySlugPath(slug), `${friendlySlugPath(slug)}/`]) {
        const out = await run(path);
        expect(out).toEqual({
          kind: 'response',
          response: {
            statusCode: 301,
            statusDescription: 'Moved Permanently',
            headers: { location: { value: guestPagePath('ABC1234') }, 'cache-control': { value: 'public, max-age=300' } },
          },
        });
      }
    }
  });

  it.each([
    '/unknown-slug',
    '/broken',
    '/',
    '/404.html',
    '/favicon.ico',
    '/g/abc1234.html',
    '/g/abc1234.ics',
    '/g/',
    '/g/ab',
    '/g/abc1234/extra',
    '/g/abc-1234',
    '/Avery-Sunset',
  ])('passes %s through unchanged', async (path) => {
    expect(await rewrittenUri(path)).toBe(path);
  });

  it('keeps the query string and headers of a rewritten request', async () => {
    const out = await run('/g/ABC1234?utm_source=mail');
    expect(out.kind).toBe('request');
    if (out.kind === 'request') {
      expect(out.request.querystring).toEqual({ utm_source: { value: 'mail' } });
      expect(out.request.headers.accept).toEqual({ value: 'text/html' });
    }
  });
});
