/**
 * `npm run bench -- --scale` (minutes; not in CI, not part of the default run): one tenant in an
 * installation of many operators against the same tenant alone, on PGlite and on a PostgreSQL server —
 * a month of bookings listed, a booking created through the API, accepted → verified live through the
 * worker, a crew member's calendar feed, `bosun doctor`'s installation checks, the process's RSS and
 * the database's size (goal: every latency and the RSS within 1.5× of the tenant alone) — and then the
 * same tenant with ten times the bookings, to show how each figure grows.
 *
 * Each installation is seeded and then measured in processes of their own (scale-installation.ts), so
 * each RSS is that of a process that opened the installation as `bosun start` would. The plan is
 * `BOSUN_SCALE_TENANTS` operators × `BOSUN_SCALE_BOOKINGS` bookings (default 100 × 1,000, the issue's);
 * `BOSUN_SCALE_SAMPLES` requests of each kind per measurement (default 100); `BOSUN_SCALE_ENGINES`
 * (pglite,postgres) picks the engines.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Where } from './guest-sites';
import { createBenchDatabase, probePostgres } from './postgres';
import type { MeasureResult, MeasureStep, SeedResult, SeedStep } from './scale-installation';
import { type Cleanup, makeTempDir, percentile } from './support';

type Say = (line?: string) => void;
type Engine = 'pglite' | 'postgres';

export type ScalePlan = { tenants: number; bookings: number; samples: number; doctorRuns: number; engines: Engine[] };

const GOAL = 1.5;
const GROWTH = 10;
const MIB = 1024 * 1024;

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, not "${raw}"`);
  return n;
}

/** The plan from the environment; without it, the issue's: 100 operators × 1,000 bookings. */
export function scalePlanFromEnv(): ScalePlan {
  const engines = (process.env.BOSUN_SCALE_ENGINES ?? 'pglite,postgres').split(',').map((e) => e.trim());
  const unknown = engines.filter((e) => e !== 'pglite' && e !== 'postgres');
  if (unknown.length > 0) throw new Error(`BOSUN_SCALE_ENGINES names no engine ${unknown.join(', ')}; the engines are pglite, postgres`);
  const samples = positive('BOSUN_SCALE_SAMPLES', 100);
  return {
    tenants: positive('BOSUN_SCALE_TENANTS', 100),
    bookings: positive('BOSUN_SCALE_BOOKINGS', 1000),
    samples,
    doctorRuns: Math.min(samples, 10),
    engines: engines as Engine[],
  };
}

/** Runs one step in a child process (tsx, as this bench runs), stopped with the cleanup; its `RESULT` line parsed. */
function runStep<T>(cleanup: Cleanup, step: SeedStep | MeasureStep): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'scale-installation.ts'), JSON.stringify(step)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // On the parent's error or Ctrl-C: the child cleans up after itself on SIGTERM, then this cleanup drops the rest.
    cleanup.defer(`stop the ${step.step} step`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('RESULT '.length)) as T);
      else {
        // A failure inside PGlite's bundle prints its minified source line: kept out of the message.
        const said = err
          .split('\n')
          .filter((l) => l.length < 400)
          .join('\n');
        reject(new Error(`the ${step.step} step exited with ${code}: ${said.trim().slice(-2000)}`));
      }
    });
  });
}

type Figures = MeasureResult & { seed: SeedResult['seconds'][] };

