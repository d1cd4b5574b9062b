/**
 * The tenant's staff calendar feed, read with ical.js as a calendar app would: every charter and
 * calendar entry, a VTIMEZONE, stable UIDs, SEQUENCE rising with each change, STATUS including
 * CANCELLED, no ORGANIZER, no money or notes; an ETag that changes only with the data; an unguessable
 * URL per tenant that an owner can reset, after which the old one finds nothing.
 */
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/services/audit';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { cancelBooking, createBooking, updateBooking } from '../../src/services/bookings';
import { addCalendarEntry } from '../../src/services/calendar';
import { etagMatches } from '../../src/services/calendar-feed';
import { crewContext } from '../../src/services/crew';
import { getCrewFeedUrl } from '../../src/services/crew-feed';
import { getTenantFeedUrl, renderTenantFeed, resetTenantFeedUrl, tenantFeedToken } from '../../src/services/tenant-feed';
import { addStaffUser } from '../../src/services/tenants';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';

const FEED = { publicUrl: 'http://localhost:8080', secret: 'test-signing-secret-of-at-least-32-characters' };
let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;
const ids = {} as Record<'confirmed' | 'hold' | 'cancelled' | 'other', string>;

const tokenOf = (url: string) => tenantFeedToken(url.slice(url.lastIndexOf('/') + 1)) ?? '';

async function book(tenant: typeof a, overrides: Record<string, unknown> = {}) {
  return (await createBooking(t.deps, tenant.ctx, createBookingSchema.parse(bookingInput(overrides)))).booking.id;
}

async function feedOf(tenant: typeof a) {
  const feed = await renderTenantFeed(t.deps, tokenOf(await getTenantFeedUrl(t.deps, tenant.ctx, FEED)), FEED);
  if (!feed) throw new Error('no feed');
  const calendar = new ICAL.Component(ICAL.parse(feed.body));
  // As a calendar app does: take the feed's own VTIMEZONE definitions (ical.js ships no zone data).
  ICAL.TimezoneService.reset();
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtimezone);
  const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  return { ...feed, calendar, events };
}

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'bravo');
  ids.confirmed = await book(a, {
    guest: { name: 'Jo Guest', email: 'jo@example.com' },
    startsAt: '2026-06-10T10:00:00-07:00',
    endsAt: '2026-06-10T13:00:00-07:00',
  });
  ids.hold = await book(a, { status: 'hold', partySize: 2 });
  ids.cancelled = await book(a);
  await cancelBooking(t.deps, a.ctx, ids.cancelled);
  ids.other = await book(b, { guest: { name: 'Bravo Guest', email: 'bg@example.com' } });
  await addCalendarEntry(t.deps, a.ctx, { date: '2026-06-20', event_type: 'maintenance', title: 'Engine service' });
});
afterAll(() => t.close());

