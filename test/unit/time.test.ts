import { describe, expect, it } from 'vitest';
import { formatCharterStart, formatCharterTime, instantOfWallTime, offsetOf, startOfDayIn, toZonedIso } from '../../src/domain/time';

describe('time helpers across a daylight-saving change', () => {
  it('moves Los Angeles from -08:00 to -07:00 when spring comes (2026-03-08)', () => {
    const before = new Date('2026-03-08T09:59:59Z');
    const after = new Date('2026-03-08T10:00:00Z');
    expect(offsetOf(before, 'America/Los_Angeles')).toBe('-08:00');
    expect(offsetOf(after, 'America/Los_Angeles')).toBe('-07:00');
    expect(toZonedIso(before, 'America/Los_Angeles')).toBe('2026-03-08T01:59:59-08:00');
    // 02:00–02:59 does not exist that day: the next second is 03:00.
    expect(toZonedIso(after, 'America/Los_Angeles')).toBe('2026-03-08T03:00:00-07:00');
  });

  it('repeats an hour in Berlin when autumn comes (2026-10-25), with the offset telling them apart', () => {
    const first = new Date('2026-10-25T00:30:00Z');
    const second = new Date('2026-10-25T01:30:00Z');
    expect(toZonedIso(first, 'Europe/Berlin')).toBe('2026-10-25T02:30:00+02:00');
    expect(toZonedIso(second, 'Europe/Berlin')).toBe('2026-10-25T02:30:00+01:00');
    expect(offsetOf(first, 'Europe/Berlin')).toBe('+02:00');
    expect(offsetOf(second, 'Europe/Berlin')).toBe('+01:00');
  });

  it('formats UTC and zones with minutes in their offset', () => {
    const instant = new Date('2026-01-15T12:00:00Z');
    expect(toZonedIso(instant, 'UTC')).toBe('2026-01-15T12:00:00+00:00');
    expect(toZonedIso(instant, 'Asia/Kolkata')).toBe('2026-01-15T17:30:00+05:30');
    expect(toZonedIso(instant, 'America/St_Johns')).toBe('2026-01-15T08:30:00-03:30');
    expect(toZonedIso(instant, 'Pacific/Chatham')).toBe('2026-01-16T01:45:00+13:45');
  });

  it('round-trips every hour of a year with DST changes in several zones', () => {
    const zones = ['America/Los_Angeles', 'Europe/Berlin', 'Australia/Sydney', 'America/Santiago', 'UTC'];
    for (const zone of zones) {
      for (let hour = 0; hour < 366 * 24; hour += 7) {
        const instant = new Date(Date.UTC(2026, 0, 1) + hour * 3_600_000);
        expect(new Date(toZonedIso(instant, zone)).getTime()).toBe(instant.getTime());
      }
    }
  });

  it('crosses midnight into the next local day', () => {
    expect(toZonedIso(new Date('2026-12-31T23:30:00Z'), 'Australia/Sydney')).toBe('2027-01-01T10:30:00+11:00');
    expect(toZonedIso(new Date('2026-01-01T07:59:59Z'), 'America/Los_Angeles')).toBe('2025-12-31T23:59:59-08:00');
  });
});

