/**
 * The one definition of a guest site's layout: from it come the object keys, the public paths and
 * the links in mail. Nothing else in Bosun spells `/g/` or `.html` (the system Bosun replaces broke
 * because its uploader and its CDN rewrite disagreed on this).
 */

/** The object key of a booking's guest page in the site's bucket. */
export function guestPageKey(bookingId: string): string {
  return `g/${bookingId.toLowerCase()}.html`;
}

/** The canonical public path of a booking's guest page. */
export function guestPagePath(bookingId: string): string {
  return `/g/${bookingId.toUpperCase()}`;
}

/** The origin guests reach a site at: https behind a CDN, the local edge's port otherwise. */
export function siteOrigin(domain: string, edge: { https: boolean; port?: number | undefined }): string {
  if (edge.https) return `https://${domain}`;
  return `http://${domain}${edge.port && edge.port !== 80 ? `:${edge.port}` : ''}`;
}

export function guestPageUrl(origin: string, bookingId: string): string {
  return `${origin}${guestPagePath(bookingId)}`;
}
