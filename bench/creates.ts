/**
 * Booking creates per second through the real API over HTTP, against raw INSERTs of equivalent rows
 * through the same database handle in the same process, with the same concurrency; and, to show
 * what the writes themselves cost, the rows a create writes in one transaction without the API.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { InMemoryFailureLimits } from '../src/adapters/in-memory-failure-limits';
import { PgBossJobQueue } from '../src/adapters/pg-boss-job-queue';
import { type DbHandle, openPglite, openPostgres } from '../src/db/client';
import { migrateToLatest } from '../src/db/migrate';
import { generateBookingId } from '../src/domain/ids';
import { createApp } from '../src/http/app';
import { pingDatabase } from '../src/main/runtime';
import { systemClock } from '../src/ports/clock';
import { siteOrigin } from '../src/publish/site-layout';
import type { ServiceDeps } from '../src/services/context';
import { KeyCache } from '../src/services/key-cache';
import { createKey } from '../src/services/keys';
import { writePending } from '../src/services/pending-writes';
import { addVessel, createTenant } from '../src/services/tenants';
import { type Cleanup, combineRuns, percentile, type Run, runBounded } from './support';

export type Engine = 'pglite' | 'postgres';

/** `requests` per path, measured in `rounds` alternating rounds after `warmup` of each. */
export type CreatesPlan = { warmup: number; requests: number; rounds: number; concurrency: number };

/** `raw`: one INSERT per booking (the goal's reference); `writes`: the rows a create writes, in one transaction. */
export type CreatesResult = { api: Run; raw: Run; writes: Run; plan: CreatesPlan; statements: Statements };

/** Statements sent to the database per create, on each path (each one a round trip on a server). */
export type Statements = { api: number; raw: number; writes: number };

const OPERATOR = { kind: 'operator' as const, id: 'bench' };
const TIMEZONE = 'America/Los_Angeles';

type Fixture = {
  handle: DbHandle;
  deps: ServiceDeps;
  jobs: PgBossJobQueue;
  tenantId: string;
  vesselId: string;
  serviceKey: string;
  serviceKeyId: string;
};

/** A migrated database with the job queue started (not working jobs), one tenant, a vessel and a service key. */
async function prepare(cleanup: Cleanup, where: { engine: 'pglite'; dir: string } | { engine: 'postgres'; url: string }): Promise<Fixture> {
  const handle = where.engine === 'pglite' ? await openPglite(where.dir) : await openPostgres(where.url, { max: 10 });
  cleanup.defer('close the database', () => handle.close());
  await migrateToLatest(handle.db);
  const jobs = await PgBossJobQueue.start(handle, { supervise: false });
  cleanup.defer('stop the job queue', () => jobs.stop());
  const deps: ServiceDeps = {
    db: handle.db,
    jobs,
    clock: systemClock,
    guestOrigin: (domain) => siteOrigin(domain, { https: false, port: 8080 }),
    publicHost: 'localhost',
    // As `bosun start` builds them: the embedded database's owner remembers the keys it found (ADR 0035).
    ...(handle.engine === 'pglite' ? { keyCache: new KeyCache() } : {}),
  };
  const tenant = await createTenant(deps, OPERATOR, {
    slug: 'bench',
    name: 'Bench Charters',
    guestDomain: 'bench.localhost',
    timezone: TIMEZONE,
  });
  const ctx = { tenantId: tenant.id, actor: OPERATOR };
  const vessel = await addVessel(deps, ctx, { slug: 'jada', name: 'Jada', capacity: 12, meetingPoint: 'Dock C', timezone: TIMEZONE });
  const key = await createKey(deps, OPERATOR, tenant.id, { kind: 'service' });
  return { handle, deps, jobs, tenantId: tenant.id, vesselId: vessel.id, serviceKey: key.key, serviceKeyId: key.id };
}

