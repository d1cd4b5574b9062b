/**
 * Guest mail through Amazon SES (`BOSUN_MAIL=ses://REGION`), against a local SES API v2 server speaking
 * the real wire protocol: a booking's confirmation goes through the outbox (the `mail.send` job) to SES
 * and arrives with the same headers and parts as the same mail through SMTP, DKIM-signed by Bosun; SES's
 * final refusal leaves the mail failed for a person, a passing one leaves it to the job's retry. The
 * runtime builds the SES mailer from `BOSUN_MAIL`, which `SMTP_URL` may not accompany.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth';
import type { ParsedMail } from 'mailparser';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SesMailer } from '../../src/adapters/ses-mailer';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import { ConfigError, type DkimSigning, loadConfig } from '../../src/config/env';
import { handleSendMail } from '../../src/jobs/send-mail';
import { compose } from '../../src/main/compose';
import type { Mailer } from '../../src/ports/mailer';
import { MailDeliveryError, type MailDeps } from '../../src/services/mail';
import { call, makeApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';
import { bookingInput, makeTenant } from '../support/factories';
import { FakeSesV2 } from '../support/fake-sesv2';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

const DOMAIN = 'charters.example';
const SELECTOR = 'bosun2026';
const credentials = { accessKeyId: 'AKIDBOSUNTEST', secretAccessKey: 'bosun-test-secret-access-key' };

let t: TestDb;
let app: TestApp;
let ses: FakeSesV2;
let smtp: TestSmtpServer;
let dkim: DkimSigning;
let publicKey: KeyObject;
const mailers: Mailer[] = [];

beforeAll(async () => {
  t = await createTestDb();
  app = makeApp(t);
  ses = await new FakeSesV2().start();
  smtp = await startSmtpServer();
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKey = pair.publicKey;
  dkim = { domainName: DOMAIN, keySelector: SELECTOR, privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
});

afterAll(async () => {
  for (const m of mailers) await m.close();
  await ses?.stop();
  await smtp?.close();
  await t?.close();
});

/** The mail dependencies with `mailer`, closed after the file. */
function depsWith(mailer: Mailer): MailDeps {
  mailers.push(mailer);
  return { ...t.deps, mail: { mailer, publicUrl: 'http://localhost:8080', fromAddress: `bosun@${DOMAIN}` } };
}

const sesMailer = () =>
  new SesMailer({ region: 'eu-west-1', endpoint: ses.endpoint }, { dkim, clientConfig: { credentials, maxAttempts: 1 } });

/** A tenant with a confirmed booking whose confirmation is queued: the tenant, the booking's id and the mail's. */
async function queuedConfirmation(slug: string) {
  const tenant = await makeTenant(t.deps, slug);
  const created = await call(
    app,
    'POST',
    '/api/v1/bookings',
    tenant.serviceKey,
    bookingInput({ startsAt: '2026-06-12T10:00:00-07:00', endsAt: '2026-06-12T13:00:00-07:00' }),
  );
  expect(created.status).toBe(201);
  const bookingId = created.json.id as string;
  const row = await t.deps.db
    .selectFrom('outgoing_mail')
    .select(['id', 'status'])
    .where('tenant_id', '=', tenant.tenant.id)
    .where('booking_id', '=', bookingId)
    .where('kind', '=', 'guest.confirmation')
    .executeTakeFirstOrThrow();
  expect(row.status).toBe('queued');
  return { tenantId: tenant.tenant.id, bookingId, mailId: row.id };
}

const mailRow = (mailId: string) =>
  t.deps.db.selectFrom('outgoing_mail').select(['status', 'error']).where('id', '=', mailId).executeTakeFirstOrThrow();

/** What a reader sees of a message, with what differs between two tenants' bookings (slug, ids, times) taken out. */
function shape(m: ParsedMail, raw: string, names: string[]) {
  const normal = (s: string) => names.reduce((acc, n) => acc.split(n).join('<X>'), s);
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const value = (name: string) => {
    const v = m.headers.get(name);
    return v === undefined ? '' : normal(typeof v === 'string' ? v : JSON.stringify(v));
  };
  return {
    headerNames: head
      .split('\r\n')
      .filter((l) => /^[A-Za-z-]+:/.test(l))
      .map((l) => l.slice(0, l.indexOf(':')).toLowerCase()),
    from: value('from'),
    to: value('to'),
    replyTo: value('reply-to'),
    subject: normal(m.subject ?? ''),
    contentType: value('content-type').replace(/"boundary":"[^"]*"/, ''),
    autoSubmitted: value('auto-submitted'),
    kind: value('x-bosun-kind'),
    text: normal(m.text ?? ''),
    html: normal(typeof m.html === 'string' ? m.html : ''),
    attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType })),
  };
}

