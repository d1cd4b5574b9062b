/**
 * Live updates as their subscribers see them: the staff stream (dashboard token) and each crew
 * member's stream (session cookie) receive accepts, declines and ticks as they commit, built from
 * their audience's view; tenants and crew members never see each other's; idle streams get
 * heartbeats, closed ones are cleaned up, revoked credentials end them. A decline mails the office.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { listAssignmentsOfBooking } from '../../src/db/queries/crew';
import { updateTenantSettings } from '../../src/db/queries/tenants';
import { createApp } from '../../src/http/app';
import { type JobDeps, registerJobHandlers } from '../../src/jobs/register';
import { pingDatabase } from '../../src/main/runtime';
import type { Mailer, MailMessage } from '../../src/ports/mailer';
import { answerAssignment, crewContext, setChecklistTick } from '../../src/services/crew';
import { revokeCrewAccess } from '../../src/services/crew-access';
import { createKey, revokeKey } from '../../src/services/keys';
import { addCrewMember, addStaffUser } from '../../src/services/tenants';
import { call } from '../support/app';
import { crewCookie } from '../support/crew-session';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { formWithAction } from '../support/html';
import { eventually } from '../support/mailbox';
import { openStream, SseReader as Reader, type SseReader } from '../support/sse';

const NOW = new Date('2026-05-01T12:00:00Z');

let t: TestDb;
let app: ReturnType<typeof createApp>;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let outsider: { id: string; email: string };
let bookingA: string;
let otherBookingA: string;
let bookingB: string;
const sent: MailMessage[] = [];
const open: SseReader[] = [];

const captureMailer: Mailer = {
  send: async (m) => {
    sent.push(m);
    return { messageId: m.messageId, accepted: [m.to.address], response: '250 OK' };
  },
  close: async () => {},
};

const staffStream = (token: string) =>
  openStream(() => app.request('/api/v1/stream', { headers: { 'x-dashboard-token': token } })).then((r) => {
    open.push(r);
    return r;
  });
const crewStream = (cookie: string) =>
  openStream(() => app.request('/crew/stream', { headers: { cookie } })).then((r) => {
    open.push(r);
    return r;
  });

async function createEvent(tenant: typeof a, crew: { email: string; role: string }[], overrides: Record<string, unknown> = {}) {
  const booking = await call(app, 'POST', '/api/v1/bookings', tenant.serviceKey, bookingInput(overrides));
  expect(booking.status).toBe(201);
  const event = await call(app, 'POST', '/api/v1/events', tenant.serviceKey, { booking_id: booking.json.id, crew });
  expect(event.status).toBe(201);
  return booking.json.id as string;
}

beforeAll(async () => {
  t = await createTestDb({ liveFeed: true });
  t.clock.set(NOW);
  app = createApp({
    ...t.deps,
    log: pino({ level: 'silent' }),
    ping: () => pingDatabase(t.handle),
    failureLimits: new InMemoryFailureLimits(),
    publicUrl: 'http://localhost:8080',
    signingSecret: 'test-signing-secret-of-at-least-32-characters',
    clientAddress: () => '192.0.2.1',
    acceptRequestOrigin: true,
    liveHeartbeatMs: 50,
  });
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  // The charters are four weeks out: a checklist open 30 days ahead lets crew who accepted tick now.
  await updateTenantSettings(t.deps.db, a.tenant.id, { checklistOpensHours: 720 });
  outsider = await addCrewMember(t.deps, a.ctx, { name: 'Oli Outsider', email: 'oli@alpha.test', role: 'crew' });
  const jobDeps: JobDeps = {
    ...t.deps,
    mail: { mailer: captureMailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
  };
  await registerJobHandlers(t.jobs, jobDeps);
  const both = [
    { email: a.captain.email, role: 'captain' },
    { email: a.deckhand.email, role: 'crew' },
  ];
  bookingA = await createEvent(a, both);
  otherBookingA = await createEvent(a, [{ email: 'oli@alpha.test', role: 'crew' }], {
    startsAt: '2026-06-02T10:00:00-07:00',
    endsAt: '2026-06-02T12:00:00-07:00',
  });
  bookingB = await createEvent(b, [{ email: b.captain.email, role: 'captain' }]);
});

afterAll(async () => {
  for (const r of open) await r.close();
  await t.close();
});

describe('the staff stream', () => {
  it('asks for a dashboard token: none is 401, a service key is 403, a token gets an event stream', async () => {
    expect((await app.request('/api/v1/stream')).status).toBe(401);
    const service = await app.request('/api/v1/stream', { headers: { 'x-service-key': a.serviceKey } });
    expect(service.status).toBe(403);
    expect(service.headers.get('content-type')).toContain('application/problem+json');
    const res = await app.request('/api/v1/stream', { headers: { authorization: `Bearer ${a.dashboardToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = new Reader(res);
    open.push(reader);
    expect((await reader.next('ready')).json).toEqual({ heartbeatMs: 50 });
  });

  it('receives an accept with the staff view of the booking and the crew event', async () => {
    const stream = await staffStream(a.dashboardToken);
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), bookingA, { answer: 'accept' });
    const e = (await stream.nextChange((j) => j.action.startsWith('assignment.'))).json;
    expect(e.action).toBe('assignment.accepted');
    expect(e.entity).toEqual({ type: 'event', id: bookingA });
    expect(e.bookingId).toBe(bookingA);
    expect(e.by).toEqual({ kind: 'crew', name: 'Casey Captain' });
    expect(e.booking.id).toBe(bookingA);
    expect(e.booking.guest.name).toBe('Avery Guest');
    expect(e.event.assignments).toEqual([
      { name: 'Casey Captain', role: 'captain', status: 'accepted', declineReason: null, answeredAt: NOW.toISOString() },
      { name: 'Dana Deckhand', role: 'crew', status: 'invited', declineReason: null, answeredAt: null },
    ]);
    expect(e.event.checklist.every((c: { ticked: unknown }) => c.ticked === null)).toBe(true);
  });

  it("never carries another tenant's changes", async () => {
    // Only crew who accepted may tick: the deckhand accepts before anyone listens.
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), bookingA, { answer: 'accept' });
    const streamA = await staffStream(a.dashboardToken);
    const streamB = await staffStream(b.dashboardToken);
    await setChecklistTick(t.deps, crewContext(a.tenant.id, a.deckhand.id), bookingA, { item: 'Fuel checked', ticked: true });
    await answerAssignment(t.deps, crewContext(b.tenant.id, b.captain.id), bookingB, { answer: 'accept' });
    const first = (await streamA.nextChange((j) => j.action.startsWith('checklist.'))).json;
    expect([first.action, first.bookingId]).toEqual(['checklist.ticked', bookingA]);
    // B's changes are its own: A's tick never reached it.
    const firstB = (await streamB.nextChange((j) => j.action.startsWith('assignment.'))).json;
    expect([firstB.action, firstB.bookingId]).toEqual(['assignment.accepted', bookingB]);
    expect(JSON.stringify(streamB.received)).not.toContain(bookingA);
    expect(JSON.stringify(streamA.received)).not.toContain(bookingB);
  });

  it('tells of a change only once it committed: a refused change sends nothing', async () => {
    const stream = await staffStream(a.dashboardToken);
    const declined = crewContext(a.tenant.id, a.deckhand.id);
    await answerAssignment(t.deps, declined, bookingA, { answer: 'decline', reason: 'Family wedding' });
    expect((await stream.nextChange((j) => j.action.startsWith('assignment.'))).json.action).toBe('assignment.declined');
    // A declined crew member cannot tick: the transaction throws and nothing is published.
    await expect(setChecklistTick(t.deps, declined, bookingA, { item: 'Weather checked', ticked: true })).rejects.toThrow('declined');
    await setChecklistTick(t.deps, crewContext(a.tenant.id, a.captain.id), bookingA, { item: 'Weather checked', ticked: true });
    // Nothing of the refused tick came first.
    const next = (await stream.nextChange((j) => j.action.startsWith('checklist.'))).json;
    expect([next.action, next.by.name]).toEqual(['checklist.ticked', 'Casey Captain']);
    expect(next.event.checklist.find((c: { item: string }) => c.item === 'Weather checked').ticked.by).toBe('Casey Captain');
    expect(next.event.assignments[1]).toMatchObject({ name: 'Dana Deckhand', status: 'declined', declineReason: 'Family wedding' });
    // Back on the crew for the rest of the file.
    await answerAssignment(t.deps, declined, bookingA, { answer: 'accept' });
  });

  it("receives a change of the booking's time as it commits", async () => {
    const stream = await staffStream(a.dashboardToken);
    const crew = await crewStream(await crewCookie(t.deps, a.tenant.id, a.captain.id));
    const read = await call(app, 'GET', `/api/v1/bookings/${otherBookingA}`, a.serviceKey);
    // The captain is not on this charter: only staff hear of it.
    const moved = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${otherBookingA}`,
      a.serviceKey,
      { startsAt: '2026-06-02T11:00:00-07:00', endsAt: '2026-06-02T13:00:00-07:00' },
      { 'if-match': read.headers.get('etag') ?? '' },
    );
    expect(moved.status).toBe(200);
    const e = (await stream.nextChange((j) => j.action === 'booking.updated')).json;
    expect([e.action, e.bookingId, e.by]).toEqual(['booking.updated', otherBookingA, { kind: 'key' }]);
    expect(e.booking.startsAt).toBe('2026-06-02T11:00:00-07:00');
    await setChecklistTick(t.deps, crewContext(a.tenant.id, a.captain.id), bookingA, {
      item: 'Life jackets counted against party size',
      ticked: true,
    });
    expect((await crew.nextChange((j) => j.action === 'checklist.ticked')).json.bookingId).toBe(bookingA);
  });

  it('sends heartbeats while idle', async () => {
    const stream = await staffStream(a.dashboardToken);
    await stream.heartbeat();
    expect(stream.comments).toBeGreaterThan(0);
  });

  it('ends when its token is revoked', async () => {
    const key = await createKey(t.deps, a.ctx.actor, a.tenant.id, { kind: 'dashboard' });
    const stream = await staffStream(key.key);
    await revokeKey(t.deps, a.ctx, { keyId: key.id });
    await stream.end();
    expect(stream.ended).toBe(true);
  });

  it('lets go of a closed stream', async () => {
    const before = t.deps.live?.listenerCount(a.tenant.id) ?? 0;
    const stream = await staffStream(a.dashboardToken);
    expect(t.deps.live?.listenerCount(a.tenant.id)).toBe(before + 1);
    await stream.close();
    await eventually(async () => (t.deps.live?.listenerCount(a.tenant.id) === before ? true : undefined), 'the listener to go');
  });
});

describe('the crew stream', () => {
  it('needs a crew session', async () => {
    const res = await app.request('/crew/stream');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).not.toContain('event-stream');
  });

  it("brings a crewmate's tick to each crew member of the charter, as their crew view, and to no one else", async () => {
    const captain = await crewStream(await crewCookie(t.deps, a.tenant.id, a.captain.id));
    const deckhand = await crewStream(await crewCookie(t.deps, a.tenant.id, a.deckhand.id));
    const other = await crewStream(await crewCookie(t.deps, a.tenant.id, outsider.id));
    const otherTenant = await crewStream(await crewCookie(t.deps, b.tenant.id, b.captain.id));

    await setChecklistTick(t.deps, crewContext(a.tenant.id, a.deckhand.id), bookingA, { item: 'Safety briefing given', ticked: true });
    for (const stream of [captain, deckhand]) {
      const e = (await stream.nextChange((j) => j.action.startsWith('checklist.'))).json;
      expect([e.action, e.bookingId]).toEqual(['checklist.ticked', bookingA]);
      expect(e.charter.checklist.find((c: { item: string }) => c.item === 'Safety briefing given').ticked.by).toBe('Dana Deckhand');
      expect(e.charter.booking.guest).toEqual({ firstName: 'Avery' });
    }
    expect(captain.received.at(-1)?.json.charter.me.role).toBe('captain');
    expect(deckhand.received.at(-1)?.json.charter.me.role).toBe('crew');

    // The outsider and the other tenant's captain next hear of their own charters only.
    await answerAssignment(t.deps, crewContext(a.tenant.id, outsider.id), otherBookingA, { answer: 'accept' });
    await answerAssignment(t.deps, crewContext(b.tenant.id, b.captain.id), bookingB, { answer: 'decline' });
    expect((await other.nextChange((j) => j.action === 'assignment.accepted')).json.bookingId).toBe(otherBookingA);
    expect((await otherTenant.nextChange((j) => j.action === 'assignment.declined')).json.bookingId).toBe(bookingB);
    expect(JSON.stringify(other.received)).not.toContain(bookingA);
    expect(JSON.stringify(otherTenant.received)).not.toContain(bookingA);
    // And the charter's crew never hear of the outsider's charter.
    await setChecklistTick(t.deps, crewContext(a.tenant.id, a.captain.id), bookingA, { item: 'Fuel checked', ticked: false });
    expect((await captain.nextChange((j) => j.action.startsWith('checklist.'))).json.action).toBe('checklist.unticked');
    expect(JSON.stringify(captain.received)).not.toContain(otherBookingA);
  });

  it('ends when the crew member is signed out everywhere', async () => {
    const member = await addCrewMember(t.deps, a.ctx, { name: 'Sam Short', email: 'sam@alpha.test', role: 'crew' });
    const stream = await crewStream(await crewCookie(t.deps, a.tenant.id, member.id));
    await revokeCrewAccess(t.deps, a.ctx, member.id);
    await stream.end();
    expect(stream.ended).toBe(true);
  });

  it('an accept pressed on the page reaches the staff stream and the crewmate', async () => {
    const staff = await staffStream(a.dashboardToken);
    const captain = await crewStream(await crewCookie(t.deps, a.tenant.id, a.captain.id));
    const cookie = await crewCookie(t.deps, a.tenant.id, a.deckhand.id);
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), bookingA, { answer: 'decline' });
    await staff.nextChange((j) => j.action === 'assignment.declined');
    await captain.nextChange((j) => j.action === 'assignment.declined');
    const page = await app.request(`/crew/events/${bookingA}`, { headers: { cookie } });
    const form = formWithAction(await page.text(), '/accept');
    const res = await app.request(form.action, {
      method: 'POST',
      headers: { cookie, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form.fields).toString(),
    });
    expect(res.status).toBe(303);
    const e = (await staff.nextChange((j) => j.action.startsWith('assignment.'))).json;
    expect([e.action, e.by]).toEqual(['assignment.accepted', { kind: 'crew', name: 'Dana Deckhand' }]);
    const c = (await captain.nextChange((j) => j.action.startsWith('assignment.'))).json;
    expect(c.charter.booking.crew).toContainEqual({ name: 'Dana Deckhand', role: 'crew', status: 'accepted' });
  });
});

describe('the charter page', () => {
  it('carries one script allowed by nonce, which may connect only to this origin', async () => {
    const cookie = await crewCookie(t.deps, a.tenant.id, a.captain.id);
    const page = await app.request(`/crew/events/${bookingA}`, { headers: { cookie } });
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("default-src 'none'");
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toContain(`nonce="${nonce}"`);
    expect(scripts[0]).toContain(`data-booking="${bookingA}"`);
    expect(html).toContain("new EventSource('/crew/stream')");
    // Another load, another nonce.
    const again = await app.request(`/crew/events/${bookingA}`, { headers: { cookie } });
    expect(again.headers.get('content-security-policy')).not.toBe(csp);
    // The list page runs no script at all.
    const list = await app.request('/crew', { headers: { cookie } });
    expect(list.headers.get('content-security-policy')).not.toContain('script-src');
    expect(await list.text()).not.toContain('<script');
  });
});

describe('a decline alerts the office by mail', () => {
  it("goes to the tenant's contact address", async () => {
    await updateTenantSettings(t.deps.db, a.tenant.id, { contactEmail: 'office@alpha.test' });
    sent.length = 0;
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), bookingA, { answer: 'decline', reason: 'Sick <b>today</b>' });
    const mail = await eventually(async () => sent.find((m) => m.to.address === 'office@alpha.test'), 'the office mail');
    expect(mail.subject).toBe(`Crew declined: Casey Captain (captain), Jada, ${bookingA}`);
    expect(mail.text).toContain('Reason: Sick <b>today</b>');
    expect(mail.html).toContain('Sick &lt;b&gt;today&lt;/b&gt;');
    expect(mail.text).toContain('Crew now: Dana Deckhand (crew, accepted)');
    expect(mail.from.name).toBe('alpha Charters');
    expect(mail.headers?.['X-Bosun-Kind']).toBe('office.crew-declined');
    expect(sent.filter((m) => m.headers?.['X-Bosun-Kind'] === 'office.crew-declined')).toHaveLength(1);
  });

  it('goes to each owner when the tenant has no contact address, and never to the other tenant', async () => {
    await addStaffUser(t.deps, b.ctx, { name: 'Olga Owner', email: 'olga@beta.test', role: 'owner' });
    await addStaffUser(t.deps, b.ctx, { name: 'Sid Staff', email: 'sid@beta.test', role: 'staff' });
    sent.length = 0;
    await answerAssignment(t.deps, crewContext(b.tenant.id, b.captain.id), bookingB, { answer: 'accept' });
    await answerAssignment(t.deps, crewContext(b.tenant.id, b.captain.id), bookingB, { answer: 'decline' });
    const mail = await eventually(async () => sent.find((m) => m.headers?.['X-Bosun-Kind'] === 'office.crew-declined'), 'the owner mail');
    expect(mail.to).toEqual({ name: 'Olga Owner', address: 'olga@beta.test' });
    expect(mail.text).toContain('Reason: none given');
    expect(sent.map((m) => m.to.address)).not.toContain('sid@beta.test');
    expect(sent.map((m) => m.to.address)).not.toContain('office@alpha.test');
  });
});

describe('assignment queries', () => {
  it('list one tenant only', async () => {
    expect((await listAssignmentsOfBooking(t.deps.db, a.tenant.id, bookingA)).length).toBe(2);
    expect(await listAssignmentsOfBooking(t.deps.db, b.tenant.id, bookingA)).toEqual([]);
  });
});
