/** The application over a test database, called through `app.request()` with no server. */
import pino from 'pino';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { createApp } from '../../src/http/app';
import { logOptions } from '../../src/main/logging';
import { pingDatabase } from '../../src/main/runtime';
import type { FailureLimits } from '../../src/ports/failure-limits';
import type { MailArchive } from '../../src/ports/mailer';
import type { TestDb } from './db';

export function makeApp(
  t: TestDb,
  options: {
    logs?: string[];
    publicUrl?: string;
    edge?: { serve(request: Request): Promise<Response | null> };
    mailArchive?: MailArchive;
    /** Shared with another app to count as one installation; by default the app's own, in memory. */
    failureLimits?: FailureLimits;
  } = {},
) {
  const logs = options.logs;
  // The runtime's options (safe error serializer, redaction), so a test sees what production would log.
  const log = pino(logOptions(logs ? 'debug' : 'silent'), { write: (line: string) => logs?.push(line) });
  return createApp({
    ...t.deps,
    log,
    ping: () => pingDatabase(t.handle),
    publicUrl: options.publicUrl ?? 'http://localhost:8080',
    signingSecret: 'test-signing-secret-of-at-least-32-characters',
    edge: options.edge ?? null,
    // Tests name the client address in a header, to exercise the per-address limits.
    clientAddress: (c) => c.req.header('x-test-client') ?? '192.0.2.1',
    // As the Node server: a form may come from the origin the request names (tests send http://localhost).
    acceptRequestOrigin: true,
    mailArchive: options.mailArchive,
    failureLimits: options.failureLimits ?? new InMemoryFailureLimits(),
  });
}

export type TestApp = ReturnType<typeof makeApp>;

/** JSON request helper: `call(app, 'POST', '/api/v1/bookings', key, body)`. */
export async function call(
  app: TestApp,
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await app.request(path, {
    method,
    headers: {
      ...(key ? { 'x-service-key': key } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return readAnswer(res);
}

/** An answer as the tests read it: status, headers, the body as text and (when it is JSON) parsed. */
export async function readAnswer(res: Response) {
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}
