/**
 * Crew figures for the issue note, on PGlite: (a) mail jobs per second through SMTP — 500 crew
 * notices (one `crew.notify` job each) worked by the job worker and delivered by the SMTP mailer to
 * a local smtp-server sink on 127.0.0.1; (b) live-update fan-out — 200 staff clients on the SSE
 * stream of a real HTTP server, the time from a change's commit to each and to all 200 receiving
 * it, p50/p99 over 30 changes. Goals are printed, never enforced.
 */
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { InMemoryEventHub } from '../src/adapters/in-memory-event-hub';
import { InMemoryFailureLimits } from '../src/adapters/in-memory-failure-limits';
import { PgBossJobQueue } from '../src/adapters/pg-boss-job-queue';
import { SmtpMailer } from '../src/adapters/smtp-mailer';
import { type DbHandle, openPglite } from '../src/db/client';
import { migrateToLatest } from '../src/db/migrate';
import { createApp } from '../src/http/app';
import { MAIL_JOB_CONCURRENCY, registerJobHandlers } from '../src/jobs/register';
import { systemClock } from '../src/ports/clock';
import type { ChangeSignal } from '../src/ports/event-hub';
import { createBooking } from '../src/services/bookings';
import { CHANGE_CHANNEL, startChangeFeed } from '../src/services/change-feed';
import type { ServiceDeps } from '../src/services/context';
import { answerAssignment, crewContext, setChecklistTick } from '../src/services/crew';
import { upsertEvent } from '../src/services/events';
import { createKey } from '../src/services/keys';
import { addCrewMember, addVessel, createTenant } from '../src/services/tenants';
import { type Cleanup, findFreePort, makeTempDir, percentile, sleep } from './support';

const NOTICES = 500;
const CLIENTS = 200;
const CHANGES = 30;
const OPERATOR = { kind: 'operator' as const, id: 'bench' };

/** The cursors the change feed published, in order, so each receipt is matched to its change. */
class TimedHub extends InMemoryEventHub {
  readonly published: string[] = [];
  override publish(signal: ChangeSignal): void {
    this.published.push(signal.cursor);
    super.publish(signal);
  }
}

async function openBenchDb(
  cleanup: Cleanup,
  prefix: string,
  queue: { maxConcurrency?: number } = {},
): Promise<{ handle: DbHandle; deps: ServiceDeps; jobs: PgBossJobQueue; hub: TimedHub }> {
  const handle = await openPglite(join(makeTempDir(cleanup, prefix), 'db'));
  cleanup.defer('close the database', () => handle.close());
  await migrateToLatest(handle.db);
  const jobs = await PgBossJobQueue.start(handle, { pollingIntervalSeconds: 0.5, ...queue });
  cleanup.defer('stop the job queue', () => jobs.stop());
  const hub = new TimedHub();
  const deps: ServiceDeps = {
    db: handle.db,
    jobs,
    clock: systemClock,
    guestOrigin: (d) => `http://${d}`,
    publicHost: 'localhost',
    live: hub,
  };
  // The change feed publishes committed audit entries to the hub (ADR 0019), as `bosun start` does.
  const feed = await startChangeFeed(
    { db: handle.db, live: hub },
    { notifications: (wake) => handle.listen(CHANGE_CHANNEL, wake), fallbackMs: 2000, onError: () => {} },
  );
  cleanup.defer('stop the change feed', () => feed.stop());
  return { handle, deps, jobs, hub };
}

async function seedTenant(deps: ServiceDeps, crewCount: number) {
  const tenant = await createTenant(deps, OPERATOR, {
    slug: 'bench',
    name: 'Bench Charters',
    guestDomain: 'bench.localhost',
    timezone: 'UTC',
  });
  const ctx = { tenantId: tenant.id, actor: OPERATOR };
  await addVessel(deps, ctx, { slug: 'jada', name: 'Jada', capacity: 12, meetingPoint: 'Dock C', timezone: 'UTC' });
  const crew = [];
  for (let i = 0; i < crewCount; i++) {
    crew.push(await addCrewMember(deps, ctx, { name: `Crew ${i}`, email: `crew${i}@bench.test`, role: i === 0 ? 'captain' : 'crew' }));
  }
  return { tenant, ctx, crew };
}

