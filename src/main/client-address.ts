/**
 * The client's address of a request, for rate limits: the peer's address, unless the peer is a proxy
 * trusted by `BOSUN_TRUSTED_PROXIES`; then `X-Forwarded-For` is read from the right, and the client is
 * the right-most address that is not a trusted proxy (proxy-addr, as Express does it). A header sent
 * by anyone else is ignored, so a client cannot choose the address it is counted under.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import proxyaddr from 'proxy-addr';

export type ClientAddress = {
  /** For a request on Node's server (the local edge's path). */
  ofNode(req: IncomingMessage): string;
  /** For a request the app handles on @hono/node-server (Node's request is `c.env.incoming`). */
  ofContext(c: Context): string;
};

export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddress {
  const trust = trustedProxies.length > 0 ? proxyaddr.compile([...trustedProxies]) : null;
  const ofNode = (req: IncomingMessage): string => {
    if (!trust) return req.socket.remoteAddress ?? 'unknown';
    // Only a trusted peer's X-Forwarded-For is read at all.
    return proxyaddr(req, trust) || 'unknown';
  };
  return {
    ofNode,
    ofContext: (c) => {
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      return incoming ? ofNode(incoming) : 'unknown';
    },
  };
}
