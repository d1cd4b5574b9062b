/**
 * A configuration error names the variable and what is wrong with it, and never repeats the value of a
 * variable that holds a secret: those errors reach the logs (a Lambda's start-up error among them). A URL
 * is shown as its scheme and host at most, with `***` for a user and password; anything that does not
 * parse as such a URL is not shown at all.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env';

const SECRET = 'S3CRETpw';

function configError(env: Record<string, string>): string {
  try {
    loadConfig({ BOSUN_DATA_DIR: '/tmp/bosun-unused', ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** Bad values, each holding the secret somewhere a careless message would repeat it. */
const corpus: [string, string[]][] = [
  ['BOSUN_SECRET', [SECRET, `${SECRET}-but-too-short`, `"${SECRET}"`, `${SECRET} with spaces`, `é${SECRET}`]],
  ['BOSUN_ORIGIN_SECRET', [SECRET, `${SECRET}-but-too-short`, `"${SECRET}"`, `${SECRET}\twith a tab`]],
  [
    'DATABASE_URL',
    [
      SECRET,
      `mysql://bosun:${SECRET}@db.internal/bosun`,
      `postgres//bosun:${SECRET}@db.internal/bosun`,
      `http://bosun:${SECRET}@db.internal/bosun`,
      `mysql://db.internal/bosun?password=${SECRET}`,
      `mysql://${SECRET}@db.internal`,
      `mysql://bosun:${SECRET}@db.internal#frag`,
      `bosun:${SECRET}@db.internal`,
    ],
  ],
  [
    'SMTP_URL',
    [
      SECRET,
      `smtp//mailer:${SECRET}@mail.example.com`,
      `http://mailer:${SECRET}@mail.example.com`,
      `smpt://mailer:${SECRET}@mail.example.com:587`,
    ],
  ],
  [
    'BOSUN_MAIL',
    [
      `ses://mailer:${SECRET}@eu-west-1`,
      `ses://eu-west-1/${SECRET}`,
      `ses://eu-west-1?endpoint=http://u:${SECRET}@x/y`,
      `smtp://mailer:${SECRET}@mail.example.com`,
      SECRET,
    ],
  ],
  ['BOSUN_PUBLIC_URL', [`ftp://admin:${SECRET}@bosun.example.com`, `https//admin:${SECRET}@bosun.example.com`, SECRET]],
  ['BOSUN_OBJECT_STORE', [`gs://key:${SECRET}@bucket`, `${SECRET}@bucket`, `s3:/${SECRET}`]],
];

describe('configuration errors and secret values', () => {
  it.each(corpus.flatMap(([name, values]) => values.map((value) => [name, value] as const)))(
    '%s=%j: names it, one line, no value',
    (name, value) => {
      const message = configError({ [name]: value });
      expect(message.startsWith(`${name}: `)).toBe(true);
      expect(message).not.toContain('\n');
      expect(message.toLowerCase()).not.toContain(SECRET.toLowerCase());
    },
  );

  it('shows a URL as scheme and host, with *** for its user and password', () => {
    expect(configError({ DATABASE_URL: `mysql://bosun:${SECRET}@db.internal:3306/bosun` })).toBe(
      'DATABASE_URL: must be a postgres:// or postgresql:// URL (got "mysql://***@db.internal:3306/…")',
    );
    expect(configError({ SMTP_URL: `http://mail.example.com` })).toBe(
      'SMTP_URL: must be an smtp:// or smtps:// URL (got "http://mail.example.com")',
    );
  });

  it('shows nothing of a secret, only what is wrong with it', () => {
    expect(configError({ BOSUN_SECRET: SECRET })).toBe('BOSUN_SECRET: must be at least 32 characters');
    expect(configError({ BOSUN_ORIGIN_SECRET: SECRET })).toBe('BOSUN_ORIGIN_SECRET: must be at least 32 characters');
  });

  it('still shows the value of a variable that holds no secret', () => {
    expect(configError({ PORT: 'eighty' })).toMatch(/^PORT: .* \(got "eighty"\)$/);
  });
});
