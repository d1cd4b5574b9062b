/**
 * The client's address of an API Gateway event (HTTP API v2 or REST v1), for rate limits, when the
 * API is reached through CloudFront (ADR 0023). In order of preference:
 *
 * 1. `CloudFront-Viewer-Address` (`ip:port`; an IPv6 address without brackets, or with them), which
 *    CloudFront sets itself from the connection it accepted;
 * 2. `X-Forwarded-For`, read from the right: API Gateway appended the peer it saw (its `sourceIp`,
 *    CloudFront's own address), and the entry before it is the one CloudFront appended — the viewer.
 *    Entries further left were sent by the viewer and are never read, so a client cannot choose the
 *    address it is counted under;
 * 3. the event's `sourceIp` (`requestContext.http.sourceIp` in v2, `requestContext.identity.sourceIp`
 *    in v1): the peer of API Gateway itself.
 *
 * That order holds only where every request came through CloudFront (an origin secret is configured):
 * without one, anyone may send both headers, and `gatewaySourceAddress` — the `sourceIp` alone — is the
 * client's address.
 */
import { isIP } from 'node:net';
import { canonicalAddress } from '../domain/ip';

/** The parts of an API Gateway event this reads. */
export type GatewayEventAddressing = {
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  requestContext?: {
    http?: { sourceIp?: string } | undefined;
    identity?: { sourceIp?: string | null } | undefined;
  } | null;
};

export function lambdaClientAddress(event: GatewayEventAddressing): string {
  const viewer = viewerAddress(headerValues(event, 'cloudfront-viewer-address')[0]);
  if (viewer) return viewer;
  const sourceIp = sourceIpOf(event);
  const hops = headerValues(event, 'x-forwarded-for')
    .flatMap((value) => value.split(','))
    .map((hop) => hop.trim())
    .filter(Boolean);
  // API Gateway's own entry: the peer it saw.
  if (sourceIp && hops.length > 0 && sameAddress(hops[hops.length - 1] ?? '', sourceIp)) hops.pop();
  const appended = hops[hops.length - 1];
  if (appended && isIP(bare(appended))) return canonicalAddress(bare(appended));
  if (sourceIp) return canonicalAddress(sourceIp);
  throw new Error('The event names no client address (requestContext.http.sourceIp or requestContext.identity.sourceIp)');
}

/** The peer API Gateway saw (`sourceIp`), whatever headers the request carries. */
export function gatewaySourceAddress(event: GatewayEventAddressing): string {
  const sourceIp = sourceIpOf(event);
  if (sourceIp) return canonicalAddress(sourceIp);
  throw new Error('The event names no client address (requestContext.http.sourceIp or requestContext.identity.sourceIp)');
}

function sourceIpOf(event: GatewayEventAddressing): string | undefined {
  return event.requestContext?.http?.sourceIp ?? event.requestContext?.identity?.sourceIp ?? undefined;
}

/** `198.51.100.10:46532`, `2001:db8::1:46532` or `[2001:db8::1]:46532` → the address; null when it is none. */
export function viewerAddress(value: string | undefined): string | null {
  const text = value?.trim();
  if (!text) return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed?.[1]) return isIP(bracketed[1]) === 6 ? canonicalAddress(bracketed[1]) : null;
  const colon = text.lastIndexOf(':');
  if (colon > 0 && /^\d{1,5}$/.test(text.slice(colon + 1)) && isIP(text.slice(0, colon))) return canonicalAddress(text.slice(0, colon));
  // Without a port.
  return isIP(text) ? canonicalAddress(text) : null;
}

/** Every value of a header, whatever its case (v1 keeps the case the client sent; v2 lowercases). */
function headerValues(event: GatewayEventAddressing, name: string): string[] {
  const multi = Object.entries(event.multiValueHeaders ?? {}).filter(([key]) => key.toLowerCase() === name);
  if (multi.length > 0) return multi.flatMap(([, values]) => values ?? []);
  return Object.entries(event.headers ?? {})
    .filter(([key, value]) => key.toLowerCase() === name && value !== undefined)
    .map(([, value]) => value as string);
}

/** An X-Forwarded-For entry may carry brackets or a port (`[2001:db8::1]:443`, `192.0.2.1:443`). */
function bare(hop: string): string {
  return viewerAddress(hop) ?? hop;
}

function sameAddress(a: string, b: string): boolean {
  return canonicalAddress(bare(a)) === canonicalAddress(b);
}
