/**
 * The dashboard's calendar as the office uses it: the page with its feed link, the JSON the calendar
 * script reads (charters coloured by vessel, cancelled ones marked, entries beside them), the tenant's
 * ICS feed at its signed URL with ETag/304, and an owner's reset that ends the old URL. Tenants stay apart.
 */
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deactivateStaffUser } from '../../src/services/tenants';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { textOf } from '../support/html';
import { addStaff, signedInStaff } from '../support/staff-session';

const ORIGIN = 'http://localhost:8080';
let t: TestDb;
let app: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let owner: string;
let staff: string;
let ownerB: string;
let kept: string;
let cancelled: string;
let theirs: string;

const open = async (path: string, cookie: string | null, headers: Record<string, string> = {}) => {
  const res = await app.request(path, { headers: { ...(cookie ? { cookie } : {}), ...headers } });
  return { res, body: await res.text() };
};
const csrfOf = (html: string) => /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? '';
const feedPathOf = (html: string) => new URL(/id="feed-url"[^>]*value="([^"]+)"/.exec(html)?.[1] ?? 'http://x/none').pathname;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  owner = (await signedInStaff(t.deps, a.tenant.id, 'owner')).cookie;
  staff = (await signedInStaff(t.deps, a.tenant.id, 'staff')).cookie;
  ownerB = (await signedInStaff(t.deps, b.tenant.id, 'owner')).cookie;
  kept = (
    await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput({ guest: { name: 'Kept Guest', email: 'k@example.com' } }))
  ).json.id;
  cancelled = (
    await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput({ guest: { name: 'Gone Guest', email: 'g@example.com' } }))
  ).json.id;
  expect((await call(app, 'POST', `/api/v1/bookings/${cancelled}/cancel`, a.serviceKey)).status).toBe(200);
  theirs = (
    await call(app, 'POST', '/api/v1/bookings', b.serviceKey, bookingInput({ guest: { name: 'Beta Guest', email: 'b@example.com' } }))
  ).json.id;
  const entry = await call(
    app,
    'POST',
    '/api/v1/calendar',
    null,
    { date: '2026-05-29', event_type: 'maintenance', title: 'Hull cleaning' },
    { 'x-dashboard-token': a.dashboardToken },
  );
  expect(entry.status).toBe(201);
});

afterAll(() => t.close());

