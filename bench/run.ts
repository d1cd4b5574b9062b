/**
 * `npm run bench`: booking creates per second through the API against raw INSERTs through the same
 * driver (goal ≥ 0.5×), and the idle RSS of `bosun start`, on PGlite and on a PostgreSQL server;
 * then the guest-site figures of `guest-sites.ts` (edge vs nginx, publish latency, republish, hit ratio),
 * the crew figures of `crew.ts` (mail jobs per second through SMTP, SSE fan-out to 200 clients),
 * and the dashboard's client assets of `client-assets.ts` (gzipped size against ≤ 150 kB).
 * A missed goal is printed, never an error; everything started is stopped and removed.
 */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchClientAssets } from './client-assets';
import { type CreatesPlan, type CreatesResult, describeLatency, type Engine, measureCreates } from './creates';
import { benchCrew } from './crew';
import { benchGuestSites } from './guest-sites';
import { measureIdleRss } from './idle-rss';
import { createBenchDatabase, probePostgres } from './postgres';
import { cleanUpOnSignals, makeTempDir, withCleanup } from './support';

const GOAL = 0.5;
const PLANS: Record<Engine, CreatesPlan> = {
  // PGlite is one session: more lanes only queue on its lock.
  pglite: { warmup: 200, requests: 2000, rounds: 4, concurrency: 4 },
  postgres: { warmup: 200, requests: 2000, rounds: 4, concurrency: 8 },
};
const SETTLE_MS = 3000;
const MIB = 1024 * 1024;

type Row = { engine: string; metric: string; value: string; reference: string; ratio: string; goal: string };

const rows: Row[] = [];
const notes: string[] = [];
const say = (line = '') => process.stdout.write(`${line}\n`);

function addCreates(engine: Engine, r: CreatesResult) {
  const ratio = r.api.perSecond / r.raw.perSecond;
  rows.push({
    engine,
    metric: `booking creates/s, API (c=${r.plan.concurrency})`,
    value: `${r.api.perSecond.toFixed(0)}/s`,
    reference: `${r.raw.perSecond.toFixed(0)}/s raw INSERT`,
    ratio: `${ratio.toFixed(2)}×`,
    goal: `≥ ${GOAL}× ${ratio >= GOAL ? 'met' : 'MISSED'}`,
  });
  rows.push({
    engine,
    metric: `its writes alone, 1 tx (c=${r.plan.concurrency})`,
    value: `${r.writes.perSecond.toFixed(0)}/s`,
    reference: `${r.raw.perSecond.toFixed(0)}/s raw INSERT`,
    ratio: `${(r.writes.perSecond / r.raw.perSecond).toFixed(2)}×`,
    goal: '—',
  });
  notes.push(
    `${engine}: ${r.api.count} creates each way in ${r.plan.rounds} alternating rounds after ${r.plan.warmup} warm-up; API ${describeLatency(r.api)}; ` +
      `raw ${describeLatency(r.raw)}; writes alone ${describeLatency(r.writes)}; API / writes alone ${(r.api.perSecond / r.writes.perSecond).toFixed(2)}×`,
  );
}

function addRss(engine: Engine, rss: { firstStart: number; restart: number }) {
  const row = (when: string, bytes: number): Row => ({
    engine,
    metric: `idle RSS, bosun start, ${when}`,
    value: `${(bytes / MIB).toFixed(1)} MiB`,
    reference: '—',
    ratio: '—',
    goal: '—',
  });
  rows.push(row('first start', rss.firstStart), row('restart', rss.restart));
}

function addSkipped(engine: Engine, why: string) {
  rows.push({ engine, metric: 'skipped', value: '—', reference: '—', ratio: '—', goal: '—' });
  notes.push(`${engine}: skipped — ${why}`);
}

const RSS_NOTE = `idle RSS: VmRSS of \`node bin/bosun.js start\` ${SETTLE_MS / 1000} s after /healthz answered, on an empty data folder, then restarted on it`;

function printTable() {
  const header: Row = { engine: 'engine', metric: 'metric', value: 'value', reference: 'reference', ratio: 'ratio', goal: 'goal' };
  const keys = Object.keys(header) as (keyof Row)[];
  const all = [header, ...rows];
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: Row) =>
    keys
      .map((k, i) => r[k].padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  say(line(header));
  say(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) say(line(r));
}

async function benchPglite() {
  say('pglite: measuring creates…');
  const creates = await withCleanup((cleanup) =>
    measureCreates(cleanup, { engine: 'pglite', dir: join(makeTempDir(cleanup, 'bosun-bench-pglite-'), 'db') }, PLANS.pglite),
  );
  addCreates('pglite', creates);
  say('pglite: measuring idle RSS…');
  addRss('pglite', await withCleanup((cleanup) => measureIdleRss(cleanup, { settleMs: SETTLE_MS })));
}

async function benchPostgres() {
  const down = await probePostgres();
  if (down) {
    say(`postgres: skipped, no server answered (${down})`);
    addSkipped('postgres', `no server answered (${down})`);
    return;
  }
  say('postgres: measuring creates…');
  const creates = await withCleanup(async (cleanup) =>
    measureCreates(cleanup, { engine: 'postgres', url: await createBenchDatabase(cleanup) }, PLANS.postgres),
  );
  addCreates('postgres', creates);
  say('postgres: measuring idle RSS…');
  const rss = await withCleanup(async (cleanup) =>
    measureIdleRss(cleanup, { databaseUrl: await createBenchDatabase(cleanup), settleMs: SETTLE_MS }),
  );
  addRss('postgres', rss);
}

async function main() {
  cleanUpOnSignals();
  const started = performance.now();
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  say(`Bosun bench — ${availableParallelism()} cores (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, node ${process.version}`);
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  say(`${process.platform} ${process.arch}, load ${load} at start; loopback HTTP; jobs enqueued in the request's transaction, not worked`);
  say();
  await benchPglite();
  await benchPostgres();
  say();
  printTable();
  say();
  for (const note of notes) say(note);
  say(RSS_NOTE);
  say();
  await benchGuestSites(say, {
    withCleanup,
    postgresUrl: async (cleanup) => ((await probePostgres()) ? null : createBenchDatabase(cleanup)),
  });
  await benchCrew(say, { withCleanup });
  await benchClientAssets(say);
  say(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
