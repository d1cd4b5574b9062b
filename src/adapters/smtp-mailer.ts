/**
 * SmtpMailer: sends over SMTP with nodemailer, to the server named by `SMTP_URL`
 * (`smtp://user:pass@host:587`, `smtps://…:465`; nodemailer's URL options such as `?pool=true` apply).
 * A message counts as sent only when the server accepted every recipient. With `dkim`, every message is
 * signed (nodemailer's DKIM signer) before it leaves.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Mailer, MailMessage, SentMail } from '../ports/mailer';
import { type MailerOptions, toNodemailerMessage, transportOptions } from './nodemailer-message';

export class SmtpMailer implements Mailer {
  readonly #transport: Transporter;

  constructor(url: string, options: MailerOptions = {}) {
    // Bounded waits so a silent server fails the job (and it retries) instead of holding a worker.
    this.#transport = nodemailer.createTransport({
      url,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
      ...transportOptions(options),
    });
  }

  async send(message: MailMessage): Promise<SentMail> {
    const info = await this.#transport.sendMail(toNodemailerMessage(message));
    const rejected = addresses(info.rejected);
    if (rejected.length > 0) throw new Error(`the SMTP server rejected ${rejected.join(', ')}: ${info.response ?? ''}`);
    return { messageId: info.messageId, accepted: addresses(info.accepted), response: String(info.response ?? '') };
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}

function addresses(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((a) => (typeof a === 'string' ? a : String((a as { address?: unknown }).address ?? '')));
}
