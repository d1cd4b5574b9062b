/**
 * Guest-site figures (issue 3): the local edge against nginx serving the same stored page (wrk),
 * booking accepted → verified live through the job worker, bulk republish pages/s, and the edge's
 * hit ratio for untouched pages while others are republished. Everything runs on 127.0.0.1 in
 * temp folders that are removed afterwards.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { getConnInfo } from '@hono/node-server/conninfo';
import pino from 'pino';
import { FileMailer } from '../src/adapters/file-mailer';
import { FsObjectStore } from '../src/adapters/fs-object-store';
import { InMemoryFailureLimits } from '../src/adapters/in-memory-failure-limits';
import { GUEST_NOT_FOUND_LIMIT, LocalEdge } from '../src/adapters/local-edge';
import { PgBossJobQueue } from '../src/adapters/pg-boss-job-queue';
import { type DbHandle, openPglite, openPostgres } from '../src/db/client';
import { migrateToLatest } from '../src/db/migrate';
import { getGuestPage } from '../src/db/queries/publishing';
import { createApp } from '../src/http/app';
import { registerJobHandlers } from '../src/jobs/register';
import { listenHttp } from '../src/main/http-server';
import { pingDatabase } from '../src/main/runtime';
import { systemClock } from '../src/ports/clock';
import { closeRenderPool, renderPoolSize, renderPoolStatus } from '../src/publish/render-pool';
import { GUEST_SITE_HEADERS, guestPageKey, SITE_CACHE_CONTROL, siteBucket, siteOrigin } from '../src/publish/site-layout';
import { createBooking, updateBooking } from '../src/services/bookings';
import type { ServiceDeps, TenantContext } from '../src/services/context';
import { createKey } from '../src/services/keys';
import { findEdgeSite, lookupFriendlySlug, type PublishingDeps, publishGuestPage, republishGuestPages } from '../src/services/publishing';
import { addVessel, createTenant } from '../src/services/tenants';
import { type Cleanup, findFreePort, makeTempDir, percentile, runBounded, sleep } from './support';

const OPERATOR = { kind: 'operator' as const, id: 'bench' };
const TIMEZONE = 'America/Los_Angeles';
const DOMAIN = 'bench.localhost';

export type Where = { engine: 'pglite'; dir: string } | { engine: 'postgres'; url: string };

type Site = {
  handle: DbHandle;
  jobs: PgBossJobQueue;
  deps: PublishingDeps;
  edge: LocalEdge;
  store: FsObjectStore;
  objectsDir: string;
  ctx: TenantContext;
  serviceKey: string;
  port: number;
};

type Installation = Omit<Site, 'ctx' | 'serviceKey'>;

/**
 * A migrated database, a folder of objects, the local edge over it and the real application on
 * 127.0.0.1 — as `bosun start` wires them, for whatever tenants the database holds. With `worker`,
 * this process also works the jobs (pg-boss polling, and woken after each commit unless `wake` is
 * false). `objectsDir` reuses a folder (a seeded installation's); without it, a temp folder.
 */
