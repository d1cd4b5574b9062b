import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
/** A booking that every PATCH case aims at, as read before the cases run. */
let target: any;
let targetEtag: string;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha', { capacity: 12 });
  const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
  expect(created.status).toBe(201);
  target = created.json;
  targetEtag = created.headers.get('etag') ?? '';
});
afterAll(() => t.close());

const TWO_MB = 2 * 1024 * 1024;
const input = bookingInput;
const without = (field: string) => {
  const body: Record<string, unknown> = input();
  delete body[field];
  return body;
};

type BadCase = { name: string; body: unknown; status: number; field?: string; contentType?: string };

const createCases: BadCase[] = [
  { name: 'malformed JSON', body: '{"guest": {"name": "Avery"', status: 400 },
  { name: 'a JSON body that ends after a trailing comma', body: '{"partySize": 6,}', status: 400 },
  { name: 'an empty body', body: '', status: 400 },
  { name: 'a JSON array instead of an object', body: '[]', status: 422 },
  { name: 'JSON null', body: 'null', status: 422 },
  { name: 'a JSON string', body: '"a booking"', status: 422 },
  { name: 'an empty object', body: {}, status: 422, field: 'guest' },
  { name: 'partySize as a string', body: input({ partySize: '6' }), status: 422, field: 'partySize' },
  { name: 'partySize as a fraction', body: input({ partySize: 2.5 }), status: 422, field: 'partySize' },
  { name: 'partySize of zero', body: input({ partySize: 0 }), status: 422, field: 'partySize' },
  { name: 'a negative partySize', body: input({ partySize: -3 }), status: 422, field: 'partySize' },
  { name: 'a huge partySize', body: input({ partySize: 1e20 }), status: 422, field: 'partySize' },
  { name: 'guest as a string', body: input({ guest: 'Avery Guest' }), status: 422, field: 'guest' },
  { name: 'startsAt as a number', body: input({ startsAt: 1780160400000 }), status: 422, field: 'startsAt' },
  {
    name: 'pricing.total as a string',
    body: input({ pricing: { total: '840.75', currency: 'USD' } }),
    status: 422,
    field: 'pricing.total',
  },
  { name: 'vessel as an array', body: input({ vessel: ['jada'] }), status: 422, field: 'vessel' },
  { name: 'a missing guest', body: without('guest'), status: 422, field: 'guest' },
  { name: 'a missing vessel', body: without('vessel'), status: 422, field: 'vessel' },
  { name: 'a missing startsAt', body: without('startsAt'), status: 422, field: 'startsAt' },
  { name: 'a missing partySize', body: without('partySize'), status: 422, field: 'partySize' },
  { name: 'a missing guest e-mail', body: input({ guest: { name: 'Avery Guest' } }), status: 422, field: 'guest.email' },
  {
    name: 'a guest e-mail that is not an address',
    body: input({ guest: { name: 'A', email: 'not-an-address' } }),
    status: 422,
    field: 'guest.email',
  },
  { name: 'a blank guest name', body: input({ guest: { name: '   ', email: 'a@b.test' } }), status: 422, field: 'guest.name' },
  { name: 'an unknown top-level field', body: input({ admin: true }), status: 422 },
  { name: 'an unknown field inside guest', body: input({ guest: { name: 'A', email: 'a@b.test', ssn: '123' } }), status: 422 },
  { name: 'an unknown field inside notes', body: input({ notes: { secret: 'x' } }), status: 422 },
  { name: 'an unknown vessel', body: input({ vessel: 'titanic' }), status: 422, field: 'vessel' },
  { name: "another tenant's vessel slug spelled in upper case", body: input({ vessel: 'JADA' }), status: 422, field: 'vessel' },
  { name: 'an end before the start', body: input({ endsAt: '2026-05-30T09:00:00-07:00' }), status: 422, field: 'endsAt' },
  { name: 'an end equal to the start', body: input({ endsAt: '2026-05-30T10:00:00-07:00' }), status: 422, field: 'endsAt' },
  { name: "a party larger than the vessel's capacity", body: input({ partySize: 13 }), status: 422, field: 'partySize' },
  { name: 'a start without an offset', body: input({ startsAt: '2026-05-30T10:00:00' }), status: 422, field: 'startsAt' },
  { name: 'a date-only start', body: input({ startsAt: '2026-05-30' }), status: 422, field: 'startsAt' },
  {
    name: 'February 30',
    body: input({ startsAt: '2026-02-30T10:00:00-08:00', endsAt: '2026-02-30T13:00:00-08:00' }),
    status: 422,
    field: 'startsAt',
  },
  {
    name: 'April 31',
    body: input({ startsAt: '2026-04-31T10:00:00-07:00', endsAt: '2026-04-31T13:00:00-07:00' }),
    status: 422,
    field: 'startsAt',
  },
  { name: 'February 29 of a common year', body: input({ endsAt: '2027-02-29T13:00:00-08:00' }), status: 422, field: 'endsAt' },
  { name: 'month 13', body: input({ startsAt: '2026-13-01T10:00:00Z' }), status: 422, field: 'startsAt' },
  { name: 'hour 25', body: input({ startsAt: '2026-05-30T25:00:00Z' }), status: 422, field: 'startsAt' },
  { name: 'a natural-language date', body: input({ startsAt: 'tomorrow at ten' }), status: 422, field: 'startsAt' },
  { name: 'a negative total', body: input({ pricing: { total: -1, currency: 'USD' } }), status: 422, field: 'pricing.total' },
  { name: 'a negative captain fee', body: input({ captainFeePerHour: -50 }), status: 422, field: 'captainFeePerHour' },
  {
    name: 'a total with three decimals',
    body: input({ pricing: { total: 10.005, currency: 'USD' } }),
    status: 422,
    field: 'pricing.total',
  },
  { name: 'a lower-case currency', body: input({ pricing: { total: 10, currency: 'usd' } }), status: 422, field: 'pricing.currency' },
  {
    name: 'a currency that is not three letters',
    body: input({ pricing: { total: 10, currency: 'DOLLARS' } }),
    status: 422,
    field: 'pricing.currency',
  },
  { name: 'a pricing without currency', body: input({ pricing: { total: 10 } }), status: 422, field: 'pricing.currency' },
  { name: 'an unknown status', body: input({ status: 'archived' }), status: 422, field: 'status' },
  { name: 'a status of cancelled at creation', body: input({ status: 'cancelled' }), status: 422, field: 'status' },
  { name: 'a reserved friendly slug', body: input({ friendlySlug: 'api' }), status: 422, field: 'friendlySlug' },
  { name: 'a friendly slug with a path in it', body: input({ friendlySlug: '../etc/passwd' }), status: 422, field: 'friendlySlug' },
  { name: 'an id with punctuation', body: input({ id: "A'B;C" }), status: 422, field: 'id' },
  {
    name: 'an internal note over 4000 characters',
    body: input({ notes: { internal: 'x'.repeat(4001) } }),
    status: 422,
    field: 'notes.internal',
  },
  { name: 'a 2 MB body', body: input({ notes: { internal: 'x'.repeat(TWO_MB) } }), status: 413 },
];

