/**
 * SmtpMailer: sends over SMTP with nodemailer, to the server named by `SMTP_URL`
 * (`smtp://user:pass@host:587`, `smtps://…:465`). Connections are pooled (nodemailer's `pool`): up to
 * `maxConnections` (default 5) stay open and take messages as they come, so a message to a whole
 * departure is not one TCP and SMTP handshake per guest. The URL's own query options come first —
 * nodemailer lays them over the options given here — so `?maxConnections=10`, `?maxMessages=500` or
 * `?pool=false` (a connection per message) tune it without code.
 * A message counts as sent only when the server accepted every recipient. With `dkim`, every message is
 * signed (nodemailer's DKIM signer) before it leaves.
 */
import type { Transporter } from 'nodemailer';
import type { Mailer, MailMessage, SentMail } from '../ports/mailer';
import { type MailerOptions, toNodemailerMessage, transportOptions } from './nodemailer-message';

/** Open SMTP connections of one process unless `SMTP_URL` says otherwise (`?maxConnections=`). */
export const DEFAULT_MAX_CONNECTIONS = 5;

export class SmtpMailer implements Mailer {
  /** nodemailer and its pool, loaded and made at the first message (ADR 0029). */
  #transport: Promise<Transporter> | undefined;

  constructor(
    private readonly url: string,
    private readonly options: MailerOptions = {},
  ) {}

  private transport(): Promise<Transporter> {
    this.#transport ??= import('nodemailer').then((nodemailer) =>
      nodemailer.default.createTransport({
        url: this.url,
        pool: true,
        maxConnections: DEFAULT_MAX_CONNECTIONS,
        // Bounded waits so a silent server fails the job (and it retries) instead of holding a worker.
        connectionTimeout: 30_000,
        greetingTimeout: 30_000,
        socketTimeout: 60_000,
        ...transportOptions(this.options),
      }),
    );
    return this.#transport;
  }

  async send(message: MailMessage): Promise<SentMail> {
    const transport = await this.transport();
    const info = await transport.sendMail(toNodemailerMessage(message)).catch((err: unknown) => {
      // Only the recipient's final refusal (a 5xx reply to RCPT TO, RFC 5321 §4.2.1: an address the
      // server does not know) settles the message. A refused login, sender or size is the
      // installation's to fix, and retrying after that fix delivers it (nodemailer's own `permanent`
      // calls every 5xx final, so it is not used).
      const { responseCode: code, command } = err as { responseCode?: unknown; command?: unknown };
      const refusedRecipient = typeof code === 'number' && code >= 500 && code < 600 && command === 'RCPT TO';
      throw err instanceof Error ? Object.assign(err, { recipientRefused: refusedRecipient }) : err;
    });
    const rejected = addresses(info.rejected);
    if (rejected.length > 0)
      throw Object.assign(new Error(`the SMTP server rejected ${rejected.join(', ')}: ${info.response ?? ''}`), { recipientRefused: true });
    return { messageId: info.messageId, accepted: addresses(info.accepted), response: String(info.response ?? '') };
  }

  async close(): Promise<void> {
    (await this.#transport)?.close();
  }
}

function addresses(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((a) => (typeof a === 'string' ? a : String((a as { address?: unknown }).address ?? '')));
}
