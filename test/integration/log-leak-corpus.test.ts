/**
 * The log, read after a run of everything a careless client and an attacker send with a guest's
 * details in it: good requests and bad ones on every write route (control characters, wrong types,
 * broken bodies, unknown fields, overlapping bookings), crew forms, unknown paths, and failures
 * inside Bosun whose errors quote the values (a job queue that is down, a database that refuses).
 * Not one marker — contact details, notes, money, keys, sign-in tokens — reaches a log line.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryFailureLimits } from '../../src/adapters/in-memory-failure-limits';
import { createApp } from '../../src/http/app';
import { logOptions } from '../../src/main/logging';
import { issueMagicLink } from '../../src/services/crew-access';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { cookieFrom, formsIn } from '../support/html';

const MARK = {
  name: 'Qxleak Guestname',
  email: 'qxleak.guest@example.com',
  phone: '+1 619 555 0177',
  internal: 'qxleak internal note',
  crew: 'qxleak crew note',
  guest: 'qxleak guest note',
  total: 76543.21,
  fee: 1234.56,
};
/** Compared without case, in every log line. */
const MARKERS = ['qxleak', '619 555 0177', '5550177', '76543.21', '7654321', '1234.56', '123456'];

let t: TestDb;
let app: TestApp;
let failing: ReturnType<typeof createApp>;
let a: Awaited<ReturnType<typeof makeTenant>>;
let token: string;
const logs: string[] = [];

const marked = (over: Record<string, unknown> = {}) =>
  bookingInput({
    guest: { name: MARK.name, email: MARK.email, phone: MARK.phone },
    pricing: { total: MARK.total, currency: 'USD' },
    captainFeePerHour: MARK.fee,
    notes: { internal: MARK.internal, crew: MARK.crew, guest: MARK.guest },
    ...over,
  });

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'harbor');
  app = makeApp(t, { logs });
  // The same app, but its job queue fails with an error that quotes what it was given, as a driver's
  // error quotes a refused row: the guest's address in its message, the row in its detail.
  const refuse = async (): Promise<never> => {
    throw Object.assign(new Error(`duplicate key value violates unique constraint: (guest_email)=(${MARK.email})`), {
      code: '23505',
      detail: `Key (guest_email, notes_internal)=(${MARK.email}, ${MARK.internal}) already exists.`,
      parameters: [MARK.name, MARK.email, MARK.phone, String(MARK.total)],
    });
  };
  failing = createApp({
    ...t.deps,
    jobs: { ...t.deps.jobs, enqueue: refuse, enqueueAll: refuse },
    log: pino(logOptions('trace'), { write: (line: string) => logs.push(line) }),
    ping: async () => {},
    failureLimits: new InMemoryFailureLimits(),
    publicUrl: 'http://localhost:8080',
    signingSecret: 'test-signing-secret-of-at-least-32-characters',
    edge: null,
    clientAddress: () => '192.0.2.9',
  });
  token = (await issueMagicLink(t.deps.db, a.tenant.id, { crewMemberId: a.captain.id, purpose: 'login', now: t.clock.now() })).token;
});
afterAll(() => t.close());

