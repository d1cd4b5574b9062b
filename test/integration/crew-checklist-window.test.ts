/**
 * The pre-departure checklist takes ticks only from crew who accepted, and only from the tenant's
 * `checklistOpensHours` (default 48) before departure until the charter ends. Outside that a tick is
 * a 409 with a sentence that says why (and when it opens), nothing is stored, and the crew page shows
 * the checklist read-only with that sentence.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type CommandRuntime, commands } from '../../src/cli/commands';
import { answerAssignment, crewContext } from '../../src/services/crew';
import { call, makeApp, type TestApp } from '../support/app';
import { crewCookie } from '../support/crew-session';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { formsIn, formWithAction, textOf } from '../support/html';
import { openTestSites, type TestSites } from '../support/sites';

let t: TestDb;
let app: TestApp;
let sites: TestSites;
let rt: CommandRuntime;
let a: Awaited<ReturnType<typeof makeTenant>>;
/** Departs Sat, May 30, 2026, 10:00 in San Diego (17:00 UTC), back at 13:00. */
let first: string;
/** Departs Sun, May 31, 2026, 10:00 in San Diego. */
let second: string;
let captain: string;
let deckhand: string;

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  sites = openTestSites(t);
  rt = { deps: t.deps, sites: sites.deps.sites };
  a = await makeTenant(t.deps, 'alpha');
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const booking = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
    expect(booking.status).toBe(201);
    const crew = [
      { email: a.captain.email, role: 'captain' },
      { email: a.deckhand.email, role: 'crew' },
    ];
    expect((await call(app, 'POST', '/api/v1/events', a.serviceKey, { booking_id: booking.json.id, crew })).status).toBe(201);
    ids.push(booking.json.id);
  }
  [first, second] = ids as [string, string];
  captain = await crewCookie(t.deps, a.tenant.id, a.captain.id);
  deckhand = await crewCookie(t.deps, a.tenant.id, a.deckhand.id);
});
afterAll(async () => {
  await t.close();
  sites.close();
});

const at = (iso: string) => {
  t.clock.set(new Date(iso));
  onTestFinished(() => t.clock.set(TEST_NOW));
};

async function page(cookie: string, bookingId: string) {
  const res = await app.request(`/crew/events/${bookingId}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return res.text();
}

/** Ticks an item as the page's form would; returns the answer's status and its text. */
async function tick(cookie: string, bookingId: string, item = 'Fuel checked') {
  const csrf = formWithAction(await page(cookie, bookingId), '/crew/logout').fields._csrf ?? '';
  const res = await app.request(`/crew/events/${bookingId}/checklist`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', cookie },
    body: new URLSearchParams({ _csrf: csrf, item, ticked: 'true' }).toString(),
  });
  return { status: res.status, text: textOf(await res.text()) };
}

async function stored() {
  const { rows } = await t.handle.executeSql(
    `select (select count(*) from checklist_ticks)::int as ticks,
            (select count(*) from audit_log where action like 'checklist.%')::int as audit`,
  );
  return { ticks: Number(rows[0]?.ticks), audit: Number(rows[0]?.audit) };
}

const checklistForms = (html: string) => formsIn(html).filter((f) => f.action.endsWith('/checklist'));

describe('the checklist window', () => {
  it('refuses a crew member who has not accepted, and shows them the list read-only', async () => {
    at('2026-05-29T12:00:00Z');
    const before = await stored();
    const res = await tick(captain, first);
    expect(res.status).toBe(409);
    expect(res.text).toContain('Accept this charter to tick its checklist.');
    expect(await stored()).toEqual(before);
    const html = await page(captain, first);
    expect(checklistForms(html)).toEqual([]);
    expect(textOf(html)).toContain(
      'Pre-departure checklist Party size: 6 Accept this charter to tick its checklist. ○ Safety briefing given',
    );
  });

  it('refuses crew who declined', async () => {
    at('2026-05-29T12:00:00Z');
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), first, { answer: 'decline', reason: 'Away' });
    const before = await stored();
    const res = await tick(deckhand, first);
    expect([res.status, res.text.includes('You declined this charter.')]).toEqual([409, true]);
    expect(checklistForms(await page(deckhand, first))).toEqual([]);
    expect(await stored()).toEqual(before);
  });

  it('opens 48 hours before departure for crew who accepted: refused a second before, with when it opens', async () => {
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), first, { answer: 'accept' });
    at('2026-05-28T16:59:59Z');
    const before = await stored();
    const early = await tick(captain, first);
    expect(early.status).toBe(409);
    expect(early.text).toContain('The checklist opens 48 hours before departure, at Thu, May 28, 2026, 10:00 AM PDT.');
    expect(await stored()).toEqual(before);
    const html = await page(captain, first);
    expect(checklistForms(html)).toEqual([]);
    expect(textOf(html)).toContain('The checklist opens 48 hours before departure, at Thu, May 28, 2026, 10:00 AM PDT.');

    t.clock.set(new Date('2026-05-28T17:00:00Z'));
    expect((await tick(captain, first)).status).toBe(303);
    expect(await stored()).toEqual({ ticks: before.ticks + 1, audit: before.audit + 1 });
    const open = await page(captain, first);
    expect(checklistForms(open)).toHaveLength(4);
    expect(textOf(open)).not.toContain('The checklist opens');
  });

  it('closes when the charter ends', async () => {
    at('2026-05-30T19:59:00Z');
    expect((await tick(captain, first, 'Weather checked')).status).toBe(303);
    t.clock.set(new Date('2026-05-30T20:00:00Z'));
    const before = await stored();
    const late = await tick(captain, first, 'Safety briefing given');
    expect(late.status).toBe(409);
    expect(late.text).toContain('The checklist closed when the charter ended, at Sat, May 30, 2026, 1:00 PM PDT.');
    expect(await stored()).toEqual(before);
  });

  it("follows the tenant's checklistOpensHours, set with bosun tenant set", async () => {
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), second, { answer: 'accept' });
    at('2026-05-28T17:00:00Z');
    const refused = await tick(captain, second);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('The checklist opens 48 hours before departure, at Fri, May 29, 2026, 10:00 AM PDT.');
    const set = commands['tenant set'];
    if (!set) throw new Error('no tenant set command');
    expect((await set(rt, { tenant: 'alpha', checklistOpensHours: '72' })).text).toBe('Updated alpha: checklistOpensHours.');
    expect((await tick(captain, second)).status).toBe(303);
  });
});
