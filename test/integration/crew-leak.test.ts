/**
 * The leak test of every output channel. A booking carries distinctive money, an internal note and
 * guest contact details; none of them may reach the crew API, crew pages, crew mail (notice and
 * reminder), the crew calendar feed, the crew live stream, or the crew-facing part of the staff
 * stream — nor a guest's page or calendar file (which also never show crew notes or crew contacts).
 * Each crew view's keys are held to an explicit list, so a field added to a view by mistake fails here.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { createApp } from '../../src/http/app';
import { type JobDeps, registerJobHandlers } from '../../src/jobs/register';
import { pingDatabase } from '../../src/main/runtime';
import type { Mailer, MailMessage } from '../../src/ports/mailer';
import { getBookingForGuest } from '../../src/services/bookings';
import { answerAssignment, crewContext, setChecklistTick } from '../../src/services/crew';
import { sendDueCrewReminders } from '../../src/services/crew-reminders';
import { call } from '../support/app';
import { crewCookie } from '../support/crew-session';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { eventually } from '../support/mailbox';
import { openTestSites, type TestSites } from '../support/sites';
import { openStream, type SseReader } from '../support/sse';

const NOW = new Date('2026-05-01T12:00:00Z');
const DEPARTS = Date.parse('2026-05-30T17:00:00Z');

/** Values that only staff may ever see. */
const STAFF_ONLY = [
  '97531.86',
  '97,531.86',
  '97531',
  '86.42',
  'ZX-INTERNAL-7781',
  'owner pays cash',
  'leaky.guest@example.org',
  '555 0199',
];
/** Values that crew may see but guests never. */
const CREW_ONLY = ['CREW-ONLY-4471', 'captain@alpha.test', 'deck@alpha.test'];

/** The crew view of a booking, field by field: adding a field to it must change this list. */
const CREW_BOOKING_KEYS = [
  'crew',
  'endsAt',
  'guest',
  'id',
  'meetingPoint',
  'notes',
  'partySize',
  'startsAt',
  'status',
  'timezone',
  'vessel',
  'vesselName',
];
const GUEST_BOOKING_KEYS = [
  'endsAt',
  'guest',
  'guestPageUrl',
  'id',
  'meetingPoint',
  'notes',
  'partySize',
  'startsAt',
  'status',
  'timezone',
  'vesselName',
];

let t: TestDb;
let sites: TestSites;
let app: ReturnType<typeof createApp>;
let a: Awaited<ReturnType<typeof makeTenant>>;
let bookingId: string;
const mails: MailMessage[] = [];
const channels: Record<string, string> = {};
const crewEvents: any[] = [];
const staffEvents: any[] = [];
let allCrewEvents: any[] = [];
let allStaffEvents: any[] = [];

const mailer: Mailer = {
  send: async (m) => {
    mails.push(m);
    return { messageId: m.messageId, accepted: [m.to.address], response: '250 OK' };
  },
  close: async () => {},
};

function expectCrewBooking(booking: any) {
  expect(Object.keys(booking).sort()).toEqual(CREW_BOOKING_KEYS);
  expect(Object.keys(booking.guest)).toEqual(['firstName']);
  expect(Object.keys(booking.notes)).toEqual(['crew']);
  for (const c of booking.crew) expect(Object.keys(c).sort()).toEqual(['name', 'role', 'status']);
}

