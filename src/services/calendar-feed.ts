/**
 * Pieces every calendar feed (RFC 5545) shares — the crew member's and the tenant's staff feed: a URL
 * token that names a tenant (and a member) and a generation, signed with HMAC-SHA256 under the signing
 * secret, so nothing secret is stored and a new generation ends every old URL (ADR 0013); zoned times
 * with a VTIMEZONE per zone; refresh hints; and an ETag over the body.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ICalTemporalZonedDateTimeStub } from 'ical-generator';
import { vtimezone, zonedFields } from '../domain/vtimezone';

export type FeedSettings = { publicUrl: string; secret: string };

const DAY_MS = 24 * 60 * 60 * 1000;
/** Charters that ended up to this long ago stay in a feed, so calendars keep recent history. */
export const FEED_HISTORY_MS = 30 * DAY_MS;
/** How often calendar apps are asked to refresh (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
export const REFRESH_SECONDS = 60 * 60;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

function uuidFrom(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function mac(secret: string, purpose: string, ids: readonly string[], generation: number): Buffer {
  return createHmac('sha256', secret)
    .update(`${purpose}:${ids.join(':')}:${generation}`)
    .digest();
}

/** A feed token: the ids (UUIDs), the generation and a MAC over them for `purpose` (`crew-feed`, `tenant-feed`). */
export function signFeedToken(secret: string, purpose: string, ids: readonly string[], generation: number): string {
  const packed = Buffer.concat(ids.map(uuidBytes)).toString('base64url');
  return `${packed}.${generation}.${mac(secret, purpose, ids, generation).toString('base64url')}`;
}

/**
 * The ids and generation a token carries for `purpose` when its MAC is right, or null (malformed,
 * forged, or signed for another purpose). Whether the generation is current is the caller's to check.
 */
export function verifyFeedToken(
  secret: string,
  purpose: string,
  idCount: number,
  token: string,
): { ids: string[]; generation: number } | null {
  const match = /^([A-Za-z0-9_-]{1,200})\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const packed = Buffer.from(match[1] ?? '', 'base64url');
  if (packed.length !== 16 * idCount || packed.toString('base64url') !== match[1]) return null;
  const ids = Array.from({ length: idCount }, (_, i) => uuidFrom(packed.subarray(16 * i, 16 * (i + 1))));
  if (!ids.every((id) => UUID.test(id))) return null;
  const generation = Number(match[2]);
  const presented = Buffer.from(match[3] ?? '', 'base64url');
  const expected = mac(secret, purpose, ids, generation);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
  return { ids, generation };
}

/** A zoned date-time in the shape ical-generator formats as `DTSTART;TZID=zone:local time`. */
export function zoned(instant: Date, zone: string): ICalTemporalZonedDateTimeStub {
  const f = zonedFields(instant, zone);
  const plain = {
    ...f,
    toJSON: () => instant.toISOString(),
    toString: () => instant.toISOString(),
    toPlainDate: () => ({ year: f.year, month: f.month, day: f.day, toJSON: () => '', toString: () => '' }),
    toZonedDateTime: () => zoned(instant, zone),
  };
  return {
    ...f,
    timeZoneId: zone,
    toInstant: () => ({
      epochMilliseconds: instant.getTime(),
      toJSON: () => instant.toISOString(),
      toString: () => instant.toISOString(),
      toZonedDateTimeISO: (z: string) => zoned(instant, z),
    }),
    toJSON: () => instant.toISOString(),
    toPlainDateTime: () => plain,
    toString: () => instant.toISOString(),
    withTimeZone: (z: string) => zoned(instant, z),
  };
}

/**
 * The VTIMEZONE generator for a feed's events: each zone's offsets from a week before the earliest
 * instant to a week after the latest (and around `now`).
 */
export function vtimezonesFor(instants: readonly number[], now: Date): (zone: string) => string {
  const from = new Date(Math.min(...instants, now.getTime()) - 7 * DAY_MS);
  const to = new Date(Math.max(...instants, now.getTime()) + 7 * DAY_MS);
  return (zone) => vtimezone(zone, from, to);
}

/** A strong ETag over a feed's body: unchanged data, unchanged tag. */
export function feedEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Whether an `If-None-Match` header names `etag` (weak or strong), so the answer is a 304. */
export function etagMatches(ifNoneMatch: string | undefined | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}