const patchCases: BadCase[] = [
  { name: 'malformed JSON', body: '{"partySize": ', status: 400 },
  { name: 'partySize as a string', body: { partySize: 'many' }, status: 422, field: 'partySize' },
  { name: 'an unknown field', body: { version: 99 }, status: 422 },
  { name: 'an unknown vessel', body: { vessel: 'titanic' }, status: 422, field: 'vessel' },
  { name: 'an end before the stored start', body: { endsAt: '2026-05-30T09:00:00-07:00' }, status: 422, field: 'endsAt' },
  { name: "a party larger than the vessel's capacity", body: { partySize: 40 }, status: 422, field: 'partySize' },
  { name: 'February 30', body: { startsAt: '2026-02-30T10:00:00-08:00' }, status: 422, field: 'startsAt' },
  { name: 'a start without an offset', body: { startsAt: '2026-05-30T08:00:00' }, status: 422, field: 'startsAt' },
  { name: 'a negative total', body: { pricing: { total: -840.75, currency: 'USD' } }, status: 422, field: 'pricing.total' },
  { name: 'a bad currency', body: { pricing: { total: 1, currency: '$$$' } }, status: 422, field: 'pricing.currency' },
  { name: 'an unknown status', body: { status: 'archived' }, status: 422, field: 'status' },
  { name: 'a move from confirmed back to hold', body: { status: 'hold' }, status: 409 },
  { name: 'a blank guest name', body: { guest: { name: '' } }, status: 422, field: 'guest.name' },
  { name: 'a 2 MB body', body: { notes: { internal: 'x'.repeat(TWO_MB) } }, status: 413 },
];

function expectProblem(res: Awaited<ReturnType<typeof call>>, c: BadCase) {
  expect(res.status).toBe(c.status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.json).toMatchObject({ status: c.status, title: expect.any(String), detail: expect.any(String) });
  expect(res.json.title.length).toBeGreaterThan(0);
  expect(res.json.detail.length).toBeGreaterThan(0);
  if (c.status === 422) {
    expect(res.json.errors.length).toBeGreaterThan(0);
    for (const e of res.json.errors) expect(e).toEqual({ field: expect.any(String), message: expect.any(String) });
    if (c.field) expect(res.json.errors.map((e: { field: string }) => e.field)).toContain(c.field);
  }
}

