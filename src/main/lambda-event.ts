/**
 * An API Gateway event as hono/aws-lambda should read it (ADR 0023). The adapter takes an event for
 * HTTP API (v2) when it has `rawPath` and `requestContext.http`, and reads the path from `rawPath` (v2)
 * or `path` (v1). Both carry more than the app's path: a REST API reached through a custom domain's
 * base path mapping puts the mapping in `path` (`/bosun/api/v1/bookings`), and an HTTP API on a named
 * stage puts the stage in `rawPath` (`/prod/api/v1/bookings`). So the version is decided here from
 * `version` alone, the event is rebuilt with only its version's fields, and the path is the one the
 * route matched: its template (`resource` in v1, `routeKey` in v2) filled with the path parameters.
 */

export type GatewayVersion = '1.0' | '2.0';

export class GatewayEventError extends Error {
  override name = 'GatewayEventError';
}

type Params = Record<string, string | undefined> | null | undefined;

/** The fields read here; everything else passes through unchanged. */
type AnyEvent = Record<string, unknown> & {
  version?: unknown;
  httpMethod?: unknown;
  path?: unknown;
  resource?: unknown;
  rawPath?: unknown;
  routeKey?: unknown;
  pathParameters?: Params;
  requestContext?: (Record<string, unknown> & { http?: unknown; stage?: unknown }) | null;
};

/**
 * The event rebuilt for its version, with the app's path; throws GatewayEventError (one line) for an
 * event that is neither a v2 nor a v1 API Gateway proxy event.
 */
export function normaliseGatewayEvent(input: unknown): { version: GatewayVersion; event: Record<string, unknown> } {
  if (!input || typeof input !== 'object') throw new GatewayEventError('The event is not an API Gateway proxy event (not an object)');
  const event = input as AnyEvent;
  if (event.version === '2.0') {
    const http = event.requestContext?.http;
    if (typeof event.rawPath !== 'string' || !http || typeof http !== 'object') {
      throw new GatewayEventError('The event says version 2.0 but has no rawPath or requestContext.http');
    }
    const { path: _path, httpMethod: _method, resource: _resource, multiValueHeaders: _multi, ...v2 } = event;
    return { version: '2.0', event: { ...v2, rawPath: v2Path(event) } };
  }
  if (typeof event.httpMethod === 'string' && typeof event.path === 'string') {
    // Whatever v2 fields a v1 event carries, the adapter must not take it for v2.
    const { rawPath: _rawPath, rawQueryString: _rawQuery, routeKey: _routeKey, cookies: _cookies, ...v1 } = event;
    const requestContext = event.requestContext ? { ...event.requestContext } : event.requestContext;
    if (requestContext) delete requestContext.http;
    return { version: '1.0', event: { ...v1, requestContext, path: v1Path(event) } };
  }
  throw new GatewayEventError(
    'The event is not an API Gateway proxy event (neither version 2.0 nor a REST API event with httpMethod and path)',
  );
}

/** v1: `resource` filled with the path parameters; else `path` as it came. */
function v1Path(event: AnyEvent): string {
  const template = typeof event.resource === 'string' ? event.resource : null;
  return (template && fillTemplate(template, event.pathParameters)) ?? (event.path as string);
}

/** v2: the route key's path filled with the path parameters; for `$default`, `rawPath` without a named stage. */
function v2Path(event: AnyEvent): string {
  const rawPath = event.rawPath as string;
  const routeKey = typeof event.routeKey === 'string' ? event.routeKey : '$default';
  const space = routeKey.indexOf(' ');
  if (space > 0) {
    const filled = fillTemplate(routeKey.slice(space + 1), event.pathParameters);
    if (filled) return filled;
  }
  const stage = event.requestContext?.stage;
  if (typeof stage === 'string' && stage !== '$default' && (rawPath === `/${stage}` || rawPath.startsWith(`/${stage}/`))) {
    return rawPath.slice(stage.length + 1) || '/';
  }
  return rawPath;
}

/**
 * `/{proxy+}` with `{ proxy: 'api/v1/bookings' }` → `/api/v1/bookings`; null when a parameter is
 * missing or the template is not a path. Each segment is written percent-encoded once, whether the
 * parameter came decoded or not.
 */
export function fillTemplate(template: string, params: Params): string | null {
  if (!template.startsWith('/')) return null;
  let missing = false;
  const filled = template.replace(/\{([^}+]+)(\+?)\}/g, (_, name: string, greedy: string) => {
    const value = params?.[name];
    if (value === undefined) {
      missing = true;
      return '';
    }
    const segments = greedy ? value.split('/') : [value];
    return segments.map((s) => encodeURIComponent(safeDecode(s))).join('/');
  });
  return missing ? null : filled;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
