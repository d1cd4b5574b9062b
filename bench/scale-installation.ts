/**
 * One step of the scale bench (scale.ts), run in a process of its own so that each measurement's RSS is
 * its own: `seed` builds or grows an installation, `measure` opens it as `bosun start` would and times
 * what one tenant's users do. The step's input is the JSON in argv[2]; its answer the last stdout line,
 * `RESULT <json>`. The parent owns the database and the folders and removes them.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../src/db/client';
import { NOT_FOUND_KEY, siteBucket } from '../src/publish/site-layout';
import { createBooking } from '../src/services/bookings';
import { answerAssignment, crewContext } from '../src/services/crew';
import { getCrewFeedUrl } from '../src/services/crew-feed';
import { checkInstallation } from '../src/services/doctor';
import { upsertEvent } from '../src/services/events';
import { createKey } from '../src/services/keys';
import { republishGuestPages } from '../src/services/publishing';
import { addCrewMember, addVessel, createTenant } from '../src/services/tenants';
import { BENCH_SIGNING_SECRET, bookingInput, createAndWaitLive, makeClient, openInstallation, type Where } from './guest-sites';
import { Cleanup, cleanUpOnSignals, percentile, sleep } from './support';

const OPERATOR = { kind: 'operator' as const, id: 'bench' };
const TIMEZONE = 'America/Los_Angeles';
/** The measured tenant: the one created through the services, in every installation. */
export const MEASURED = { slug: 'scale', name: 'Scale Charters', guestDomain: 'scale.localhost' };
/** Its seeded charters rotate over these vessels; `jada` (created empty) takes the measured creates. */
const SEEDED_VESSELS = ['osprey', 'tern', 'heron'] as const;
const CREW_PER_VESSEL = 3;
const SLOTS_PER_DAY = 3;
const HOUR_MS = 3_600_000;

export type SeedStep = {
  step: 'seed';
  where: Where;
  objectsDir: string;
  /** The measured tenant's bookings from `from` (inclusive) to `to` (exclusive); 0 creates the tenant. */
  from: number;
  to: number;
  /** Copies of the measured tenant made for other operators (made once, right after its first bookings). */
  others: number;
};

export type MeasureStep = {
  step: 'measure';
  where: Where;
  objectsDir: string;
  serviceKey: string;
  /** The first `bookingInput` number this step creates on `jada` (each step its own days). */
  firstCreate: number;
  samples: number;
  doctorRuns: number;
};

export type SeedResult = { serviceKey: string | null; seconds: { services: number; publish: number; others: number } };

export type MeasureResult = {
  listMs: number[];
  listed: number;
  createMs: number[];
  liveMs: number[];
  feedMs: number[];
  feedEvents: number;
  doctorMs: number[];
  doctorChecks: number;
  rssBytes: number;
  peakRssBytes: number;
  databaseBytes: number;
  bookings: { measured: number; all: number; tenants: number };
};

/** Tomorrow 15:00 UTC: seeded charters are in the future, as the rules require of a new booking. */
const BASE = (() => {
  const d = new Date(Date.now() + 86_400_000);
  d.setUTCHours(15, 0, 0, 0);
  return d.getTime();
})();

/** Seeded booking `n`: three-hour charters, three a day on each seeded vessel, none overlapping. */
function seededBooking(n: number) {
  const vessel = n % SEEDED_VESSELS.length;
  const k = Math.floor(n / SEEDED_VESSELS.length);
  const startsAt = new Date(BASE + Math.floor(k / SLOTS_PER_DAY) * 24 * HOUR_MS + (k % SLOTS_PER_DAY) * 4 * HOUR_MS);
  return {
    vessel,
    input: {
      guest: { name: `Guest ${n}`, email: `guest${n}@example.com`, phone: '+1 619 555 0100' },
      partySize: 2 + (n % 9),
      vessel: SEEDED_VESSELS[vessel] as string,
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * HOUR_MS).toISOString(),
      status: 'confirmed' as const,
      pricing: { total: 400 + (n % 1200), currency: 'USD' },
      captainFeePerHour: 50,
      notes: { internal: 'Paid by card', crew: 'Fuel at the north dock', guest: 'Bring sunscreen' },
    },
  };
}