describe('bad input to POST /api/v1/bookings', () => {
  it.each(createCases)('rejects $name with $status problem+json and writes nothing', async (c) => {
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, c.body);
    expectProblem(res, c);
    expect(await countWrites(t)).toEqual(before);
  });

  it('rejects valid JSON sent as text/plain without writing anything', async () => {
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, JSON.stringify(input()), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await countWrites(t)).toEqual(before);
  });

  it('reports every invalid field of one request at once', async () => {
    const res = await call(
      app,
      'POST',
      '/api/v1/bookings',
      a.serviceKey,
      input({ partySize: 'six', startsAt: 'soon', pricing: { total: -1, currency: 'usd' } }),
    );
    expect(res.status).toBe(422);
    const fields = res.json.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['partySize', 'startsAt', 'pricing.total', 'pricing.currency']));
  });

  it('reports both the end-before-start and the over-capacity rule in one answer', async () => {
    const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, input({ partySize: 50, endsAt: '2026-05-30T08:00:00-07:00' }));
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['endsAt', 'partySize']);
  });

  it('rejects a duplicate friendly slug with 409 and stores only the first booking', async () => {
    const first = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, input({ friendlySlug: 'sunset-cruise' }));
    expect(first.status).toBe(201);
    const before = await countWrites(t);
    const second = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, input({ friendlySlug: 'sunset-cruise' }));
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toBe('application/problem+json');
    expect(second.json.errors.map((e: { field: string }) => e.field)).toEqual(['friendlySlug']);
    expect(await countWrites(t)).toEqual(before);
  });

  it('rejects a caller-chosen id that exists already with 409 and keeps the first booking as it was', async () => {
    const first = await call(
      app,
      'POST',
      '/api/v1/bookings',
      a.serviceKey,
      input({ id: 'TAKEN7', guest: { name: 'First', email: 'f@x.test' } }),
    );
    expect(first.status).toBe(201);
    const before = await countWrites(t);
    const second = await call(
      app,
      'POST',
      '/api/v1/bookings',
      a.serviceKey,
      input({ id: 'taken7', guest: { name: 'Second', email: 's@x.test' } }),
    );
    expect(second.status).toBe(409);
    expect(await countWrites(t)).toEqual(before);
    const got = await call(app, 'GET', '/api/v1/bookings/TAKEN7', a.serviceKey);
    expect(got.json.guest.name).toBe('First');
  });
});

describe('bad input to PATCH /api/v1/bookings/{id}', () => {
  it.each(patchCases)('rejects $name with $status problem+json and leaves the booking unchanged', async (c) => {
    const before = await countWrites(t);
    const res = await call(app, 'PATCH', `/api/v1/bookings/${target.id}`, a.serviceKey, c.body, { 'if-match': targetEtag });
    expectProblem(res, c);
    expect(await countWrites(t)).toEqual(before);
    const now = await call(app, 'GET', `/api/v1/bookings/${target.id}`, a.serviceKey);
    expect(now.json).toEqual(target);
    expect(now.headers.get('etag')).toBe(targetEtag);
  });
});

