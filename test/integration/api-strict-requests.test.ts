/**
 * Strict requests to the API: bodies that are not UTF-8 JSON, name a key twice or come as another
 * type are refused before anything is read into a booking; a request that carries two different
 * keys, or a key in the header of the other kind, is refused; and a client that keeps mistyping
 * its key locks out neither a valid key from the same address nor other addresses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, revokeKey } from '../../src/services/keys';
import { call, makeApp, readAnswer, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

const OPERATOR = { kind: 'operator' as const, id: 'test' };

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let target: { id: string; etag: string };

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha', { capacity: 12 });
  const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
  expect(created.status).toBe(201);
  target = { id: created.json.id, etag: created.headers.get('etag') ?? '' };
});
afterAll(() => t.close());

let clients = 0;
/** Each test names its own client address, so the failure limit of one does not reach another. */
const freshClient = () => `198.18.0.${++clients}`;

/** Sends raw bytes with exactly the headers given (no content-type is added). */
async function send(method: string, path: string, body: Uint8Array | string | null, headers: Record<string, string>) {
  const res = await app.request(path, {
    method,
    headers: { 'x-test-client': freshClient(), ...headers },
    ...(body !== null ? { body: typeof body === 'string' ? new TextEncoder().encode(body) : body } : {}),
  });
  return readAnswer(res);
}

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));
/** A booking body whose guest name holds `raw` bytes in place of `@@`. */
const bookingWith = (raw: number[]) => {
  const [before, after] = JSON.stringify(bookingInput({ guest: { name: '@@', email: 'g@example.com' } })).split('@@') as [string, string];
  return bytes(before, raw, after);
};

const JSON_TYPE = { 'content-type': 'application/json' };

describe('bodies that are not UTF-8', () => {
  it.each([
    { name: 'a Latin-1 byte (é as 0xE9)', raw: [0xe9] },
    { name: 'a stray continuation byte', raw: [0x80] },
    { name: 'an overlong encoding of /', raw: [0xc0, 0xaf] },
    { name: 'an encoded UTF-16 surrogate', raw: [0xed, 0xa0, 0x80] },
    { name: 'a sequence cut short', raw: [0xe2, 0x82] },
    { name: 'a byte never used in UTF-8 (0xFF)', raw: [0xff] },
  ])('refuses $name in a booking with 400 and stores nothing', async ({ raw }) => {
    const before = await countWrites(t);
    const res = await send('POST', '/api/v1/bookings', bookingWith(raw), { ...JSON_TYPE, 'x-service-key': a.serviceKey });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toMatchObject({ status: 400, detail: 'The body is not valid UTF-8.' });
    expect(await countWrites(t)).toEqual(before);
  });

  it('refuses invalid UTF-8 in a PATCH and leaves the booking as it was', async () => {
    const before = await countWrites(t);
    const res = await send('PATCH', `/api/v1/bookings/${target.id}`, bytes('{"notes":{"guest":"', [0xfe], '"}}'), {
      ...JSON_TYPE,
      'x-service-key': a.serviceKey,
      'if-match': target.etag,
    });
    expect(res.status).toBe(400);
    expect(res.json.detail).toBe('The body is not valid UTF-8.');
    expect(await countWrites(t)).toEqual(before);
  });

  it('accepts real UTF-8 beyond ASCII, and a byte-order mark before the JSON', async () => {
    const name = 'Zoë Ångström 🛥️';
    const created = await send(
      'POST',
      '/api/v1/bookings',
      bytes(JSON.stringify(bookingInput({ guest: { name, email: 'z@example.com' } }))),
      {
        ...JSON_TYPE,
        'x-service-key': a.serviceKey,
      },
    );
    expect(created.status).toBe(201);
    expect(created.json.guest.name).toBe(name);
    const withBom = await send('POST', '/api/v1/bookings', bytes([0xef, 0xbb, 0xbf], JSON.stringify(bookingInput())), {
      ...JSON_TYPE,
      'x-service-key': a.serviceKey,
    });
    expect(withBom.status).toBe(201);
  });
});

