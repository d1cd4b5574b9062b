/**
 * The dashboard's board: charters as cards in columns, and the card's own form — the route of the
 * keyboard and of a browser without JavaScript — moving a hold to confirmed (303, then the card is
 * there). board.js's partial requests get JSON. A move the booking rules refuse, a stale card, a form
 * without its token and another operator's booking id each change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking, getBooking, updateBooking } from '../../src/services/bookings';
import { answerAssignment, crewContext } from '../../src/services/crew';
import { upsertEvent } from '../../src/services/events';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';
import { type Form, formsIn, textOf } from '../support/html';
import { signedInStaff } from '../support/staff-session';

const ORIGIN = 'http://localhost:8080';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let staffA: string;
let staffB: string;
let staffEmpty: string;

async function open(path: string, cookie = staffA) {
  const res = await app.request(path, { headers: { cookie } });
  return { res, html: await res.text() };
}

async function post(action: string, fields: Record<string, string>, cookie = staffA, headers: Record<string, string> = {}) {
  const res = await app.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { res, body: await res.text() };
}

/** The ids of the cards in each column, top to bottom. */
function columnsIn(html: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of html.matchAll(/<ol data-board-column="([a-z]+)"[^>]*>([\s\S]*?)<\/ol>/g)) {
    out[m[1] ?? ''] = [...(m[2] ?? '').matchAll(/<li data-booking-id="([A-Z0-9]+)"/g)].map((c) => c[1] ?? '');
  }
  return out;
}

/** The move form of one card, as the board shows it (token, id, version). */
function moveFormOf(html: string, id: string): Form {
  const form = formsIn(html).find((f) => f.action === '/app/board/move' && f.fields.bookingId === id);
  if (!form) throw new Error(`no move form for ${id}`);
  return form;
}

/** The columns a card's "Move to" menu offers. */
function moveChoicesOf(html: string, id: string): string[] {
  const select = new RegExp(`<select id="move-${id}" name="to">([\\s\\S]*?)</select>`).exec(html)?.[1] ?? '';
  return [...select.matchAll(/<option value="([a-z]+)"/g)].map((m) => m[1] ?? '');
}

async function book(tenant: typeof a, overrides: Record<string, unknown> = {}) {
  return (await createBooking(t.deps, tenant.ctx, createBookingSchema.parse(bookingInput(overrides)))).booking.id;
}

const statusOf = async (id: string) => {
  const { booking, etag } = await getBooking(t.deps, a.ctx, id);
  return { status: booking.status, etag };
};

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  const b = await makeTenant(t.deps, 'bravo');
  const empty = await makeTenant(t.deps, 'empty');
  staffA = (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie;
  staffB = (await signedInStaff(t.deps, b.tenant.id, 'staff')).cookie;
  staffEmpty = (await signedInStaff(t.deps, empty.tenant.id, 'staff')).cookie;
  await book(b, { guest: { name: 'Bravo Guest', email: 'bravo@example.com' } });
});

afterAll(async () => {
  await t.close();
});

