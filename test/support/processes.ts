/**
 * Running Bosun as a user does: `node bin/bosun.js …` in child processes, each with its own
 * environment. Every child started here is tracked, so a suite can kill what is left in `afterAll`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BOSUN = join(ROOT, 'bin', 'bosun.js');

/** Variables Bosun reads; a child gets only those a test names, never the caller's own. */
const BOSUN_VARS = [
  'PORT',
  'BOSUN_DATA_DIR',
  'DATABASE_URL',
  'BOSUN_OBJECT_STORE',
  'BOSUN_CDN',
  'SMTP_URL',
  'BOSUN_PUBLIC_URL',
  'BOSUN_SECRET',
  'BOSUN_SECRET_ARN',
  'DATABASE_SECRET_ARN',
  'BOSUN_DATABASE_TLS',
  'BOSUN_MAIL',
  'BOSUN_LOG_LEVEL',
  'BOSUN_DEMO',
  'BOSUN_MAIL_FROM',
];

export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of BOSUN_VARS) delete env[name];
  delete env.NODE_OPTIONS;
  return { ...env, ...vars };
}

const live = new Set<ChildProcess>();

export type Finished = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** A child process whose output is collected as it arrives. */
export type Running = {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Finished>;
};

/** Starts `node <args…>` in the project folder. */
export function startNode(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<Finished>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Starts `bosun <args…>`. */
export function startBosun(args: string[], env: NodeJS.ProcessEnv): Running {
  return startNode([BOSUN, ...args], env);
}

/** Runs `bosun <args…>` to the end; a run that takes longer than `timeoutMs` is killed and fails. */
export async function runBosun(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Finished> {
  const run = startBosun(args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  try {
    const done = await run.exited;
    if (done.signal === 'SIGKILL') throw new Error(`bosun ${args.join(' ')} did not finish in ${timeoutMs} ms`);
    return done;
  } finally {
    clearTimeout(timer);
  }
}

/** Kills every child still running (SIGKILL) and waits for them to go. */
export async function killAll(): Promise<void> {
  const waiting = [...live].map(async (child) => {
    if (child.exitCode === null && child.signalCode === null) {
      const closed = once(child, 'close');
      child.kill('SIGKILL');
      await closed;
    }
    live.delete(child);
  });
  await Promise.all(waiting);
}

/** Waits until `probe` returns something other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Parses stdout that must be exactly one JSON object on one line. */
export function oneJsonObject(stdout: string): Record<string, any> {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) throw new Error(`expected one line of JSON, got ${lines.length}: ${stdout}`);
  const value = JSON.parse(lines[0] as string);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`expected a JSON object, got ${stdout}`);
  return value;
}

/**
 * Starts `bosun start` and resolves once `{origin}/healthz` answers 200; fails with the server's
 * stderr if it exits first.
 */
export async function startHealthyServer(env: NodeJS.ProcessEnv, origin: string): Promise<Running> {
  const server = startBosun(['start'], env);
  const healthy = waitFor(
    'the server to answer /healthz',
    async () => {
      const res = await fetch(`${origin}/healthz`);
      return res.status === 200 && ((await res.json()) as { status?: string }).status === 'ok' ? true : undefined;
    },
    120_000,
  );
  const exited = server.exited.then((r) => {
    throw new Error(`bosun start exited (${r.code ?? r.signal}) before it was healthy: ${r.stderr}`);
  });
  await Promise.race([healthy, exited]);
  exited.catch(() => {});
  return server;
}
