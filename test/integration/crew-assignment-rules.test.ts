/**
 * Which charters take crew, and taking crew off one. Assigning (API and `bosun assign`) to a
 * cancelled, completed or past charter is a 409 that stores nothing and queues nothing. Unassigning
 * (DELETE /api/v1/events/{id}/crew/{crewId}, `bosun unassign`) ends that crew member's access to the
 * charter at once: their pages, answers, checklist, feed and live stream, and the notice still due.
 */
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { CommandRuntime } from '../../src/cli/commands';
import { handleNotifyCrew } from '../../src/jobs/notify-crew';
import type { Mailer, MailMessage } from '../../src/ports/mailer';
import { answerAssignment, crewContext, getCharterForCrew } from '../../src/services/crew';
import { notifyCrewOfBooking } from '../../src/services/crew-notices';
import { ServiceError } from '../../src/services/errors';
import type { MailDeps } from '../../src/services/mail';
import { call, makeApp, type TestApp } from '../support/app';
import { runCommand } from '../support/commands';
import { crewCookie } from '../support/crew-session';
import { createTestDb, TEST_NOW, type TestDb } from '../support/db';
import { auditActions, countJobs, countWrites } from '../support/db-snapshot';
import { bookingInput, makeTenant } from '../support/factories';
import { formWithAction, textOf } from '../support/html';
import { openTestSites, type TestSites } from '../support/sites';
import { openStream, type SseReader } from '../support/sse';

let t: TestDb;
let app: TestApp;
let sites: TestSites;
let rt: CommandRuntime;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
const sent: MailMessage[] = [];
const streams: SseReader[] = [];

const captureMailer: Mailer = {
  send: async (m) => {
    sent.push(m);
    return { messageId: m.messageId, accepted: [m.to.address], response: '250 OK' };
  },
  close: async () => {},
};
let mailDeps: MailDeps;

beforeAll(async () => {
  t = await createTestDb({ liveFeed: true });
  app = makeApp(t);
  sites = openTestSites(t);
  rt = { deps: t.deps, sites: sites.deps.sites };
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  mailDeps = { ...t.deps, mail: { mailer: captureMailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } };
});
afterAll(async () => {
  for (const s of streams) await s.close();
  await t.close();
  sites.close();
});

async function createBooking(tenant: typeof a, overrides: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/bookings', tenant.serviceKey, bookingInput(overrides));
  expect(res.status).toBe(201);
  return res.json as { id: string; startsAt: string; endsAt: string };
}

async function assign(tenant: typeof a, bookingId: string, crew: { email: string; role: string }[]) {
  return call(app, 'POST', '/api/v1/events', tenant.serviceKey, { booking_id: bookingId, crew });
}

/** What a refused assignment must leave untouched: rows, audit, jobs and mail. */
async function snapshot() {
  const { rows } = await t.handle.executeSql('select (select count(*) from outgoing_mail)::int as mail');
  return { ...(await countWrites(t)), mail: Number(rows[0]?.mail), notices: await countJobs(t, 'crew.notify') };
}

const run = (name: string, args: Record<string, unknown>) => runCommand(rt, name, args);

describe('assigning crew', () => {
  it('to a cancelled charter is refused with 409 and a sentence, storing nothing and queueing no notice', async () => {
    const booking = await createBooking(a);
    expect((await call(app, 'POST', `/api/v1/bookings/${booking.id}/cancel`, a.serviceKey)).status).toBe(200);
    const before = await snapshot();
    const res = await assign(a, booking.id, [{ email: a.captain.email, role: 'captain' }]);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.detail).toBe(`Charter ${booking.id} is cancelled; crew cannot be assigned to it.`);
    expect(await snapshot()).toEqual(before);

    // The command line says the same, on the same rule.
    const err = await run('assign', { tenant: 'alpha', booking: booking.id, email: a.captain.email }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).status).toBe(409);
    expect((err as ServiceError).message).toContain('is cancelled');
    expect(await snapshot()).toEqual(before);
  });

  it('to a charter that has ended (by the clock), or was completed, is refused the same way', async () => {
    const past = await createBooking(a);
    const completed = await createBooking(a);
    // During the second charter: the first has ended, the second may be marked completed.
    t.clock.set(new Date(new Date(completed.startsAt).getTime() + 60 * 60_000));
    onTestFinished(() => t.clock.set(TEST_NOW));
    const read = await call(app, 'GET', `/api/v1/bookings/${completed.id}`, a.serviceKey);
    const done = await call(
      app,
      'PATCH',
      `/api/v1/bookings/${completed.id}`,
      a.serviceKey,
      { status: 'completed' },
      {
        'if-match': read.headers.get('etag') ?? '',
      },
    );
    expect(done.status).toBe(200);

    const before = await snapshot();
    const ended = await assign(a, past.id, [{ email: a.deckhand.email, role: 'crew' }]);
    expect(ended.status).toBe(409);
    expect(ended.json.detail).toMatch(
      new RegExp(`^Charter ${past.id} ended \\w{3}, May 31, 2026, 1:00 PM PDT; crew cannot be assigned to a past charter\\.$`),
    );
    const finished = await assign(a, completed.id, [{ email: a.deckhand.email, role: 'crew' }]);
    expect(finished.status).toBe(409);
    expect(finished.json.detail).toBe(`Charter ${completed.id} is completed; crew cannot be assigned to it.`);
    const cli = await run('assign', { tenant: 'alpha', booking: past.id, crewId: a.deckhand.id }).catch((e: unknown) => e);
    expect((cli as ServiceError).status).toBe(409);
    expect(await snapshot()).toEqual(before);
  });

  it('to a charter that has not ended is accepted, even while it runs', async () => {
    const booking = await createBooking(a);
    t.clock.set(new Date(new Date(booking.startsAt).getTime() + 60_000));
    onTestFinished(() => t.clock.set(TEST_NOW));
    expect((await assign(a, booking.id, [{ email: a.captain.email, role: 'captain' }])).status).toBe(201);
  });
});

