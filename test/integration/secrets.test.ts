/**
 * Configuration from Secrets Manager: the signing secret and the database credentials read from a local
 * Secrets Manager server over the real wire protocol, through the AWS SDK. Every way a secret can fail
 * stops with one line naming the variable, the ARN and the reason, and gives no value away.
 */
import { randomUUID } from 'node:crypto';
import { parse as parsePgUrl } from 'pg-connection-string';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env';
import { checkSecrets, resolveSecrets } from '../../src/config/secrets';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { freePort } from '../support/processes';

let sm: FakeSecretsManager;
const credentials = { accessKeyId: 'AKIDBOSUNTEST', secretAccessKey: 'bosun-test-secret-access-key' };
const options = () => ({ clientConfig: { endpoint: sm.endpoint, credentials } });

const SIGNING = 'signing-secret-0123456789-abcdefghijklmnop';
const rdsSecret = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    username: 'bosun',
    password: 'pw',
    engine: 'postgres',
    host: 'bosun-db.cluster-abc.eu-west-1.rds.amazonaws.com',
    port: 5432,
    dbname: 'bosun',
    dbInstanceIdentifier: 'bosun-db',
    ...fields,
  });

/** The ConfigError `run` rejects with; fails the test if it resolves or rejects otherwise. */
async function configError(run: Promise<unknown>): Promise<string> {
  const err = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  const message = (err as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

beforeAll(async () => {
  sm = await new FakeSecretsManager().start();
});
afterAll(() => sm.stop());

describe('BOSUN_SECRET_ARN', () => {
  it('reads the signing secret from the region its ARN names, once per process', async () => {
    const arn = sm.put('bosun/signing', { string: SIGNING }, { region: 'ap-southeast-2' });
    const config = loadConfig({ BOSUN_SECRET_ARN: arn });
    expect(config.secret).toBeUndefined();
    const resolved = await resolveSecrets(config, options());
    expect(resolved.secret).toBe(SIGNING);
    expect(resolved.secretArn).toBe(arn);
    // Signed for Secrets Manager in the ARN's region.
    const request = sm.requests.find((r) => r.body.SecretId === arn);
    expect(request?.target).toBe('secretsmanager.GetSecretValue');
    expect(request?.authorization).toContain('/ap-southeast-2/secretsmanager/aws4_request');
    // A second start-up step in the same process asks Secrets Manager no more.
    expect((await resolveSecrets(config, options())).secret).toBe(SIGNING);
    expect(sm.readsOf(arn)).toBe(1);
  });

  it('leaves a configuration without ARNs as it is, asking nothing', async () => {
    const before = sm.requests.length;
    const config = loadConfig({ BOSUN_SECRET: SIGNING });
    expect(await resolveSecrets(config, options())).toEqual(config);
    expect(await checkSecrets(config, options())).toEqual([]);
    expect(sm.requests.length).toBe(before);
  });

  it('names a secret that does not exist', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-missing-AbCdEf';
    expect(await configError(resolveSecrets(loadConfig({ BOSUN_SECRET_ARN: arn }), options()))).toBe(
      `BOSUN_SECRET_ARN: secret ${arn} is not readable: not found (ResourceNotFoundException: no such secret in this account and region, or it was deleted)`,
    );
  });

  it('names a secret the process may not read, and what the role needs', async () => {
    const arn = sm.put('bosun-x', { string: SIGNING }, { denied: true });
    expect(await configError(resolveSecrets(loadConfig({ BOSUN_SECRET_ARN: arn }), options()))).toBe(
      `BOSUN_SECRET_ARN: secret ${arn} is not readable: access denied (AccessDeniedException: the function's role needs secretsmanager:GetSecretValue on it)`,
    );
  });

  it('tries again after a failure instead of keeping it', async () => {
    const arn = sm.put('bosun-flaky', { string: SIGNING }, { denied: true });
    await configError(resolveSecrets(loadConfig({ BOSUN_SECRET_ARN: arn }), options()));
    await configError(resolveSecrets(loadConfig({ BOSUN_SECRET_ARN: arn }), options()));
    expect(sm.readsOf(arn)).toBe(2);
  });

  it('reads a secret again once it was fixed: a value judged unusable is not kept', async () => {
    const arn = sm.put('bosun-fixed-later', { string: 'too-short' });
    const config = loadConfig({ BOSUN_SECRET_ARN: arn });
    expect(await configError(resolveSecrets(config, options()))).toBe(
      `BOSUN_SECRET_ARN: secret ${arn} does not hold a valid value: it must be at least 32 characters (it has 9)`,
    );
    // The operator fixes the secret; the same process starts again (a warm instance's next cold start).
    sm.update(arn, { string: SIGNING });
    expect((await resolveSecrets(config, options())).secret).toBe(SIGNING);
    expect(sm.readsOf(arn)).toBe(2);
    // Once usable it is kept: a third start asks no more.
    expect((await resolveSecrets(config, options())).secret).toBe(SIGNING);
    expect(sm.readsOf(arn)).toBe(2);
  });

  it('judges one secret named by two variables by each one, keeping neither judgement for the other', async () => {
    const rds = rdsSecret();
    const arn = sm.put('bosun-shared', { string: rds });
    // A JSON RDS secret is a fine database secret and no signing secret.
    const both = loadConfig({ DATABASE_SECRET_ARN: arn, BOSUN_SECRET_ARN: arn });
    const checks = await checkSecrets(both, options());
    expect(checks.map((c) => [c.variable, c.ok])).toEqual([
      ['BOSUN_SECRET_ARN', false],
      ['DATABASE_SECRET_ARN', true],
    ]);
    expect(JSON.stringify(checks)).not.toContain('"pw"');
  });

  it.each([
    ['a short value', { string: 'too-short' }, 'it must be at least 32 characters (it has 9)'],
    ['only spaces', { string: ' '.repeat(40) }, 'it must be at least 32 characters (it has 0)'],
    [
      'a JSON object',
      { string: JSON.stringify({ secret: SIGNING }) },
      'it holds JSON; store the signing secret as plain text of at least 32 characters',
    ],
    ['a binary secret', { binary: Buffer.from(SIGNING) }, 'it holds no SecretString (a binary secret)'],
  ])('refuses %s as the signing secret, without showing it', async (_, value, reason) => {
    const arn = sm.put('bosun-bad', value);
    const message = await configError(resolveSecrets(loadConfig({ BOSUN_SECRET_ARN: arn }), options()));
    expect(message).toBe(`BOSUN_SECRET_ARN: secret ${arn} does not hold a valid value: ${reason}`);
    expect(message).not.toContain(SIGNING);
  });

  it('names Secrets Manager as unreachable when nothing answers at its endpoint', async () => {
    const arn = sm.put('bosun-unreached', { string: SIGNING });
    const port = await freePort();
    const message = await configError(
      resolveSecrets(loadConfig({ BOSUN_SECRET_ARN: arn }), {
        clientConfig: { endpoint: `http://127.0.0.1:${port}`, credentials, maxAttempts: 1 },
      }),
    );
    expect(message).toMatch(
      new RegExp(
        `^BOSUN_SECRET_ARN: secret ${arn} is not readable: cannot reach Secrets Manager \\(ECONNREFUSED; a function in a VPC needs a Secrets Manager endpoint or a NAT route\\)$`,
      ),
    );
  });

  it('refuses BOSUN_SECRET and BOSUN_SECRET_ARN together', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-signing';
    expect(() => loadConfig({ BOSUN_SECRET: SIGNING, BOSUN_SECRET_ARN: arn })).toThrow(
      new ConfigError(
        'BOSUN_SECRET_ARN: must not be set together with BOSUN_SECRET (the signing secret comes from one of them; unset one)',
      ),
    );
  });

  it.each([
    'bosun-signing',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:',
    'arn:aws:secretsmanager:eu-west-1:12345678901:secret:bosun',
    'arn:aws:secretsmanager:eu-west-1:1234567890123:secret:bosun',
    'arn:aws:secretsmanager::123456789012:secret:bosun',
    'arn:aws:secretsmanager:EU-WEST-1:123456789012:secret:bosun',
    'arn:aws:secretsmanager:euwest1:123456789012:secret:bosun',
    'arn:aws:s3:::bosun-bucket',
    'arn:aws:kms:eu-west-1:123456789012:key:bosun',
    'arn:aws:secretsmanager:eu-west-1:123456789012:key:bosun',
    'arn:azure:secretsmanager:eu-west-1:123456789012:secret:bosun',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun signing',
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun\nsigning',
    ' arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun',
    'https://secretsmanager.eu-west-1.amazonaws.com/bosun',
  ])('refuses the ARN %j in one line', (arn) => {
    for (const variable of ['BOSUN_SECRET_ARN', 'DATABASE_SECRET_ARN']) {
      expect(() => loadConfig({ [variable]: arn })).toThrow(
        new ConfigError(
          `${variable}: must be a Secrets Manager secret ARN like arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-signing (got ${JSON.stringify(arn)})`,
        ),
      );
    }
  });

  it.each([
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-signing-AbCdEf',
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:bosun/prod/signing',
    'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:bosun',
    'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:bosun+x=y.z@w_v',
    'arn:aws:secretsmanager:ap-southeast-5:123456789012:secret:b',
  ])('takes the ARN %s', (arn) => {
    expect(loadConfig({ BOSUN_SECRET_ARN: arn }).secretArn).toBe(arn);
  });
});

