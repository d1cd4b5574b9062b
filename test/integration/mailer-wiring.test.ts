/** The runtime chooses the mailer from the configuration: the mail folder without SMTP_URL, SMTP with it. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { compose } from '../../src/main/compose';
import type { MailMessage } from '../../src/ports/mailer';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

const message = (id: string): MailMessage => ({
  from: { name: 'Wiring Charters', address: 'bosun@wiring.test' },
  to: { name: 'Casey Captain', address: 'casey@wiring.test' },
  subject: 'Wiring',
  text: 'Hello',
  html: '<p>Hello</p>',
  messageId: `<${id}@wiring.test>`,
  date: new Date('2026-05-01T12:00:00Z'),
});

let smtp: TestSmtpServer;
const dirs: string[] = [];
const log = pino({ level: 'silent' });

beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await smtp.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir() {
  const d = mkdtempSync(join(tmpdir(), 'bosun-wiring-'));
  dirs.push(d);
  return d;
}

describe('mailer wiring', () => {
  it('without SMTP_URL, mail lands in $BOSUN_DATA_DIR/mail as .eml', async () => {
    const dir = dataDir();
    const { runtime } = await compose(loadConfig({ BOSUN_DATA_DIR: dir, PORT: '18080' }), { role: 'command', log });
    try {
      expect(runtime.mail.publicUrl).toBe('http://localhost:18080');
      expect(runtime.mail.fromAddress).toBe('bosun@localhost');
      await runtime.mail.mailer.send(message('folder'));
    } finally {
      await runtime.close();
    }
    expect(readdirSync(join(dir, 'mail'))).toEqual([expect.stringMatching(/folder_wiring\.test\.eml$/)]);
    expect(smtp.received).toHaveLength(0);
  });

  it('with SMTP_URL, the same mail goes to the SMTP server and nothing to the folder', async () => {
    const dir = dataDir();
    const config = loadConfig({
      BOSUN_DATA_DIR: dir,
      SMTP_URL: smtp.url,
      BOSUN_PUBLIC_URL: 'https://crew.example.com',
      BOSUN_MAIL_FROM: 'crew@example.com',
    });
    const { runtime } = await compose(config, { role: 'command', log });
    try {
      expect(runtime.mail.publicUrl).toBe('https://crew.example.com');
      expect(runtime.mail.fromAddress).toBe('crew@example.com');
      await runtime.mail.mailer.send(message('smtp'));
    } finally {
      await runtime.close();
    }
    const [got] = await smtp.waitFor(1);
    expect(got?.parsed.messageId).toBe('<smtp@wiring.test>');
    expect(readdirSync(dir)).not.toContain('mail');
  });

  it('a wrong BOSUN_MAIL_FROM stops start-up with a line naming it', () => {
    expect(() => loadConfig({ BOSUN_MAIL_FROM: 'not an address' })).toThrow(/^BOSUN_MAIL_FROM: must be an e-mail address/);
  });
});
