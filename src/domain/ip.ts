/**
 * IP address text, parsed without I/O: an IPv4 address as four decimal numbers, an IPv6 address in any
 * of its spellings, an IPv4 address mapped into IPv6 read as that IPv4 address, and which addresses are
 * this machine's loopback. The one place Bosun reads addresses: rate limits, the Lambda client address,
 * reserved guest hosts and where doctor may send a key all use it.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const GROUP = /^[0-9a-f]{1,4}$/;

/** True for an IPv4 address written as four decimal numbers (`192.0.2.1`; not `127.1` nor `0x7f.1`). */
export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

/** The eight 16-bit groups of an IPv6 address (compressed, full, bracketed, a zone id, a dotted tail); null when it is none. */
export function ipv6Groups(address: string): number[] | null {
  const text = address.toLowerCase();
  let rest = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = rest.indexOf('%');
  if (zone !== -1) {
    if (!/^[0-9a-z._~-]+$/.test(rest.slice(zone + 1))) return null;
    rest = rest.slice(0, zone);
  }
  const tail: number[] = [];
  const lastColon = rest.lastIndexOf(':');
  if (lastColon !== -1 && rest.slice(lastColon + 1).includes('.')) {
    const dotted = rest.slice(lastColon + 1);
    if (!IPV4.test(dotted)) return null;
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    // `::1.2.3.4` keeps its double colon; `1::2:1.2.3.4` its last group.
    rest = rest.slice(0, rest.endsWith(`::${dotted}`) ? lastColon + 1 : lastColon);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0] ?? '');
  const back = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (![...head, ...back].every((g) => GROUP.test(g))) return null;
  const written = head.length + back.length + tail.length;
  if (halves.length === 1 ? written !== 8 : written > 7) return null;
  const zeros = new Array<number>(8 - written).fill(0);
  return [...head.map(hex), ...(halves.length === 2 ? zeros : []), ...back.map(hex), ...tail];
}

/** The IPv4 address that the IPv6 address `groups` maps (`::ffff:a.b.c.d`, however spelt); null when it maps none. */
export function mappedIpv4(groups: readonly number[]): string | null {
  if (!(groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)) return null;
  const [hi = 0, lo = 0] = groups.slice(6);
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

/**
 * One spelling per address: trimmed, lower case, and an IPv4 address mapped into IPv6 (`::ffff:192.0.2.1`,
 * `::ffff:c000:201`, bracketed or not) as the IPv4 address. Other text is returned trimmed and lower case.
 */
export function canonicalAddress(address: string): string {
  const text = address.trim().toLowerCase();
  if (IPV4.test(text)) return text;
  const groups = ipv6Groups(text);
  return (groups && mappedIpv4(groups)) ?? text;
}

/**
 * True for a literal loopback address: 127.0.0.0/8 as four decimal numbers, `::1`, and 127.0.0.0/8
 * mapped into IPv6 (bracketed or not). Names are not addresses: whatever a resolver answers for them
 * is up to the resolver.
 */
export function isLoopbackAddress(address: string): boolean {
  const text = canonicalAddress(address);
  if (IPV4.test(text)) return text.startsWith('127.');
  const groups = ipv6Groups(text);
  if (!groups) return false;
  return groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

const hex = (group: string) => Number.parseInt(group, 16);