describe('DATABASE_SECRET_ARN', () => {
  it('builds the database URL from the RDS secret, and verifies the server against the RDS certificates by default', async () => {
    const arn = sm.put('rds!db-1', { string: rdsSecret() });
    const config = loadConfig({ DATABASE_SECRET_ARN: arn });
    expect(config.databaseTls).toBe('rds');
    const resolved = await resolveSecrets(config, options());
    expect(resolved.databaseUrl).toBe('postgresql://bosun:pw@bosun-db.cluster-abc.eu-west-1.rds.amazonaws.com:5432/bosun');
    expect(loadConfig({ DATABASE_SECRET_ARN: arn, BOSUN_DATABASE_TLS: 'off' }).databaseTls).toBe('off');
  });

  it('takes the port as a string, and the defaults when the secret has no port or dbname', async () => {
    const arn = sm.put('rds-min', { string: JSON.stringify({ username: 'u', password: 'p', host: '10.0.0.5', port: '6543' }) });
    expect((await resolveSecrets(loadConfig({ DATABASE_SECRET_ARN: arn }), options())).databaseUrl).toBe(
      'postgresql://u:p@10.0.0.5:6543/postgres',
    );
    const arn2 = sm.put('rds-noport', {
      string: JSON.stringify({ username: 'u', password: 'p', host: 'db.internal', engine: 'aurora-postgresql' }),
    });
    expect((await resolveSecrets(loadConfig({ DATABASE_SECRET_ARN: arn2 }), options())).databaseUrl).toBe(
      'postgresql://u:p@db.internal:5432/postgres',
    );
  });

  it.each([
    ['not JSON', '{username: bosun', 'it is not JSON (an RDS secret is {"username","password","host","port","dbname"})'],
    ['plain text', 'hunter2-hunter2', 'it is not JSON (an RDS secret is {"username","password","host","port","dbname"})'],
    ['a JSON array', '["bosun","pw"]', 'it is not a JSON object (an RDS secret is {"username","password","host","port","dbname"})'],
    ['no username', rdsSecret({ username: undefined }), 'it has no "username" (a non-empty string)'],
    ['no password', rdsSecret({ password: undefined }), 'it has no "password" (a non-empty string)'],
    ['an empty password', rdsSecret({ password: '' }), 'it has no "password" (a non-empty string)'],
    [
      'no host (an RDS-managed master secret)',
      JSON.stringify({ username: 'bosun', password: 'pw' }),
      'it has no "host" (a non-empty string)',
    ],
    ['a MySQL secret', rdsSecret({ engine: 'mysql' }), 'its "engine" is "mysql", not postgres'],
    ['a port out of range', rdsSecret({ port: 70000 }), 'its "port" is not a port number (1 to 65535)'],
    ['a port that is no number', rdsSecret({ port: 'five' }), 'its "port" is not a port number (1 to 65535)'],
    ['a host with a path', rdsSecret({ host: 'db.example/evil' }), 'its "host" is not a host name or address'],
    ['an empty dbname', rdsSecret({ dbname: '' }), 'its "dbname" is not a non-empty string'],
  ])('refuses a secret with %s, without showing it', async (_, value, reason) => {
    const arn = sm.put('rds-bad', { string: value });
    const message = await configError(resolveSecrets(loadConfig({ DATABASE_SECRET_ARN: arn }), options()));
    expect(message).toBe(`DATABASE_SECRET_ARN: secret ${arn} does not hold a valid value: ${reason}`);
    expect(message).not.toContain('pw');
    expect(message).not.toContain('hunter2');
  });

  it('refuses DATABASE_URL and DATABASE_SECRET_ARN together, and a wrong BOSUN_DATABASE_TLS', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds-db';
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db.example/bosun', DATABASE_SECRET_ARN: arn })).toThrow(
      new ConfigError('DATABASE_SECRET_ARN: must not be set together with DATABASE_URL (the database comes from one of them; unset one)'),
    );
    for (const value of ['require', 'true', 'RDS'])
      expect(() => loadConfig({ BOSUN_DATABASE_TLS: value })).toThrow(
        new ConfigError(
          `BOSUN_DATABASE_TLS: must be "rds" (verify the server against the Amazon RDS certificates) or "off" (got ${JSON.stringify(value)})`,
        ),
      );
  });

  it('reports every configured secret without throwing, and no value', async () => {
    const good = sm.put('rds-good', { string: rdsSecret({ password: 'correct-horse' }) });
    const bad = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bosun-gone';
    const config = loadConfig({ DATABASE_SECRET_ARN: good, BOSUN_SECRET_ARN: bad });
    const checks = await checkSecrets(config, options());
    expect(checks).toEqual([
      {
        variable: 'BOSUN_SECRET_ARN',
        arn: bad,
        ok: false,
        problem: `secret ${bad} is not readable: not found (ResourceNotFoundException: no such secret in this account and region, or it was deleted)`,
      },
      { variable: 'DATABASE_SECRET_ARN', arn: good, ok: true, problem: undefined },
    ]);
    expect(JSON.stringify(checks)).not.toContain('correct-horse');
    // resolveSecrets stops at the missing one and changes nothing of the configuration it was given.
    const copy = structuredClone(config);
    expect(await configError(resolveSecrets(config, options()))).toMatch(/^BOSUN_SECRET_ARN: secret .* is not readable: not found/);
    expect(config).toEqual(copy);
  });

  it('percent-encodes user and password, so pg reads them back exactly', async () => {
    const username = `bosun app+${randomUUID().slice(0, 8)}@x`;
    const password = `p@ss:/w?rd#%&=é ${"'"}"\\ü`;
    const arn = sm.put('rds-special', { string: rdsSecret({ username, password, host: '127.0.0.1', dbname: 'postgres' }) });
    const url = (await resolveSecrets(loadConfig({ DATABASE_SECRET_ARN: arn }), options())).databaseUrl ?? '';
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.username)).toBe(username);
    expect(decodeURIComponent(parsed.password)).toBe(password);
    expect(parsed.hostname).toBe('127.0.0.1');
    const byPg = parsePgUrl(url);
    expect(byPg).toMatchObject({ user: username, password, host: '127.0.0.1', port: '5432', database: 'postgres' });
  });
});
