/**
 * The operator's commands run in-process over a test database, where bookings and crew answers
 * exist: `booking list` (filters, a day in the tenant's zone, crew, the limit), `staff list` when
 * empty, `tenant set` edge cases, and `audit` naming each actor (a key by its label or prefix, crew
 * and staff by name) and each change (`startsAt 2026-05-30T10:00 → 2026-06-20T10:00`). Each tenant
 * sees only its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandRuntime } from '../../src/cli/commands';
import { insertAuditEntry } from '../../src/db/queries/audit';
import { answerAssignment, crewContext } from '../../src/services/crew';
import { ServiceError } from '../../src/services/errors';
import { createKey } from '../../src/services/keys';
import { addStaffUser } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { runCommand } from '../support/commands';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let app: TestApp;
let sites: TestSites;
let rt: CommandRuntime;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let labelled: string;
const ids: string[] = [];

const run = (name: string, args: Record<string, unknown>) => runCommand(rt, name, args);

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  sites = openTestSites(t);
  rt = { deps: t.deps, sites: sites.deps.sites };
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  labelled = (await createKey(t.deps, a.ctx.actor, a.tenant.id, { kind: 'service', label: 'booking site' })).key;
  // May 30, May 31 and June 1, 10:00–13:00 in San Diego; the second is a hold, the third has crew.
  ids.push((await call(app, 'POST', '/api/v1/bookings', labelled, bookingInput())).json.id);
  ids.push((await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput({ status: 'hold' }))).json.id);
  ids.push((await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput())).json.id);
  await call(app, 'POST', '/api/v1/events', a.serviceKey, {
    booking_id: ids[2],
    crew: [
      { email: a.captain.email, role: 'captain' },
      { email: a.deckhand.email, role: 'crew' },
    ],
  });
  await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), ids[2] as string, { answer: 'accept' });
  await call(app, 'POST', '/api/v1/bookings', b.serviceKey, bookingInput());
});
afterAll(async () => {
  await t.close();
  sites.close();
});

describe('bosun booking list', () => {
  it("lists the tenant's bookings by start, with status, times in the vessel's zone, guest, party and crew", async () => {
    const out = await run('booking list', { tenant: 'alpha' });
    const lines = out.text.split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+WHEN\s+VESSEL\s+GUEST\s+PARTY\s+CREW$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(ids);
    expect(lines[1]).toMatch(new RegExp(`^${ids[0]}\\s+confirmed\\s+2026-05-30 10:00–13:00 -07:00\\s+jada\\s+Avery Guest\\s+6$`));
    expect(lines[2]).toMatch(/\shold\s+2026-05-31 10:00–13:00 -07:00\s/);
    expect(lines[3]).toMatch(/Casey Captain \(accepted\), Dana Deckhand \(invited\)$/);
    // One JSON object, staff views; only this tenant's.
    const json = out.json.bookings as { id: string; pricing: unknown }[];
    expect(json.map((x) => x.id)).toEqual(ids);
    expect(json[0]?.pricing).toEqual({ total: 840.75, currency: 'USD' });
  });

  it('filters by status and by days in the tenant zone, and says when the limit cut the list', async () => {
    expect(((await run('booking list', { tenant: 'alpha', status: 'hold' })).json.bookings as { id: string }[]).map((x) => x.id)).toEqual([
      ids[1],
    ]);
    // A day is the whole day in San Diego: May 31 takes only the charter of May 31.
    const day = await run('booking list', { tenant: 'alpha', from: '2026-05-31', to: '2026-05-31' });
    expect((day.json.bookings as { id: string }[]).map((x) => x.id)).toEqual([ids[1]]);
    const iso = await run('booking list', { tenant: 'alpha', from: '2026-05-31T00:00:00-07:00' });
    expect((iso.json.bookings as { id: string }[]).map((x) => x.id)).toEqual([ids[1], ids[2]]);
    const cut = await run('booking list', { tenant: 'alpha', limit: '2' });
    expect(cut.text.split('\n').at(-1)).toBe('The first 2 shown; narrow with --from/--to or raise --limit.');
    expect((await run('booking list', { tenant: 'alpha', status: 'cancelled' })).text).toBe(
      'No bookings match; widen --from/--to or leave out --status.',
    );
    const bad = (await run('booking list', { tenant: 'alpha', from: 'tomorrow', status: 'gone' }).catch((e: unknown) => e)) as ServiceError;
    expect(bad.errors?.map((e) => e.field).sort()).toEqual(['--from', '--status']);
  });
});

describe('other lists and settings', () => {
  it('staff list says what to do next, then lists the staff', async () => {
    expect((await run('staff list', { tenant: 'alpha' })).text).toBe(
      'No staff yet; add one with bosun staff add alpha --name <text> --email <addr>.',
    );
    await addStaffUser(t.deps, a.ctx, { name: 'Olive Owner', email: 'olive@alpha.test', role: 'owner' });
    expect((await run('staff list', { tenant: 'alpha' })).json.staff).toEqual([
      { id: expect.any(String), name: 'Olive Owner', email: 'olive@alpha.test', role: 'owner', active: true, deactivatedAt: null },
    ]);
    expect((await run('staff list', { tenant: 'beta' })).json.staff).toEqual([]);
  });

  it('tenant set refuses control characters, an empty call and a repeated checklist item', async () => {
    const fields = async (args: Record<string, unknown>) => {
      const err = (await run('tenant set', { tenant: 'alpha', ...args }).catch((e: unknown) => e)) as ServiceError;
      expect(err).toBeInstanceOf(ServiceError);
      return [err.message, (err.errors ?? []).map((e) => `${e.field} ${e.message}`)];
    };
    expect(await fields({ whatToBring: ['Tab\there'] })).toEqual([
      'Invalid arguments.',
      ['--what-to-bring must not contain control characters'],
    ]);
    expect(await fields({ name: 'Line\nbreak' })).toEqual(['Invalid arguments.', ['--name must not contain control characters']]);
    expect(await fields({})).toEqual(['Nothing to change: give at least one option (bosun tenant set --help lists them).', []]);
    expect(await fields({ checklistItem: ['Fuel', 'Fuel'] })).toEqual([
      'Invalid arguments.',
      ['--checklist-item must not repeat an entry'],
    ]);
    // `--what-to-bring ''` alone empties the list, as --clear-what-to-bring does.
    await run('tenant set', { tenant: 'alpha', whatToBring: ['Hat'] });
    expect((await run('tenant set', { tenant: 'alpha', whatToBring: [''] })).json.changed).toEqual(['whatToBring']);
  });
});

describe('bosun audit', () => {
  it('names who acted: a key by its label or prefix, crew and staff by name, the operator and the system', async () => {
    const olive = (await run('staff list', { tenant: 'alpha' })).json.staff as { id: string }[];
    await insertAuditEntry(t.deps.db, a.tenant.id, {
      actor: { kind: 'staff', id: olive[0]?.id ?? null },
      action: 'booking.viewed',
      entityType: 'booking',
      entityId: ids[0] as string,
    });
    const entries = (await run('audit', { tenant: 'alpha' })).json.entries as { who: string; action: string; entity: string }[];
    const whoDid = (action: string, entity?: string) =>
      entries.find((e) => e.action === action && (!entity || e.entity === `booking:${entity}`))?.who;
    expect(whoDid('booking.created', ids[0])).toBe('booking site (service key)');
    expect(whoDid('booking.created', ids[1])).toBe(`${a.serviceKey.slice(0, 12)}… (service key)`);
    expect(whoDid('assignment.accepted')).toBe('Casey Captain (crew)');
    expect(whoDid('booking.viewed')).toBe('Olive Owner (staff)');
    expect(whoDid('crew.added')).toBe('operator (test)');
    // No key, label or name of another tenant appears.
    expect(JSON.stringify(entries)).not.toContain('beta');
  });

  it('shows what an update changed, old → new for short values and the name of a long one', async () => {
    const read = await call(app, 'GET', `/api/v1/bookings/${ids[0]}`, a.serviceKey);
    const long = 'Meet at the fuel dock at 9:30; the guests bring a cake, keep it in the cool box until sunset.';
    const moved = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${ids[0]}`,
      labelled,
      { startsAt: '2026-06-20T10:00:00-07:00', endsAt: '2026-06-20T13:00:00-07:00', partySize: 8, notes: { crew: long } },
      { 'if-match': read.headers.get('etag') ?? '' },
    );
    expect(moved.status).toBe(200);
    const out = await run('audit', { tenant: 'alpha', entity: ids[0] });
    const entry = (out.json.entries as { action: string; changes: string[] }[]).find((e) => e.action === 'booking.updated');
    expect(entry?.changes).toEqual(
      expect.arrayContaining([
        'startsAt 2026-05-30T10:00 → 2026-06-20T10:00',
        'endsAt 2026-05-30T13:00 → 2026-06-20T13:00',
        'partySize 6 → 8',
        'notes.crew',
      ]),
    );
    expect(entry?.changes.join(' ')).not.toContain('updatedAt');
    const line = out.text.split('\n').find((l) => l.includes('booking.updated')) ?? '';
    expect(line).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}\s+booking site \(service key\)\s+booking\.updated\s+booking:\w+\s+\S/);
    expect(line).toContain('startsAt 2026-05-30T10:00 → 2026-06-20T10:00');
    expect(line.length).toBeLessThanOrEqual(200);
    expect(line).not.toContain(long);
  });
});

describe('booking create and cancel', () => {
  const args = (over: Record<string, unknown> = {}) => ({
    tenant: 'alpha',
    vessel: 'jada',
    startsAt: '2026-07-01T10:00:00-07:00',
    endsAt: '2026-07-01T13:00:00-07:00',
    guestName: 'Casey Command',
    guestEmail: 'casey@example.com',
    partySize: '4',
    pricingTotal: '500',
    pricingCurrency: 'USD',
    notesCrew: 'Fenders',
    ...over,
  });

  it('creates a booking as the API does, and cancels it', async () => {
    const out = await run('booking create', args());
    const booking = out.json.booking as {
      id: string;
      status: string;
      partySize: number;
      pricing: { total: number };
      notes: { crew: string };
    };
    expect(booking).toMatchObject({ status: 'confirmed', partySize: 4, pricing: { total: 500 }, notes: { crew: 'Fenders' } });
    expect(out.text).toMatch(new RegExp(`^Created confirmed booking ${booking.id} on jada`));
    const cancelled = await run('booking cancel', { tenant: 'alpha', booking: booking.id.toLowerCase() });
    expect(cancelled.json.booking).toMatchObject({ id: booking.id, status: 'cancelled' });
  });

  it('refuses a booking of a vessel that is out at that time, naming the booking that holds it', async () => {
    const first = await run('booking create', args({ startsAt: '2026-07-02T10:00:00-07:00', endsAt: '2026-07-02T13:00:00-07:00' }));
    const id = (first.json.booking as { id: string }).id;
    const err = await run('booking create', args({ startsAt: '2026-07-02T12:00:00-07:00', endsAt: '2026-07-02T14:00:00-07:00' })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ServiceError);
    expect(err.status).toBe(409);
    expect(err.message).toContain(`by booking ${id}`);
    expect(err.errors).toEqual([{ field: '--starts-at', message: `overlaps booking ${id}` }]);
  });

  it('names each wrong option as typed, and stores nothing', async () => {
    const before = (await run('booking list', { tenant: 'alpha', limit: '500' })).json.bookings as unknown[];
    const err = await run(
      'booking create',
      args({ guestName: 'Bad\r\nName', partySize: 'four', startsAt: '2026-04-01T10:00:00-07:00', pricingCurrency: 'usd' }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err.errors.map((e: { field: string }) => e.field).sort()).toEqual(['--guest-name', '--party-size', '--pricing-currency']);
    const past = await run('booking create', args({ startsAt: '2026-04-01T10:00:00-07:00', endsAt: '2026-04-01T12:00:00-07:00' })).catch(
      (e) => e,
    );
    expect(past.errors).toEqual([{ field: '--starts-at', message: 'must be in the future' }]);
    expect((await run('booking list', { tenant: 'alpha', limit: '500' })).json.bookings).toHaveLength(before.length);
  });
});
