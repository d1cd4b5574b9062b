/**
 * The Bosun application as one `fetch` function (ADR 0001). Entry points (Node server, Lambda,
 * tests) build the dependencies and call `createApp`; nothing here chooses an adapter.
 */
import { randomBytes } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import type { ServiceDeps } from '../services/context';
import { ServiceError } from '../services/errors';
import { API_DESCRIPTION, createDocsRouter, DOCS_PATH } from './api/docs';
import { createApiRouter } from './api/routes';
import { createCrewRouter } from './crew/routes';
import { DEFAULT_HEARTBEAT_MS } from './live-stream';
import { FailureLimiter } from './middleware/auth';
import { problem, problemResponse } from './problem';

export const MAX_BODY_BYTES = 1024 * 1024;

export type AppDeps = ServiceDeps & {
  log: Logger;
  /** Answers once the database does. */
  ping(): Promise<void>;
  /** The client's address, for rate limits; the runtime adapter knows it. */
  clientAddress?: (c: Context) => string;
  limiter?: FailureLimiter;
  /** `BOSUN_PUBLIC_URL`, without a trailing slash (default `http://localhost`). */
  publicUrl?: string;
  /** Signs the crew forms' tokens (`loadSigningSecret`); without it, a secret that lives as long as the process. */
  signingSecret?: string;
  /** The local edge: answers requests whose Host is a guest site (null for any other host). ADR 0008. */
  edge?: { serve(request: Request): Promise<Response | null> } | null;
  /** How often an idle live stream sends a heartbeat (default 15 s). */
  liveHeartbeatMs?: number;
};

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono();
  const clientAddress = deps.clientAddress ?? (() => 'unknown');
  const limiter = deps.limiter ?? new FailureLimiter();

  app.onError((err, c) => {
    if (err instanceof ServiceError) {
      return problemResponse({ status: err.status, title: err.title, detail: err.message, ...(err.errors ? { errors: err.errors } : {}) });
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const detail = status === 400 ? 'The body is not valid JSON.' : err.message || 'Bad request.';
      return problem(c, status, status === 400 ? 'Malformed request' : 'Request rejected', detail);
    }
    deps.log.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
    return problem(c, 500, 'Internal error', 'Bosun could not complete the request; it has been logged.');
  });
  app.notFound((c) => problem(c, 404, 'Not found', `Nothing at ${c.req.method} ${c.req.path}.`));

  // Guest sites come first: on a guest site's host the edge answers everything (as the CDN would).
  const edge = deps.edge;
  if (edge) {
    app.use('*', async (c, next) => {
      const res = await edge.serve(c.req.raw);
      if (res) return res;
      await next();
    });
  }

  // What someone opening the server's address in a browser finds: where each part of Bosun lives.
  app.get('/', (c) =>
    c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>Bosun</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}</style></head>` +
        `<body><h1>Bosun</h1><p>Charter operations: bookings, guest pages, crew and calendars.</p><ul>` +
        `<li><a href="/api/docs">API documentation</a> (<a href="/api/v1/openapi.json">OpenAPI 3.1</a>)</li>` +
        `<li><a href="/crew/login">Crew sign-in</a></li>` +
        `<li><a href="/healthz">Health</a></li></ul></body></html>`,
    ),
  );

  app.get('/healthz', async (c) => {
    try {
      await deps.ping();
      return c.json({ status: 'ok' });
    } catch {
      return c.json({ status: 'unavailable' }, 503);
    }
  });

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => problem(c, 413, 'Body too large', `The body exceeds ${MAX_BODY_BYTES} bytes.`),
    }),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'serviceKey', { type: 'apiKey', in: 'header', name: 'X-Service-Key' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'dashboardToken', { type: 'apiKey', in: 'header', name: 'X-Dashboard-Token' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  const documentConfig = {
    openapi: '3.1.0',
    // No `servers` entry: the paths already carry /api/v1 (the router is mounted there).
    info: { title: 'Bosun API', version: '1', description: API_DESCRIPTION },
  };
  // Registered before the API router, so the document answers without a key (the router's key check
  // covers everything under /api/v1 registered after it). It is built per request, from every route.
  app.doc31('/api/v1/openapi.json', documentConfig);
  const liveHeartbeatMs = deps.liveHeartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const api = createApiRouter(deps, limiter, clientAddress, { log: deps.log, heartbeatMs: liveHeartbeatMs });
  app.route('/api/v1', api);

  app.route(
    DOCS_PATH,
    createDocsRouter(() => app.getOpenAPI31Document(documentConfig)),
  );

  app.route(
    '/crew',
    createCrewRouter({
      ...deps,
      clientAddress,
      liveHeartbeatMs,
      publicUrl: deps.publicUrl ?? 'http://localhost',
      signingSecret: deps.signingSecret ?? randomBytes(32).toString('base64url'),
    }),
  );

  return app;
}

export type App = ReturnType<typeof createApp>;
