/**
 * A process for the jobs durability test (`node --import tsx`): opens Bosun's data from the
 * environment without working jobs, commits a confirmed booking (whose guest-page job is enqueued
 * in the same transaction), prints "committed <id>" and then waits until it is killed.
 */
import { commitHarborBooking, waitToBeKilled } from './harbor-booking';

const { booking } = await commitHarborBooking();
process.stdout.write(`committed ${booking.id}\n`);
waitToBeKilled();