describe('bodies of another type or charset', () => {
  const body = () => JSON.stringify(bookingInput());
  it.each([
    { name: 'charset=latin1', type: 'application/json; charset=latin1' },
    { name: 'charset=ISO-8859-1', type: 'application/json;charset=ISO-8859-1' },
    { name: 'charset=utf-16', type: 'application/json; charset=utf-16' },
    { name: 'a quoted charset="windows-1252"', type: 'application/json; charset="windows-1252"' },
    { name: 'text/plain', type: 'text/plain' },
    { name: 'text/plain with charset=utf-8', type: 'text/plain; charset=utf-8' },
    { name: 'a form', type: 'application/x-www-form-urlencoded' },
    { name: 'multipart', type: 'multipart/form-data; boundary=x' },
    { name: 'XML', type: 'application/xml' },
    { name: 'no content type at all', type: null },
  ])('refuses a booking sent with $name with 415 and stores nothing', async ({ type }) => {
    const before = await countWrites(t);
    const res = await send('POST', '/api/v1/bookings', body(), {
      ...(type ? { 'content-type': type } : {}),
      'x-service-key': a.serviceKey,
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toMatchObject({ status: 415, title: 'Unsupported media type' });
    expect(res.json.detail).toMatch(/application\/json|UTF-8/);
    expect(await countWrites(t)).toEqual(before);
  });

  it.each([
    { name: 'charset=utf-8', type: 'application/json; charset=utf-8' },
    { name: 'charset="UTF-8"', type: 'application/json; charset="UTF-8"' },
    { name: 'charset=utf8', type: 'application/json;charset=utf8' },
    { name: 'upper-case APPLICATION/JSON', type: 'APPLICATION/JSON' },
  ])('accepts a booking sent with $name', async ({ type }) => {
    const res = await send('POST', '/api/v1/bookings', JSON.stringify(bookingInput()), {
      'content-type': type,
      'x-service-key': a.serviceKey,
    });
    expect(res.status).toBe(201);
  });

  it('refuses a crew event and a calendar entry sent as a form with 415', async () => {
    const before = await countWrites(t);
    const event = await send('POST', '/api/v1/events', `booking_id=${target.id}`, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-service-key': a.serviceKey,
    });
    expect(event.status).toBe(415);
    const entry = await send('POST', '/api/v1/calendar', 'date=2026-05-30&event_type=charter', {
      'content-type': 'application/x-www-form-urlencoded',
      'x-dashboard-token': a.dashboardToken,
    });
    expect(entry.status).toBe(415);
    expect(await countWrites(t)).toEqual(before);
  });

  it('still cancels with a POST that carries no body, whatever type curl gives it', async () => {
    const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
    const res = await send('POST', `/api/v1/bookings/${created.json.id}/cancel`, '', {
      'content-type': 'application/x-www-form-urlencoded',
      'x-service-key': a.serviceKey,
    });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('cancelled');
  });
});

describe('JSON that names a key twice', () => {
  const body = JSON.stringify(bookingInput());
  it.each([
    { name: 'partySize at the top', text: body.replace('"partySize":6', '"partySize":2,"partySize":3'), field: 'partySize' },
    {
      name: 'guest.email',
      text: body.replace('"email":"avery@example.com"', '"email":"a@x.test","email":"b@x.test"'),
      field: 'guest.email',
    },
    { name: 'a key spelled with an escape', text: body.replace('"partySize":6', '"partySize":6,"\\u0070artySize":7'), field: 'partySize' },
    { name: 'pricing.total', text: body.replace('"total":840.75', '"total":1,"total":840.75'), field: 'pricing.total' },
    {
      name: 'the whole guest object',
      text: body.replace('"partySize":6', '"partySize":6,"guest":{"name":"X","email":"x@x.test"}'),
      field: 'guest',
    },
  ])('refuses a booking that names $name twice with 400 naming the key, and stores nothing', async ({ text, field }) => {
    const before = await countWrites(t);
    const res = await send('POST', '/api/v1/bookings', text, { ...JSON_TYPE, 'x-service-key': a.serviceKey });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.errors).toEqual([{ field, message: 'is given more than once' }]);
    expect(res.json.detail).toContain(`"${field.split('.').pop()}"`);
    expect(await countWrites(t)).toEqual(before);
  });

  it('refuses a PATCH that names partySize twice, and leaves the booking as it was', async () => {
    const before = await countWrites(t);
    const res = await send('PATCH', `/api/v1/bookings/${target.id}`, '{"partySize":2,"partySize":3}', {
      ...JSON_TYPE,
      'x-service-key': a.serviceKey,
      'if-match': target.etag,
    });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([{ field: 'partySize', message: 'is given more than once' }]);
    expect(await countWrites(t)).toEqual(before);
    const now = await call(app, 'GET', `/api/v1/bookings/${target.id}`, a.serviceKey);
    expect(now.headers.get('etag')).toBe(target.etag);
  });

  it('refuses a crew entry that names its role twice, by its index', async () => {
    const before = await countWrites(t);
    const res = await send(
      'POST',
      '/api/v1/events',
      `{"booking_id":"${target.id}","crew":[{"email":"${a.captain.email}","role":"captain"},{"email":"${a.deckhand.email}","role":"crew","role":"captain"}]}`,
      { ...JSON_TYPE, 'x-service-key': a.serviceKey },
    );
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([{ field: 'crew.1.role', message: 'is given more than once' }]);
    expect(await countWrites(t)).toEqual(before);
  });

  it('refuses a calendar entry that names its date twice', async () => {
    const res = await send('POST', '/api/v1/calendar', '{"date":"2026-05-30","event_type":"charter","date":"2026-06-30"}', {
      ...JSON_TYPE,
      'x-dashboard-token': a.dashboardToken,
    });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([{ field: 'date', message: 'is given more than once' }]);
  });

  it('accepts the same key in different objects', async () => {
    const res = await call(
      app,
      'POST',
      '/api/v1/bookings',
      a.serviceKey,
      bookingInput({ guest: { name: 'Same', email: 's@x.test' }, notes: { guest: 'guest, in notes', crew: 'x', internal: 'y' } }),
    );
    expect(res.status).toBe(201);
  });

  it('says malformed JSON is not valid JSON', async () => {
    const res = await send('POST', '/api/v1/bookings', '{"partySize":', { ...JSON_TYPE, 'x-service-key': a.serviceKey });
    expect(res.status).toBe(400);
    expect(res.json.detail).toBe('The body is not valid JSON.');
  });
});