export async function openInstallation(
  cleanup: Cleanup,
  where: Where,
  options: { worker: boolean; wake?: boolean; objectsDir?: string },
): Promise<Installation> {
  const handle = where.engine === 'pglite' ? await openPglite(where.dir) : await openPostgres(where.url, { max: 10 });
  cleanup.defer('close the database', () => handle.close());
  await migrateToLatest(handle.db);
  const jobs = await PgBossJobQueue.start(handle, { supervise: options.worker, wakeWorkers: options.wake ?? true });
  cleanup.defer('stop the job queue', () => jobs.stop());
  const objectsDir = options.objectsDir ?? makeTempDir(cleanup, 'bosun-bench-objects-');
  // nginx's workers run as another user: they must be able to read the objects.
  chmodSync(objectsDir, 0o755);
  const store = new FsObjectStore(objectsDir, { defaultCacheControl: SITE_CACHE_CONTROL });
  let deps: PublishingDeps | undefined;
  // As `bosun start` makes it (src/main/runtime.ts): the site's headers on every answer, runs of 404s limited.
  const edge = new LocalEdge({
    store,
    findSite: (host) => findEdgeSite(deps as PublishingDeps, host),
    lookupKey: (domain, key) => lookupFriendlySlug(deps as PublishingDeps, domain, key),
    responseHeaders: GUEST_SITE_HEADERS,
    notFound: { limits: new InMemoryFailureLimits(), limit: GUEST_NOT_FOUND_LIMIT },
  });
  const base: ServiceDeps = {
    db: handle.db,
    jobs,
    clock: systemClock,
    guestOrigin: (domain) => siteOrigin(domain, { https: false, port: 8080 }),
    publicHost: 'localhost',
  };
  deps = { ...base, sites: { store, cdn: edge } };
  if (options.worker) {
    const mail = {
      mailer: FileMailer.inDataDir(makeTempDir(cleanup, 'bosun-bench-mail-')),
      publicUrl: 'http://localhost:8080',
      fromAddress: 'bench@localhost',
    };
    await registerJobHandlers(jobs, { ...base, mail, sites: deps.sites });
  }
  const app = createApp({
    ...base,
    edge,
    log: pino({ level: 'silent' }),
    ping: () => pingDatabase(handle),
    failureLimits: new InMemoryFailureLimits(),
    clientAddress: (c) => getConnInfo(c).remote.address ?? '127.0.0.1',
    signingSecret: BENCH_SIGNING_SECRET,
  });
  // Served as `bosun start` serves it: guest hosts reach the edge before the app.
  const server = await listenHttp({ fetch: app.fetch, edge, hostname: '127.0.0.1', port: 0 });
  // The client's sockets idle while other work runs (a doctor run over many tenants, on a loaded
  // machine longer than Node's 5 s): a socket the server closed meanwhile would be reused and reset.
  server.keepAliveTimeout = 10 * 60_000;
  cleanup.defer('stop the HTTP server', () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { handle, jobs, deps, edge, store, objectsDir, port: (server.address() as AddressInfo).port };
}

/** The application's signing secret in every bench installation (crew feed URLs are signed with it). */
export const BENCH_SIGNING_SECRET = 'bench-signing-secret-of-at-least-32-characters';

/** An installation (see `openInstallation`) with one tenant, its vessel `jada` and a service key. */
export async function openSite(cleanup: Cleanup, where: Where, options: { worker: boolean; wake?: boolean }): Promise<Site> {
  const site = await openInstallation(cleanup, where, options);
  const tenant = await createTenant(site.deps, OPERATOR, {
    slug: 'bench',
    name: 'Bench Charters',
    guestDomain: DOMAIN,
    timezone: TIMEZONE,
  });
  const ctx = { tenantId: tenant.id, actor: OPERATOR };
  await addVessel(site.deps, ctx, { slug: 'jada', name: 'Jada', capacity: 12, meetingPoint: 'Dock C', timezone: TIMEZONE });
  const key = await createKey(site.deps, OPERATOR, tenant.id, { kind: 'service' });
  return { ...site, ctx, serviceKey: key.key };
}

/** The n-th booking: one a day from June 2026, 10:00 in the vessel's zone. */
const TOMORROW = (() => {
  const d = new Date(Date.now() + 86_400_000);
  d.setUTCHours(17, 0, 0, 0);
  return d.getTime();
})();

export function bookingInput(n: number) {
  // One charter a day from tomorrow: in the future, and never two at once on the vessel.
  const startsAt = new Date(TOMORROW + n * 86_400_000);
  return {
    guest: { name: `Avery Guest ${n}`, email: `avery${n}@example.com`, phone: '+1 619 555 0100' },
    partySize: 6,
    vessel: 'jada',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
    status: 'confirmed' as const,
    pricing: { total: 840.75, currency: 'USD' },
    captainFeePerHour: 50,
    notes: { internal: 'Revenue: $840.75', crew: 'Bring spare fenders', guest: 'Bring sunscreen' },
  };
}

type HttpAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

export function makeClient(cleanup: Cleanup, port: number, sockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  cleanup.defer('close the client sockets', () => agent.destroy());
  return (method: string, path: string, headers: Record<string, string | number>, body?: string) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
}

// ——— a. the local edge against nginx ———

export type WrkResult = { perSecond: number; p99Ms: number; errors: number; requests: number };
/** CPU time a server spent per answered request over the measured rounds (user + system), in µs. */
export type CpuPerRequest = Record<'edge' | 'nginx' | 'node' | 'nodeAls', number>;
export type EdgeVsNginx =
  | { edge: WrkResult; nginx: WrkResult; node: WrkResult; nodeAls: WrkResult; cpu: CpuPerRequest; plan: string }
  | { skipped: string };

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** Installs nginx and wrk with apt-get when missing; null when both are there, else why not. */
export function ensureNginxAndWrk(say: (line: string) => void): string | null {
  if (has('nginx') && has('wrk')) return null;
  if (!has('apt-get')) return 'nginx or wrk is missing and there is no apt-get to install them';
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-q', 'nginx', 'wrk'], {
      stdio: 'ignore',
      timeout: 180_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  say('guest sites: installing nginx and wrk (apt-get install -y nginx wrk)…');
  if (!install()) {
    say('guest sites: apt-get update…');
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', timeout: 180_000 });
    install();
  }
  if (has('nginx') && has('wrk')) return null;
  return 'nginx and wrk could not be installed with apt-get (are you root, and online?)';
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** Reads requests/s, the 99th percentile and the error count from `wrk --latency` output. */
export function parseWrk(output: string): WrkResult {
  const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const requests = Number(/(\d+) requests in /.exec(output)?.[1]);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = non2xx + (socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0);
  if (!Number.isFinite(perSecond) || !p99) throw new Error(`could not read wrk's output:\n${output}`);
  return { perSecond, p99Ms: toMs(p99[1] as string, p99[2] as string), errors, requests };
}

/** Runs wrk as a child (never blocking this process, whose server it measures). */
function runWrk(cleanup: Cleanup, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stop = () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    cleanup.defer('stop wrk', stop);
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}: ${out}`))));
  });
}

/**
 * CPU seconds (user + system) used so far by the process `pid` and its children (nginx's worker), read
 * from /proc; `self` is this process (the edge's). NaN where /proc cannot tell.
 */
function cpuSecondsOf(pid: number | 'self'): number {
  if (pid === 'self') {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1e6;
  }
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    // Fields 14 and 15 of stat, after the command in parentheses: user and system time in clock ticks (100 a second).
    const ticks = (p: number) => {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return Number(fields[11]) + Number(fields[12]);
    };
    return [pid, ...children].reduce((n, p) => n + ticks(p), 0) / 100;
  } catch {
    return Number.NaN;
  }
}

/** nginx as a child of this process: generated config, its pid and logs in a temp folder, one worker. */
async function startNginx(cleanup: Cleanup, root: string): Promise<{ port: number; pid: number }> {
  const prefix = makeTempDir(cleanup, 'bosun-bench-nginx-');
  const port = await findFreePort();
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { text/html html; text/calendar ics; }
  default_type application/octet-stream;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { }
  }
}
`,
  );
  const child: ChildProcess = spawn('nginx', ['-p', prefix, '-c', conf, '-e', `${prefix}/error.log`], { stdio: 'ignore' });
  cleanup.defer('stop nginx', async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGQUIT');
    await Promise.race([exited, sleep(3000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const failed = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`nginx exited with ${code}`))));
  // Ready once it answers.
  for (let waited = 0; ; waited += 50) {
    const answered = await Promise.race([
      fetch(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false,
      ),
      failed,
    ]);
    if (answered) return { port, pid: child.pid as number };
    if (waited > 5000) throw new Error('nginx did not answer within 5 s');
    await sleep(50);
  }
}

