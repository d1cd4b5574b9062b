/**
 * `bosun …` while `bosun start` runs on the same data: on PGlite the server owns the embedded
 * database and the CLI hands its commands over the control socket; on PostgreSQL both connect to
 * the server through DATABASE_URL. A restart keeps the data and seeds the demo only once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlSocketPath } from '../../src/main/control';
import { readLock } from '../../src/main/data-lock';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { daysFromNow } from '../support/factories';
import { freePort, killAll, oneJsonObject, type Running, runBosun, startHealthyServer, waitFor } from '../support/processes';

let target: DataTarget;
let port: number;

beforeAll(async () => {
  target = await openDataTarget();
  port = await freePort();
});
afterAll(async () => {
  await killAll();
  await target?.close();
});

const base = () => `http://127.0.0.1:${port}`;
const serverEnv = () => target.env({ PORT: String(port), BOSUN_DEMO: '1' });

/** Starts `bosun start` and waits until /healthz answers 200 (or the server exits). */
async function startServer(): Promise<Running> {
  return startHealthyServer(serverEnv(), base());
}

async function stopServer(server: Running) {
  server.child.kill('SIGTERM');
  const done = await server.exited;
  expect(done.code, `the server's stderr: ${done.stderr}`).toBe(0);
  return done;
}

async function listBookings(key: string) {
  const res = await fetch(`${base()}/api/v1/bookings`, { headers: { 'x-service-key': key } });
  return { status: res.status, body: (await res.json()) as { bookings: { id: string }[] } };
}

describe('the CLI while a server runs on the same data', () => {
  it('runs commands against the running server, and a restart keeps the data without a second demo', async () => {
    const first = await startServer();
    const demoLine = await waitFor(
      'the demo credentials',
      () => /Created the demo tenant "demo" with bookings (.+)\./.exec(first.stdout())?.[1],
    );
    const demoBookings = demoLine.split(', ');
    expect(demoBookings).toHaveLength(3);

    if (target.engine === 'pglite') {
      // The server owns the embedded database: commands can only reach it through its control socket.
      expect(readLock(target.dataDir)).toEqual({ pid: first.child.pid, role: 'server', socket: controlSocketPath(target.dataDir) });
    }
    const tenants = await runBosun(['tenant', 'list', '--json'], target.env());
    expect(tenants.code).toBe(0);
    expect(oneJsonObject(tenants.stdout).tenants.map((t: { slug: string }) => t.slug)).toEqual(['demo']);

    const created = await runBosun(['key', 'create', 'demo', '--kind', 'service'], target.env());
    // Through the server too, the key's id and the warning come on stderr and the key alone on stdout.
    expect(created.stderr).toMatch(/^Key [0-9a-f-]{36} \(service, scopes [^)]+\) — shown once; store it now\.\n$/);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^bsk_[A-Za-z0-9_-]{43}\n$/);
    const key = created.stdout.trim();
    expect(first.stdout()).toMatch(/Service key \(shown once\):\s+bsk_/);

    const listed = await listBookings(key);
    expect(listed.status).toBe(200);
    expect(listed.body.bookings.map((b) => b.id).sort()).toEqual([...demoBookings].sort());

    // A booking made through the API with the new key must survive the restart too.
    const made = await fetch(`${base()}/api/v1/bookings`, {
      method: 'POST',
      headers: { 'x-service-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({
        guest: { name: 'Rita Restart', email: 'rita@example.com' },
        partySize: 2,
        vessel: 'jada',
        startsAt: daysFromNow(30, '10:00'),
        endsAt: daysFromNow(30, '12:00'),
      }),
    });
    expect(made.status).toBe(201);
    const madeId = ((await made.json()) as { id: string }).id;

    await stopServer(first);
    await expect(fetch(`${base()}/healthz`)).rejects.toThrow();

    const second = await startServer();

    const after = await listBookings(key);
    expect(after.status).toBe(200);
    expect(after.body.bookings.map((b) => b.id).sort()).toEqual([...demoBookings, madeId].sort());

    const again = await runBosun(['tenant', 'list', '--json'], target.env());
    expect(again.code).toBe(0);
    expect(oneJsonObject(again.stdout).tenants.map((t: { slug: string }) => t.slug)).toEqual(['demo']);
    // By now the server has printed all it prints at start: no demo, no credentials.
    expect(second.stdout()).toContain('Bosun is running');
    expect(second.stdout()).not.toContain('Created the demo tenant');
    expect(second.stdout()).not.toContain('bsk_');

    await stopServer(second);
  }, 400_000);
});
