import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { createApp } from '../../src/http/app';
import { createKey, listKeys, revokeKey } from '../../src/services/keys';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { countWrites, dumpTables } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

const OPERATOR = { kind: 'operator' as const, id: 'test' };

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
});
afterAll(() => t.close());

/** Each test names its own client address, so the failure limit of one test does not reach another. */
let clients = 0;
const freshClient = () => ({ 'x-test-client': `198.51.100.${++clients}` });

describe('API keys', () => {
  it('answers 401 problem+json with WWW-Authenticate when no key is sent', async () => {
    const res = await call(app, 'GET', '/api/v1/bookings', null, undefined, freshClient());
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.json).toMatchObject({ status: 401, title: expect.any(String), detail: expect.any(String) });
  });

  it.each([
    { name: 'an unknown service key', key: `bsk_${'A'.repeat(43)}` },
    { name: 'a known key with its last character changed', key: 'mutate' },
    { name: 'a known key with extra characters appended', key: 'extend' },
    { name: 'only the public prefix of a known key', key: 'prefix' },
    { name: 'an empty-looking key', key: ' ' },
    { name: 'a very long key', key: 'k'.repeat(10_000) },
  ])('answers 401 to $name on every route, and writes nothing', async ({ key }) => {
    const presented =
      key === 'mutate'
        ? a.serviceKey.slice(0, -1) + (a.serviceKey.endsWith('A') ? 'B' : 'A')
        : key === 'extend'
          ? `${a.serviceKey}x`
          : key === 'prefix'
            ? a.serviceKey.slice(0, 12)
            : key;
    const before = await countWrites(t);
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/v1/bookings'],
      ['POST', '/api/v1/bookings', bookingInput()],
      ['GET', '/api/v1/bookings/ABCDEFG'],
      ['PATCH', '/api/v1/bookings/ABCDEFG', { partySize: 2 }],
      ['POST', '/api/v1/bookings/ABCDEFG/cancel'],
      ['POST', '/api/v1/events', { booking_id: 'ABCDEFG' }],
      ['GET', '/api/v1/events/ABCDEFG'],
      ['POST', '/api/v1/calendar', { date: '2026-05-30', event_type: 'charter' }],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(app, method, path, presented, body, { ...freshClient(), 'if-match': '"v1"' });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect(await countWrites(t)).toEqual(before);
  });

  it('answers 403 when a key lacks the scope of the route, and writes nothing', async () => {
    const readOnly = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service', scopes: ['bookings:read'] });
    const before = await countWrites(t);
    const create = await call(app, 'POST', '/api/v1/bookings', readOnly.key, bookingInput());
    expect(create.status).toBe(403);
    expect(create.headers.get('content-type')).toBe('application/problem+json');
    expect(create.json.detail).toContain('bookings:write');
    expect((await call(app, 'POST', '/api/v1/events', readOnly.key, { booking_id: 'ABCDEFG' })).status).toBe(403);
    expect((await call(app, 'POST', '/api/v1/bookings/ABCDEFG/cancel', readOnly.key)).status).toBe(403);
    expect((await call(app, 'POST', '/api/v1/calendar', readOnly.key, { date: '2026-05-30', event_type: 'charter' })).status).toBe(403);
    expect(await countWrites(t)).toEqual(before);
    // What the scope does allow still works.
    expect((await call(app, 'GET', '/api/v1/bookings', readOnly.key)).status).toBe(200);
  });

  it('answers 403 to a service key on the calendar and to a write-only key on reads', async () => {
    const cal = await call(app, 'POST', '/api/v1/calendar', a.serviceKey, { date: '2026-05-30', event_type: 'charter' });
    expect(cal.status).toBe(403);
    const writeOnly = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service', scopes: ['bookings:write'] });
    expect((await call(app, 'GET', '/api/v1/bookings', writeOnly.key)).status).toBe(403);
    expect((await call(app, 'POST', '/api/v1/bookings', writeOnly.key, bookingInput())).status).toBe(201);
  });

  it('accepts a service key as Authorization: Bearer', async () => {
    const res = await call(app, 'GET', '/api/v1/bookings', null, undefined, { authorization: `Bearer ${a.serviceKey}` });
    expect(res.status).toBe(200);
    const lower = await call(app, 'GET', '/api/v1/bookings', null, undefined, { authorization: `bearer ${a.serviceKey}` });
    expect(lower.status).toBe(200);
  });

  it('rejects an Authorization header that is not Bearer', async () => {
    const res = await call(app, 'GET', '/api/v1/bookings', null, undefined, {
      ...freshClient(),
      authorization: `Basic ${Buffer.from(`x:${a.serviceKey}`).toString('base64')}`,
    });
    expect(res.status).toBe(401);
  });

  it('accepts a dashboard token in X-Dashboard-Token and as Bearer', async () => {
    const entry = { date: '2026-05-30', event_type: 'maintenance', title: 'Haul out' };
    const res = await call(app, 'POST', '/api/v1/calendar', null, entry, { 'x-dashboard-token': a.dashboardToken });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject(entry);
    const bearer = await call(app, 'GET', '/api/v1/bookings', null, undefined, { authorization: `Bearer ${a.dashboardToken}` });
    expect(bearer.status).toBe(200);
  });

  it('fails a revoked key with 401 on the very next request', async () => {
    const key = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service' });
    expect((await call(app, 'GET', '/api/v1/bookings', key.key)).status).toBe(200);
    await revokeKey(t.deps, { tenantId: a.tenant.id, actor: OPERATOR }, { keyId: key.id });
    const res = await call(app, 'GET', '/api/v1/bookings', key.key, undefined, freshClient());
    expect(res.status).toBe(401);
    const bearer = await call(app, 'GET', '/api/v1/bookings', null, undefined, { ...freshClient(), authorization: `Bearer ${key.key}` });
    expect(bearer.status).toBe(401);
    const write = await call(app, 'POST', '/api/v1/bookings', key.key, bookingInput(), freshClient());
    expect(write.status).toBe(401);
    // Other keys of the tenant keep working.
    expect((await call(app, 'GET', '/api/v1/bookings', a.serviceKey)).status).toBe(200);
  });

  it('records when a key was last used', async () => {
    const key = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service', label: 'last-used' });
    const unused = (await listKeys(t.deps, a.ctx)).find((k) => k.id === key.id);
    expect(unused?.lastUsedAt).toBeNull();
    const at = new Date('2026-06-01T12:00:00Z');
    t.clock.set(at);
    try {
      expect((await call(app, 'GET', '/api/v1/bookings', key.key)).status).toBe(200);
    } finally {
      t.clock.set(TEST_NOW);
    }
    const used = (await listKeys(t.deps, a.ctx)).find((k) => k.id === key.id);
    expect(used?.lastUsedAt).toBe(at.toISOString());
  });

  it('answers 429 with Retry-After to failing keys from an address after repeated failures, while another address is unaffected', async () => {
    const limited = { 'x-test-client': '203.0.113.7' };
    const other = { 'x-test-client': '203.0.113.8' };
    const wrong = `bsk_${'Z'.repeat(43)}`;
    let first429: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 50 && !first429; i++) {
      const res = await call(app, 'GET', '/api/v1/bookings', wrong, undefined, limited);
      if (res.status === 429) first429 = res;
      else expect(res.status).toBe(401);
    }
    expect(first429).toBeDefined();
    expect(first429?.headers.get('content-type')).toBe('application/problem+json');
    expect(first429?.json.status).toBe(429);
    const retryAfter = Number(first429?.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);

    // The limited address stays limited for keys that fail, and for a request without a key.
    expect((await call(app, 'GET', '/api/v1/bookings', `bsk_${'Y'.repeat(43)}`, undefined, limited)).status).toBe(429);
    expect((await call(app, 'GET', '/api/v1/bookings', null, undefined, limited)).status).toBe(429);
    // Another address is served as usual, and its own failures are still plain 401s.
    expect((await call(app, 'GET', '/api/v1/bookings', a.serviceKey, undefined, other)).status).toBe(200);
    expect((await call(app, 'GET', '/api/v1/bookings', wrong, undefined, other)).status).toBe(401);
  });

  it('does not count successful requests or scope refusals toward the failure limit', async () => {
    const client = { 'x-test-client': '203.0.113.20' };
    const readOnly = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service', scopes: ['bookings:read'] });
    for (let i = 0; i < 60; i++) {
      const ok = await call(app, 'GET', '/api/v1/bookings', readOnly.key, undefined, client);
      expect(ok.status).toBe(200);
      const refused = await call(app, 'POST', '/api/v1/calendar', readOnly.key, { date: '2026-05-30', event_type: 'x' }, client);
      expect(refused.status).toBe(403);
    }
  });
});

