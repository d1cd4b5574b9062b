/**
 * For the durability tests' child processes (`node --import tsx`): opens Bosun's data from the
 * environment without working jobs (role `command`) and commits, for a new tenant `harbor` at
 * `harbor.localhost` with the vessel `jada`, one confirmed booking twenty days ahead.
 */
import { loadConfig } from '../../src/config/env';
import { compose } from '../../src/main/compose';
import { createLogger } from '../../src/main/runtime';
import { createBooking } from '../../src/services/bookings';
import { addVessel, createTenant } from '../../src/services/tenants';
import { daysFromNow } from './factories';

export async function commitHarborBooking() {
  const config = loadConfig(process.env);
  const { runtime: rt } = await compose(config, { role: 'command', log: createLogger(config, 'stderr') });
  const actor = { kind: 'operator' as const, id: 'durability' };
  const tenant = await createTenant(rt.deps, actor, {
    slug: 'harbor',
    name: 'Harbor Charters',
    guestDomain: 'harbor.localhost',
    timezone: 'America/Los_Angeles',
  });
  const ctx = { tenantId: tenant.id, actor };
  await addVessel(rt.deps, ctx, { slug: 'jada', name: 'Jada', capacity: 12, meetingPoint: 'Dock C', timezone: 'America/Los_Angeles' });
  const { booking } = await createBooking(rt.deps, ctx, {
    guest: { name: 'Avery Guest', email: 'avery@example.com' },
    partySize: 4,
    vessel: 'jada',
    startsAt: daysFromNow(20, '10:00'),
    endsAt: daysFromNow(20, '13:00'),
    status: 'confirmed',
  });
  return { rt, ctx, tenant, booking };
}

/** Keeps the database open and the process alive; the test ends it with SIGKILL. */
export function waitToBeKilled(): void {
  setInterval(() => {}, 60_000);
}
