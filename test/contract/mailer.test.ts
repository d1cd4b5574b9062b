/**
 * The Mailer contract: every adapter delivers the same RFC 5322 message, read back as a mail client
 * would (mailparser) — from the mail folder for FileMailer, from a real SMTP server for SmtpMailer, from
 * a local SES API v2 server (the real wire protocol, through the AWS SDK) for SesMailer.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emlFileName, FileMailer } from '../../src/adapters/file-mailer';
import { SesMailer } from '../../src/adapters/ses-mailer';
import { SmtpMailer } from '../../src/adapters/smtp-mailer';
import type { Mailer, MailMessage } from '../../src/ports/mailer';
import { FakeSesV2 } from '../support/fake-sesv2';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

type Harness = {
  mailer: Mailer;
  /** Every message delivered so far, parsed. */
  delivered(): Promise<ParsedMail[]>;
  /** Makes the next sends fail the way this adapter can fail. */
  breakDelivery(): void;
  close(): Promise<void>;
};

const sesCredentials = { accessKeyId: 'AKIDBOSUNTEST', secretAccessKey: 'bosun-test-secret-access-key' };

let counter = 0;
function message(overrides: Partial<MailMessage> = {}): MailMessage {
  counter++;
  return {
    from: { name: 'Åland Sea Charters', address: 'bosun@example.test' },
    to: { name: 'Casey Captain', address: 'casey@example.test' },
    replyTo: 'office@example.test',
    subject: `You are crewing Jada on 30 May — №${counter}`,
    text: `Hello Casey,\nOpen https://bosun.example/crew/login/abc${counter}\n`,
    html: `<p>Hello Casey,</p><p><a href="https://bosun.example/crew/login/abc${counter}">Open your charter</a></p>`,
    messageId: `<m${counter}.${Date.now()}@example.test>`,
    date: new Date('2026-05-01T12:00:00Z'),
    ...overrides,
  };
}

const adapters: { name: string; make(): Promise<Harness> }[] = [
  {
    name: 'FileMailer',
    make: async () => {
      const root = mkdtempSync(join(tmpdir(), 'bosun-mail-'));
      let mailer = FileMailer.inDataDir(root);
      const harness: Harness = {
        get mailer() {
          return mailer;
        },
        delivered: async () => {
          const dir = join(root, 'mail');
          const files = readdirSync(dir)
            .filter((f) => f.endsWith('.eml'))
            .sort();
          return Promise.all(files.map((f) => simpleParser(readFileSync(join(dir, f)))));
        },
        breakDelivery: () => {
          // A data folder whose `mail` is a plain file cannot take messages.
          const broken = join(root, 'broken');
          mkdirSync(broken);
          writeFileSync(join(broken, 'mail'), 'not a folder');
          mailer = FileMailer.inDataDir(broken);
        },
        close: async () => {
          await mailer.close();
          rmSync(root, { recursive: true, force: true });
        },
      };
      return harness;
    },
  },
  {
    name: 'SmtpMailer',
    make: async () => {
      const server: TestSmtpServer = await startSmtpServer();
      const mailer = new SmtpMailer(server.url);
      return {
        mailer,
        delivered: async () => server.received.map((r) => r.parsed),
        breakDelivery: () => {
          server.reject = 'Mailbox temporarily unavailable';
        },
        close: async () => {
          await mailer.close();
          await server.close();
        },
      };
    },
  },
  {
    name: 'SesMailer',
    make: async () => {
      const ses = await new FakeSesV2().start();
      const mailer = new SesMailer({ region: 'eu-west-1', endpoint: ses.endpoint }, { clientConfig: { credentials: sesCredentials } });
      return {
        mailer,
        delivered: () => ses.delivered(),
        breakDelivery: () => {
          ses.failWith = { type: 'MessageRejected', status: 400, message: 'Email address is not verified.' };
        },
        close: async () => {
          await mailer.close();
          await ses.stop();
        },
      };
    },
  },
];

