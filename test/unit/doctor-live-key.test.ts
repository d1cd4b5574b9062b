/**
 * `doctor --live` sends its service key only where nobody between can read it: to an https:// address
 * (the certificate is checked against the URL's host, wherever --connect-to points), or over http:// to
 * this machine. Anything else is refused while the arguments are parsed, before any request, in one line
 * that does not hold the key.
 */
import { describe, expect, it } from 'vitest';
import { parseDoctorArgs } from '../../src/cli/commands';
import { ValidationError } from '../../src/services/errors';

const KEY = 'bsk_AbCdEfGh12345678_secretpart';

function refusal(args: Record<string, unknown>): string {
  try {
    parseDoctorArgs(args);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    expect(JSON.stringify(e.errors) + e.message).not.toContain(KEY);
    return (e.errors ?? []).map((f) => `${f.field} ${f.message}`).join('; ');
  }
  throw new Error(`${JSON.stringify(args)} was accepted`);
}

describe('doctor --live with a service key', () => {
  it.each([
    { live: 'https://charters.example.com' },
    { live: 'https://charters.example.com', connectTo: '203.0.113.9:443' },
    { live: 'https://charters.example.com', connectTo: 'd111111abcdef8.cloudfront.net:443' },
    { live: 'http://localhost:8080' },
    { live: 'http://LOCALHOST:8080' },
    { live: 'http://127.3.2.1:8080' },
    { live: 'http://[::ffff:127.0.0.1]:8080' },
    { live: 'http://harbor.localhost', connectTo: '127.0.0.1:8080' },
    { live: 'http://127.0.0.1:8080' },
    { live: 'http://[::1]:8080' },
    { live: 'http://harbor.example.com', connectTo: '127.0.0.1:8443' },
    { live: 'http://harbor.example.com', connectTo: '[::1]:8443' },
    { live: 'http://harbor.example.com', connectTo: 'localhost:8443' },
  ])('sends it to %j', (args) => {
    expect(parseDoctorArgs({ ...args, serviceKey: KEY }).serviceKey).toBe(KEY);
  });

  it.each([
    { live: 'http://charters.example.com' },
    { live: 'http://203.0.113.9' },
    { live: 'http://harbor.localhost', connectTo: '203.0.113.9:80' },
    { live: 'http://harbor.localhost', connectTo: 'evil.example:80' },
    { live: 'http://127.0.0.1', connectTo: '10.0.0.5:80' },
    { live: 'http://localhost', connectTo: '[2001:db8::1]:80' },
    { live: 'http://harbor.example.com', connectTo: 'localhost.example.com:80' },
    // Names under localhost, and localhost with a trailing dot, go to DNS from Node's resolver.
    { live: 'http://harbor.localhost' },
    { live: 'http://a.localhost:8080' },
    { live: 'http://localhost.:8080' },
    { live: 'http://harbor.example.com', connectTo: 'harbor.localhost:8080' },
    { live: 'http://harbor.example.com', connectTo: 'a.b.localhost:8080' },
    { live: 'http://harbor.example.com', connectTo: '127.1:8080' },
    { live: 'http://harbor.example.com', connectTo: '[::ffff:10.0.0.1]:8080' },
  ])('refuses to send it to %j', (args) => {
    expect(refusal({ ...args, serviceKey: KEY })).toBe(
      '--service-key is sent only to an https:// address, or over http:// to this machine (the URL or --connect-to a loopback address)',
    );
  });

  // zod runs the check of where the key may go after a field's own check failed: each of these is the
  // field's own one-line message, never a TypeError from reading a value that did not parse.
  it.each([
    [{ live: 'charters.example.com' }, "--live must be a guest site's address, like https://charters.example.com (no path)"],
    [{ live: 'not a url' }, "--live must be a guest site's address, like https://charters.example.com (no path)"],
    [{ live: 'http://' }, "--live must be a guest site's address, like https://charters.example.com (no path)"],
    [{ live: 'ftp://harbor.localhost' }, "--live must be a guest site's address, like https://charters.example.com (no path)"],
    [{ live: 'http://harbor.example.com/g/ABC' }, "--live must be a guest site's address, like https://charters.example.com (no path)"],
    [{ live: 'http://harbor.example.com', connectTo: 'foo' }, '--connect-to must be HOST:PORT, like 127.0.0.1:8443'],
    [{ live: 'http://harbor.example.com', connectTo: '' }, '--connect-to must be HOST:PORT, like 127.0.0.1:8443'],
    [{ live: 'http://harbor.example.com', connectTo: 'localhost.:80' }, '--connect-to must be HOST:PORT, like 127.0.0.1:8443'],
    [{ live: 'http://harbor.example.com', connectTo: '[::1:80' }, '--connect-to must be HOST:PORT, like 127.0.0.1:8443'],
    [{ live: 'http://harbor.example.com', connectTo: '127.0.0.1:0' }, '--connect-to must name a port between 1 and 65535'],
    [{ live: 'http://harbor.example.com', connectTo: '127.0.0.1:65536' }, '--connect-to must name a port between 1 and 65535'],
    [{ live: 'http://harbor.example.com', connectTo: '127.0.0.1:99999' }, '--connect-to must name a port between 1 and 65535'],
    [
      { live: 'charters.example.com', connectTo: 'foo' },
      "--live must be a guest site's address, like https://charters.example.com (no path); --connect-to must be HOST:PORT, like 127.0.0.1:8443",
    ],
    [{ connectTo: '127.0.0.1:0' }, '--connect-to must name a port between 1 and 65535; --service-key is used with --live only'],
  ])('refuses %j with its own message', (args, message) => {
    expect(refusal({ ...args, serviceKey: KEY })).toBe(message);
  });

  it('checks the site over http:// without a key, wherever it is', () => {
    expect(parseDoctorArgs({ live: 'http://charters.example.com', connectTo: '203.0.113.9:80' }).live).toBe('http://charters.example.com');
  });
});