export async function measureEdgeVsNginx(
  cleanup: Cleanup,
  dir: string,
  plan: { threads: number; connections: number; seconds: number; rounds: number },
) {
  const site = await openSite(cleanup, { engine: 'pglite', dir }, { worker: false });
  const id = (await createBooking(site.deps, site.ctx, bookingInput(0) as never)).booking.id;
  const published = await publishGuestPage(site.deps, site.ctx.tenantId, id);
  if (published.result !== 'published') throw new Error(`could not publish ${id}: ${published.error ?? published.result}`);
  const root = join(site.objectsDir, siteBucket(DOMAIN));
  chmodSync(root, 0o755);
  const nginx = await startNginx(cleanup, root);
  const nginxPort = nginx.port;
  const edgeUrl = `http://127.0.0.1:${site.port}/g/${id}`;
  const nginxUrl = `http://127.0.0.1:${nginxPort}/${guestPageKey(id)}`;
  // Both answer the same bytes.
  const viaEdge = await makeClient(cleanup, site.port, 1)('GET', `/g/${id}`, { host: DOMAIN });
  const viaNginx = await makeClient(cleanup, nginxPort, 1)('GET', `/${guestPageKey(id)}`, {});
  if (viaEdge.status !== 200 || viaEdge.body !== viaNginx.body) {
    throw new Error(`the edge (${viaEdge.status}) and nginx (${viaNginx.status}) serve different pages`);
  }
  const node = await startBareNode(cleanup, viaEdge, false);
  const nodeAls = await startBareNode(cleanup, viaEdge, true);
  const args = (url: string, seconds: number, host?: string) => [
    `-t${plan.threads}`,
    `-c${plan.connections}`,
    `-d${seconds}s`,
    '--latency',
    ...(host ? ['-H', `Host: ${host}`] : []),
    url,
  ];
  const targets = {
    edge: { url: edgeUrl, host: DOMAIN, pid: 'self' as const },
    nginx: { url: nginxUrl, host: undefined, pid: nginx.pid },
    node: { url: `http://127.0.0.1:${node.port}/`, host: undefined, pid: node.pid },
    nodeAls: { url: `http://127.0.0.1:${nodeAls.port}/`, host: undefined, pid: nodeAls.pid },
  };
  for (const t of Object.values(targets)) await runWrk(cleanup, args(t.url, 2, t.host));
  // Rounds alternate between the servers, and each figure is the median of its rounds, so a burst
  // of other work on the machine does not land on one server alone.
  const runs: Record<keyof typeof targets, WrkResult[]> = { edge: [], nginx: [], node: [], nodeAls: [] };
  // CPU time per answered request does not depend on how much of the machine a server got while others
  // loaded it, as requests/s does: it is the cost of an answer.
  const cpu: CpuPerRequest = { edge: 0, nginx: 0, node: 0, nodeAls: 0 };
  for (let round = 0; round < plan.rounds; round++) {
    for (const [name, t] of Object.entries(targets) as [
      keyof typeof targets,
      { url: string; host: string | undefined; pid: number | 'self' },
    ][]) {
      const before = cpuSecondsOf(t.pid);
      const result = parseWrk(await runWrk(cleanup, args(t.url, plan.seconds, t.host)));
      cpu[name] += ((cpuSecondsOf(t.pid) - before) * 1e6) / plan.rounds / Math.max(1, result.requests);
      runs[name].push(result);
    }
  }
  const median = (results: WrkResult[]): WrkResult => ({
    perSecond: percentile(
      results.map((r) => r.perSecond),
      50,
    ),
    p99Ms: percentile(
      results.map((r) => r.p99Ms),
      50,
    ),
    errors: results.reduce((n, r) => n + r.errors, 0),
    requests: results.reduce((n, r) => n + r.requests, 0),
  });
  return {
    edge: median(runs.edge),
    nginx: median(runs.nginx),
    node: median(runs.node),
    nodeAls: median(runs.nodeAls),
    cpu,
    plan: `wrk -t${plan.threads} -c${plan.connections} -d${plan.seconds}s --latency, ${plan.rounds} alternating rounds (medians) after 2 s warm-up each; a ${Buffer.byteLength(viaEdge.body)}-byte page, uncompressed; nginx: 1 worker; the edge: the app's one event loop; node:http: a bare Node server answering the same bytes and headers from memory, once plain and once with an AsyncLocalStorage in use (as in every process that renders Hono JSX on Node 20, Bosun's included: each promise and async resource then runs its hooks)`,
  };
}

