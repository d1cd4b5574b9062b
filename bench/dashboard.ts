/**
 * The ops dashboard's pages with 2,000 bookings: server time (p50, p99) and bytes (raw and gzipped)
 * of Today, the bookings list (first page and a search), the board and a month of calendar data,
 * requested in process through `app.request()` with a signed-in owner's cookie, against `GET /healthz`
 * and a signed-in redirect measured in the same rounds. Each page's service is also timed alone, so a
 * slow page says whether its time goes to the database and the views or to rendering.
 */
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import pino from 'pino';
import { InMemoryFailureLimits } from '../src/adapters/in-memory-failure-limits';
import { PgBossJobQueue } from '../src/adapters/pg-boss-job-queue';
import { type DbHandle, openPglite, openPostgres } from '../src/db/client';
import { migrateToLatest } from '../src/db/migrate';
import { getBookingVersions, recordGuestPagesPublished } from '../src/db/queries/publishing';
import { getGuestSite } from '../src/db/queries/tenants';
import { dayIn, startOfDayIn } from '../src/domain/time';
import { createApp } from '../src/http/app';
import { pingDatabase } from '../src/main/runtime';
import type { Clock } from '../src/ports/clock';
import { guestPageKey, guestPageUrl, siteOrigin } from '../src/publish/site-layout';
import { getBoard } from '../src/services/board';
import { searchBookings } from '../src/services/booking-search';
import { cancelBooking, createBooking, updateBooking } from '../src/services/bookings';
import { getCalendarRange } from '../src/services/calendar-view';
import type { ServiceDeps } from '../src/services/context';
import { answerAssignment, crewContext, DEFAULT_CHECKLIST, setChecklistTick } from '../src/services/crew';
import { getDaySheet } from '../src/services/day-sheet';
import { upsertEvent } from '../src/services/events';
import { issueStaffLink, signInStaff } from '../src/services/staff-access';
import { addCrewMember, addStaffUser, addVessel, createTenant } from '../src/services/tenants';
import type { Cleanup } from './support';

export type DashboardPlan = { bookings: number; warmup: number; requests: number };

/** One measured request path: every round's time, and the last answer's size. */
export type PageFigures = {
  label: string;
  path: string;
  status: number;
  latenciesMs: number[];
  bytes: number;
  gzipBytes: number;
  /** The page's service called alone with the same input (null for the references). */
  serviceMs: number[] | null;
  /** The same request after ANALYZE, in a quarter as many rounds. */
  analyzedMs: number[];
};

export type DashboardResult = {
  plan: DashboardPlan;
  seeded: { bookings: number; byStatus: Record<string, number>; assignments: number; answers: number; ticks: number; seconds: number };
  healthz: PageFigures;
  signedIn: PageFigures;
  pages: PageFigures[];
};

const OPERATOR = { kind: 'operator' as const, id: 'bench' };
const ZONE = 'America/Los_Angeles';
const HOUR_MS = 3_600_000;
/** The season seeded: 40 days back to 79 ahead of today. */
const FIRST_DAY = -40;
const DAYS = 120;
/** Six two-hour charters a day per vessel, local time, with half an hour between them. */
const SLOT_HOURS = [7, 9.5, 12, 14.5, 17, 19.5];
const CHARTER_MS = 2 * HOUR_MS;
const VESSELS = [
  { slug: 'jada', name: 'Jada', capacity: 12 },
  { slug: 'sea-breeze', name: 'Sea Breeze', capacity: 20 },
  { slug: 'osprey', name: 'Osprey', capacity: 8 },
] as const;
/** Per vessel: a captain and three deckhands of its own, so nobody is on two boats at once. */
const CREW_PER_VESSEL = 4;
const FIRST_NAMES = ['Avery', 'Jordan', 'Riley', 'Morgan', 'Casey', 'Quinn', 'Harper', 'Rowan', 'Elena', 'Mateo', 'Priya', 'Kenji'];
const LAST_NAMES = ['Smith', 'García', 'Nguyen', 'Okafor', 'Larsen', 'Rossi', 'Kowalski', 'Haddad', 'Silva', 'Murphy', 'Chen', 'Dubois'];

