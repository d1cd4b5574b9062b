/**
 * The one definition of a guest site's layout: from it come the object keys, the public paths, the
 * paths to invalidate, the links in mail and the edge function's rewrite. Nothing else in Bosun
 * spells `/g/` or `.html` (the system Bosun replaces broke because its uploader and its CDN rewrite
 * disagreed on this).
 */
import { BOOKING_ID_PATTERN } from '../domain/ids';

const PAGE_DIR = 'g';
const PAGE_EXT = '.html';
const CALENDAR_EXT = '.ics';

/** The object key of each site's not-found page, served with status 404 for any unknown path. */
export const NOT_FOUND_KEY = `404${PAGE_EXT}`;

/** A friendly slug as it appears in a public path: `/{slug}` (2–63 lower-case letters, digits, dashes). */
export const FRIENDLY_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * Guest pages and calendars change in place at the same URL, so edges may keep them until they are
 * invalidated, and browsers must revalidate each time (cheap: the ETag answers 304). ADR 0006.
 */
export const SITE_CACHE_CONTROL = 'public, max-age=0, s-maxage=31536000, must-revalidate';
export const PAGE_CONTENT_TYPE = 'text/html; charset=utf-8';

/**
 * The security headers of every answer of a guest site (pages, calendars, redirects, errors): the
 * local edge adds them; behind CloudFront a response headers policy must carry the same set. A page
 * needs only its inline style sheet and images from the site itself or inline (`data:`): a logo is
 * never fetched from another host. It runs no script, posts no form and is never framed. Booking ids
 * are in the paths, so no Referer leaves the site.
 */
export const GUEST_SITE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
});
export const CALENDAR_CONTENT_TYPE = 'text/calendar; charset=utf-8';

/** The bucket of a site in the object store: named after its domain. */
export function siteBucket(domain: string): string {
  return domain.toLowerCase();
}

/**
 * The distribution tenant parameter that carries a site's prefix in the bucket: the multi-tenant
 * distribution's origin path is `/{{sitePrefix}}`, so each tenant reads only its own site's objects
 * (ADR 0027). Its value is the site's bucket under the object store's prefix, without a leading slash.
 */
export const SITE_PREFIX_PARAMETER = 'sitePrefix';

/** The value of a site's `sitePrefix` parameter: `{prefix}/{bucket}` (or the bucket alone without a prefix). */
export function sitePrefix(domain: string, storePrefix = ''): string {
  const prefix = storePrefix.replace(/^\/+|\/+$/g, '');
  return prefix ? `${prefix}/${siteBucket(domain)}` : siteBucket(domain);
}

/**
 * The key of a friendly slug in the one KeyValueStore that every site of a multi-tenant distribution
 * shares: `{domain}/{slug}`, so one site's slug never answers on another's host. A site with a store of
 * its own (a distribution per site) keys it by the slug alone (ADR 0008, 0027).
 */
export function sharedSlugKey(domain: string, slug: string): string {
  return `${siteBucket(domain)}/${slug}`;
}

/** The object key of a booking's guest page in the site's bucket. */
export function guestPageKey(bookingId: string): string {
  return `${PAGE_DIR}/${bookingId.toLowerCase()}${PAGE_EXT}`;
}

/** The object key of a booking's calendar file (`.ics`), stored beside its page. */
export function guestCalendarKey(bookingId: string): string {
  return `${PAGE_DIR}/${bookingId.toLowerCase()}${CALENDAR_EXT}`;
}

/** The path at which the origin (bucket) serves an object: `/` and its key. */
export function objectPath(key: string): string {
  return `/${key}`;
}

/** The canonical public path of a booking's guest page. */
export function guestPagePath(bookingId: string): string {
  return `/${PAGE_DIR}/${bookingId.toUpperCase()}`;
}

/** The public path of a booking's calendar file. */
export function guestCalendarPath(bookingId: string): string {
  return objectPath(guestCalendarKey(bookingId));
}

/** The public path of a friendly slug, answered with a redirect to the page. */
export function friendlySlugPath(slug: string): string {
  return `/${slug}`;
}

/**
 * Every public path that reaches a booking's page: the id in upper and lower case, with a trailing
 * slash, and each friendly slug (a redirect). The edge function rewrites the first three to the key.
 */
export function guestPagePublicPaths(bookingId: string, friendlySlugs: readonly string[] = []): string[] {
  const upper = guestPagePath(bookingId);
  const lower = `/${PAGE_DIR}/${bookingId.toLowerCase()}`;
  return [upper, lower, `${upper}/`, ...friendlySlugs.map(friendlySlugPath)];
}

/**
 * The paths to drop from edge caches after a booking's page changed: the objects' own paths (what
 * the edge caches after its rewrite) and the viewer paths most often requested (ADR 0009).
 */
export function guestPageInvalidationPaths(bookingId: string): string[] {
  return [
    ...new Set([
      objectPath(guestPageKey(bookingId)),
      objectPath(guestCalendarKey(bookingId)),
      guestPagePath(bookingId),
      `/${PAGE_DIR}/${bookingId.toLowerCase()}`,
    ]),
  ];
}

/** The origin guests reach a site at: https behind a CDN, the local edge's port otherwise. */
export function siteOrigin(domain: string, edge: { https: boolean; port?: number | undefined }): string {
  if (edge.https) return `https://${domain}`;
  return `http://${domain}${edge.port && edge.port !== 80 ? `:${edge.port}` : ''}`;
}

export function guestPageUrl(origin: string, bookingId: string): string {
  return `${origin}${guestPagePath(bookingId)}`;
}

/** The links to a booking's guest site, as mail and other channels print them. */
export function guestPageLinks(origin: string, bookingId: string): { page: string; calendar: string } {
  return { page: guestPageUrl(origin, bookingId), calendar: `${origin}${guestCalendarPath(bookingId)}` };
}

/**
 * What the edge function is generated from: the page prefix and suffix and the patterns of ids and
 * slugs, as regular-expression sources. Ids match in any case and are stored in lower case.
 */
export const EDGE_LAYOUT = {
  pagePrefix: `/${PAGE_DIR}/`,
  pageSuffix: PAGE_EXT,
  idPattern: BOOKING_ID_PATTERN.source,
  slugPattern: FRIENDLY_SLUG_PATTERN.source,
} as const;