async function measuredTenantId(db: Db): Promise<string | null> {
  const row = await sql<{ id: string }>`select id from tenants where slug = ${MEASURED.slug}`.execute(db);
  return row.rows[0]?.id ?? null;
}

/** The tenant-owned tables a copy of a tenant fills, parents first. */
const COPIED_TABLES = [
  'tenants',
  'sites',
  'vessels',
  'crew_members',
  'bookings',
  'crew_events',
  'assignments',
  'guest_pages',
  'friendly_slugs',
  'outgoing_mail',
  'audit_log',
  'crew_calendar_feeds',
] as const;

/** Values that must differ between copies (unique columns); every uuid is mapped consistently per copy. */
const DISTINCT: Record<string, string> = {
  'tenants.slug': `src.slug || '-c' || g`,
  'tenants.name': `src.name || ' ' || g`,
  'sites.domain': `'c' || g || '-' || src.domain`,
  'outgoing_mail.message_id': `'<c' || g || '-' || substr(src.message_id, 2)`,
};

/**
 * `count` other operators, each a copy of the measured tenant's rows made with one INSERT … SELECT per
 * table through the real schema (its constraints and indexes): every uuid mapped to md5(copy, uuid),
 * so the copies' keys are new and their references consistent; slugs, domains and message ids
 * numbered. Each copy's not-found page is stored too, as its first publish would have.
 */
async function copyTenant(db: Db, store: import('../src/ports/object-store').ObjectStore, tenantId: string, count: number) {
  for (const table of COPIED_TABLES) {
    const columns = await sql<{ column_name: string; data_type: string; is_generated: string }>`
      select column_name, data_type, is_generated from information_schema.columns
       where table_schema = 'public' and table_name = ${table} order by ordinal_position`.execute(db);
    const names: string[] = [];
    const values: string[] = [];
    for (const c of columns.rows) {
      if (c.is_generated === 'ALWAYS' || (table === 'audit_log' && c.column_name === 'id')) continue;
      names.push(`"${c.column_name}"`);
      const distinct = DISTINCT[`${table}.${c.column_name}`];
      values.push(
        distinct ?? (c.data_type === 'uuid' ? `md5(g::text || ':' || src."${c.column_name}"::text)::uuid` : `src."${c.column_name}"`),
      );
    }
    const owner = table === 'tenants' ? 'id' : 'tenant_id';
    await sql
      .raw(
        `insert into ${table} (${names.join(', ')}) select ${values.join(', ')}
           from ${table} src cross join generate_series(1, ${count}) g where src.${owner} = '${tenantId}'`,
      )
      .execute(db);
  }
  const page = await store.get(siteBucket(MEASURED.guestDomain), NOT_FOUND_KEY);
  if (page) {
    for (let g = 1; g <= count; g++) {
      await store.put({
        bucket: siteBucket(`c${g}-${MEASURED.guestDomain}`),
        key: NOT_FOUND_KEY,
        body: page.body,
        contentType: page.contentType,
        cacheControl: page.cacheControl ?? 'no-cache',
      });
    }
  }
}