describe('unassigning crew', () => {
  let bookingId: string;
  let captainCookie: string;

  beforeAll(async () => {
    bookingId = (await createBooking(a)).id;
    expect(
      (
        await assign(a, bookingId, [
          { email: a.captain.email, role: 'captain' },
          { email: a.deckhand.email, role: 'crew' },
        ])
      ).status,
    ).toBe(201);
    captainCookie = await crewCookie(t.deps, a.tenant.id, a.captain.id);
  });

  it('is documented in the OpenAPI document with its problems', async () => {
    const doc = (await call(app, 'GET', '/api/v1/openapi.json', null)).json;
    const op = doc.paths['/api/v1/events/{id}/crew/{crewId}']?.delete ?? doc.paths['/events/{id}/crew/{crewId}']?.delete;
    expect(op).toBeDefined();
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '403', '404', '409', '422']));
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['crewId', 'id']);
    expect(JSON.stringify(op.responses['409'])).toContain('problem+json');
  });

  it("is a 404 for another tenant's key, and for a crew member or booking of another tenant; nothing changes", async () => {
    const foreignBooking = await createBooking(b);
    const before = await snapshot();
    const other = await call(app, 'DELETE', `/api/v1/events/${bookingId}/crew/${a.captain.id}`, b.serviceKey);
    expect(other.status).toBe(404);
    const foreignCrew = await call(app, 'DELETE', `/api/v1/events/${bookingId}/crew/${b.captain.id}`, a.serviceKey);
    expect(foreignCrew.status).toBe(404);
    const crossed = await call(app, 'DELETE', `/api/v1/events/${foreignBooking.id}/crew/${a.captain.id}`, a.serviceKey);
    expect(crossed.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('is a 404 for someone not on the crew, a 422 for a malformed id, and needs events:write', async () => {
    const outsider = await run('crew add', { tenant: 'alpha', name: 'Oli Outsider', email: 'oli@alpha.test' });
    const before = await snapshot();
    const notOnCrew = await call(
      app,
      'DELETE',
      `/api/v1/events/${bookingId}/crew/${(outsider.json.crew as { id: string }).id}`,
      a.serviceKey,
    );
    expect(notOnCrew.status).toBe(404);
    expect(notOnCrew.json.detail).toBe(`Oli Outsider is not on the crew of ${bookingId}.`);
    const malformed = await call(app, 'DELETE', `/api/v1/events/${bookingId}/crew/not-a-uuid`, a.serviceKey);
    expect(malformed.status).toBe(422);
    expect(malformed.json.errors).toEqual([{ field: 'crewId', message: 'must be a crew member id' }]);
    const dashboard = await app.request(`/api/v1/events/${bookingId}/crew/${a.captain.id}`, {
      method: 'DELETE',
      headers: { 'x-dashboard-token': a.dashboardToken },
    });
    expect(dashboard.status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("ends the crew member's access to that charter at once, and is audited", async () => {
    const page = await app.request(`/crew/events/${bookingId}`, { headers: { cookie: captainCookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const csrf = formWithAction(html, '/accept').fields._csrf ?? '';
    const feedUrl = /id="feed" type="text" readonly="" value="([^"]+)"/.exec(
      await (await app.request('/crew', { headers: { cookie: captainCookie } })).text(),
    )?.[1];
    expect(feedUrl).toBeDefined();
    const feedPath = new URL(feedUrl ?? '').pathname;
    expect(await (await app.request(feedPath)).text()).toContain(`UID:${bookingId}.`);
    const stream = await openStream(() => app.request('/crew/stream', { headers: { cookie: captainCookie } }));
    streams.push(stream);

    const res = await call(app, 'DELETE', `/api/v1/events/${bookingId.toLowerCase()}/crew/${a.captain.id}`, a.serviceKey);
    expect(res.status).toBe(200);
    expect(res.json.event_id).toBe(bookingId);
    expect(res.json.booking.crew).toEqual([{ name: 'Dana Deckhand', role: 'crew', status: 'invited' }]);
    expect(await auditActions(t, bookingId)).toContain('assignment.removed');
    const { rows } = await t.handle.executeSql(
      `select actor_kind, actor_id, before::text as before from audit_log where action = 'assignment.removed' and entity_id = $1`,
      [bookingId],
    );
    expect(rows.map((r) => ({ ...r, before: JSON.parse(String(r.before)) }))).toEqual([
      { actor_kind: 'key', actor_id: a.serviceKeyId, before: { crewMember: a.captain.id, role: 'captain', status: 'invited' } },
    ]);

    // Gone from their list, 404 on its page and on every form, gone from their feed.
    const list = textOf(await (await app.request('/crew', { headers: { cookie: captainCookie } })).text());
    expect(list).not.toContain(bookingId);
    expect((await app.request(`/crew/events/${bookingId}`, { headers: { cookie: captainCookie } })).status).toBe(404);
    for (const [action, fields] of [
      ['accept', {}],
      ['decline', { reason: 'x' }],
      ['checklist', { item: 'Fuel checked', ticked: 'true' }],
    ] as const) {
      const post = await app.request(`/crew/events/${bookingId}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', cookie: captainCookie },
        body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      });
      expect(post.status, action).toBe(404);
    }
    const feed = new ICAL.Component(ICAL.parse(await (await app.request(feedPath)).text()));
    expect(feed.getAllSubcomponents('vevent').map((e) => String(e.getFirstPropertyValue('uid')))).not.toContainEqual(
      expect.stringMatching(new RegExp(`^${bookingId}\\.`)),
    );
    await expect(getCharterForCrew(t.deps, crewContext(a.tenant.id, a.captain.id), bookingId)).rejects.toThrow('not found');

    // Their live stream no longer carries the charter: a crewmate's answer reaches the crewmate's
    // stream, and the next change the removed captain hears of is one of their own charters.
    const deckhand = await openStream(async () =>
      app.request('/crew/stream', { headers: { cookie: await crewCookie(t.deps, a.tenant.id, a.deckhand.id) } }),
    );
    streams.push(deckhand);
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), bookingId, { answer: 'accept' });
    expect((await deckhand.nextChange((j) => j.action === 'assignment.accepted')).json.bookingId).toBe(bookingId);
    const next = await createBooking(a);
    expect((await assign(a, next.id, [{ email: a.captain.email, role: 'captain' }])).status).toBe(201);
    const heard = (await stream.nextChange((j) => j.action.startsWith('event.'))).json;
    expect([heard.action, heard.bookingId]).toEqual(['event.created', next.id]);
    expect(JSON.stringify(stream.received)).not.toContain(bookingId);
  });

  it('over a charter that is over is refused: its crew stays on record', async () => {
    const booking = await createBooking(a);
    expect((await assign(a, booking.id, [{ email: a.captain.email, role: 'captain' }])).status).toBe(201);
    t.clock.set(new Date(new Date(booking.endsAt).getTime() + 60_000));
    onTestFinished(() => t.clock.set(TEST_NOW));
    const before = await snapshot();
    const res = await call(app, 'DELETE', `/api/v1/events/${booking.id}/crew/${a.captain.id}`, a.serviceKey);
    expect(res.status).toBe(409);
    expect(res.json.detail).toBe(`Charter ${booking.id} is over; its crew stays on record.`);
    expect(await snapshot()).toEqual(before);
  });

  it('means a notice still due for that assignment is not sent, and the notice job runs to the end', async () => {
    const booking = await createBooking(a);
    expect(
      (
        await assign(a, booking.id, [
          { email: a.captain.email, role: 'captain' },
          { email: a.deckhand.email, role: 'crew' },
        ])
      ).status,
    ).toBe(201);
    expect(await countJobs(t, 'crew.notify', booking.id)).toBe(1);
    // Taken off before the queued notice is worked.
    const out = await run('unassign', { tenant: 'alpha', booking: booking.id, email: a.deckhand.email.toUpperCase() });
    expect(out.text).toBe(`Took ${a.deckhand.email.toUpperCase()} off ${booking.id}; its crew now: Casey Captain (captain, invited)`);
    sent.length = 0;
    await handleNotifyCrew(mailDeps, { tenantId: a.tenant.id, bookingId: booking.id, reason: 'event.created' });
    expect(sent.map((m) => m.to.address)).toEqual([a.captain.email]);
    expect((await notifyCrewOfBooking(mailDeps, a.tenant.id, booking.id)).map((o) => o.crewMemberId)).toEqual([a.captain.id]);
  });

  it('from the command line names the argument at fault', async () => {
    const booking = await createBooking(a);
    const fields = async (args: Record<string, unknown>) => {
      const err = await run('unassign', { tenant: 'alpha', booking: booking.id, ...args }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      return [(err as ServiceError).status, ((err as ServiceError).errors ?? []).map((e) => e.field)];
    };
    expect(await fields({})).toEqual([422, ['--email']]);
    expect(await fields({ email: a.captain.email, crewId: a.captain.id })).toEqual([422, ['--email']]);
    expect(await fields({ crewId: 'nope' })).toEqual([422, ['--crew-id']]);
    expect(await fields({ email: a.captain.email })).toEqual([404, []]);
    expect(await fields({ email: b.captain.email })).toEqual([404, []]);
  });
});
