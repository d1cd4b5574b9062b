/** Public booking ids: 7 characters from an alphabet without look-alikes, drawn from a CSPRNG. */
import { randomInt } from 'node:crypto';

/** Upper-case letters and digits without I, L, O, U, 0 and 1. */
export const BOOKING_ID_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
export const BOOKING_ID_LENGTH = 7;

export function generateBookingId(): string {
  let id = '';
  for (let i = 0; i < BOOKING_ID_LENGTH; i++) id += BOOKING_ID_ALPHABET[randomInt(BOOKING_ID_ALPHABET.length)];
  return id;
}

/** A caller-chosen id: 4–16 upper-case letters and digits (stored upper-case). */
export const BOOKING_ID_PATTERN = /^[A-Z0-9]{4,16}$/;

export function normalizeBookingId(id: string): string {
  return id.toUpperCase();
}
