/**
 * Every committed change reaches the staff live stream, driven by the audit log (ADR 0019): bookings
 * created, edited and cancelled, crew answers and ticks, guest page publish outcomes, mail sent or
 * failed. A client that reconnects with `Last-Event-ID` gets exactly what it missed, in order — also
 * after a restart — and a transaction that commits late is never skipped.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryEventHub } from '../../src/adapters/in-memory-event-hub';
import { updateTenantSettings } from '../../src/db/queries/tenants';
import type { Mailer } from '../../src/ports/mailer';
import { type ChangeFeed, readChanges } from '../../src/services/change-feed';
import { answerAssignment, crewContext, setChecklistTick } from '../../src/services/crew';
import { sendMailOnce } from '../../src/services/mail';
import { publishGuestPage } from '../../src/services/publishing';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, startTestChangeFeed, type TestDb, testEngine } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { openTestSites, type TestSites } from '../support/sites';
import { openStream, type SseReader } from '../support/sse';

let t: TestDb;
let app: TestApp;
let feed: ChangeFeed;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
let sites: TestSites;
const open: SseReader[] = [];

const staffStream = async (options: { lastEventId?: string; tenant?: typeof a; on?: TestApp } = {}) => {
  const headers: Record<string, string> = { 'x-dashboard-token': (options.tenant ?? a).dashboardToken };
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const reader = await openStream(() => (options.on ?? app).request('/api/v1/stream', { headers }));
  open.push(reader);
  return reader;
};

const createBookingViaApi = async (tenant = a) => {
  const res = await call(app, 'POST', '/api/v1/bookings', tenant.serviceKey, bookingInput());
  expect(res.status).toBe(201);
  return res.json.id as string;
};

async function patchNotes(id: string, notes: string) {
  const read = await call(app, 'GET', `/api/v1/bookings/${id}`, a.serviceKey);
  const res = await call(
    app,
    'PATCH',
    `/api/v1/bookings/${id}`,
    a.serviceKey,
    { notes: { guest: notes } },
    { 'if-match': read.headers.get('etag') ?? '' },
  );
  expect(res.status).toBe(200);
}

const mailer = (fail: boolean): Mailer => ({
  send: async (m) => {
    if (fail) throw new Error(`mailbox of ${m.to.address} is full (test)`);
    return { messageId: m.messageId, accepted: [m.to.address], response: '250 OK' };
  },
  close: async () => {},
});

const mailSpec = (bookingId: string, dedupeKey: string) => ({
  kind: 'test.notice',
  dedupeKey,
  to: { name: 'Avery Guest', address: 'avery.secret@guest.test' },
  crewMemberId: null,
  bookingId,
  prepare: async () => ({ subject: 'Hello', text: 'BODY-TEXT-7788', html: '<p>BODY-TEXT-7788</p>', magicLinkId: null }),
});

/** The change events after `from` in a stream, as [action, bookingId]. */
const actionsOf = (r: SseReader) => r.received.filter((e) => e.event === 'change').map((e) => [e.json.action, e.json.bookingId]);

beforeAll(async () => {
  t = await createTestDb();
  feed = await startTestChangeFeed(t.handle, t.deps);
  app = makeApp(t);
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
  await updateTenantSettings(t.deps.db, a.tenant.id, { checklistOpensHours: 24 * 60 });
  sites = openTestSites(t);
});

afterAll(async () => {
  for (const r of open) await r.close();
  await feed.stop();
  sites.close();
  await t.close();
});

