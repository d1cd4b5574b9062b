/**
 * `bosun doctor --live` as a user runs it: the real CLI in a child process against a running `bosun
 * start` (its local edge serves the guest site; on the embedded database doctor runs in that server,
 * over its control socket), behind a proxy with CloudFront's cache behaviors. The service key comes
 * from BOSUN_DOCTOR_SERVICE_KEY, and goes over http:// only to a literal loopback address or `localhost`. A proxy that strips X-Service-Key is named and doctor exits 1. Wrong
 * arguments are refused before anything is opened, one line each.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CdnProxy, startCdnProxy } from '../support/cdn-proxy';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { childEnv, freePort, killAll, type Running, runBosun, startHealthyServer } from '../support/processes';

let target: DataTarget;
let server: Running;
let cdnProxy: CdnProxy;
let port: number;
let serviceKey: string;
const scratch = mkdtempSync(join(tmpdir(), 'bosun-doctor-args-'));

const env = (extra: Record<string, string> = {}) => target.env({ PORT: String(port), ...extra });

beforeAll(async () => {
  target = await openDataTarget();
  port = await freePort();
  server = await startHealthyServer(env(), `http://127.0.0.1:${port}`);
  const run = async (args: string[]) => {
    const done = await runBosun(args, env(), 150_000);
    if (done.code !== 0) throw new Error(`bosun ${args.join(' ')}: ${done.stderr}`);
    return done.stdout.trim();
  };
  await run(['tenant', 'create', 'harbor', '--name', 'Harbor Charters', '--guest-domain', 'harbor.localhost']);
  serviceKey = await run(['key', 'create', 'harbor', '--kind', 'service', '--scope', 'bookings:read']);
  await run(['publish', 'harbor', '--all']);
  cdnProxy = await startCdnProxy({ host: '127.0.0.1', port });
}, 600_000);
afterAll(async () => {
  await cdnProxy?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  await killAll();
  await target?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('bosun doctor --live in a child process', () => {
  it('passes the running site, then names the CDN that strips X-Service-Key and exits 1', async () => {
    const args = ['doctor', '--live', 'http://harbor.localhost', '--connect-to', cdnProxy.address];
    const healthy = await runBosun(args, env({ BOSUN_DOCTOR_SERVICE_KEY: serviceKey }), 150_000);
    expect(healthy.stdout).toMatch(/^ok +live function: the local edge runs the generated function$/m);
    expect(healthy.stdout).toMatch(
      /^ok +live page: a page stored at harbor\.localhost\/g\/doctor\w{10}\.html in the object store came back/m,
    );
    expect(healthy.stdout).toMatch(/^ok +live page headers: /m);
    expect(healthy.stdout).toMatch(/^ok +live not-found page: /m);
    expect(healthy.stdout).toMatch(
      /^ok +live api: http:\/\/harbor\.localhost\/api\/v1\/bookings\?limit=1 reached the API with X-Service-Key \(200\)$/m,
    );
    expect(healthy.stdout).toContain('No problems found.');
    expect(healthy.code).toBe(0);
    // The key is a secret: it is in no output.
    expect(healthy.stdout + healthy.stderr).not.toContain(serviceKey);

    cdnProxy.stripServiceKey = true;
    const stripped = await runBosun(args, env({ BOSUN_DOCTOR_SERVICE_KEY: serviceKey }), 150_000);
    expect(stripped.code).toBe(1);
    expect(stripped.stdout).toMatch(
      /^PROBLEM {2}live api: the CDN in front of http:\/\/harbor\.localhost strips X-Service-Key: .*origin request policy AllViewerExceptHostHeader$/m,
    );
    expect(stripped.stdout).toContain('1 problem(s) found.');
  }, 600_000);

  it.each([
    [['--live', 'ftp://harbor.localhost'], /^bosun: Invalid arguments\. \(--live must be a guest site's address/],
    [
      ['--live', 'https://harbor.localhost/g/ABC'],
      /^bosun: Invalid arguments\. \(--live must be a guest site's address, like https:\/\/charters\.example\.com \(no path\)\)$/,
    ],
    [['--live', 'not a url'], /--live must be a guest site's address/],
    [['--live', 'https://harbor.localhost', '--connect-to', 'nowhere'], /--connect-to must be HOST:PORT, like 127\.0\.0\.1:8443/],
    [['--live', 'https://harbor.localhost', '--connect-to', '127.0.0.1:70000'], /--connect-to must name a port between 1 and 65535/],
    [['--connect-to', '127.0.0.1:8443'], /--connect-to is used with --live only/],
    [['--live', 'https://harbor.localhost', '--service-key', 'hunter2'], /--service-key must be a service key \(bsk_…\)/],
    [
      ['--live', 'http://harbor.example.com', '--service-key', 'bsk_hunter2hunter2'],
      /^bosun: Invalid arguments\. \(--service-key is sent only to an https:\/\/ address, or over http:\/\/ to this machine/,
    ],
    [
      ['--live', 'http://harbor.localhost', '--connect-to', '192.0.2.10:80', '--service-key', 'bsk_hunter2hunter2'],
      /--service-key is sent only to an https:\/\/ address, or over http:\/\/ to this machine \(the URL or --connect-to a loopback address\)/,
    ],
  ])(
    'refuses doctor %j in one line, before anything is opened',
    async (args, message) => {
      const dataDir = join(scratch, `data-${args.length}-${Math.random().toString(36).slice(2)}`);
      const run = await runBosun(['doctor', ...args], childEnv({ BOSUN_DATA_DIR: dataDir, BOSUN_LOG_LEVEL: 'silent' }), 150_000);
      expect(run.code).toBe(1);
      const lines = run.stderr.split('\n').filter((l) => l.startsWith('bosun: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(run.stdout).toBe('');
      expect(existsSync(dataDir)).toBe(false);
      expect(run.stderr).not.toContain('hunter2');
    },
    200_000,
  );

  it.each([
    [['--live', 'charters.example.com'], "--live must be a guest site's address, like https://charters.example.com (no path)"],
    [['--live', 'http://harbor.example.com', '--connect-to', 'foo'], '--connect-to must be HOST:PORT, like 127.0.0.1:8443'],
    [['--live', 'http://harbor.example.com', '--connect-to', '127.0.0.1:0'], '--connect-to must name a port between 1 and 65535'],
    [
      ['--live', 'http://harbor.localhost'],
      '--service-key is sent only to an https:// address, or over http:// to this machine (the URL or --connect-to a loopback address)',
    ],
    [['--live', 'http://harbor.example.com', '--connect-to', 'localhost.:80'], '--connect-to must be HOST:PORT, like 127.0.0.1:8443'],
  ])(
    'with BOSUN_DOCTOR_SERVICE_KEY set, refuses doctor %j in its own one line, before anything is opened',
    async (args, message) => {
      const dataDir = join(scratch, `data-env-${Math.random().toString(36).slice(2)}`);
      const key = 'bsk_hunter2hunter2fromtheenvironment';
      const run = await runBosun(
        ['doctor', ...args],
        childEnv({ BOSUN_DATA_DIR: dataDir, BOSUN_LOG_LEVEL: 'silent', BOSUN_DOCTOR_SERVICE_KEY: key }),
        150_000,
      );
      expect(run.code).toBe(1);
      expect(run.stderr.split('\n').filter((l) => l.startsWith('bosun: '))).toEqual([`bosun: Invalid arguments. (${message})`]);
      expect(run.stdout).toBe('');
      expect(existsSync(dataDir)).toBe(false);
      expect(run.stdout + run.stderr).not.toContain(key);
    },
    200_000,
  );

  it('refuses to send the key from BOSUN_DOCTOR_SERVICE_KEY over http:// to another machine, before anything is opened', async () => {
    const dataDir = join(scratch, 'data-env-key');
    const key = 'bsk_hunter2hunter2fromtheenvironment';
    const run = await runBosun(
      ['doctor', '--live', 'http://harbor.example.com', '--connect-to', '198.51.100.20:80'],
      childEnv({ BOSUN_DATA_DIR: dataDir, BOSUN_LOG_LEVEL: 'silent', BOSUN_DOCTOR_SERVICE_KEY: key }),
      150_000,
    );
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('bosun: '))).toEqual([
      'bosun: Invalid arguments. (--service-key is sent only to an https:// address, or over http:// to this machine (the URL or --connect-to a loopback address))',
    ]);
    expect(run.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
    expect(run.stdout + run.stderr).not.toContain(key);
  }, 200_000);
});
