/**
 * The worker's wake-up (ADR 0026): with `BOSUN_WORKER_FUNCTION`, a request that enqueued jobs invokes
 * the worker function asynchronously (Lambda Invoke, `Event`) once it has been answered — at most once
 * per interval per process, a held-back one going out after the next request past it — and a request
 * that enqueued nothing invokes nothing. A wake-up Lambda refuses is reported; the answer still leaves.
 * Against a local server speaking Lambda's Invoke.
 */
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LambdaJobWakeup } from '../../src/adapters/lambda-job-wakeup';
import { PgBossJobQueue } from '../../src/adapters/pg-boss-job-queue';
import { ConfigError, loadConfig } from '../../src/config/env';
import { WorkerWakeup, workerWakeupFor } from '../../src/main/worker-wakeup';
import { makeApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { FakeLambda } from '../support/fake-lambda';

let t: TestDb;
let lambda: FakeLambda & { url: string };
const queues: PgBossJobQueue[] = [];

beforeAll(async () => {
  lambda = await FakeLambda.start(['bosun-worker']);
  t = await createTestDb();
});
afterAll(async () => {
  await t?.close();
  await lambda?.close();
});
beforeEach(() => {
  lambda.invocations.length = 0;
});
afterEach(async () => {
  for (const q of queues.splice(0)) await q.stop();
});

const clientConfig = () => ({
  endpoint: lambda.url,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDBOSUNTEST', secretAccessKey: 'bosun-test-secret' },
});

/** The API role as composed with a wake-up: its queue notes enqueues, its fetch wakes after answering. */
async function apiWith(wakeup: WorkerWakeup) {
  const jobs = await PgBossJobQueue.start(t.handle, { onEnqueued: wakeup.noteEnqueued });
  queues.push(jobs);
  const app = makeApp({ ...t, jobs, deps: { ...t.deps, jobs } });
  const fetch = wakeup.wrap(app.fetch);
  return (method: string, path: string, key?: string, body?: unknown) =>
    fetch(
      new Request(`http://localhost:8080${path}`, {
        method,
        headers: { ...(key ? { 'x-service-key': key } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
    );
}

describe('the worker wake-up', () => {
  it('invokes the worker after a request that enqueued jobs, once per interval, and not after one that enqueued none', async () => {
    let now = 1_000_000;
    const errors: unknown[] = [];
    const wakeup = new WorkerWakeup(new LambdaJobWakeup('bosun-worker', clientConfig()), {
      everyMs: 5000,
      now: () => now,
      onError: (err) => errors.push(err),
    });
    const request = await apiWith(wakeup);
    const a = await makeTenant(t.deps, 'harbor');

    expect((await request('GET', '/healthz')).status).toBe(200);
    expect((await request('GET', '/api/v1/bookings', a.serviceKey)).status).toBe(200);
    expect(lambda.invocations).toEqual([]);

    expect((await request('POST', '/api/v1/bookings', a.serviceKey, bookingInput())).status).toBe(201);
    expect(lambda.invocations).toHaveLength(1);
    expect(lambda.invocations[0]).toMatchObject({ functionName: 'bosun-worker', invocationType: 'Event' });
    expect(JSON.parse(lambda.invocations[0]?.payload ?? '')).toEqual({ source: 'bosun.wakeup' });
    // Signed with the credentials given (SigV4 for the lambda service of the region).
    expect(lambda.invocations[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDBOSUNTEST\/\d{8}\/eu-west-1\/lambda\/aws4_request/,
    );

    // Within the interval: held back…
    now += 1000;
    expect((await request('POST', '/api/v1/bookings', a.serviceKey, bookingInput())).status).toBe(201);
    expect(lambda.invocations).toHaveLength(1);
    // …and sent after the next request past it, even one that enqueued nothing.
    now += 5000;
    expect((await request('GET', '/healthz')).status).toBe(200);
    expect(lambda.invocations).toHaveLength(2);
    now += 5000;
    expect((await request('GET', '/healthz')).status).toBe(200);
    expect(lambda.invocations).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('reports a wake-up Lambda refuses, and the request is answered all the same', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const wakeup = workerWakeupFor({ workerFunction: 'bosun-no-such-worker' }, log, { clientConfig: clientConfig() });
    if (!wakeup) throw new Error('a worker function was named: there must be a wake-up');
    const request = await apiWith(wakeup);
    const a = await makeTenant(t.deps, 'cove');

    const created = await request('POST', '/api/v1/bookings', a.serviceKey, bookingInput());

    expect(created.status).toBe(201);
    expect(lambda.invocations).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      msg: 'the worker could not be woken; its schedule runs the jobs within a minute',
    });
    expect(lines[0]).toContain('ResourceNotFoundException');
  });

  it('is off without BOSUN_WORKER_FUNCTION', () => {
    expect(workerWakeupFor({ workerFunction: undefined }, pino({ level: 'silent' }))).toBeNull();
    expect(loadConfig({ BOSUN_WORKER_FUNCTION: '' }).workerFunction).toBeUndefined();
  });
});

describe('BOSUN_WORKER_FUNCTION', () => {
  it('takes a function name or ARN', () => {
    for (const name of [
      'bosun-worker',
      'Bosun_Worker-1',
      'arn:aws:lambda:eu-west-1:123456789012:function:bosun-worker',
      'arn:aws:lambda:us-east-1:123456789012:function:bosun-worker:live',
    ]) {
      expect(loadConfig({ BOSUN_WORKER_FUNCTION: name }).workerFunction).toBe(name);
    }
  });

  it('refuses anything else with one line naming it', () => {
    for (const bad of [
      'bosun worker',
      'a'.repeat(65),
      'arn:aws:lambda:eu-west-1:123:function:bosun-worker',
      'bosun/worker',
      'bosun-worker\n',
    ]) {
      let error: unknown;
      try {
        loadConfig({ BOSUN_WORKER_FUNCTION: bad });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(
        `BOSUN_WORKER_FUNCTION: must be a Lambda function name or ARN, like bosun-worker (got ${JSON.stringify(bad)})`,
      );
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