/**
 * The floor under any server written for Node: Node's own HTTP server in a process of its own,
 * answering every request with the bytes and headers the edge answered, from memory.
 */
async function startBareNode(cleanup: Cleanup, answer: HttpAnswer, withAsyncLocalStorage: boolean): Promise<{ port: number; pid: number }> {
  const port = await findFreePort();
  const headers = Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)),
  );
  const code = `${withAsyncLocalStorage ? "new (require('node:async_hooks').AsyncLocalStorage)().run(1, () => {});\n" : ''}const body = Buffer.from(${JSON.stringify(answer.body)});
const headers = ${JSON.stringify(headers)};
require('node:http').createServer((req, res) => { res.writeHead(200, headers); res.end(body); }).listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  cleanup.defer('stop the bare Node server', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  for (let waited = 0; ; waited += 50) {
    const answered = await fetch(`http://127.0.0.1:${port}/`).then(
      (res) => res.ok,
      () => false,
    );
    if (answered) return { port, pid: child.pid as number };
    if (waited > 5000 || child.exitCode !== null) throw new Error('the bare Node server did not answer within 5 s');
    await sleep(50);
  }
}

// ——— b. booking accepted → verified live ———

export type PublishLatency = { samples: number; latenciesMs: number[] };

/** The time of one POST /api/v1/bookings to its 201, and from the 201 to its verified publish being recorded. */
export type CreateAndLive = { createMs: number; liveMs: number };