describe('every committed change reaches the staff stream', () => {
  it('a booking created, edited and cancelled through the API, with the staff view and who did it', async () => {
    const stream = await staffStream();
    const id = await createBookingViaApi();
    const created = (await stream.nextChange((j) => j.action === 'booking.created')).json;
    expect(created).toMatchObject({ entity: { type: 'booking', id }, bookingId: id, by: { kind: 'key' }, event: null });
    expect(created.booking.id).toBe(id);
    expect(created.at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    await patchNotes(id, 'Bring the cake');
    const updated = (await stream.nextChange((j) => j.action === 'booking.updated')).json;
    expect([updated.bookingId, updated.booking.notes.guest]).toEqual([id, 'Bring the cake']);
    expect((await call(app, 'POST', `/api/v1/bookings/${id}/cancel`, a.serviceKey)).status).toBe(200);
    const cancelled = (await stream.nextChange((j) => j.action === 'booking.cancelled')).json;
    expect([cancelled.bookingId, cancelled.booking.status]).toEqual([id, 'cancelled']);
    // The entries' before and after are never sent: they may hold contact details (staff read them in the staff view).
    const sent = JSON.stringify(stream.received);
    expect(sent).not.toContain('before');
    expect(sent).not.toContain('after');
  });

  it('crew answers and checklist ticks, by the crew member', async () => {
    const id = await createBookingViaApi();
    const event = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
      booking_id: id,
      crew: [
        { email: a.captain.email, role: 'captain' },
        { email: a.deckhand.email, role: 'crew' },
      ],
    });
    expect(event.status).toBe(201);
    const stream = await staffStream();
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), id, { answer: 'accept' });
    await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), id, { answer: 'decline', reason: 'Away' });
    await setChecklistTick(t.deps, crewContext(a.tenant.id, a.captain.id), id, { item: 'Fuel checked', ticked: true });
    const crewChange = (j: { action: string }) => /^(assignment|checklist)\./.test(j.action);
    const seen = [await stream.nextChange(crewChange), await stream.nextChange(crewChange), await stream.nextChange(crewChange)].map(
      (e) => [e.json.action, e.json.by, e.json.bookingId],
    );
    expect(seen).toEqual([
      ['assignment.accepted', { kind: 'crew', name: 'Casey Captain' }, id],
      ['assignment.declined', { kind: 'crew', name: 'Dana Deckhand' }, id],
      ['checklist.ticked', { kind: 'crew', name: 'Casey Captain' }, id],
    ]);
  });

  it('a guest page published, and one that failed, by the system', async () => {
    const id = await createBookingViaApi();
    const stream = await staffStream();
    expect((await publishGuestPage(sites.deps, a.tenant.id, id)).result).toBe('published');
    const published = (await stream.nextChange((j) => j.action.startsWith('guest_page.'))).json;
    expect(published).toMatchObject({ action: 'guest_page.published', bookingId: id, by: { kind: 'system' } });

    const broken = openTestSites(t, {
      wrapStore: (store) => ({
        put: async () => {
          throw new Error('object store unavailable (test)');
        },
        get: (bucket, key) => store.get(bucket, key),
        head: (bucket, key) => store.head(bucket, key),
        delete: (bucket, key) => store.delete(bucket, key),
        list: (bucket) => store.list(bucket),
      }),
    });
    try {
      await patchNotes(id, 'A new page to publish');
      await expect(publishGuestPage(broken.deps, a.tenant.id, id)).rejects.toThrow('store');
    } finally {
      broken.close();
    }
    const failed = (await stream.nextChange((j) => j.action.startsWith('guest_page.'))).json;
    expect(failed).toMatchObject({ action: 'guest_page.failed', bookingId: id, by: { kind: 'system' } });
  });

  it('mail sent and mail that failed, about its booking, never with the address or the text', async () => {
    const id = await createBookingViaApi();
    const stream = await staffStream();
    const mailDeps = (fail: boolean) => ({
      ...t.deps,
      mail: { mailer: mailer(fail), publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
    });
    expect(await sendMailOnce(mailDeps(false), a.tenant.id, mailSpec(id, `t1:${id}`))).toBe('sent');
    await expect(sendMailOnce(mailDeps(true), a.tenant.id, mailSpec(id, `t2:${id}`))).rejects.toThrow('full');
    const mail = (j: { action: string }) => j.action === 'mail.sent' || j.action === 'mail.failed';
    const sent = (await stream.nextChange(mail)).json;
    const failed = (await stream.nextChange(mail)).json;
    expect([sent.action, sent.entity, sent.bookingId]).toEqual(['mail.sent', { type: 'booking', id }, id]);
    expect([failed.action, failed.bookingId]).toEqual(['mail.failed', id]);
    expect(JSON.stringify(stream.received)).not.toMatch(/avery\.secret|BODY-TEXT-7788|is full/);
    // Nor is the audit log itself the place for them.
    const audit = await t.handle.executeSql("select after::text as after from audit_log where action like 'mail.%'");
    expect(JSON.stringify(audit.rows)).not.toMatch(/avery\.secret|BODY-TEXT-7788|is full/);
  });

  it("never carries another tenant's changes", async () => {
    const streamA = await staffStream();
    const streamB = await staffStream({ tenant: b });
    const inB = await createBookingViaApi(b);
    const inA = await createBookingViaApi(a);
    expect((await streamA.nextChange((j) => j.action === 'booking.created')).json.bookingId).toBe(inA);
    expect((await streamB.nextChange((j) => j.action === 'booking.created')).json.bookingId).toBe(inB);
    expect(JSON.stringify(streamA.received)).not.toContain(inB);
    expect(JSON.stringify(streamB.received)).not.toContain(inA);
    // Nor does a replay: B's cursor in A's stream gives A's changes only.
    const replay = await staffStream({ lastEventId: streamB.lastEventId ?? '' });
    await createBookingViaApi(a);
    await replay.nextChange((j) => j.action === 'booking.created');
    expect(JSON.stringify(replay.received)).not.toContain(inB);
  });
});