const inDays = (d: number, hours = 0) => new Date(Date.now() + d * 86_400_000 + hours * 3_600_000).toISOString();

async function newBooking(deps: ServiceDeps, ctx: { tenantId: string; actor: typeof OPERATOR }, i: number, daysAhead = 10) {
  const out = await createBooking(deps, ctx, {
    guest: { name: `Guest ${i}`, email: `guest${i}@example.com` },
    partySize: 4,
    vessel: 'jada',
    // Two-hour charters three hours apart: one vessel is never booked twice.
    startsAt: inDays(daysAhead + i / 8),
    endsAt: inDays(daysAhead + i / 8, 2),
    status: 'confirmed',
    pricing: { total: 840.75, currency: 'USD' },
  } as never);
  return out.booking.id;
}

/**
 * How mail jobs are worked: `current` as `bosun start` does (mail queues several jobs at a time,
 * pooled SMTP connections), or `one-at-a-time` as before both (one job per queue, a connection per
 * message) — the reference the mail section compares against.
 */
export type MailWorking = 'current' | 'one-at-a-time';

/** (a) 500 notices through SMTP: seconds from starting the worker until the sink holds them all. */
export async function measureMailJobs(cleanup: Cleanup, working: MailWorking = 'current') {
  let received = 0;
  let onAll: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    onAll = resolve;
  });
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received += 1;
        callback();
        if (received >= NOTICES) onAll();
      });
    },
  });
  const port = await findFreePort();
  await new Promise<void>((resolve) => sink.listen(port, '127.0.0.1', resolve));
  cleanup.defer('stop the SMTP sink', () => new Promise<void>((resolve) => sink.close(() => resolve())));

  const { deps, jobs } = await openBenchDb(cleanup, 'bosun-bench-mail-', working === 'one-at-a-time' ? { maxConcurrency: 1 } : {});
  const { ctx, crew } = await seedTenant(deps, NOTICES);
  for (let i = 0; i < NOTICES; i++) {
    const bookingId = await newBooking(deps, ctx, i);
    await upsertEvent(deps, ctx, { booking_id: bookingId, crew: [{ crewId: crew[i]?.id ?? '', role: 'crew' }] });
  }
  const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}${working === 'one-at-a-time' ? '?pool=false' : ''}`);
  cleanup.defer('close the SMTP mailer', () => mailer.close());
  const started = performance.now();
  await registerJobHandlers(jobs, { ...deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: 'bosun@localhost' } });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, 600_000)))]);
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  return { count: received, seconds, perSecond: received / seconds };
}

type StreamClient = { receivedAt: Map<string, number>; close(): void };

async function openClient(url: string, token: string): Promise<StreamClient> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { 'x-dashboard-token': token }, signal: controller.signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}`);
  const receivedAt = new Map<string, number>();
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  void (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (block.startsWith('event: ready')) ready();
        if (block.startsWith('event: change')) {
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          const id = block.split('\n').find((l) => l.startsWith('id: '));
          if (id && data) receivedAt.set(id.slice(4), performance.now());
        }
      }
    }
  })();
  await isReady;
  return { receivedAt, close: () => controller.abort() };
}

