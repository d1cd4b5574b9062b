/** Time-zone helpers over the platform's Intl data: no I/O. */

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** ISO 8601 with an explicit offset (`Z` or `±hh:mm`), as the API requires. */
export const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A calendar day, `2026-05-30`. */
export const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

// Making an Intl.DateTimeFormat costs far more than formatting with one (about a tenth of a booking
// create's CPU when made per call); they are immutable, so one per zone is kept. Zones are IANA names.
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const localFormats = new Map<string, Intl.DateTimeFormat>();

function formatFor(cache: Map<string, Intl.DateTimeFormat>, zone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let format = cache.get(zone);
  if (!format) {
    format = make();
    cache.set(zone, format);
  }
  return format;
}

/** The offset of `zone` at `instant`, formatted `+hh:mm`. */
export function offsetOf(instant: Date, zone: string): string {
  const part = formatFor(offsetFormats, zone, () => new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }))
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-]\d{2}):?(\d{2})?/.exec(part ?? '');
  if (!match) return '+00:00';
  return `${match[1]}:${match[2] ?? '00'}`;
}

/** `instant` as ISO 8601 local time in `zone` with that zone's offset, e.g. `2026-05-30T10:00:00-07:00`. */
export function toZonedIso(instant: Date, zone: string): string {
  const format = formatFor(
    localFormats,
    zone,
    () =>
      new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      }),
  );
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of format.formatToParts(instant)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
    else if (part.type === 'second') second = Number(part.value);
  }
  // The offset is how far the wall clock is ahead of UTC (asking Intl for it costs a second format).
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years below 100 as 19xx
  wall.setUTCHours(hour, minute, second);
  const offsetMinutes = Math.trunc((wall.getTime() - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * A charter's date and time as a person reads it, in the vessel's `zone`, e.g.
 * `Saturday, May 30, 2026, 10:00 AM – 1:00 PM PDT` (crew pages and crew mail).
 */
export function formatCharterTime(startsAt: Date, endsAt: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).formatRange(startsAt, endsAt);
}

const instantFormats = new Map<string, Intl.DateTimeFormat>();

/** An instant as a person reads it in `zone`, with the year and the zone: `Thu, May 28, 2026, 10:00 AM PDT`. */
export function formatInstant(instant: Date, zone: string): string {
  return formatFor(
    instantFormats,
    zone,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'short',
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZoneName: 'short',
      }),
  ).format(instant);
}

const startFormats = new Map<string, Intl.DateTimeFormat>();
const yearFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar year of `instant` in `zone`. */
function yearIn(instant: Date, zone: string): string {
  return formatFor(yearFormats, zone, () => new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric' })).format(instant);
}

/**
 * A short date and time in `zone` for subjects, lists and stamps, the zone always named and the year
 * named when it is not the current one (as `now` is in that zone): `Sat, May 30, 10:00 AM PDT`,
 * `Sat, Jan 2, 2027, 10:00 AM PST`.
 */
export function formatCharterStart(startsAt: Date, zone: string, now: Date): string {
  const withYear = yearIn(startsAt, zone) !== yearIn(now, zone);
  return formatFor(
    startFormats,
    `${zone} ${withYear ? 'year' : ''}`,
    () =>
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'short',
        month: 'short',
        day: 'numeric',
        ...(withYear ? { year: 'numeric' } : {}),
        hour: 'numeric',
        minute: '2-digit',
        timeZoneName: 'short',
      }),
  ).format(startsAt);
}

/**
 * The instant a calendar day (`2026-05-30`) begins in `zone`: its local midnight, or the first
 * instant of the day where a clock change skips midnight. `laterDays` moves on by whole days first
 * (1: the instant the day ends).
 */
export function startOfDayIn(day: string, zone: string, laterDays = 0): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const midnight = new Date(0);
  // setUTCFullYear takes years below 100 as written (Date.UTC would read 0026 as 1926).
  midnight.setUTCFullYear(year, month - 1, date + laterDays);
  const utcMidnight = midnight.getTime();
  const offsetMs = (at: number) => {
    const offset = offsetOf(new Date(at), zone);
    const sign = offset.startsWith('-') ? -1 : 1;
    return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  };
  // The offset at the first guess may differ from the offset at local midnight across a change: look twice.
  const guess = utcMidnight - offsetMs(utcMidnight);
  return new Date(utcMidnight - offsetMs(guess));
}

/** A wall-clock time, `10:00` (seconds allowed, as some browsers send them from `<input type="time">`). */
export const TIME_ONLY = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;

/**
 * The instant a wall-clock `time` on `day` reads in `zone`, as a person enters it in a form. A time the
 * clocks skip (02:30 when they go forward at 02:00) is none: `null`, for the caller to refuse rather
 * than guess. A time the clocks pass twice (01:30 when they go back at 02:00) is its first occurrence,
 * the one before the change.
 */
export function instantOfWallTime(day: string, time: string, zone: string): Date | null {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const [hour, minute, second = 0] = time.split(':').map(Number) as [number, number, number?];
  const wall = new Date(0);
  // setUTCFullYear takes years below 100 as written (Date.UTC would read 0026 as 1926).
  wall.setUTCFullYear(year, month - 1, date);
  wall.setUTCHours(hour, minute, second);
  const wallMs = wall.getTime();
  const offsetMs = (at: number) => {
    const offset = offsetOf(new Date(at), zone);
    const sign = offset.startsWith('-') ? -1 : 1;
    return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  };
  // No zone changes its offset twice within a day: the offsets half a day either side are the candidates.
  const candidates = [...new Set([offsetMs(wallMs - 43_200_000), offsetMs(wallMs + 43_200_000)])]
    .map((offset) => wallMs - offset)
    .filter((at) => toZonedIso(new Date(at), zone).slice(0, 19) === `${day}T${pad(hour)}:${pad(minute)}:${pad(second)}`)
    .sort((a, b) => a - b);
  return candidates[0] === undefined ? null : new Date(candidates[0]);
}

const rangeFormats = new Map<string, Intl.DateTimeFormat>();

/** A charter's hours in `zone`, for a day's list: `10:00 AM – 1:00 PM PDT`. */
export function formatTimeRange(startsAt: Date, endsAt: Date, zone: string): string {
  return formatFor(
    rangeFormats,
    zone,
    () => new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }),
  ).formatRange(startsAt, endsAt);
}

/** The calendar day of `instant` in `zone`, `2026-05-30`. */
export function dayIn(instant: Date, zone: string): string {
  return toZonedIso(instant, zone).slice(0, 10);
}

const longDateFormats = new Map<string, Intl.DateTimeFormat>();
const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of `instant` in `zone`, written out: `Saturday, May 30, 2026`. */
export function formatLongDate(instant: Date, zone: string): string {
  return formatFor(
    longDateFormats,
    zone,
    () => new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }),
  ).format(instant);
}

/** The wall-clock time of `instant` in `zone`, without the zone: `10:00 AM`. */
export function formatClockTime(instant: Date, zone: string): string {
  return formatFor(
    clockFormats,
    zone,
    () => new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', minute: '2-digit' }),
  ).format(instant);
}
