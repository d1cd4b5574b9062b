/**
 * The booking's rules: one table of what an operator relies on, and the checks built from it. No I/O.
 * Services enforce them on every surface (API, CLI, dashboard); where two writers could race — two
 * bookings of one vessel at once — the database enforces the same rule (migration 0004, ADR 0018).
 */
import type { BookingStatus } from '../db/schema';

export const BOOKING_STATUSES = ['hold', 'confirmed', 'cancelled', 'completed'] as const satisfies readonly BookingStatus[];

/** When a change of status is allowed; `when` names the condition checked by `checkTransition`. */
type Transition = { to: BookingStatus; when: 'always' | 'not-started' | 'started' };

/**
 * The rules. Each line is enforced by the function named beside it; the README and the API reference
 * quote them.
 */
export const BOOKING_RULES = {
  /** hold → confirmed → completed; hold or confirmed → cancelled. Nothing leaves cancelled or completed. */
  transitions: {
    hold: [
      { to: 'confirmed', when: 'not-started' },
      { to: 'cancelled', when: 'always' },
    ],
    confirmed: [
      { to: 'completed', when: 'started' },
      { to: 'cancelled', when: 'always' },
    ],
    cancelled: [],
    completed: [],
  } satisfies Record<BookingStatus, readonly Transition[]>,
  /** Statuses whose bookings are final: they refuse every edit (`checkEditable`, 409). */
  final: ['cancelled', 'completed'] as readonly BookingStatus[],
  /** Statuses that keep the vessel: every status but cancelled (`bookings_no_overlap`, 409). */
  holdsVessel: ['hold', 'confirmed', 'completed'] as readonly BookingStatus[],
  /** Dates outside these years are refused when parsed (422). */
  earliestYear: 2000,
  latestYear: 2100,
  /** A new booking, or a new start, lies in the future and at most this far ahead; a new end alone lies in the future (`checkTimes`, 422). */
  maxDaysAhead: 5 * 366,
  /** A charter lasts at most this long (`checkTimes`, 422). */
  maxDurationHours: 14 * 24,
  /** A vessel's turnaround buffer after each charter, in minutes (0 by default). */
  maxTurnaroundMinutes: 24 * 60,
} as const;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export type BookingRuleViolation = { field: string; message: string };

/** A refusal that depends on the booking's state rather than on a field (an HTTP 409). */
export type BookingStateConflict = { conflict: string };

/** True when `year` lies in the range every date must lie in. */
export function isSaneYear(year: number): boolean {
  return year >= BOOKING_RULES.earliestYear && year <= BOOKING_RULES.latestYear;
}

/**
 * Checks a booking's times when they are set: a new booking sets both, a change sets what it names.
 * Order and length are checked when either changes (a booking stored before a limit existed keeps its
 * times until they are changed); a new start lies in the future and at most `maxDaysAhead`; a new end
 * alone (a charter under way that runs late) lies in the future.
 */
export function checkTimes(input: { startsAt: Date; endsAt: Date; now: Date; startSet: boolean; endSet: boolean }): BookingRuleViolation[] {
  const problems: BookingRuleViolation[] = [];
  if (!input.startSet && !input.endSet) return problems;
  const start = input.startsAt.getTime();
  const end = input.endsAt.getTime();
  const now = input.now.getTime();
  if (end <= start) {
    problems.push({ field: 'endsAt', message: 'must be after startsAt' });
  } else if (end - start > BOOKING_RULES.maxDurationHours * HOUR_MS) {
    problems.push({ field: 'endsAt', message: `must be at most ${BOOKING_RULES.maxDurationHours / 24} days after startsAt` });
  }
  if (input.startSet) {
    if (start <= now) {
      problems.push({ field: 'startsAt', message: 'must be in the future' });
    } else if (start - now > BOOKING_RULES.maxDaysAhead * DAY_MS) {
      problems.push({ field: 'startsAt', message: `must be within ${Math.round(BOOKING_RULES.maxDaysAhead / 366)} years from now` });
    }
  } else if (end <= now && !problems.some((p) => p.field === 'endsAt')) {
    problems.push({ field: 'endsAt', message: 'must be in the future' });
  }
  return problems;
}

/** The party must fit the vessel. */
export function checkPartySize(partySize: number, capacity: number): BookingRuleViolation[] {
  return partySize > capacity ? [{ field: 'partySize', message: `exceeds the vessel's capacity of ${capacity}` }] : [];
}

/** A cancelled or completed booking refuses edits: the sentence says why, or null when it may be edited. */
export function checkEditable(status: BookingStatus): string | null {
  if (status === 'cancelled') return 'This booking is cancelled and can no longer be changed; create a new booking instead.';
  if (status === 'completed') return 'This charter is completed and can no longer be changed.';
  return null;
}

/**
 * Whether `from` may become `to` for a charter starting at `startsAt`: null when it may, else the
 * sentence that says why not. The same status is no change and always allowed.
 */
export function checkTransition(from: BookingStatus, to: BookingStatus, startsAt: Date, now: Date): string | null {
  if (from === to) return null;
  const final = checkEditable(from);
  if (final) return final;
  const step = BOOKING_RULES.transitions[from].find((t) => t.to === to);
  const started = startsAt.getTime() <= now.getTime();
  if (!step) {
    if (from === 'hold' && to === 'completed') return 'A hold must be confirmed before the charter can be completed.';
    return `A ${from} booking cannot become ${to}.`;
  }
  if (step.when === 'started' && !started) {
    return `A charter can be completed only once it has started (it starts ${startsAt.toISOString()}).`;
  }
  if (step.when === 'not-started' && started) {
    return 'This hold has passed its start time; move it to a future time to confirm it.';
  }
  return null;
}

/** Until when a booking keeps its vessel: its end plus the vessel's turnaround. */
export function blockedUntil(endsAt: Date, turnaroundMinutes: number): Date {
  return new Date(endsAt.getTime() + turnaroundMinutes * 60_000);
}
