/**
 * The client a rate limit counts on Lambda, from the API Gateway event: CloudFront's own
 * `CloudFront-Viewer-Address`, else the `X-Forwarded-For` hop CloudFront appended (read from the
 * right), else the gateway's peer. Nothing a client sends changes the address it is counted under.
 */
import { describe, expect, it } from 'vitest';
import { gatewaySourceAddress, lambdaClientAddress, viewerAddress } from '../../src/main/lambda-client-address';

const CLOUDFRONT_EDGE = '130.176.9.80';

/** An HTTP API (v2) event as it arrives behind CloudFront: headers in lower case. */
const v2 = (headers: Record<string, string>, sourceIp = CLOUDFRONT_EDGE) => ({
  version: '2.0',
  headers,
  requestContext: { http: { method: 'GET', path: '/api/v1/bookings', sourceIp } },
});

/** A REST API (v1) event: headers as sent, and every value of each in multiValueHeaders. */
const v1 = (headers: Record<string, string[]>, sourceIp = CLOUDFRONT_EDGE) => ({
  version: '1.0',
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v[v.length - 1]])),
  multiValueHeaders: headers,
  requestContext: { identity: { sourceIp } },
});

describe('CloudFront-Viewer-Address', () => {
  it.each([
    ['198.51.100.10:46532', '198.51.100.10'],
    ['2001:db8:85a3::8a2e:370:7334:46532', '2001:db8:85a3::8a2e:370:7334'],
    ['[2001:DB8::1]:443', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['203.0.113.7', '203.0.113.7'],
    [' 192.0.2.44:1 ', '192.0.2.44'],
  ])('reads %s as %s', (value, address) => {
    expect(viewerAddress(value)).toBe(address);
  });

  it.each(['', 'unknown', 'example.com:443', '999.1.1.1:80', '[not-an-ip]:80', '192.0.2.1:port'])('reads %j as no address', (value) => {
    expect(viewerAddress(value)).toBeNull();
  });

  it('is preferred to X-Forwarded-For and the peer, in either version', () => {
    const headers = { 'cloudfront-viewer-address': '198.51.100.10:46532', 'x-forwarded-for': `203.0.113.9, ${CLOUDFRONT_EDGE}` };
    expect(lambdaClientAddress(v2(headers))).toBe('198.51.100.10');
    expect(
      lambdaClientAddress(
        v1({ 'CloudFront-Viewer-Address': ['198.51.100.10:46532'], 'X-Forwarded-For': [`203.0.113.9, ${CLOUDFRONT_EDGE}`] }),
      ),
    ).toBe('198.51.100.10');
  });

  it('that is not an address is passed over for X-Forwarded-For', () => {
    const headers = { 'cloudfront-viewer-address': 'garbage', 'x-forwarded-for': `203.0.113.9, ${CLOUDFRONT_EDGE}` };
    expect(lambdaClientAddress(v2(headers))).toBe('203.0.113.9');
  });
});

describe('X-Forwarded-For, read from the right', () => {
  it('counts the hop CloudFront appended, before the one API Gateway appended', () => {
    expect(lambdaClientAddress(v2({ 'x-forwarded-for': `203.0.113.9, ${CLOUDFRONT_EDGE}` }))).toBe('203.0.113.9');
    expect(lambdaClientAddress(v1({ 'X-Forwarded-For': [`203.0.113.9, ${CLOUDFRONT_EDGE}`] }))).toBe('203.0.113.9');
  });

  it('ignores what the viewer sent in front: a chosen address does not change the one counted', () => {
    const honest = lambdaClientAddress(v2({ 'x-forwarded-for': `203.0.113.9, ${CLOUDFRONT_EDGE}` }));
    for (const chosen of ['192.0.2.1', '10.0.0.1, 192.0.2.2', 'unknown', '198.51.100.10, 198.51.100.11, 198.51.100.12']) {
      expect(lambdaClientAddress(v2({ 'x-forwarded-for': `${chosen}, 203.0.113.9, ${CLOUDFRONT_EDGE}` }))).toBe(honest);
      expect(lambdaClientAddress(v1({ 'X-Forwarded-For': [`${chosen}, 203.0.113.9, ${CLOUDFRONT_EDGE}`] }))).toBe(honest);
    }
  });

  it('reads every value of a repeated header in order (v1 multiValueHeaders), whatever the case of its name', () => {
    const event = v1({ 'x-forwarded-for': ['192.0.2.1'], 'X-FORWARDED-FOR': [`203.0.113.9, ${CLOUDFRONT_EDGE}`] });
    expect(lambdaClientAddress(event)).toBe('203.0.113.9');
  });

  it('takes the hop CloudFront appended as last when the gateway appended nothing', () => {
    expect(lambdaClientAddress(v2({ 'x-forwarded-for': '192.0.2.1, 203.0.113.9' }))).toBe('203.0.113.9');
  });

  it('writes one spelling per address (IPv6 in lower case, IPv4 mapped into IPv6 as IPv4)', () => {
    expect(lambdaClientAddress(v2({ 'x-forwarded-for': `2001:DB8::7, ${CLOUDFRONT_EDGE}` }))).toBe('2001:db8::7');
    expect(lambdaClientAddress(v2({ 'x-forwarded-for': `::ffff:203.0.113.9, ${CLOUDFRONT_EDGE}` }))).toBe('203.0.113.9');
  });
});

describe('the gateway peer', () => {
  it('is the client when nothing was forwarded (a request straight to API Gateway)', () => {
    expect(lambdaClientAddress(v2({}, '203.0.113.50'))).toBe('203.0.113.50');
    expect(lambdaClientAddress(v2({ 'x-forwarded-for': '203.0.113.50' }, '203.0.113.50'))).toBe('203.0.113.50');
    expect(lambdaClientAddress(v1({ 'X-Forwarded-For': ['203.0.113.50'] }, '203.0.113.50'))).toBe('203.0.113.50');
  });

  it('is the client when the forwarded hop is not an address', () => {
    expect(lambdaClientAddress(v2({ 'x-forwarded-for': `unknown, ${CLOUDFRONT_EDGE}` }))).toBe(CLOUDFRONT_EDGE);
  });

  it('must be there: an event without any address is refused, never counted as a shared "unknown"', () => {
    expect(() => lambdaClientAddress({ headers: {}, requestContext: {} })).toThrow(/names no client address/);
    expect(() => lambdaClientAddress({})).toThrow(/names no client address/);
  });
});

describe('without an origin secret: the gateway peer alone', () => {
  it('reads neither header, so a caller at API Gateway cannot choose the address it is counted under', () => {
    const forged = { 'cloudfront-viewer-address': '192.0.2.1:443', 'x-forwarded-for': `192.0.2.2, 192.0.2.3, ${CLOUDFRONT_EDGE}` };
    expect(gatewaySourceAddress(v2(forged, '203.0.113.60'))).toBe('203.0.113.60');
    expect(
      gatewaySourceAddress(v1({ 'CloudFront-Viewer-Address': ['192.0.2.1:443'], 'X-Forwarded-For': ['192.0.2.2'] }, '203.0.113.60')),
    ).toBe('203.0.113.60');
    expect(gatewaySourceAddress(v2(forged, '2001:DB8::9'))).toBe('2001:db8::9');
    expect(gatewaySourceAddress(v2(forged, '::ffff:203.0.113.61'))).toBe('203.0.113.61');
  });

  it('must be there', () => {
    expect(() => gatewaySourceAddress({ headers: { 'x-forwarded-for': '192.0.2.1' }, requestContext: {} })).toThrow(
      /names no client address/,
    );
  });
});
