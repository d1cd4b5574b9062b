import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';

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

  it('serves human API docs as HTML at /api/docs, naming the routes', async () => {
    const res = await call(app, 'GET', '/api/docs', null);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toMatch(/^<!DOCTYPE html>|^<html/i);
    for (const path of ['/api/v1/bookings', '/api/v1/bookings/{id}/cancel', '/api/v1/events', '/api/v1/calendar']) {
      expect(res.text).toContain(`<code>${path}</code>`);
    }
    expect(res.text).not.toContain('/api/v1/api/v1');
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