async function seed(cleanup: Cleanup, input: SeedStep): Promise<SeedResult> {
  const site = await openInstallation(cleanup, input.where, { worker: false, objectsDir: input.objectsDir });
  const { deps } = site;
  const t0 = performance.now();
  let tenantId = await measuredTenantId(deps.db);
  let serviceKey: string | null = null;
  const crewOf: string[][] = [];
  if (!tenantId) {
    const tenant = await createTenant(deps, OPERATOR, { ...MEASURED, timezone: TIMEZONE });
    tenantId = tenant.id;
    const ctx = { tenantId, actor: OPERATOR };
    await addVessel(deps, ctx, { slug: 'jada', name: 'Jada', capacity: 12, meetingPoint: 'Dock C', timezone: TIMEZONE });
    for (const [v, slug] of SEEDED_VESSELS.entries()) {
      await addVessel(deps, ctx, {
        slug,
        name: slug[0]?.toUpperCase() + slug.slice(1),
        capacity: 12,
        meetingPoint: 'Dock A',
        timezone: TIMEZONE,
      });
      const crew: string[] = [];
      for (let i = 0; i < CREW_PER_VESSEL; i++) {
        const role = i === 0 ? ('captain' as const) : ('crew' as const);
        crew.push((await addCrewMember(deps, ctx, { name: `Crew ${slug} ${i}`, email: `crew-${slug}-${i}@scale.test`, role })).id);
      }
      crewOf[v] = crew;
    }
    serviceKey = (await createKey(deps, OPERATOR, tenantId, { kind: 'service' })).key;
  } else {
    for (const slug of SEEDED_VESSELS) {
      const { rows } = await sql<{ id: string }>`select id from crew_members where tenant_id = ${tenantId}
        and email like ${`crew-${slug}-%`} order by email`.execute(deps.db);
      crewOf.push(rows.map((r) => r.id));
    }
  }
  const ctx = { tenantId, actor: OPERATOR };
  // Every charter gets its captain and a deckhand; the captain accepts every other one.
  for (let n = input.from; n < input.to; n++) {
    const { vessel, input: booking } = seededBooking(n);
    const created = await createBooking(deps, ctx, booking);
    const [captain, ...hands] = crewOf[vessel] ?? [];
    if (!captain) throw new Error('the measured tenant has no crew');
    const deckhand = hands[n % hands.length] as string;
    await upsertEvent(deps, ctx, {
      booking_id: created.booking.id,
      crew: [
        { crewId: captain, role: 'captain' },
        { crewId: deckhand, role: 'crew' },
      ],
    });
    if (n % 2 === 0) await answerAssignment(deps, crewContext(tenantId, captain), created.booking.id, { answer: 'accept' });
  }
  const services = (performance.now() - t0) / 1000;
  // Every page published and verified live, as `bosun publish <tenant> --all` does it.
  const t1 = performance.now();
  const published = await republishGuestPages(deps, ctx, { all: true }, { concurrency: 8 });
  if (published.failed.length > 0) throw new Error(`publishing failed: ${published.failed[0]?.error}`);
  const publish = (performance.now() - t1) / 1000;
  // The seed's own jobs (each booking's publish, its guest's confirmation, crew notices) are done or
  // moot: dropped, so every measured run starts with an empty queue.
  await sql`delete from pgboss.job where state in ('created', 'retry')`.execute(deps.db);
  const t2 = performance.now();
  if (input.others > 0) await copyTenant(deps.db, deps.sites.store, tenantId, input.others);
  // A PostgreSQL server's autovacuum analyzes the new rows at a time of its own choosing: done now, so the
  // plans do not depend on when. PGlite runs no autovacuum and Bosun no ANALYZE: left as a user has it.
  if (input.where.engine === 'postgres') await sql`analyze`.execute(deps.db);
  return { serviceKey, seconds: { services, publish, others: (performance.now() - t2) / 1000 } };
}

