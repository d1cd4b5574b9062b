/**
 * One Server-Sent Events stream of committed changes, shared by the staff and crew surfaces. It
 * subscribes to the tenant's signals, turns each into the subscriber's view with `build` (null:
 * not for this subscriber), writes them in order, sends a heartbeat comment while idle, and
 * unsubscribes when the client goes away. A first `ready` event tells the client it is listening.
 * At each heartbeat the credential is checked again: a revoked key or ended session ends the stream.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from 'pino';
import type { ChangeSignal, EventHub } from '../ports/event-hub';

export const DEFAULT_HEARTBEAT_MS = 15_000;

export type LiveStreamOptions<T> = {
  hub: EventHub;
  tenantId: string;
  heartbeatMs: number;
  log: Logger;
  build: (signal: ChangeSignal) => Promise<T | null>;
  /** Whether the subscriber's credential still holds. */
  stillAllowed: () => Promise<boolean>;
};

export function streamChanges<T>(c: Context, options: LiveStreamOptions<T>): Response {
  // Proxies (nginx) must pass events on as they come.
  c.header('x-accel-buffering', 'no');
  return streamSSE(c, async (stream) => {
    let sequence = 0;
    let pending: Promise<void> = Promise.resolve();
    const unsubscribe = options.hub.subscribe(options.tenantId, (signal) => {
      pending = pending.then(async () => {
        if (stream.aborted) return;
        let data: T | null;
        try {
          data = await options.build(signal);
        } catch (err) {
          options.log.error({ err, type: signal.type, bookingId: signal.bookingId }, 'live event could not be built');
          return;
        }
        if (data === null || stream.aborted) return;
        sequence += 1;
        await stream.writeSSE({ event: 'change', id: String(sequence), data: JSON.stringify(data) });
      });
    });
    let end = () => {};
    const closed = new Promise<void>((resolve) => {
      end = resolve;
      stream.onAbort(resolve);
    });
    const heartbeat = setInterval(async () => {
      try {
        if (!(await options.stillAllowed())) return end();
      } catch (err) {
        options.log.error({ err }, 'live stream credential check failed');
        return end();
      }
      await stream.write(': heartbeat\n\n');
    }, options.heartbeatMs);
    try {
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ heartbeatMs: options.heartbeatMs }), retry: 3000 });
      await closed;
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
    }
  });
}
