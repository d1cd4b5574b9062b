/**
 * A process for the domain cleanup durability test (`node --import tsx`): opens Bosun's data from the
 * environment without working jobs, publishes a page of a new tenant at `harbor.localhost`, moves the
 * site to `harbor-new.localhost` (whose cleanup of the old domain is enqueued in the same transaction),
 * prints "moved <id>" and then waits until it is killed.
 */
import { loadConfig } from '../../src/config/env';
import { compose } from '../../src/main/compose';
import { createLogger } from '../../src/main/runtime';
import { createBooking } from '../../src/services/bookings';
import { publishGuestPage } from '../../src/services/publishing';
import { addVessel, changeGuestDomain, createTenant } from '../../src/services/tenants';
import { daysFromNow } from './factories';

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
const outcome = await publishGuestPage({ ...rt.deps, sites: rt.sites }, tenant.id, booking.id);
if (outcome.result !== 'published') throw new Error(`not published: ${JSON.stringify(outcome)}`);
await changeGuestDomain(rt.deps, ctx, { guestDomain: 'harbor-new.localhost' });
process.stdout.write(`moved ${booking.id}\n`);
// Keep the database open and the process alive; the test ends it with SIGKILL.
setInterval(() => {}, 60_000);
