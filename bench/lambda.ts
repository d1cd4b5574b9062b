/**
 * The Lambda functions (ADR 0026): each bundle's zipped size against the goal of at most 5 MB, and the
 * cold start of each — from spawning a fresh `node` process that imports the bundle (copied away from
 * the checkout's node_modules) to its handler's first answer: for the API a v2 `GET /healthz` against
 * the PostgreSQL server (goal ≤ 500 ms), for the worker its first invocation (a drain that finds no
 * job). The reference, measured in the same run and alternated with them, is `node -e 'process.exit()'`
 * from spawn to exit. Besides, the API's cold start for a request that skipped CloudFront (an origin
 * secret configured, the header absent): answered 403 before the database is opened (ADR 0023), its
 * handler time against the served request's. Medians of the runs. Printed, never enforced.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBenchDatabase, probePostgres } from './postgres';
import { type Cleanup, makeTempDir, percentile } from './support';

const ROOT = resolve(import.meta.dirname, '..');
const ZIP_GOAL_BYTES = 5 * 1000 * 1000;
const COLD_START_GOAL_MS = 500;
const RUNS = 5;
const FUNCTIONS = ['api', 'worker'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const ms = (v: number) => `${v.toFixed(0)} ms`;

type Spawned = { ms: number; line: string };

/** Spawns `node args` and resolves when stdout first holds a line starting with `until` (or at exit without one). */
function timeSpawn(args: string[], env: Record<string, string>, cwd: string, until: string | null): Promise<Spawned> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let answered = false;
    child.stdout.on('data', (d) => {
      out += d;
      const line = until === null ? undefined : out.split('\n').find((l) => l.startsWith(until));
      if (line && !answered) {
        answered = true;
        done({ ms: performance.now() - started, line });
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.once('error', fail);
    child.once('exit', (code) => {
      if (answered) return;
      if (until === null && code === 0) done({ ms: performance.now() - started, line: '' });
      else fail(new Error(`node ${args.join(' ').slice(0, 80)}… exited ${code} without an answer: ${err.slice(-1000)}`));
    });
  });
}

/** Imports the bundle in `folder`, hands its handler one event, prints `ANSWER <json>` and leaves. */
const INVOKE = `
const { handler } = await import(process.argv[1] + '/index.mjs');
const imported = performance.now();
const answer = await handler(JSON.parse(process.argv[2]), { getRemainingTimeInMillis: () => 120000, awsRequestId: 'bench' });
process.stdout.write('ANSWER ' + JSON.stringify({ imported, answered: performance.now(), answer }) + '\\n');
process.exit(0);
`;

const HEALTHZ_V2 = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/healthz',
  rawQueryString: '',
  headers: { host: 'bench.execute-api.eu-west-1.amazonaws.com', 'user-agent': 'bosun-bench' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'bench',
    domainName: 'bench.execute-api.eu-west-1.amazonaws.com',
    domainPrefix: 'bench',
    http: { method: 'GET', path: '/healthz', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'bosun-bench' },
    requestId: 'bench',
    routeKey: '$default',
    stage: '$default',
    time: '30/Nov/2026:12:00:00 +0000',
    timeEpoch: 1_796_040_000_000,
  },
  isBase64Encoded: false,
};
const SCHEDULED = { version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };

function invoke(folder: string, event: unknown, env: Record<string, string>) {
  return timeSpawn(['--input-type=module', '-e', INVOKE, folder, JSON.stringify(event)], env, folder, 'ANSWER ');
}

