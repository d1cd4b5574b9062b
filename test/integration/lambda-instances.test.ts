/**
 * Two Lambda instances are two processes: each imports the bundled API handler (`npm run
 * build:lambda`) in a fresh Node process, with the same BOSUN_SECRET and DATABASE_URL, and answers
 * API Gateway HTTP API (v2) events as CloudFront forwards them (with its origin secret). A staff session signed in through one
 * is accepted by the other, a form token of one by the other (and a forged or missing one by neither),
 * and failures through one count on the other (ADR 0021, 0024). PostgreSQL server only: Lambda never
 * runs the embedded database.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueStaffLink } from '../../src/services/staff-access';
import { createTestDb, type TestDb } from '../support/db';
import { makeTenant } from '../support/factories';
import { childEnv, ROOT } from '../support/processes';
import { addStaff } from '../support/staff-session';

const BUNDLE = join(ROOT, 'dist', 'lambda', 'api', 'index.mjs');
const RUNNER = join(ROOT, 'test', 'support', 'lambda-runner.mjs');
const PUBLIC_URL = 'https://ops.example.com';
const API_HOST = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
/** The CloudFront edge server every viewer's request comes through: the peer API Gateway sees. */
const CLOUDFRONT_IP = '130.176.88.10';
/** The origin secret CloudFront's API origins send: with it, the viewer's forwarded address is trusted. */
const ORIGIN_SECRET = 'lambda-instances-origin-secret-0123456789abcdef';

/** The parts of an API Gateway v2 result the test reads. */
type LambdaResult = {
  statusCode: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
};

/** One Lambda instance: a Node process running the bundled handler, one invocation at a time. */
type Instance = { invoke(event: object): Promise<LambdaResult>; output(): string; stop(): Promise<void> };

function startInstance(env: NodeJS.ProcessEnv): Instance {
  const child: ChildProcess = spawn(process.execPath, [RUNNER, BUNDLE], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  const waiting = new Map<number, { resolve(r: LambdaResult): void; reject(e: Error): void }>();
  const exited = new Promise<void>((resolve) => {
    child.once('close', (code) => {
      for (const w of waiting.values()) w.reject(new Error(`the instance exited (${code}) before answering:\n${output}`));
      waiting.clear();
      resolve();
    });
  });
  let buffered = '';
  (child.stdio[3] as Readable).setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const answer = JSON.parse(buffered.slice(0, newline)) as { id: number; result?: LambdaResult; error?: string };
      buffered = buffered.slice(newline + 1);
      const w = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (answer.error !== undefined) w?.reject(new Error(`the handler failed: ${answer.error}\n${output}`));
      else w?.resolve(answer.result as LambdaResult);
      newline = buffered.indexOf('\n');
    }
  });
  let next = 0;
  return {
    invoke: (event) =>
      new Promise<LambdaResult>((resolve, reject) => {
        const id = ++next;
        waiting.set(id, { resolve, reject });
        (child.stdin as Writable).write(`${JSON.stringify({ id, event })}\n`);
      }),
    output: () => output,
    stop: async () => {
      child.stdin?.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * An HTTP API (payload 2.0) event as API Gateway builds it from a request CloudFront forwarded: the
 * Host is API Gateway's, the viewer's address is in CloudFront-Viewer-Address and X-Forwarded-For,
 * and the peer is CloudFront.
 */
function httpApiEvent(
  client: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; cookies?: string[]; form?: Record<string, string> } = {},
) {
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    ...(options.cookies?.length ? { cookies: options.cookies } : {}),
    headers: {
      accept: 'text/html,application/xhtml+xml',
      'content-length': String(body ? Buffer.byteLength(body) : 0),
      host: API_HOST,
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Bosun test',
      via: '2.0 7f5e8a3c1b2d4e6f.cloudfront.net (CloudFront)',
      'x-amz-cf-id': 'kE3n9cQ1pZ0wL8yR5vT2uB6xA4sD7fG9hJ1kL3mN5pQ7rS9tU1vW3x==',
      'cloudfront-viewer-address': `${client}:51432`,
      'cloudfront-forwarded-proto': 'https',
      'x-forwarded-for': `${client}, ${CLOUDFRONT_IP}`,
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      'x-bosun-origin-verify': ORIGIN_SECRET,
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...options.headers,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: API_HOST,
      domainPrefix: 'a1b2c3d4e5',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: CLOUDFRONT_IP, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Bosun test' },
      requestId: `R${now.getTime().toString(36)}${Math.random().toString(36).slice(2, 8)}=`,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body, isBase64Encoded: false } : { isBase64Encoded: false }),
  };
}

/** A browser's form post: its Origin is the installation's public URL, as CloudFront forwards it. */
const formPost = (client: string, path: string, form: Record<string, string>, cookies: string[] = []) =>
  httpApiEvent(client, 'POST', path, { form, cookies, headers: { origin: PUBLIC_URL } });

const header = (r: LambdaResult, name: string) =>
  r.headers?.[name] ?? Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1] ?? r.multiValueHeaders?.[name]?.[0];
const setCookies = (r: LambdaResult) => [...(r.cookies ?? []), ...(r.multiValueHeaders?.['set-cookie'] ?? [])];
const unknownKey = (i: number) => `bsk_${'x'.repeat(8)}${String(i).padStart(4, '0')}${'y'.repeat(40)}`;

let t: TestDb;
let a: Awaited<ReturnType<typeof makeTenant>>;
let one: Instance;
let two: Instance;

