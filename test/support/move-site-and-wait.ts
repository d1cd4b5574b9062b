/**
 * A process for the domain cleanup durability test (`node --import tsx`): opens Bosun's data from the
 * environment without working jobs, publishes a page of a new tenant at `harbor.localhost`, moves the
 * site to `harbor-new.localhost` (whose cleanup of the old domain is enqueued in the same transaction),
 * prints "moved <id>" and then waits until it is killed.
 */
import { publishGuestPage } from '../../src/services/publishing';
import { changeGuestDomain } from '../../src/services/tenants';
import { commitHarborBooking, waitToBeKilled } from './harbor-booking';

const { rt, ctx, tenant, booking } = await commitHarborBooking();
const outcome = await publishGuestPage({ ...rt.deps, sites: rt.sites }, tenant.id, booking.id);
if (outcome.result !== 'published') throw new Error(`not published: ${JSON.stringify(outcome)}`);
await changeGuestDomain(rt.deps, ctx, { guestDomain: 'harbor-new.localhost' });
process.stdout.write(`moved ${booking.id}\n`);
waitToBeKilled();