beforeAll(async () => {
  t = await createTestDb({ liveFeed: true });
  t.clock.set(NOW);
  sites = openTestSites(t);
  app = createApp({
    ...t.deps,
    log: pino({ level: 'silent' }),
    ping: () => pingDatabase(t.handle),
    failureLimits: new InMemoryFailureLimits(),
    publicUrl: 'http://localhost:8080',
    signingSecret: 'test-signing-secret-of-at-least-32-characters',
    clientAddress: () => '192.0.2.1',
    acceptRequestOrigin: true,
    edge: sites.edge,
  });
  a = await makeTenant(t.deps, 'alpha');
  const deps: JobDeps = {
    ...t.deps,
    mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' },
    sites: sites.deps.sites,
  };
  await registerJobHandlers(t.jobs, deps);

  const created = await call(
    app,
    'POST',
    '/api/v1/bookings',
    a.serviceKey,
    bookingInput({
      guest: { name: 'Avery Guest', email: 'leaky.guest@example.org', phone: '+1 619 555 0199' },
      pricing: { total: 97531.86, currency: 'CHF' },
      captainFeePerHour: 86.42,
      notes: { internal: 'ZX-INTERNAL-7781 owner pays cash', crew: 'CREW-ONLY-4471 spare fenders', guest: 'Bring sunscreen' },
    }),
  );
  expect(created.status).toBe(201);
  bookingId = created.json.id;
  // Staff do see the money: the values are really there to leak.
  expect(JSON.stringify(created.json)).toContain('97531.86');

  const api = (path: string) => app.request(path, { headers: { 'x-dashboard-token': a.dashboardToken } });
  const staff: SseReader = await openStream(() => api('/api/v1/stream'));
  const captainCookie = await crewCookie(t.deps, a.tenant.id, a.captain.id);
  const crew: SseReader = await openStream(() => app.request('/crew/stream', { headers: { cookie: captainCookie } }));

  const event = await call(app, 'POST', '/api/v1/events', a.serviceKey, {
    booking_id: bookingId,
    crew: [
      { email: a.captain.email, role: 'captain' },
      { email: a.deckhand.email, role: 'crew' },
    ],
    notes: 'Fuel dock at 9',
  });
  expect(event.status).toBe(201);
  channels['POST /api/v1/events'] = event.text;
  expectCrewBooking(event.json.booking);
  const got = await call(app, 'GET', `/api/v1/events/${bookingId}`, a.serviceKey);
  expect(got.status).toBe(200);
  expect(Object.keys(got.json).sort()).toEqual(['booking', 'event_id', 'notes']);
  expectCrewBooking(got.json.booking);
  channels['GET /api/v1/events/{id}'] = got.text;

  await eventually(
    async () => (mails.filter((m) => m.headers?.['X-Bosun-Kind'] === 'crew.assigned').length === 2 ? true : undefined),
    'notices',
  );
  await answerAssignment(t.deps, crewContext(a.tenant.id, a.captain.id), bookingId, { answer: 'accept' });
  // Only crew who accepted tick, once the checklist opens (48 hours before departure).
  t.clock.set(new Date(DEPARTS - 24 * 3_600_000));
  await setChecklistTick(t.deps, crewContext(a.tenant.id, a.captain.id), bookingId, { item: 'Fuel checked', ticked: true });
  t.clock.set(NOW);
  await answerAssignment(t.deps, crewContext(a.tenant.id, a.deckhand.id), bookingId, { answer: 'decline', reason: 'Sick' });
  // Jobs add changes of their own (notices mailed, the guest page published): every one is checked.
  const crewChange = (j: { action: string }) => /^(event|assignment|checklist)\./.test(j.action);
  for (let i = 0; i < 4; i++) {
    crewEvents.push((await crew.nextChange(crewChange)).json);
    staffEvents.push((await staff.nextChange(crewChange)).json);
  }
  allCrewEvents = crew.received.filter((e) => e.event === 'change').map((e) => e.json);
  allStaffEvents = staff.received.filter((e) => e.event === 'change').map((e) => e.json);
  channels['crew stream'] = JSON.stringify(crew.received);
  channels['staff stream, crew event part'] = JSON.stringify(allStaffEvents.map((e) => e.event));
  await crew.close();
  await staff.close();

  for (const path of ['/crew', `/crew/events/${bookingId}`]) {
    const res = await app.request(path, { headers: { cookie: captainCookie } });
    expect(res.status).toBe(200);
    channels[`crew page ${path}`] = await res.text();
  }
  const feedPath = new URL(/id="feed"[^>]*value="([^"]+)"/.exec(channels['crew page /crew'] ?? '')?.[1] ?? 'http://x/none').pathname;
  const feed = await app.request(feedPath);
  expect(feed.status).toBe(200);
  channels['crew calendar feed'] = await feed.text();
  expect(channels['crew calendar feed']).toContain('BEGIN:VEVENT');

  t.clock.set(new Date(DEPARTS - 23 * 3_600_000));
  await sendDueCrewReminders(deps);
  t.clock.set(NOW);
  const crewKinds = ['crew.assigned', 'crew.reminder'];
  for (const m of mails.filter((x) => crewKinds.includes(x.headers?.['X-Bosun-Kind'] ?? ''))) {
    channels[`crew mail ${m.headers?.['X-Bosun-Kind']} to ${m.to.address}`] = [m.subject, m.text, m.html].join('\n');
  }
  expect(Object.keys(channels).filter((k) => k.includes('crew.reminder'))).toHaveLength(1);

  const guestHost = { host: 'alpha.localhost:8080' };
  const page = await eventually(async () => {
    const res = await app.request(`/g/${bookingId}`, { headers: guestHost });
    return res.status === 200 ? res.text() : undefined;
  }, 'the guest page');
  channels['guest page'] = page;
  const ics = await app.request(`/g/${bookingId.toLowerCase()}.ics`, { headers: guestHost });
  expect(ics.status).toBe(200);
  channels['guest calendar'] = await ics.text();
});

