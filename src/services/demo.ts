/**
 * The demo operator created on the first start of an empty installation: tenant `demo` with guest
 * site `demo.localhost`, a vessel, two crew, an owner, a few confirmed bookings and one key of each kind.
 */
import { listTenants, updateTenantSettings } from '../db/queries/tenants';
import { createBooking } from './bookings';
import type { Actor, ServiceDeps } from './context';
import { createKey } from './keys';
import { issueStaffLink } from './staff-access';
import { addCrewMember, addStaffUser, addVessel, createTenant } from './tenants';

const SYSTEM: Actor = { kind: 'system', id: 'demo' };

export type DemoCredentials = {
  tenant: string;
  guestDomain: string;
  serviceKey: string;
  dashboardToken: string;
  bookings: string[];
  /** The token of a sign-in link for the demo owner (`/app/login/{token}`), good for an hour. */
  ownerSignInToken: string;
};

/** Seeds the demo when no tenant exists yet; returns its credentials, or null when there was data already. */
export async function seedDemoIfEmpty(deps: ServiceDeps): Promise<DemoCredentials | null> {
  if ((await listTenants(deps.db)).length > 0) return null;
  const tenant = await createTenant(deps, SYSTEM, {
    slug: 'demo',
    name: 'Demo Charters',
    guestDomain: 'demo.localhost',
    timezone: 'America/Los_Angeles',
  });
  const ctx = { tenantId: tenant.id, actor: SYSTEM };
  // Branding and guest information shown on the demo's guest pages.
  await updateTenantSettings(deps.db, tenant.id, {
    contactEmail: 'office@demo.localhost',
    contactPhone: '+1 619 555 0123',
    accentColor: '#0b4f6c',
    whatToBring: ['Sunscreen and a hat', 'A warm layer for the evening breeze', 'Soft-soled shoes'],
    policies: ['Free cancellation up to 48 hours before departure.', 'Please arrive 15 minutes before the start time.'],
  });
  await addVessel(deps, ctx, {
    slug: 'jada',
    name: 'Jada',
    capacity: 12,
    meetingPoint: 'Harbor Island West Marina, Dock C, San Diego',
    timezone: 'America/Los_Angeles',
  });
  await addCrewMember(deps, ctx, { name: 'Casey Captain', email: 'captain@demo.localhost', role: 'captain' });
  await addCrewMember(deps, ctx, { name: 'Dana Deckhand', email: 'deckhand@demo.localhost', role: 'crew' });
  const owner = await addStaffUser(deps, ctx, { name: 'Olive Owner', email: 'owner@demo.localhost', role: 'owner' });

  const day = 24 * 60 * 60 * 1000;
  const base = new Date(deps.clock.now().getTime() + 3 * day);
  base.setUTCHours(17, 0, 0, 0); // 10:00 in San Diego (PDT) or 09:00 (PST)
  const guests = [
    { name: 'Avery Guest', email: 'avery@example.com', partySize: 6, hours: 3 },
    { name: 'Blake Visitor', email: 'blake@example.com', partySize: 4, hours: 2 },
    { name: 'Charlie Sailor', email: 'charlie@example.com', partySize: 10, hours: 4 },
  ];
  const bookings: string[] = [];
  for (const [i, g] of guests.entries()) {
    const startsAt = new Date(base.getTime() + i * day);
    const out = await createBooking(deps, ctx, {
      guest: { name: g.name, email: g.email },
      partySize: g.partySize,
      vessel: 'jada',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + g.hours * 3600_000).toISOString(),
      status: 'confirmed',
      pricing: { total: 840.75 + i * 100, currency: 'USD' },
      captainFeePerHour: 50,
      notes: { internal: 'Demo booking', crew: 'Bring the spare fenders.', guest: 'Sunscreen and soft-soled shoes.' },
      ...(i === 0 ? { friendlySlug: 'avery-sunset-sail' } : {}),
    });
    bookings.push(out.booking.id);
  }
  const service = await createKey(deps, SYSTEM, tenant.id, { kind: 'service', label: 'demo service key' });
  const dashboard = await createKey(deps, SYSTEM, tenant.id, { kind: 'dashboard', label: 'demo dashboard token' });
  const link = await deps.db.transaction().execute((tx) => issueStaffLink(tx, tenant.id, { staffUserId: owner.id, now: deps.clock.now() }));
  return {
    tenant: tenant.slug,
    guestDomain: tenant.guestDomain,
    serviceKey: service.key,
    dashboardToken: dashboard.key,
    bookings,
    ownerSignInToken: link.token,
  };
}
