/** What the local protocol peers (the fake CloudFront servers) keep of each request they receive. */
import type { IncomingMessage } from 'node:http';

export type RecordedRequest = { method: string; path: string; headers: IncomingMessage['headers']; body: string };

/** Reads the whole request, then hands it over as recorded. */
export function recordRequest(req: IncomingMessage, handle: (record: RecordedRequest) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () =>
    handle({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }),
  );
}
