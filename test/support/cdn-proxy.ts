/**
 * A stand-in for a CloudFront distribution's cache behaviors in front of Bosun's own server: `/api/*`
 * goes to the API origin as CloudFront's origin request policy AllViewerExceptHostHeader sends it
 * (every viewer header but `Host`, which becomes the origin's), everything else to the guest site's
 * origin with the viewer's `Host` (the local edge answers it). A test can make it behave as the
 * distributions that broke the system Bosun replaces: strip `X-Service-Key`, send `/api/*` to the
 * site's origin, or override the pages' `Cache-Control`.
 */
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type CdnProxy = {
  /** `127.0.0.1:{port}`, as `--connect-to` takes it. */
  address: string;
  /** Drop `X-Service-Key` from what reaches the API (an origin request policy that does not forward it). */
  stripServiceKey: boolean;
  /** Send `/api/*` to the site's origin too (no cache behavior for the API). */
  apiToSite: boolean;
  /** Replace the `Cache-Control` of every answer from the site's origin (a cache policy that overrides it). */
  cacheControl: string | null;
  /** The headers each request reached its origin with, in order. */
  readonly forwarded: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
};

export async function startCdnProxy(origin: { host: string; port: number }): Promise<CdnProxy> {
  const proxy: CdnProxy = {
    address: '',
    stripServiceKey: false,
    apiToSite: false,
    cacheControl: null,
    forwarded: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const api = path.startsWith('/api/') && !proxy.apiToSite;
    const headers: IncomingHttpHeaders = { ...req.headers };
    if (api) {
      headers.host = `${origin.host}:${origin.port}`;
      if (proxy.stripServiceKey) delete headers['x-service-key'];
    }
    proxy.forwarded.push({ path, headers });
    const upstream = request({ host: origin.host, port: origin.port, method: req.method, path, headers, agent: false }, (answer) => {
      const out = { ...answer.headers };
      if (!api && proxy.cacheControl !== null) out['cache-control'] = proxy.cacheControl;
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('origin unreachable');
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
