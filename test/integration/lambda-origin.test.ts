/**
 * The Lambda API answers through CloudFront only: with an origin secret configured, an API Gateway v2
 * event without CloudFront's `X-Bosun-Origin-Verify`, or with a wrong one, is refused 403 as
 * problem+json before the app runs — before any other secret is read or the database is opened; the
 * right one is served. The client a limit counts is the viewer CloudFront names only where the origin
 * secret proves the request came through it; without one it is API Gateway's own peer, whatever the
 * request's headers say. An IPv6 viewer is counted by its /64. Server only (the vitest list): Lambda
 * always uses a server.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { createLambdaHandler, type GatewayResult, type LambdaHandler } from '../../src/main/lambda';
import { logOptions } from '../../src/main/logging';
import { openTemplateCopy } from '../support/db';
import { FakeSecretsManager } from '../support/fake-secrets-manager';

const ORIGIN = 'Zq7wX2vB9nM4kL1pR8sT3yU6iO0aS5dF7gH2jK';
const SIGNING = 'a-signing-secret-of-at-least-32-characters';
const CLOUDFRONT_EDGE = '130.176.9.80';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/lambda/v2-dashboard-page.json', import.meta.url), 'utf8'));

function event(path: string, headers: Record<string, string> = {}, sourceIp = CLOUDFRONT_EDGE) {
  const e = structuredClone(fixture);
  delete e.cookies;
  e.rawPath = path;
  e.requestContext.http.path = path;
  e.requestContext.http.sourceIp = sourceIp;
  e.headers = { ...e.headers, accept: 'application/json', ...headers };
  return e;
}

const healthz = (headers: Record<string, string> = {}) => event('/healthz', headers);

/** An API request with a key that does not exist, from `viewer` as CloudFront forwards it (or as a caller writes it). */
const wrongKey = (viewer: string, extra: Record<string, string> = {}, sourceIp = CLOUDFRONT_EDGE) =>
  event(
    '/api/v1/bookings',
    {
      'x-service-key': `bsk_${'x'.repeat(12)}${'y'.repeat(40)}`,
      'cloudfront-viewer-address': `${viewer.includes(':') ? `[${viewer}]` : viewer}:51432`,
      'x-forwarded-for': `${viewer}, ${sourceIp}`,
      ...extra,
    },
    sourceIp,
  );

/** The statuses of `count` requests made one after the other. */
async function statuses(handler: LambdaHandler, events: object[]): Promise<number[]> {
  const out: number[] = [];
  for (const e of events) out.push((await handler(e)).statusCode);
  return out;
}