async function verify(raw: Buffer) {
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`)
      return [[`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };
  const { results } = await dkimVerify(raw, { resolver });
  return results.map((r) => ({ domain: r.signingDomain, result: r.status.result }));
}

describe('guest mail through SES', () => {
  it('delivers a booking confirmation with the same headers and parts as through SMTP, DKIM-signed', async () => {
    const viaSmtp = await queuedConfirmation('alpha');
    const viaSes = await queuedConfirmation('bravo');

    await handleSendMail(depsWith(new SmtpMailer(smtp.url, { dkim })), {
      tenantId: viaSmtp.tenantId,
      mailId: viaSmtp.mailId,
      reason: 'test',
    });
    await handleSendMail(depsWith(sesMailer()), { tenantId: viaSes.tenantId, mailId: viaSes.mailId, reason: 'test' });

    expect((await mailRow(viaSes.mailId)).status).toBe('sent');
    expect(ses.sent).toHaveLength(1);
    const request = ses.sent[0];
    expect(request?.body.Destination).toEqual({ ToAddresses: ['avery@example.com'] });
    const [viaSesParsed] = await ses.delivered();
    const smtpGot = (await smtp.waitFor(1))[0];
    if (!viaSesParsed || !smtpGot || !request) throw new Error('a message is missing');

    const sesShape = shape(viaSesParsed, request.raw.toString('utf8'), ['bravo', viaSes.bookingId, viaSes.mailId]);
    const smtpShape = shape(smtpGot.parsed, smtpGot.raw.toString('utf8'), ['alpha', viaSmtp.bookingId, viaSmtp.mailId]);
    expect(sesShape).toEqual(smtpShape);
    // What was compared is the real thing: a confirmation to the guest, text, HTML and the charter's .ics.
    expect(sesShape.headerNames).toEqual(expect.arrayContaining(['dkim-signature', 'from', 'to', 'subject', 'message-id', 'date']));
    expect(sesShape.to).toContain('avery@example.com');
    expect(sesShape.kind).toBe('guest.confirmation');
    expect(sesShape.text).toContain('Jada');
    expect(sesShape.attachments.map((a) => a.contentType)).toEqual(['text/calendar']);
    // Bosun's message id, as the mail log knows it.
    expect(viaSesParsed.messageId).toContain(viaSes.mailId);

    expect(await verify(request.raw)).toEqual([{ domain: DOMAIN, result: 'pass' }]);
    expect(await verify(smtpGot.raw)).toEqual([{ domain: DOMAIN, result: 'pass' }]);
  });

  it('leaves a mail SES refused for good failed for a person, and retries one it refused for now', async () => {
    const deps = depsWith(sesMailer());
    const rejected = await queuedConfirmation('charlie');
    ses.failWith = { type: 'MessageRejected', status: 400, message: 'Email address is not verified.' };
    try {
      // A final refusal ends the job without an error: nothing retries it unchanged.
      await handleSendMail(deps, { tenantId: rejected.tenantId, mailId: rejected.mailId, reason: 'test' });
      const row = await mailRow(rejected.mailId);
      expect(row.status).toBe('failed');
      expect(row.error).toContain('SES refused the message: MessageRejected (HTTP 400)');

      const throttled = await queuedConfirmation('delta');
      ses.failWith = { type: 'TooManyRequestsException', status: 429, message: 'Maximum sending rate exceeded.' };
      await expect(handleSendMail(deps, { tenantId: throttled.tenantId, mailId: throttled.mailId, reason: 'test' })).rejects.toBeInstanceOf(
        MailDeliveryError,
      );
      expect((await mailRow(throttled.mailId)).error).toContain('SES did not send the message: TooManyRequestsException (HTTP 429)');
      // The job's retry, once SES takes mail again, sends it.
      ses.failWith = null;
      await handleSendMail(deps, { tenantId: throttled.tenantId, mailId: throttled.mailId, reason: 'retry' });
      expect((await mailRow(throttled.mailId)).status).toBe('sent');
    } finally {
      ses.failWith = null;
    }
  });
});

