/**
 * The key a limit counts a client under: IPv4 as it is, IPv6 by its /64 in one spelling whatever the
 * form it came in, an IPv4 address mapped into IPv6 as the IPv4 address, and anything that is no
 * address as itself (it never becomes some other client's key). Also which hosts are this machine,
 * for `doctor --live`'s service key.
 */
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/domain/hosts';
import { limitKeyOf } from '../../src/domain/limit-key';

describe('limitKeyOf', () => {
  it.each([
    // IPv4 stays itself.
    ['192.0.2.1', '192.0.2.1'],
    ['203.0.113.255', '203.0.113.255'],
    [' 198.51.100.7 ', '198.51.100.7'],
    // IPv6, compressed: its /64.
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8::/64'],
    ['2001:DB8:0:0:FFFF::', '2001:db8::/64'],
    // Full, with leading zeros.
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::/64'],
    ['2001:0db8:0001:0002:0003:0004:0005:0006', '2001:db8:1:2::/64'],
    // Zero runs: the longest of two or more becomes `::`.
    ['2001:0:0:1:2:3:4:5', '2001:0:0:1::/64'],
    ['0:0:0:0:0:0:0:1', '::/64'],
    ['::1', '::/64'],
    ['::', '::/64'],
    ['fe80::1', 'fe80::/64'],
    // A zone id, bracketed.
    ['fe80::1%eth0', 'fe80::/64'],
    ['fe80::abcd%25', 'fe80::/64'],
    ['[2001:db8:1:2::9]', '2001:db8:1:2::/64'],
    // IPv4 mapped into IPv6, dotted or in hex: the IPv4 address.
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:203.0.113.9', '203.0.113.9'],
    ['0:0:0:0:0:ffff:198.51.100.1', '198.51.100.1'],
    ['::ffff:c000:0201', '192.0.2.1'],
    ['[::ffff:192.0.2.1]', '192.0.2.1'],
    // Other dotted tails stay IPv6.
    ['64:ff9b::192.0.2.1', '64:ff9b::/64'],
    ['2001:db8:1:2:3:4:192.0.2.1', '2001:db8:1:2::/64'],
    // A key made already is its own key.
    ['2001:db8:1:2::/64', '2001:db8:1:2::/64'],
    ['::/64', '::/64'],
  ])('counts %j as %j', (address, key) => {
    expect(limitKeyOf(address)).toBe(key);
  });

  it('counts every address of one /64 alike, and the next /64 apart', () => {
    const keys = new Set(
      ['2001:db8:5:6::1', '2001:db8:5:6:ffff:ffff:ffff:ffff', '2001:0db8:0005:0006:1234:5678:9abc:def0', '2001:db8:5:6::1%en0'].map(
        limitKeyOf,
      ),
    );
    expect([...keys]).toEqual(['2001:db8:5:6::/64']);
    expect(limitKeyOf('2001:db8:5:7::1')).not.toBe('2001:db8:5:6::/64');
  });

  it.each([
    '',
    'unknown',
    'example.com',
    '192.0.2',
    '192.0.2.256',
    '192.0.2.01',
    '1.2.3.4.5',
    '2001:db8::1::2',
    '2001:db8:1:2:3:4:5:6:7',
    '2001:db8:1:2:3:4:5',
    '2001:db8:12345::1',
    ':1::',
    '1:',
    'g::1',
    '::ffff:192.0.2',
    '::ffff:192.0.2.300',
    'fe80::1%',
    'fe80::1%eth 0',
    '2001:db8::1/64',
    '2001:db8:1:2:3::/64',
    '[2001:db8::1',
  ])('keeps %j, which is no address, as itself', (text) => {
    expect(limitKeyOf(text)).toBe(text.trim().toLowerCase());
  });
});

describe('isLoopbackHost', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    '127.0.0.1',
    '127.1.2.3',
    '127.255.255.255',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    '[::ffff:127.0.0.1]',
    '::ffff:7f00:1',
    '[::FFFF:7F00:1]',
  ])('takes %j for this machine', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    'example.com',
    // Names Node's resolver sends to DNS: whatever DNS or a search domain answers, not this machine.
    'harbor.localhost',
    'a.localhost',
    'localhost.',
    'localhost..',
    ' localhost',
    'localhost.example.com',
    'mylocalhost',
    '128.0.0.1',
    '10.0.0.1',
    '192.0.2.1',
    '::2',
    '::',
    '1::1',
    '::ffff:10.0.0.1',
    '127.0.0',
    // Shorthand IPv4 a resolver may or may not read as an address: refused rather than guessed.
    '127.1',
    '127.0.0.256',
    '0127.0.0.1',
    '2130706433',
    '::ffff:a00:1',
    '0x7f.1',
  ])('does not take %j for this machine', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
