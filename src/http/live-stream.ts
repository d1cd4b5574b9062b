/**
 * One Server-Sent Events stream of committed changes, shared by the staff and crew surfaces. It
 * subscribes to the tenant's signals, then — when the client sends `Last-Event-ID` — replays every
 * change after that cursor from the database, and continues live with no gap and no duplicate: a
 * signal at or before the last cursor sent is skipped (ADR 0019). Each change becomes the subscriber's
 * view with `build` (null: not for this subscriber), written in order with its cursor as event id. A
 * heartbeat comment is sent while idle; at each, the credential is checked again, and a revoked key
 * or ended session ends the stream. A first `ready` event tells the client it is listening.
 *
 * A bounded stream (`bounded`, on Lambda, whose buffered answer reaches the browser only when it
 * ends) lives a short time instead: it answers what happened since the cursor at once and ends as
 * soon as it sent something, or after `maxMs`; a signal only wakes it to read the log again. Its
 * `ready` event carries the cursor it started from, and it ends by naming the last one it read, so
 * the browser's reconnect (after `retry`) resumes there with `Last-Event-ID`: no gap, no duplicate.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from 'pino';
import { type ChangeCursor, compareChangeCursors, formatChangeCursor, parseChangeCursor } from '../domain/change-cursor';
import type { ChangeSignal, EventHub } from '../ports/event-hub';

export const DEFAULT_HEARTBEAT_MS = 15_000;

export type LiveStreamOptions<T> = {
  hub: EventHub;
  tenantId: string;
  heartbeatMs: number;
  log: Logger;
  build: (signal: ChangeSignal) => Promise<T | null>;
  /** One page of the tenant's committed changes after `cursor`, oldest first (`pageSize` at most). */
  replay: (cursor: ChangeCursor) => Promise<ChangeSignal[]>;
  pageSize: number;
  /** Whether the subscriber's credential still holds. */
  stillAllowed: () => Promise<boolean>;
  /**
   * Where to resume when the client sends no `Last-Event-ID`: the cursor a page was rendered at, so
   * a change between the page and its stream is not missed. `Last-Event-ID` wins when both are sent.
   */
  resumeFrom?: string | undefined;
  /** A stream that ends early, and where it starts when the client names no cursor (ADR 0023). */
  bounded?: BoundedStream | undefined;
};

export type BoundedStream = {
  /** How long the stream waits for a change before it ends with nothing. */
  maxMs: number;
  /** The cursor of now, for a client that sent none. */
  now: () => Promise<string>;
};

/**
 * How soon a browser reconnects to a bounded stream that ended: as long as the stream itself may last
 * on Lambda, so that an open page holds an API instance at most half the time (ADR 0028, addendum of
 * the hardened surface). A change committed meanwhile is replayed on reconnecting, at most this late.
 */
export const BOUNDED_RETRY_MS = 10_000;

export function streamChanges<T>(c: Context, options: LiveStreamOptions<T>): Response {
  // Proxies (nginx) must pass events on as they come.
  c.header('x-accel-buffering', 'no');
  // A malformed cursor starts from now: it is never read into a query.
  const resumeFrom = parseChangeCursor(c.req.header('last-event-id') ?? options.resumeFrom);
  if (options.bounded) return streamBounded(c, options, options.bounded, resumeFrom);
  return streamSSE(c, async (stream) => {
    let last: ChangeCursor | null = resumeFrom;
    const deliver = async (signal: ChangeSignal) => {
      const cursor = parseChangeCursor(signal.cursor);
      if (!cursor || stream.aborted) return;
      if (last && compareChangeCursors(cursor, last) <= 0) return;
      last = cursor;
      const data = await buildEvent(options, signal);
      if (data === null || stream.aborted) return;
      await stream.writeSSE({ event: 'change', id: signal.cursor, data: JSON.stringify(data) });
    };
    const replayMissed = async () => {
      for (;;) {
        if (stream.aborted || !last) return;
        const page = await options.replay(last);
        for (const signal of page) await deliver(signal);
        if (page.length < options.pageSize) return;
      }
    };
    let end = () => {};
    const closed = new Promise<void>((resolve) => {
      end = resolve;
      stream.onAbort(resolve);
    });
    const failed = (what: string) => (err: unknown) => {
      options.log.error({ err }, what);
      end();
    };
    // Every write goes through this chain: `ready`, then the replay, then live signals in order. The
    // replay reads only after the subscription below, so no change falls between the two.
    let pending: Promise<void> = (async () => {
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ heartbeatMs: options.heartbeatMs }), retry: 3000 });
      if (resumeFrom) await replayMissed();
    })().catch(failed('live stream replay failed'));
    const unsubscribe = options.hub.subscribe(options.tenantId, (signal) => {
      pending = pending.then(() => deliver(signal)).catch(failed('live stream write failed'));
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
      await closed;
    } finally {
      clearInterval(heartbeat);
      unsubscribe();
    }
  });
}

/** The subscriber's view of one change; null when it is not for them or could not be built (logged). */
async function buildEvent<T>(options: LiveStreamOptions<T>, signal: ChangeSignal): Promise<T | null> {
  try {
    return await options.build(signal);
  } catch (err) {
    options.log.error({ err, action: signal.action, cursor: signal.cursor }, 'live event could not be built');
    return null;
  }
}

function streamBounded<T>(c: Context, options: LiveStreamOptions<T>, bounded: BoundedStream, resumeFrom: ChangeCursor | null): Response {
  return streamSSE(c, async (stream) => {
    const start = resumeFrom ?? parseChangeCursor(await bounded.now());
    if (!start) throw new Error('the cursor of now could not be read');
    let last: ChangeCursor = start;
    let sent = 0;
    let wake = () => {};
    let woken = false;
    const unsubscribe = options.hub.subscribe(options.tenantId, () => {
      woken = true;
      wake();
    });
    // Reads the log after `last`, in order: a signal only says that there is something to read, so
    // a change the signals missed is read all the same.
    const readLog = async () => {
      for (;;) {
        if (stream.aborted) return;
        const page = await options.replay(last);
        for (const signal of page) {
          const cursor = parseChangeCursor(signal.cursor);
          if (!cursor || compareChangeCursors(cursor, last) <= 0) continue;
          last = cursor;
          const data = await buildEvent(options, signal);
          if (data === null || stream.aborted) continue;
          await stream.writeSSE({ event: 'change', id: signal.cursor, data: JSON.stringify(data) });
          sent += 1;
        }
        if (page.length < options.pageSize) return;
      }
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      await stream.writeSSE({
        event: 'ready',
        id: formatChangeCursor(start),
        data: JSON.stringify({ heartbeatMs: options.heartbeatMs, endsWithinMs: bounded.maxMs }),
        retry: BOUNDED_RETRY_MS,
      });
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, bounded.maxMs);
        stream.onAbort(resolve);
      });
      let expired = false;
      void deadline.then(() => {
        expired = true;
        wake();
      });
      for (;;) {
        woken = false;
        await readLog();
        if (sent > 0 || expired || stream.aborted) break;
        if (!(await options.stillAllowed())) break;
        if (!woken)
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      }
      // The browser resumes from what was read, though nothing of it was for this subscriber.
      if (!stream.aborted) await stream.write(`id: ${formatChangeCursor(last)}\n\n`);
    } catch (err) {
      options.log.error({ err }, 'live stream replay failed');
    } finally {
      clearTimeout(timer);
      unsubscribe();
    }
  });
}
