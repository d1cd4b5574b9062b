/**
 * The key a client's address is counted under by failure limits and rate limits (ADR 0015, 0024): an
 * IPv4 address as it is; an IPv6 address by its /64, the least a network is given (a home, a phone, a
 * server each get a /64 or more), so that one client cannot spread its attempts over 2^64 addresses; an
 * IPv4 address mapped into IPv6 as the IPv4 address. Anything else (`unknown`) is its own key.
 */

import { ipv6Groups, isIpv4, mappedIpv4 } from './ip';

/** `2001:db8:1:2::/64` for any address of that /64; `192.0.2.1` for it or `::ffff:192.0.2.1`. */
export function limitKeyOf(address: string): string {
  const text = address.trim().toLowerCase();
  if (isIpv4(text)) return text;
  // A key already made is its own key.
  const prefix = /^(.+)\/64$/.exec(text)?.[1];
  const groups = ipv6Groups(prefix ?? text);
  if (!groups) return text;
  if (prefix !== undefined && groups.slice(4).some((g) => g !== 0)) return text;
  return mappedIpv4(groups) ?? `${compress([...groups.slice(0, 4), 0, 0, 0, 0])}/64`;
}

/** RFC 5952's spelling: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function compress(groups: number[]): string {
  let best = { at: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j;
  }
  const text = groups.map((g) => g.toString(16));
  if (best.length < 2) return text.join(':');
  return `${text.slice(0, best.at).join(':')}::${text.slice(best.at + best.length).join(':')}`;
}
