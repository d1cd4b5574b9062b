/**
 * The Lambda handler answers recorded API Gateway events (HTTP API v2, and REST v1 through a custom
 * domain's base path mapping) as the Node server answers the same requests, over one PostgreSQL
 * database: a booking created with a service key, the crew sign-in page anyone may open, a crew page
 * and a dashboard page with their session cookies. Status, the headers that matter and the body are
 * compared, with what differs by nature (ids, times, nonces) written alike. The events carry API
 * Gateway's host while BOSUN_PUBLIC_URL is https://ops.example.com: links and cookies follow the
 * public URL. Runs on the postgres project only: Lambda never runs the embedded database.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { type Composition, compose } from '../../src/main/compose';
import { listenHttp } from '../../src/main/http-server';
import { createLambdaHandler, type GatewayResult, type LambdaHandler } from '../../src/main/lambda';
import { crewCookie } from '../support/crew-session';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';
import { signedInStaff } from '../support/staff-session';

const SECRET = 'parity-signing-secret-of-at-least-32-characters';
const FIXTURES = join(import.meta.dirname, '../fixtures/lambda');

let t: TestDb;
let node: Composition;
let server: Server;
let lambda: LambdaHandler;
let base: string;
const tenants: Record<'node' | 'lambda', Awaited<ReturnType<typeof makeTenant>> & { crew: string; staff: string }> = {} as never;

beforeAll(async () => {
  t = await createTestDb();
  if (!t.url) throw new Error('the parity test needs a PostgreSQL server');
  const env = {
    DATABASE_URL: t.url,
    BOSUN_SECRET: SECRET,
    BOSUN_PUBLIC_URL: 'https://ops.example.com',
    BOSUN_DEMO: '0',
    BOSUN_LOG_LEVEL: 'silent',
    BOSUN_DATA_DIR: mkdtempSync(join(tmpdir(), 'bosun-parity-')),
  };
  const config = loadConfig(env);
  node = await compose(config, { role: 'server', log: pino({ level: 'silent' }), signingSecret: SECRET });
  if (!node.app) throw new Error('no app');
  server = await listenHttp({ fetch: node.app.fetch, edge: null, port: 0, hostname: '127.0.0.1' });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  lambda = createLambdaHandler(() => config);
  // Both sides run on the real clock: sessions are made now, not at the test database's fixed instant
  // (long past, so that they would have expired by the time either side reads them).
  t.clock.set(new Date());
  // One tenant per side, alike, so that each side's booking is its vessel's first.
  for (const side of ['node', 'lambda'] as const) {
    const tenant = await makeTenant(t.deps, side === 'node' ? 'north' : 'south');
    const crew = await crewCookie(t.deps, tenant.tenant.id, tenant.captain.id);
    const staff = (await signedInStaff(t.deps, tenant.tenant.id)).cookie;
    tenants[side] = { ...tenant, crew, staff };
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await lambda?.close();
  await node?.close();
  await t?.close();
});

type Answer = { status: number; headers: Record<string, string>; body: string };

/** The headers whose values a client acts on. */
const HEADERS = [
  'content-type',
  'cache-control',
  'location',
  'etag',
  'content-security-policy',
  'x-frame-options',
  'x-content-type-options',
  'referrer-policy',
  'set-cookie',
  'vary',
];

function fixture(name: string, side: 'node' | 'lambda'): any {
  const text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8')
    .replaceAll('{{SERVICE_KEY}}', tenants[side].serviceKey)
    // Over https (BOSUN_PUBLIC_URL), session cookies carry the __Host- prefix.
    .replaceAll('{{CREW_COOKIE}}', `__Host-${tenants[side].crew}`)
    .replaceAll('{{STAFF_COOKIE}}', `__Host-${tenants[side].staff}`);
  return JSON.parse(text);
}

