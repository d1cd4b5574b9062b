import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadSigningSecret } from '../../src/config/env';
import { childEnv, killAll, runBosun } from '../support/processes';

const folders: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-config-'));
  folders.push(dir);
  return dir;
}

afterAll(async () => {
  await killAll();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  /** Variable, value, and what of the value the message shows (the value itself when not given). */
  const wrong: [string, string, string?][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '0'],
    ['DATABASE_URL', 'mysql://x'],
    // A URL variable's value is shown only as far as it parses as a URL (it may hold a password).
    ['DATABASE_URL', 'not a url', ''],
    ['BOSUN_OBJECT_STORE', 'ftp://x'],
    ['BOSUN_PUBLIC_URL', 'notaurl', ''],
    ['BOSUN_PUBLIC_URL', 'ftp://example.com'],
    ['BOSUN_CDN', 'fastly'],
    ['SMTP_URL', 'http://x'],
    ['BOSUN_LOG_LEVEL', 'loud'],
    ['BOSUN_DEMO', 'maybe'],
    ['BOSUN_TRUSTED_PROXIES', 'proxy.example.com'],
    ['BOSUN_TRUSTED_PROXIES', '10.0.0.300'],
    ['BOSUN_TRUSTED_PROXIES', '10.0.0.0/33'],
    ['BOSUN_TRUSTED_PROXIES', '127.0.0.1;10.0.0.1'],
  ];

  it.each(wrong)('rejects %s=%s with one line that names the variable', (name, value, shown = value) => {
    const err = configError({ [name]: value });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).not.toContain('\n');
    expect(err.message.startsWith(`${name}: `)).toBe(true);
    if (shown) expect(err.message).toContain(`(got ${JSON.stringify(shown)})`);
    else expect(err.message).not.toContain(value);
    // The message says what is wrong, not just that something is.
    expect(err.message).toMatch(/must /);
  });

  it('reads BOSUN_TRUSTED_PROXIES as a list of addresses and ranges, none by default', () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ BOSUN_TRUSTED_PROXIES: ' 10.0.0.1, 192.168.0.0/16 ,::1,' }).trustedProxies).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      '::1',
    ]);
  });

  it('names the wrong variable even when other variables are right', () => {
    const err = configError({ PORT: '8081', DATABASE_URL: 'postgres://db.example/bosun', SMTP_URL: 'http://mail.example' });
    expect(err.message.startsWith('SMTP_URL: ')).toBe(true);
  });

  it('uses the defaults when the variables are absent', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      dataDir: resolve('./.bosun'),
      databaseUrl: undefined,
      objectStore: undefined,
      cdn: undefined,
      smtpUrl: undefined,
      publicUrl: 'http://localhost:8080',
      logLevel: 'info',
      demo: true,
      secret: undefined,
    });
  });

  it('treats empty values as absent', () => {
    const empty = Object.fromEntries(
      [
        'PORT',
        'BOSUN_DATA_DIR',
        'DATABASE_URL',
        'BOSUN_OBJECT_STORE',
        'BOSUN_CDN',
        'SMTP_URL',
        'BOSUN_PUBLIC_URL',
        'BOSUN_SECRET',
        'BOSUN_LOG_LEVEL',
        'BOSUN_DEMO',
      ].map((name) => [name, '']),
    );
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  it('takes present, valid values', () => {
    const config = loadConfig({
      PORT: '9090',
      BOSUN_DATA_DIR: '/var/lib/bosun',
      DATABASE_URL: 'postgresql://bosun@db.example:5432/bosun',
      BOSUN_OBJECT_STORE: 's3://bosun-sites',
      BOSUN_CDN: 'cloudfront',
      SMTP_URL: 'smtps://user:pass@mail.example:465',
      BOSUN_PUBLIC_URL: 'https://ops.example.com/',
      BOSUN_LOG_LEVEL: 'warn',
      BOSUN_DEMO: '0',
    });
    expect(config).toMatchObject({
      port: 9090,
      dataDir: '/var/lib/bosun',
      databaseUrl: 'postgresql://bosun@db.example:5432/bosun',
      objectStore: 's3://bosun-sites',
      cdn: 'cloudfront',
      smtpUrl: 'smtps://user:pass@mail.example:465',
      publicUrl: 'https://ops.example.com',
      logLevel: 'warn',
      demo: false,
    });
  });

  it('bases the default public URL on PORT', () => {
    expect(loadConfig({ PORT: '9191' }).publicUrl).toBe('http://localhost:9191');
  });
});

describe('loadSigningSecret', () => {
  it('creates $BOSUN_DATA_DIR/secret with mode 0600 once and reuses it', () => {
    const dir = join(tempDir(), 'nested', 'data');
    const config = loadConfig({ BOSUN_DATA_DIR: dir });
    const first = loadSigningSecret(config);
    const file = join(dir, 'secret');
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = readFileSync(file, 'utf8');
    expect(stored.trim()).toBe(first);

    const second = loadSigningSecret(loadConfig({ BOSUN_DATA_DIR: dir }));
    expect(second).toBe(first);
    expect(readFileSync(file, 'utf8')).toBe(stored);
  });

  it('makes a different secret for another data folder', () => {
    const a = loadSigningSecret(loadConfig({ BOSUN_DATA_DIR: tempDir() }));
    const b = loadSigningSecret(loadConfig({ BOSUN_DATA_DIR: tempDir() }));
    expect(a).not.toBe(b);
  });

  it('reads a secret that is already in the folder', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secret'), 'an-existing-secret-from-an-earlier-start\n', { mode: 0o600 });
    expect(loadSigningSecret(loadConfig({ BOSUN_DATA_DIR: dir }))).toBe('an-existing-secret-from-an-earlier-start');
  });

  it('uses BOSUN_SECRET when set and writes no file', () => {
    const dir = tempDir();
    const secret = 's'.repeat(40);
    expect(loadSigningSecret(loadConfig({ BOSUN_DATA_DIR: dir, BOSUN_SECRET: secret }))).toBe(secret);
    expect(() => statSync(join(dir, 'secret'))).toThrow();
  });
});

describe('bosun start with a wrong value', () => {
  it('exits non-zero with one line that names PORT', async () => {
    const dir = tempDir();
    const run = await runBosun(['start'], childEnv({ BOSUN_DATA_DIR: dir, PORT: 'abc', BOSUN_LOG_LEVEL: 'silent' }));
    expect(run.code).not.toBe(0);
    const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('PORT');
    expect(lines[0]).toContain('abc');
    expect(run.stdout).toBe('');
  });
});
