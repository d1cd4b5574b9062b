/**
 * The path the app sees for an API Gateway event: the one the route matched, without a REST API's
 * base path mapping or an HTTP API's named stage, and the event read by its own version whatever
 * fields of the other version it carries. Checked through hono/aws-lambda's own reading of the event.
 */
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import { fillTemplate, GatewayEventError, normaliseGatewayEvent } from '../../src/main/lambda-event';

/** An app that answers with the path and query it was given. */
const echo = new Hono();
echo.all('*', (c) => c.json({ path: c.req.path, query: c.req.query(), method: c.req.method }));
const serve = handle(echo);

async function seen(event: unknown) {
  const { event: normalised } = normaliseGatewayEvent(event);
  const res = (await serve(normalised as never, {} as never)) as { statusCode: number; body: string };
  return JSON.parse(res.body) as { path: string; query: Record<string, string>; method: string };
}

const v1 = (over: Record<string, unknown>) => ({
  version: '1.0',
  resource: '/{proxy+}',
  path: '/api/v1/bookings/BK-ABC',
  httpMethod: 'GET',
  headers: { Host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
  multiValueHeaders: { Host: ['abc123.execute-api.eu-west-1.amazonaws.com'] },
  queryStringParameters: { page: '2' },
  multiValueQueryStringParameters: { page: ['2'] },
  pathParameters: { proxy: 'api/v1/bookings/BK-ABC' },
  stageVariables: null,
  requestContext: {
    resourcePath: '/{proxy+}',
    httpMethod: 'GET',
    path: '/prod/api/v1/bookings/BK-ABC',
    stage: 'prod',
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    identity: { sourceIp: '130.176.9.80' },
  },
  body: null,
  isBase64Encoded: false,
  ...over,
});

const v2 = (over: Record<string, unknown>) => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: '/api/v1/bookings/BK-ABC',
  rawQueryString: 'page=2',
  headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
  requestContext: {
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    http: { method: 'GET', path: '/api/v1/bookings/BK-ABC', protocol: 'HTTP/1.1', sourceIp: '130.176.9.80', userAgent: 'curl' },
    routeKey: '$default',
    stage: '$default',
  },
  isBase64Encoded: false,
  ...over,
});

describe('REST API (v1) events', () => {
  it('without a base path mapping: the path as sent', async () => {
    expect(await seen(v1({}))).toEqual({ path: '/api/v1/bookings/BK-ABC', query: { page: '2' }, method: 'GET' });
  });

  it('with a base path mapping: the path the resource matched, not the mapping', async () => {
    const mapped = v1({
      path: '/bosun/api/v1/bookings/BK-ABC',
      requestContext: { ...v1({}).requestContext, path: '/bosun/api/v1/bookings/BK-ABC', domainName: 'api.example.com' },
    });
    expect((await seen(mapped)).path).toBe('/api/v1/bookings/BK-ABC');
  });

  it('with fields of a v2 event (rawPath, routeKey): still read as v1', async () => {
    const confusing = v1({
      path: '/bosun/crew/login',
      pathParameters: { proxy: 'crew/login' },
      rawPath: '/bosun/crew/login',
      rawQueryString: 'x=1',
      routeKey: 'ANY /{proxy+}',
      requestContext: { ...v1({}).requestContext, http: { method: 'DELETE', sourceIp: '192.0.2.1' } },
    });
    const { version, event } = normaliseGatewayEvent(confusing);
    expect(version).toBe('1.0');
    expect(event).not.toHaveProperty('rawPath');
    expect(event.requestContext).not.toHaveProperty('http');
    expect(await seen(confusing)).toEqual({ path: '/crew/login', query: { page: '2' }, method: 'GET' });
  });

  it('at the root resource, and with a resource of fixed parts around a parameter', async () => {
    expect((await seen(v1({ resource: '/', path: '/bosun', pathParameters: null }))).path).toBe('/');
    const fixed = v1({ resource: '/crew/login/{token}', path: '/bosun/crew/login/tok_1', pathParameters: { token: 'tok_1' } });
    expect((await seen(fixed)).path).toBe('/crew/login/tok_1');
  });

  it('keeps path parameters one percent-encoding deep, whether they came decoded or not', async () => {
    // The app decodes the path once: both read as the request for `/app/bookings/a%20b` would.
    expect((await seen(v1({ pathParameters: { proxy: 'app/bookings/a b' } }))).path).toBe('/app/bookings/a b');
    expect((await seen(v1({ pathParameters: { proxy: 'app/bookings/a%20b' } }))).path).toBe('/app/bookings/a b');
  });

  it('falls back to the path when the resource names a parameter the event lacks', async () => {
    expect((await seen(v1({ resource: '/{proxy+}', pathParameters: null, path: '/healthz' }))).path).toBe('/healthz');
  });
});

describe('HTTP API (v2) events', () => {
  it('on the $default stage and route: rawPath', async () => {
    expect(await seen(v2({}))).toEqual({ path: '/api/v1/bookings/BK-ABC', query: { page: '2' }, method: 'GET' });
  });

  it('on a named stage: rawPath without the stage', async () => {
    const staged = v2({ rawPath: '/prod/api/v1/bookings/BK-ABC', requestContext: { ...v2({}).requestContext, stage: 'prod' } });
    expect((await seen(staged)).path).toBe('/api/v1/bookings/BK-ABC');
  });

  it('on a greedy route: the route filled with its parameter', async () => {
    const routed = v2({ rawPath: '/prod/app/today', routeKey: 'ANY /{proxy+}', pathParameters: { proxy: 'app/today' } });
    expect((await seen(routed)).path).toBe('/app/today');
  });
});

describe('events that are neither', () => {
  it.each([
    ['nothing', null],
    ['a string', 'GET /'],
    ['an S3 notification', { Records: [{ eventSource: 'aws:s3' }] }],
    ['version 2.0 without rawPath', { version: '2.0', requestContext: { http: { method: 'GET' } } }],
    ['version 2.0 without requestContext.http', { version: '2.0', rawPath: '/', requestContext: {} }],
    ['a v1 event without a path', { version: '1.0', httpMethod: 'GET', requestContext: {} }],
  ])('refuses %s in one line', (_, event) => {
    let error: unknown;
    try {
      normaliseGatewayEvent(event);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GatewayEventError);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('fillTemplate', () => {
  it('fills plain and greedy parameters, and refuses a missing one', () => {
    expect(fillTemplate('/{proxy+}', { proxy: 'a/b/c' })).toBe('/a/b/c');
    expect(fillTemplate('/x/{id}/y', { id: 'k' })).toBe('/x/k/y');
    expect(fillTemplate('/x/{id}', {})).toBeNull();
    expect(fillTemplate('x', {})).toBeNull();
  });
});
