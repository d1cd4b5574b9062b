/**
 * The one translation of a `MailMessage` into nodemailer's message options, shared by both mailers.
 * Every header value passes through `toHeaderText` here: no value reaches a header with a CR or LF; a
 * subject and display names through `toHeaderPhrase`, so none is read as an encoded-word either.
 */
import type { SendMailOptions } from 'nodemailer';
import { toHeaderPhrase, toHeaderText } from '../domain/text';
import type { MailAddress, MailMessage } from '../ports/mailer';

const address = (a: MailAddress) => ({ name: toHeaderPhrase(a.name), address: toHeaderText(a.address) });

/**
 * DKIM signing for a mailer (nodemailer's `dkim` transport option): the signing domain, the selector
 * and the RSA private key in PEM. Both mailers sign every message with it when it is given.
 */
export type DkimSigning = { domainName: string; keySelector: string; privateKey: string };

/** What both mailers may be given beside where they send to. */
export type MailerOptions = { dkim?: DkimSigning | undefined };

/** nodemailer's transport options for `options`: `dkim` when signing is configured. */
export function transportOptions(options: MailerOptions): { dkim?: DkimSigning } {
  return options.dkim ? { dkim: { ...options.dkim } } : {};
}

export function toNodemailerMessage(message: MailMessage): SendMailOptions {
  const replyTo = message.replyTo ? toHeaderText(message.replyTo) : '';
  const headers = Object.entries(message.headers ?? {}).map(([name, value]) => [name, toHeaderText(value)]);
  return {
    from: address(message.from),
    to: address(message.to),
    // An object, so nodemailer takes it as one address rather than parsing a list or a group out of it.
    ...(replyTo ? { replyTo: { name: '', address: replyTo } } : {}),
    subject: toHeaderPhrase(message.subject),
    text: message.text,
    html: message.html,
    messageId: toHeaderText(message.messageId),
    date: message.date,
    // RFC 3834: tells auto-responders (vacation replies) not to answer automatic mail.
    headers: { ...(message.automatic === false ? {} : { 'Auto-Submitted': 'auto-generated' }), ...Object.fromEntries(headers) },
    ...(message.attachments?.length
      ? {
          attachments: message.attachments.map((a) => ({
            filename: toHeaderText(a.filename),
            contentType: toHeaderText(a.contentType),
            content: a.content,
          })),
        }
      : {}),
    // Never let nodemailer fetch a URL or read a file named in the message.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
