/**
 * How fast `bosun` starts and how much it holds: `bosun start`, the real entry point as a child process on
 * a free port with its own data folder, timed from its spawn to its first answer of /healthz, its resident
 * memory read from /proc once it has settled; and `bosun --help` against a bare `node -e 0` (ADR 0029).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { type Cleanup, findFreePort, makeTempDir, sleep } from './support';

const ROOT = join(import.meta.dirname, '..');

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Asks the server to stop (SIGTERM, as a service manager would); kills it if it has not within 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited(child);
  clearTimeout(timer);
}

function vmRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/** One `bosun start`: milliseconds from its spawn to its first 200 from /healthz, and its idle RSS in bytes. */
export type StartFigures = { healthyMs: number; rssBytes: number };

/**
 * Starts `bosun start` on an empty data folder, waits for /healthz and `settleMs`, reads its RSS and
 * stops it; then does the same again on the now-filled folder (a restart). Returns both.
 */
export async function measureIdleRss(
  cleanup: Cleanup,
  options: { databaseUrl?: string; settleMs: number },
): Promise<{ firstStart: StartFigures; restart: StartFigures }> {
  const dataDir = makeTempDir(cleanup, 'bosun-bench-rss-');
  const firstStart = await measureOnce(cleanup, dataDir, options);
  const restart = await measureOnce(cleanup, dataDir, options);
  return { firstStart, restart };
}

async function measureOnce(cleanup: Cleanup, dataDir: string, options: { databaseUrl?: string; settleMs: number }): Promise<StartFigures> {
  const port = await findFreePort();
  const env: NodeJS.ProcessEnv = { ...process.env, BOSUN_DATA_DIR: dataDir, PORT: String(port), BOSUN_LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  const spawned = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin/bosun.js'), 'start'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  cleanup.defer('stop the server', () => stopChild(child));
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-2000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start bin/bosun.js');

  const deadline = Date.now() + 60_000;
  while (!(await healthy(port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`bosun start exited (${child.exitCode ?? child.signalCode}) before answering: ${stderr.trim()}`);
    }
    if (Date.now() > deadline) throw new Error(`bosun start did not answer /healthz within 60 s: ${stderr.trim()}`);
    await sleep(20);
  }
  const healthyMs = performance.now() - spawned;
  await sleep(options.settleMs);
  const rss = vmRssBytes(pid);
  await stopChild(child);
  if (child.exitCode !== 0) {
    process.stderr.write(`bench: bosun start ended with ${child.exitCode ?? child.signalCode} on SIGTERM (expected 0): ${stderr.trim()}\n`);
  }
  return { healthyMs, rssBytes: rss };
}

/** Wall time of each command, in milliseconds: `runs` rounds, the commands alternating within each. */
export function timeCommands(commands: Record<string, string[]>, runs: number): Record<string, number[]> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  // Each command once before timing: the build of a stale bundle and a cold disk cache are not what is measured.
  for (const [name, args] of Object.entries(commands)) runCommand(name, args);
  for (let round = 0; round < runs; round++) {
    for (const [name, args] of Object.entries(commands)) times[name]?.push(runCommand(name, args));
  }
  return times;
}

function runCommand(name: string, args: string[]): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`${name} exited with ${run.status ?? run.signal}: ${run.stderr.toString('utf8').trim()}`);
  return ms;
}
