/**
 * RFC 5545 VTIMEZONE components from the platform's time-zone data (Intl): one observance per offset
 * change in a window of time, so a calendar converts a feed's local times exactly as Bosun does. Pure.
 */
import { offsetOf } from './time';

const DAY_MS = 24 * 60 * 60 * 1000;

function offsetMinutes(instant: Date, zone: string): number {
  const [h, m] = offsetOf(instant, zone).split(':');
  const hours = Number(h);
  const minutes = Number(m ?? 0);
  return hours < 0 || h?.startsWith('-') ? hours * 60 - minutes : hours * 60 + minutes;
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** `+hhmm` / `-hhmm`, as TZOFFSETFROM and TZOFFSETTO want it. */
function utcOffset(minutes: number): string {
  return `${minutes < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(minutes) / 60))}${pad(Math.abs(minutes) % 60)}`;
}

/** The wall-clock time of `instant` at `offset` minutes east of UTC, as a local DATE-TIME. */
function localDateTime(instant: Date, offset: number): string {
  const d = new Date(instant.getTime() + offset * 60_000);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

function abbreviation(instant: Date, zone: string): string {
  return (
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' })
      .formatToParts(instant)
      .find((p) => p.type === 'timeZoneName')?.value ?? ''
  );
}

/** The instants in [from, to] at which `zone` changes its offset. */
export function offsetTransitions(zone: string, from: Date, to: Date): { at: Date; from: number; to: number }[] {
  const out: { at: Date; from: number; to: number }[] = [];
  let t = from.getTime();
  let before = offsetMinutes(from, zone);
  while (t < to.getTime()) {
    const next = Math.min(t + DAY_MS, to.getTime());
    const after = offsetMinutes(new Date(next), zone);
    if (after !== before) {
      // Narrow the change down to the millisecond.
      let lo = t;
      let hi = next;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetMinutes(new Date(mid), zone) === before) lo = mid;
        else hi = mid;
      }
      out.push({ at: new Date(hi), from: before, to: after });
      before = after;
    }
    t = next;
  }
  return out;
}

/** A VTIMEZONE for `zone` valid over [from, to] (CRLF lines, no trailing line break). */
export function vtimezone(zone: string, from: Date, to: Date): string {
  const start = offsetMinutes(from, zone);
  const transitions = offsetTransitions(zone, from, to);
  const standard = Math.min(start, ...transitions.map((x) => x.to));
  const observance = (at: Date | null, fromOffset: number, toOffset: number) => {
    const kind = toOffset > standard ? 'DAYLIGHT' : 'STANDARD';
    return [
      `BEGIN:${kind}`,
      // The first observance reaches back to 1970, so a reader never finds a time before all of them.
      `DTSTART:${at ? localDateTime(at, fromOffset) : '19700101T000000'}`,
      `TZOFFSETFROM:${utcOffset(fromOffset)}`,
      `TZOFFSETTO:${utcOffset(toOffset)}`,
      `TZNAME:${abbreviation(at ?? from, zone)}`,
      `END:${kind}`,
    ];
  };
  return [
    'BEGIN:VTIMEZONE',
    `TZID:${zone}`,
    ...observance(null, start, start),
    ...transitions.flatMap((x) => observance(x.at, x.from, x.to)),
    'END:VTIMEZONE',
  ].join('\r\n');
}

/** The wall-clock fields of `instant` in `zone`. */
export function zonedFields(instant: Date, zone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  return parts;
}