describe.each(adapters)('Mailer contract: $name', (adapter) => {
  let h: Harness;
  beforeAll(async () => {
    h = await adapter.make();
  });
  afterAll(() => h.close());

  it('delivers a multipart text and HTML message with sender name, Message-ID, Date and Reply-To', async () => {
    const m = message();
    const sent = await h.mailer.send(m);
    expect(sent.messageId).toBe(m.messageId);
    const mail = (await h.delivered()).find((p) => p.messageId === m.messageId);
    expect(mail).toBeDefined();
    expect(mail?.from?.value).toEqual([{ name: 'Åland Sea Charters', address: 'bosun@example.test' }]);
    const to = Array.isArray(mail?.to) ? mail?.to[0] : mail?.to;
    expect(to?.value).toEqual([{ name: 'Casey Captain', address: 'casey@example.test' }]);
    expect(mail?.replyTo?.value[0]?.address).toBe('office@example.test');
    expect(mail?.subject).toBe(m.subject);
    expect(mail?.date?.toISOString()).toBe('2026-05-01T12:00:00.000Z');
    expect(mail?.text).toContain(`https://bosun.example/crew/login/abc${counter}`);
    expect(mail?.html).toContain(`<a href="https://bosun.example/crew/login/abc${counter}">Open your charter</a>`);
    expect(mail?.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail?.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('keeps each message apart', async () => {
    const before = (await h.delivered()).length;
    const a = message({ to: { name: 'Dana Deckhand', address: 'dana@example.test' } });
    const b = message();
    await h.mailer.send(a);
    await h.mailer.send(b);
    const all = await h.delivered();
    expect(all).toHaveLength(before + 2);
    const got = all.find((p) => p.messageId === a.messageId);
    expect(got?.text).toContain(a.text.trim());
    expect(JSON.stringify(got?.to)).toContain('dana@example.test');
  });

  it('throws when the message cannot be delivered', async () => {
    h.breakDelivery();
    await expect(h.mailer.send(message())).rejects.toThrow();
  });
});

describe('FileMailer specifics', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes one .eml per message, readable only by its owner, with no temporary file left behind', async () => {
    root = mkdtempSync(join(tmpdir(), 'bosun-mail-'));
    const mailer = FileMailer.inDataDir(root);
    const m = message();
    await mailer.send(m);
    const files = readdirSync(join(root, 'mail'));
    expect(files).toEqual([emlFileName(m)]);
    expect(files[0]).toMatch(/^20260501T120000Z-.+\.eml$/);
    expect(statSync(join(root, 'mail', files[0] ?? '')).mode & 0o777).toBe(0o600);
    // RFC 5322 lines end in CRLF.
    const raw = readFileSync(join(root, 'mail', files[0] ?? ''), 'latin1');
    expect(raw).toContain('\r\n');
    expect(raw.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('replaces the file when the same message is sent again', async () => {
    root = mkdtempSync(join(tmpdir(), 'bosun-mail-'));
    const mailer = FileMailer.inDataDir(root);
    const m = message();
    await mailer.send(m);
    await mailer.send(m);
    expect(readdirSync(join(root, 'mail'))).toHaveLength(1);
  });
});

describe('SmtpMailer specifics', () => {
  let server: TestSmtpServer;
  beforeEach(async () => {
    server = await startSmtpServer();
  });
  afterEach(() => server.close());

  /** Sends `count` messages at once through a mailer for `url`, and closes it. */
  async function sendAtOnce(url: string, count: number) {
    const before = server.received.length;
    const mailer = new SmtpMailer(url);
    try {
      const sent = await Promise.all(Array.from({ length: count }, () => mailer.send(message())));
      expect(sent.every((s) => s.response.startsWith('250'))).toBe(true);
    } finally {
      await mailer.close();
    }
    expect(server.received).toHaveLength(before + count);
  }

  it('sends many messages over a few pooled connections (5 by default)', async () => {
    await sendAtOnce(server.url, 40);
    expect(server.connections.peak).toBe(5);
    expect(server.connections.opened).toBe(5);
  });

  it('keeps one connection for messages sent one after another', async () => {
    const mailer = new SmtpMailer(server.url);
    try {
      for (let i = 0; i < 5; i++) await mailer.send(message());
    } finally {
      await mailer.close();
    }
    expect(server.received).toHaveLength(5);
    expect(server.connections.opened).toBe(1);
  });

  it("takes the pool's size, or no pool, from SMTP_URL's own options", async () => {
    await sendAtOnce(`${server.url}?maxConnections=2`, 20);
    expect(server.connections.opened).toBe(2);
    await sendAtOnce(`${server.url}?pool=false`, 6);
    expect(server.connections.opened).toBe(2 + 6);
  });
});

describe('SesMailer specifics', () => {
  let ses: FakeSesV2;
  beforeEach(async () => {
    ses = await new FakeSesV2().start();
  });
  afterEach(() => ses.stop());

  const mailerFor = (location: { configurationSet?: string } = {}) =>
    new SesMailer(
      { region: 'eu-west-1', endpoint: ses.endpoint, ...location },
      // One attempt: the SDK's own retries of a passing failure are not what is tested here.
      { clientConfig: { credentials: sesCredentials, maxAttempts: 1 } },
    );

  it("sends SendEmail signed for SES in the configured region, with the raw message, and records SES's MessageId", async () => {
    const mailer = mailerFor({ configurationSet: 'bosun-guests' });
    try {
      const m = message();
      const sent = await mailer.send(m);
      const request = ses.sent[0];
      expect(request?.authorization).toContain('/eu-west-1/ses/aws4_request');
      expect(request?.body.FromEmailAddress).toBe('=?UTF-8?Q?=C3=85land_Sea_Charters?= <bosun@example.test>');
      expect(request?.body.Destination).toEqual({ ToAddresses: ['casey@example.test'] });
      expect(request?.body.ConfigurationSetName).toBe('bosun-guests');
      expect(sent).toEqual({ messageId: m.messageId, accepted: ['casey@example.test'], response: `SES MessageId ${request?.messageId}` });
      // CRLF line ends, as RFC 5322 wants.
      expect(request?.raw.toString('latin1').replace(/\r\n/g, '')).not.toContain('\n');
    } finally {
      await mailer.close();
    }
  });

  it.each([
    { error: { type: 'MessageRejected', status: 400, message: 'Email address is not verified.' }, final: true },
    { error: { type: 'BadRequestException', status: 400, message: 'Missing final @domain' }, final: true },
    { error: { type: 'MailFromDomainNotVerifiedException', status: 400, message: 'MAIL FROM domain not verified' }, final: false },
    { error: { type: 'AccountSuspendedException', status: 400, message: 'Account suspended' }, final: false },
    { error: { type: 'SendingPausedException', status: 400, message: 'Sending paused' }, final: false },
    { error: { type: 'TooManyRequestsException', status: 429, message: 'Maximum sending rate exceeded.' }, final: false },
    { error: { type: 'LimitExceededException', status: 400, message: 'Daily message quota exceeded.' }, final: false },
    { error: { type: 'InternalFailure', status: 500, message: 'Internal failure' }, final: false },
    { error: { type: 'ServiceUnavailable', status: 503, message: 'Service unavailable' }, final: false },
  ])('reports $error.type from SES as a final refusal: $final', async ({ error, final }) => {
    ses.failWith = error;
    const mailer = mailerFor();
    try {
      const err = (await mailer.send(message()).catch((e: unknown) => e)) as Error & { recipientRefused?: boolean };
      expect(err).toBeInstanceOf(Error);
      expect(err.recipientRefused).toBe(final);
      expect(err.message).toBe(
        `SES ${final ? 'refused the message' : 'did not send the message'}: ${error.type} (HTTP ${error.status}): ${error.message}`,
      );
      expect(err.message).not.toContain('\n');
      expect(ses.sent).toHaveLength(0);
    } finally {
      await mailer.close();
    }
  });

  it('reports an endpoint that does not answer as passing', async () => {
    await ses.stop();
    const mailer = mailerFor();
    try {
      const err = (await mailer.send(message()).catch((e: unknown) => e)) as Error & { recipientRefused?: boolean };
      expect(err.message).toMatch(/^SES did not send the message: .*ECONNREFUSED/);
      expect(err.recipientRefused).toBe(false);
    } finally {
      await mailer.close();
      ses = await new FakeSesV2().start();
    }
  });
});
