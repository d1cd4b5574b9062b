/**
 * Every iCalendar output holds against hostile stored text. Names and notes are written straight into
 * the database (as data stored before input validation would be): CR/LF followed by `BEGIN:VEVENT`,
 * `;`, `,`, `\`, other control characters (PostgreSQL stores no NUL), emoji and right-to-left text. The crew feed and each guest
 * `.ics` are then read with ical.js as a calendar app would: exactly the expected events, and every
 * text property gives back the stored value (line breaks as one LF, other controls as a space).
 */
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCrewFeedUrl } from '../../src/services/crew-feed';
import { publishGuestPage } from '../../src/services/publishing';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { openTestSites, type TestSites } from '../support/sites';

const SECRET = 'test-signing-secret-of-at-least-32-characters';

// NAME (RFC 7986) and X-WR-CALNAME are TEXT; ical.js knows neither, so it is told, as a calendar app knows.
for (const name of ['name', 'x-wr-calname']) ICAL.design.icalendar.property[name] = { defaultType: 'text' };
const INJECTED = '\r\nBEGIN:VEVENT\r\nUID:injected@evil\r\nSUMMARY:Injected\r\nEND:VEVENT\r\n';

const HOSTILE = {
  tenantName: `Evil; Charters, Inc. \\ 🚤${INJECTED}X-WR-CALNAME:Hijacked\r\nשרה`,
  vesselName: `Jada${INJECTED}; deck, hand \\ ⚓\u0001\u0007\u007f`,
  meetingPoint: 'Dock C\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\rمرسى; pier, 3 \\ end',
  crewName: `Casey${INJECTED}Captain \u000b\u001b[31m`,
  // Crew see the guest's first name only: the first word of the stored name.
  guestName: 'Av;e,r\\y\u0001🚤\u0085 Guest',
  notesCrew: `Bring fenders${INJECTED}and a \\ ; , note\ttabbed\u2028after`,
};

/** What a calendar app should read back: line breaks as one LF, other control characters as a space. */
function asRead(value: string): string {
  return (
    value
      .replace(/\r\n?/g, '\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters a calendar may not carry
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
  );
}

let t: TestDb;
let app: TestApp;
let sites: TestSites;
let a: Awaited<ReturnType<typeof makeTenant>>;
let hostileId: string;
let plainId: string;

async function bookingWithCaptain(overrides: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, bookingInput(overrides));
  expect(res.status).toBe(201);
  const id = res.json.id as string;
  expect(
    (await call(app, 'POST', '/api/v1/events', a.serviceKey, { booking_id: id, crew: [{ email: a.captain.email, role: 'captain' }] }))
      .status,
  ).toBe(201);
  return id;
}

/** The text between content lines, unfolded: one entry per property. */
function contentLines(body: string): string[] {
  return body
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter(Boolean);
}

function parse(body: string): ICAL.Component {
  const jcal = ICAL.parse(body);
  // More than one VCALENDAR comes back as a list of components.
  expect(jcal[0], 'one VCALENDAR').toBe('vcalendar');
  return new ICAL.Component(jcal);
}

/** Checks the shape every calendar file must keep, whatever its text: lines of at most 75 octets, CRLF only. */
function expectWellFormed(body: string) {
  expect(body.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
  expect(body.endsWith('END:VCALENDAR') || body.endsWith('END:VCALENDAR\r\n')).toBe(true);
  expect(body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  for (const line of body.split('\r\n')) expect(Buffer.byteLength(line), line).toBeLessThanOrEqual(75);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character but the line ends
  expect(body.replace(/\r\n/g, '')).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f]/);
  const begins = contentLines(body).filter((l) => l.startsWith('BEGIN:'));
  const ends = contentLines(body).filter((l) => l.startsWith('END:'));
  expect(begins.length).toBe(ends.length);
  expect(contentLines(body).filter((l) => l.startsWith('BEGIN:VCALENDAR'))).toHaveLength(1);
  expect(contentLines(body).filter((l) => l.startsWith('UID:injected'))).toEqual([]);
}

beforeAll(async () => {
  t = await createTestDb();
  sites = openTestSites(t);
  app = makeApp(t, { edge: sites.edge });
  a = await makeTenant(t.deps, 'kappa');
  hostileId = await bookingWithCaptain({ guest: { name: 'Placeholder Guest', email: 'guest@example.com' } });
  plainId = await bookingWithCaptain();

  // Straight into the tables, as rows written before input validation existed.
  const db = t.deps.db;
  await db.updateTable('tenants').set({ name: HOSTILE.tenantName }).where('id', '=', a.tenant.id).execute();
  await db
    .updateTable('vessels')
    .set({ name: HOSTILE.vesselName, meeting_point: HOSTILE.meetingPoint })
    .where('tenant_id', '=', a.tenant.id)
    .execute();
  await db.updateTable('crew_members').set({ name: HOSTILE.crewName }).where('id', '=', a.captain.id).execute();
  await db
    .updateTable('bookings')
    .set({ guest_name: HOSTILE.guestName, notes_crew: HOSTILE.notesCrew })
    .where('tenant_id', '=', a.tenant.id)
    .where('id', '=', hostileId)
    .execute();
});

