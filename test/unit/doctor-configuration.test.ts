/**
 * `bosun doctor` tells whether the configuration is complete for the set-up it chooses: behind
 * CloudFront every missing piece is one problem naming its variable; one server on its data folder
 * needs none of them.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { checkConfiguration } from '../../src/services/doctor';

const complete = {
  BOSUN_CDN: 'cloudfront',
  BOSUN_OBJECT_STORE: 's3://bosun-sites/prod?region=eu-west-1',
  BOSUN_PUBLIC_URL: 'https://ops.example.com',
  BOSUN_SECRET: 's'.repeat(40),
  DATABASE_URL: 'postgres://bosun@db.internal:5432/bosun',
  SMTP_URL: 'smtp://mail.internal:587',
  BOSUN_DATA_DIR: '/tmp/bosun-doctor-unit',
};

const problemsOf = (env: Record<string, string | undefined>) =>
  checkConfiguration(loadConfig(env))
    .filter((c) => !c.ok)
    .map((c) => c.check);

describe('doctor: a complete configuration', () => {
  it('passes a complete CloudFront set-up and a one-server set-up alike', () => {
    expect(checkConfiguration(loadConfig(complete))).toEqual([
      expect.objectContaining({ check: 'configuration', ok: true, detail: expect.stringMatching(/^CloudFront: /) }),
    ]);
    expect(checkConfiguration(loadConfig({ BOSUN_DATA_DIR: '/tmp/bosun-doctor-unit' }))).toEqual([
      { check: 'configuration', ok: true, detail: 'one server: guest sites in the data folder, served by its local edge' },
    ]);
  });

  it.each([
    ['no object store', { BOSUN_OBJECT_STORE: undefined }, ['configuration BOSUN_OBJECT_STORE']],
    ['an http public URL', { BOSUN_PUBLIC_URL: 'http://ops.example.com' }, ['configuration BOSUN_PUBLIC_URL']],
    ['no public URL (the localhost default)', { BOSUN_PUBLIC_URL: undefined }, ['configuration BOSUN_PUBLIC_URL']],
    ['no signing secret', { BOSUN_SECRET: undefined }, ['configuration BOSUN_SECRET_ARN']],
    ['no database server', { DATABASE_URL: undefined }, ['configuration DATABASE_SECRET_ARN']],
    ['no mail server', { SMTP_URL: undefined }, ['configuration SMTP_URL']],
    [
      'nothing but BOSUN_CDN',
      { BOSUN_OBJECT_STORE: undefined, BOSUN_PUBLIC_URL: undefined, BOSUN_SECRET: undefined, DATABASE_URL: undefined, SMTP_URL: undefined },
      [
        'configuration BOSUN_OBJECT_STORE',
        'configuration BOSUN_PUBLIC_URL',
        'configuration BOSUN_SECRET_ARN',
        'configuration DATABASE_SECRET_ARN',
        'configuration SMTP_URL',
      ],
    ],
  ])('names what a CloudFront set-up lacks: %s', (_, change, named) => {
    expect(problemsOf({ ...complete, ...change })).toEqual(named);
  });

  it('says what to set, in one line each', () => {
    const checks = checkConfiguration(
      loadConfig({ ...complete, BOSUN_OBJECT_STORE: undefined, BOSUN_PUBLIC_URL: 'http://ops.example.com' }),
    );
    expect(checks.map((c) => c.detail)).toEqual([
      expect.stringMatching(/set BOSUN_OBJECT_STORE=s3:\/\/BUCKET\/PREFIX\?region=REGION$/),
      expect.stringMatching(
        /^is not https \(got "http:\/\/ops\.example\.com"\); behind CloudFront it must be the installation's https:\/\/ address/,
      ),
    ]);
    for (const c of checks) expect(c.detail).not.toContain('\n');
  });

  it('never repeats a user, password or path given in the public URL', () => {
    const checks = checkConfiguration(
      loadConfig({ ...complete, BOSUN_PUBLIC_URL: 'http://ops:hunter2-secret@ops.example.com/x?token=abc' }),
    );
    const detail = checks.map((c) => c.detail).join('\n');
    expect(detail).toContain('is not https (got "http://***@ops.example.com/…")');
    for (const leak of ['hunter2-secret', 'ops:', 'token=abc']) expect(detail).not.toContain(leak);
  });
});