describe('the log after the leak corpus and bad input', () => {
  it('holds errors, and none of the markers', async () => {
    const first = await call(app, 'POST', '/api/v1/bookings', a.serviceKey, marked(), { 'idempotency-key': `order ${MARK.email}` });
    expect(first.status).toBe(201);
    const id = first.json.id as string;
    const etag = first.headers.get('etag') ?? '';
    const sent: number[] = [];
    const send = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
      key: string | null = a.serviceKey,
    ) => {
      sent.push((await call(app, method, path, key, body, headers)).status);
    };

    // Good requests, and every refusal a booking with the guest's details in it can meet.
    await send('POST', '/api/v1/bookings', marked(), {}); // the vessel is taken: 409
    for (const field of ['name', 'email', 'phone'] as const) {
      await send('POST', '/api/v1/bookings', marked({ guest: { name: MARK.name, email: MARK.email, [field]: `${MARK[field]}\u0000` } }));
    }
    for (const note of ['internal', 'crew', 'guest'] as const) {
      await send('POST', '/api/v1/bookings', marked({ notes: { [note]: `${MARK[note]}\u001b` } }));
    }
    await send('POST', '/api/v1/bookings', marked({ pricing: { total: String(MARK.total), currency: 'USD' } }));
    await send('POST', '/api/v1/bookings', marked({ captainFeePerHour: -MARK.fee }));
    await send('POST', '/api/v1/bookings', { ...marked(), [MARK.email]: MARK.phone });
    await send('POST', '/api/v1/bookings', `{"guest":{"name":"${MARK.name}","name":"${MARK.name}"}}`);
    await send('POST', '/api/v1/bookings', `{"guest": {"name": "${MARK.name}"`);
    await send('POST', '/api/v1/bookings', JSON.stringify(marked()), { 'content-type': 'text/plain' });
    await send('POST', '/api/v1/bookings', marked(), {}, `bsk_${MARK.email}`);
    await send('PATCH', `/api/v1/bookings/${id}`, { guest: { email: `${MARK.email}\r\nBcc: x@example.com` } }, { 'if-match': etag });
    await send('PATCH', `/api/v1/bookings/${id}`, { notes: { internal: `${MARK.internal} edited` } }, { 'if-match': etag });
    await send('PATCH', `/api/v1/bookings/${id}`, { notes: { internal: 'stale' } }, { 'if-match': etag });
    await send('POST', '/api/v1/events', { booking_id: id, notes: `${MARK.crew}\u0007`, crew: [{ email: MARK.email, role: 'crew' }] });
    await send(
      'POST',
      '/api/v1/calendar',
      { date: '2026-09-01', event_type: 'charter', title: MARK.name },
      { 'x-dashboard-token': a.dashboardToken },
      null,
    );
    await send('GET', `/api/v1/bookings?from=${encodeURIComponent(MARK.email)}`);
    await send('GET', `/api/v1/${encodeURIComponent(MARK.email)}`);
    await send('GET', `/crew/login/${token}`, undefined, {}, null);
    await send(
      'POST',
      '/crew/login',
      `email=${encodeURIComponent(MARK.email)}%ZZ`,
      { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      null,
    );
    await send('POST', `/api/v1/bookings/${id}/cancel`);
    await send('PATCH', `/api/v1/bookings/${id}`, { notes: { guest: MARK.guest } }, { 'if-match': '*' });
    expect(sent.filter((s) => s >= 500)).toEqual([]);
    expect(sent.filter((s) => s >= 400).length).toBeGreaterThan(15);

    // A signed-in crew member's forms, one broken.
    const signedIn = await app.request(`/crew/login/${token}`, { method: 'POST', headers: { origin: 'http://localhost' } });
    const cookie = cookieFrom(signedIn.headers) ?? '';
    const csrf =
      formsIn(await (await app.request('/crew', { headers: { cookie } })).text()).find((f) => f.fields._csrf)?.fields._csrf ?? '';
    const decline = await app.request(`/crew/events/${id}/decline`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', cookie },
      body: `_csrf=${csrf}&reason=${encodeURIComponent(MARK.crew)}%FF`,
    });
    expect(decline.status).toBeGreaterThanOrEqual(400);

    // Failures inside Bosun: logged (a 500), with the quoted values left out.
    const broken = await call(
      failing,
      'POST',
      '/api/v1/bookings',
      a.serviceKey,
      marked({ startsAt: '2026-10-01T10:00:00-07:00', endsAt: '2026-10-01T12:00:00-07:00' }),
    );
    expect(broken.status).toBe(500);
    expect(broken.text.toLowerCase()).not.toContain('qxleak');

    const lines = logs.map((l) => l.toLowerCase());
    expect(lines.some((l) => l.includes('"request failed"') && l.includes('23505'))).toBe(true);
    for (const line of lines) {
      for (const marker of MARKERS) expect(line, `a log line holds "${marker}"`).not.toContain(marker);
      expect(line).not.toContain(a.serviceKey.toLowerCase());
      expect(line).not.toContain(token.toLowerCase());
    }
  });
});