/** A small deterministic generator (mulberry32), so every run seeds the same season. */
function randomFrom(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock the seeding moves back (bookings are created in the future of their day) and then returns to now. */
function movableClock(): Clock & { set(at: Date | null): void } {
  let fixed: Date | null = null;
  return {
    now: () => fixed ?? new Date(),
    set: (at) => {
      fixed = at;
    },
  };
}

function shiftDay(day: string, by: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + by);
  return d.toISOString().slice(0, 10);
}

/** Stands in for the published page's SHA-256: the pages read only whether one is recorded. */
const BENCH_HASH = '0'.repeat(64);

type Slot = { day: number; vessel: number; slot: number; startsAt: Date };

type Seeded = {
  tenantId: string;
  cookie: string;
  today: string;
  monthStart: string;
  nextMonthStart: string;
  seeded: DashboardResult['seeded'];
};

/**
 * A season through the services, as the office and crew would have made it: bookings created before
 * their day (holds and confirmed), crew assigned and answering, checklists ticked on the day, some
 * cancelled, past ones completed, most guest pages published. Today is full: every slot is booked.
 */
async function seedSeason(deps: ServiceDeps, clock: ReturnType<typeof movableClock>, handle: DbHandle, count: number): Promise<Seeded> {
  const started = performance.now();
  const random = randomFrom(20260501);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const now = new Date();
  const today = dayIn(now, ZONE);
  clock.set(new Date(startOfDayIn(shiftDay(today, FIRST_DAY - 1), ZONE).getTime()));

  const tenant = await createTenant(deps, OPERATOR, {
    slug: 'bench',
    name: 'Bench Charters',
    guestDomain: 'bench.localhost',
    timezone: ZONE,
  });
  const ctx = { tenantId: tenant.id, actor: OPERATOR };
  const crewOf: { id: string; role: 'captain' | 'crew' }[][] = [];
  for (const [v, vessel] of VESSELS.entries()) {
    await addVessel(deps, ctx, { ...vessel, meetingPoint: `Dock ${'ABC'[v]}`, timezone: ZONE });
    const crew = [];
    for (let i = 0; i < CREW_PER_VESSEL; i++) {
      const role = i === 0 ? ('captain' as const) : ('crew' as const);
      const m = await addCrewMember(deps, ctx, {
        name: `${pick(FIRST_NAMES)} ${vessel.name} ${i}`,
        email: `crew-${vessel.slug}-${i}@bench.test`,
        role,
      });
      crew.push({ id: m.id, role });
    }
    crewOf.push(crew);
  }

  const slots: Slot[] = [];
  for (let day = FIRST_DAY; day < FIRST_DAY + DAYS; day++) {
    const midnight = startOfDayIn(shiftDay(today, day), ZONE).getTime();
    for (let vessel = 0; vessel < VESSELS.length; vessel++) {
      for (const [slot, hours] of SLOT_HOURS.entries()) slots.push({ day, vessel, slot, startsAt: new Date(midnight + hours * HOUR_MS) });
    }
  }
  // Leave out enough slots at random to make `count`, never today's.
  const spare = slots.length - count;
  if (spare < 0) throw new Error(`the season holds ${slots.length} charters, fewer than ${count}`);
  const others = slots.filter((s) => s.day !== 0);
  for (let left = spare; left > 0; ) {
    const at = Math.floor(random() * others.length);
    if (others[at]) {
      others.splice(at, 1);
      left--;
    }
  }
  const booked = [...slots.filter((s) => s.day === 0), ...others].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());

  let assignments = 0;
  let answers = 0;
  let ticks = 0;
  const byStatus: Record<string, number> = { hold: 0, confirmed: 0, cancelled: 0, completed: 0 };
  const toCancel: string[] = [];
  const toComplete: string[] = [];
  const toTick: { id: string; startsAt: Date; captain: string }[] = [];
  for (const [n, s] of booked.entries()) {
    const vessel = VESSELS[s.vessel] ?? VESSELS[0];
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const future = s.startsAt.getTime() > now.getTime();
    const { booking } = await createBooking(deps, ctx, {
      guest: { name: `${first} ${last}`, email: `${first.toLowerCase()}.${n}@example.com`, phone: '+1 619 555 0100' },
      partySize: 2 + Math.floor(random() * (vessel.capacity - 1)),
      vessel: vessel.slug,
      startsAt: s.startsAt.toISOString(),
      endsAt: new Date(s.startsAt.getTime() + CHARTER_MS).toISOString(),
      status: future && random() < 0.12 ? 'hold' : 'confirmed',
      pricing: { total: 400 + Math.floor(random() * 1200), currency: 'USD' },
      captainFeePerHour: 50,
      notes: { internal: 'Paid by card', crew: 'Fuel at the north dock', guest: 'Bring sunscreen' },
    });
    if (random() < 0.75) {
      const crew = crewOf[s.vessel] ?? [];
      const [captain, ...hands] = crew;
      const team = [captain, ...hands.slice(0, Math.floor(random() * 3))].filter((m) => m !== undefined);
      await upsertEvent(deps, ctx, { booking_id: booking.id, crew: team.map((m) => ({ crewId: m.id, role: m.role })) });
      assignments += team.length;
      let captainAccepted = false;
      for (const m of team) {
        const r = random();
        // Past charters were answered; future ones partly still wait for an answer.
        const answer = !future || r < 0.6 ? 'accept' : r < 0.7 ? 'decline' : null;
        if (!answer) continue;
        await answerAssignment(
          deps,
          crewContext(tenant.id, m.id),
          booking.id,
          answer === 'accept' ? { answer } : { answer, reason: 'Away that day' },
        );
        answers++;
        if (m === captain && answer === 'accept') captainAccepted = true;
      }
      if (captainAccepted && captain && s.day <= 0) toTick.push({ id: booking.id, startsAt: s.startsAt, captain: captain.id });
    }
    const r = random();
    if (r < 0.08) toCancel.push(booking.id);
    else if (!future && booking.status === 'confirmed' && r < 0.9) toComplete.push(booking.id);
    else byStatus[booking.status] = (byStatus[booking.status] ?? 0) + 1;
  }
  // Checklists are ticked on the day, before departure.
  for (const t of toTick.slice(-60)) {
    clock.set(new Date(t.startsAt.getTime() - HOUR_MS));
    for (const item of DEFAULT_CHECKLIST.slice(0, 1 + Math.floor(random() * DEFAULT_CHECKLIST.length))) {
      await setChecklistTick(deps, crewContext(tenant.id, t.captain), t.id, { item, ticked: true });
      ticks++;
    }
  }
  clock.set(null);
  for (const id of toCancel) await cancelBooking(deps, ctx, id);
  for (const id of toComplete) await updateBooking(deps, ctx, id, { status: 'completed' }, '*');
  byStatus.cancelled = toCancel.length;
  byStatus.completed = toComplete.length;

  // Nine in ten guest pages published and verified, as the worker would have recorded them.
  const site = await getGuestSite(deps.db, tenant.id);
  if (!site) throw new Error('the tenant has no guest site');
  const ids = booked.length > 0 ? (await handle.executeSql('select id from bookings where tenant_id = $1', [tenant.id])).rows : [];
  const published = ids.map((r) => String((r as { id: string }).id)).filter(() => random() < 0.9);
  const versions = await getBookingVersions(deps.db, tenant.id, published);
  const origin = siteOrigin(site.domain, { https: true });
  await recordGuestPagesPublished(
    deps.db,
    tenant.id,
    published.map((bookingId) => ({
      bookingId,
      siteId: site.id,
      url: guestPageUrl(origin, bookingId),
      pageKey: guestPageKey(bookingId),
      pageHash: BENCH_HASH,
      calendarHash: BENCH_HASH,
      bookingVersion: versions.get(bookingId) ?? 1,
      publishedAt: now,
      verifiedAt: now,
    })),
  );

  const owner = await addStaffUser(deps, ctx, { name: 'Olive Owner', email: 'owner@bench.test', role: 'owner' });
  const link = await deps.db.transaction().execute((tx) => issueStaffLink(tx, tenant.id, { staffUserId: owner.id, now: deps.clock.now() }));
  const signedIn = await signInStaff(deps, link.token);
  if (!signedIn.ok) throw new Error(`staff sign-in failed: ${signedIn.reason}`);

  const month = new Date(`${today.slice(0, 7)}-01T12:00:00Z`);
  month.setUTCMonth(month.getUTCMonth() + 1);
  const monthStart = month.toISOString().slice(0, 10);
  month.setUTCMonth(month.getUTCMonth() + 1);
  return {
    tenantId: tenant.id,
    cookie: `bosun_staff=${signedIn.session}`,
    today,
    monthStart,
    nextMonthStart: month.toISOString().slice(0, 10),
    seeded: { bookings: booked.length, byStatus, assignments, answers, ticks, seconds: (performance.now() - started) / 1000 },
  };
}

