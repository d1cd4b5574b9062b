/**
 * The booking pages of the dashboard as the office uses them: a form that refuses bad input field by
 * field and stores nothing, times read in the vessel's zone (across a clock change too), an overlap
 * that names the other booking, edits saved against the version they were opened at, cancelling
 * after a confirmation, publishing again, crew added and taken off — and none of it reachable with
 * another operator's booking ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBooking, updateBooking } from '../../src/services/bookings';
import { addVessel } from '../../src/services/tenants';
import { makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { countJobs, countWrites } from '../support/db-snapshot';
import { makeTenant } from '../support/factories';
import { formWithAction, textOf } from '../support/html';
import { signedInStaff } from '../support/staff-session';

const ORIGIN = 'http://localhost:8080';

let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let staffA: string;
let staffB: string;

async function open(path: string, cookie = staffA) {
  const res = await app.request(path, { headers: { cookie } });
  return { res, html: await res.text() };
}

const csrfOf = (html: string) => /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? '';

async function submit(action: string, fields: Record<string, string>, cookie = staffA) {
  const page = await open('/app/today', cookie);
  const res = await app.request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie },
    body: new URLSearchParams({ _csrf: csrfOf(page.html), ...fields }).toString(),
  });
  return { res, html: await res.text() };
}

/** A complete, valid form: a charter on `date` 10:00–13:00 on Jada (Los Angeles). */
function goodForm(date: string, overrides: Record<string, string> = {}) {
  return {
    guestName: 'Avery Guest',
    guestEmail: 'avery@example.com',
    guestPhone: '+1 619 555 0100',
    partySize: '6',
    vessel: 'jada',
    date,
    startTime: '10:00',
    endTime: '13:00',
    status: 'confirmed',
    priceTotal: '840.75',
    currency: 'usd',
    captainFee: '50',
    notesGuest: 'Bring sunscreen',
    notesCrew: 'Bring spare fenders',
    notesInternal: 'Paid by card; VIP',
    friendlySlug: '',
    ...overrides,
  };
}

/** Creates a booking through the form; returns its id. */
async function createThroughForm(fields: Record<string, string>) {
  const { res, html } = await submit('/app/bookings', fields);
  expect(res.status, textOf(html)).toBe(303);
  const match = /^\/app\/bookings\/([A-Z0-9]+)\?done=created$/.exec(res.headers.get('location') ?? '');
  if (!match?.[1]) throw new Error(`no booking in ${res.headers.get('location')}`);
  return match[1];
}

/** The message shown next to `field`, with the field marked invalid and pointing at it. */
function errorNextTo(html: string, field: string): string {
  const input = new RegExp(`<(input|select|textarea)[^>]*id="${field}"[^>]*>`).exec(html)?.[0] ?? '';
  expect(input, `${field} is marked invalid`).toContain('aria-invalid="true"');
  expect(input).toMatch(new RegExp(`aria-describedby="[^"]*${field}-error`));
  const message = new RegExp(`<p class="field-error" id="${field}-error">([\\s\\S]*?)</p>`).exec(html)?.[1];
  if (message === undefined) throw new Error(`no error next to ${field}`);
  return textOf(message).trim();
}

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  await addVessel(t.deps, a.ctx, { slug: 'tejo', name: 'Tejo', capacity: 8, meetingPoint: 'Doca de Alcântara', timezone: 'Europe/Lisbon' });
  staffA = (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie;
  const b = await makeTenant(t.deps, 'gamma');
  staffB = (await signedInStaff(t.deps, b.tenant.id, 'staff')).cookie;
});

afterAll(async () => {
  await t.close();
});

