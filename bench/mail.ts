/**
 * Mail figures (`BOSUN_BENCH=mail`), on PGlite and on a PostgreSQL server:
 * (a) a "message all guests" to 1,000 guests of one day: from the call that queues it to the last
 *     message recorded `sent`, worked by the job worker and delivered by the SMTP mailer to an
 *     smtp-server sink on 127.0.0.1 (goal ≥ 100/s); the reference is the same sink receiving the same
 *     1,000 messages (their bytes as Bosun sent them) from a bare nodemailer pooled transport;
 * (b) the time from a booking's confirmation (API create, confirmed) to its `guest.confirmation` mail
 *     accepted by the sink, p50/p99 over 60 bookings made one after another (goal p50 ≤ 1 s);
 * (c) crew notices per second (bench/crew.ts's 500 `crew.notify` jobs) worked one job at a time with a
 *     connection per message, as before, against the current mail queues and pooled connections.
 * Goals are printed, never enforced.
 */
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { InMemoryFailureLimits } from '../src/adapters/in-memory-failure-limits';
import { PgBossJobQueue } from '../src/adapters/pg-boss-job-queue';
import { DEFAULT_MAX_CONNECTIONS, SmtpMailer } from '../src/adapters/smtp-mailer';
import { type DbHandle, openPglite, openPostgres } from '../src/db/client';
import { migrateToLatest } from '../src/db/migrate';
import { generateBookingId } from '../src/domain/ids';
import { createApp } from '../src/http/app';
import { MAIL_JOB_CONCURRENCY, registerJobHandlers } from '../src/jobs/register';
import { systemClock } from '../src/ports/clock';
import { siteOrigin } from '../src/publish/site-layout';
import type { ServiceDeps } from '../src/services/context';
import { messageDepartureGuests } from '../src/services/guest-messages';
import { createKey } from '../src/services/keys';
import { BATCH_CONCURRENCY } from '../src/services/mail';
import { addVessel, createTenant } from '../src/services/tenants';
import type { Engine } from './creates';
import { measureMailJobs } from './crew';
import { type Cleanup, findFreePort, makeTempDir, percentile, sleep } from './support';

const GUESTS = 1000;
const WARMUP_GUESTS = 50;
const VESSELS = 100;
const CONFIRMATIONS = 60;
const RATE_GOAL = 100;
const LATENCY_GOAL_MS = 1000;
const OPERATOR = { kind: 'operator' as const, id: 'bench' };
const FROM = 'bosun@bench.test';

type Where = { engine: 'pglite'; dir: string } | { engine: 'postgres'; url: string };
type Arrival = { to: string; at: number; raw: Buffer };

/** An SMTP server on 127.0.0.1 that accepts everything and keeps each message's bytes and arrival time. */
async function startSink(cleanup: Cleanup) {
  const arrivals: Arrival[] = [];
  let wake: () => void = () => {};
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        arrivals.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), at: performance.now(), raw: Buffer.concat(chunks) });
        callback();
        wake();
      });
    },
  });
  const port = await findFreePort();
  await new Promise<void>((resolve) => sink.listen(port, '127.0.0.1', resolve));
  cleanup.defer('stop the SMTP sink', () => new Promise<void>((resolve) => sink.close(() => resolve())));
  /** Resolves once `count` messages have arrived in all, or after `timeoutMs` (then false). */
  const waitFor = async (count: number, timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (arrivals.length < count) {
      if (Date.now() > deadline) return false;
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(100)]);
    }
    return true;
  };
  return { port, url: `smtp://127.0.0.1:${port}`, arrivals, waitFor };
}

async function openEngine(cleanup: Cleanup, where: Where) {
  const handle: DbHandle = where.engine === 'pglite' ? await openPglite(where.dir) : await openPostgres(where.url, { max: 10 });
  cleanup.defer('close the database', () => handle.close());
  await migrateToLatest(handle.db);
  const jobs = await PgBossJobQueue.start(handle, { pollingIntervalSeconds: 0.5 });
  cleanup.defer('stop the job queue', () => jobs.stop());
  const deps: ServiceDeps = {
    db: handle.db,
    jobs,
    clock: systemClock,
    guestOrigin: (domain) => siteOrigin(domain, { https: false, port: 8080 }),
    publicHost: 'bench.test',
  };
  const tenant = await createTenant(deps, OPERATOR, {
    slug: 'bench',
    name: 'Bench Charters',
    guestDomain: 'bench.localhost',
    timezone: 'UTC',
  });
  const ctx = { tenantId: tenant.id, actor: OPERATOR };
  return { handle, jobs, deps, ctx };
}

