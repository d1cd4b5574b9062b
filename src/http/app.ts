/**
 * The Bosun application as one `fetch` function (ADR 0001). Entry points (Node server, Lambda,
 * tests) build the dependencies and call `createApp`; nothing here chooses an adapter.
 */
import { createHash } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { Logger } from 'pino';
import { limitKeyOf } from '../domain/limit-key';
import type { FailureLimits } from '../ports/failure-limits';
import type { MailArchive } from '../ports/mailer';
import type { ServiceDeps } from '../services/context';
import { ServiceError } from '../services/errors';
import { API_DESCRIPTION, createDocsRouter, DOCS_PATH } from './api/docs';
import { createApiRouter } from './api/routes';
import { createCrewRouter } from './crew/routes';
import { DEFAULT_HEARTBEAT_MS } from './live-stream';
import { headAsGet } from './middleware/head-as-get';
import { htmlErrorPages } from './middleware/html-errors';
import type { OpsAssetUrls } from './ops/chrome';
import { createOpsRouter } from './ops/routes';
import { problem, problemResponse } from './problem';
import { FAVICON_SVG, MAIN_PAGE_CSP, renderErrorPage, renderRootPage } from './views/main-host';

export const MAX_BODY_BYTES = 1024 * 1024;

export type AppDeps = ServiceDeps & {
  log: Logger;
  /** Answers once the database does. */
  ping(): Promise<void>;
  /**
   * The client's address, for rate limits: the entry point knows it (Node's peer behind trusted
   * proxies, or the Lambda event). Required: there is no address every client would share. The app
   * counts an IPv6 address by its /64 (`limitKeyOf`).
   */
  clientAddress: (c: Context) => string;
  /**
   * Counts failed keys and sign-ins and requests for a link, per client address (ADR 0015): shared by
   * every process that serves the installation (ADR 0024), so the runtime chooses it; no default.
   */
  failureLimits: FailureLimits;
  /** `BOSUN_PUBLIC_URL`, without a trailing slash (default `http://localhost`). */
  publicUrl?: string;
  /**
   * Signs sessions' form tokens and feed URLs (`loadSigningSecret`, or the configured secret on
   * Lambda). Required: every instance of the app must sign alike.
   */
  signingSecret: string;
  /**
   * Whether a browser form may also come from the origin the request itself names (its Host), besides
   * the public URL's. The Node server allows it (a browser may open it as 127.0.0.1 or localhost);
   * on Lambda the request names API Gateway's host, so only `BOSUN_PUBLIC_URL` counts (default false).
   */
  acceptRequestOrigin?: boolean;
  /**
   * The local edge: answers requests whose Host is a guest site (null for any other host), given the
   * client's address for its limit on 404s. ADR 0008.
   */
  edge?: { serve(request: Request, clientAddress?: string): Promise<Response | null> } | null;
  /** How often an idle live stream sends a heartbeat (default 15 s). */
  liveHeartbeatMs?: number;
  /**
   * When set, a live stream ends after this long, or as soon as it sent something, and the browser
   * reconnects with `Last-Event-ID` (on Lambda, where an answer reaches the browser only when it
   * ends; ADR 0023). Unset, a stream lives as long as the connection.
   */
  liveStreamMaxMs?: number | undefined;
  /** The ops dashboard's stylesheet and scripts, built once. */
  opsAssets?: () => Promise<OpsAssetUrls>;
  /** The mail folder, for the dashboard to show sent messages (absent with SMTP). */
  mailArchive?: MailArchive | undefined;
};

/** As `BOSUN_SECRET` asks: a shorter secret is guessable. */
const MIN_SIGNING_SECRET_CHARS = 32;

export function createApp(deps: AppDeps) {
  // Checked here too, for callers without the types: the app never falls back to a secret or an
  // address of its own.
  if (typeof deps.signingSecret !== 'string' || deps.signingSecret.length < MIN_SIGNING_SECRET_CHARS) {
    throw new TypeError(`createApp: signingSecret must be a string of at least ${MIN_SIGNING_SECRET_CHARS} characters`);
  }
  if (typeof deps.clientAddress !== 'function') {
    throw new TypeError('createApp: clientAddress must be a function of the request that names the client');
  }
  const app = new OpenAPIHono();
  // What every limit counts a client under: its address, an IPv6 one by its /64 (domain/limit-key.ts).
  const clientAddress = (c: Context) => limitKeyOf(deps.clientAddress(c));

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

  app.use('*', headAsGet());
  // Every answer of the main host, HEAD as GET, carries these; a surface's own stricter headers (the
  // crew pages', an error page's CSP) are kept. HSTS is left to whatever terminates TLS in front.
  // Mounted before the edge so that an error there gets them too; the edge's own answers keep the
  // guest-site headers it sets (in production, Node's server hands guest hosts to the edge first).
  app.use(
    '*',
    secureHeaders({
      xFrameOptions: 'DENY',
      referrerPolicy: 'no-referrer',
      strictTransportSecurity: false,
      contentSecurityPolicy: { frameAncestors: ["'none'"] },
      overwrite: false,
    }),
  );
  // A browser gets an error as a page; the API always answers problem+json.
  app.use(
    '*',
    htmlErrorPages({
      except: (path) => path === '/api' || path.startsWith('/api/'),
      render: renderErrorPage,
      csp: MAIN_PAGE_CSP,
    }),
  );

  // Guest sites next: on a guest site's host the edge answers everything (as the CDN would).
  const edge = deps.edge;
  if (edge) {
    app.use('*', async (c, next) => {
      const res = await edge.serve(c.req.raw, clientAddress(c));
      if (res) return res;
      await next();
    });
  }

  app.get('/', (c) => {
    c.header('content-security-policy', MAIN_PAGE_CSP);
    return c.html(renderRootPage());
  });

  app.get('/favicon.ico', (c) => {
    c.header('cache-control', 'public, max-age=604800');
    c.header('etag', FAVICON_ETAG);
    if (c.req.header('if-none-match') === FAVICON_ETAG) return c.body(null, 304);
    return c.body(FAVICON_SVG, 200, { 'content-type': 'image/svg+xml' });
  });

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
  const api = createApiRouter(deps, deps.failureLimits, clientAddress, {
    log: deps.log,
    heartbeatMs: liveHeartbeatMs,
    maxMs: deps.liveStreamMaxMs,
  });
  app.route('/api/v1', api);

  app.route(
    DOCS_PATH,
    createDocsRouter(() => app.getOpenAPI31Document(documentConfig)),
  );

  const browserSurface = {
    ...deps,
    clientAddress,
    liveHeartbeatMs,
    publicUrl: deps.publicUrl ?? 'http://localhost',
    signingSecret: deps.signingSecret,
    acceptRequestOrigin: deps.acceptRequestOrigin ?? false,
  };
  app.route('/crew', createCrewRouter(browserSurface));
  app.route('/app', createOpsRouter({ ...browserSurface, ...(deps.opsAssets ? { assets: deps.opsAssets } : {}) }));

  // The main host's own pages take only GET (and HEAD): anything else is a 405 that says so.
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], ['/', '/healthz', '/favicon.ico', '/api/docs', '/api/v1/openapi.json'], (c) =>
    problem(c, 405, 'Method not allowed', `${c.req.path} answers GET and HEAD, not ${c.req.method}.`, undefined, { allow: 'GET, HEAD' }),
  );

  return app;
}

const FAVICON_ETAG = `"${createHash('sha256').update(FAVICON_SVG).digest('base64url').slice(0, 16)}"`;

export type App = ReturnType<typeof createApp>;
