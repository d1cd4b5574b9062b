#!/usr/bin/env node
// Runs every suite, on embedded PostgreSQL (PGlite) and on a PostgreSQL server, and the deployment's
// template tests (infra). A suite whose
// prerequisite is missing is skipped with a line that says how to get it; with CI=true a skipped
// suite is a failure. Ends with one summary line: "Tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const pgUrl = process.env.BOSUN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const projects = ['pglite', 'infra'];
const skipped = [];

async function postgresAnswers() {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

if (await postgresAnswers()) projects.push('postgres');
else
  skipped.push(
    `postgres: no PostgreSQL server answers at ${pgUrl} — start one (Debian: pg_ctlcluster 15 main start) or set BOSUN_TEST_PG_URL`,
  );

const chromium = process.env.BOSUN_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(chromium)) projects.push('e2e');
else skipped.push(`e2e: no Chromium at ${chromium} — install Debian's (apt-get install -y chromium) or set BOSUN_CHROMIUM`);

for (const line of skipped) console.log(`SKIPPED ${line}`);
if (ci && skipped.length > 0) {
  console.log('CI=true: a skipped suite is a failure.');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'bosun-vitest-'));
const report = join(dir, 'report.json');
const args = [
  'vitest',
  'run',
  ...projects.flatMap((p) => ['--project', p]),
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const run = spawnSync('npx', args, { stdio: 'inherit' });

let summary = null;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  summary = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
  // Where the time goes: the slowest files, so the suite stays short as it grows.
  const files = (r.testResults ?? [])
    .map((f) => ({ name: f.name.replace(`${process.cwd()}/`, ''), ms: (f.endTime ?? 0) - (f.startTime ?? 0) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 12);
  if (files.length > 0) {
    console.log('Slowest test files:');
    for (const f of files) console.log(`  ${(f.ms / 1000).toFixed(1).padStart(6)} s  ${f.name}`);
  }
}
rmSync(dir, { recursive: true, force: true });
if (summary) {
  if (ci && summary.skipped > 0) console.log('CI=true: skipped tests count as failures.');
  console.log(`Tests: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
  if (run.status !== 0 && summary.failed === 0)
    console.log('vitest failed the run without a failed test: see its "Unhandled Errors" above (an error no test awaited).');
  if (ci && summary.skipped > 0) process.exit(1);
}
process.exit(run.status ?? 1);