describe('the new booking form', () => {
  it('offers every field with a label, the vessels with their zones, and names the zone of the times', async () => {
    const { res, html } = await open('/app/bookings/new');
    expect(res.status).toBe(200);
    const text = textOf(html);
    for (const label of [
      'Guest name',
      'Guest e-mail',
      'Party size',
      'Vessel',
      'Date',
      'Start time',
      'End time',
      'Price total',
      'Internal notes',
    ]) {
      expect(text).toContain(label);
    }
    expect(text).toContain('Jada (America/Los_Angeles)');
    expect(text).toContain('Tejo (Europe/Lisbon)');
    expect(text).toContain('Start time (America/Los_Angeles)');
    // Not refreshed live: a refresh would slip a newer version into the form (the detail page is live).
    expect(html).not.toContain('data-live-url');
    expect(html).toContain('<input type="date"');
    expect(html).toContain('<input type="time"');
    for (const id of ['guestName', 'guestEmail', 'date', 'startTime', 'notesInternal', 'friendlySlug']) {
      expect(html).toContain(`<label for="${id}">`);
    }
  });

  it('refuses bad input with a message next to each field, keeps what was typed, and stores nothing', async () => {
    const before = await countWrites(t);
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ guestName: '' }, 'guestName', /must not be empty/],
      [{ guestEmail: 'avery' }, 'guestEmail', /must be an e-mail address/],
      [{ partySize: '0' }, 'partySize', /must be at least 1/],
      [{ partySize: 'six' }, 'partySize', /must be a number/],
      [{ partySize: '13' }, 'partySize', /exceeds the vessel's capacity of 12/],
      [{ date: '' }, 'date', /required/],
      [{ startTime: '25:00' }, 'startTime', /must be a time like 10:00/],
      [{ endTime: '09:00' }, 'endTime', /must be after the start time on the same date/],
      [{ date: '2026-04-01' }, 'startTime', /must be in the future/],
      [{ priceTotal: 'lots' }, 'priceTotal', /must be a number/],
      [{ priceTotal: '10.555' }, 'priceTotal', /at most 2 decimals/],
      [{ currency: 'dollars' }, 'currency', /ISO 4217/],
      [{ captainFee: '-5' }, 'captainFee', /must not be negative/],
      [{ friendlySlug: 'Not A Slug' }, 'friendlySlug', /lower-case letters/],
      [{ status: 'cancelled' }, 'status', /must be one of hold, confirmed/],
      [{ notesInternal: 'x'.repeat(4001) }, 'notesInternal', /at most 4000 characters/],
    ];
    for (const [change, field, message] of cases) {
      const fields = goodForm('2026-09-01', change);
      const { res, html } = await submit('/app/bookings', fields);
      expect(res.status, `${field}: ${JSON.stringify(change).slice(0, 60)}`).toBe(422);
      expect(errorNextTo(html, field)).toMatch(message);
      expect(html).toContain('class="error-summary" role="alert"');
      // What the user typed is kept, the wrong value too.
      expect(html).toContain('Bring spare fenders');
      const typed = Object.values(change)[0] ?? '';
      if (field !== 'status' && !field.startsWith('notes')) expect(html).toContain(`value="${typed}"`);
    }
    const empty = await submit('/app/bookings', {});
    expect(empty.res.status).toBe(422);
    for (const field of ['guestName', 'guestEmail', 'partySize', 'date', 'startTime', 'endTime']) errorNextTo(empty.html, field);
    expect(await countWrites(t)).toEqual(before);
  });

  it('creates a good booking and shows it with money and internal notes, times in the vessel’s zone', async () => {
    const id = await createThroughForm(goodForm('2026-06-15', { friendlySlug: 'avery-sunset' }));
    const stored = (await getBooking(t.deps, a.ctx, id)).booking;
    expect(stored.startsAt).toBe('2026-06-15T10:00:00-07:00');
    expect(stored.endsAt).toBe('2026-06-15T13:00:00-07:00');
    expect(stored.pricing).toEqual({ total: 840.75, currency: 'USD' });
    const { res, html } = await open(`/app/bookings/${id}?done=created`);
    expect(res.status).toBe(200);
    const text = textOf(html);
    expect(text).toContain('Booking created.');
    expect(text).toContain('Avery Guest');
    expect(text).toContain('avery@example.com');
    expect(text).toContain('$840.75');
    expect(text).toContain('$50.00 per hour');
    expect(text).toContain('Paid by card; VIP');
    expect(text).toContain('Bring spare fenders');
    expect(text).toMatch(/Monday, June 15, 2026, 10:00\sAM\s–\s1:00\sPM PDT \(America\/Los_Angeles\)/);
    expect(text).toContain('avery-sunset');
    expect(html).toContain('class="badge status-confirmed"');
    expect(html).toContain('data-live-url="/app/stream"');
    // Empty states say what to do next.
    expect(text).toContain('No crew yet. Add a captain and crew with the form below.');
    // The guest's confirmation is queued with the booking.
    expect(text).toMatch(/Mail for this booking.*queued waiting to be sent\s*Guest confirmation\s*avery@example\.com/);
    expect(text).toContain('booking.created');
    expect(text).toContain('Sam Staff (staff)');
    expect(html).toContain('href="/app/bookings/new"');
  });

  it('refuses an overlap by naming the other booking, its times and status, next to the times', async () => {
    const first = await createThroughForm(goodForm('2026-06-20'));
    const before = await countWrites(t);
    const { res, html } = await submit(
      '/app/bookings',
      goodForm('2026-06-20', { startTime: '12:00', endTime: '15:00', guestName: 'Blake' }),
    );
    expect(res.status).toBe(409);
    const next = errorNextTo(html, 'startTime');
    expect(next).toContain(`booked then by booking ${first}`);
    expect(next).toMatch(/Saturday, June 20, 2026, 10:00\sAM\s–\s1:00\sPM PDT/);
    expect(next).toContain('confirmed');
    expect(html).toContain(`<a href="/app/bookings/${first}">${first}</a>`);
    expect(html).toContain('value="Blake"');
    expect(await countWrites(t)).toEqual(before);
  });

  it('reads the times of a vessel in another zone in that zone (Lisbon)', async () => {
    const id = await createThroughForm(goodForm('2026-07-10', { vessel: 'tejo', startTime: '10:00', endTime: '13:30', currency: 'EUR' }));
    const b = (await getBooking(t.deps, a.ctx, id)).booking;
    expect(new Date(b.startsAt).toISOString()).toBe('2026-07-10T09:00:00.000Z');
    expect(new Date(b.endsAt).toISOString()).toBe('2026-07-10T12:30:00.000Z');
    const text = textOf((await open(`/app/bookings/${id}`)).html);
    expect(text).toContain('(Europe/Lisbon)');
    expect(text).toContain('€840.75');
    // Its edit form shows the wall-clock times of Lisbon back.
    const edit = await open(`/app/bookings/${id}/edit`);
    expect(formWithAction(edit.html, `/app/bookings/${id}`).fields).toMatchObject({
      date: '2026-07-10',
      startTime: '10:00',
      endTime: '13:30',
    });
    expect(textOf(edit.html)).toContain('Start time (Europe/Lisbon)');
  });

  it('counts the hours across a clock change, and refuses a time the clocks skip', async () => {
    // Los Angeles goes back from 02:00 PDT to 01:00 PST on 1 November 2026: 00:30–03:30 is four hours.
    const id = await createThroughForm(goodForm('2026-11-01', { startTime: '00:30', endTime: '03:30' }));
    const b = (await getBooking(t.deps, a.ctx, id)).booking;
    expect(b.startsAt).toBe('2026-11-01T00:30:00-07:00');
    expect(b.endsAt).toBe('2026-11-01T03:30:00-08:00');
    expect(Date.parse(b.endsAt) - Date.parse(b.startsAt)).toBe(4 * 3_600_000);
    // It goes forward at 02:00 on 14 March 2027: 02:30 does not exist that night.
    const before = await countWrites(t);
    const { res, html } = await submit('/app/bookings', goodForm('2027-03-14', { startTime: '02:30', endTime: '05:00' }));
    expect(res.status).toBe(422);
    expect(errorNextTo(html, 'startTime')).toBe('02:30 does not exist on 2027-03-14 in America/Los_Angeles: the clocks go forward then');
    expect(await countWrites(t)).toEqual(before);
  });
});

