/**
 * A live stream that lives a short time, as on Lambda (whose buffered answer reaches the browser only
 * when it ends): it ends once it sent something, or after its time with nothing; either way it names
 * the cursor to resume from, and the browser's reconnect with `Last-Event-ID` gets what happened in
 * between — no gap, no duplicate (ADR 0019, 0023). The streams here end; none is left open.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compareChangeCursors, parseChangeCursor } from '../../src/domain/change-cursor';
import { BOUNDED_RETRY_MS } from '../../src/http/live-stream';
import { currentChangeCursor, readChanges } from '../../src/services/change-feed';
import { call, makeApp, type TestApp } from '../support/app';
import { crewCookie } from '../support/crew-session';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { signedInStaff } from '../support/staff-session';

/** Long enough never to be what ends a stream that has something to send. */
const NEVER_MS = 10 * 60_000;
/** Short: a stream with nothing to send ends at once. */
const SOON_MS = 20;

let t: TestDb;
let waiting: TestApp;
let brief: TestApp;
let a: Awaited<ReturnType<typeof makeTenant>>;
let b: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  t = await createTestDb({ liveFeed: true });
  waiting = makeApp(t, { liveStreamMaxMs: NEVER_MS });
  brief = makeApp(t, { liveStreamMaxMs: SOON_MS });
  a = await makeTenant(t.deps, 'alpha');
  b = await makeTenant(t.deps, 'beta');
});

afterAll(async () => {
  await t.close();
});

type Received = { events: { event: string; id: string | null; json: any }[]; lastEventId: string; retry: number | null };

/** An ended stream read as a browser's EventSource reads it: its events, and the id it would send back. */
function asBrowser(text: string, lastEventId = ''): Received {
  const events: Received['events'] = [];
  let retry: number | null = null;
  let idBuffer = lastEventId;
  for (const block of text.split('\n\n')) {
    let event = 'message';
    let data: string | null = null;
    let sawField = false;
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      sawField = true;
      if (field === 'event') event = value;
      else if (field === 'data') data = data === null ? value : `${data}\n${value}`;
      else if (field === 'id' && !value.includes('\0')) idBuffer = value;
      else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    }
    if (!sawField) continue;
    // Dispatch: the last event id is set even by a block without data.
    lastEventId = idBuffer;
    if (data !== null) events.push({ event, id: idBuffer || null, json: JSON.parse(data) });
  }
  return { events, lastEventId, retry };
}

const changes = (r: Received) => r.events.filter((e) => e.event === 'change');

async function staffStream(app: TestApp, tenant: typeof a, lastEventId?: string): Promise<Received> {
  const headers: Record<string, string> = { 'x-dashboard-token': tenant.dashboardToken };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const res = await app.request('/api/v1/stream', { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return asBrowser(await res.text(), lastEventId);
}

async function createBooking(tenant: typeof a, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await call(waiting, 'POST', '/api/v1/bookings', tenant.serviceKey, bookingInput(overrides));
  expect(res.status).toBe(201);
  return res.json.id as string;
}

describe('a bounded live stream', () => {
  it('ends after the first change that commits while it waits, and names that change as where to resume', async () => {
    const listening = t.deps.live?.listenerCount(a.tenant.id) ?? 0;
    const stream = staffStream(waiting, a);
    // It is listening (and has read where it starts) before the change commits.
    await vi.waitFor(() => expect(t.deps.live?.listenerCount(a.tenant.id)).toBe(listening + 1), { timeout: 20_000 });
    const id = await createBooking(a);
    const got = await stream;
    expect(got.events[0]?.event).toBe('ready');
    expect(got.retry).toBe(BOUNDED_RETRY_MS);
    expect(changes(got).map((e) => e.json.bookingId)).toContain(id);
    expect(changes(got).find((e) => e.json.action === 'booking.created')?.json.booking.id).toBe(id);
    const lastSent = changes(got).at(-1)?.id;
    expect(got.lastEventId).toBe(lastSent);
    // It stopped listening when it ended.
    expect(t.deps.live?.listenerCount(a.tenant.id)).toBe(listening);
  });

  it('with nothing to send, ends after its time and names the cursor it started from', async () => {
    const before = await currentChangeCursor(t.deps);
    const got = await staffStream(brief, a);
    expect(changes(got)).toEqual([]);
    expect(got.events.map((e) => e.event)).toEqual(['ready']);
    const resumeAt = parseChangeCursor(got.lastEventId);
    const startedAfter = parseChangeCursor(before);
    if (!resumeAt || !startedAfter) throw new Error(`not cursors: ${got.lastEventId}, ${before}`);
    expect(compareChangeCursors(resumeAt, startedAfter)).toBeGreaterThanOrEqual(0);
  });

  it('a reconnect with Last-Event-ID gets everything in between, in order, once — across several short streams', async () => {
    const start = await currentChangeCursor(t.deps);
    // The browser's first stream: nothing yet.
    let browser = await staffStream(brief, a, start);
    const seen: string[] = [];
    // Changes while no stream is open, another tenant's among them.
    const first = await createBooking(a);
    await createBooking(b);
    const second = await createBooking(a);
    expect((await call(waiting, 'POST', `/api/v1/bookings/${first}/cancel`, a.serviceKey)).status).toBe(200);
    for (let round = 0; round < 10; round++) {
      browser = await staffStream(brief, a, browser.lastEventId);
      const got = changes(browser);
      if (got.length === 0) break;
      seen.push(...got.map((e) => e.id as string));
      expect(got.every((e) => e.json.bookingId !== null && [first, second].includes(e.json.bookingId))).toBe(true);
    }
    // Exactly the tenant's log after the start, in its order, with nothing twice.
    const log = await readChanges(t.deps, a.tenant.id, parseChangeCursor(start) ?? { txid: 0n, id: 0n });
    expect(seen).toEqual(log.map((s) => s.cursor));
    expect(new Set(seen).size).toBe(seen.length);
    expect(log.map((s) => s.action)).toEqual(expect.arrayContaining(['booking.created', 'booking.cancelled']));
    // And one more reconnect has nothing new.
    expect(changes(await staffStream(brief, a, browser.lastEventId))).toEqual([]);
  });

  it('resumes past changes not for this subscriber, without sending them', async () => {
    const start = await currentChangeCursor(t.deps);
    await createBooking(b);
    const got = await staffStream(brief, a, start);
    expect(changes(got)).toEqual([]);
    // The other tenant's change is not this stream's: the cursor stays or moves past nothing of a's.
    expect(await readChanges(t.deps, a.tenant.id, parseChangeCursor(got.lastEventId) ?? { txid: 0n, id: 0n })).toEqual([]);
  });

  it('also ends on the dashboard (/app/stream) and the crew pages (/crew/stream), naming where to resume', async () => {
    const staff = await signedInStaff(t.deps, a.tenant.id);
    const crew = await crewCookie(t.deps, a.tenant.id, a.captain.id);
    for (const [path, cookie] of [
      ['/app/stream', staff.cookie],
      ['/crew/stream', crew],
    ] as const) {
      const res = await brief.request(path, { headers: { cookie } });
      expect(res.status).toBe(200);
      const got = asBrowser(await res.text());
      expect(got.events[0]?.event).toBe('ready');
      expect(got.retry).toBe(BOUNDED_RETRY_MS);
      expect(parseChangeCursor(got.lastEventId)).not.toBeNull();
    }
  });
});