beforeAll(async () => {
  t = await createTestDb();
  a = await makeTenant(t.deps, 'alpha');
  if (!existsSync(BUNDLE)) {
    const built = spawnSync('npm', ['run', 'build:lambda'], { cwd: ROOT, encoding: 'utf8', env: childEnv({}) });
    if (built.status !== 0) throw new Error(`npm run build:lambda failed:\n${built.stdout}\n${built.stderr}`);
  }
  const env = childEnv({
    DATABASE_URL: t.url as string,
    BOSUN_SECRET: 'lambda-instances-signing-secret-0123456789abcdef',
    BOSUN_ORIGIN_SECRET: ORIGIN_SECRET,
    BOSUN_PUBLIC_URL: PUBLIC_URL,
    BOSUN_LOG_LEVEL: 'warn',
  });
  one = startInstance(env);
  two = startInstance(env);
}, 180_000);
afterAll(async () => {
  await one?.stop();
  await two?.stop();
  await t?.close();
});

describe('two Lambda instances of the bundled handler over one PostgreSQL database', () => {
  it('answer as one installation: both are up', async () => {
    for (const instance of [one, two]) {
      const health = await instance.invoke(httpApiEvent('198.51.100.1', 'GET', '/healthz'));
      expect(health.statusCode, instance.output()).toBe(200);
    }
  });

  it('share a staff sign-in: the session cookie set through one opens the dashboard through the other', async () => {
    const user = await addStaff(t.deps, a.tenant.id);
    const link = await t.deps.db.transaction().execute((tx) => issueStaffLink(tx, a.tenant.id, { staffUserId: user.id, now: new Date() }));
    const client = '198.51.100.10';
    const signIn = await one.invoke(formPost(client, `/app/login/${link.token}`, {}));
    expect(signIn.statusCode, one.output()).toBe(303);
    const cookie = setCookies(signIn)
      .map((c) => c.split(';')[0] ?? '')
      .find((c) => /^(__Host-)?bosun_staff=/.test(c));
    expect(cookie).toBeDefined();
    const page = await two.invoke(httpApiEvent(client, 'GET', '/app/today', { cookies: [cookie as string] }));
    expect(page.statusCode, two.output()).toBe(200);
    expect(page.body).toContain('Olive Owner');
    // Without the cookie the other instance sends the browser to sign in.
    expect((await two.invoke(httpApiEvent(client, 'GET', '/app/today'))).statusCode).toBe(303);
  });

  it('share form tokens: one issued by one is accepted by the other on a POST, a forged or missing one is refused by both', async () => {
    const user = await addStaff(t.deps, a.tenant.id, 'staff');
    const link = await t.deps.db.transaction().execute((tx) => issueStaffLink(tx, a.tenant.id, { staffUserId: user.id, now: new Date() }));
    const client = '198.51.100.11';
    const signIn = await two.invoke(formPost(client, `/app/login/${link.token}`, {}));
    const cookie = setCookies(signIn)
      .map((c) => c.split(';')[0] ?? '')
      .find((c) => /^(__Host-)?bosun_staff=/.test(c)) as string;
    const page = await one.invoke(httpApiEvent(client, 'GET', '/app/today', { cookies: [cookie] }));
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(page.body ?? '')?.[1] ?? '';
    expect(token).not.toBe('');

    const forged = [{}, { _csrf: '' }, { _csrf: `${token.slice(0, -2)}AA` }, { _csrf: 'x'.repeat(token.length) }];
    for (const instance of [one, two]) {
      for (const form of forged) {
        const refused = await instance.invoke(formPost(client, '/app/logout', form, [cookie]));
        expect(refused.statusCode, JSON.stringify(form)).toBe(403);
      }
    }
    // Still signed in through both: nothing refused changed anything.
    expect((await two.invoke(httpApiEvent(client, 'GET', '/app/today', { cookies: [cookie] }))).statusCode).toBe(200);

    const out = await two.invoke(formPost(client, '/app/logout', { _csrf: token }, [cookie]));
    expect(out.statusCode, two.output()).toBe(303);
    expect(header(out, 'location')).toBe('/app/login');
    expect((await one.invoke(httpApiEvent(client, 'GET', '/app/today', { cookies: [cookie] }))).statusCode).toBe(303);
  });

  it('count failures together: keys failing through one get 429 with Retry-After through the other, for that viewer only', async () => {
    const client = '198.51.100.20';
    const api = (instance: Instance, viewer: string, key: string) =>
      instance.invoke(httpApiEvent(viewer, 'GET', '/api/v1/bookings', { headers: { accept: 'application/json', 'x-service-key': key } }));
    for (let i = 0; i < 20; i++) expect((await api(one, client, unknownKey(i))).statusCode).toBe(401);
    const refused = await api(two, client, unknownKey(20));
    expect(refused.statusCode, two.output()).toBe(429);
    expect(Number(header(refused, 'retry-after'))).toBeGreaterThan(0);
    expect((await api(one, client, unknownKey(21))).statusCode).toBe(429);
    // The office's valid key on the same address still works (ADR 0015); another viewer behind the
    // same CloudFront edge is not limited.
    expect((await api(two, client, a.serviceKey)).statusCode).toBe(200);
    expect((await api(two, '198.51.100.21', unknownKey(22))).statusCode).toBe(401);
  });

  it('count failing sign-in links together: a run through one is refused through the other', async () => {
    const client = '198.51.100.30';
    for (let i = 0; i < 10; i++) expect((await one.invoke(formPost(client, `/app/login/${'y'.repeat(43)}`, {}))).statusCode).toBe(400);
    const refused = await two.invoke(formPost(client, `/app/login/${'z'.repeat(43)}`, {}));
    expect(refused.statusCode).toBe(429);
    expect(Number(header(refused, 'retry-after'))).toBeGreaterThan(0);
    expect(setCookies(refused)).toEqual([]);
  });
});
