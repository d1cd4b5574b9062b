/**
 * WebClient on Node's http and https modules: one request, no redirect followed, the body as sent
 * (`Accept-Encoding: identity`). With `connectTo` the connection goes to that address while `Host` and
 * the TLS server name (and so the certificate check) stay the URL's host, as curl's `--connect-to`.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebAnswer, WebClient, WebRequest } from '../ports/web-client';

/** A request that has not been answered in full by then fails. */
const TIMEOUT_MS = 15_000;

export function nodeWebClient(options: { timeoutMs?: number } = {}): WebClient {
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  return (req: WebRequest) =>
    new Promise<WebAnswer>((resolve, reject) => {
      const url = new URL(req.url);
      const https = url.protocol === 'https:';
      if (!https && url.protocol !== 'http:') return reject(new Error(`not an http(s) URL: ${req.url}`));
      const port = url.port ? Number(url.port) : https ? 443 : 80;
      const target = req.connectTo ?? { host: url.hostname, port };
      const send = https ? httpsRequest : httpRequest;
      const outgoing = send(
        {
          host: target.host,
          port: target.port,
          method: req.method ?? 'GET',
          path: `${url.pathname}${url.search}`,
          headers: { 'accept-encoding': 'identity', ...req.headers, host: url.host },
          ...(https ? { servername: url.hostname } : {}),
          agent: false,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
          });
        },
      );
      outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      outgoing.on('error', reject);
      outgoing.end();
    });
}
