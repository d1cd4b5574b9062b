/**
 * The personal calendar feed, read with ical.js as a calendar app would: a VTIMEZONE for the vessel's
 * zone, a stable UID, SEQUENCE rising on every change, TENTATIVE → CONFIRMED → CANCELLED (a declined
 * charter is "Declined: …", never CANCELLED), no ORGANIZER,
 * refresh hints, ETag and 304; the URL is unguessable, per crew member, and resettable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileMailer } from '../../src/adapters/file-mailer';
import type { JobDeps } from '../../src/jobs/register';
import { notifyCrewOfBooking } from '../../src/services/crew-notices';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { cookieFrom, formsIn, formWithAction } from '../support/html';
import { readMailbox, signInLinkIn } from '../support/mailbox';

const ORIGIN = 'http://localhost';
let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let jobDeps: JobDeps;
let root: string;

beforeAll(async () => {
  t = await createTestDb();
  t.clock.set(new Date('2026-05-01T12:00:00Z'));
  app = makeApp(t);
  a = await makeTenant(t.deps, 'delta');
  root = mkdtempSync(join(tmpdir(), 'bosun-feed-'));
  jobDeps = { ...t.deps, mail: { mailer: FileMailer.inDataDir(root), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } };
});
afterAll(async () => {
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

async function post(path: string, fields: Record<string, string>, cookie?: string | null) {
  return app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
}

async function bookingWithCrew(crew: { email: string; role: 'captain' | 'crew' }[], overrides: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(overrides));
  const id = res.json.id as string;
  expect((await call(app, 'POST', '/api/v1/events', a.serviceKey, { booking_id: id, crew })).status).toBe(201);
  await notifyCrewOfBooking(jobDeps, a.tenant.id, id);
  return id;
}

async function signIn(email: string) {
  const mails = (await readMailbox(join(root, 'mail'))).filter((m) => m.to === email);
  const link = signInLinkIn((mails.at(-1) as NonNullable<(typeof mails)[number]>).mail);
  const res = await post(new URL(link).pathname, {});
  return cookieFrom(res.headers);
}

async function feedPathOf(cookie: string | null) {
  const html = await (await app.request('/crew', { headers: { cookie: cookie ?? '' } })).text();
  const url = /id="feed" type="text" readonly="" value="([^"]+)"/.exec(html)?.[1];
  if (!url) throw new Error('no feed link on /crew');
  expect(html).toContain(`href="${url.replace(/^http:/, 'webcal:')}"`);
  return new URL(url).pathname;
}

async function readFeed(path: string) {
  const res = await app.request(path);
  expect(res.status).toBe(200);
  const body = await res.text();
  const calendar = new ICAL.Component(ICAL.parse(body));
  // As a calendar app does: take the feed's own VTIMEZONE definitions (ical.js ships no zone data),
  // so the times below are converted with what Bosun wrote.
  ICAL.TimezoneService.reset();
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtimezone);
  return { res, body, calendar };
}

function eventOf(calendar: ICAL.Component, bookingId: string) {
  const vevent = calendar.getAllSubcomponents('vevent').find((e) => String(e.getFirstPropertyValue('uid')).startsWith(`${bookingId}.`));
  if (!vevent) throw new Error(`no event for ${bookingId} in the feed`);
  return vevent;
}

describe('crew calendar feed', () => {
  let bookingId: string;
  let cookie: string | null;
  let path: string;

  beforeAll(async () => {
    bookingId = await bookingWithCrew([
      { email: a.captain.email, role: 'captain' },
      { email: a.deckhand.email, role: 'crew' },
    ]);
    cookie = await signIn(a.captain.email);
    path = await feedPathOf(cookie);
  });

  it('is valid iCalendar with the vessel zone, a stable UID, refresh hints and no organizer', async () => {
    expect(path).toMatch(/^\/crew\/feed\/[A-Za-z0-9_-]{43}\.1\.[A-Za-z0-9_-]{43}\.ics$/);
    const { res, body, calendar } = await readFeed(path);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(body).toContain('REFRESH-INTERVAL;VALUE=DURATION:PT1H');
    expect(body).toContain('X-PUBLISHED-TTL:PT1H');
    expect(body).not.toContain('ORGANIZER');
    const zones = calendar.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'));
    expect(zones).toEqual(['America/Los_Angeles']);

    const vevent = eventOf(calendar, bookingId);
    const event = new ICAL.Event(vevent);
    expect(event.startDate.zone.tzid).toBe('America/Los_Angeles');
    expect(event.startDate.toString()).toBe('2026-05-30T10:00:00');
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-05-30T17:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2026-05-30T20:00:00.000Z');
    expect(event.summary).toBe('Jada charter (captain)');
    expect(event.location).toBe('Dock C');
    expect(event.description).toContain('Party size: 6');
    expect(vevent.getFirstPropertyValue('status')).toBe('TENTATIVE');
    expect(vevent.getFirstPropertyValue('url')).toBe(`http://localhost:8080/crew/events/${bookingId}`);

    const again = await readFeed(path);
    expect(eventOf(again.calendar, bookingId).getFirstPropertyValue('uid')).toBe(vevent.getFirstPropertyValue('uid'));
    expect(again.body).toBe(body);
  });

  it('answers 304 to a calendar that has the current version', async () => {
    const first = await app.request(path);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const cached = await app.request(path, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
  });

  it('goes TENTATIVE → CONFIRMED on accept and CANCELLED on cancel, raising SEQUENCE each time', async () => {
    const before = await readFeed(path);
    const seq0 = Number(eventOf(before.calendar, bookingId).getFirstPropertyValue('sequence'));

    const page = await (await app.request(`/crew/events/${bookingId}`, { headers: { cookie: cookie ?? '' } })).text();
    const accept = formWithAction(page, '/accept');
    expect((await post(accept.action, accept.fields, cookie)).status).toBe(303);
    const accepted = await readFeed(path);
    const e1 = eventOf(accepted.calendar, bookingId);
    expect(e1.getFirstPropertyValue('status')).toBe('CONFIRMED');
    const seq1 = Number(e1.getFirstPropertyValue('sequence'));
    expect(seq1).toBeGreaterThan(seq0);
    expect(accepted.res.headers.get('etag')).not.toBe(before.res.headers.get('etag'));

    expect((await call(app, 'POST', `/api/v1/bookings/${bookingId}/cancel`, a.serviceKey)).status).toBe(200);
    const cancelled = eventOf((await readFeed(path)).calendar, bookingId);
    expect(cancelled.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(Number(cancelled.getFirstPropertyValue('sequence'))).toBeGreaterThan(seq1);
    expect(cancelled.getFirstPropertyValue('summary')).toBe('Cancelled: Jada charter (captain)');
  });

  it('shows a declined charter as declined, never as cancelled: it still runs', async () => {
    const id = await bookingWithCrew([{ email: a.captain.email, role: 'captain' }], {
      startsAt: '2026-07-04T09:00:00-07:00',
      endsAt: '2026-07-04T11:00:00-07:00',
    });
    const page = await (await app.request(`/crew/events/${id}`, { headers: { cookie: cookie ?? '' } })).text();
    const decline = formWithAction(page, '/decline');
    expect((await post(decline.action, { ...decline.fields, reason: 'Sick' }, cookie)).status).toBe(303);
    const declined = eventOf((await readFeed(path)).calendar, id);
    expect(declined.getFirstPropertyValue('status')).toBe('TENTATIVE');
    expect(declined.getFirstPropertyValue('summary')).toBe('Declined: Jada charter (captain)');
    // It does not make them look busy.
    expect(declined.getFirstPropertyValue('transp')).toBe('TRANSPARENT');

    // Accepting again makes it an ordinary charter; the booking's own cancellation is what CANCELLED means.
    const again = await (await app.request(`/crew/events/${id}`, { headers: { cookie: cookie ?? '' } })).text();
    const accept = formWithAction(again, '/accept');
    expect((await post(accept.action, accept.fields, cookie)).status).toBe(303);
    const accepted = eventOf((await readFeed(path)).calendar, id);
    expect([accepted.getFirstPropertyValue('status'), accepted.getFirstPropertyValue('summary')]).toEqual([
      'CONFIRMED',
      'Jada charter (captain)',
    ]);
    expect(accepted.getFirstPropertyValue('transp')).toBeNull();
  });

  it('is per crew member: another crew member has another URL and sees only their charters', async () => {
    const solo = await bookingWithCrew([{ email: a.captain.email, role: 'captain' }], {
      startsAt: '2026-08-01T09:00:00-07:00',
      endsAt: '2026-08-01T11:00:00-07:00',
    });
    const deckCookie = await signIn(a.deckhand.email);
    const deckPath = await feedPathOf(deckCookie);
    expect(deckPath).not.toBe(path);
    const deck = await readFeed(deckPath);
    const uids = deck.calendar.getAllSubcomponents('vevent').map((e) => String(e.getFirstPropertyValue('uid')));
    expect(uids.some((u) => u.startsWith(`${bookingId}.`))).toBe(true);
    expect(uids.some((u) => u.startsWith(`${solo}.`))).toBe(false);
  });

  it('never carries money, internal notes or guest contact details', async () => {
    const { body } = await readFeed(path);
    for (const secret of ['840.75', '840,75', '50.00', '$50', 'Revenue', 'USD', 'avery@example.com', '555 0100', 'Avery Guest']) {
      expect(body).not.toContain(secret);
    }
  });

  it('a forged or altered URL finds nothing', async () => {
    const forged = path.replace(
      /\.([A-Za-z0-9_-])([A-Za-z0-9_-]{42})\.ics$/,
      (_m, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}.ics`,
    );
    expect(forged).not.toBe(path);
    expect((await app.request(forged)).status).toBe(404);
    expect((await app.request(path.replace('.1.', '.2.'))).status).toBe(404);
    expect((await app.request('/crew/feed/nothing.ics')).status).toBe(404);
  });

  it('can be reset: the old URL stops working, the new one works', async () => {
    const page = await (await app.request('/crew', { headers: { cookie: cookie ?? '' } })).text();
    const reset = formsIn(page).find((f) => f.action === '/crew/feed/reset');
    expect(reset).toBeDefined();
    expect((await post('/crew/feed/reset', reset?.fields ?? {}, cookie)).status).toBe(303);
    const fresh = await feedPathOf(cookie);
    expect(fresh).not.toBe(path);
    expect(fresh).toMatch(/\.2\./);
    expect((await app.request(path)).status).toBe(404);
    expect((await app.request(fresh)).status).toBe(200);
  });
});
