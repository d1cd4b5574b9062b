/**
 * Only through CloudFront (ADR 0023): API Gateway's endpoint is on the internet, and a caller who skips
 * CloudFront would choose the forwarded addresses rate limits count it under. CloudFront's API origins
 * send a secret in `X-Bosun-Origin-Verify`; when the function knows the secret (`BOSUN_ORIGIN_SECRET` or
 * `BOSUN_ORIGIN_SECRET_ARN`), a request without it is refused, and the header is removed before the app,
 * its logs or anything else sees the request.
 */
import { digestOf, sameDigest } from '../services/secrets';

/** The header CloudFront's API origins carry (lower case, as HTTP API v2 gives headers). */
export const ORIGIN_VERIFY_HEADER = 'x-bosun-origin-verify';

/**
 * Whether `presented` is the origin secret, in constant time: the SHA-256 digests of both are
 * compared, so neither where they differ nor a difference in length shows in the time taken.
 */
export function originVerified(secret: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return sameDigest(digestOf(secret).toString('hex'), digestOf(presented));
}

type Headers = Record<string, string | undefined> | null | undefined;
type MultiHeaders = Record<string, string[] | undefined> | null | undefined;

/**
 * Takes the origin header out of an API Gateway event (v2 `headers`, v1 `headers` and
 * `multiValueHeaders`, any case) and returns its value; absent, or sent more than once: undefined.
 */
export function takeOriginHeader(event: { headers?: Headers; multiValueHeaders?: MultiHeaders }): string | undefined {
  const values: string[] = [];
  for (const key of Object.keys(event.headers ?? {})) {
    if (key.toLowerCase() !== ORIGIN_VERIFY_HEADER) continue;
    const value = event.headers?.[key];
    if (value !== undefined) values.push(value);
    delete event.headers?.[key];
  }
  const multi: string[] = [];
  for (const key of Object.keys(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() !== ORIGIN_VERIFY_HEADER) continue;
    multi.push(...(event.multiValueHeaders?.[key] ?? []));
    delete event.multiValueHeaders?.[key];
  }
  // v1 gives the same header in both maps; v2 joins repeated values with commas.
  const all = multi.length > 0 ? multi : values;
  return all.length === 1 ? all[0] : undefined;
}