describe('editing a booking', () => {
  it('round-trips through the form with its version; an unchanged form changes nothing', async () => {
    const id = await createThroughForm(goodForm('2026-06-25', { status: 'hold' }));
    const held = await open(`/app/bookings/${id}`);
    expect(textOf(held.html)).toContain('A hold has no guest page; it gets one once it is confirmed.');
    expect(held.html).not.toContain(`/app/bookings/${id}/publish`);
    const edit = await open(`/app/bookings/${id}/edit`);
    expect(edit.res.status).toBe(200);
    const form = formWithAction(edit.html, `/app/bookings/${id}`);
    expect(form.fields).toMatchObject({ guestName: 'Avery Guest', partySize: '6', date: '2026-06-25', startTime: '10:00', version: '1' });
    expect(edit.html).toContain('Paid by card; VIP');

    const unchanged = await submit(`/app/bookings/${id}`, goodForm('2026-06-25', { status: 'hold', currency: 'USD', version: '1' }));
    expect(unchanged.res.status).toBe(303);
    expect(unchanged.res.headers.get('location')).toBe(`/app/bookings/${id}?done=unchanged`);
    expect((await getBooking(t.deps, a.ctx, id)).etag).toBe('"v1"');

    const changed = goodForm('2026-06-25', {
      status: 'confirmed',
      partySize: '8',
      startTime: '11:00',
      endTime: '14:00',
      notesInternal: '',
      guestPhone: '',
      version: '1',
    });
    const saved = await submit(`/app/bookings/${id}`, changed);
    expect(saved.res.status).toBe(303);
    expect(saved.res.headers.get('location')).toBe(`/app/bookings/${id}?done=saved`);
    const b = (await getBooking(t.deps, a.ctx, id)).booking;
    expect(b).toMatchObject({ status: 'confirmed', partySize: 8, startsAt: '2026-06-25T11:00:00-07:00', notes: { internal: null } });
    expect(b.guest.phone).toBeNull();
    const detail = textOf((await open(`/app/bookings/${id}?done=saved`)).html);
    expect(detail).toContain('Changes saved.');
    expect(detail).toContain('partySize 6 → 8');
    expect(detail).toContain('booking.confirmed');
  });

  it('shows errors next to the fields and keeps the booking as it was', async () => {
    const id = await createThroughForm(goodForm('2026-06-26'));
    const { res, html } = await submit(
      `/app/bookings/${id}`,
      goodForm('2026-06-26', { guestEmail: 'nope', endTime: '08:00', version: '1' }),
    );
    expect(res.status).toBe(422);
    expect(errorNextTo(html, 'guestEmail')).toMatch(/e-mail address/);
    expect(errorNextTo(html, 'endTime')).toMatch(/after the start time/);
    expect(html).toContain('value="nope"');
    expect((await getBooking(t.deps, a.ctx, id)).etag).toBe('"v1"');
  });

  it('tells a stale form that someone else changed the booking, and shows the current one', async () => {
    const id = await createThroughForm(goodForm('2026-06-27'));
    const edit = await open(`/app/bookings/${id}/edit`);
    const form = formWithAction(edit.html, `/app/bookings/${id}`);
    await updateBooking(t.deps, a.ctx, id, { partySize: 9 }, 1);
    const { res, html } = await submit(`/app/bookings/${id}`, {
      ...goodForm('2026-06-27', { guestName: 'Mine' }),
      version: form.fields.version ?? '',
    });
    expect(res.status).toBe(412);
    expect(textOf(html)).toContain('This booking was changed by someone else since you opened it — here is the current booking.');
    expect(formWithAction(html, `/app/bookings/${id}`).fields).toMatchObject({ partySize: '9', version: '2', guestName: 'Avery Guest' });
    expect((await getBooking(t.deps, a.ctx, id)).booking.guest.name).toBe('Avery Guest');
  });
});