/** Works the jobs as `bosun start` does, mailing the sink through the (pooled) SMTP mailer. */
async function workJobs(cleanup: Cleanup, f: Awaited<ReturnType<typeof openEngine>>, sinkUrl: string) {
  const mailer = new SmtpMailer(sinkUrl);
  cleanup.defer('close the SMTP mailer', () => mailer.close());
  await registerJobHandlers(f.jobs, { ...f.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: FROM } });
}

const dayAhead = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** `count` confirmed charters on `day` over the vessels (hourly from 06:00 UTC), written straight into the table. */
async function seedDay(f: Awaited<ReturnType<typeof openEngine>>, vesselIds: string[], day: string, count: number, label: string) {
  const now = new Date();
  const rows = Array.from({ length: count }, (_, i) => {
    const startsAt = new Date(`${day}T06:00:00Z`);
    startsAt.setUTCHours(6 + Math.floor(i / vesselIds.length));
    const endsAt = new Date(startsAt.getTime() + 50 * 60_000);
    return {
      tenant_id: f.ctx.tenantId,
      id: generateBookingId(),
      status: 'confirmed' as const,
      guest_name: `Guest ${label}${i}`,
      guest_email: `${label}${i}@example.com`,
      guest_phone: null,
      party_size: 4,
      vessel_id: vesselIds[i % vesselIds.length] ?? '',
      starts_at: startsAt,
      ends_at: endsAt,
      blocked_until: endsAt,
      timezone: 'UTC',
      pricing_total: '840.75',
      currency: 'USD',
      captain_fee_per_hour: null,
      notes_internal: null,
      notes_crew: null,
      notes_guest: 'Bring sunscreen',
      friendly_slug: null,
      created_at: now,
      updated_at: now,
    };
  });
  for (let i = 0; i < rows.length; i += 200)
    await f.handle.db
      .insertInto('bookings')
      .values(rows.slice(i, i + 200))
      .execute();
}

