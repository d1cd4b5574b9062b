/**
 * The data folder is its owner's alone. A first `bosun start` on an empty folder — even from a shell
 * whose umask grants everyone everything — leaves no file or folder that group or others may read,
 * write or enter, the embedded database's own files included; `bosun doctor` names an entry opened
 * by hand, and the next start closes it again with a log line.
 */
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { freePort, killAll, type Running, runBosun, startHealthyServer, waitFor } from '../support/processes';

let target: DataTarget;
let port: number;
let dataDir: string;
let umaskBefore: number;

beforeAll(async () => {
  target = await openDataTarget();
  port = await freePort();
  // A folder that does not exist yet: Bosun creates it.
  dataDir = join(target.dataDir, 'bosun');
  // The children inherit this process's umask: the most permissive one, so nothing is private by luck.
  umaskBefore = process.umask(0);
});
afterAll(async () => {
  process.umask(umaskBefore);
  await killAll();
  await target?.close();
});

const env = (extra: Record<string, string> = {}) => target.env({ BOSUN_DATA_DIR: dataDir, PORT: String(port), BOSUN_DEMO: '1', ...extra });

/** Every entry under `dir` (itself included) with its mode, as `ls -l` would show it. */
function walk(dir: string): { path: string; mode: number }[] {
  const entries = [{ path: '.', mode: lstatSync(dir).mode }];
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const stats = lstatSync(join(dir, name), { throwIfNoEntry: false });
    // A running server may remove a temporary file between the listing and its lstat.
    if (stats && !stats.isSymbolicLink()) entries.push({ path: name, mode: stats.mode });
  }
  return entries;
}

/** The entries that grant group or others any permission, as `path 0644` lines. */
const openTo = (entries: { path: string; mode: number }[]) =>
  entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => `${e.path} 0${(e.mode & 0o777).toString(8)}`);

/** The status of a GET with the Host header a browser sends for a guest site (fetch cannot set Host). */
function guestStatus(host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `${host}:${port}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function startServer(extra: Record<string, string> = {}): Promise<Running> {
  return startHealthyServer(env(extra), `http://127.0.0.1:${port}`);
}

async function stopServer(server: Running) {
  server.child.kill('SIGTERM');
  const done = await server.exited;
  expect(done.code, done.stderr).toBe(0);
  return done;
}

describe('the data folder', () => {
  it('is created 0700 by a first start, and nothing in it grants group or others anything, running or stopped', async () => {
    const server = await startServer();
    const bookings = await waitFor('the demo', () => /with bookings ([A-Z0-9, ]+)\./.exec(server.stdout())?.[1], 120_000);
    // Wait until the demo's pages are published: the object store and the edge have written their files.
    for (const id of bookings.split(', ')) {
      await waitFor(
        `the guest page of ${id}`,
        async () => ((await guestStatus('demo.localhost', `/g/${id}`)) === 200 ? true : undefined),
        60_000,
      );
    }

    const running = walk(dataDir);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(running.map((e) => e.path)).toEqual(expect.arrayContaining(['secret', join('objects', 'demo.localhost')]));
    if (target.engine === 'pglite') {
      // The embedded database's own files are among them (about a thousand), and the lock and socket.
      expect(running.filter((e) => e.path.startsWith(`db${sep}`)).length).toBeGreaterThan(500);
      expect(running.map((e) => e.path)).toEqual(expect.arrayContaining(['lock', 'control.sock']));
    }
    expect(openTo(running)).toEqual([]);

    await stopServer(server);
    expect(openTo(walk(dataDir))).toEqual([]);
  }, 300_000);

  it('doctor names an entry others can read; the next start closes it with a log line', async () => {
    chmodSync(join(dataDir, 'secret'), 0o644);
    chmodSync(dataDir, 0o755);

    const doctor = await runBosun(['doctor'], env());
    expect(doctor.code).toBe(1);
    const line = doctor.stdout.split('\n').find((l) => /^\S+\s+data folder: /.test(l));
    expect(line).toMatch(/^PROBLEM\s+data folder: /);
    expect(line).toContain(`${dataDir} (0755)`);
    expect(line).toContain('secret (0644)');

    const server = await startServer({ BOSUN_LOG_LEVEL: 'warn' });
    const warning = await waitFor('the log line', () =>
      server
        .stdout()
        .split('\n')
        .find((l) => l.includes('closed the data folder to other users')),
    );
    expect(JSON.parse(warning)).toMatchObject({ level: 40, dataDir, entries: 2 });
    expect(openTo(walk(dataDir))).toEqual([]);

    const again = await runBosun(['doctor'], env());
    expect(again.stdout).toMatch(/^ok\s+data folder: .* only its owner can read or write it$/m);
    await stopServer(server);
  }, 300_000);
});
