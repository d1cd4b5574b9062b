/**
 * DKIM signing from the configuration: with `BOSUN_DKIM_DOMAIN`, `BOSUN_DKIM_SELECTOR` and
 * `BOSUN_DKIM_PRIVATE_KEY_FILE`, both mailers the runtime builds — the mail folder and SMTP (to a real
 * smtp-server peer) — sign every message. A DKIM verifier (mailauth, given the public key through its
 * resolver, as DNS would publish it) passes the message as it arrived, and fails it once a byte of its
 * body or a signed header is changed, or when the published key is another. Without the variables
 * nothing is signed; some of them, or a key file that is not an RSA private key, stop start-up with a
 * line that names the variable.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env';
import { compose } from '../../src/main/compose';
import type { MailMessage } from '../../src/ports/mailer';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

const DOMAIN = 'charters.example';
const SELECTOR = 'bosun2026';
const log = pino({ level: 'silent' });

let smtp: TestSmtpServer;
let root: string;
let keyFile: string;
let publicKey: KeyObject;
let otherPublicKey: KeyObject;

const message = (id: string): MailMessage => ({
  from: { name: 'Åland Sea Charters', address: `bosun@${DOMAIN}` },
  to: { name: 'Avery Guest', address: 'avery@example.com' },
  replyTo: `office@${DOMAIN}`,
  subject: 'Your charter on Saturday, May 30 is confirmed — Jada ⛵',
  text: 'Hello Avery,\n\nYour charter aboard Jada is confirmed.\n',
  html: '<!doctype html><html lang="en"><head><title>Confirmed</title></head><body><p>Hello Avery,</p><p>Your charter aboard Jada is confirmed.</p></body></html>',
  messageId: `<${id}@${DOMAIN}>`,
  date: new Date('2026-05-01T12:00:00Z'),
  headers: { 'X-Bosun-Kind': 'guest.confirmation' },
  automatic: true,
  attachments: [
    {
      filename: 'charter.ics',
      contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
      content: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Bosun//EN\r\nEND:VCALENDAR\r\n',
    },
  ],
});

/** A DNS resolver that publishes `key` as the selector's TXT record, and nothing else. */
const resolverFor = (key: KeyObject) => async (name: string, type: string) => {
  if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) {
    return [[`v=DKIM1; k=rsa; p=${key.export({ type: 'spki', format: 'der' }).toString('base64')}`]];
  }
  throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
};

async function verify(raw: Buffer | string, key: KeyObject = publicKey) {
  const { results } = await dkimVerify(Buffer.from(raw), { resolver: resolverFor(key), curTime: new Date('2026-05-01T12:00:00Z') });
  return results.map((r) => ({ domain: r.signingDomain, selector: r.selector, result: r.status.result }));
}

/** `raw` with its first `from` (after the header block when `where` is body) replaced by `to`. */
function tamper(raw: Buffer, where: 'body' | 'subject', from: string, to: string): string {
  const text = raw.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  if (where === 'body') {
    const at = text.indexOf(from, split);
    expect(at).toBeGreaterThan(split);
    return text.slice(0, at) + to + text.slice(at + from.length);
  }
  return text.replace(/^Subject: [^\r\n]*/m, `Subject: ${to}`);
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  root = mkdtempSync(join(tmpdir(), 'bosun-dkim-'));
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKey = pair.publicKey;
  otherPublicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  keyFile = join(root, 'dkim.pem');
  writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
});

afterAll(async () => {
  await smtp.close();
  rmSync(root, { recursive: true, force: true });
});

const signingEnv = () => ({ BOSUN_DKIM_DOMAIN: DOMAIN, BOSUN_DKIM_SELECTOR: SELECTOR, BOSUN_DKIM_PRIVATE_KEY_FILE: keyFile });

/** Sends `m` through the mailer the runtime builds from `env` (with a data folder of its own); the raw message as it was delivered. */
async function sendThroughRuntime(env: Record<string, string>, m: MailMessage): Promise<Buffer> {
  const dataDir = mkdtempSync(join(root, 'data-'));
  const before = smtp.received.length;
  const { runtime } = await compose(loadConfig({ BOSUN_DATA_DIR: dataDir, ...env }), { role: 'command', log });
  try {
    await runtime.mail.mailer.send(m);
  } finally {
    await runtime.close();
  }
  if (env.SMTP_URL) return (await smtp.waitFor(before + 1))[before]?.raw ?? Buffer.alloc(0);
  const [file] = readdirSync(join(dataDir, 'mail'));
  return readFileSync(join(dataDir, 'mail', file ?? ''));
}