export async function benchLambda(
  say: (line?: string) => void,
  options: { withCleanup: <T>(fn: (c: Cleanup) => Promise<T>) => Promise<T> },
) {
  const hasApi = existsSync(join(ROOT, 'src', 'main', 'lambda.ts'));
  const chosen: FunctionName[] = hasApi ? [...FUNCTIONS] : ['worker'];
  say(`lambda: building ${chosen.join(' and ')} (npm run build:lambda)…`);
  const built = await timeSpawn(['scripts/build-lambda.mjs', ...(hasApi ? [] : ['--only', 'worker'])], {}, ROOT, null);
  say(`lambda bundles (esbuild, ESM, node22, minified; the zip without the source map), built in ${(built.ms / 1000).toFixed(1)} s`);
  if (!hasApi) say('lambda: the API function is skipped: src/main/lambda.ts is not there');
  for (const name of chosen) {
    const bundle = statSync(join(ROOT, 'dist', 'lambda', name, 'index.mjs')).size;
    const zip = statSync(join(ROOT, 'dist', 'lambda', `${name}.zip`)).size;
    say(
      `${name.padEnd(6)}  bundle ${MB(bundle).padStart(8)}  zipped ${MB(zip).padStart(8)}  goal ≤ ${MB(ZIP_GOAL_BYTES)} zipped — ${zip <= ZIP_GOAL_BYTES ? 'met' : 'MISSED'}`,
    );
  }
  const down = await probePostgres();
  if (down) {
    say(`lambda: cold start skipped, no PostgreSQL server answered (${down})`);
    say();
    return;
  }
  await options.withCleanup(async (cleanup) => {
    const work = makeTempDir(cleanup, 'bosun-bench-lambda-');
    for (const name of chosen) cpSync(join(ROOT, 'dist', 'lambda', name), join(work, name), { recursive: true });
    const env = {
      DATABASE_URL: await createBenchDatabase(cleanup),
      BOSUN_DATA_DIR: join(work, 'data'),
      BOSUN_PUBLIC_URL: 'https://bosun.example.com',
      BOSUN_SECRET: 'bench-signing-secret-of-at-least-32-characters',
      BOSUN_LOG_LEVEL: 'silent',
      BOSUN_DEMO: '0',
    };
    // As on a deploy: the worker migrates the new database first; its own cold starts are timed after.
    const first = await invoke(join(work, 'worker'), SCHEDULED, env);
    say(`worker's first invocation (migrates an empty database): ${ms(first.ms)}`);
    const times: Record<FunctionName | 'reference', number[]> = { api: [], worker: [], reference: [] };
    // The API with an origin secret, asked without it: the refusal's own cold start.
    const refused = { spawned: [] as number[], handled: [] as number[] };
    const guarded = { ...env, BOSUN_ORIGIN_SECRET: 'bench-origin-secret-of-at-least-32-characters' };
    // Within the child, by its own clock from its start: the bundle imported (and its top level run), then the first answer.
    const loaded: Record<FunctionName, number[]> = { api: [], worker: [] };
    const handled: Record<FunctionName, number[]> = { api: [], worker: [] };
    for (let run = 0; run < RUNS; run++) {
      times.reference.push((await timeSpawn(['-e', 'process.exit()'], {}, work, null)).ms);
      for (const name of chosen) {
        const answer = await invoke(join(work, name), name === 'api' ? HEALTHZ_V2 : SCHEDULED, env);
        const child = JSON.parse(answer.line.slice('ANSWER '.length)) as {
          imported: number;
          answered: number;
          answer: { statusCode?: number };
        };
        if (name === 'api' && child.answer.statusCode !== 200) throw new Error(`GET /healthz did not answer 200: ${answer.line}`);
        times[name].push(answer.ms);
        loaded[name].push(child.imported);
        handled[name].push(child.answered - child.imported);
      }
      if (hasApi) {
        const answer = await invoke(join(work, 'api'), HEALTHZ_V2, guarded);
        const child = JSON.parse(answer.line.slice('ANSWER '.length)) as {
          imported: number;
          answered: number;
          answer: { statusCode?: number };
        };
        if (child.answer.statusCode !== 403) throw new Error(`a request without the origin secret did not answer 403: ${answer.line}`);
        refused.spawned.push(answer.ms);
        refused.handled.push(child.answered - child.imported);
      }
    }
    const reference = percentile(times.reference, 50);
    say(`cold start, spawn → first answer, median of ${RUNS} (reference: node -e 'process.exit()' spawn → exit, ${ms(reference)})`);
    for (const name of chosen) {
      const median = percentile(times[name], 50);
      const what = name === 'api' ? 'v2 GET /healthz → 200' : 'a drain that finds nothing';
      const goal = name === 'api' ? `goal ≤ ${COLD_START_GOAL_MS} ms — ${median <= COLD_START_GOAL_MS ? 'met' : 'MISSED'}` : 'no goal';
      say(
        `${name.padEnd(6)}  ${ms(median).padStart(7)}  (${times[name].map((v) => v.toFixed(0)).join(', ')})  ${(median / reference).toFixed(1)}× reference  ${what}  ${goal}`,
      );
      say(
        `        of which, in the process: import ${ms(percentile(loaded[name], 50))}, then the handler's first answer ${ms(percentile(handled[name], 50))} (medians)`,
      );
    }
    if (hasApi) {
      const served = percentile(handled.api, 50);
      const handler = percentile(refused.handled, 50);
      say(
        `api refusing a request that skipped CloudFront (403, nothing opened): ${ms(percentile(refused.spawned, 50)).padStart(7)} spawn → answer, ${(percentile(refused.spawned, 50) / reference).toFixed(1)}× reference; the handler's first answer ${handler.toFixed(1)} ms, ${(handler / served).toFixed(3)}× the served request's`,
      );
    }
  });
  say();
}
