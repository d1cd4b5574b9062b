import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEntries } from '../../src/db/queries/audit';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
});
afterAll(() => t.close());

describe('bookings API', () => {
  it('creates a booking and returns it in the shape it was created in, with id and guest page URL', async () => {
    const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
    expect(res.status).toBe(201);
    expect(res.json.id).toMatch(/^[ABCDEFGHJKMNPQRSTVWXYZ23456789]{7}$/);
    expect(res.json).toMatchObject({
      status: 'confirmed',
      guest: { name: 'Avery Guest', email: 'avery@example.com' },
      partySize: 6,
      vessel: 'jada',
      startsAt: '2026-05-30T10:00:00-07:00',
      endsAt: '2026-05-30T13:00:00-07:00',
      pricing: { total: 840.75, currency: 'USD' },
      guestPageUrl: `http://alpha.localhost:8080/g/${res.json.id}`,
    });
    expect(res.headers.get('etag')).toBe('"v1"');

    const got = await call(app, 'GET', `/api/v1/bookings/${res.json.id.toLowerCase()}`, a.serviceKey);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(res.json);
  });

  it('answers a create with what a later read returns, and audits that view, for inputs of every shape', async () => {
    const variants = [
      bookingInput(),
      bookingInput({ status: 'hold', pricing: undefined, captainFeePerHour: undefined, notes: undefined }),
      bookingInput({ guest: { name: '  Zoë <b>Guest</b>  ', email: 'zoe@example.com' }, pricing: { total: 99.5, currency: 'EUR' } }),
      bookingInput({ startsAt: '2026-11-01T08:30:15.123Z', endsAt: '2026-11-01T12:30:00.999+02:00', friendlySlug: 'sunset-cruise' }),
      bookingInput({ id: 'abcd2345', guest: { name: 'Avery', email: 'a@example.com', phone: '' }, notes: { crew: '' } }),
    ];
    for (const input of variants) {
      const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, input);
      expect(res.status, res.text).toBe(201);
      const got = await call(app, 'GET', `/api/v1/bookings/${res.json.id}`, a.serviceKey);
      expect(got.json).toEqual(res.json);
      expect(got.headers.get('etag')).toBe(res.headers.get('etag'));
      const audit = await listAuditEntries(t.deps.db, a.tenant.id, { entityId: res.json.id, limit: 10 });
      expect(audit.map((e) => e.action).reverse()).toEqual(
        input.status === 'hold' ? ['booking.created'] : ['booking.created', 'booking.confirmed', 'mail.queued'],
      );
      // The audit log keeps the booking, not the publishing state of its guest page.
      const { guestPage, ...booking } = res.json;
      expect(guestPage.status).toBe(input.status === 'hold' ? 'none' : 'pending');
      expect(audit.at(-1)?.after).toEqual(booking);
    }
  });

  it('answers 401 without a key and with an unknown key', async () => {
    expect((await call(app, 'GET', '/api/v1/bookings', null)).status).toBe(401);
    const unknown = await call(app, 'GET', '/api/v1/bookings', `bsk_${'x'.repeat(43)}`);
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
  });
});
