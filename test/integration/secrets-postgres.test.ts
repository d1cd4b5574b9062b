/**
 * DATABASE_SECRET_ARN against a real PostgreSQL server: the role an RDS-shaped secret names, with a user
 * and password full of URL-special characters, is the role Bosun connects as; with the default TLS mode
 * (rds), a server that offers no TLS is refused rather than used in clear text. Server only (vitest list).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { resolveSecrets } from '../../src/config/secrets';
import { openPostgres } from '../../src/db/client';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { adminUrl } from '../support/pg-url';

let sm: FakeSecretsManager;
const credentials = { accessKeyId: 'AKIDBOSUNTEST', secretAccessKey: 'bosun-test-secret-access-key' };
const options = () => ({ clientConfig: { endpoint: sm.endpoint, credentials } });
const rdsSecret = (fields: Record<string, unknown>) => JSON.stringify({ engine: 'postgres', dbInstanceIdentifier: 'bosun-db', ...fields });

beforeAll(async () => {
  sm = await new FakeSecretsManager().start();
});
afterAll(() => sm.stop());

describe('DATABASE_SECRET_ARN on a PostgreSQL server', () => {
  it('connects to PostgreSQL as the role the secret names', async () => {
    const username = `bosun app+${randomUUID().slice(0, 8)}@x`;
    const password = `p@ss:/w?rd#%&=é ${"'"}"\\ü`;
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    const role = admin.escapeIdentifier(username);
    try {
      await admin.query(`create role ${role} login password ${admin.escapeLiteral(password)}`);
      const server = new URL(adminUrl());
      const arn = sm.put('rds-live', {
        string: rdsSecret({ username, password, host: server.hostname, port: Number(server.port || 5432), dbname: 'postgres' }),
      });
      // A local server without TLS: BOSUN_DATABASE_TLS=off.
      const config = await resolveSecrets(loadConfig({ DATABASE_SECRET_ARN: arn, BOSUN_DATABASE_TLS: 'off' }), options());
      const handle = await openPostgres(config.databaseUrl ?? '', { max: 1, tls: config.databaseTls });
      try {
        const { rows } = await handle.executeSql('select current_user as who');
        expect(rows[0]?.who).toBe(username);
      } finally {
        await handle.close();
      }
      // With the default (rds), a server that offers no TLS is refused rather than used in clear text.
      const rds = await resolveSecrets(loadConfig({ DATABASE_SECRET_ARN: arn }), options());
      await expect(openPostgres(rds.databaseUrl ?? '', { max: 1, tls: rds.databaseTls })).rejects.toThrow(/does not support SSL/);
    } finally {
      await admin.query(`drop role if exists ${role}`);
      await admin.end();
    }
  });
});
