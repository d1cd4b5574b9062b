/**
 * `bosun doctor --live https://guest-domain`: checks a deployed guest site over the network, through
 * whatever stands in front of it (CloudFront, or the local edge). Each of the three ways the system
 * Bosun replaces failed has its check: the function deployed at the edge is the generated one; a page
 * published through the object store comes back through the guest domain byte for byte (the upload
 * layout and the function's rewrite agree); a request to `/api/` with `X-Service-Key` reaches the API
 * with its key. The guest pages' headers are those of ADR 0006 and the site's not-found page answers
 * what is missing. Each failure is one line that says what to fix.
 */
import { randomInt } from 'node:crypto';
import { bookingIdExists } from '../db/queries/bookings';
import { getSiteByDomain, getTenantById } from '../db/queries/tenants';
import { BOOKING_ID_ALPHABET } from '../domain/ids';
import type { CdnSite } from '../ports/cdn';
import type { WebAnswer, WebClient, WebRequest } from '../ports/web-client';
import {
  GUEST_SITE_HEADERS,
  guestPageInvalidationPaths,
  guestPageKey,
  guestPagePath,
  NOT_FOUND_KEY,
  PAGE_CONTENT_TYPE,
  SITE_CACHE_CONTROL,
  siteBucket,
} from '../publish/site-layout';
import { type Check, cdnSiteOf, checkSiteFunction, type PlatformDistribution } from './doctor';
import { authenticateKey, keyKindOf } from './keys';
import type { PublishingDeps } from './publishing';

export type LiveOptions = {
  /** The guest site's origin, e.g. `https://charters.example.com` (http:// for a local edge). */
  url: string;
  /** A service key with `bookings:read`, to prove `X-Service-Key` reaches the API; absent: that check is not run. */
  serviceKey?: string | undefined;
  /** Where to connect instead of the guest domain's own address (the URL still names it). */
  connectTo?: { host: string; port: number } | undefined;
  /** Platform mode: the one multi-tenant distribution whose function serves every site (ADR 0027). */
  platform?: PlatformDistribution | undefined;
};

export type LiveDeps = PublishingDeps & { web: WebClient };

/**
 * Probe pages take ids of this shape: 16 characters (generated booking ids have 7) with an O, which
 * generated ids never hold; one a caller chose is refused by a look-up before the probe is stored.
 */
const PROBE_PREFIX = 'DOCTOR';
const probeId = () => PROBE_PREFIX + Array.from({ length: 10 }, () => BOOKING_ID_ALPHABET[randomInt(BOOKING_ID_ALPHABET.length)]).join('');

/** The API's answer to a request without a key (see http/middleware/auth.ts). */
const NO_KEY_DETAIL = /^Send a key in/;

const API_PROBE_PATH = '/api/v1/bookings?limit=1';

/** The forwarding the API's cache behavior needs, as a CloudFront operator names it. */
const FORWARDING =
  'a cache behavior /api/* to the API origin with caching disabled, all methods and the origin request policy AllViewerExceptHostHeader';