/** A logger whose lines the test reads. */
function recordingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino(logOptions('info'), { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

let db: Awaited<ReturnType<typeof openTemplateCopy>>;
let env: Record<string, string>;

beforeAll(async () => {
  db = await openTemplateCopy();
  await db.handle.close();
  env = {
    DATABASE_URL: db.url!,
    BOSUN_SECRET: SIGNING,
    BOSUN_DATA_DIR: mkdtempSync(join(tmpdir(), 'bosun-origin-')),
    BOSUN_LOG_LEVEL: 'silent',
  };
});

afterAll(async () => {
  await db?.drop();
});

describe('the Lambda API behind CloudFront', () => {
  let guarded: LambdaHandler;
  let open: LambdaHandler;
  let openLines: Record<string, unknown>[];
  let guardedLines: Record<string, unknown>[];

  beforeAll(() => {
    const g = recordingLog();
    const o = recordingLog();
    guardedLines = g.lines;
    openLines = o.lines;
    guarded = createLambdaHandler(() => loadConfig({ ...env, BOSUN_ORIGIN_SECRET: ORIGIN }), { log: g.log });
    open = createLambdaHandler(() => loadConfig(env), { log: o.log });
  });

  afterAll(async () => {
    await guarded?.close();
    await open?.close();
  });

  it('serves a request that carries the origin secret', async () => {
    const answer = await guarded(healthz({ 'x-bosun-origin-verify': ORIGIN }));
    expect(answer.statusCode).toBe(200);
  });

  it('refuses, as problem+json, a request with no, a wrong, a longer or a shorter origin secret, never echoing it', async () => {
    for (const headers of [
      {},
      { 'x-bosun-origin-verify': 'wrong' },
      { 'x-bosun-origin-verify': `${ORIGIN}x` },
      { 'x-bosun-origin-verify': ORIGIN.slice(1) },
    ]) {
      const answer = await guarded(healthz(headers));
      expect(answer.statusCode).toBe(403);
      expect(answer.headers?.['content-type']).toBe('application/problem+json');
      const body = JSON.parse(answer.body);
      expect(body).toMatchObject({ status: 403, title: 'Forbidden' });
      expect(answer.body).not.toContain(ORIGIN.slice(1, 20));
    }
  });

  it('without a configured origin secret, serves requests as before', async () => {
    expect((await open(healthz())).statusCode).toBe(200);
  });

  it('with the origin secret, counts each viewer CloudFront names apart, though all come from one edge', async () => {
    const through = (viewer: string) => wrongKey(viewer, { 'x-bosun-origin-verify': ORIGIN });
    const one = await statuses(
      guarded,
      Array.from({ length: 21 }, () => through('198.51.100.40')),
    );
    expect(one.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(one[20]).toBe(429);
    // Another viewer behind the same CloudFront edge is not limited.
    expect((await guarded(through('198.51.100.41'))).statusCode).toBe(401);
    expect(guardedLines.some((l) => String(l.msg).startsWith('no origin secret'))).toBe(false);
  });

  it('without an origin secret, counts the peer API Gateway saw, whatever viewer the headers name', async () => {
    // A caller at API Gateway's own URL writes a new CloudFront-Viewer-Address and X-Forwarded-For each time.
    const caller = '203.0.113.77';
    const forged = Array.from({ length: 21 }, (_, i) => wrongKey(`192.0.2.${i + 1}`, {}, caller));
    const seen = await statuses(open, forged);
    expect(seen.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(seen[20]).toBe(429);
    expect((await open(wrongKey('192.0.2.200', {}, '203.0.113.78'))).statusCode).toBe(401);
    // Said once, at the cold start.
    const said = openLines.filter((l) => String(l.msg).startsWith('no origin secret'));
    expect(said).toHaveLength(1);
    expect(said[0]?.msg).toBe(
      'no origin secret (BOSUN_ORIGIN_SECRET or BOSUN_ORIGIN_SECRET_ARN): rate limits count each client by the sourceIp API Gateway saw, and CloudFront-Viewer-Address and X-Forwarded-For are not read',
    );
  });

  it('counts an IPv6 viewer by its /64: a new address of the same network each time is still one client', async () => {
    const through = (viewer: string) => wrongKey(viewer, { 'x-bosun-origin-verify': ORIGIN });
    const spread = Array.from({ length: 21 }, (_, i) => through(`2001:db8:77:1:${(i + 1).toString(16)}:0:0:${i + 1}`));
    const seen = await statuses(guarded, spread);
    expect(seen.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(seen[20]).toBe(429);
    // Its full spelling and an IPv4-mapped neighbour: the same /64 is limited, another /64 and IPv4 are not.
    expect((await guarded(through('2001:0db8:0077:0001:ffff:ffff:ffff:fffe'))).statusCode).toBe(429);
    expect((await guarded(through('2001:db8:77:2::1'))).statusCode).toBe(401);
    expect((await guarded(through('::ffff:198.51.100.99'))).statusCode).toBe(401);
  });
});

describe('the origin check comes before everything else a cold start does', () => {
  /** A TCP listener that stands where the database should be: it counts connections and drops them. */
  let database: Server;
  let connections = 0;
  let sm: FakeSecretsManager;
  const credentials = { accessKeyId: 'AKIDBOSUNTEST', secretAccessKey: 'bosun-test-secret-access-key' };

  beforeAll(async () => {
    database = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => database.listen(0, '127.0.0.1', resolve));
    sm = await new FakeSecretsManager().start();
  });

  afterAll(async () => {
    await new Promise((resolve) => database.close(resolve));
    await sm?.stop();
  });

  const nowhere = () => `postgres://bosun@127.0.0.1:${(database.address() as { port: number }).port}/bosun`;
  const handlerWith = (vars: Record<string, string>) =>
    createLambdaHandler(() => loadConfig({ ...env, DATABASE_URL: nowhere(), ...vars }), {
      log: pino({ level: 'silent' }),
      secrets: { clientConfig: { endpoint: sm.endpoint, credentials } },
    });

  it('refuses a request that skipped CloudFront without reading the other secrets or opening the database', async () => {
    const origin = sm.put('bosun-origin', { string: ORIGIN });
    const signing = sm.put('bosun-signing', { string: SIGNING });
    const handler = handlerWith({ BOSUN_SECRET: '', BOSUN_SECRET_ARN: signing, BOSUN_ORIGIN_SECRET_ARN: origin });
    try {
      const burst: GatewayResult[] = [];
      for (const headers of [{}, { 'x-bosun-origin-verify': 'wrong' }, {}, { 'x-bosun-origin-verify': ORIGIN.slice(2) }]) {
        burst.push(await handler(healthz(headers)));
      }
      expect(burst.map((r) => r.statusCode)).toEqual([403, 403, 403, 403]);
      expect(burst.every((r) => r.headers?.['content-type'] === 'application/problem+json')).toBe(true);
      expect(connections).toBe(0);
      expect(sm.readsOf(origin)).toBe(1);
      expect(sm.readsOf(signing)).toBe(0);
      // Through CloudFront the cold start goes on: the signing secret is read and the database tried (it is no database: 503).
      const through = await handler(healthz({ 'x-bosun-origin-verify': ORIGIN }));
      expect(through.statusCode).toBe(503);
      expect(sm.readsOf(signing)).toBe(1);
      expect(connections).toBeGreaterThan(0);
    } finally {
      await handler.close();
    }
  });

  it('picks up an origin secret fixed after a failed cold start, in the same process', async () => {
    const origin = sm.put('bosun-origin-fixed', { string: 'too-short' });
    const handler = handlerWith({ BOSUN_ORIGIN_SECRET_ARN: origin });
    const before = connections;
    try {
      // Unusable: the function cannot tell CloudFront from anyone, so it answers nothing but 503.
      expect((await handler(healthz({ 'x-bosun-origin-verify': ORIGIN }))).statusCode).toBe(503);
      expect((await handler(healthz())).statusCode).toBe(503);
      sm.update(origin, { string: ORIGIN });
      expect((await handler(healthz())).statusCode).toBe(403);
      expect((await handler(healthz({ 'x-bosun-origin-verify': 'wrong' }))).statusCode).toBe(403);
      expect(connections).toBe(before);
      expect(sm.readsOf(origin)).toBe(3);
    } finally {
      await handler.close();
    }
  });
});