function readStatusBytes(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

async function measure(cleanup: Cleanup, input: MeasureStep): Promise<MeasureResult> {
  const site = await openInstallation(cleanup, input.where, { worker: true, objectsDir: input.objectsDir });
  const { deps } = site;
  const tenantId = await measuredTenantId(deps.db);
  if (!tenantId) throw new Error('the installation has no measured tenant');
  const call = makeClient(cleanup, site.port, 1);
  const key = { 'x-service-key': input.serviceKey };

  // A month: the calendar month after this one, by the tenant's days.
  const month = new Date();
  month.setUTCDate(1);
  month.setUTCMonth(month.getUTCMonth() + 1);
  const from = month.toISOString().slice(0, 10);
  month.setUTCMonth(month.getUTCMonth() + 1);
  month.setUTCDate(0);
  const to = month.toISOString().slice(0, 10);
  let listed = 0;
  const list = async () => {
    const res = await call('GET', `/api/v1/bookings?from=${from}&to=${to}&limit=500`, key);
    if (res.status !== 200) throw new Error(`GET /api/v1/bookings answered ${res.status}: ${res.body.slice(0, 300)}`);
    listed = (JSON.parse(res.body) as { bookings: unknown[] }).bookings.length;
  };
  // The captain of the first seeded vessel: a third of the charters, half of them accepted.
  const captain = await sql<{ id: string }>`select id from crew_members where tenant_id = ${tenantId}
    and email = ${`crew-${SEEDED_VESSELS[0]}-0@scale.test`}`.execute(deps.db);
  const captainId = captain.rows[0]?.id;
  if (!captainId) throw new Error('the measured tenant has no captain');
  const feedPath = new URL(
    await getCrewFeedUrl(deps, crewContext(tenantId, captainId), { publicUrl: 'http://localhost', secret: BENCH_SIGNING_SECRET }),
  ).pathname;
  let feedEvents = 0;
  const feed = async () => {
    const res = await call('GET', feedPath, {});
    if (res.status !== 200) throw new Error(`GET the crew feed answered ${res.status}: ${res.body.slice(0, 300)}`);
    feedEvents = res.body.split('BEGIN:VEVENT').length - 1;
  };
  let doctorChecks = 0;
  const doctor = async () => {
    doctorChecks = (await checkInstallation(deps, { cdn: 'local' })).length;
  };
  const timed = async (fn: () => Promise<unknown>, into: number[] | null) => {
    const t0 = performance.now();
    await fn();
    if (into) into.push(performance.now() - t0);
  };
  const r: MeasureResult = {
    listMs: [],
    listed: 0,
    createMs: [],
    liveMs: [],
    feedMs: [],
    feedEvents: 0,
    doctorMs: [],
    doctorChecks: 0,
    rssBytes: 0,
    peakRssBytes: 0,
    databaseBytes: 0,
    bookings: { measured: 0, all: 0, tenants: 0 },
  };
  let n = input.firstCreate;
  const createLive = async (record: boolean) => {
    const out = await createAndWaitLive({ handle: site.handle, serviceKey: input.serviceKey, tenantId }, call, bookingInput(n++));
    if (!record) return;
    r.createMs.push(out.createMs);
    r.liveMs.push(out.liveMs);
  };
  // Warm-up (not counted), then alternating rounds so a change of load weighs on every figure alike.
  for (let i = 0; i < 3; i++) {
    await timed(list, null);
    await createLive(false);
    await timed(feed, null);
  }
  await timed(doctor, null);
  const doctorEvery = Math.max(1, Math.floor(input.samples / input.doctorRuns));
  for (let i = 0; i < input.samples; i++) {
    await timed(list, r.listMs);
    await createLive(true);
    await timed(feed, r.feedMs);
    if (i % doctorEvery === 0) await timed(doctor, r.doctorMs);
  }
  // Let the confirmation mail of the last create go out before reading the process's memory.
  await sleep(500);
  r.listed = listed;
  r.feedEvents = feedEvents;
  r.doctorChecks = doctorChecks;
  r.rssBytes = readStatusBytes('VmRSS');
  r.peakRssBytes = readStatusBytes('VmHWM');
  const size = await sql<{ bytes: string }>`select pg_database_size(current_database())::text as bytes`.execute(deps.db);
  r.databaseBytes = Number(size.rows[0]?.bytes ?? 0);
  const counts = await sql<{ measured: number; all: number; tenants: number }>`
    select (select count(*)::int from bookings where tenant_id = ${tenantId}) as measured,
           (select count(*)::int from bookings) as "all", (select count(*)::int from tenants) as tenants`.execute(deps.db);
  r.bookings = counts.rows[0] ?? r.bookings;
  return r;
}

export const p50 = (xs: number[]) => percentile(xs, 50);
export const p99 = (xs: number[]) => percentile(xs, 99);

async function main() {
  cleanUpOnSignals();
  const input = JSON.parse(process.argv[2] ?? '{}') as SeedStep | MeasureStep;
  const cleanup = new Cleanup();
  try {
    const result = input.step === 'seed' ? await seed(cleanup, input) : await measure(cleanup, input);
    await cleanup.runAll();
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await cleanup.runAll();
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