afterAll(async () => {
  await t.close();
  sites.close();
});

describe('the crew calendar feed with hostile names', () => {
  let body: string;
  let calendar: ICAL.Component;

  beforeAll(async () => {
    const url = await getCrewFeedUrl(
      t.deps,
      { tenantId: a.tenant.id, crewMemberId: a.captain.id, actor: { kind: 'crew', id: a.captain.id } },
      { publicUrl: 'http://localhost:8080', secret: SECRET },
    );
    const res = await app.request(new URL(url).pathname);
    expect(res.status).toBe(200);
    body = await res.text();
    calendar = parse(body);
  });

  it('is well-formed and holds exactly one event per charter', () => {
    expectWellFormed(body);
    const events = calendar.getAllSubcomponents('vevent');
    expect(events.map((e) => String(e.getFirstPropertyValue('uid')).split('.')[0]).sort()).toEqual([hostileId, plainId].sort());
    expect(calendar.getAllSubcomponents('vcalendar')).toHaveLength(0);
  });

  it('gives back the calendar name exactly, once', () => {
    const name = `${asRead(HOSTILE.tenantName)} — ${asRead(HOSTILE.crewName)}`;
    expect(calendar.getAllProperties('name').map((p) => p.getFirstValue())).toEqual([name]);
    expect(calendar.getAllProperties('x-wr-calname').map((p) => p.getFirstValue())).toEqual([name]);
  });

  it("gives back each event's summary, location and description exactly", () => {
    const event = calendar.getAllSubcomponents('vevent').find((e) => String(e.getFirstPropertyValue('uid')).startsWith(`${hostileId}.`));
    if (!event) throw new Error('no event for the hostile booking');
    expect(event.getFirstPropertyValue('summary')).toBe(`${asRead(HOSTILE.vesselName)} charter (captain)`);
    expect(event.getFirstPropertyValue('location')).toBe(asRead(HOSTILE.meetingPoint));
    const description = String(event.getFirstPropertyValue('description'));
    expect(description).toContain(`Vessel: ${asRead(HOSTILE.vesselName)}\n`);
    expect(description).toContain(`Guest: ${asRead('Av;e,r\\y\u0001🚤\u0085')}\n`);
    expect(description).toContain(`Notes for crew: ${asRead(HOSTILE.notesCrew)}\n`);
    expect(description).toContain(`Crew: ${asRead(HOSTILE.crewName)} (captain, invited)\n`);
    expect(description.endsWith(`Booking ${hostileId}`)).toBe(true);
    for (const p of event.getAllProperties()) expect(p.name, 'no property from the text').not.toBe('x-wr-calname');
  });
});

describe('the guest calendar file with hostile names', () => {
  async function ics(id: string) {
    await publishGuestPage(sites.deps, a.tenant.id, id);
    const res = await app.request(`/g/${id.toLowerCase()}.ics`, { headers: { host: 'kappa.localhost:8080' } });
    expect(res.status).toBe(200);
    return res.text();
  }

  it('is well-formed, holds one event and gives back every text exactly', async () => {
    for (const id of [hostileId, plainId]) {
      const body = await ics(id);
      expectWellFormed(body);
      const calendar = parse(body);
      expect(calendar.getAllProperties('name').map((p) => p.getFirstValue())).toEqual([asRead(HOSTILE.tenantName)]);
      expect(calendar.getAllProperties('x-wr-calname').map((p) => p.getFirstValue())).toEqual([asRead(HOSTILE.tenantName)]);
      const events = calendar.getAllSubcomponents('vevent');
      expect(events).toHaveLength(1);
      const event = events[0] as ICAL.Component;
      expect(event.getFirstPropertyValue('uid')).toBe(`${id}@kappa.localhost`);
      expect(event.getFirstPropertyValue('summary')).toBe(`Charter on ${asRead(HOSTILE.vesselName)} — ${asRead(HOSTILE.tenantName)}`);
      expect(event.getFirstPropertyValue('location')).toBe(asRead(HOSTILE.meetingPoint));
      expect(event.getFirstPropertyValue('description')).toBe(`Booking ${id}, party of 6. http://kappa.localhost:8080/g/${id}`);
    }
  });
});