describe('the board page', () => {
  it('shows a column per state with its cards; each card has a form to move it', async () => {
    const hold = await book(a, { status: 'hold', guest: { name: 'Hal Hold', email: 'hal@example.com' }, partySize: 3 });
    const crewed = await book(a, { guest: { name: 'Cara Crewed', email: 'cara@example.com' } });
    await upsertEvent(t.deps, a.ctx, { booking_id: crewed, crew: [{ email: a.captain.email, role: 'captain' }] });
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), crewed, { answer: 'accept' });
    const gone = await book(a, { guest: { name: 'Gil Gone', email: 'gil@example.com' } });
    await cancelBooking(t.deps, a.ctx, gone);

    const { res, html } = await open('/app/board');
    expect(res.status).toBe(200);
    const columns = columnsIn(html);
    expect(Object.keys(columns)).toEqual(['hold', 'confirmed', 'crewed', 'completed', 'cancelled']);
    expect(columns.hold).toContain(hold);
    expect(columns.crewed).toContain(crewed);
    expect(columns.cancelled).toContain(gone);
    expect(columns.confirmed).not.toContain(crewed);
    const text = textOf(html);
    for (const title of ['Hold', 'Confirmed', 'Crewed', 'Completed', 'Cancelled']) expect(text).toMatch(new RegExp(`${title} \\(\\d+\\)`));
    expect(text).toMatch(/Hal Hold .* · Jada Party of 3 · crew 0\/0 accepted/);
    expect(text).toContain('crew 1/1 accepted');
    expect(text).not.toContain('Bravo Guest');
    // Its form carries the page's token, the id and the version; "crewed" is never offered.
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
    expect(moveFormOf(html, hold).fields).toEqual({ _csrf: csrf, bookingId: hold, version: '1' });
    expect(moveChoicesOf(html, hold)).toEqual(['confirmed', 'completed', 'cancelled']);
    expect(html).toContain(`<label for="move-${hold}">Move to</label>`);
  });

  it('says what to do on an empty board', async () => {
    const { res, html } = await open('/app/board', staffEmpty);
    expect(res.status).toBe(200);
    const empty = /<div class="empty">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(textOf(empty)).toContain('No charters in this window yet.');
    expect(empty).toContain('href="/app/bookings/new"');
  });
});

