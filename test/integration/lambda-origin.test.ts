/**
 * The Lambda API answers through CloudFront only: with an origin secret configured, an API Gateway v2
 * event without CloudFront's `X-Bosun-Origin-Verify`, or with a wrong one, is refused 403 as
 * problem+json before the app runs; the right one is served. Server only (the vitest list): Lambda always uses a server.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { createLambdaHandler, type LambdaHandler } from '../../src/main/lambda';
import { openTemplateCopy } from '../support/db';

const ORIGIN = 'Zq7wX2vB9nM4kL1pR8sT3yU6iO0aS5dF7gH2jK';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/lambda/v2-dashboard-page.json', import.meta.url), 'utf8'));

function healthz(headers: Record<string, string> = {}) {
  const event = structuredClone(fixture);
  delete event.cookies;
  event.rawPath = '/healthz';
  event.requestContext.http.path = '/healthz';
  event.headers = { ...event.headers, accept: 'application/json', ...headers };
  return event;
}

describe('the Lambda API behind CloudFront', () => {
  let db: Awaited<ReturnType<typeof openTemplateCopy>>;
  let guarded: LambdaHandler;
  let open: LambdaHandler;

  beforeAll(async () => {
    db = await openTemplateCopy();
    await db.handle.close();
    const env = {
      DATABASE_URL: db.url!,
      BOSUN_SECRET: 'a-signing-secret-of-at-least-32-characters',
      BOSUN_DATA_DIR: mkdtempSync(join(tmpdir(), 'bosun-origin-')),
      BOSUN_LOG_LEVEL: 'silent',
    };
    guarded = createLambdaHandler(() => loadConfig({ ...env, BOSUN_ORIGIN_SECRET: ORIGIN }));
    open = createLambdaHandler(() => loadConfig(env));
  });

  afterAll(async () => {
    await guarded?.close();
    await open?.close();
    await db?.drop();
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
});