type Target = { label: string; path: string; expect: number; service: (() => Promise<unknown>) | null };

/** Seeds a fresh database and measures every page in alternating rounds; everything opened is registered with `cleanup`. */
export async function measureDashboard(
  cleanup: Cleanup,
  where: { engine: 'pglite'; dir: string } | { engine: 'postgres'; url: string },
  plan: DashboardPlan,
): Promise<DashboardResult> {
  const handle = where.engine === 'pglite' ? await openPglite(where.dir) : await openPostgres(where.url, { max: 10 });
  cleanup.defer('close the database', () => handle.close());
  await migrateToLatest(handle.db);
  const jobs = await PgBossJobQueue.start(handle, { supervise: false });
  cleanup.defer('stop the job queue', () => jobs.stop());
  const clock = movableClock();
  const deps: ServiceDeps = {
    db: handle.db,
    jobs,
    clock,
    guestOrigin: (domain) => siteOrigin(domain, { https: true }),
    publicHost: 'localhost',
  };
  const s = await seedSeason(deps, clock, handle, plan.bookings);
  const app = createApp({
    failureLimits: new InMemoryFailureLimits(),
    ...deps,
    log: pino({ level: 'silent' }),
    ping: () => pingDatabase(handle),
    publicUrl: 'http://localhost',
    signingSecret: 'bench-signing-secret-of-at-least-32-characters',
    clientAddress: () => '127.0.0.1',
    acceptRequestOrigin: true,
  });
  const ctx = { tenantId: s.tenantId, actor: { kind: 'staff' as const, id: 'bench' } };

  const search = 'smith';
  const targets: Target[] = [
    { label: 'GET /healthz', path: '/healthz', expect: 200, service: null },
    { label: 'GET /app (signed in → 303)', path: '/app', expect: 303, service: null },
    {
      label: 'Today, a full day',
      path: `/app/today?date=${s.today}`,
      expect: 200,
      service: () => getDaySheet(deps, ctx, { date: s.today }),
    },
    { label: 'bookings, first page', path: '/app/bookings', expect: 200, service: () => searchBookings(deps, ctx, {}) },
    {
      label: `bookings, search "${search}"`,
      path: `/app/bookings?q=${search}`,
      expect: 200,
      service: () => searchBookings(deps, ctx, { q: search }),
    },
    { label: 'board', path: '/app/board', expect: 200, service: () => getBoard(deps, ctx, {}) },
    {
      label: `calendar data, ${s.monthStart.slice(0, 7)}`,
      path: `/app/calendar/data?start=${s.monthStart}&end=${s.nextMonthStart}`,
      expect: 200,
      service: () => getCalendarRange(deps, ctx, { start: s.monthStart, end: s.nextMonthStart }),
    },
  ];
  const figures: PageFigures[] = targets.map((t) => ({
    label: t.label,
    path: t.path,
    status: 0,
    latenciesMs: [],
    bytes: 0,
    gzipBytes: 0,
    serviceMs: t.service ? [] : null,
    analyzedMs: [],
  }));
  const headers = { cookie: s.cookie };
  const request = async (t: Target, f: PageFigures, record: boolean) => {
    const t0 = performance.now();
    const res = await app.request(t.path, { headers });
    const body = Buffer.from(await res.arrayBuffer());
    const ms = performance.now() - t0;
    if (res.status !== t.expect)
      throw new Error(`GET ${t.path} answered ${res.status}, not ${t.expect}: ${body.toString('utf8').slice(0, 300)}`);
    if (!record) return;
    f.latenciesMs.push(ms);
    f.status = res.status;
    f.bytes = body.length;
    f.gzipBytes = gzipSync(body).length;
  };
  const callService = async (t: Target, f: PageFigures) => {
    if (!t.service || !f.serviceMs) return;
    const t0 = performance.now();
    await t.service();
    f.serviceMs.push(performance.now() - t0);
  };

  for (let i = 0; i < plan.warmup; i++) {
    for (const [k, t] of targets.entries()) await request(t, figures[k] as PageFigures, false);
  }
  // One request of each per round, so drift in the machine's load weighs on every path alike.
  for (let i = 0; i < plan.requests; i++) {
    for (const [k, t] of targets.entries()) await request(t, figures[k] as PageFigures, true);
  }
  const serviceRounds = Math.max(1, Math.floor(plan.requests / 4));
  for (let i = 0; i < serviceRounds; i++) {
    for (const [k, t] of targets.entries()) await callService(t, figures[k] as PageFigures);
  }
  // PGlite runs no autovacuum, so nothing gathers the planner's statistics unless asked: the same
  // pages again after ANALYZE show what they cost with them (PostgreSQL's autovacuum has run by now).
  await sql`analyze`.execute(handle.db);
  const analyzedMs = targets.map(() => [] as number[]);
  for (let i = 0; i < plan.warmup; i++) {
    for (const [k, t] of targets.entries()) await request(t, figures[k] as PageFigures, false);
  }
  for (let i = 0; i < serviceRounds; i++) {
    for (const [k, t] of targets.entries()) {
      const f = { ...(figures[k] as PageFigures), latenciesMs: analyzedMs[k] as number[] };
      await request(t, f, true);
    }
  }
  const [healthz, signedIn, ...pages] = figures.map((f, k) => ({ ...f, analyzedMs: analyzedMs[k] as number[] })) as [
    PageFigures,
    PageFigures,
    ...PageFigures[],
  ];
  return { plan, seeded: s.seeded, healthz, signedIn, pages };
}

/** What was seeded, for the bench's notes. */
export function describeSeason(r: DashboardResult): string {
  const st = r.seeded.byStatus;
  return (
    `${r.seeded.bookings} bookings over ${DAYS} days (${-FIRST_DAY} back, ${DAYS + FIRST_DAY - 1} ahead), ${VESSELS.length} vessels × ${SLOT_HOURS.length} ` +
    `two-hour slots a day (today full), ${st.confirmed} confirmed, ${st.hold} hold, ${st.completed} completed, ${st.cancelled} cancelled; ` +
    `${r.seeded.assignments} crew assignments, ${r.seeded.answers} answers, ${r.seeded.ticks} checklist ticks; ` +
    `seeded through the services in ${r.seeded.seconds.toFixed(0)} s`
  );
}