/** The real application on 127.0.0.1 at an ephemeral port, as `bosun start` builds it. */
async function serveApp(cleanup: Cleanup, f: Fixture): Promise<number> {
  const app = createApp({
    ...f.deps,
    log: pino({ level: 'silent' }),
    ping: () => pingDatabase(f.handle),
    failureLimits: new InMemoryFailureLimits(),
    clientAddress: (c) => getConnInfo(c).remote.address ?? '127.0.0.1',
    signingSecret: 'bench-signing-secret-of-at-least-32-characters',
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    s.once('error', reject);
  });
  // The client's sockets idle while the other paths run (longer than Node's 5 s on a loaded machine): a
  // socket the server closed meanwhile would be reused and reset. Keep them open for the run.
  (server as Server).keepAliveTimeout = 10 * 60_000;
  cleanup.defer('stop the HTTP server', () => {
    const http = server as Server;
    http.closeAllConnections();
    return new Promise<void>((resolve) => http.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

/** When the n-th booking starts: one a day from June 2026, 10:00 in the vessel's zone. */
/** Tomorrow, 17:00 UTC: bookings start in the future (the rules refuse the past). */
const BASE = (() => {
  const d = new Date(Date.now() + 86_400_000);
  d.setUTCHours(17, 0, 0, 0);
  return d.getTime();
})();

/** Booking `n`'s start: three-hour charters back to back on the one vessel, so none overlaps another. */
function startOf(n: number): Date {
  return new Date(BASE + n * 3 * 3_600_000);
}

function bookingBody(n: number) {
  const startsAt = startOf(n);
  return JSON.stringify({
    guest: { name: `Avery Guest ${n}`, email: `avery${n}@example.com`, phone: '+1 619 555 0100' },
    partySize: 6,
    vessel: 'jada',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
    status: 'confirmed',
    pricing: { total: 840.75, currency: 'USD' },
    captainFeePerHour: 50,
    notes: { internal: 'Revenue: $840.75', crew: 'Bring spare fenders', guest: 'Bring sunscreen' },
  });
}

/** A keep-alive HTTP client with one socket per lane. */
function makePoster(cleanup: Cleanup, port: number, key: string, concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  cleanup.defer('close the client sockets', () => agent.destroy());
  return (path: string, body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-service-key': key },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 201) resolve();
            else reject(new Error(`POST ${path} answered ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

const INSERT_BOOKING = `insert into bookings (tenant_id, id, status, guest_name, guest_email, guest_phone, party_size, vessel_id,
  starts_at, ends_at, blocked_until, timezone, pricing_total, currency, captain_fee_per_hour, notes_internal, notes_crew, notes_guest)
  values ($1, $2, 'confirmed', $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16)`;

function rawBookingValues(f: Fixture, n: number, id: string): unknown[] {
  const startsAt = startOf(n);
  return [
    f.tenantId,
    id,
    `Avery Guest ${n}`,
    `avery${n}@example.com`,
    '+1 619 555 0100',
    6,
    f.vesselId,
    startsAt,
    new Date(startsAt.getTime() + 3 * 3_600_000),
    TIMEZONE,
    '840.75',
    'USD',
    '50.00',
    'Revenue: $840.75',
    'Bring spare fenders',
    'Bring sunscreen',
  ];
}

/**
 * One booking row, as the API would store it, in one statement — so in its own (implicit)
 * transaction on either engine. A random id that collides is drawn again, as the service does.
 */
async function insertRawBooking(f: Fixture, n: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await f.handle.executeSql(INSERT_BOOKING, rawBookingValues(f, n, generateBookingId()));
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '23505' || attempt >= 8) throw err;
    }
  }
}

const INSERT_MAIL = `insert into outgoing_mail (id, tenant_id, kind, dedupe_key, recipient, recipient_name, booking_id, message_id,
  content, automatic, created_at, updated_at) values ($1, $2, 'guest.confirmation', $3, $4, $5, $6, $7, '{}', true, now(), now())`;

/**
 * What a create writes, without its reads or the HTTP layer, statement for statement as the service
 * writes it: the booking, the guest's queued confirmation, then its audit entries (the first with a
 * staff view of about the API's size, then the mail's) and the jobs of both through the service's own
 * `writePending` (one statement, ADR 0035), in one transaction.
 */
async function insertBookingWrites(f: Fixture, n: number, keyId: string): Promise<void> {
  const id = generateBookingId();
  const values = rawBookingValues(f, n, id);
  const after = { id, status: 'confirmed', values, guestPageUrl: `http://bench.localhost:8080/g/${id}`, crew: [] };
  const mailId = randomUUID();
  const actor = { kind: 'key' as const, id: keyId };
  await f.deps.db.transaction().execute(async (tx) => {
    await tx.executeQuery(CompiledQuery.raw(INSERT_BOOKING, values));
    await tx.executeQuery(
      CompiledQuery.raw(INSERT_MAIL, [
        mailId,
        f.tenantId,
        `guest.confirmation:${id}:v1`,
        `avery${n}@example.com`,
        `Avery Guest ${n}`,
        id,
        `<${mailId}@localhost>`,
      ]),
    );
    await writePending(f.deps, tx, f.tenantId, {
      audit: [
        { actor, action: 'booking.created', entityType: 'booking', entityId: id, after },
        { actor, action: 'booking.confirmed', entityType: 'booking', entityId: id },
        { actor, action: 'mail.queued', entityType: 'booking', entityId: id, after: { mail: mailId, kind: 'guest.confirmation' } },
      ],
      jobs: [
        { name: 'guest-page.publish', payload: { tenantId: f.tenantId, bookingId: id, reason: 'booking.created' } },
        { name: 'mail.send', payload: { tenantId: f.tenantId, mailId, reason: 'guest.confirmation' } },
      ],
    });
  });
}

/**
 * How many statements `task` sends to the database, counted at the driver (PGlite's `query` and
 * `exec`; pg's `Client#query`, which the pool and pg-boss use too): BEGIN and COMMIT included.
 */
async function countStatements(f: Fixture, task: () => Promise<void>): Promise<number> {
  let count = 0;
  const pglite = f.handle.pglite;
  if (pglite) {
    const { query, exec } = pglite;
    pglite.query = ((...args: Parameters<typeof query>) => {
      count++;
      return query.apply(pglite, args);
    }) as typeof query;
    pglite.exec = ((...args: Parameters<typeof exec>) => {
      count++;
      return exec.apply(pglite, args);
    }) as typeof exec;
    try {
      await task();
    } finally {
      pglite.query = query;
      pglite.exec = exec;
    }
    return count;
  }
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    count++;
    return query.apply(this, args);
  };
  try {
    await task();
  } finally {
    proto.query = query;
  }
  return count;
}

/** Measures the three paths on one fresh database; everything it opens is registered with `cleanup`. */
export async function measureCreates(
  cleanup: Cleanup,
  where: { engine: 'pglite'; dir: string } | { engine: 'postgres'; url: string },
  plan: CreatesPlan,
): Promise<CreatesResult> {
  const f = await prepare(cleanup, where);
  const port = await serveApp(cleanup, f);
  const post = makePoster(cleanup, port, f.serviceKey, plan.concurrency);
  let n = 0;
  const viaApi = () => post('/api/v1/bookings', bookingBody(n++));
  const viaRaw = () => insertRawBooking(f, n++);
  const viaWrites = () => insertBookingWrites(f, n++, f.serviceKeyId);

  await runBounded(plan.warmup, plan.concurrency, viaApi);
  await runBounded(plan.warmup, plan.concurrency, viaRaw);
  await runBounded(plan.warmup, plan.concurrency, viaWrites);
  // One create at a time, after the warm-up (a key already used, as for any client but its first request).
  const SAMPLES = 5;
  const perCreate = async (task: () => Promise<void>) =>
    (await countStatements(f, () => runBounded(SAMPLES, 1, task).then(() => undefined))) / SAMPLES;
  const statements: Statements = { api: await perCreate(viaApi), raw: await perCreate(viaRaw), writes: await perCreate(viaWrites) };
  // Alternating rounds, so a change of load on the machine (or the growing table) weighs on each path alike.
  const rounds: Run[][] = [];
  for (let r = 0; r < plan.rounds; r++) {
    const size = Math.floor(plan.requests / plan.rounds);
    rounds.push([
      await runBounded(size, plan.concurrency, viaApi),
      await runBounded(size, plan.concurrency, viaRaw),
      await runBounded(size, plan.concurrency, viaWrites),
    ]);
  }
  const [api, raw, writes] = [0, 1, 2].map((k) => combineRuns(rounds.map((round) => round[k] as Run))) as [Run, Run, Run];

  const expected = 3 * (plan.warmup + SAMPLES + plan.rounds * Math.floor(plan.requests / plan.rounds));
  const { rows } = await f.handle.executeSql('select count(*)::int as n from bookings where tenant_id = $1', [f.tenantId]);
  if (Number(rows[0]?.n) !== expected) throw new Error(`expected ${expected} bookings after the run, found ${rows[0]?.n}`);
  return { api, raw, writes, plan, statements };
}

export function describeLatency(run: Run): string {
  return `p50 ${percentile(run.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(run.latenciesMs, 99).toFixed(1)} ms`;
}