describe('cancelling, publishing again and crew', () => {
  it('cancels after a confirmation page, then offers no edit and says why', async () => {
    const id = await createThroughForm(goodForm('2026-06-28'));
    const confirm = await open(`/app/bookings/${id}/cancel`);
    expect(confirm.res.status).toBe(200);
    expect(textOf(confirm.html)).toContain('Cancel the charter of Avery Guest');
    expect((await getBooking(t.deps, a.ctx, id)).booking.status).toBe('confirmed');
    const form = formWithAction(confirm.html, `/app/bookings/${id}/cancel`);
    const done = await submit(form.action, {});
    expect(done.res.status).toBe(303);
    expect(done.res.headers.get('location')).toBe(`/app/bookings/${id}?done=cancelled`);
    const detail = await open(`/app/bookings/${id}?done=cancelled`);
    expect(textOf(detail.html)).toContain('Booking cancelled.');
    expect(detail.html).toContain('class="badge status-cancelled"');
    expect(detail.html).not.toContain(`/app/bookings/${id}/edit`);
    const edit = await open(`/app/bookings/${id}/edit`);
    expect(edit.res.status).toBe(409);
    expect(textOf(edit.html)).toContain('This booking is cancelled and can no longer be changed');
    expect(edit.html).not.toContain('name="guestName"');
    const post = await submit(`/app/bookings/${id}`, { ...goodForm('2026-06-28'), version: '2' });
    expect(post.res.status).toBe(409);
  });

  it('queues the guest page to be published again by the worker', async () => {
    const id = await createThroughForm(goodForm('2026-06-29'));
    const jobs = await countJobs(t, 'guest-page.publish', id);
    const { res } = await submit(`/app/bookings/${id}/publish`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/app/bookings/${id}?done=publishing`);
    expect(await countJobs(t, 'guest-page.publish', id)).toBe(jobs + 1);
    const text = textOf((await open(`/app/bookings/${id}?done=publishing`)).html);
    expect(text).toContain('The guest page is queued to be published again');
    expect(text).toContain('guest_page.publish_requested');
    expect(text).toContain('waiting to be published');
  });

  it('adds crew with their usual role, shows their state, and takes one off after a confirmation', async () => {
    const id = await createThroughForm(goodForm('2026-06-30'));
    const bad = await submit(`/app/bookings/${id}/crew`, { crewId: 'not-a-crew-member', role: '' });
    expect(bad.res.status).toBe(422);
    expect(errorNextTo(bad.html, 'crewId')).toBe('choose a crew member from the list');

    const added = await submit(`/app/bookings/${id}/crew`, { crewId: a.captain.id, role: '' });
    expect(added.res.status).toBe(303);
    await submit(`/app/bookings/${id}/crew`, { crewId: a.deckhand.id, role: 'crew' });
    expect(await countJobs(t, 'crew.notify', id)).toBe(2);
    const detail = await open(`/app/bookings/${id}?done=crew-added`);
    const text = textOf(detail.html);
    expect(text).toContain('Added to the crew');
    expect(text).toMatch(/Casey Captain captain invited/);
    expect(text).toMatch(/Dana Deckhand crew invited/);
    // Neither is offered again.
    expect(detail.html).not.toContain(`<option value="${a.captain.id}"`);

    const confirm = await open(`/app/bookings/${id}/crew/${a.deckhand.id}/remove`);
    expect(confirm.res.status).toBe(200);
    expect(textOf(confirm.html)).toContain('Take Dana Deckhand (crew) off the crew of this charter?');
    const removed = await submit(`/app/bookings/${id}/crew/${a.deckhand.id}/remove`, {});
    expect(removed.res.status).toBe(303);
    const after = textOf((await open(`/app/bookings/${id}`)).html);
    expect(after).not.toMatch(/Dana Deckhand crew invited/);
    expect(after).toContain('assignment.removed');
    expect((await open(`/app/bookings/${id}/crew/${a.deckhand.id}/remove`)).res.status).toBe(404);
  });

  it('refuses crew on a cancelled charter, next to the crew field', async () => {
    const id = await createThroughForm(goodForm('2026-07-01'));
    await submit(`/app/bookings/${id}/cancel`, {});
    expect(textOf((await open(`/app/bookings/${id}`)).html)).toContain('is cancelled; crew cannot be assigned to it');
    const { res, html } = await submit(`/app/bookings/${id}/crew`, { crewId: a.captain.id, role: 'captain' });
    expect(res.status).toBe(409);
    expect(textOf(html)).toContain('is cancelled; crew cannot be assigned to it');
  });
});

describe('another operator’s staff', () => {
  it('get 404 on every page and action for this operator’s booking ids, and change nothing', async () => {
    const id = await createThroughForm(goodForm('2026-07-02'));
    await submit(`/app/bookings/${id}/crew`, { crewId: a.captain.id, role: 'captain' });
    const before = await countWrites(t);
    const crew = `/app/bookings/${id}/crew/${a.captain.id}/remove`;
    for (const path of [`/app/bookings/${id}`, `/app/bookings/${id}/edit`, `/app/bookings/${id}/cancel`, crew]) {
      const { res } = await open(path, staffB);
      expect(res.status, `GET ${path}`).toBe(404);
    }
    const posts: [string, Record<string, string>][] = [
      [`/app/bookings/${id}`, { ...goodForm('2026-07-02', { guestName: 'Taken' }), version: '1' }],
      [`/app/bookings/${id}/cancel`, {}],
      [`/app/bookings/${id}/publish`, {}],
      [`/app/bookings/${id}/crew`, { crewId: a.deckhand.id, role: 'crew' }],
      [crew, {}],
    ];
    for (const [path, fields] of posts) {
      const { res } = await submit(path, fields, staffB);
      expect(res.status, `POST ${path}`).toBe(404);
    }
    expect(await countWrites(t)).toEqual(before);
    expect((await getBooking(t.deps, a.ctx, id)).booking.status).toBe('confirmed');
  });
});
