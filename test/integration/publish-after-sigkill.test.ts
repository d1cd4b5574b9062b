/**
 * Acceptance: `bosun start` is killed (SIGKILL) while it publishes a guest page — its object store has
 * stopped answering, so the publish is under way and cannot finish — and after a restart that page is
 * verified live within 60 seconds, not after pg-boss's 15-minute expiry. The store is S3 (s3rver
 * behind a proxy the test pauses); on the postgres project the database is a server the restarted
 * process shares with nobody, on pglite the embedded database in the data folder.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/client';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { type PausableProxy, startPausableProxy } from '../support/pausable-proxy';
import { freePort, killAll, oneJsonObject, type Running, runBosun, startHealthyServer, waitFor } from '../support/processes';
import { S3_TEST_CREDENTIALS, startS3Server } from '../support/s3';

let target: DataTarget;
let port: number;
let s3: Awaited<ReturnType<typeof startS3Server>>;
let proxy: PausableProxy;

beforeAll(async () => {
  target = await openDataTarget();
  port = await freePort();
  s3 = await startS3Server(['bosun']);
  proxy = await startPausableProxy(s3.endpoint);
});
afterAll(async () => {
  await killAll();
  await proxy?.close();
  await s3?.stop();
  await target?.close();
});

const env = () =>
  target.env({
    PORT: String(port),
    BOSUN_OBJECT_STORE: `s3://bosun?endpoint=${encodeURIComponent(proxy.url)}&region=us-east-1`,
    AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
  });
const base = () => `http://127.0.0.1:${port}`;

async function startServer(): Promise<Running> {
  return startHealthyServer(env(), base());
}

async function bosun(...args: string[]) {
  const run = await runBosun([...args, '--json'], env());
  expect(run.code, run.stderr || run.stdout).toBe(0);
  return oneJsonObject(run.stdout);
}

/** A confirmed charter `daysAhead` days from now (the server's clock is the real one), 10:00–12:00 UTC. */
function charter(daysAhead: number, guest: string) {
  const day = new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
  return {
    guest: { name: guest, email: 'guest@example.com' },
    partySize: 2,
    vessel: 'jada',
    startsAt: `${day}T10:00:00Z`,
    endsAt: `${day}T12:00:00Z`,
    status: 'confirmed',
  };
}

async function createBooking(key: string, body: unknown): Promise<string> {
  const res = await fetch(`${base()}/api/v1/bookings`, {
    method: 'POST',
    headers: { 'x-service-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function pageStatus(key: string, id: string): Promise<string | undefined> {
  const res = await fetch(`${base()}/api/v1/bookings/${id}`, { headers: { 'x-service-key': key } });
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { guestPage?: { status?: string } }).guestPage?.status;
}

function guestPage(id: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/g/${id}`, headers: { host: `harbor.localhost:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a publish cut short by SIGKILL', () => {
  it('is verified live within 60 seconds of the restart', async () => {
    const first = await startServer();
    await bosun('tenant', 'create', 'harbor', '--name', 'Harbor Charters', '--guest-domain', 'harbor.localhost');
    await bosun('vessel', 'add', 'harbor', 'jada', '--name', 'Jada', '--timezone', 'America/Los_Angeles');
    const key = String((await bosun('key', 'create', 'harbor', '--kind', 'service')).key);

    // The way through the store works: a first page is published.
    const warm = await createBooking(key, charter(30, 'Wendy Warm'));
    await waitFor('the first page', async () => ((await pageStatus(key, warm)) === 'published' ? true : undefined), 60_000);

    // The store stops answering; the next page's publish starts and cannot finish.
    proxy.pause();
    const id = await createBooking(key, charter(31, 'Kim Killed'));
    await waitFor('the publish to reach the store', () => (proxy.held() > 0 ? true : undefined), 60_000);
    expect(await pageStatus(key, id)).toBe('pending');
    if (target.engine === 'postgres' && target.vars().DATABASE_URL) {
      const db = await openPostgres(target.vars().DATABASE_URL as string, { max: 1 });
      try {
        const { rows } = await db.executeSql(`select state from pgboss.job where name = 'guest-page.publish' and data->>'bookingId' = $1`, [
          id,
        ]);
        expect(rows.map((r) => r.state)).toEqual(['active']);
      } finally {
        await db.close();
      }
    }

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    proxy.resume();

    const second = await startServer();
    await waitFor('the page to be verified live', async () => ((await pageStatus(key, id)) === 'published' ? true : undefined), 60_000);
    const page = await guestPage(id);
    expect(page.status).toBe(200);
    expect(page.body).toContain(id);

    const jobs = await bosun('jobs');
    expect(jobs.failed).toEqual([]);
    const doctor = await bosun('doctor');
    expect(doctor.checks).toContainEqual(expect.objectContaining({ check: 'jobs running', ok: true }));
    expect(doctor.checks).toContainEqual({ check: 'tenant harbor pages', ok: true, detail: 'every guest page published' });

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 400_000);
});
