/** Builders for a tenant with a vessel, crew and keys, through the services (as a real operator would). */

import type { ServiceDeps } from '../../src/services/context';
import { createKey } from '../../src/services/keys';
import { addCrewMember, addVessel, createTenant } from '../../src/services/tenants';

const OPERATOR = { kind: 'operator' as const, id: 'test' };

export async function makeTenant(deps: ServiceDeps, slug: string, options: { capacity?: number } = {}) {
  const tenant = await createTenant(deps, OPERATOR, {
    slug,
    name: `${slug} Charters`,
    guestDomain: `${slug}.localhost`,
    timezone: 'America/Los_Angeles',
  });
  const ctx = { tenantId: tenant.id, actor: OPERATOR };
  const vessel = await addVessel(deps, ctx, {
    slug: 'jada',
    name: 'Jada',
    capacity: options.capacity ?? 12,
    meetingPoint: 'Dock C',
    timezone: 'America/Los_Angeles',
  });
  const captain = await addCrewMember(deps, ctx, { name: 'Casey Captain', email: `captain@${slug}.test`, role: 'captain' });
  const deckhand = await addCrewMember(deps, ctx, { name: 'Dana Deckhand', email: `deck@${slug}.test`, role: 'crew' });
  const service = await createKey(deps, OPERATOR, tenant.id, { kind: 'service' });
  const dashboard = await createKey(deps, OPERATOR, tenant.id, { kind: 'dashboard' });
  return { tenant, ctx, vessel, captain, deckhand, serviceKey: service.key, serviceKeyId: service.id, dashboardToken: dashboard.key };
}

let slot = 0;

/**
 * A booking's input. Without `startsAt`, each call takes the next free day (10:00–13:00 in San Diego
 * from 2026-05-30 on), so bookings made by one test file never overlap on the one vessel.
 */
export function bookingInput(overrides: Record<string, unknown> = {}) {
  const day = 'startsAt' in overrides ? 0 : slot++;
  const date = new Date(Date.UTC(2026, 4, 30 + day)).toISOString().slice(0, 10);
  return {
    guest: { name: 'Avery Guest', email: 'avery@example.com', phone: '+1 619 555 0100' },
    partySize: 6,
    vessel: 'jada',
    startsAt: `${date}T10:00:00-07:00`,
    endsAt: `${date}T13:00:00-07:00`,
    status: 'confirmed',
    pricing: { total: 840.75, currency: 'USD' },
    captainFeePerHour: 50,
    notes: { internal: 'Revenue: $840.75', crew: 'Bring spare fenders', guest: 'Bring sunscreen' },
    ...overrides,
  };
}

/**
 * A wall time `days` from the real today (UTC date), e.g. `2027-01-15T10:00:00-07:00`: for bookings
 * made against a real server, whose clock is the machine's. Past the demo's bookings (3–5 days ahead).
 */
export function daysFromNow(days: number, time = '10:00', offset = '-07:00'): string {
  const date = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  return `${date}T${time}:00${offset}`;
}
