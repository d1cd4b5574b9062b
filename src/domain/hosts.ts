/**
 * Host names a tenant's guest site may not take. The local edge answers a guest site's host before
 * the app does, so a guest domain equal to the installation's own host would swallow every sign-in
 * link, feed and API call of every tenant. Reserved:
 * - the host of `BOSUN_PUBLIC_URL` (the installation's own);
 * - `localhost` itself (this machine; the default public host). Names under it (`demo.localhost`)
 *   stay allowed: they resolve to this machine too and are how a laptop tries guest sites;
 * - IP addresses, v4 or v6, in any form a browser reads as one (`127.1`, `0x7f.1`, `2130706433`):
 *   a name whose last label is a number is an IPv4 address to a URL parser (WHATWG "ends in a number").
 * Names ending `.local` (mDNS) are allowed: a marina's LAN may well serve guests under one.
 * Another tenant's domain is refused by the database (sites' domains are unique).
 */

import { isLoopbackAddress } from './ip';

/** `host` as sites store it: lower case, without a trailing dot or port brackets. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

/** True for an IPv6 literal (with or without brackets) or anything a URL parser takes for IPv4. */
export function isIpAddress(host: string): boolean {
  const h = normalizeHost(host);
  if (h.includes(':') || h.startsWith('[')) return true;
  const last = h.split('.').at(-1) ?? '';
  return /^\d+$/.test(last) || /^0x[0-9a-f]*$/.test(last);
}

/**
 * Why `host` may not be a guest site's domain on an installation whose own host is `publicHost`,
 * or null when it may.
 */
export function reservedHostProblem(host: string, publicHost: string): string | null {
  const h = normalizeHost(host);
  if (h === normalizeHost(publicHost)) return `is this installation's own host (BOSUN_PUBLIC_URL); a guest site needs a host of its own`;
  if (h === 'localhost') return 'is reserved: localhost is this machine (a name under it, like guests.localhost, may be used)';
  if (isIpAddress(h)) return 'is an IP address; a guest site needs a host name like guests.example.com';
  return null;
}

/**
 * True for a host that is this machine whatever DNS says: a literal loopback address (127.0.0.0/8, `::1`,
 * 127.0.0.0/8 mapped into IPv6; bracketed or not) or exactly `localhost`, which the hosts file answers.
 * Not a name under it (`harbor.localhost`) nor `localhost.`: Node's resolver (getaddrinfo) sends those to
 * DNS, whose answer, or a search domain, could point anywhere.
 */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host);
}
