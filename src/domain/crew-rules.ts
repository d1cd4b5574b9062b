/**
 * The crew's rules: which charters take crew, and when a crew member may tick the pre-departure
 * checklist. Each rule answers with the sentence a person is shown when it refuses, or null. No I/O.
 */
import type { AssignmentStatus, BookingStatus } from '../db/schema';
import { formatInstant } from './time';

/** How long before departure the checklist opens when the tenant has not said (`checklistOpensHours`). */
export const DEFAULT_CHECKLIST_OPENS_HOURS = 48;

const HOUR_MS = 3_600_000;

type Charter = { id: string; status: BookingStatus; startsAt: Date; endsAt: Date; timezone: string };

/** Whether the charter is over for its crew: it has ended by `now`, or it was marked completed. */
export function charterIsPast(charter: Pick<Charter, 'status' | 'endsAt'>, now: Date): boolean {
  return charter.status === 'completed' || charter.endsAt.getTime() <= now.getTime();
}

/** Why crew cannot be assigned to this charter now, or null when they can. */
export function assignmentRefusal(charter: Charter, now: Date): string | null {
  if (charter.status === 'cancelled') return `Charter ${charter.id} is cancelled; crew cannot be assigned to it.`;
  if (charter.status === 'completed') return `Charter ${charter.id} is completed; crew cannot be assigned to it.`;
  if (charter.endsAt.getTime() <= now.getTime()) {
    return `Charter ${charter.id} ended ${formatInstant(charter.endsAt, charter.timezone)}; crew cannot be assigned to a past charter.`;
  }
  return null;
}

/** Why a crew member cannot be taken off this charter, or null when they can. A past crew stays on record. */
export function unassignmentRefusal(charter: Charter, now: Date): string | null {
  if (charterIsPast(charter, now)) return `Charter ${charter.id} is over; its crew stays on record.`;
  return null;
}

/** When the checklist of a charter opens (the tenant's hours before departure) and closes (its end). */
export function checklistWindow(charter: Pick<Charter, 'startsAt' | 'endsAt'>, opensHours: number): { opensAt: Date; closesAt: Date } {
  return { opensAt: new Date(charter.startsAt.getTime() - opensHours * HOUR_MS), closesAt: charter.endsAt };
}

/**
 * Why this crew member cannot tick the charter's checklist now, or null when they can: only crew who
 * accepted, only from `opensHours` before departure until the charter ends, never on a cancelled one.
 */
export function checklistRefusal(charter: Charter, answer: AssignmentStatus, opensHours: number, now: Date): string | null {
  if (charter.status === 'cancelled') return 'This charter is cancelled.';
  if (answer === 'declined') return 'You declined this charter.';
  if (answer !== 'accepted') return 'Accept this charter to tick its checklist.';
  const { opensAt, closesAt } = checklistWindow(charter, opensHours);
  if (now.getTime() < opensAt.getTime()) {
    const at = formatInstant(opensAt, charter.timezone);
    if (opensHours === 0) return `The checklist opens at departure, ${at}.`;
    return `The checklist opens ${opensHours === 1 ? '1 hour' : `${opensHours} hours`} before departure, at ${at}.`;
  }
  if (now.getTime() >= closesAt.getTime())
    return `The checklist closed when the charter ended, at ${formatInstant(closesAt, charter.timezone)}.`;
  return null;
}