async function sentOfBatch(f: Awaited<ReturnType<typeof openEngine>>, batchId: string): Promise<number> {
  const row = await f.handle.db
    .selectFrom('outgoing_mail')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tenant_id', '=', f.ctx.tenantId)
    .where('batch_id', '=', batchId)
    .where('status', '=', 'sent')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type MessageFigures = {
  engine: Engine;
  queuedSeconds: number;
  acceptedSeconds: number;
  recordedSeconds: number;
  perSecond: number;
  reference: { seconds: number; perSecond: number };
  bytes: number;
};

/** (a) One message to 1,000 guests, after a 50-guest warm-up; then the bare-nodemailer reference. */
async function measureMessage(cleanup: Cleanup, where: Where): Promise<MessageFigures> {
  const sink = await startSink(cleanup);
  const f = await openEngine(cleanup, where);
  const vesselIds: string[] = [];
  for (let v = 0; v < VESSELS; v++) {
    const vessel = await addVessel(f.deps, f.ctx, {
      slug: `boat-${v}`,
      name: `Boat ${v}`,
      capacity: 12,
      meetingPoint: `Dock ${v}`,
      timezone: 'UTC',
    });
    vesselIds.push(vessel.id);
  }
  const warmDay = dayAhead(20);
  const day = dayAhead(21);
  await seedDay(f, vesselIds, warmDay, WARMUP_GUESTS, 'warm');
  await seedDay(f, vesselIds, day, GUESTS, 'guest');
  await workJobs(cleanup, f, sink.url);
  const message = {
    subject: 'Your charter on {{charter.date}}',
    body: 'Hello {{guest.firstName}},\n\nThe forecast is fine: see you at {{charter.meetingPoint}} at {{charter.startTime}}.',
  };

  const warm = await messageDepartureGuests(f.deps, f.ctx, { date: warmDay, ...message });
  if (!(await sink.waitFor(WARMUP_GUESTS, 120_000))) throw new Error('the warm-up message did not arrive');
  while ((await sentOfBatch(f, warm.batchId)) < WARMUP_GUESTS) await sleep(20);

  const before = sink.arrivals.length;
  const started = performance.now();
  const { batchId } = await messageDepartureGuests(f.deps, f.ctx, { date: day, ...message });
  const queued = performance.now();
  if (!(await sink.waitFor(before + GUESTS, 600_000))) throw new Error(`only ${sink.arrivals.length - before} of ${GUESTS} arrived`);
  const accepted = sink.arrivals[before + GUESTS - 1]?.at ?? performance.now();
  while ((await sentOfBatch(f, batchId)) < GUESTS) await sleep(20);
  const recorded = performance.now();
  const sent = sink.arrivals.slice(before, before + GUESTS);

  // The reference: the same bytes, to the same recipients, through a bare pooled transport.
  const bare = nodemailer.createTransport({
    host: '127.0.0.1',
    port: sink.port,
    secure: false,
    pool: true,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
  });
  cleanup.defer('close the bare transport', () => bare.close());
  const refBefore = sink.arrivals.length;
  const refStarted = performance.now();
  await Promise.all(sent.map((m) => bare.sendMail({ envelope: { from: FROM, to: m.to }, raw: m.raw })));
  if (!(await sink.waitFor(refBefore + GUESTS, 600_000))) throw new Error('the reference did not arrive');
  const refSeconds = (performance.now() - refStarted) / 1000;

  const recordedSeconds = (recorded - started) / 1000;
  return {
    engine: where.engine,
    queuedSeconds: (queued - started) / 1000,
    acceptedSeconds: (accepted - started) / 1000,
    recordedSeconds,
    perSecond: GUESTS / recordedSeconds,
    reference: { seconds: refSeconds, perSecond: GUESTS / refSeconds },
    bytes: sent.reduce((sum, m) => sum + m.raw.length, 0) / GUESTS,
  };
}

export type ConfirmationFigures = { engine: Engine; latenciesMs: number[] } | { engine: Engine; skipped: string };

/** (b) Booking created confirmed through the API → its confirmation mail accepted by the sink, one booking at a time. */
async function measureConfirmation(cleanup: Cleanup, where: Where): Promise<ConfirmationFigures> {
  const sink = await startSink(cleanup);
  const f = await openEngine(cleanup, where);
  await addVessel(f.deps, f.ctx, { slug: 'jada', name: 'Jada', capacity: 12, meetingPoint: 'Dock C', timezone: 'UTC' });
  const key = (await createKey(f.deps, OPERATOR, f.ctx.tenantId, { kind: 'service' })).key;
  await workJobs(cleanup, f, sink.url);
  const app = createApp({
    failureLimits: new InMemoryFailureLimits(),
    ...f.deps,
    log: pino({ level: 'silent' }),
    ping: async () => {},
    publicUrl: 'http://localhost:8080',
    signingSecret: 'bench-signing-secret-of-at-least-32-characters',
    clientAddress: () => '127.0.0.1',
    acceptRequestOrigin: true,
  });
  const port = await findFreePort();
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
  });
  cleanup.defer('stop the HTTP server', () => new Promise<void>((resolve) => server.close(() => resolve())));

  const latenciesMs: number[] = [];
  for (let i = 0; i < CONFIRMATIONS; i++) {
    const day = dayAhead(10 + i);
    const to = `confirm${i}@example.com`;
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/bookings`, {
      method: 'POST',
      headers: { 'x-service-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({
        guest: { name: `Confirmed Guest ${i}`, email: to },
        partySize: 4,
        vessel: 'jada',
        startsAt: `${day}T10:00:00Z`,
        endsAt: `${day}T12:00:00Z`,
        status: 'confirmed',
      }),
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}`);
    await res.arrayBuffer();
    const find = () => sink.arrivals.find((m) => m.to === to && /^X-Bosun-Kind: guest\.confirmation\r?$/im.test(m.raw.toString('latin1')));
    const deadline = Date.now() + (i === 0 ? 15_000 : 60_000);
    let got = find();
    while (!got && Date.now() < deadline) {
      await sink.waitFor(sink.arrivals.length + 1, 200);
      got = find();
    }
    if (!got) {
      if (i === 0)
        return { engine: where.engine, skipped: 'no guest.confirmation mail arrived within 15 s of the first confirmed booking' };
      throw new Error(`the confirmation of booking ${i} did not arrive`);
    }
    latenciesMs.push(got.at - started);
  }
  return { engine: where.engine, latenciesMs };
}

