import { describe, expect, it } from 'vitest';
import { BOOKING_ID_ALPHABET, generateBookingId } from '../../src/domain/ids';

describe('generateBookingId', () => {
  const draws = Array.from({ length: 10_000 }, () => generateBookingId());

  it('yields 7 upper-case letters and digits without I, L, O, U, 0 or 1', () => {
    for (const id of draws) expect(id).toMatch(/^[ABCDEFGHJKMNPQRSTVWXYZ23456789]{7}$/);
  });

  it('has an alphabet of the 30 unambiguous characters', () => {
    expect([...BOOKING_ID_ALPHABET].sort().join('')).toBe('23456789ABCDEFGHJKMNPQRSTVWXYZ');
    for (const c of 'ILOU01') expect(BOOKING_ID_ALPHABET).not.toContain(c);
  });

  it('uses every character of the alphabet, in every position', () => {
    const seen = new Set(draws.join(''));
    expect([...seen].sort().join('')).toBe([...BOOKING_ID_ALPHABET].sort().join(''));
    for (let position = 0; position < 7; position++) {
      expect(new Set(draws.map((id) => id[position])).size).toBe(BOOKING_ID_ALPHABET.length);
    }
  });

  it('rarely repeats itself', () => {
    // 30^7 ≈ 2.2e10 ids: 10,000 draws collide with a probability of about 0.2 %.
    expect(new Set(draws).size).toBeGreaterThanOrEqual(draws.length - 1);
  });
});