/** POSTs one booking through the API and waits (polling every 2 ms, up to 30 s) until its guest page is verified live. */
export async function createAndWaitLive(
  site: Pick<Site, 'handle' | 'serviceKey'> & { tenantId: string },
  call: ReturnType<typeof makeClient>,
  input: ReturnType<typeof bookingInput>,
): Promise<CreateAndLive> {
  const body = JSON.stringify(input);
  const sent = performance.now();
  const res = await call(
    'POST',
    '/api/v1/bookings',
    { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-service-key': site.serviceKey },
    body,
  );
  const accepted = performance.now();
  if (res.status !== 201) throw new Error(`POST /api/v1/bookings answered ${res.status}: ${res.body.slice(0, 300)}`);
  const id = (JSON.parse(res.body) as { id: string }).id;
  for (;;) {
    const row = await getGuestPage(site.handle.db, site.tenantId, id);
    if (row?.verified_at) break;
    if (performance.now() - accepted > 30_000)
      throw new Error(`${id} was not verified live within 30 s (${row?.last_error ?? 'no error recorded'})`);
    await sleep(2);
  }
  return { createMs: accepted - sent, liveMs: performance.now() - accepted };
}

/** POSTs bookings one at a time and measures from each 201 to its verified publish being recorded. */
export async function measurePublishLatency(cleanup: Cleanup, where: Where, options: { samples: number; wake: boolean }) {
  const site = await openSite(cleanup, where, { worker: true, wake: options.wake });
  const call = makeClient(cleanup, site.port, 1);
  const latenciesMs: number[] = [];
  for (let n = 0; n < options.samples + 3; n++) {
    const { liveMs } = await createAndWaitLive({ ...site, tenantId: site.ctx.tenantId }, call, bookingInput(n));
    // The first few warm the worker, the page renderer and the edge.
    if (n >= 3) latenciesMs.push(liveMs);
  }
  return { samples: latenciesMs.length, latenciesMs };
}

// ——— c and d. bulk republish, and the edge's hit ratio meanwhile ———

export type Republish = {
  bookings: number;
  /** cpuSeconds: this process's CPU time (all its threads) during the run. */
  /** inPool: pages the render pool's workers rendered in the run (ADR 0032). */
  first: { seconds: number; cpuSeconds: number; published: number; unchanged: number; failed: number; inPool: number };
  second: { seconds: number; cpuSeconds: number; published: number; unchanged: number; failed: number; inPool: number };
  hits: {
    requests: number;
    hits: number;
    republished: number;
    untouched: number;
    seconds: number;
    edgeStats: { hits: number; misses: number };
  };
};

export async function measureRepublish(
  cleanup: Cleanup,
  where: Where,
  options: { bookings: number; concurrency: number },
): Promise<Republish> {
  const site = await openSite(cleanup, where, { worker: false });
  cleanup.defer('stop the render pool', () => closeRenderPool());
  const ids: string[] = [];
  await runBounded(options.bookings, 4, async (n) => {
    ids[n] = (await createBooking(site.deps, site.ctx, bookingInput(n) as never)).booking.id;
  });
  // What `bosun publish <tenant> --all` runs (its default concurrency).
  const republish = async () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const pooled = renderPoolStatus().rendered;
    const s = await republishGuestPages(site.deps, site.ctx, { all: true }, { concurrency: options.concurrency });
    const cpu = process.cpuUsage(cpu0);
    return {
      inPool: Math.max(0, renderPoolStatus().rendered - pooled),
      seconds: (performance.now() - t0) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      published: s.published.length,
      unchanged: s.unchanged.length,
      failed: s.failed.length,
    };
  };
  const first = await republish();
  const second = await republish();

  // Half the bookings change and are republished while guests keep opening the other half.
  const changed = ids.filter((_, i) => i % 2 === 0);
  const untouched = ids.filter((_, i) => i % 2 === 1);
  await runBounded(changed.length, 4, async (i) => {
    await updateBooking(site.deps, site.ctx, changed[i] as string, { partySize: 7 }, '*');
  });
  const get = makeClient(cleanup, site.port, 16);
  const visit = (id: string) => get('GET', `/g/${id}`, { host: DOMAIN });
  // Every untouched page is in the edge's cache, as it is after guests have opened it once.
  await runBounded(untouched.length, 16, async (i) => {
    await visit(untouched[i] as string);
  });
  const before = site.edge.stats();
  let requests = 0;
  let hits = 0;
  let running = true;
  const t0 = performance.now();
  const guests = Array.from({ length: 16 }, async (_, lane) => {
    for (let i = lane; running; i += 16) {
      const res = await visit(untouched[i % untouched.length] as string);
      if (res.status !== 200) throw new Error(`an untouched page answered ${res.status}`);
      requests++;
      if (String(res.headers['x-cache']).startsWith('Hit')) hits++;
    }
  });
  const during = await republish();
  running = false;
  await Promise.all(guests);
  const after = site.edge.stats();
  return {
    bookings: options.bookings,
    first,
    second,
    hits: {
      requests,
      hits,
      republished: during.published,
      untouched: during.unchanged,
      seconds: (performance.now() - t0) / 1000,
      edgeStats: { hits: after.hits - before.hits, misses: after.misses - before.misses },
    },
  };
}

