/**
 * The Lambda API function wakes the worker function (ADR 0026): with BOSUN_WORKER_FUNCTION set, a
 * booking created through the handler from an API Gateway event invokes the worker once, asynchronously
 * (Lambda Invoke, `Event`), before the answer leaves; a request that enqueued nothing invokes nothing;
 * without BOSUN_WORKER_FUNCTION nothing is invoked. Against a local server speaking Lambda's Invoke.
 * Runs on the postgres project only: Lambda never runs the embedded database.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { createLambdaHandler, type LambdaHandler } from '../../src/main/lambda';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';
import { FakeLambda } from '../support/fake-lambda';

const SECRET = 'wakeup-signing-secret-of-at-least-32-characters';
const FIXTURES = join(import.meta.dirname, '../fixtures/lambda');

let t: TestDb;
let fake: FakeLambda & { url: string };
const handlers: LambdaHandler[] = [];

beforeAll(async () => {
  fake = await FakeLambda.start(['bosun-worker']);
  t = await createTestDb();
  if (!t.url) throw new Error('this test needs a PostgreSQL server');
});
afterAll(async () => {
  for (const h of handlers.splice(0)) await h.close();
  await t?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.invocations.length = 0;
});

function handlerWith(env: Record<string, string>): LambdaHandler {
  const config = loadConfig({
    DATABASE_URL: t.url as string,
    BOSUN_SECRET: SECRET,
    BOSUN_PUBLIC_URL: 'https://ops.example.com',
    BOSUN_DEMO: '0',
    BOSUN_LOG_LEVEL: 'silent',
    BOSUN_DATA_DIR: mkdtempSync(join(tmpdir(), 'bosun-wakeup-')),
    ...env,
  });
  const handler = createLambdaHandler(() => config, {
    workerClient: {
      endpoint: fake.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDBOSUNTEST', secretAccessKey: 'bosun-test-secret' },
    },
  });
  handlers.push(handler);
  return handler;
}

function event(name: string, serviceKey = ''): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8').replaceAll('{{SERVICE_KEY}}', serviceKey));
}

describe('the Lambda API function and the worker', () => {
  it('a booking created through the handler wakes the worker once; a page that enqueued nothing does not', async () => {
    const tenant = await makeTenant(t.deps, 'east');
    const handler = handlerWith({ BOSUN_WORKER_FUNCTION: 'bosun-worker' });

    const created = await handler(event('v2-booking-create', tenant.serviceKey), {});
    expect(created.statusCode).toBe(201);
    expect(fake.invocations).toHaveLength(1);
    expect(fake.invocations[0]).toMatchObject({ functionName: 'bosun-worker', invocationType: 'Event' });

    const page = await handler(event('v2-crew-sign-in'), {});
    expect(page.statusCode).toBe(200);
    expect(fake.invocations).toHaveLength(1);
  });

  it('without BOSUN_WORKER_FUNCTION a booking created invokes nothing', async () => {
    const tenant = await makeTenant(t.deps, 'west');
    const handler = handlerWith({});
    const created = await handler(event('v1-booking-create', tenant.serviceKey), {});
    expect(created.statusCode).toBe(201);
    expect(fake.invocations).toHaveLength(0);
  });
});