/** (b) 200 SSE clients of one tenant: per change, the time from commit to each client and to the last. */
async function measureFanOut(cleanup: Cleanup) {
  const { handle, deps, hub } = await openBenchDb(cleanup, 'bosun-bench-sse-');
  const { tenant, ctx, crew } = await seedTenant(deps, 1);
  // Tomorrow, so the checklist is open (48 hours before departure); ticked by a captain who accepted.
  const bookingId = await newBooking(deps, ctx, 0, 1);
  await upsertEvent(deps, ctx, { booking_id: bookingId, crew: [{ crewId: crew[0]?.id ?? '', role: 'captain' }] });
  await answerAssignment(deps, crewContext(tenant.id, crew[0]?.id ?? ''), bookingId, { answer: 'accept' });
  const token = (await createKey(deps, OPERATOR, tenant.id, { kind: 'dashboard' })).key;
  const app = createApp({
    failureLimits: new InMemoryFailureLimits(),
    ...deps,
    log: pino({ level: 'silent' }),
    ping: async () => {},
    publicUrl: 'http://localhost',
    signingSecret: 'bench-signing-secret-of-at-least-32-characters',
    clientAddress: () => '127.0.0.1',
    acceptRequestOrigin: true,
  });
  const port = await findFreePort();
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
  });
  cleanup.defer('stop the HTTP server', () => new Promise<void>((resolve) => server.close(() => resolve())));
  const clients: StreamClient[] = [];
  cleanup.defer('close the stream clients', () => {
    for (const c of clients) c.close();
  });
  const url = `http://127.0.0.1:${port}/api/v1/stream`;
  for (let i = 0; i < CLIENTS; i += 20) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(20, CLIENTS - i) }, () => openClient(url, token)))));
  }
  const listening = hub.listenerCount(tenant.id);
  const perClient: number[] = [];
  const toAll: number[] = [];
  const items = ['Safety briefing given', 'Fuel checked'];
  const member = crewContext(tenant.id, crew[0]?.id ?? '');
  for (let i = 0; i < CHANGES; i++) {
    const round = Math.floor(i / items.length);
    const before = hub.published.length;
    await setChecklistTick(deps, member, bookingId, { item: items[i % items.length] ?? '', ticked: round % 2 === 0 });
    const published = performance.now();
    const deadline = Date.now() + 30_000;
    while (hub.published.length === before && Date.now() < deadline) await sleep(1);
    const key = hub.published[before] ?? '';
    while (clients.some((c) => !c.receivedAt.has(key)) && Date.now() < deadline) await sleep(1);
    const times = clients.map((c) => (c.receivedAt.get(key) ?? Number.NaN) - published);
    perClient.push(...times);
    toAll.push(Math.max(...times));
  }
  void handle;
  return { listening, perClient, toAll };
}

export async function benchCrew(say: (line?: string) => void, options: { withCleanup: <T>(fn: (c: Cleanup) => Promise<T>) => Promise<T> }) {
  const { withCleanup } = options;
  say(`crew: ${NOTICES} notices through SMTP…`);
  const mail = await withCleanup(measureMailJobs);
  say(`crew: SSE fan-out to ${CLIENTS} clients…`);
  const fan = await withCleanup(measureFanOut);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  say();
  say('crew (PGlite)');
  say(
    `  mail jobs through SMTP: ${mail.count} notices in ${mail.seconds.toFixed(1)} s = ${mail.perSecond.toFixed(0)}/s ` +
      `(one crew.notify job per notice, ${MAIL_JOB_CONCURRENCY} at a time, pooled SMTP; goal ≥ 20/s ${mail.perSecond >= 20 ? 'met' : 'MISSED'})`,
  );
  say(
    `  SSE fan-out, ${fan.listening} staff clients, ${CHANGES} checklist ticks: commit → all ${CLIENTS} received ` +
      `p50 ${ms(percentile(fan.toAll, 50))}, p99 ${ms(percentile(fan.toAll, 99))}; per client p50 ${ms(percentile(fan.perClient, 50))}, ` +
      `p99 ${ms(percentile(fan.perClient, 99))} (goal: all within 1 s at p99 ${percentile(fan.toAll, 99) <= 1000 ? 'met' : 'MISSED'})`,
  );
  say(
    '  how: (a) seeded bookings and events first, then started the worker and timed until the smtp-server sink on 127.0.0.1 held every message; ' +
      '(b) clients are Node fetch streams in the bench process over loopback HTTP to @hono/node-server; the time runs from the commit (the tick returning) ' +
      "through the notification, the change feed's read and the hub to each client parsing the event; one staff view is built per change and shared by all clients.",
  );
  say();
}
