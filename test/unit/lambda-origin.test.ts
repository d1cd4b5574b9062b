/** Only through CloudFront: the origin secret's check and the header's removal from API Gateway events. */
import { describe, expect, it } from 'vitest';
import { originVerified, takeOriginHeader } from '../../src/main/lambda-origin';

const SECRET = 'k3J9vQ2xL8mN4pR7sT1wY6zA0bC5dE2fG9hJ';

describe('the origin secret', () => {
  it('is verified by the right value only: wrong, absent, longer, shorter and empty values are refused', () => {
    expect(originVerified(SECRET, SECRET)).toBe(true);
    expect(originVerified(SECRET, `${SECRET.slice(0, -1)}X`)).toBe(false);
    expect(originVerified(SECRET, undefined)).toBe(false);
    expect(originVerified(SECRET, `${SECRET}A`)).toBe(false);
    expect(originVerified(SECRET, SECRET.slice(0, 10))).toBe(false);
    expect(originVerified(SECRET, '')).toBe(false);
    expect(originVerified(SECRET, ` ${SECRET}`)).toBe(false);
  });

  it('is taken out of a v2 event and a v1 event, whatever the case, and a repeated header counts as absent', () => {
    const v2 = { headers: { host: 'h', 'x-bosun-origin-verify': SECRET } as Record<string, string> };
    expect(takeOriginHeader(v2)).toBe(SECRET);
    expect(v2.headers).toEqual({ host: 'h' });

    const v1 = {
      headers: { Host: 'h', 'X-Bosun-Origin-Verify': SECRET } as Record<string, string>,
      multiValueHeaders: { Host: ['h'], 'X-Bosun-Origin-Verify': [SECRET] } as Record<string, string[]>,
    };
    expect(takeOriginHeader(v1)).toBe(SECRET);
    expect(v1.headers).toEqual({ Host: 'h' });
    expect(v1.multiValueHeaders).toEqual({ Host: ['h'] });

    const twice = { headers: {}, multiValueHeaders: { 'x-bosun-origin-verify': [SECRET, SECRET] } };
    expect(takeOriginHeader(twice)).toBeUndefined();
    expect(twice.multiValueHeaders).toEqual({});
    expect(takeOriginHeader({ headers: { host: 'h' } })).toBeUndefined();
    expect(takeOriginHeader({})).toBeUndefined();
  });
});
