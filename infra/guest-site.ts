/**
 * What the deployment takes from Bosun's site layout, so CloudFront serves guest sites exactly as the
 * publisher writes them and the local edge serves them (ADR 0006-0008): the function's code, the edge
 * lifetime of a page, the security headers and the not-found page.
 */
import { generateEdgeFunction } from '../src/publish/edge-function';
import { GUEST_SITE_HEADERS, NOT_FOUND_KEY, objectPath, SITE_CACHE_CONTROL, siteBucket } from '../src/publish/site-layout';

/**
 * The name of the distribution tenant parameter that holds a site's prefix in the bucket: the
 * multi-tenant distribution's origin path is `/{{sitePrefix}}`, and Bosun creates each tenant with
 * the site's prefix as its value.
 */
export const SITE_PREFIX_PARAMETER = 'sitePrefix';

/** A site's prefix in the one bucket (`BOSUN_OBJECT_STORE=s3://bucket`, ADR 0007): its domain. */
export function sitePrefix(domain: string): string {
  return siteBucket(domain);
}

/** The path of the not-found page at a site's origin. */
export const NOT_FOUND_PATH = objectPath(NOT_FOUND_KEY);

/** How long the edge keeps a page: the `s-maxage` of the guest sites' Cache-Control (ADR 0006). */
export function edgeLifetimeSeconds(cacheControl = SITE_CACHE_CONTROL): number {
  const match = /(?:^|,)\s*s-maxage=(\d+)\s*(?:,|$)/.exec(cacheControl);
  if (!match) throw new Error(`the guest sites' Cache-Control has no s-maxage: ${cacheControl}`);
  return Number(match[1]);
}

/** A stand-in KeyValueStore id: generated into the code, then replaced by the store's real id. */
export const KEY_VALUE_STORE_ID_STAND_IN = '00000000-0000-4000-8000-000000000000';

/**
 * The viewer-request function's code with the store's id in place (`keyValueStoreId` may be a
 * deploy-time token): the same text `bosun edge-function` prints for a site whose key value store
 * setting is that store's ARN or id. In platform mode every tenant runs this one function.
 */
export function edgeFunctionCode(site: { domain: string; tenantSlug: string }, keyValueStoreId: string): string {
  const code = generateEdgeFunction({ ...site, keyValueStoreId: KEY_VALUE_STORE_ID_STAND_IN });
  const literal = JSON.stringify(KEY_VALUE_STORE_ID_STAND_IN);
  if (code.split(literal).length !== 2) throw new Error('the edge function must name its key value store exactly once');
  return code.replace(literal, () => `"${keyValueStoreId}"`);
}

export { GUEST_SITE_HEADERS };