describe('moving a card with its form', () => {
  it('moves a hold to confirmed: 303 to the board, which shows the card in confirmed', async () => {
    const id = await book(a, { status: 'hold' });
    const board = await open('/app/board');
    const form = moveFormOf(board.html, id);
    const { res } = await post(form.action, { ...form.fields, to: 'confirmed' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/app/board?moved=${id}`);
    const after = await open(res.headers.get('location') ?? '');
    expect(textOf(after.html)).toContain(`charter (${id}).`);
    // The notice names only a card of the board, never text from the address.
    expect(textOf((await open('/app/board?moved=Free%20money')).html)).not.toContain('Free money');
    expect(after.html).toContain('<p class="notice" role="status">');
    const columns = columnsIn(after.html);
    expect(columns.confirmed).toContain(id);
    expect(columns.hold).not.toContain(id);
    expect(moveFormOf(after.html, id).fields.version).toBe('2');
    expect(await statusOf(id)).toEqual({ status: 'confirmed', etag: '"v2"' });
  });

  it('answers a partial request (board.js) with the moved card as JSON', async () => {
    const id = await book(a, { status: 'hold', guest: { name: 'Jo Json', email: 'jo@example.com' } });
    const form = moveFormOf((await open('/app/board')).html, id);
    const { res, body } = await post(form.action, { ...form.fields, to: 'confirmed' }, staffA, { 'x-bosun-partial': '1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(body)).toEqual({
      card: expect.objectContaining({ id, column: 'confirmed', guestName: 'Jo Json', vesselName: 'Jada', version: 2 }),
    });
    expect((await statusOf(id)).status).toBe('confirmed');
  });

  it('refuses what the booking rules refuse, with their reason, and changes nothing', async () => {
    const gone = await book(a);
    await cancelBooking(t.deps, a.ctx, gone);
    const bare = await book(a);
    const board = await open('/app/board');
    const cases: [string, string, RegExp][] = [
      [gone, 'confirmed', /This booking is cancelled and can no longer be changed/],
      [bare, 'crewed', /A charter is crewed once every assigned crew member has accepted/],
      [bare, 'completed', /A charter can be completed only once it has started/],
    ];
    for (const [id, to, reason] of cases) {
      const before = await statusOf(id);
      const writes = await countWrites(t);
      const form = moveFormOf(board.html, id);

      const page = await post(form.action, { ...form.fields, to });
      expect(page.res.status, `${to}: page`).toBe(409);
      const summary = /<div class="error-summary" role="alert">([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '';
      expect(textOf(summary)).toMatch(reason);
      expect(columnsIn(page.body)[before.status === 'cancelled' ? 'cancelled' : 'confirmed']).toContain(id);

      const partial = await post(form.action, { ...form.fields, to }, staffA, { 'x-bosun-partial': '1' });
      expect(partial.res.status, `${to}: partial`).toBe(409);
      expect(JSON.parse(partial.body).message).toMatch(reason);

      expect(await statusOf(id)).toEqual(before);
      expect(await countWrites(t)).toEqual(writes);
    }
  });

  it('refuses a stale card (someone changed the booking since) with 412, and changes nothing', async () => {
    const id = await book(a, { status: 'hold' });
    const form = moveFormOf((await open('/app/board')).html, id);
    await updateBooking(t.deps, a.ctx, id, { partySize: 2 }, 1);
    const writes = await countWrites(t);

    const page = await post(form.action, { ...form.fields, to: 'confirmed' });
    expect(page.res.status).toBe(412);
    const summary = /<div class="error-summary" role="alert">([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '';
    expect(textOf(summary)).toContain('The booking has changed since version 1');
    // The board shown is the current one: the card with its new version, still on hold.
    expect(columnsIn(page.body).hold).toContain(id);
    expect(moveFormOf(page.body, id).fields.version).toBe('2');

    const partial = await post(form.action, { ...form.fields, to: 'confirmed' }, staffA, { 'x-bosun-partial': '1' });
    expect(partial.res.status).toBe(412);
    expect(JSON.parse(partial.body).message).toContain('The booking has changed since version 1');

    expect(await statusOf(id)).toEqual({ status: 'hold', etag: '"v2"' });
    expect(await countWrites(t)).toEqual(writes);
  });

  it('refuses a column that is not one, naming the field, and changes nothing', async () => {
    const id = await book(a, { status: 'hold' });
    const form = moveFormOf((await open('/app/board')).html, id);
    const writes = await countWrites(t);
    const page = await post(form.action, { ...form.fields, to: 'sunk' });
    expect(page.res.status).toBe(422);
    expect(textOf(page.body)).toContain('to must be one of hold, confirmed, crewed, completed, cancelled');
    const partial = await post(form.action, { ...form.fields, to: 'sunk' }, staffA, { 'x-bosun-partial': '1' });
    expect(partial.res.status).toBe(422);
    expect(await statusOf(id)).toEqual({ status: 'hold', etag: '"v1"' });
    expect(await countWrites(t)).toEqual(writes);
  });

  it('refuses the form without its token (403), and changes nothing', async () => {
    const id = await book(a, { status: 'hold' });
    const form = moveFormOf((await open('/app/board')).html, id);
    const writes = await countWrites(t);
    const { _csrf, ...withoutToken } = form.fields;
    for (const fields of [withoutToken, { ...withoutToken, _csrf: 'not-the-token' }]) {
      const { res, body } = await post(form.action, { ...fields, to: 'confirmed' });
      expect(res.status).toBe(403);
      expect(textOf(body)).toContain('Reload the page and try again.');
    }
    // Another user's token is not this user's.
    const theirs = /<meta name="csrf-token" content="([^"]+)"/.exec((await open('/app/board', staffB)).html)?.[1] ?? '';
    expect((await post(form.action, { ...withoutToken, _csrf: theirs, to: 'confirmed' })).res.status).toBe(403);
    expect(await statusOf(id)).toEqual({ status: 'hold', etag: '"v1"' });
    expect(await countWrites(t)).toEqual(writes);
  });

  it('answers another operator’s staff moving this operator’s booking with 404, and changes nothing', async () => {
    const id = await book(a, { status: 'hold' });
    const csrfB = /<meta name="csrf-token" content="([^"]+)"/.exec((await open('/app/board', staffB)).html)?.[1] ?? '';
    const writes = await countWrites(t);
    for (const to of ['confirmed', 'cancelled', 'completed', 'hold']) {
      for (const headers of [{}, { 'x-bosun-partial': '1' }]) {
        const { res } = await post('/app/board/move', { _csrf: csrfB, bookingId: id, version: '1', to }, staffB, headers);
        expect(res.status, `${to} ${JSON.stringify(headers)}`).toBe(404);
      }
    }
    expect(await statusOf(id)).toEqual({ status: 'hold', etag: '"v1"' });
    expect(await countWrites(t)).toEqual(writes);
    expect(columnsIn((await open('/app/board', staffB)).html).hold).not.toContain(id);
  });
});
