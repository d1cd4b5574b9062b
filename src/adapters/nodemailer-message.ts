/** The one translation of a `MailMessage` into nodemailer's message options, shared by both mailers. */
import type { SendMailOptions } from 'nodemailer';
import type { MailMessage } from '../ports/mailer';

export function toNodemailerMessage(message: MailMessage): SendMailOptions {
  return {
    from: { name: message.from.name, address: message.from.address },
    to: { name: message.to.name, address: message.to.address },
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    date: message.date,
    // RFC 3834: tells auto-responders (vacation replies) not to answer.
    headers: { 'Auto-Submitted': 'auto-generated', ...message.headers },
    // Never let nodemailer fetch a URL or read a file named in the message.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
