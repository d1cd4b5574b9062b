import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';

const swaggerUiDist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

let t: TestDb;
let app: TestApp;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
});
afterAll(() => t.close());

const ROUTES: [string, string][] = [
  ['/api/v1/bookings', 'post'],
  ['/api/v1/bookings', 'get'],
  ['/api/v1/bookings/{id}', 'get'],
  ['/api/v1/bookings/{id}', 'patch'],
  ['/api/v1/bookings/{id}/cancel', 'post'],
  ['/api/v1/events', 'post'],
  ['/api/v1/events/{id}', 'get'],
  ['/api/v1/calendar', 'post'],
];

/** The document's operations by the URL path a client would call: server URL plus path. */
function operationsByUrl(doc: any): Record<string, any> {
  const server = String(doc.servers?.[0]?.url ?? '').replace(/\/$/, '');
  return Object.fromEntries(Object.entries(doc.paths).map(([path, ops]) => [`${server}${path}`, ops]));
}

describe('health and API documents', () => {
  it('answers the root address with a page that links to the API docs and the crew sign-in', async () => {
    const res = await call(app, 'GET', '/', null);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('href="/api/docs"');
    expect(res.text).toContain('href="/crew/login"');
    for (const href of ['/api/docs', '/crew/login', '/healthz']) {
      expect((await call(app, 'GET', href, null)).status).toBe(200);
    }
  });

  it('answers GET /healthz with 200 {"status":"ok"} and no key', async () => {
    const res = await call(app, 'GET', '/healthz', null);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('serves an OpenAPI 3.1 document that lists every API route, without a key', async () => {
    const res = await call(app, 'GET', '/api/v1/openapi.json', null);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.json.openapi).toMatch(/^3\.1\./);
    expect(res.json.info.title).toEqual(expect.any(String));
    const operations = operationsByUrl(res.json);
    for (const [url, method] of ROUTES) {
      expect(operations[url]?.[method], `${method.toUpperCase()} ${url}`).toBeDefined();
    }
  });

  it('describes the key headers, the problem answers and the booking input in the OpenAPI document', async () => {
    const doc = (await call(app, 'GET', '/api/v1/openapi.json', null)).json;
    const schemes = Object.values(doc.components.securitySchemes) as { name?: string; scheme?: string }[];
    expect(schemes.map((s) => s.name ?? s.scheme)).toEqual(expect.arrayContaining(['X-Service-Key', 'X-Dashboard-Token', 'bearer']));
    const operations = operationsByUrl(doc);
    const create = operations['/api/v1/bookings'].post;
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '401', '403', '413', '422']));
    expect(create.responses['422'].content['application/problem+json']).toBeDefined();
    expect(JSON.stringify(create.requestBody)).toContain('BookingInput');
    expect(doc.components.schemas.BookingInput.required).toEqual(
      expect.arrayContaining(['guest', 'partySize', 'vessel', 'startsAt', 'endsAt']),
    );
    expect(Object.keys(operations['/api/v1/bookings/{id}'].patch.responses)).toEqual(expect.arrayContaining(['412', '428']));
  });

  it('documents 400, 415 and 429 as problems on every write route', async () => {
    const operations = operationsByUrl((await call(app, 'GET', '/api/v1/openapi.json', null)).json);
    const writes: [string, string][] = [
      ['/api/v1/bookings', 'post'],
      ['/api/v1/bookings/{id}', 'patch'],
      ['/api/v1/bookings/{id}/cancel', 'post'],
      ['/api/v1/events', 'post'],
      ['/api/v1/calendar', 'post'],
    ];
    for (const [url, method] of writes) {
      const responses = operations[url][method].responses;
      for (const status of ['400', '415', '429']) {
        expect(responses[status]?.content?.['application/problem+json'], `${method} ${url} ${status}`).toBeDefined();
      }
      expect(responses['415'].description).toContain('UTF-8');
    }
  });

  it('serves the API reference at /api/docs from this installation, under a CSP, naming no other host', async () => {
    const res = await call(app, 'GET', '/api/docs', null);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toMatch(/^<!DOCTYPE html>/i);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // No CDN: no URL with a host anywhere in the page, and every script and stylesheet is one of Bosun's.
    expect(res.text).not.toMatch(/(https?:)?\/\/[a-z0-9]/i);
    const sources = [...res.text.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources.map((u) => u?.replace(/\?v=.*$/, '')).sort()).toEqual([
      '/api/docs/assets/docs.css',
      '/api/docs/assets/docs.js',
      '/api/docs/assets/swagger-ui-bundle.js',
      '/api/docs/assets/swagger-ui.css',
    ]);
    expect(res.text).toContain('data-spec="/api/v1/openapi.json"');
    // Without JavaScript, the routes are listed and the document is linked.
    for (const path of ['/api/v1/bookings', '/api/v1/bookings/{id}/cancel', '/api/v1/events', '/api/v1/calendar']) {
      expect(res.text).toContain(`<code>${path}</code>`);
    }
    expect(res.text).not.toContain('/api/v1/api/v1');
    const head = await app.request('/api/docs', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-security-policy')).toBe(res.headers.get('content-security-policy'));
  });

  it('serves the reference assets with their types, cached for good under their versioned URL, compressed on request', async () => {
    const page = (await call(app, 'GET', '/api/docs', null)).text;
    const url = (name: string) => new RegExp(`"(/api/docs/assets/${name.replace('.', '\\.')}\\?v=[A-Za-z0-9_-]+)"`).exec(page)?.[1] ?? '';
    const types: Record<string, string> = {
      'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
      'docs.js': 'text/javascript; charset=utf-8',
      'swagger-ui.css': 'text/css; charset=utf-8',
      'docs.css': 'text/css; charset=utf-8',
    };
    for (const [name, type] of Object.entries(types)) {
      const res = await app.request(url(name));
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBeGreaterThan(0);
      // The page names each asset with its Subresource Integrity: exactly these bytes.
      expect(page).toContain(`${url(name)}" integrity="sha256-${createHash('sha256').update(body).digest('base64')}"`);
      // Nothing the browser loads names another host either: a stylesheet's pictures are data: URIs.
      if (name.endsWith('.css')) expect(body.toString('utf8')).not.toMatch(/url\(\s*["']?(https?:)?\/\//);
      if (name === 'docs.js') expect(body.toString('utf8')).not.toMatch(/https?:\/\//);
      if (name === 'swagger-ui-bundle.js') expect(body.equals(readFileSync(join(swaggerUiDist, name)))).toBe(true);

      const zipped = await app.request(url(name), { headers: { 'accept-encoding': 'gzip, br' } });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect(zipped.headers.get('vary')).toBe('accept-encoding');
      expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).equals(body)).toBe(true);

      const etag = res.headers.get('etag') ?? '';
      const again = await app.request(url(name), { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
    }
    const bundle = await app.request('/api/docs/assets/swagger-ui-bundle.js');
    expect(bundle.headers.get('cache-control')).toBe('no-cache');
    expect((await app.request('/api/docs/assets/index.html')).status).toBe(404);
    expect((await app.request('/api/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });

  it('describes parameters, headers, examples and every problem of the booking routes', async () => {
    const doc = (await call(app, 'GET', '/api/v1/openapi.json', null)).json;
    const operations = operationsByUrl(doc);
    const describedParams = (op: any) => Object.fromEntries(op.parameters.map((p: any) => [p.name, p.description]));
    expect(describedParams(operations['/api/v1/bookings'].get)).toEqual({
      from: expect.stringContaining('end after'),
      to: expect.stringContaining('start before'),
      status: expect.stringContaining('status'),
      limit: expect.stringContaining('At most'),
    });
    expect(describedParams(operations['/api/v1/bookings'].post)['idempotency-key']).toContain('24 hours');
    expect(describedParams(operations['/api/v1/bookings/{id}'].patch)['if-match']).toContain('ETag');

    // The example of a new booking starts in the future and ends after it starts.
    const example = doc.components.schemas.BookingInput.example;
    expect(Date.parse(example.startsAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(example.endsAt)).toBeGreaterThan(Date.parse(example.startsAt));
    expect(doc.components.schemas.BookingPatch.example).toBeDefined();
    expect(doc.components.schemas.CrewEventInput.example.crew).toHaveLength(2);
    expect(doc.components.schemas.CalendarEntryInput.example.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const create = operations['/api/v1/bookings'].post;
    expect(create.responses['409'].description).toContain('overlapping time');
    const patch = operations['/api/v1/bookings/{id}'].patch;
    expect(patch.responses['409'].description).toContain('cancelled or completed');
    for (const op of [create, patch, operations['/api/v1/events'].post, operations['/api/v1/calendar'].post]) {
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['413', '415', '422', '429']));
    }
    // Every documented problem has a meaning and an example in the words Bosun answers with.
    for (const [url, ops] of Object.entries(operations)) {
      for (const [method, op] of Object.entries(ops as Record<string, any>)) {
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          if (Number(status) < 400) continue;
          expect(response.description, `${method} ${url} ${status}`).not.toBe('Problem');
          expect(response.content['application/problem+json'].example.status, `${method} ${url} ${status}`).toBe(Number(status));
        }
      }
    }
  });

  it('does not count fetching the OpenAPI document as a failed key attempt', async () => {
    const client = { 'x-test-client': '192.0.2.77' };
    for (let i = 0; i < 30; i++) expect((await call(app, 'GET', '/api/v1/openapi.json', null, undefined, client)).status).toBe(200);
    expect((await call(app, 'GET', '/api/v1/bookings', null, undefined, client)).status).toBe(401);
  });

  it('answers an unknown API path with a problem+json 404 or 401, never an HTML page', async () => {
    const res = await call(app, 'GET', '/api/v1/nothing-here', null);
    expect([401, 404]).toContain(res.status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});