describe('startOfDayIn', () => {
  it('is local midnight in the zone, on either side of a change of offset', () => {
    expect(startOfDayIn('2026-05-30', 'America/Los_Angeles').toISOString()).toBe('2026-05-30T07:00:00.000Z');
    expect(startOfDayIn('2026-01-15', 'America/Los_Angeles').toISOString()).toBe('2026-01-15T08:00:00.000Z');
    // Clocks go forward at 02:00 on 8 March 2026 and back on 1 November.
    expect(startOfDayIn('2026-03-08', 'America/Los_Angeles').toISOString()).toBe('2026-03-08T08:00:00.000Z');
    expect(startOfDayIn('2026-03-09', 'America/Los_Angeles').toISOString()).toBe('2026-03-09T07:00:00.000Z');
    expect(startOfDayIn('2026-11-01', 'America/Los_Angeles').toISOString()).toBe('2026-11-01T07:00:00.000Z');
    expect(startOfDayIn('2026-05-30', 'Asia/Kolkata').toISOString()).toBe('2026-05-29T18:30:00.000Z');
  });

  it('moves on by whole days for the end of a day', () => {
    expect(startOfDayIn('2026-05-31', 'America/Los_Angeles', 1).toISOString()).toBe('2026-06-01T07:00:00.000Z');
    expect(startOfDayIn('2026-12-31', 'UTC', 1).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('short dates for lists, subjects and stamps', () => {
  const now = new Date('2026-05-01T12:00:00Z');

  it('name the zone always, and leave out the year of the current one', () => {
    expect(formatCharterStart(new Date('2026-05-30T17:00:00Z'), 'America/Los_Angeles', now)).toMatch(/^Sat, May 30, 10:00\sAM PDT$/);
    expect(formatCharterStart(new Date('2026-12-05T09:00:00Z'), 'Europe/Berlin', now)).toMatch(/^Sat, Dec 5, 10:00\sAM GMT\+1$/);
  });

  it('name the year of a date in another year, before or after', () => {
    expect(formatCharterStart(new Date('2027-01-15T18:00:00Z'), 'America/Los_Angeles', now)).toMatch(/^Fri, Jan 15, 2027, 10:00\sAM PST$/);
    expect(formatCharterStart(new Date('2025-12-31T18:00:00Z'), 'America/Los_Angeles', now)).toMatch(/^Wed, Dec 31, 2025, 10:00\sAM PST$/);
  });

  it("take the current year in the date's own zone", () => {
    // 2027-01-01 01:00 in Sydney is still 2026 in UTC and in Los Angeles.
    const newYearInSydney = new Date('2026-12-31T14:00:00Z');
    expect(formatCharterStart(new Date('2027-01-10T23:00:00Z'), 'Australia/Sydney', newYearInSydney)).toMatch(
      /^Mon, Jan 11, 10:00\sAM GMT\+11$/,
    );
    expect(formatCharterStart(new Date('2027-01-10T18:00:00Z'), 'America/Los_Angeles', newYearInSydney)).toMatch(
      /^Sun, Jan 10, 2027, 10:00\sAM PST$/,
    );
  });
});

describe('charter times', () => {
  it('carry the year and the zone', () => {
    const text = formatCharterTime(new Date('2026-05-30T17:00:00Z'), new Date('2026-05-30T20:00:00Z'), 'America/Los_Angeles');
    expect(text).toMatch(/^Saturday, May 30, 2026, 10:00\sAM\s–\s1:00\sPM PDT$/);
  });
});

describe('instantOfWallTime: a date and a time entered for a vessel, read in its zone', () => {
  it('reads the wall time in the zone, whatever the offset that day', () => {
    expect(instantOfWallTime('2026-05-30', '10:00', 'America/Los_Angeles')?.toISOString()).toBe('2026-05-30T17:00:00.000Z');
    expect(instantOfWallTime('2026-01-15', '10:00', 'America/Los_Angeles')?.toISOString()).toBe('2026-01-15T18:00:00.000Z');
    expect(instantOfWallTime('2026-07-01', '09:30', 'Europe/Lisbon')?.toISOString()).toBe('2026-07-01T08:30:00.000Z');
    expect(instantOfWallTime('2026-12-01', '09:30', 'Europe/Lisbon')?.toISOString()).toBe('2026-12-01T09:30:00.000Z');
    expect(instantOfWallTime('2026-05-30', '00:15', 'Asia/Kolkata')?.toISOString()).toBe('2026-05-29T18:45:00.000Z');
    expect(instantOfWallTime('2026-05-30', '10:00:30', 'UTC')?.toISOString()).toBe('2026-05-30T10:00:30.000Z');
  });

  it('is null for a time the clocks skip, and the first of a time they pass twice', () => {
    // Los Angeles: forward at 02:00 on 8 March 2026, back at 02:00 on 1 November.
    expect(instantOfWallTime('2026-03-08', '02:30', 'America/Los_Angeles')).toBeNull();
    expect(instantOfWallTime('2026-03-08', '01:59', 'America/Los_Angeles')?.toISOString()).toBe('2026-03-08T09:59:00.000Z');
    expect(instantOfWallTime('2026-03-08', '03:00', 'America/Los_Angeles')?.toISOString()).toBe('2026-03-08T10:00:00.000Z');
    expect(instantOfWallTime('2026-11-01', '01:30', 'America/Los_Angeles')?.toISOString()).toBe('2026-11-01T08:30:00.000Z');
    // Lisbon: forward at 01:00 on 29 March 2026.
    expect(instantOfWallTime('2026-03-29', '01:30', 'Europe/Lisbon')).toBeNull();
    expect(instantOfWallTime('2026-03-29', '02:00', 'Europe/Lisbon')?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });
});
