/**
 * Mailer port: hands one finished message to the outside world (a mail folder or an SMTP server).
 * A mailer never decides what to send or to whom; `services/mail.ts` records every message first.
 */

export type MailAddress = { name: string; address: string };

/** One message, already rendered: multipart text + HTML, with its own Message-ID and Date. */
export type MailMessage = {
  from: MailAddress;
  to: MailAddress;
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  /** `<unique@domain>`; the same message sent twice keeps the same id. */
  messageId: string;
  date: Date;
  /** Extra header fields, e.g. `X-Bosun-Kind`. */
  headers?: Record<string, string>;
  /**
   * Sent by Bosun on its own (default true): carries `Auto-Submitted: auto-generated` (RFC 3834), so
   * auto-responders do not answer. Mail a person wrote and sent from the dashboard is not.
   */
  automatic?: boolean;
  /** Files attached beside the text and HTML alternatives, e.g. a charter's `.ics`. */
  attachments?: MailAttachment[];
};

export type MailAttachment = { filename: string; contentType: string; content: string };

/** `response`: what the receiving side answered (SMTP: the server's reply to the message, e.g. `250 2.0.0 Ok: queued as 4F2`). */
export type SentMail = { messageId: string; accepted: string[]; response: string };

export interface Mailer {
  /**
   * Delivers `message`. Resolves once the message is stored (mail folder) or accepted by the
   * server (SMTP); throws otherwise, with the reason in the error's message — and `permanent: true` on
   * the error when the server refused the message for good (SMTP 5xx), so that no retry sends it again.
   */
  send(message: MailMessage): Promise<SentMail>;
  /** Releases connections; sending after `close` is not supported. */
  close(): Promise<void>;
}

/**
 * Where sent messages can be read back as they went out (the mail folder); absent for SMTP, whose
 * messages leave the installation. `read` answers the message's RFC 5322 bytes, or null when it has none.
 */
export interface MailArchive {
  read(message: Pick<MailMessage, 'date' | 'messageId'>): Promise<Buffer | null>;
}