describe('credentials', () => {
  it('answers 400 to two different keys in X-Service-Key and Authorization: Bearer, and counts no failure', async () => {
    const other = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service' });
    const client = freshClient();
    for (let i = 0; i < 25; i++) {
      const res = await call(app, 'GET', '/api/v1/bookings', a.serviceKey, undefined, {
        'x-test-client': client,
        authorization: `Bearer ${other.key}`,
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.json.detail).toContain('two different keys');
    }
    // None of those counted as a failed key: an unknown key is still a plain 401.
    const unknown = await call(app, 'GET', '/api/v1/bookings', `bsk_${'Q'.repeat(43)}`, undefined, { 'x-test-client': client });
    expect(unknown.status).toBe(401);
  });

  it('answers 400 to a service key and a dashboard token together, and writes nothing', async () => {
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(), { 'x-dashboard-token': a.dashboardToken });
    expect(res.status).toBe(400);
    expect(await countWrites(t)).toEqual(before);
  });

  it('answers 400 to X-Service-Key sent twice with different keys', async () => {
    const other = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service' });
    const headers = new Headers([
      ['x-service-key', a.serviceKey],
      ['x-service-key', other.key],
    ]);
    const res = await app.request('/api/v1/bookings', { headers });
    expect(res.status).toBe(400);
  });

  it('accepts the same key sent both in X-Service-Key and as Bearer (one credential)', async () => {
    const res = await call(app, 'GET', '/api/v1/bookings', a.serviceKey, undefined, { authorization: `Bearer ${a.serviceKey}` });
    expect(res.status).toBe(200);
    const token = await call(app, 'GET', '/api/v1/bookings', null, undefined, {
      'x-dashboard-token': a.dashboardToken,
      authorization: `Bearer ${a.dashboardToken}`,
    });
    expect(token.status).toBe(200);
  });

  it('ignores an Authorization header of another scheme beside a key (a proxy’s Basic)', async () => {
    const res = await call(app, 'GET', '/api/v1/bookings', a.serviceKey, undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(res.status).toBe(200);
  });

  it('answers 401 to a service key in X-Dashboard-Token and to a dashboard token in X-Service-Key', async () => {
    const wrongPlace = await call(app, 'GET', '/api/v1/bookings', null, undefined, {
      'x-test-client': freshClient(),
      'x-dashboard-token': a.serviceKey,
    });
    expect(wrongPlace.status).toBe(401);
    expect(wrongPlace.headers.get('content-type')).toBe('application/problem+json');
    expect(wrongPlace.json.detail).toContain('X-Dashboard-Token takes a dashboard token');
    const other = await call(
      app,
      'POST',
      '/api/v1/calendar',
      null,
      { date: '2026-05-30', event_type: 'charter' },
      {
        'x-test-client': freshClient(),
        'x-service-key': a.dashboardToken,
      },
    );
    expect(other.status).toBe(401);
    expect(other.json.detail).toContain('X-Service-Key takes a service key');
  });

  it('counts a key in the wrong header as a failure', async () => {
    const client = freshClient();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      statuses.push(
        (await call(app, 'GET', '/api/v1/bookings', null, undefined, { 'x-test-client': client, 'x-dashboard-token': a.serviceKey }))
          .status,
      );
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
  });
});

describe('the failure limit on a shared address (a marina’s Wi-Fi)', () => {
  it('refuses only failing keys once an address is over the limit: the office’s valid keys go on working', async () => {
    const wifi = freshClient();
    const typo = `${a.serviceKey.slice(0, -1)}${a.serviceKey.endsWith('x') ? 'y' : 'x'}`;
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await call(app, 'GET', '/api/v1/bookings', typo, undefined, { 'x-test-client': wifi });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(401);
    }
    expect(limited?.json.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);

    // The guest who mistyped is still refused, with Retry-After, and so is any other unknown key.
    const again = await call(app, 'GET', '/api/v1/bookings', typo, undefined, { 'x-test-client': wifi });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);

    // The office on the same Wi-Fi: its service key reads and writes, its dashboard token works too.
    const before = await countWrites(t);
    const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(), { 'x-test-client': wifi });
    expect(created.status).toBe(201);
    expect((await countWrites(t)).bookings).toBe(before.bookings + 1);
    expect((await call(app, 'GET', '/api/v1/bookings', a.serviceKey, undefined, { 'x-test-client': wifi })).status).toBe(200);
    const token = await call(app, 'GET', '/api/v1/bookings', null, undefined, {
      'x-test-client': wifi,
      authorization: `Bearer ${a.dashboardToken}`,
    });
    expect(token.status).toBe(200);

    // A key that was valid and is revoked is a failing key like any other.
    const revoked = await createKey(t.deps, OPERATOR, a.tenant.id, { kind: 'service' });
    expect((await call(app, 'GET', '/api/v1/bookings', revoked.key, undefined, { 'x-test-client': wifi })).status).toBe(200);
    await revokeKey(t.deps, { tenantId: a.tenant.id, actor: OPERATOR }, { keyId: revoked.id });
    expect((await call(app, 'GET', '/api/v1/bookings', revoked.key, undefined, { 'x-test-client': wifi })).status).toBe(429);
  });
});
