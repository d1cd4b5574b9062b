/** The generated VTIMEZONE converts like the platform's zone data, read back with ical.js. */
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { toZonedIso } from '../../src/domain/time';
import { offsetTransitions, vtimezone } from '../../src/domain/vtimezone';

const FROM = new Date('2026-01-01T00:00:00Z');
const TO = new Date('2028-01-01T00:00:00Z');

describe('vtimezone', () => {
  it.each(['America/Los_Angeles', 'Europe/London', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'])(
    '%s: local times across two years mean the same instants as Intl says',
    (zone) => {
      const text = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n${vtimezone(zone, FROM, TO)}\r\nEND:VCALENDAR`;
      const component = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vtimezone');
      if (!component) throw new Error('no VTIMEZONE');
      const tz = new ICAL.Timezone(component);
      expect(tz.tzid).toBe(zone);
      const changes = offsetTransitions(zone, FROM, TO).map((c) => c.at.getTime());
      let checked = 0;
      for (let t = FROM.getTime(); t < TO.getTime(); t += 3_600_000 * 5) {
        // A wall-clock time within hours of a change can be missing or twice; calendars pick one.
        if (changes.some((c) => Math.abs(c - t) < 3 * 3_600_000)) continue;
        const instant = new Date(t);
        // What a calendar does with `DTSTART;TZID=zone:local time` from the feed.
        const local = ICAL.Time.fromDateTimeString(toZonedIso(instant, zone).slice(0, 19));
        local.zone = tz;
        expect(`${local.toString()} ${local.toJSDate().toISOString()}`).toBe(`${local.toString()} ${instant.toISOString()}`);
        checked++;
      }
      expect(checked).toBeGreaterThan(3000);
    },
  );

  it('finds the two US changes of 2026 at 02:00 local time', () => {
    const changes = offsetTransitions('America/Los_Angeles', FROM, new Date('2027-01-01T00:00:00Z'));
    expect(changes.map((c) => [c.at.toISOString(), c.from, c.to])).toEqual([
      ['2026-03-08T10:00:00.000Z', -480, -420],
      ['2026-11-01T09:00:00.000Z', -420, -480],
    ]);
  });
});
