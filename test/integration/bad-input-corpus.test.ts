/**
 * A corpus of bad input across every write route of the API and every crew form: control
 * characters in every text field, wrong types, impossible and out-of-range dates, broken bodies.
 * Each request gets a 4xx (problem+json from the API, an HTML page from a form), never a 500, and
 * leaves every table exactly as it was (counted and fingerprinted before and after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueMagicLink } from '../../src/services/crew-access';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { cookieFrom, formsIn } from '../support/html';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let target: { id: string; etag: string };
let crewCookie: string;
let crewCsrf: string;

/** Every row of every table Bosun writes (and the job queue's jobs), as one comparable value. */
async function fingerprint(): Promise<Record<string, string>> {
  const { rows: tables } = await t.handle.executeSql(
    `select table_name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not in ('kysely_migration', 'kysely_migration_lock')
      order by table_name`,
  );
  const out: Record<string, string> = {};
  for (const { table_name } of tables) {
    const name = String(table_name);
    // A key's last use is touched by any authenticated request, good or bad: that is not a stored change.
    const row = name === 'api_keys' ? `(t.id, t.revoked_at)` : 't';
    const { rows } = await t.handle.executeSql(
      `select count(*)::int as n, coalesce(md5(string_agg(${row}::text, '|' order by ${row}::text)), '') as h from "${name}" t`,
    );
    out[name] = `${rows[0]?.n}:${rows[0]?.h}`;
  }
  const { rows } = await t.handle.executeSql(`select count(*)::int as n from pgboss.job`);
  out['pgboss.job'] = String(rows[0]?.n);
  return out;
}

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
  expect(created.status).toBe(201);
  target = { id: created.json.id, etag: created.headers.get('etag') ?? '' };
  const event = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
    booking_id: target.id,
    crew: [{ email: a.captain.email, role: 'captain' }],
  });
  expect(event.status).toBe(201);
  // The captain signs in as from a mailed link, and opens the charter's page for its forms.
  const link = await issueMagicLink(t.deps.db, a.tenant.id, { crewMemberId: a.captain.id, purpose: 'login', now: t.clock.now() });
  const signedIn = await app.request(`/crew/login/${link.token}`, { method: 'POST', headers: { origin: 'http://localhost' } });
  crewCookie = cookieFrom(signedIn.headers) ?? '';
  expect(crewCookie).toContain('bosun_crew=');
  const page = await app.request(`/crew/events/${target.id}`, { headers: { cookie: crewCookie } });
  crewCsrf = formsIn(await page.text()).find((f) => f.fields._csrf)?.fields._csrf ?? '';
  expect(crewCsrf).not.toBe('');
  // One good request first, so that a key's first use (recorded once a minute) is behind us.
  await call(app, 'GET', '/api/v1/bookings', a.serviceKey);
});
afterAll(() => t.close());

/** Control characters a single-line field refuses (and a lone surrogate, which UTF-8 cannot carry). */
const SINGLE_LINE_HOSTILE: Record<string, string> = {
  NUL: 'nul \u0000 byte',
  BEL: 'bell \u0007',
  ESC: 'escape \u001b[31m red',
  DEL: 'delete \u007f',
  'C1 NEL': 'next \u0085 line',
  'line separator': 'line\u2028separator',
  CR: 'carriage\rreturn',
  LF: 'line\nfeed',
  'CR LF with a header': 'Avery\r\nBcc: all@example.com',
  tab: 'tab\tinside',
  'lone surrogate': 'half \ud800 pair',
};
/** What a note refuses: everything above but tab and line breaks. */
const MULTI_LINE_HOSTILE: Record<string, string> = {
  NUL: 'nul \u0000 byte',
  BEL: 'bell \u0007',
  ESC: 'escape \u001b[31m red',
  DEL: 'delete \u007f',
  'C1 NEL': 'next \u0085 line',
  'paragraph separator': 'para\u2029graph',
  'lone surrogate': 'half \udfff pair',
};
const WRONG_TYPES: Record<string, unknown> = { number: 42, boolean: true, array: ['x'], object: { x: 1 } };
const BAD_DATE_TIMES: Record<string, string> = {
  'year 0000': '0000-06-01T10:00:00Z',
  'year 1999': '1999-06-01T10:00:00Z',
  'year 10000': '+010000-06-01T10:00:00Z',
  'month 13': '2026-13-01T10:00:00Z',
  'June 31': '2026-06-31T10:00:00Z',
  'hour 25': '2026-06-01T25:00:00Z',
  'no offset': '2026-06-01T10:00:00',
  'date only': '2026-06-01',
  words: 'next tuesday',
  empty: '',
  'NUL in a date': '2026-06-01T10:00:00\u0000Z',
};

