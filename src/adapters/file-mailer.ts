/**
 * FileMailer: the mail folder used when `SMTP_URL` is absent. Each message becomes one RFC 5322
 * `.eml` file (CRLF line ends, as nodemailer writes it for a server) in `$BOSUN_DATA_DIR/mail/`,
 * written to a temporary name and renamed, so a reader never sees half a message. The file name
 * comes from the Date and Message-ID, so sending the same message again replaces its file, and
 * the dashboard reads a message back by the same two (`MailArchive`). With `dkim`, each message is
 * signed as it would be for a server.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import type { MailArchive, Mailer, MailMessage, SentMail } from '../ports/mailer';
import { type MailerOptions, toNodemailerMessage, transportOptions } from './nodemailer-message';

export class FileMailer implements Mailer, MailArchive {
  /** nodemailer, loaded at the first message (ADR 0029): a process that sends none never loads it. */
  #transport: Promise<Transporter> | undefined;

  constructor(
    readonly dir: string,
    private readonly options: MailerOptions = {},
  ) {}

  private transport(): Promise<Transporter> {
    this.#transport ??= import('nodemailer').then((nodemailer) =>
      nodemailer.default.createTransport({ streamTransport: true, buffer: true, newline: 'windows', ...transportOptions(this.options) }),
    );
    return this.#transport;
  }

  /** The mail folder of a data folder: `{dataDir}/mail`. */
  static inDataDir(dataDir: string, options: MailerOptions = {}): FileMailer {
    return new FileMailer(join(dataDir, 'mail'), options);
  }

  async send(message: MailMessage): Promise<SentMail> {
    const info = await (await this.transport()).sendMail(toNodemailerMessage(message));
    const raw = info.message;
    if (!Buffer.isBuffer(raw)) throw new Error('the stream transport did not return the message as a buffer');
    // Mail carries sign-in links: only the owner of the data folder may read it.
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = join(this.dir, emlFileName(message));
    const temporary = join(this.dir, `.${randomBytes(8).toString('hex')}.tmp`);
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(raw);
      await file.sync();
    } catch (err) {
      await file.close();
      await rm(temporary, { force: true });
      throw err;
    }
    await file.close();
    await rename(temporary, target);
    return { messageId: info.messageId, accepted: [message.to.address], response: `stored as ${emlFileName(message)}` };
  }

  /** The `.eml` the message was written to, or null when there is none (never sent, or removed). */
  async read(message: Pick<MailMessage, 'date' | 'messageId'>): Promise<Buffer | null> {
    try {
      return await readFile(join(this.dir, emlFileName(message)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async close(): Promise<void> {
    (await this.#transport)?.close();
  }
}

/** `20260501T120000Z-<message id, file-safe>.eml`: sorts by date, unique per message. */
export function emlFileName(message: Pick<MailMessage, 'date' | 'messageId'>): string {
  const stamp = message.date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const id = message.messageId
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 120);
  return `${stamp}-${id}.eml`;
}