describe('bad input to the other routes', () => {
  it.each([
    { name: 'an unknown status', query: 'status=archived', field: 'status' },
    { name: 'a from without an offset', query: 'from=2026-05-30T00:00:00', field: 'from' },
    { name: 'a to of February 30', query: 'to=2026-02-30T00:00:00Z', field: 'to' },
    { name: 'a limit of zero', query: 'limit=0', field: 'limit' },
    { name: 'an unknown parameter', query: 'tenant=alpha', field: 'tenant' },
  ])('rejects a booking list with $name with 422', async ({ query, field }) => {
    const res = await call(app, 'GET', `/api/v1/bookings?${query}`, a.serviceKey);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers a SQL-looking booking id in the path with a 4xx and keeps the bookings table', async () => {
    const before = await countWrites(t);
    for (const id of ["x'; drop table bookings; --", "A' OR '1'='1", '%00']) {
      const res = await call(app, 'GET', `/api/v1/bookings/${encodeURIComponent(id)}`, a.serviceKey);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await countWrites(t)).toEqual(before);
  });

  it.each([
    { name: 'malformed JSON', body: '{"booking_id":', status: 400 },
    { name: 'a missing booking_id', body: { notes: 'x' }, status: 422 },
    { name: 'an unknown booking', body: { booking_id: 'ZZZZZZZ' }, status: 422 },
    {
      name: 'a crew entry with both crewId and email',
      body: { booking_id: 'X', crew: [{ email: 'a@b.test', crewId: crypto.randomUUID(), role: 'crew' }] },
      status: 422,
    },
    { name: 'an unknown crew role', body: { booking_id: 'X', crew: [{ email: 'a@b.test', role: 'admiral' }] }, status: 422 },
  ])('rejects a crew event with $name and writes nothing', async ({ body, status }) => {
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/events', a.serviceKey, body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await countWrites(t)).toEqual(before);
  });

  it('rejects a crew event naming one unknown crew member among known ones and assigns nobody', async () => {
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: target.id,
      crew: [
        { email: a.captain.email, role: 'captain' },
        { email: 'nobody@alpha.test', role: 'crew' },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([expect.objectContaining({ field: 'crew.1' })]);
    expect(await countWrites(t)).toEqual(before);
  });

  it.each([
    { name: 'February 30', body: { date: '2026-02-30', event_type: 'charter' } },
    { name: 'a date-time instead of a date', body: { date: '2026-05-30T10:00:00Z', event_type: 'charter' } },
    { name: 'an event type with spaces', body: { date: '2026-05-30', event_type: 'drop table' } },
    { name: 'an unknown booking', body: { date: '2026-05-30', event_type: 'charter', booking_id: 'ZZZZZZZ' } },
  ])('rejects a calendar entry with $name and writes nothing', async ({ body }) => {
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/calendar', null, body, { 'x-dashboard-token': a.dashboardToken });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.errors.length).toBeGreaterThan(0);
    expect(await countWrites(t)).toEqual(before);
  });
});

const hostile = {
  rtl: 'מרים כהן — مريم الحسن',
  emoji: 'Zoë 🛥️⚓ 👨‍👩‍👧‍👦 𝔅𝔬𝔰𝔲𝔫',
  script: '<script>alert("x")</script>',
  img: '"><img src=x onerror=alert(1)>',
  sql: "'); drop table bookings; --",
  sql2: "Robert'); DELETE FROM audit_log WHERE ('1'='1",
  quotes: 'back\\slash " quote \' apostrophe',
};

/** Notes may span lines: tab, LF and CR are kept; other control characters are refused. */
const multiLineNote = 'line one\r\nline two\n\tindented\tcolumns';

describe('valid but hostile-looking text', () => {
  it.each(Object.entries(hostile))('stores and returns a %s guest name and notes verbatim', async (_kind, text) => {
    const before = await countWrites(t);
    const res = await call(
      app,
      'POST',
      '/api/v1/bookings',
      a.serviceKey,
      input({
        guest: { name: text, email: 'guest@example.com', phone: text.slice(0, 40) },
        notes: { internal: text, crew: text, guest: text },
      }),
    );
    expect(res.status).toBe(201);
    expect(res.json.guest.name).toBe(text);
    expect(res.json.guest.phone).toBe(text.slice(0, 40));
    expect(res.json.notes).toEqual({ internal: text, crew: text, guest: text });

    const got = await call(app, 'GET', `/api/v1/bookings/${res.json.id}`, a.serviceKey);
    expect(got.json.guest.name).toBe(text);
    expect(got.json.notes).toEqual({ internal: text, crew: text, guest: text });
    expect(await countWrites(t)).toMatchObject({ bookings: before.bookings + 1 });
  });

  it('keeps tabs and line breaks in notes verbatim', async () => {
    const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, input({ notes: { crew: multiLineNote, guest: multiLineNote } }));
    expect(res.status).toBe(201);
    expect(res.json.notes.crew).toBe(multiLineNote);
    expect(res.json.notes.guest).toBe(multiLineNote);
  });

  it('changes a guest name to hostile text through PATCH and returns it verbatim', async () => {
    const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, input());
    const res = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${created.json.id}`,
      a.serviceKey,
      { guest: { name: hostile.sql }, notes: { crew: hostile.img } },
      { 'if-match': created.headers.get('etag') ?? '' },
    );
    expect(res.status).toBe(200);
    expect(res.json.guest.name).toBe(hostile.sql);
    expect(res.json.notes.crew).toBe(hostile.img);
  });

  it('finds hostile text again in the booking list and keeps every table and the audit trail intact', async () => {
    const list = await call(app, 'GET', '/api/v1/bookings?limit=500', a.serviceKey);
    expect(list.status).toBe(200);
    const names = list.json.bookings.map((x: any) => x.guest.name);
    for (const text of Object.values(hostile)) expect(names).toContain(text);
    const { rows } = await t.handle.executeSql(
      `select to_regclass('public.bookings') is not null as bookings, to_regclass('public.audit_log') is not null as audit,
              (select count(*) from audit_log where action = 'booking.created')::int as created,
              (select count(*) from bookings)::int as stored`,
    );
    expect(rows[0]).toMatchObject({ bookings: true, audit: true });
    expect(Number(rows[0]?.created)).toBe(Number(rows[0]?.stored));
    expect(Number(rows[0]?.stored)).toBe(list.json.bookings.length);
  });
});
