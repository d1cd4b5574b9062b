/**
 * `bosun` as an operator runs it with its configuration in Secrets Manager (a local Secrets Manager
 * server, reached through the SDK's own `AWS_ENDPOINT_URL_SECRETS_MANAGER`): a secret that cannot be
 * read stops `bosun start` and every command with one line naming it; a start with secrets serves and
 * writes neither value to its output.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataTarget, openDataTarget } from '../support/data-target';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { freePort, killAll, oneJsonObject, runBosun, startHealthyServer } from '../support/processes';

/** Each test starts `bosun` processes, whose start-up takes long on a busy machine. */
const PROCESS_TIMEOUT = 180_000;

let target: DataTarget;
let sm: FakeSecretsManager;

const SIGNING = 'Signing-Secret-From-Secrets-Manager-7f3a9c';
const PASSWORD = 'Db/Pass@word:with#special%chars-91b2';

beforeAll(async () => {
  target = await openDataTarget();
  sm = await new FakeSecretsManager().start();
});
afterAll(async () => {
  await killAll();
  await sm?.stop();
  await target?.close();
});

/** A child's environment: the target's variables and the AWS SDK pointed at the local server. */
const env = (extra: Record<string, string>) =>
  target.env({
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDBOSUNTEST',
    AWS_SECRET_ACCESS_KEY: 'bosun-test-secret-access-key',
    // On Node 20 the SDK prints a notice of its own about the Node versions it will need (none on 22+).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  });

describe('bosun with a secret that cannot be read', () => {
  const missing = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-signing-Gone01';
  const line = `bosun: BOSUN_SECRET_ARN: secret ${missing} is not readable: not found (ResourceNotFoundException: no such secret in this account and region, or it was deleted)`;

  it(
    'stops `bosun start` with one line naming the variable and the ARN',
    async () => {
      const run = await runBosun(['start'], env({ BOSUN_SECRET_ARN: missing, PORT: String(await freePort()) }));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`${line}\n`);
    },
    PROCESS_TIMEOUT,
  );

  it(
    'stops a command the same way, and as one JSON object with --json',
    async () => {
      const denied = sm.put('bosun-signing', { string: SIGNING }, { denied: true });
      const run = await runBosun(['tenant', 'list'], env({ BOSUN_SECRET_ARN: missing }));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`${line}\n`);
      const json = await runBosun(['tenant', 'list', '--json'], env({ BOSUN_SECRET_ARN: denied }));
      expect(json.code).toBe(1);
      expect(oneJsonObject(json.stdout)).toEqual({
        error: {
          title: 'Configuration',
          detail: `BOSUN_SECRET_ARN: secret ${denied} is not readable: access denied (AccessDeniedException: the function's role needs secretsmanager:GetSecretValue on it)`,
        },
      });
      expect(json.stdout + json.stderr).not.toContain(SIGNING);
    },
    PROCESS_TIMEOUT,
  );

  it(
    'names the database secret when it lacks what a connection needs, before touching any data',
    async () => {
      const partial = sm.put('rds!db-partial', { string: JSON.stringify({ username: 'bosun', password: PASSWORD }) });
      const run = await runBosun(['tenant', 'list'], env({ DATABASE_URL: '', DATABASE_SECRET_ARN: partial }));
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `bosun: DATABASE_SECRET_ARN: secret ${partial} does not hold a valid value: it has no "host" (a non-empty string)\n`,
      );
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    },
    PROCESS_TIMEOUT,
  );
});

describe('bosun start with its secrets in Secrets Manager', () => {
  it(
    'serves with the signing secret it read, and logs neither value',
    async () => {
      const signing = sm.put('bosun/signing', { string: SIGNING });
      const extra: Record<string, string> = { BOSUN_SECRET_ARN: signing, BOSUN_LOG_LEVEL: 'trace', BOSUN_DEMO: '1' };
      if (target.engine === 'postgres') {
        // The test server trusts local connections, so the password only has to travel intact.
        const url = new URL(target.vars().DATABASE_URL ?? '');
        extra.DATABASE_URL = '';
        extra.BOSUN_DATABASE_TLS = 'off';
        extra.DATABASE_SECRET_ARN = sm.put('rds!db-bosun', {
          string: JSON.stringify({
            username: decodeURIComponent(url.username),
            password: PASSWORD,
            engine: 'postgres',
            host: url.hostname,
            port: Number(url.port || 5432),
            dbname: url.pathname.slice(1),
          }),
        });
      }
      const port = await freePort();
      const server = await startHealthyServer(env({ ...extra, PORT: String(port) }), `http://127.0.0.1:${port}`);
      const res = await fetch(`http://127.0.0.1:${port}/app/login`);
      expect(res.status).toBe(200);
      server.child.kill('SIGTERM');
      const done = await server.exited;
      expect(done.code, done.stderr).toBe(0);
      // The signing secret came from Secrets Manager: none was made in the data folder.
      expect(existsSync(join(target.dataDir, 'secret'))).toBe(false);
      expect(sm.readsOf(signing)).toBe(1);
      const output = done.stdout + done.stderr;
      expect(output.length).toBeGreaterThan(0);
      expect(output).not.toContain(SIGNING);
      expect(output).not.toContain(PASSWORD);
      expect(output).not.toContain(encodeURIComponent(PASSWORD));
    },
    PROCESS_TIMEOUT,
  );
});