/** The three installations of one engine: the tenant alone, among the others, and then grown tenfold among them. */
async function measureEngine(
  say: Say,
  engine: Engine,
  plan: ScalePlan,
  withCleanup: <T>(fn: (c: Cleanup) => Promise<T>) => Promise<T>,
): Promise<{ alone: Figures; crowd: Figures; grown: Figures }> {
  const open = async (c: Cleanup): Promise<{ where: Where; objectsDir: string }> => {
    const objectsDir = makeTempDir(c, 'bosun-bench-scale-objects-');
    if (engine === 'pglite') return { where: { engine, dir: join(makeTempDir(c, 'bosun-bench-scale-'), 'db') }, objectsDir };
    return { where: { engine, url: await createBenchDatabase(c) }, objectsDir };
  };
  const measure = (c: Cleanup, at: { where: Where; objectsDir: string }, serviceKey: string, firstCreate: number) =>
    runStep<MeasureResult>(c, {
      step: 'measure',
      ...at,
      serviceKey,
      firstCreate,
      samples: plan.samples,
      doctorRuns: plan.doctorRuns,
    });
  const started = (what: string) => {
    const t0 = performance.now();
    say(`scale: ${engine}: ${what}…`);
    return () => say(`scale: ${engine}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s (load ${load()})`);
  };

  return withCleanup(async (c) => {
    const lone = await open(c);
    let done = started(`seeding the tenant alone (${plan.bookings} bookings through the services)`);
    const s0 = await runStep<SeedResult>(c, { step: 'seed', ...lone, from: 0, to: plan.bookings, others: 0 });
    done();
    const at = await open(c);
    done = started(
      `seeding ${plan.tenants} tenants × ${plan.bookings} bookings (the measured one through the services, ${plan.tenants - 1} copies in bulk)`,
    );
    const s = await runStep<SeedResult>(c, { step: 'seed', ...at, from: 0, to: plan.bookings, others: plan.tenants - 1 });
    done();
    const key = s.serviceKey ?? '';
    // Both at once, each in its own process: whatever else loads the machine meanwhile weighs on both alike.
    done = started('measuring the tenant alone and among the others, at the same time');
    const [m0, m1] = await Promise.all([measure(c, lone, s0.serviceKey ?? '', 0), measure(c, at, key, 0)]);
    done();
    const alone = { ...m0, seed: [s0.seconds] };
    const crowd = { ...m1, seed: [s.seconds] };
    done = started(`growing the tenant to ${GROWTH * plan.bookings} bookings`);
    const g = await runStep<SeedResult>(c, { step: 'seed', ...at, from: plan.bookings, to: GROWTH * plan.bookings, others: 0 });
    done();
    done = started('measuring the grown tenant among the others');
    // Its creates take days after the first measurement's.
    const grown = { ...(await measure(c, at, key, plan.samples + 10)), seed: [s.seconds, g.seconds] };
    done();
    return { alone, crowd, grown };
  });
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const ms = (v: number) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms`;
const mib = (b: number) => `${(b / MIB).toFixed(0)} MiB`;

/** `goal`: held to ≤ 1.5× of the tenant alone; `note`: shown instead where it is not. */
type Metric = { label: string; value: (f: Figures) => number; show: (v: number) => string; goal: boolean; note?: string };

const METRICS: Metric[] = [
  { label: 'list bookings, a month (API) p50', value: (f) => percentile(f.listMs, 50), show: ms, goal: true },
  { label: 'list bookings, a month (API) p99', value: (f) => percentile(f.listMs, 99), show: ms, goal: true },
  { label: 'booking create (API) p50', value: (f) => percentile(f.createMs, 50), show: ms, goal: true },
  { label: 'booking create (API) p99', value: (f) => percentile(f.createMs, 99), show: ms, goal: true },
  { label: 'accepted → verified live p50', value: (f) => percentile(f.liveMs, 50), show: ms, goal: true },
  { label: 'accepted → verified live p99', value: (f) => percentile(f.liveMs, 99), show: ms, goal: true },
  { label: 'crew feed (.ics) p50', value: (f) => percentile(f.feedMs, 50), show: ms, goal: true },
  { label: 'crew feed (.ics) p99', value: (f) => percentile(f.feedMs, 99), show: ms, goal: true },
  // Doctor checks every tenant's site and pages by design: the whole run grows with the installation,
  // and the goal applies to its cost per tenant checked.
  {
    label: 'bosun doctor, whole installation p50',
    value: (f) => percentile(f.doctorMs, 50),
    show: ms,
    goal: false,
    note: '— (checks every tenant)',
  },
  { label: 'bosun doctor, per tenant checked p50', value: (f) => percentile(f.doctorMs, 50) / f.bookings.tenants, show: ms, goal: true },
  { label: 'RSS after the run', value: (f) => f.rssBytes, show: mib, goal: true },
  { label: 'peak RSS', value: (f) => f.peakRssBytes, show: mib, goal: false },
  { label: 'database size', value: (f) => f.databaseBytes, show: mib, goal: false },
];

function printTable(say: Say, header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  say(line(header));
  say(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) say(line(r));
}

/** Measures and prints the scale tables; a missed goal is printed, never an error. Everything made is removed. */
export async function benchScale(say: Say, options: { withCleanup: <T>(fn: (c: Cleanup) => Promise<T>) => Promise<T> }): Promise<void> {
  const plan = scalePlanFromEnv();
  say(
    `scale: ${plan.tenants} tenants × ${plan.bookings} bookings, then one tenant with ${GROWTH * plan.bookings}; ` +
      `${plan.samples} samples of each request, doctor ${plan.doctorRuns}×; engines ${plan.engines.join(', ')}; load ${load()}`,
  );
  const results: { engine: Engine; r: { alone: Figures; crowd: Figures; grown: Figures } }[] = [];
  for (const engine of plan.engines) {
    if (engine === 'postgres') {
      const down = await probePostgres();
      if (down) {
        say(`scale: postgres skipped, no server answered (${down})`);
        continue;
      }
    }
    results.push({ engine, r: await measureEngine(say, engine, plan, options.withCleanup) });
  }

  const misses: string[] = [];
  say();
  say(`Scale: one tenant among ${plan.tenants} against the same tenant alone (goal ≤ ${GOAL}× for every latency and the RSS)`);
  const rows: string[][] = [];
  for (const { engine, r } of results) {
    for (const m of METRICS) {
      const alone = m.value(r.alone);
      const crowd = m.value(r.crowd);
      const ratio = crowd / alone;
      const ok = ratio <= GOAL;
      if (m.goal && !ok) misses.push(`${engine} ${m.label} ${ratio.toFixed(2)}×`);
      rows.push([
        engine,
        m.label,
        m.show(alone),
        m.show(crowd),
        `${ratio.toFixed(2)}×`,
        m.goal ? `≤ ${GOAL}× ${ok ? 'met' : 'MISSED'}` : (m.note ?? '—'),
      ]);
    }
  }
  printTable(say, ['engine', 'metric', 'alone', `among ${plan.tenants}`, 'ratio', 'goal'], rows);

  say();
  say(`Growth: the same tenant among ${plan.tenants} with ${GROWTH * plan.bookings} bookings against ${plan.bookings}`);
  const growth: string[][] = [];
  for (const { engine, r } of results) {
    for (const m of METRICS) {
      const before = m.value(r.crowd);
      const after = m.value(r.grown);
      growth.push([engine, m.label, m.show(before), m.show(after), `${(after / before).toFixed(2)}×`]);
    }
  }
  printTable(say, ['engine', 'metric', `${plan.bookings} bookings`, `${GROWTH * plan.bookings} bookings`, 'growth'], growth);

  say();
  for (const { engine, r } of results) {
    const seeded = (f: Figures) =>
      f.seed
        .map((s) => `services ${s.services.toFixed(0)} s, publish ${s.publish.toFixed(0)} s, copies ${s.others.toFixed(0)} s`)
        .join('; then ');
    say(
      `${engine}: alone ${r.alone.bookings.all} bookings in ${r.alone.bookings.tenants} tenant(s); among others ${r.crowd.bookings.all} in ` +
        `${r.crowd.bookings.tenants}, the measured tenant ${r.crowd.bookings.measured}; grown ${r.grown.bookings.measured} of ${r.grown.bookings.all}. ` +
        `Seeded: alone ${seeded(r.alone)}; among others ${seeded(r.grown)}`,
    );
    say(
      `${engine}: a month listed ${r.alone.listed} / ${r.crowd.listed} / ${r.grown.listed} bookings; the crew feed ${r.alone.feedEvents} / ` +
        `${r.crowd.feedEvents} / ${r.grown.feedEvents} events; doctor ${r.alone.doctorChecks} / ${r.crowd.doctorChecks} / ${r.grown.doctorChecks} checks (alone / among others / grown)`,
    );
  }
  say(
    'how: the measured tenant (3 vessels with 3 crew each, three 3-hour charters a day on each, from tomorrow) is made through the services — ' +
      'createBooking, upsertEvent (captain and a deckhand), answerAssignment (every other captain accepts), then republishGuestPages --all — and the ' +
      "other tenants are copies of its rows made with INSERT … SELECT through the real schema (new keys, same shape); the seed's queued jobs are dropped. " +
      'Each installation is then opened in a new process as `bosun start` wires it (the app on 127.0.0.1, the local edge, the job worker) and ' +
      `measured in ${plan.samples} alternating rounds after 3 warm-up: GET /api/v1/bookings for next calendar month (service key, limit 500); ` +
      'POST /api/v1/bookings (one at a time, timed to its 201), then from the 201 until its guest_pages row records a verified publish (polled every 2 ms); ' +
      "GET the first vessel's captain's crew feed (/crew/feed/<token>.ics); checkInstallation as `bosun doctor` runs it with the local CDN " +
      '(it checks every tenant, so its goal is its time per tenant; the whole run is shown without one). ' +
      "RSS is that process's VmRSS after the rounds (peak: VmHWM; on PostgreSQL the server's memory is not in it); the size is pg_database_size. " +
      "On PostgreSQL the seed runs ANALYZE (the server's autovacuum would); PGlite is left without statistics, as Bosun runs it. " +
      'The tenant alone and among the others are measured at the same time, each in its own process, so a change of load weighs on both; ' +
      'the grown tenant after them (the load printed with each step is its context). A p99 of fewer than 100 samples is their maximum.',
  );
  if (misses.length > 0) say(`MISSED: ${misses.join('; ')}`);
}
