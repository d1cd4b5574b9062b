/**
 * SesMailer: sends through Amazon SES (API v2, `SendEmail` with the raw message) with nodemailer's SES
 * transport, `BOSUN_MAIL=ses://REGION`. The message is built by the same `nodemailer-message.ts` as
 * SMTP's, so headers, parts and DKIM signing (Bosun's own, when configured, beside SES's Easy DKIM) are
 * the same. The function's role needs `ses:SendEmail` on the sending identity.
 *
 * SES sets a Message-ID of its own on the message it delivers (`<MessageId@REGION.amazonses.com>`);
 * nodemailer leaves Message-ID and Date out of the DKIM signature for that reason. The answer records
 * SES's MessageId; `messageId` stays Bosun's, as the Mailer port says.
 */
import { SESv2Client, type SESv2ClientConfig, SendEmailCommand } from '@aws-sdk/client-sesv2';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Mailer, MailMessage, SentMail } from '../ports/mailer';
import { type MailerOptions, toNodemailerMessage, transportOptions } from './nodemailer-message';

export type SesLocation = { region: string; endpoint?: string | undefined; configurationSet?: string | undefined };

/**
 * SES's refusals of this message as it stands: sending it again unchanged fails the same way, so the
 * mail waits for a person (ADR 0022's final refusal). `MessageRejected`: SES will not send this message
 * (its content, or in the sandbox a recipient that is not verified); `BadRequestException`: a field of
 * the request SES cannot take, e.g. an address it cannot parse.
 *
 * Everything else is passing and the job retries: throttling (`TooManyRequestsException`,
 * `LimitExceededException`, after the SDK's own retries), SES's 5xx answers and lost connections, and
 * what the installation has to fix before any mail goes out — `MailFromDomainNotVerifiedException`
 * (the sender's domain), `AccountSuspendedException`, `SendingPausedException`, `NotFoundException`
 * (the configuration set), refused credentials. Like a refused SMTP login or sender, those deliver
 * once fixed, without a person sending each message again.
 */
const FINAL_REFUSALS = new Set(['MessageRejected', 'BadRequestException']);

export class SesMailer implements Mailer {
  readonly #client: SESv2Client;
  readonly #transport: Transporter;
  readonly #configurationSet: string | undefined;

  constructor(location: SesLocation, options: MailerOptions & { clientConfig?: SESv2ClientConfig } = {}) {
    this.#client = new SESv2Client({
      region: location.region,
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      // Bounded waits so a silent endpoint fails the job (and it retries) instead of holding a worker.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
      ...options.clientConfig,
    });
    this.#configurationSet = location.configurationSet;
    this.#transport = nodemailer.createTransport({
      SES: { sesClient: this.#client, SendEmailCommand },
      ...transportOptions(options),
    });
  }

  async send(message: MailMessage): Promise<SentMail> {
    const info = await this.#transport
      .sendMail({
        ...toNodemailerMessage(message),
        ...(this.#configurationSet ? { ses: { ConfigurationSetName: this.#configurationSet } } : {}),
      })
      .catch((err: unknown) => {
        const name = typeof (err as { name?: unknown })?.name === 'string' ? (err as { name: string }).name : '';
        const status = (err as { $metadata?: { httpStatusCode?: unknown } })?.$metadata?.httpStatusCode;
        const refused = FINAL_REFUSALS.has(name);
        if (!(err instanceof Error)) throw err;
        err.message = `SES ${refused ? 'refused the message' : 'did not send the message'}: ${name || 'Error'}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${err.message}`;
        throw Object.assign(err, { recipientRefused: refused });
      });
    const to = (info.envelope as { to?: unknown } | undefined)?.to;
    const accepted = Array.isArray(to) ? to.map(String) : [message.to.address];
    return { messageId: message.messageId, accepted, response: `SES MessageId ${String(info.response ?? '')}` };
  }

  async close(): Promise<void> {
    this.#transport.close();
    this.#client.destroy();
  }
}
