/** Booking rules: states, transitions and the invariants every write must keep. No I/O. */
import type { BookingStatus } from '../db/schema';

export const BOOKING_STATUSES = ['hold', 'confirmed', 'cancelled', 'completed'] as const satisfies readonly BookingStatus[];

const transitions: Record<BookingStatus, readonly BookingStatus[]> = {
  hold: ['hold', 'confirmed', 'cancelled'],
  confirmed: ['confirmed', 'cancelled', 'completed'],
  cancelled: ['cancelled'],
  completed: ['completed'],
};

export function canTransition(from: BookingStatus, to: BookingStatus): boolean {
  return transitions[from].includes(to);
}

export type BookingRuleViolation = { field: string; message: string };

/** Checks the cross-field rules that a schema alone cannot: order of times and the vessel's capacity. */
export function checkBookingRules(input: { startsAt: Date; endsAt: Date; partySize: number; capacity: number }): BookingRuleViolation[] {
  const problems: BookingRuleViolation[] = [];
  if (input.endsAt.getTime() <= input.startsAt.getTime()) {
    problems.push({ field: 'endsAt', message: 'must be after startsAt' });
  }
  if (input.partySize > input.capacity) {
    problems.push({ field: 'partySize', message: `exceeds the vessel's capacity of ${input.capacity}` });
  }
  return problems;
}