// ——— the section `npm run bench` prints ———

type Line = { metric: string; value: string; reference: string; goal: string };

const fmt = (ms: number) => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

/**
 * Measures and prints the guest-site figures with their goals. A missed goal is printed, never an
 * error; a part that cannot run (no nginx, no PostgreSQL) says why and the others still run.
 */
export async function benchGuestSites(
  say: (line?: string) => void,
  options: { postgresUrl: (cleanup: Cleanup) => Promise<string | null>; withCleanup: <T>(fn: (c: Cleanup) => Promise<T>) => Promise<T> },
): Promise<void> {
  const lines: Line[] = [];
  const notes: string[] = [];
  const { withCleanup } = options;

  // a. The local edge against nginx.
  const missing = ensureNginxAndWrk(say);
  if (missing) {
    say(`guest sites: edge vs nginx skipped — ${missing}`);
    lines.push({ metric: 'edge vs nginx', value: 'skipped', reference: '—', goal: '—' });
    notes.push(`edge vs nginx: skipped — ${missing}`);
  } else {
    say('guest sites: the local edge and nginx under wrk…');
    const r = await withCleanup((c) =>
      measureEdgeVsNginx(c, join(makeTempDir(c, 'bosun-bench-edge-'), 'db'), { threads: 2, connections: 32, seconds: 5, rounds: 3 }),
    );
    const ratio = r.edge.perSecond / r.node.perSecond;
    const p99Ratio = r.edge.p99Ms / r.nginx.p99Ms;
    lines.push({
      metric: 'guest page requests/s, local edge',
      value: `${r.edge.perSecond.toFixed(0)}/s`,
      reference: `${r.node.perSecond.toFixed(0)}/s bare node:http`,
      goal: `≥ 0.9× ${verdict(ratio >= 0.9)} (${ratio.toFixed(2)}×)`,
    });
    lines.push({
      metric: 'guest page p99, local edge',
      value: fmt(r.edge.p99Ms),
      reference: `${fmt(r.nginx.p99Ms)} nginx`,
      goal: `≤ 1.0× ${verdict(p99Ratio <= 1)} (${p99Ratio.toFixed(2)}×)`,
    });
    lines.push({
      metric: 'guest page requests/s, local edge against nginx',
      value: `${r.edge.perSecond.toFixed(0)}/s`,
      reference: `${r.nginx.perSecond.toFixed(0)}/s nginx`,
      goal: `— (${(r.edge.perSecond / r.nginx.perSecond).toFixed(2)}×)`,
    });
    lines.push({
      metric: 'the same answer from bare node:http (floor for Node)',
      value: `${r.node.perSecond.toFixed(0)}/s, p99 ${fmt(r.node.p99Ms)}`,
      reference: `${(r.node.perSecond / r.nginx.perSecond).toFixed(2)}× nginx`,
      goal: `edge at ${(r.edge.perSecond / r.node.perSecond).toFixed(2)}× of it`,
    });
    lines.push({
      metric: 'the same, node:http with an AsyncLocalStorage in use',
      value: `${r.nodeAls.perSecond.toFixed(0)}/s, p99 ${fmt(r.nodeAls.p99Ms)}`,
      reference: `${(r.nodeAls.perSecond / r.nginx.perSecond).toFixed(2)}× nginx`,
      goal: `edge at ${(r.edge.perSecond / r.nodeAls.perSecond).toFixed(2)}× of it`,
    });
    const us = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} µs` : '—');
    lines.push({
      metric: 'CPU time per answer: local edge / bare node:http',
      value: us(r.cpu.edge),
      reference: `${us(r.cpu.node)} node:http, ${us(r.cpu.nodeAls)} with an AsyncLocalStorage, ${us(r.cpu.nginx)} nginx`,
      goal: `— (${(r.cpu.edge / r.cpu.node).toFixed(2)}×; with an AsyncLocalStorage ${(r.cpu.nodeAls / r.cpu.node).toFixed(2)}×)`,
    });
    notes.push(
      `edge vs nginx: ${r.plan}; CPU time per answer is each server's user + system time over its measured rounds (the edge's: this whole process) over the requests wrk counted; errors edge ${r.edge.errors}, nginx ${r.nginx.errors}, node:http ${r.node.errors} and ${r.nodeAls.errors}`,
    );
  }

  // BOSUN_BENCH_EDGE_ONLY=1 stops after part a, to measure a change to the edge quickly.
  const edgeOnly = process.env.BOSUN_BENCH_EDGE_ONLY === '1';

  // b. Booking accepted → verified live, polling only and woken after commit.
  const engines: { name: string; where: (c: Cleanup) => Promise<Where | null> }[] = [
    { name: 'pglite', where: async (c) => ({ engine: 'pglite', dir: join(makeTempDir(c, 'bosun-bench-latency-'), 'db') }) },
    {
      name: 'postgres',
      where: async (c) => {
        const url = await options.postgresUrl(c);
        return url ? { engine: 'postgres', url } : null;
      },
    },
  ];
  const SAMPLES = 50;
  for (const engine of edgeOnly ? [] : engines) {
    for (const wake of [false, true]) {
      say(`guest sites: booking → verified live on ${engine.name}${wake ? '' : ', worker polling only'}…`);
      // Polling alone is only the reference: fewer samples keep the run short.
      const r = await withCleanup(async (c) => {
        const where = await engine.where(c);
        return where ? measurePublishLatency(c, where, { samples: wake ? SAMPLES : 20, wake }) : null;
      });
      if (!r) {
        lines.push({ metric: `accepted → verified live, ${engine.name}`, value: 'skipped', reference: '—', goal: '—' });
        notes.push(`${engine.name}: latency skipped, no server answered`);
        break;
      }
      const p50 = percentile(r.latenciesMs, 50);
      const p99 = percentile(r.latenciesMs, 99);
      lines.push({
        metric: `accepted → verified live p50 / p99, ${engine.name}, ${wake ? 'woken after commit' : 'polling only (0.5 s)'}`,
        value: `${fmt(p50)} / ${fmt(p99)}`,
        reference: `${r.samples} bookings`,
        goal: wake ? `p50 ≤ 100 ms ${verdict(p50 <= 100)}` : '— (before)',
      });
    }
  }
  if (!edgeOnly)
    notes.push(
      `accepted → verified live: bookings POSTed one at a time through the API of the real app, the job worker in the same process; from the 201 to the guest_pages row recording a verified publish (render, store, invalidate, fetch through the edge, compare), polled every 2 ms`,
    );

  // c and d. Bulk republish, and the edge's hit ratio for untouched pages meanwhile.
  const BOOKINGS = 1000;
  for (const engine of edgeOnly ? [] : engines) {
    say(`guest sites: republishing ${BOOKINGS} pages on ${engine.name}…`);
    const r = await withCleanup(async (c) => {
      const where = await engine.where(c);
      return where ? measureRepublish(c, where, { bookings: BOOKINGS, concurrency: 8 }) : null;
    });
    if (!r) {
      lines.push({ metric: `republish, ${engine.name}`, value: 'skipped', reference: '—', goal: '—' });
      continue;
    }
    const rate = (run: { seconds: number }) => BOOKINGS / run.seconds;
    lines.push({
      metric: `republish --all, ${engine.name}, first (all published)`,
      value: `${rate(r.first).toFixed(0)} pages/s`,
      reference: `${r.first.published} published in ${r.first.seconds.toFixed(2)} s, CPU ${r.first.cpuSeconds.toFixed(2)} s, ${r.first.inPool} rendered in the pool`,
      goal: `≥ 2,000/s ${verdict(rate(r.first) >= 2000)}`,
    });
    lines.push({
      metric: `republish --all, ${engine.name}, second (all unchanged)`,
      value: `${rate(r.second).toFixed(0)} pages/s`,
      reference: `${r.second.unchanged} unchanged in ${r.second.seconds.toFixed(2)} s, CPU ${r.second.cpuSeconds.toFixed(2)} s, ${r.second.inPool} rendered in the pool`,
      goal: `≥ 5,000/s ${verdict(rate(r.second) >= 5000)}`,
    });
    const ratio = r.hits.hits / Math.max(1, r.hits.requests);
    lines.push({
      metric: `edge hit ratio, untouched pages during republish, ${engine.name}`,
      value: `${(ratio * 100).toFixed(2)}%`,
      reference: `${r.hits.hits} of ${r.hits.requests} requests in ${r.hits.seconds.toFixed(2)} s`,
      goal: `≥ 99% ${verdict(ratio >= 0.99)}`,
    });
    if (r.first.failed + r.second.failed > 0)
      notes.push(`${engine.name}: republish failures: ${r.first.failed} first, ${r.second.failed} second`);
    notes.push(
      `${engine.name} hit ratio: ${r.hits.republished} pages changed and republished while 16 guests kept opening the ${r.hits.untouched} untouched ones (cached once before); the edge counted ${r.hits.edgeStats.hits} hits and ${r.hits.edgeStats.misses} misses over all requests, the republish's own verification included`,
    );
  }
  if (!edgeOnly)
    notes.push(
      `republish: ${BOOKINGS} confirmed bookings, republishGuestPages({ all: true }) as \`bosun publish <tenant> --all\` runs it (concurrency 8), files in a temp folder, the local edge; a render pool of ${renderPoolSize()} worker thread(s) beside the main thread, started only when the 1-minute load leaves a core free (ADR 0032; inline until a worker has loaded); CPU is this process's, every thread, in the run; load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} after it (other work on the machine takes cores from the pool)`,
    );

  const header: Line = { metric: 'metric', value: 'value', reference: 'reference', goal: 'goal' };
  const keys = Object.keys(header) as (keyof Line)[];
  const all = [header, ...lines];
  const widths = keys.map((k) => Math.max(...all.map((l) => l[k].length)));
  const row = (l: Line) =>
    keys
      .map((k, i) => l[k].padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  say();
  say('Guest sites (issue 3)');
  say(row(header));
  say(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) say(row(l));
  say();
  for (const n of notes) say(n);
}