export async function checkLiveSite(deps: LiveDeps, options: LiveOptions): Promise<Check[]> {
  const origin = new URL(options.url).origin;
  const domain = new URL(options.url).hostname.toLowerCase();
  const site = await getSiteByDomain(deps.db, domain);
  const tenant = site?.role === 'guest' ? await getTenantById(deps.db, site.tenant_id) : undefined;
  if (!site || !tenant) {
    return [
      {
        check: `live ${origin}`,
        ok: false,
        detail: `${domain} is not a guest site of this installation; --live takes a guest site's address (bosun tenant list names them)`,
      },
    ];
  }
  const cdnSite = cdnSiteOf(site);
  const get = async (path: string, headers: Record<string, string> = {}): Promise<WebAnswer | Error> => {
    const request: WebRequest = { url: `${origin}${path}`, headers, connectTo: options.connectTo };
    try {
      return await deps.web(request);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  const unreachable = (err: Error) =>
    `${origin} cannot be reached: ${err.message}; check the domain's DNS record and certificate${options.connectTo ? ` (connecting to ${options.connectTo.host}:${options.connectTo.port})` : ''}`;

  const checks: Check[] = [await checkSiteFunction(deps, cdnSite, tenant.slug, { name: 'live function', platform: options.platform })];
  checks.push(...(await checkProbePage(deps, { origin, site: cdnSite, tenantId: tenant.id, get, unreachable })));
  checks.push(await checkNotFoundPage(deps, { origin, site: cdnSite, tenantSlug: tenant.slug, get, unreachable }));
  checks.push(await checkApiForwarding(deps, { origin, tenantSlug: tenant.slug, serviceKey: options.serviceKey, get, unreachable }));
  return checks;
}

type Get = (path: string, headers?: Record<string, string>) => Promise<WebAnswer | Error>;

/** The headers of ADR 0006 that `answer` lacks or gets wrong, each as `name "value"` it should have had. */
function wrongGuestHeaders(answer: WebAnswer): string[] {
  return Object.entries(GUEST_SITE_HEADERS)
    .filter(([name, value]) => answer.headers[name] !== value)
    .map(([name]) => name);
}

/**
 * Stores a probe page where a booking's page goes, fetches it at the page's public path through the
 * guest domain (so the edge function's rewrite runs), compares the bytes and the headers, then
 * removes it and invalidates its paths.
 */
async function checkProbePage(
  deps: LiveDeps,
  c: { origin: string; site: CdnSite; tenantId: string; get: Get; unreachable: (err: Error) => string },
): Promise<Check[]> {
  const bucket = siteBucket(c.site.domain);
  let id = probeId();
  for (
    let tries = 0;
    (await bookingIdExists(deps.db, c.tenantId, id)) || (await deps.sites.store.head(bucket, guestPageKey(id)));
    tries++
  ) {
    if (tries > 3) return [{ check: 'live page', ok: false, detail: 'no free probe id was found; run doctor again' }];
    id = probeId();
  }
  const key = guestPageKey(id);
  const path = guestPagePath(id);
  const body = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="robots" content="noindex"><title>Bosun doctor probe</title><p>Probe ${id}, ${new Date().toISOString()}; removed once checked.</p></html>\n`;
  const stored = `${bucket}/${key} in the object store`;
  try {
    await deps.sites.store.put({ bucket, key, body, contentType: PAGE_CONTENT_TYPE, cacheControl: SITE_CACHE_CONTROL });
  } catch (err) {
    return [{ check: 'live page', ok: false, detail: `the object store refused the probe page ${stored}: ${(err as Error).message}` }];
  }
  let answer: WebAnswer | Error;
  const leftovers: string[] = [];
  try {
    answer = await c.get(path);
  } finally {
    await deps.sites.store.delete(bucket, key).catch((err: Error) => {
      leftovers.push(`the probe page ${stored} could not be removed (${err.message}); remove it by hand`);
    });
    await deps.sites.cdn.invalidate(c.site, guestPageInvalidationPaths(id), `doctor-${id}`).catch((err: Error) => {
      leftovers.push(`its paths could not be invalidated (${err.message}); invalidate ${path} by hand`);
    });
  }
  const cleanup: Check[] = leftovers.length > 0 ? [{ check: 'live probe removed', ok: false, detail: leftovers.join('; ') }] : [];
  const checks = await judgeProbe(c, { path, stored, body, answer });
  return [...checks, ...cleanup];
}

/** What the probe's answer says of the site: its bytes, then its headers. */
async function judgeProbe(
  c: { origin: string; unreachable: (err: Error) => string },
  probe: { path: string; stored: string; body: string; answer: WebAnswer | Error },
): Promise<Check[]> {
  const { path, stored, body, answer } = probe;
  if (answer instanceof Error) return [{ check: 'live page', ok: false, detail: c.unreachable(answer) }];
  const url = `${c.origin}${path}`;
  if (answer.status !== 200) {
    const why =
      answer.status === 404
        ? `the edge function and the object layout disagree, or the distribution's origin is not this object store (deploy the function bosun edge-function prints; the origin must be the bucket and prefix of BOSUN_OBJECT_STORE)`
        : answer.status === 403
          ? 'the origin refused the edge: give the distribution read access to the bucket (origin access control and the bucket policy)'
          : 'the edge did not serve the stored page';
    return [{ check: 'live page', ok: false, detail: `${url} answered ${answer.status} for a page stored at ${stored}: ${why}` }];
  }
  if (!Buffer.from(answer.body).equals(Buffer.from(body))) {
    return [
      {
        check: 'live page',
        ok: false,
        detail: `${url} answered other content than the page stored at ${stored}: the distribution serves another bucket or prefix than BOSUN_OBJECT_STORE`,
      },
    ];
  }
  const checks: Check[] = [
    { check: 'live page', ok: true, detail: `a page stored at ${stored} came back through ${c.origin} byte for byte` },
  ];
  const problems: string[] = [];
  const cacheControl = answer.headers['cache-control'];
  if (cacheControl !== SITE_CACHE_CONTROL) {
    problems.push(
      `Cache-Control is ${cacheControl === undefined ? 'missing' : JSON.stringify(cacheControl)}, not "${SITE_CACHE_CONTROL}" (ADR 0006): the cache policy or a response headers policy overrides the object's own`,
    );
  }
  const missing = wrongGuestHeaders(answer);
  if (missing.length > 0) {
    problems.push(
      `${missing.join(', ')} missing or different: attach a response headers policy with the guest site headers (GUEST_SITE_HEADERS)`,
    );
  }
  checks.push({
    check: 'live page headers',
    ok: problems.length === 0,
    detail: problems.length === 0 ? `Cache-Control "${SITE_CACHE_CONTROL}" and the guest site headers` : `${url}: ${problems.join('; ')}`,
  });
  return checks;
}

/** A page that does not exist answers 404 with the site's own not-found page and the guest site headers. */
async function checkNotFoundPage(
  deps: LiveDeps,
  c: { origin: string; site: CdnSite; tenantSlug: string; get: Get; unreachable: (err: Error) => string },
): Promise<Check> {
  const stored = await deps.sites.store.get(siteBucket(c.site.domain), NOT_FOUND_KEY);
  if (!stored) {
    return {
      check: 'live not-found page',
      ok: false,
      detail: `no not-found page is stored for ${c.site.domain}; run bosun publish ${c.tenantSlug} --all`,
    };
  }
  const path = guestPagePath(probeId());
  const answer = await c.get(path);
  if (answer instanceof Error) return { check: 'live not-found page', ok: false, detail: c.unreachable(answer) };
  const url = `${c.origin}${path}`;
  if (answer.status !== 404) {
    return {
      check: 'live not-found page',
      ok: false,
      detail: `${url} answered ${answer.status} for a page that does not exist, not 404: give the distribution a custom error response for 403 and 404 with /${NOT_FOUND_KEY} and status 404`,
    };
  }
  if (!Buffer.from(answer.body).equals(stored.body)) {
    return {
      check: 'live not-found page',
      ok: false,
      detail: `${url} answered 404 without the site's not-found page: give the distribution a custom error response for 403 and 404 with /${NOT_FOUND_KEY}`,
    };
  }
  const missing = wrongGuestHeaders(answer);
  if (missing.length > 0) {
    return {
      check: 'live not-found page',
      ok: false,
      detail: `${url}: ${missing.join(', ')} missing or different on the 404: the response headers policy must apply to error answers too`,
    };
  }
  return { check: 'live not-found page', ok: true, detail: "a missing page answers 404 with the site's not-found page" };
}

/**
 * A request through the guest domain to `/api/` with a service key reaches the API with the key: it
 * answers 200, not the 401 of a request without one. Nothing is changed: the request reads one
 * booking of the key's tenant.
 */
async function checkApiForwarding(
  deps: LiveDeps,
  c: { origin: string; tenantSlug: string; serviceKey: string | undefined; get: Get; unreachable: (err: Error) => string },
): Promise<Check> {
  const check = 'live api';
  const create = `bosun key create ${c.tenantSlug} --kind service --scope bookings:read`;
  if (!c.serviceKey) {
    return {
      check,
      ok: true,
      skipped: true,
      detail: `not run: to check that ${c.origin}/api/ reaches the API with X-Service-Key, give a service key (${create}) in BOSUN_DOCTOR_SERVICE_KEY or with --service-key`,
    };
  }
  const principal = keyKindOf(c.serviceKey) === 'service' ? await authenticateKey(deps.db, c.serviceKey) : null;
  if (!principal) {
    return { check, ok: false, detail: `the service key given is not a live service key of this installation; create one: ${create}` };
  }
  if (!principal.scopes.includes('bookings:read')) {
    return { check, ok: false, detail: `the service key given lacks the bookings:read scope; create one: ${create}` };
  }
  const answer = await c.get(API_PROBE_PATH, { 'x-service-key': c.serviceKey, accept: 'application/json' });
  if (answer instanceof Error) return { check, ok: false, detail: c.unreachable(answer) };
  const url = `${c.origin}${API_PROBE_PATH}`;
  const json = /^application\/(problem\+)?json/.test(answer.headers['content-type'] ?? '');
  if (answer.status === 200 && json) return { check, ok: true, detail: `${url} reached the API with X-Service-Key (200)` };
  if (answer.status === 401 && json) {
    const detail = problemDetail(answer);
    if (NO_KEY_DETAIL.test(detail)) {
      return {
        check,
        ok: false,
        detail: `the CDN in front of ${c.origin} strips X-Service-Key: ${url} answered 401 "no key" to a request that carried one; forward it: ${FORWARDING}`,
      };
    }
    return {
      check,
      ok: false,
      detail: `${url} answered 401 to a key this installation accepts ("${detail}"): /api/* on ${c.origin} reaches another installation's API or database`,
    };
  }
  if (!json) {
    return {
      check,
      ok: false,
      detail: `${url} answered ${answer.status} ${answer.headers['content-type'] ?? 'without a content type'}, not the API: add ${FORWARDING}`,
    };
  }
  return { check, ok: false, detail: `${url} answered ${answer.status} ("${problemDetail(answer)}") to a valid service key` };
}

/** The `detail` of an RFC 9457 problem answer, or '' when it has none. */
function problemDetail(answer: WebAnswer): string {
  try {
    const parsed = JSON.parse(Buffer.from(answer.body).toString('utf8')) as { detail?: unknown };
    return typeof parsed.detail === 'string' ? parsed.detail.slice(0, 200) : '';
  } catch {
    return '';
  }
}