describe("the tenant's calendar feed", () => {
  it('lives at an unguessable /app/feed/{token}.ics URL, one per tenant', async () => {
    const url = await getTenantFeedUrl(t.deps, a.ctx, FEED);
    expect(url).toMatch(/^http:\/\/localhost:8080\/app\/feed\/[A-Za-z0-9_-]{22}\.1\.[A-Za-z0-9_-]{43}\.ics$/);
    expect(await getTenantFeedUrl(t.deps, a.ctx, FEED)).toBe(url);
    expect(await getTenantFeedUrl(t.deps, b.ctx, FEED)).not.toBe(url);
  });

  it('holds every charter and calendar entry, in the vessel zone, with STATUS by booking state and no ORGANIZER', async () => {
    const { calendar, events, body } = await feedOf(a);
    expect(calendar.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['America/Los_Angeles']);
    const byUid = new Map(events.map((e) => [e.uid, e]));
    const confirmed = byUid.get(`${ids.confirmed}.${a.tenant.id}.office@bosun`);
    expect(confirmed?.summary).toBe('Jo Guest (6) · Jada');
    expect(confirmed?.startDate.zone.tzid).toBe('America/Los_Angeles');
    expect(confirmed?.startDate.toString()).toBe('2026-06-10T10:00:00');
    expect(confirmed?.startDate.toJSDate().toISOString()).toBe('2026-06-10T17:00:00.000Z');
    expect(confirmed?.component.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(byUid.get(`${ids.hold}.${a.tenant.id}.office@bosun`)?.component.getFirstPropertyValue('status')).toBe('TENTATIVE');
    const cancelled = byUid.get(`${ids.cancelled}.${a.tenant.id}.office@bosun`);
    expect(cancelled?.component.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(cancelled?.summary).toMatch(/^Cancelled: /);
    const entry = events.find((e) => e.summary === 'Engine service');
    expect(entry?.startDate.isDate).toBe(true);
    expect(entry?.startDate.toString()).toBe('2026-06-20');
    expect(events).toHaveLength(4);
    expect(body).not.toMatch(/^ORGANIZER/m);
    expect(confirmed?.component.getFirstPropertyValue('url')).toBe(`http://localhost:8080/app/bookings/${ids.confirmed}`);
  });

  it('shows guest name and vessel but no money and no notes', async () => {
    const { body } = await feedOf(a);
    expect(body).toContain('Jo Guest');
    // The price as any format would show it (840.75), never a bare "840", which a random id or token in
    // the feed may hold by chance.
    for (const secret of ['840.75', '840,75', 'Revenue', 'Bring spare fenders', 'Bring sunscreen', 'jo@example.com', '619 555']) {
      expect(body).not.toContain(secret);
    }
  });

  it('keeps UIDs and the ETag while nothing changes; a change raises SEQUENCE and changes the ETag', async () => {
    const before = await feedOf(a);
    const again = await feedOf(a);
    expect(again.etag).toBe(before.etag);
    expect(again.body).toBe(before.body);
    expect(etagMatches(before.etag, again.etag)).toBe(true);
    expect(etagMatches(`W/${before.etag}, "other"`, again.etag)).toBe(true);
    expect(etagMatches('"other"', again.etag)).toBe(false);
    expect(etagMatches(undefined, again.etag)).toBe(false);
    const sequenceOf = (feed: typeof before) =>
      feed.events.find((e) => e.uid.startsWith(ids.confirmed))?.component.getFirstPropertyValue('sequence');
    await updateBooking(t.deps, a.ctx, ids.confirmed, { partySize: 5 }, '*');
    const after = await feedOf(a);
    expect(after.etag).not.toBe(before.etag);
    expect(Number(sequenceOf(after))).toBe(Number(sequenceOf(before)) + 1);
    expect(after.events.map((e) => e.uid).sort()).toEqual(before.events.map((e) => e.uid).sort());
  });

  it("never holds another tenant's charters", async () => {
    const ours = await feedOf(a);
    expect(ours.body).not.toContain(ids.other);
    expect(ours.body).not.toContain('Bravo Guest');
    const theirs = await feedOf(b);
    expect(theirs.events.map((e) => e.summary)).toEqual(['Bravo Guest (6) · Jada']);
  });

  it('finds nothing for a forged token, a crew feed token, or another file', async () => {
    const token = tokenOf(await getTenantFeedUrl(t.deps, a.ctx, FEED));
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await renderTenantFeed(t.deps, forged, FEED)).toBeNull();
    expect(await renderTenantFeed(t.deps, token.replace('.1.', '.2.'), FEED)).toBeNull();
    expect(await renderTenantFeed(t.deps, token, { ...FEED, secret: 'another-secret-of-at-least-32-characters!' })).toBeNull();
    const crewUrl = await getCrewFeedUrl(t.deps, crewContext(a.tenant.id, a.captain.id), FEED);
    const crewToken = crewUrl.slice(crewUrl.lastIndexOf('/') + 1, -'.ics'.length);
    expect(await renderTenantFeed(t.deps, crewToken, FEED)).toBeNull();
    for (const junk of ['', 'x', '../etc/passwd', `${token}\u0000`]) expect(await renderTenantFeed(t.deps, junk, FEED)).toBeNull();
    expect(tenantFeedToken(`${token}.txt`)).toBeNull();
  });

  it('lets only an owner reset the URL; the old one then finds nothing, and the reset is audited', async () => {
    const oldUrl = await getTenantFeedUrl(t.deps, a.ctx, FEED);
    const staff = await addStaffUser(t.deps, a.ctx, { name: 'Sam Staff', email: 'sam@alpha.test', role: 'staff' });
    const owner = await addStaffUser(t.deps, a.ctx, { name: 'Olive Owner', email: 'olive@alpha.test', role: 'owner' });
    const as = (id: string) => ({ tenantId: a.tenant.id, actor: { kind: 'staff' as const, id } });
    await expect(resetTenantFeedUrl(t.deps, as(staff.id), FEED)).rejects.toMatchObject({ status: 403 });
    // An owner of another tenant is no owner here.
    const bOwner = await addStaffUser(t.deps, b.ctx, { name: 'Bo Owner', email: 'bo@bravo.test', role: 'owner' });
    await expect(resetTenantFeedUrl(t.deps, as(bOwner.id), FEED)).rejects.toMatchObject({ status: 403 });
    expect(await renderTenantFeed(t.deps, tokenOf(oldUrl), FEED)).not.toBeNull();

    const newUrl = await resetTenantFeedUrl(t.deps, as(owner.id), FEED);
    expect(newUrl).not.toBe(oldUrl);
    expect(await getTenantFeedUrl(t.deps, a.ctx, FEED)).toBe(newUrl);
    expect(await renderTenantFeed(t.deps, tokenOf(oldUrl), FEED)).toBeNull();
    expect(await renderTenantFeed(t.deps, tokenOf(newUrl), FEED)).not.toBeNull();
    expect((await listAudit(t.deps, a.ctx, { entityId: a.tenant.id })).map((e) => [e.action, e.who])).toContainEqual([
      'tenant_feed.reset',
      'Olive Owner (staff)',
    ]);
    // Tenant B's feed is untouched by A's reset.
    expect(await renderTenantFeed(t.deps, tokenOf(await getTenantFeedUrl(t.deps, b.ctx, FEED)), FEED)).not.toBeNull();
  });
});