afterAll(async () => {
  await t.close();
  sites.close();
});

describe('crew channels', () => {
  const crewChannels = () => Object.keys(channels).filter((k) => !k.startsWith('guest'));

  it('cover the API, the pages, both mails, the feed and both streams', () => {
    expect(crewChannels().sort()).toEqual(
      [
        'GET /api/v1/events/{id}',
        'POST /api/v1/events',
        'crew calendar feed',
        `crew mail crew.assigned to ${a.captain.email}`,
        `crew mail crew.assigned to ${a.deckhand.email}`,
        `crew mail crew.reminder to ${a.captain.email}`,
        'crew page /crew',
        `crew page /crew/events/${bookingId}`,
        'crew stream',
        'staff stream, crew event part',
      ].sort(),
    );
    // What crew should see is there: the checks below look at real content.
    expect(channels[`crew page /crew/events/${bookingId}`]).toContain('CREW-ONLY-4471');
    expect(channels['crew stream']).toContain('CREW-ONLY-4471');
  });

  it('never carry money, the internal note or guest contact details', () => {
    for (const name of crewChannels()) {
      for (const secret of STAFF_ONLY) expect(channels[name], `${name} shows ${secret}`).not.toContain(secret);
    }
  });

  it('send the crew view on the crew stream, key for key', () => {
    expect(crewEvents.map((e) => e.action)).toEqual(['event.created', 'assignment.accepted', 'checklist.ticked', 'assignment.declined']);
    for (const e of allCrewEvents) {
      expect(Object.keys(e).sort()).toEqual(['action', 'at', 'bookingId', 'charter']);
      expect(Object.keys(e.charter).sort()).toEqual(['booking', 'checklist', 'checklistClosed', 'ended', 'eventNotes', 'me']);
      expect(Object.keys(e.charter.me).sort()).toEqual(['declineReason', 'role', 'status']);
      expectCrewBooking(e.charter.booking);
    }
  });

  it("keep the staff stream's crew event part to its fields", () => {
    for (const e of allStaffEvents)
      expect(Object.keys(e).sort()).toEqual(['action', 'at', 'booking', 'bookingId', 'by', 'entity', 'event']);
    // Changes before the crew event (the guest page published) carry none.
    for (const e of allStaffEvents.filter((x) => x.event !== null)) {
      expect(Object.keys(e.event).sort()).toEqual(['assignments', 'checklist', 'notes']);
      for (const x of e.event.assignments) expect(Object.keys(x).sort()).toEqual(['answeredAt', 'declineReason', 'name', 'role', 'status']);
      for (const c of e.event.checklist) expect(Object.keys(c).sort()).toEqual(['item', 'ticked']);
      // The staff view itself is the staff's to see.
      expect(e.booking.pricing).toEqual({ total: 97531.86, currency: 'CHF' });
    }
  });
});

describe('guest channels', () => {
  it('never carry money, internal or crew notes, guest contacts beyond the name, or crew contacts', () => {
    for (const name of ['guest page', 'guest calendar']) {
      expect(channels[name]).toContain('Jada');
      for (const secret of [...STAFF_ONLY, ...CREW_ONLY]) expect(channels[name], `${name} shows ${secret}`).not.toContain(secret);
    }
  });

  it('are built from the guest view, key for key', async () => {
    const { view } = await getBookingForGuest(t.deps, { tenantId: a.tenant.id }, bookingId);
    expect(Object.keys(view).sort()).toEqual(GUEST_BOOKING_KEYS);
    expect(Object.keys(view.guest as object).sort()).toEqual(['firstName', 'name']);
    expect(Object.keys(view.notes as object)).toEqual(['guest']);
  });
});
