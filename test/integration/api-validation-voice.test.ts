/**
 * Validation errors in one voice, as an API client reads them: the field's path, "required" for a
 * missing field, unknown fields named as themselves, `(body)` for a body that is not an object —
 * and the same voice from the CLI. Nothing is stored by a refused request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands';
import { ServiceError } from '../../src/services/errors';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha', { capacity: 12 });
});
afterAll(() => t.close());

const input = bookingInput;
const without = (field: string, body: Record<string, unknown> = input()) => {
  const copy = { ...body };
  delete copy[field];
  return copy;
};

type Case = { name: string; body: unknown; errors: { field: string; message: string }[] };

const cases: Case[] = [
  { name: 'a missing guest', body: without('guest'), errors: [{ field: 'guest', message: 'required' }] },
  { name: 'a missing partySize', body: without('partySize'), errors: [{ field: 'partySize', message: 'required' }] },
  { name: 'a missing vessel', body: without('vessel'), errors: [{ field: 'vessel', message: 'required' }] },
  { name: 'a missing startsAt', body: without('startsAt'), errors: [{ field: 'startsAt', message: 'required' }] },
  { name: 'a missing endsAt', body: without('endsAt'), errors: [{ field: 'endsAt', message: 'required' }] },
  {
    name: 'a missing guest e-mail',
    body: input({ guest: { name: 'Avery Guest' } }),
    errors: [{ field: 'guest.email', message: 'required' }],
  },
  {
    name: 'a missing guest name',
    body: input({ guest: { email: 'avery@example.com' } }),
    errors: [{ field: 'guest.name', message: 'required' }],
  },
  {
    name: 'a pricing without its currency',
    body: input({ pricing: { total: 10 } }),
    errors: [{ field: 'pricing.currency', message: 'required' }],
  },
  { name: 'an unknown top-level field', body: input({ colour: 'blue' }), errors: [{ field: 'colour', message: 'is not a known field' }] },
  {
    name: 'two unknown fields',
    body: input({ colour: 'blue', admin: true }),
    errors: [
      { field: 'colour', message: 'is not a known field' },
      { field: 'admin', message: 'is not a known field' },
    ],
  },
  {
    name: 'an unknown field inside guest',
    body: input({ guest: { name: 'A', email: 'a@b.test', ssn: '123' } }),
    errors: [{ field: 'guest.ssn', message: 'is not a known field' }],
  },
  {
    name: 'an unknown field inside notes',
    body: input({ notes: { secret: 'x' } }),
    errors: [{ field: 'notes.secret', message: 'is not a known field' }],
  },
  { name: 'a JSON array for a body', body: '[]', errors: [{ field: '(body)', message: 'must be an object' }] },
  { name: 'JSON null for a body', body: 'null', errors: [{ field: '(body)', message: 'must be an object' }] },
  { name: 'a JSON string for a body', body: '"a booking"', errors: [{ field: '(body)', message: 'must be an object' }] },
  { name: 'a JSON number for a body', body: '42', errors: [{ field: '(body)', message: 'must be an object' }] },
  { name: 'partySize as a string', body: input({ partySize: '6' }), errors: [{ field: 'partySize', message: 'must be a number' }] },
  { name: 'guest as a string', body: input({ guest: 'Avery' }), errors: [{ field: 'guest', message: 'must be an object' }] },
  { name: 'guest as null', body: input({ guest: null }), errors: [{ field: 'guest', message: 'must be an object' }] },
  { name: 'vessel as an array', body: input({ vessel: ['jada'] }), errors: [{ field: 'vessel', message: 'must be a string' }] },
  { name: 'vessel as an empty string', body: input({ vessel: '' }), errors: [{ field: 'vessel', message: 'must not be empty' }] },
  {
    name: 'vessel longer than 64 characters',
    body: input({ vessel: 'v'.repeat(65) }),
    errors: [{ field: 'vessel', message: 'must be at most 64 characters' }],
  },
  { name: 'a party of 10001', body: input({ partySize: 10001 }), errors: [{ field: 'partySize', message: 'must be at most 10000' }] },
  {
    name: 'an unknown status',
    body: input({ status: 'archived' }),
    errors: [{ field: 'status', message: 'must be one of hold, confirmed' }],
  },
  {
    name: 'a phone longer than 40 characters',
    body: input({ guest: { name: 'A', email: 'a@b.test', phone: '5'.repeat(41) } }),
    errors: [{ field: 'guest.phone', message: 'must be at most 40 characters' }],
  },
  {
    name: 'the total as a string and an unknown pricing field',
    body: input({ pricing: { total: '10', currency: 'USD', tax: 1 } }),
    errors: [
      { field: 'pricing.total', message: 'must be a number' },
      { field: 'pricing.tax', message: 'is not a known field' },
    ],
  },
  // A schema's own message is kept: it says what the field is for.
  {
    name: 'a guest e-mail that is not an address',
    body: input({ guest: { name: 'A', email: 'nope' } }),
    errors: [{ field: 'guest.email', message: 'must be an e-mail address' }],
  },
  {
    name: 'a start without an offset',
    body: input({ startsAt: '2026-05-30T10:00:00' }),
    errors: [{ field: 'startsAt', message: 'must be an ISO 8601 date-time with an offset, e.g. 2026-05-30T10:00:00-07:00' }],
  },
];

describe('validation errors of POST /api/v1/bookings', () => {
  it.each(cases)('names $name in the voice of every field error', async (c) => {
    const before = await countWrites(t);
    const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, c.body);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.errors).toEqual(c.errors);
    expect(await countWrites(t)).toEqual(before);
  });

  it('never answers with zod’s own wording', async () => {
    for (const c of cases) {
      const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, c.body);
      expect(res.text).not.toMatch(/Invalid input|Invalid option|Unrecognized key|received undefined|Too (small|big)/);
    }
  });
});

describe('validation errors of the other routes', () => {
  it('names an unknown query parameter as itself', async () => {
    const res = await call(app, 'GET', '/api/v1/bookings?tenant=alpha&colour=blue', a.serviceKey);
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([
      { field: 'tenant', message: 'is not a known field' },
      { field: 'colour', message: 'is not a known field' },
    ]);
  });

  it('says a crew entry without a role is missing its role, by its index', async () => {
    const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, input());
    const res = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: created.json.id,
      crew: [{ email: a.captain.email, role: 'captain' }, { email: a.deckhand.email }],
    });
    expect(res.status).toBe(422);
    expect(res.json.errors).toContainEqual({ field: 'crew.1.role', message: 'required' });
  });

  it('says a calendar entry without a date is missing its date', async () => {
    const res = await call(app, 'POST', '/api/v1/calendar', null, { event_type: 'charter' }, { 'x-dashboard-token': a.dashboardToken });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ field: 'date', message: 'required' }]);
  });

  it('says a PATCH with an unknown field names that field', async () => {
    const created = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, input());
    const before = await countWrites(t);
    const res = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${created.json.id}`,
      a.serviceKey,
      { version: 9, partySize: 'x' },
      {
        'if-match': created.headers.get('etag') ?? '',
      },
    );
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual(
      expect.arrayContaining([
        { field: 'version', message: 'is not a known field' },
        { field: 'partySize', message: 'must be a number' },
      ]),
    );
    expect(await countWrites(t)).toEqual(before);
  });
});

describe('the CLI in the same voice', () => {
  async function cliErrors(command: string, args: Record<string, unknown>) {
    try {
      await commands[command]?.({ deps: t.deps, sites: undefined as never }, args);
    } catch (err) {
      if (err instanceof ServiceError) return err.errors;
      throw err;
    }
    throw new Error(`${command} accepted ${JSON.stringify(args)}`);
  }

  it('says a missing option is required, named as the option', async () => {
    expect(await cliErrors('crew add', { tenant: 'alpha', email: 'new@alpha.test' })).toEqual([{ field: '--name', message: 'required' }]);
    expect(await cliErrors('vessel add', { tenant: 'alpha', slug: 'nova' })).toContainEqual({ field: '--name', message: 'required' });
  });

  it('says a missing key kind is required', async () => {
    expect(await cliErrors('key create', { tenant: 'alpha' })).toEqual([{ field: '--kind', message: 'required' }]);
  });
});