function setPath(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys.at(-1) ?? ''] = value;
  return copy;
}

type Case = { name: string; send: () => Promise<{ status: number; type: string; text: string }> };

// Paths and bodies are thunks: the corpus is listed before the tenant and its booking exist.
type Lazy<T> = () => T;
const api =
  (method: string, path: Lazy<string>, body: Lazy<unknown>, headers: Lazy<Record<string, string>> = () => ({})) =>
  async () => {
    const res = await call(app, method, path(), a.serviceKey, body(), headers());
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: res.text };
  };
const dashboard = (path: string, body: Lazy<unknown>) => async () => {
  const res = await call(app, 'POST', path, null, body(), { 'x-dashboard-token': a.dashboardToken });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: res.text };
};
let client = 0;
const form =
  (path: Lazy<string>, fields: Record<string, string>, signedIn = true) =>
  async () => {
    const res = await app.request(path(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://localhost',
        // A client of its own per request: the per-address limits must not answer in place of validation.
        'x-test-client': `198.51.100.${++client % 250}`,
        ...(signedIn ? { cookie: crewCookie } : {}),
      },
      body: new URLSearchParams(signedIn ? { _csrf: crewCsrf, ...fields } : fields).toString(),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

/** A form body exactly as given (with the session and its CSRF token). */
const rawForm =
  (path: Lazy<string>, body: string, type = 'application/x-www-form-urlencoded') =>
  async () => {
    const res = await app.request(path(), {
      method: 'POST',
      headers: { 'content-type': type, origin: 'http://localhost', cookie: crewCookie },
      body: `_csrf=${encodeURIComponent(crewCsrf)}&${body}`,
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

function apiCases(): Case[] {
  const cases: Case[] = [];
  const create = (name: string, body: Lazy<unknown>) =>
    cases.push({ name: `POST /bookings with ${name}`, send: api('POST', () => '/api/v1/bookings', body) });
  const patch = (name: string, body: Lazy<unknown>) =>
    cases.push({
      name: `PATCH /bookings/{id} with ${name}`,
      send: api(
        'PATCH',
        () => `/api/v1/bookings/${target.id}`,
        body,
        () => ({ 'if-match': target.etag }),
      ),
    });
  // Bodies for the create are made later than the slot counter of other tests: one fixed, free day.
  const base = () =>
    bookingInput({ startsAt: '2026-09-01T10:00:00-07:00', endsAt: '2026-09-01T13:00:00-07:00' }) as Record<string, unknown>;

  for (const field of ['guest.name', 'guest.phone', 'vessel', 'friendlySlug', 'id', 'pricing.currency', 'guest.email']) {
    for (const [kind, value] of Object.entries(SINGLE_LINE_HOSTILE)) {
      create(`${kind} in ${field}`, () => setPath(base(), field, value));
      if (field !== 'id') patch(`${kind} in ${field}`, () => setPath({}, field, value));
    }
  }
  for (const field of ['notes.internal', 'notes.crew', 'notes.guest']) {
    for (const [kind, value] of Object.entries(MULTI_LINE_HOSTILE)) {
      create(`${kind} in ${field}`, () => setPath(base(), field, value));
      patch(`${kind} in ${field}`, () => setPath({}, field, value));
    }
  }
  for (const field of [
    'guest',
    'guest.name',
    'partySize',
    'vessel',
    'startsAt',
    'endsAt',
    'status',
    'pricing',
    'pricing.total',
    'captainFeePerHour',
    'notes',
    'friendlySlug',
  ]) {
    for (const [kind, value] of Object.entries(WRONG_TYPES)) {
      if (field === 'pricing.total' && kind === 'number') continue;
      if (field === 'captainFeePerHour' && kind === 'number') continue;
      if (field === 'partySize' && kind === 'number') continue;
      if ((field === 'guest' || field === 'pricing' || field === 'notes') && kind === 'object') continue;
      create(`${field} as ${kind}`, () => setPath(base(), field, value));
    }
  }
  for (const [kind, value] of Object.entries(BAD_DATE_TIMES)) {
    create(`startsAt ${kind}`, () => setPath(base(), 'startsAt', value));
    create(`endsAt ${kind}`, () => setPath(base(), 'endsAt', value));
    patch(`startsAt ${kind}`, () => ({ startsAt: value }));
  }
  create('a start in the past', () =>
    setPath(setPath(base(), 'startsAt', '2026-04-01T10:00:00-07:00'), 'endsAt', '2026-04-01T12:00:00-07:00'),
  );
  create('a charter of 30 days', () => setPath(base(), 'endsAt', '2026-10-01T10:00:00-07:00'));
  create('an unknown field', () => ({ ...base(), colour: 'blue' }));
  create('malformed JSON', () => '{"guest": {"name": "Avery"');
  create('a 2 MB note', () => setPath(base(), 'notes.internal', 'x'.repeat(2 * 1024 * 1024)));
  patch('a move into the past', () => ({ startsAt: '2026-04-01T10:00:00-07:00', endsAt: '2026-04-01T12:00:00-07:00' }));
  patch('a status that does not exist', () => ({ status: 'archived' }));
  patch('a move back to hold', () => ({ status: 'hold' }));
  patch('completing a charter that has not started', () => ({ status: 'completed' }));

  const event = (name: string, body: Lazy<unknown>) =>
    cases.push({ name: `POST /events with ${name}`, send: api('POST', () => '/api/v1/events', body) });
  for (const [kind, value] of Object.entries(SINGLE_LINE_HOSTILE)) {
    event(`${kind} in booking_id`, () => ({ booking_id: value }));
    event(`${kind} in a crew e-mail`, () => ({ booking_id: target.id, crew: [{ email: value, role: 'crew' }] }));
  }
  for (const [kind, value] of Object.entries(MULTI_LINE_HOSTILE))
    event(`${kind} in notes`, () => ({ booking_id: target.id, notes: value }));
  for (const [kind, value] of Object.entries(WRONG_TYPES)) {
    event(`booking_id as ${kind}`, () => ({ booking_id: value }));
    event(`crew as ${kind}`, () => ({ booking_id: target.id, crew: kind === 'array' ? ['x'] : value }));
    event(`a role as ${kind}`, () => ({ booking_id: target.id, crew: [{ email: a.captain.email, role: value }] }));
  }

  const calendar = (name: string, body: Lazy<unknown>) =>
    cases.push({ name: `POST /calendar with ${name}`, send: dashboard('/api/v1/calendar', body) });
  for (const [kind, value] of Object.entries(SINGLE_LINE_HOSTILE)) {
    calendar(`${kind} in title`, () => ({ date: '2026-09-02', event_type: 'charter', title: value }));
    calendar(`${kind} in event_type`, () => ({ date: '2026-09-02', event_type: value }));
    calendar(`${kind} in booking_id`, () => ({ date: '2026-09-02', event_type: 'charter', booking_id: value }));
  }
  for (const date of ['0000-01-01', '1999-12-31', '2101-01-01', '2026-02-30', '2026-13-01', '30.05.2026', '']) {
    calendar(`the date ${JSON.stringify(date)}`, () => ({ date, event_type: 'charter' }));
  }

  for (const crewId of ['%00', 'not-a-uuid', '00000000-0000-0000-0000-00000000000%00', 'x'.repeat(40)]) {
    cases.push({
      name: `DELETE /events/{id}/crew/${crewId}`,
      send: api(
        'DELETE',
        () => `/api/v1/events/${target.id}/crew/${crewId}`,
        () => undefined,
      ),
    });
  }
  for (const id of ['%00', 'ABC%00DEF', '%E2%80%A8', 'x'.repeat(40)]) {
    cases.push({
      name: `DELETE /events/${id}/crew/{crewId}`,
      send: api(
        'DELETE',
        () => `/api/v1/events/${id}/crew/${a.captain.id}`,
        () => undefined,
      ),
    });
    cases.push({
      name: `POST /bookings/${id}/cancel`,
      send: api(
        'POST',
        () => `/api/v1/bookings/${id}/cancel`,
        () => undefined,
      ),
    });
    cases.push({
      name: `PATCH /bookings/${id}`,
      send: api(
        'PATCH',
        () => `/api/v1/bookings/${id}`,
        () => ({ partySize: 2 }),
        () => ({ 'if-match': '"v1"' }),
      ),
    });
  }
  return cases;
}

function formCases(): Case[] {
  const cases: Case[] = [];
  for (const [kind, value] of Object.entries(SINGLE_LINE_HOSTILE)) {
    cases.push({
      name: `POST /crew/login with ${kind} in the e-mail`,
      send: form(() => '/crew/login', { email: `crew${value}@example.com` }, false),
    });
    cases.push({
      name: `POST /crew/events/{id}/checklist with ${kind} in the item`,
      send: form(() => `/crew/events/${target.id}/checklist`, { item: `Fuel checked${value}`, ticked: 'true' }),
    });
  }
  // A form is sent as UTF-8: a lone surrogate cannot be written in one (the browser sends U+FFFD).
  for (const [kind, value] of Object.entries(MULTI_LINE_HOSTILE).filter(([k]) => k !== 'lone surrogate')) {
    cases.push({
      name: `POST /crew/events/{id}/decline with ${kind} in the reason`,
      send: form(() => `/crew/events/${target.id}/decline`, { reason: value }),
    });
  }
  for (const ticked of ['yes', '1', '', 'true\u0000']) {
    cases.push({
      name: `POST /crew/events/{id}/checklist with ticked=${JSON.stringify(ticked)}`,
      send: form(() => `/crew/events/${target.id}/checklist`, { item: 'Fuel checked', ticked }),
    });
  }
  cases.push({
    name: 'POST /crew/events/{id}/decline with a reason of 600 characters',
    send: form(() => `/crew/events/${target.id}/decline`, { reason: 'x'.repeat(600) }),
  });
  // Bytes no browser sends: percent-encoded invalid UTF-8 (a lone surrogate, a stray byte, a cut
  // sequence), a broken escape, a field named twice, another type or charset.
  for (const raw of ['reason=%ED%A0%80', 'reason=%FF', 'reason=%E2%82', 'reason=%00', 'reason=%zz', 'reason=a&reason=b']) {
    cases.push({
      name: `POST /crew/events/{id}/decline with the raw form ${raw}`,
      send: rawForm(() => `/crew/events/${target.id}/decline`, raw),
    });
  }
  for (const type of ['text/plain', 'application/x-www-form-urlencoded; charset=iso-8859-1', 'application/json']) {
    cases.push({
      name: `POST /crew/events/{id}/decline with the type ${type}`,
      send: rawForm(() => `/crew/events/${target.id}/decline`, 'reason=x', type),
    });
  }
  cases.push({ name: 'POST /crew/login/{token} with a NUL in the token', send: form(() => '/crew/login/abc%00def', {}, false) });
  return cases;
}

const corpus = [...apiCases(), ...formCases()];

describe('the bad-input corpus', () => {
  it('holds at least 150 requests across every write route and form', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    const routes = new Set(corpus.map((c) => c.name.split(' with ')[0]?.replace(/\/bookings\/[^ ]+/, '/bookings/{id}')));
    expect([...routes].sort()).toEqual(
      expect.arrayContaining([
        'POST /bookings',
        'PATCH /bookings/{id}',
        'POST /events',
        'POST /calendar',
        'POST /crew/login',
        'POST /crew/events/{id}/checklist',
        'POST /crew/events/{id}/decline',
      ]),
    );
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s: a 4xx, and nothing stored', async (_name, c) => {
    const before = await fingerprint();
    const res = await c.send();
    expect(res.status, res.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
    if (c.name.startsWith('POST /crew/')) expect(res.type).toContain('text/html');
    else expect(res.type).toBe('application/problem+json');
    expect(await fingerprint()).toEqual(before);
  });
});