describe('resuming with Last-Event-ID', () => {
  it('replays exactly the changes missed while away, in order, then continues live without duplicates', async () => {
    const first = await staffStream();
    const seen = await createBookingViaApi();
    // The last entry of a confirmed booking's creation: its guest confirmation queued.
    await first.nextChange((j) => j.action === 'mail.queued' && j.bookingId === seen);
    const cursor = first.lastEventId as string;
    await first.close();

    const missed = [await createBookingViaApi(), await createBookingViaApi()];
    await patchNotes(missed[0] as string, 'Changed while away');

    const again = await staffStream({ lastEventId: cursor });
    const live = await createBookingViaApi();
    await again.nextChange((j) => j.action === 'mail.queued' && j.bookingId === live);
    const ids = again.received.filter((e) => e.event === 'change').map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // A change of the guest's note queues no mail: the note is not one of the changes a guest is told of.
    expect(actionsOf(again)).toEqual([
      ['booking.created', missed[0]],
      ['booking.confirmed', missed[0]],
      ['mail.queued', missed[0]],
      ['booking.created', missed[1]],
      ['booking.confirmed', missed[1]],
      ['mail.queued', missed[1]],
      ['booking.updated', missed[0]],
      ['booking.created', live],
      ['booking.confirmed', live],
      ['mail.queued', live],
    ]);
    // Cursors only grow.
    const parsed = ids.map((id) => (id ?? '').split('-').map(BigInt));
    for (let i = 1; i < parsed.length; i++) {
      const [tx0, id0] = parsed[i - 1] as bigint[];
      const [tx1, id1] = parsed[i] as bigint[];
      expect((tx1 as bigint) > (tx0 as bigint) || (tx1 === tx0 && (id1 as bigint) > (id0 as bigint))).toBe(true);
    }
  });

  it('resumes after a restart: a new app and a new feed over the same database', async () => {
    const before = await staffStream();
    const seen = await createBookingViaApi();
    await before.nextChange((j) => j.action === 'mail.queued' && j.bookingId === seen);
    const cursor = before.lastEventId as string;
    await before.close();
    await feed.stop();

    // Changed while no process streams.
    const missed = await createBookingViaApi();

    const restarted = { ...t, deps: { ...t.deps, live: new InMemoryEventHub() } };
    feed = await startTestChangeFeed(t.handle, restarted.deps);
    const app2 = makeApp(restarted);
    const after = await staffStream({ lastEventId: cursor, on: app2 });
    const res = await call(app2, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput());
    await after.nextChange((j) => j.action === 'mail.queued' && j.bookingId === res.json.id);
    expect(actionsOf(after)).toEqual([
      ['booking.created', missed],
      ['booking.confirmed', missed],
      ['mail.queued', missed],
      ['booking.created', res.json.id],
      ['booking.confirmed', res.json.id],
      ['mail.queued', res.json.id],
    ]);
    // The rest of the file streams through the first app again.
    await feed.stop();
    feed = await startTestChangeFeed(t.handle, t.deps);
  });

  it.each(['garbage', '12', '1-2-3', '-1-5', '01-5', '1-99999999999999999999', "1-1'; drop table audit_log; --"])(
    'a malformed Last-Event-ID (%j) starts from now, harmlessly',
    async (lastEventId) => {
      const stream = await staffStream({ lastEventId });
      const id = await createBookingViaApi();
      const first = (await stream.next('change')).json;
      expect([first.action, first.bookingId]).toEqual(['booking.created', id]);
    },
  );

  it("reads one tenant's changes only (the change reader's two-tenant test)", async () => {
    const ofA = await readChanges(t.deps, a.tenant.id, { txid: 0n, id: 0n }, 10_000);
    const ofB = await readChanges(t.deps, b.tenant.id, { txid: 0n, id: 0n }, 10_000);
    expect(ofA.length).toBeGreaterThan(0);
    expect(ofB.length).toBeGreaterThan(0);
    expect(ofA.every((c) => c.tenantId === a.tenant.id)).toBe(true);
    expect(ofB.every((c) => c.tenantId === b.tenant.id)).toBe(true);
  });

  it('a cursor of the first change ever replays the whole tenant history from there', async () => {
    const stream = await staffStream({ lastEventId: '0-0' });
    const first = (await stream.next('change')).json;
    expect(first.action).toBe('tenant.created');
    expect(first.entity.id).toBe(a.tenant.id);
  });
});

// Only a server has concurrent transactions: the embedded database runs one at a time.
if (testEngine() === 'postgres') {
  describe('transactions that commit out of order', () => {
    it('are both delivered, in transaction order: the reader does not pass a transaction still open', async () => {
      const stream = await staffStream();
      const held = new pg.Client({ connectionString: t.url });
      await held.connect();
      try {
        await held.query('begin');
        await held.query(
          "insert into audit_log (tenant_id, actor_kind, actor_id, action, entity_type, entity_id) values ($1, 'operator', 'test', 'vessel.noted', 'vessel', 'held')",
          [a.tenant.id],
        );
        // Written after the held entry (a larger id), committed first.
        const later = await createBookingViaApi();
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(actionsOf(stream)).toEqual([]);
        await held.query('commit');
        await stream.nextChange((j) => j.action === 'booking.created');
        expect(actionsOf(stream)).toEqual([
          ['vessel.noted', null],
          ['booking.created', later],
        ]);
      } finally {
        await held.end();
      }
    });
  });
}