describe('plaintext keys', () => {
  it('never stores a service key or dashboard token in any table, even after use', async () => {
    const logs: string[] = [];
    const logged = makeApp(t, { logs });
    const service = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service', label: 'dump-check' });
    const dashboard = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'dashboard', label: 'dump-check' });
    const created = await call(logged, 'POST', '/api/v1/bookings', service.key, bookingInput(), { 'idempotency-key': 'dump-1' });
    expect(created.status).toBe(201);
    await call(logged, 'POST', '/api/v1/events', service.key, {
      booking_id: created.json.id,
      crew: [{ email: a.captain.email, role: 'captain' }],
    });
    await call(
      logged,
      'POST',
      '/api/v1/calendar',
      null,
      { date: '2026-05-30', event_type: 'charter', booking_id: created.json.id },
      {
        authorization: `Bearer ${dashboard.key}`,
      },
    );
    await revokeKey(t.deps, { tenantId: a.tenant.id, actor: OPERATOR }, { keyId: service.id });

    const secrets = [service.key, dashboard.key, service.key.slice(12), dashboard.key.slice(12)];
    const tables = await dumpTables(t, ['public', 'pgboss']);
    expect(tables.map((x) => x.table)).toEqual(
      expect.arrayContaining(['"public"."api_keys"', '"public"."audit_log"', '"public"."bookings"']),
    );
    const keyRows = tables.find((x) => x.table === '"public"."api_keys"')?.rows ?? [];
    expect(keyRows.some((row) => row.includes(service.prefix))).toBe(true);
    for (const { table, rows } of tables) {
      for (const row of rows) {
        for (const secret of secrets) expect(row.includes(secret), `${table} holds a plaintext key`).toBe(false);
      }
    }
  });

  it('never writes a key into the logs, whether the request succeeds or fails', async () => {
    const logs: string[] = [];
    const logged = makeApp(t, { logs });
    const key = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service', label: 'log-check' });
    const client = { 'x-test-client': '203.0.113.30' };
    await call(logged, 'GET', '/api/v1/bookings', key.key, undefined, client);
    await call(logged, 'POST', '/api/v1/bookings', key.key, bookingInput(), client);
    await call(logged, 'POST', '/api/v1/bookings', key.key, '{"broken', client);
    await call(logged, 'POST', '/api/v1/bookings', key.key, bookingInput({ vessel: 'titanic' }), client);
    await call(logged, 'GET', '/api/v1/bookings/NOPE123', null, undefined, { ...client, authorization: `Bearer ${key.key}` });
    await call(logged, 'POST', '/api/v1/calendar', key.key, { date: '2026-05-30', event_type: 'charter' }, client);
    await call(logged, 'GET', '/api/v1/bookings', `${key.key}x`, undefined, client);
    await revokeKey(t.deps, { tenantId: a.tenant.id, actor: OPERATOR }, { keyId: key.id });
    await call(logged, 'GET', '/api/v1/bookings', key.key, undefined, client);
    await call(logged, 'GET', '/api/v1/bookings', null, undefined, { ...client, 'x-dashboard-token': key.key });
    for (const line of logs) {
      expect(line).not.toContain(key.key);
      expect(line).not.toContain(key.key.slice(12));
    }
  });

  it('logs an internal error without the key that made the request', async () => {
    const logs: string[] = [];
    const failing = createApp({
      ...t.deps,
      // A job queue that is down turns a booking into an internal error, which is logged.
      jobs: {
        enqueue: async () => {
          throw new Error('job queue unavailable');
        },
        enqueueAll: async () => {
          throw new Error('job queue unavailable');
        },
        listFailed: async () => [],
        retryFailed: async () => false,
        listRunning: async () => [],
      },
      log: pino({ level: 'debug' }, { write: (line: string) => logs.push(line) }),
      ping: async () => {},
      failureLimits: new InMemoryFailureLimits(),
      clientAddress: () => '203.0.113.40',
      signingSecret: 'test-signing-secret-of-at-least-32-characters',
    });
    const key = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service', label: 'error-log-check' });
    const before = await countWrites(t);
    const res = await call(failing, 'POST', '/api/v1/bookings', key.key, bookingInput(), { authorization: `Bearer ${key.key}` });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.text).not.toContain('job queue unavailable');
    expect(await countWrites(t)).toEqual(before);
    expect(logs.some((line) => line.includes('job queue unavailable'))).toBe(true);
    for (const line of logs) {
      expect(line).not.toContain(key.key);
      expect(line).not.toContain(key.key.slice(12));
    }
  });
});