/** What differs by nature between two answers: ids, times, nonces, form tokens, signed links, cursors, the tenant's own names. */
function normalise(text: string): string {
  return (
    text
      .replace(/BK-[A-Z0-9]{4,}/g, 'BK-ID')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, 'UUID')
      .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, 'TIME')
      .replace(/nonce-[A-Za-z0-9+/=]+/g, 'nonce-N')
      .replace(/nonce="[^"]+"/g, 'nonce="N"')
      .replace(/(<meta name="csp-nonce" content=")[^"]+"/g, '$1N"')
      .replace(/(<meta name="csrf-token" content=")[^"]+"/g, '$1TOKEN"')
      // A crew member's calendar feed link is signed for that member.
      .replace(/\/crew\/feed\/[A-Za-z0-9_.-]+\.ics/g, '/crew/feed/FEED.ics')
      .replace(/\b\d+-\d+\b/g, (m) => (/^\d{4}-\d{2}$/.test(m) ? m : 'CURSOR'))
      .replace(/\b(north|south)\b/gi, 'TENANT')
      .replace(/csrf[^"]*"[^"]*"[^"]*"/gi, (m) => m.replace(/value="[^"]+"/, 'value="TOKEN"'))
  );
}

async function viaNode(event: any): Promise<Answer> {
  const v2 = event.version === '2.0';
  const method = v2 ? event.requestContext.http.method : event.httpMethod;
  const path = v2 ? event.rawPath : `/${event.pathParameters.proxy}`;
  const query = v2 ? event.rawQueryString : '';
  const headers = new Headers();
  for (const [k, v] of Object.entries(event.headers as Record<string, string>)) {
    if (!['host', 'content-length'].includes(k.toLowerCase())) headers.set(k, v);
  }
  if (v2 && event.cookies) headers.set('cookie', event.cookies.join('; '));
  const res = await fetch(`${base}${path}${query ? `?${query}` : ''}`, {
    method,
    headers,
    redirect: 'manual',
    ...(event.body ? { body: event.body } : {}),
  });
  const out: Record<string, string> = {};
  for (const name of HEADERS) {
    const value = name === 'set-cookie' ? res.headers.getSetCookie().join('\n') : res.headers.get(name);
    if (value) out[name] = value;
  }
  return { status: res.status, headers: out, body: await res.text() };
}

async function viaLambda(event: any): Promise<Answer> {
  const result: GatewayResult = await lambda(event, {});
  const out: Record<string, string> = {};
  const single = result.headers ?? {};
  const multi = result.multiValueHeaders ?? {};
  for (const name of HEADERS) {
    if (name === 'set-cookie') {
      const cookies = result.cookies ?? multi['set-cookie'] ?? [];
      if (cookies.length > 0) out[name] = cookies.join('\n');
      continue;
    }
    const value = single[name] ?? multi[name]?.join(', ');
    if (value) out[name] = value;
  }
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  return { status: result.statusCode, headers: out, body };
}

/** The answer with its booking id (when it made one) and the rest of what differs by nature written alike. */
const same = (a: Answer) => {
  const id = a.status === 201 ? (JSON.parse(a.body).id as string) : null;
  const alike = (text: string) => normalise(id ? text.replaceAll(id, 'BOOKING_ID') : text);
  return {
    status: a.status,
    headers: Object.fromEntries(Object.entries(a.headers).map(([k, v]) => [k, alike(v)])),
    body: alike(a.body),
  };
};

describe.each(['v2', 'v1'])('API Gateway %s events answer as the Node server does', (version) => {
  it('a booking created with a service key', async () => {
    const n = await viaNode(fixture(`${version}-booking-create`, 'node'));
    const l = await viaLambda(fixture(`${version}-booking-create`, 'lambda'));
    expect(n.status).toBe(201);
    expect(same(l)).toEqual(same(n));
    // Each side made its own booking (a second create of the same charter would be refused).
    await cancelBothBookings(n, l);
  });

  it('the crew sign-in page, open to anyone', async () => {
    const n = await viaNode(fixture(`${version}-crew-sign-in`, 'node'));
    const l = await viaLambda(fixture(`${version}-crew-sign-in`, 'lambda'));
    expect(n.status).toBe(200);
    expect(same(l)).toEqual(same(n));
  });

  it('a crew page with its session cookie', async () => {
    const n = await viaNode(fixture(`${version}-crew-page`, 'node'));
    const l = await viaLambda(fixture(`${version}-crew-page`, 'lambda'));
    expect(n.status).toBe(200);
    expect(l.body).toContain('Charters');
    expect(same(l)).toEqual(same(n));
  });

  it('a dashboard page with its session cookie, its links on the public URL, not the API host', async () => {
    const n = await viaNode(fixture(`${version}-dashboard-page`, 'node'));
    const l = await viaLambda(fixture(`${version}-dashboard-page`, 'lambda'));
    expect(n.status).toBe(200);
    expect(same(l)).toEqual(same(n));
    expect(l.body).not.toContain('execute-api');
  });
});

/** The booking each side created, cancelled again, so that the next version's create is each vessel's first again. */
async function cancelBothBookings(n: Answer, l: Answer) {
  for (const [side, answer] of [
    ['node', n],
    ['lambda', l],
  ] as const) {
    const id = JSON.parse(answer.body).id as string;
    const res = await fetch(`${base}/api/v1/bookings/${id}/cancel`, {
      method: 'POST',
      headers: { 'x-service-key': tenants[side].serviceKey },
    });
    expect(res.status).toBe(200);
  }
}