describe('DKIM signing', () => {
  it.each(['the mail folder', 'SMTP'])('signs every message written by %s, and a verifier passes it', async (via) => {
    const env = via === 'SMTP' ? { ...signingEnv(), SMTP_URL: smtp.url } : signingEnv();
    const raw = await sendThroughRuntime(env, message(`signed-${via === 'SMTP' ? 'smtp' : 'folder'}`));
    const head = raw.toString('utf8').slice(0, raw.indexOf('\r\n\r\n'));
    expect(head).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=charters\.example;\s+q=dns\/txt; s=bosun2026;/m);
    expect(await verify(raw)).toEqual([{ domain: DOMAIN, selector: SELECTOR, result: 'pass' }]);

    // Changed after signing: a word of the body (its body hash does not verify: "neutral", never "pass"),
    // the subject (the signature fails). Or verified against another key.
    expect((await verify(tamper(raw, 'body', 'Avery', 'Avary'))).map((r) => r.result)).toEqual(['neutral']);
    expect((await verify(tamper(raw, 'subject', '', 'Your charter is cancelled'))).map((r) => r.result)).toEqual(['fail']);
    expect((await verify(raw, otherPublicKey)).map((r) => r.result)).toEqual(['fail']);
  });

  it('signs nothing without the variables', async () => {
    const raw = await sendThroughRuntime({}, message('unsigned'));
    expect(raw.toString('utf8')).not.toMatch(/^DKIM-Signature:/im);
    expect(await verify(raw)).toEqual([{ domain: undefined, selector: undefined, result: 'none' }]);
  });
});

describe('DKIM configuration', () => {
  function configError(env: Record<string, string>): string {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    throw new Error('the configuration was accepted');
  }

  it('loads the signing domain, the selector and the key with the configuration', () => {
    const config = loadConfig(signingEnv());
    expect(config.dkim).toMatchObject({ domainName: DOMAIN, keySelector: SELECTOR });
    expect(config.dkim?.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('wants all three variables or none, naming the first that is missing', () => {
    expect(configError({ BOSUN_DKIM_DOMAIN: DOMAIN })).toBe(
      'BOSUN_DKIM_SELECTOR: must be set with BOSUN_DKIM_DOMAIN to sign mail with DKIM (set all three of BOSUN_DKIM_DOMAIN, BOSUN_DKIM_SELECTOR, BOSUN_DKIM_PRIVATE_KEY_FILE, or none)',
    );
    expect(configError({ BOSUN_DKIM_SELECTOR: SELECTOR, BOSUN_DKIM_PRIVATE_KEY_FILE: keyFile })).toMatch(
      /^BOSUN_DKIM_DOMAIN: must be set with/,
    );
    expect(configError({ BOSUN_DKIM_DOMAIN: DOMAIN, BOSUN_DKIM_SELECTOR: SELECTOR })).toMatch(
      /^BOSUN_DKIM_PRIVATE_KEY_FILE: must be set with/,
    );
    expect(loadConfig({}).dkim).toBeUndefined();
  });

  it('refuses a domain or selector that is not a DNS name', () => {
    expect(configError({ ...signingEnv(), BOSUN_DKIM_DOMAIN: 'not a domain' })).toMatch(/^BOSUN_DKIM_DOMAIN: must be a DNS name/);
    expect(configError({ ...signingEnv(), BOSUN_DKIM_SELECTOR: 'a;b=c' })).toMatch(/^BOSUN_DKIM_SELECTOR: must be a DNS name/);
  });

  it('refuses a key file that cannot be read, or holds no RSA private key of 1024 bits or more', () => {
    const write = (name: string, text: string | Buffer) => {
      const file = join(root, name);
      writeFileSync(file, text);
      return file;
    };
    const cases: [string, RegExp][] = [
      [join(root, 'missing.pem'), /readable file .*ENOENT/],
      [root, /readable file .*EISDIR/],
      [write('garbage.pem', 'not a key'), /must hold an RSA private key in PEM/],
      [write('public.pem', publicKey.export({ type: 'spki', format: 'pem' })), /must hold an RSA private key in PEM/],
      [
        write('ed25519.pem', generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })),
        /must hold an RSA private key; it holds a ed25519 key/,
      ],
      [
        write('small.pem', generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' })),
        /at least 1024 bits .* it has 512/,
      ],
    ];
    for (const [file, expected] of cases) {
      const messageText = configError({ ...signingEnv(), BOSUN_DKIM_PRIVATE_KEY_FILE: file });
      expect(messageText).toMatch(/^BOSUN_DKIM_PRIVATE_KEY_FILE: /);
      expect(messageText).toMatch(expected);
      expect(messageText).not.toContain('\n');
      // Never the key itself (its base64 DER starts with MII).
      expect(messageText).not.toMatch(/MII[A-Za-z0-9+/]{16}/);
    }
  });
});