export async function benchMail(
  say: (line?: string) => void,
  options: { withCleanup: <T>(fn: (c: Cleanup) => Promise<T>) => Promise<T>; postgresUrl: (c: Cleanup) => Promise<string | null> },
) {
  const { withCleanup } = options;
  const engines: { engine: Engine; where: (c: Cleanup) => Promise<Where | null> }[] = [
    { engine: 'pglite', where: async (c) => ({ engine: 'pglite', dir: join(makeTempDir(c, 'bosun-bench-mail-'), 'db') }) },
    {
      engine: 'postgres',
      where: async (c) => {
        const url = await options.postgresUrl(c);
        return url ? { engine: 'postgres', url } : null;
      },
    },
  ];
  const messages: MessageFigures[] = [];
  const confirmations: ConfirmationFigures[] = [];
  const skipped: string[] = [];
  for (const e of engines) {
    say(`mail: ${e.engine}: a message to ${GUESTS} guests…`);
    const m = await withCleanup(async (c) => {
      const where = await e.where(c);
      return where ? measureMessage(c, where) : null;
    });
    if (!m) {
      skipped.push(`${e.engine}: no PostgreSQL server answered`);
      continue;
    }
    messages.push(m);
    say(`mail: ${e.engine}: confirmation → mail, ${CONFIRMATIONS} bookings…`);
    const conf = await withCleanup(async (c) => {
      const where = await e.where(c);
      return where ? measureConfirmation(c, where) : null;
    });
    if (conf) confirmations.push(conf);
  }
  say('mail: crew notices, one job at a time and a connection per message (as before)…');
  const before = await withCleanup((c) => measureMailJobs(c, 'one-at-a-time'));
  say('mail: crew notices, as now…');
  const after = await withCleanup((c) => measureMailJobs(c, 'current'));

  const s = (v: number) => `${v.toFixed(2)} s`;
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  say();
  say('mail');
  for (const m of messages) {
    const met = m.perSecond >= RATE_GOAL;
    say(
      `  ${m.engine}: message to ${GUESTS} guests: ${m.perSecond.toFixed(0)}/s (queued in ${s(m.queuedSeconds)}, all accepted by SMTP after ` +
        `${s(m.acceptedSeconds)}, all recorded sent after ${s(m.recordedSeconds)}); reference bare nodemailer pool ${m.reference.perSecond.toFixed(0)}/s ` +
        `(${s(m.reference.seconds)}); ratio ${(m.perSecond / m.reference.perSecond).toFixed(2)}×; goal ≥ ${RATE_GOAL}/s ${met ? 'met' : 'MISSED'}`,
    );
  }
  for (const c of confirmations) {
    if ('skipped' in c) {
      say(`  ${c.engine}: confirmation → mail accepted: skipped (${c.skipped})`);
      continue;
    }
    const p50 = percentile(c.latenciesMs, 50);
    say(
      `  ${c.engine}: confirmation → mail accepted by SMTP, ${c.latenciesMs.length} bookings: p50 ${ms(p50)}, p99 ${ms(percentile(c.latenciesMs, 99))}, ` +
        `max ${ms(Math.max(...c.latenciesMs))}; goal p50 ≤ ${ms(LATENCY_GOAL_MS)} ${p50 <= LATENCY_GOAL_MS ? 'met' : 'MISSED'}`,
    );
  }
  say(
    `  pglite: crew notices (${after.count} crew.notify jobs): ${before.perSecond.toFixed(1)}/s one job at a time without a pool → ` +
      `${after.perSecond.toFixed(1)}/s now (${MAIL_JOB_CONCURRENCY} jobs at a time, pooled); ${(after.perSecond / before.perSecond).toFixed(1)}×`,
  );
  for (const why of skipped) say(`  ${why}: skipped`);
  say(
    `  how: (a) ${GUESTS} confirmed charters of one day on ${VESSELS} vessels written straight into the table; after a ${WARMUP_GUESTS}-guest warm-up ` +
      'message, timed from the messageDepartureGuests call (one transaction: rows, audit entries, one job) until every row of the batch is recorded ' +
      `sent; one mail.send job sends the batch ${BATCH_CONCURRENCY} at a time over ${DEFAULT_MAX_CONNECTIONS} pooled SMTP connections to an ` +
      `smtp-server sink on 127.0.0.1 (${(messages[0]?.bytes ?? 0).toFixed(0)} bytes a message); the reference hands the sink's copies of the same ` +
      'messages to a bare nodemailer pool of the same size, all at once; (b) one booking at a time over loopback HTTP, from the POST until the sink ' +
      "accepted its guest.confirmation mail; (c) the crew section's 500 notices, timed from starting the worker until the sink held them all.",
  );
  say();
}