describe('BOSUN_MAIL', () => {
  it('makes the runtime send through SES in the region it names', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bosun-ses-'));
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    // The SDK's own credential chain, as on Lambda (there from the function's role).
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    const before = ses.sent.length;
    try {
      const config = loadConfig({
        BOSUN_DATA_DIR: dataDir,
        BOSUN_MAIL: `ses://eu-central-1?endpoint=${encodeURIComponent(ses.endpoint)}&configurationSet=bosun-guests`,
      });
      expect(config.sesMail).toEqual({ region: 'eu-central-1', endpoint: ses.endpoint, configurationSet: 'bosun-guests' });
      const { runtime } = await compose(config, { role: 'command', log: pino({ level: 'silent' }) });
      try {
        expect(runtime.mailArchive).toBeNull();
        await runtime.mail.mailer.send({
          from: { name: 'Bosun', address: `bosun@${DOMAIN}` },
          to: { name: 'Avery Guest', address: 'avery@example.com' },
          subject: 'Hello',
          text: 'Hello\n',
          html: '<p>Hello</p>',
          messageId: `<runtime-ses@${DOMAIN}>`,
          date: new Date('2026-05-01T12:00:00Z'),
        });
      } finally {
        await runtime.close();
      }
      const request = ses.sent[before];
      expect(request?.authorization).toContain('/eu-central-1/ses/aws4_request');
      expect(request?.body.ConfigurationSetName).toBe('bosun-guests');
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Opening a runtime migrates a fresh database: slow on a busy machine.
  }, 120_000);

  // The value is shown as scheme and host at most, with *** for a user and password (it may hold a secret).
  it.each([
    ['ses://', 'must be ses://REGION with a region like eu-west-1', ''],
    ['ses:eu-west-1', 'must be ses://REGION with a region like eu-west-1', ''],
    ['smtp://mail.example', 'must be ses://REGION, e.g. ses://eu-west-1', ' (got "smtp://mail.example")'],
    ['eu-west-1', 'must be ses://REGION, e.g. ses://eu-west-1', ''],
    ['ses://EU-WEST-1', 'must be ses://REGION with a region like eu-west-1', ' (got "ses://EU-WEST-1")'],
    [
      'ses://email.eu-west-1.amazonaws.com',
      'must be ses://REGION with a region like eu-west-1',
      ' (got "ses://email.eu-west-1.amazonaws.com")',
    ],
    ['ses://user:pass@eu-west-1', 'must be ses://REGION with a region like eu-west-1', ' (got "ses://***@eu-west-1")'],
    ['ses://eu-west-1:443', 'must be ses://REGION with a region like eu-west-1', ' (got "ses://eu-west-1:443")'],
    ['ses://eu-west-1/bosun', 'must be ses://REGION with a region like eu-west-1', ' (got "ses://eu-west-1/…")'],
    [
      'ses://eu-west-1?region=us-east-1',
      'has an unknown parameter "region" (known: endpoint, configurationSet)',
      ' (got "ses://eu-west-1/…")',
    ],
    ['ses://eu-west-1?endpoint=ftp://127.0.0.1', 'has an endpoint that is not an http:// or https:// origin', ' (got "ses://eu-west-1/…")'],
    [
      'ses://eu-west-1?endpoint=http://127.0.0.1/v2',
      'has an endpoint that is not an http:// or https:// origin',
      ' (got "ses://eu-west-1/…")',
    ],
    [
      'ses://eu-west-1?configurationSet=bosun%20guests',
      'has a configurationSet that is not 1–64 letters, digits, dashes or underscores',
      ' (got "ses://eu-west-1/…")',
    ],
  ])('refuses BOSUN_MAIL=%j in one line', (value, reason, shown) => {
    expect(() => loadConfig({ BOSUN_MAIL: value })).toThrow(new ConfigError(`BOSUN_MAIL: ${reason}${shown}`));
  });

  it('refuses BOSUN_MAIL together with SMTP_URL', () => {
    expect(() => loadConfig({ BOSUN_MAIL: 'ses://eu-west-1', SMTP_URL: 'smtp://mail.example:587' })).toThrow(
      new ConfigError('BOSUN_MAIL: must not be set together with SMTP_URL (mail goes through one of them; unset one)'),
    );
  });
});
