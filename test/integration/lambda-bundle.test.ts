/**
 * The Lambda bundles (`npm run build:lambda`, ADR 0026), each loaded by a fresh `node` process with
 * nothing but the bundle folder: the API handler answers an API Gateway v2 `GET /healthz` against the
 * PostgreSQL server and serves the dashboard's stylesheet and script (built at bundle time, the same
 * bytes under the same names as `bosun start` builds) and the API reference's Swagger UI; the worker
 * handler runs the jobs a booking enqueued. Neither bundle holds PGlite or esbuild. PostgreSQL only:
 * Lambda always uses a server.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOpsAssets } from '../../src/http/ops/assets/assets';
import { createBookingSchema } from '../../src/services/booking-schemas';
import { createBooking } from '../../src/services/bookings';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { ROOT } from '../support/processes';

type Run = { code: number | null; stdout: string; stderr: string };

function run(args: string[], env: Record<string, string>, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Imports `index.mjs` from `folder` in a fresh process and hands it each event in turn; prints one
 * JSON line of the answers. The folder is a copy outside the checkout: no node_modules to fall back on.
 */
const INVOKE = `
const { handler } = await import(process.argv[1] + '/index.mjs');
const events = JSON.parse(process.argv[2]);
const answers = [];
for (const event of events) answers.push(await handler(event, { getRemainingTimeInMillis: () => 180000, awsRequestId: 'test' }));
process.stdout.write('ANSWERS ' + JSON.stringify(answers) + '\\n');
process.exit(0);
`;

async function invoke(folder: string, events: unknown[], env: Record<string, string>): Promise<any[]> {
  const r = await run(['--input-type=module', '-e', INVOKE, folder, JSON.stringify(events)], env, folder);
  const line = r.stdout.split('\n').find((l) => l.startsWith('ANSWERS '));
  if (r.code !== 0 || !line) throw new Error(`the handler in ${folder} did not answer (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice('ANSWERS '.length));
}

/** An API Gateway HTTP API (payload 2.0) request event. */
function v2(path: string, headers: Record<string, string> = {}) {
  const [rawPath = path, rawQueryString = ''] = path.split('?');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'user-agent': 'lambda-bundle-test', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'lambda-bundle-test' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '30/Nov/2026:12:00:00 +0000',
      timeEpoch: 1_796_040_000_000,
    },
    isBase64Encoded: false,
  };
}

let t: TestDb;
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  const built = await run(['scripts/build-lambda.mjs'], {});
  if (built.code !== 0) throw new Error(`build:lambda failed: ${built.stderr}`);
  t = await createTestDb();
  work = mkdtempSync(join(tmpdir(), 'bosun-lambda-'));
  // Each function's folder as Lambda unpacks it, away from the checkout's node_modules.
  for (const name of ['api', 'worker']) cpSync(join(ROOT, 'dist', 'lambda', name), join(work, name), { recursive: true });
  env = {
    DATABASE_URL: t.url ?? '',
    BOSUN_DATA_DIR: join(work, 'data'),
    BOSUN_PUBLIC_URL: 'https://bosun.example.com',
    BOSUN_SECRET: 'lambda-bundle-test-secret-of-32-characters-or-more',
    BOSUN_LOG_LEVEL: 'silent',
    BOSUN_DEMO: '0',
  };
}, 300_000);
afterAll(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  await t?.close();
});

describe('the Lambda bundles', () => {
  it('hold neither PGlite nor esbuild, and name the map beside them', () => {
    for (const name of ['api', 'worker']) {
      const bundle = readFileSync(join(ROOT, 'dist', 'lambda', name, 'index.mjs'), 'utf8');
      expect(bundle).not.toMatch(/pglite\.wasm|postgres\.wasm/);
      expect(bundle).not.toMatch(/ESBUILD_BINARY_PATH/);
      expect(bundle.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      const map = JSON.parse(readFileSync(join(ROOT, 'dist', 'lambda', name, 'index.mjs.map'), 'utf8'));
      expect(map.sources.length).toBeGreaterThan(100);
    }
  });

  it('API: answers /healthz against the server, and serves the dashboard assets and Swagger UI from the bundle alone', async () => {
    const assets = await loadOpsAssets();
    const css = assets.byLogicalName.get('app.css');
    const js = assets.byLogicalName.get('app.js');
    const [health, stylesheet, script, missing, swagger] = await invoke(
      join(work, 'api'),
      [
        v2('/healthz'),
        v2(`/app/assets/${css?.fileName}`),
        v2(`/app/assets/${js?.fileName}`),
        v2('/app/assets/app.00000000.css'),
        v2('/api/docs/assets/swagger-ui.css'),
      ],
      env,
    );

    expect(health.statusCode).toBe(200);
    expect(stylesheet.statusCode).toBe(200);
    expect(stylesheet.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(stylesheet.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(stylesheet.body).toBe(Buffer.from(css?.body ?? []).toString('utf8'));
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe(Buffer.from(js?.body ?? []).toString('utf8'));
    expect(missing.statusCode).toBe(404);
    expect(swagger.statusCode).toBe(200);
    expect(swagger.body).toContain('.swagger-ui');
  });

  it('worker: runs the jobs a booking enqueued — its guest page is published — and then finds none', async () => {
    const a = await makeTenant(t.deps, 'harbor');
    const { booking } = await createBooking(t.deps, a.ctx, createBookingSchema.parse(bookingInput()));
    const scheduled = { version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };

    const [first, second] = await invoke(join(work, 'worker'), [scheduled, scheduled], env);

    expect(first.failed).toBe(0);
    expect(first.byName['guest-page.publish']).toEqual({ completed: 1, failed: 0 });
    expect(first.stoppedBy).toBe('empty');
    // The first look at the schedules enqueues every sweep, and the drain runs them.
    expect([...first.scheduled].sort()).toEqual(['crew.remind', 'guest.remind', 'site.cleanup-sweep']);
    // Nothing is left but a sweep whose cron time may have come in between.
    expect(second.byName['guest-page.publish']).toBeUndefined();
    expect(second).toMatchObject({ failed: 0, completed: second.scheduled.length, stoppedBy: 'empty' });
    const { rows } = await t.handle.executeSql('select verified_at from guest_pages where booking_id = $1', [booking.id]);
    expect(rows[0]?.verified_at).not.toBeNull();
  });
});
