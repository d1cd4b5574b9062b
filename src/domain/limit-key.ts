/**
 * The key a client's address is counted under by failure limits and rate limits (ADR 0015, 0024): an
 * IPv4 address as it is; an IPv6 address by its /64, the least a network is given (a home, a phone, a
 * server each get a /64 or more), so that one client cannot spread its attempts over 2^64 addresses; an
 * IPv4 address mapped into IPv6 as the IPv4 address. Anything else (`unknown`) is its own key.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const GROUP = /^[0-9a-f]{1,4}$/;

/** `2001:db8:1:2::/64` for any address of that /64; `192.0.2.1` for it or `::ffff:192.0.2.1`. */
export function limitKeyOf(address: string): string {
  const text = address.trim().toLowerCase();
  if (IPV4.test(text)) return text;
  // A key already made is its own key.
  const prefix = /^(.+)\/64$/.exec(text)?.[1];
  const groups = ipv6Groups(prefix ?? text);
  if (!groups) return text;
  if (prefix !== undefined && groups.slice(4).some((g) => g !== 0)) return text;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return `${compress([...groups.slice(0, 4), 0, 0, 0, 0])}/64`;
}

/** The eight 16-bit groups of an IPv6 address (compressed, full, bracketed, a zone id, a dotted tail); null when it is none. */
export function ipv6Groups(text: string): number[] | null {
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

const hex = (group: string) => Number.parseInt(group, 16);

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