describe('the calendar page and its data', () => {
  it('opens the month of ?date= and lists it for a browser without JavaScript', async () => {
    const { res, body } = await open('/app/calendar?date=2026-05-20&view=timeGridWeek', staff);
    expect(res.status).toBe(200);
    expect(body).toContain('data-initial-date="2026-05-20"');
    expect(body).toContain('data-initial-view="timeGridWeek"');
    expect(body).toMatch(/<script type="module" src="\/app\/assets\/calendar\.[0-9a-f]{8}\.js">/);
    expect(body).toContain('<meta name="csp-nonce"');
    const text = textOf(body);
    expect(text).toContain('Kept Guest');
    expect(text).toContain('Hull cleaning');
    expect(text).not.toContain('Beta Guest');
  });

  it('gives the calendar script each charter with its vessel colour, a cancelled one marked, and entries', async () => {
    const { res, body } = await open('/app/calendar/data?start=2026-05-25&end=2026-07-06', staff);
    expect(res.status).toBe(200);
    const events = JSON.parse(body) as {
      id: string;
      title: string;
      url?: string;
      classNames: string[];
      backgroundColor: string;
      allDay: boolean;
    }[];
    const byId = new Map(events.map((e) => [e.id, e]));
    expect(byId.get(`booking:${kept}`)).toMatchObject({ url: `/app/bookings/${kept}`, classNames: [], allDay: false });
    expect(byId.get(`booking:${cancelled}`)?.classNames).toEqual(['is-cancelled']);
    expect(byId.get(`booking:${cancelled}`)?.title).toMatch(/^Cancelled: /);
    expect(byId.get(`booking:${kept}`)?.backgroundColor).toMatch(/^#[0-9a-f]{6}$/i);
    expect(events.some((e) => e.title.includes('Hull cleaning') && e.allDay)).toBe(true);
    expect(events.some((e) => e.id === `booking:${theirs}`)).toBe(false);
    expect(body).not.toMatch(/840|captain|internal/i);
  });

  it('refuses a range it cannot show with the field named, and never a 500', async () => {
    for (const q of [
      '',
      'start=2026-05-01',
      'start=tomorrow&end=2026-06-01',
      'start=2026-06-01&end=2026-05-01',
      'start=2026-01-01&end=2026-12-31',
      'start=2026-02-30&end=2026-03-02',
    ]) {
      const { res, body } = await open(`/app/calendar/data?${q}`, staff);
      expect(res.status, q).toBe(422);
      expect(JSON.parse(body).errors.length, q).toBeGreaterThan(0);
    }
  });
});

describe('the staff calendar feed', () => {
  it('serves valid iCalendar at the link shown on the page, with ETag and 304, and no money or notes', async () => {
    const path = feedPathOf((await open('/app/calendar', staff)).body);
    expect(path).toMatch(/^\/app\/feed\/[A-Za-z0-9_.-]+\.ics$/);
    const first = await open(path, null);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const cal = new ICAL.Component(ICAL.parse(first.body));
    const events = cal.getAllSubcomponents('vevent');
    const summaries = events.map((e) => String(e.getFirstPropertyValue('summary')));
    expect(summaries.some((s) => s.includes('Kept Guest'))).toBe(true);
    const gone = events.find((e) => String(e.getFirstPropertyValue('summary')).includes('Gone Guest'));
    expect(gone?.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(cal.getAllSubcomponents('vtimezone').length).toBeGreaterThan(0);
    expect(first.body).not.toContain('ORGANIZER');
    expect(first.body).not.toContain('Beta Guest');
    expect(first.body).not.toMatch(/840\.75|Bring spare fenders|k@example\.com/);
    const etag = first.res.headers.get('etag') ?? '';
    expect((await open(path, null, { 'if-none-match': etag })).res.status).toBe(304);
  });

  it('lets an owner replace the link: the old one answers 404; staff may not, and another tenant’s owner reaches none of it', async () => {
    const page = await open('/app/calendar', owner);
    const old = feedPathOf(page.body);
    const refused = await app.request('/app/calendar/feed/reset', {
      method: 'POST',
      headers: { cookie: staff, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf((await open('/app/calendar', staff)).body) }).toString(),
    });
    expect(refused.status).toBe(403);
    expect((await open(old, null)).res.status).toBe(200);
    const reset = await app.request('/app/calendar/feed/reset', {
      method: 'POST',
      headers: { cookie: owner, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(page.body) }).toString(),
    });
    expect(reset.status).toBe(303);
    expect((await open(old, null)).res.status).toBe(404);
    const fresh = feedPathOf((await open('/app/calendar', owner)).body);
    expect(fresh).not.toBe(old);
    expect((await open(fresh, null)).res.status).toBe(200);
    const theirsPage = await open('/app/calendar', ownerB);
    expect(textOf(theirsPage.body)).not.toContain('Kept Guest');
    expect(feedPathOf(theirsPage.body)).not.toBe(fresh);
    // Someone who leaves the office takes the link with them: deactivating them replaces it.
    const leaving = await addStaff(t.deps, a.tenant.id, 'staff', 'leaving@office.test');
    await deactivateStaffUser(t.deps, a.ctx, leaving.id);
    expect((await open(fresh, null)).res.status).toBe(404);
    for (const bad of ['/app/feed/x.ics', '/app/feed/.ics', `/app/feed/${'A'.repeat(60)}.ics`, '/app/feed/token.txt']) {
      expect((await open(bad, null)).res.status, bad).toBe(404);
    }
  });
});
